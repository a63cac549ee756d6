#pragma once

#include <vector>

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

/// Options of a copy on several devices (Faiss's GpuMultipleClonerOptions).
/// Only replicas are implemented (shard = true throws).
struct GpuMultipleClonerOptions : public GpuClonerOptions {
    bool shard = false;
};

/// An IndexReplicas (owning its replicas) with one GPU copy of `index` per
/// (provider, device) pair; a search splits its queries over the devices.
faisslike::Index* index_cpu_to_gpu_multiple(std::vector<GpuResourcesProvider*>& providers,
                                            std::vector<int>& devices,
                                            const faisslike::Index* index,
                                            const GpuMultipleClonerOptions* options = nullptr);

/// Faiss's Python index_cpu_to_all_gpus: a copy of `index` on each of the
/// first ngpu devices (-1: all present), each with its own
/// StandardGpuResources kept alive by the copy. With one device the result is
/// the GPU index itself, else an IndexReplicas over them.
faisslike::Index* index_cpu_to_all_gpus(const faisslike::Index* index,
                                        const GpuClonerOptions* options = nullptr,
                                        int ngpu = -1);

/// Lets write_index take GPU indexes: they are written as their CPU
/// counterpart. Called by every GPU index's constructor; idempotent.
void register_gpu_index_io();

} // namespace gpu
} // namespace faisslike
