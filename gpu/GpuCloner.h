#pragma once

#include <faisslike/Index.h>
#include <faisslike/gpu/GpuClonerOptions.h>

namespace faisslike {
namespace gpu {

class GpuResourcesProvider;

/// The CPU counterpart of a GPU index (IndexFlat, IndexIVFFlat, IndexIVFPQ,
/// with a quantizer it owns); a CPU index is deep-copied. Caller owns it.
faisslike::Index* index_gpu_to_cpu(const faisslike::Index* gpu_index);

/// A GPU copy of a CPU index on `device`: IndexFlat (L2 / IP) ->
/// GpuIndexFlat, IndexIVFFlat -> GpuIndexIVFFlat, IndexIVFPQ ->
/// GpuIndexIVFPQ. Other types throw "This index type is not implemented on
/// GPU." Caller owns it.
faisslike::Index* index_cpu_to_gpu(GpuResourcesProvider* provider,
                                   int device,
                                   const faisslike::Index* index,
                                   const GpuClonerOptions* options = nullptr);

/// Lets write_index take GPU indexes: they are written as their CPU
/// counterpart. Called by every GPU index's constructor; idempotent.
void register_gpu_index_io();

} // namespace gpu
} // namespace faisslike
