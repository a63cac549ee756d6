#pragma once

#include <faisslike/gpu/GpuIndicesOptions.h>

namespace faisslike {
namespace gpu {

/// How index_cpu_to_gpu builds the GPU index (Faiss's GpuClonerOptions).
/// The float16 options and reserveVecs are not implemented: float16 throws,
/// reserveVecs is a capacity hint the lists grow past anyway.
struct GpuClonerOptions {
    /// Polymorphic so that the C API can tell GpuMultipleClonerOptions apart.
    virtual ~GpuClonerOptions() = default;
    IndicesOptions indicesOptions = INDICES_64_BIT;
    bool useFloat16CoarseQuantizer = false;
    bool useFloat16 = false;
    /// GpuIndexIVFPQ: use the precomputed table (L2).
    bool usePrecomputed = false;
    long reserveVecs = 0;
    bool storeTransposed = false;
    bool verbose = false;
};

} // namespace gpu
} // namespace faisslike
