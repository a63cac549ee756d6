#pragma once

// Entry points of the CUDA kernels for the index classes (plain C++; the
// implementations in FlatKernels.cu / IVFKernels.cu instantiate the shared
// drivers with the device backend). Every pointer is device memory of
// `device`; work is ordered on the resources' default stream of `device`.

#include <cstdint>

#include <faisslike/gpu/impl/FlatSearch.h>
#include <faisslike/gpu/impl/IVFKernels.h>
#include <faisslike/gpu/utils/DeviceVector.h>

namespace faisslike {
namespace gpu {

class GpuResources;

using DeviceIVFLists = kernels::IVFLists<DeviceVector>;

/// out[i] = ||x_i||^2.
void runRowNorms(GpuResources* res, int device, const float* x, int64_t n, int d, float* out);

/// Brute-force k-NN.
void runFlatSearch(GpuResources* res, int device, const kernels::FlatSearchArgs& args);

/// Empty lists for nlist lists of code_size bytes.
void runIVFReset(GpuResources* res, int device, DeviceIVFLists& lists, int64_t nlist,
                 int code_size);

/// Assigns, encodes and appends n vectors (xids null: ids id0 + i).
void runIVFAdd(GpuResources* res, int device, DeviceIVFLists& lists,
               const kernels::IVFCoarse& coarse, const kernels::IVFCodec& codec, const float* x,
               int64_t n, const int64_t* xids, int64_t id0);

/// IVF k-NN.
void runIVFSearch(GpuResources* res, int device, const DeviceIVFLists& lists,
                  const kernels::IVFCoarse& coarse, const kernels::IVFCodec& codec,
                  const kernels::IVFSearchArgs& args);

/// The precomputed table (term 2) of an IVFPQ index: nlist * M * ksub floats.
void runPQTerm2(GpuResources* res, int device, const float* centroids, int64_t nlist,
                const float* pq_centroids, int M, int ksub, int dsub, float* term2);

} // namespace gpu
} // namespace faisslike
