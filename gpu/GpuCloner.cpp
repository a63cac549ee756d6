#include <faisslike/gpu/GpuCloner.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <typeindex>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexReplicas.h>
#include <faisslike/clone_index.h>
#include <faisslike/gpu/GpuIndexFlat.h>
#include <faisslike/gpu/GpuIndexIVFFlat.h>
#include <faisslike/gpu/GpuIndexIVFPQ.h>
#include <faisslike/gpu/GpuResources.h>
#include <faisslike/gpu/StandardGpuResources.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/index_registry.h>

namespace faisslike {
namespace gpu {

faisslike::Index* index_gpu_to_cpu(const faisslike::Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "index_gpu_to_cpu: null index");
    if (auto* g = dynamic_cast<const GpuIndexFlat*>(index)) {
        std::unique_ptr<IndexFlat> cpu(g->metric_type == METRIC_L2
                                               ? static_cast<IndexFlat*>(new IndexFlatL2(g->d))
                                               : new IndexFlatIP(g->d));
        g->copyTo(cpu.get());
        return cpu.release();
    }
    if (auto* g = dynamic_cast<const GpuIndexIVFFlat*>(index)) {
        auto* q = new IndexFlat(g->d, g->metric_type);
        std::unique_ptr<IndexIVFFlat> cpu(new IndexIVFFlat(q, size_t(g->d), g->nlist, g->metric_type));
        cpu->own_fields = true;
        g->copyTo(cpu.get());
        return cpu.release();
    }
    if (auto* g = dynamic_cast<const GpuIndexIVFPQ*>(index)) {
        auto* q = new IndexFlat(g->d, g->metric_type);
        std::unique_ptr<IndexIVFPQ> cpu(new IndexIVFPQ(q, size_t(g->d), g->nlist, g->pq.M,
                                                       g->pq.nbits, g->metric_type));
        cpu->own_fields = true;
        g->copyTo(cpu.get());
        return cpu.release();
    }
    FAISSLIKE_THROW_IF_NOT_FMT(dynamic_cast<const GpuIndex*>(index) == nullptr,
                               "index_gpu_to_cpu: no CPU counterpart for %s",
                               index->index_name().c_str());
    return clone_index(index);
}

faisslike::Index* index_cpu_to_gpu(GpuResourcesProvider* provider,
                                   int device,
                                   const faisslike::Index* index,
                                   const GpuClonerOptions* options) {
    FAISSLIKE_THROW_IF_NOT_MSG(provider, "index_cpu_to_gpu: null GpuResourcesProvider");
    FAISSLIKE_THROW_IF_NOT_MSG(index, "index_cpu_to_gpu: null index");
    const GpuClonerOptions defaults;
    const GpuClonerOptions& o = options ? *options : defaults;
    FAISSLIKE_THROW_IF_NOT_MSG(!o.useFloat16 && !o.useFloat16CoarseQuantizer,
                               "index_cpu_to_gpu: float16 storage is not implemented");
    if (auto* flat = dynamic_cast<const IndexFlat*>(index)) {
        GpuIndexFlatConfig config;
        config.device = device;
        config.storeTransposed = o.storeTransposed;
        return new GpuIndexFlat(provider, flat, config);
    }
    if (auto* ivf = dynamic_cast<const IndexIVFFlat*>(index)) {
        GpuIndexIVFFlatConfig config;
        config.device = device;
        config.indicesOptions = o.indicesOptions;
        return new GpuIndexIVFFlat(provider, ivf, config);
    }
    if (auto* ivfpq = dynamic_cast<const IndexIVFPQ*>(index)) {
        GpuIndexIVFPQConfig config;
        config.device = device;
        config.indicesOptions = o.indicesOptions;
        config.usePrecomputedTables = o.usePrecomputed;
        return new GpuIndexIVFPQ(provider, ivfpq, config);
    }
    FAISSLIKE_THROW_FMT("This index type is not implemented on GPU. (%s)",
                        index->index_name().c_str());
}

faisslike::Index* index_cpu_to_gpu_multiple(std::vector<GpuResourcesProvider*>& providers,
                                            std::vector<int>& devices,
                                            const faisslike::Index* index,
                                            const GpuMultipleClonerOptions* options) {
    FAISSLIKE_THROW_IF_NOT_FMT(!providers.empty() && providers.size() == devices.size(),
                               "index_cpu_to_gpu_multiple: %zu providers for %zu devices",
                               providers.size(), devices.size());
    FAISSLIKE_THROW_IF_NOT_MSG(!options || !options->shard,
                               "index_cpu_to_gpu_multiple: sharding is not implemented (use "
                               "shard = false, replicas)");
    FAISSLIKE_THROW_IF_NOT_MSG(index, "index_cpu_to_gpu_multiple: null index");
    auto replicas = std::make_unique<IndexReplicas>(index->d);
    replicas->own_indices = true;
    for (size_t i = 0; i < devices.size(); i++) {
        std::unique_ptr<Index> copy(index_cpu_to_gpu(providers[i], devices[i], index, options));
        replicas->addIndex(copy.get());
        copy.release();
    }
    return replicas.release();
}

faisslike::Index* index_cpu_to_all_gpus(const faisslike::Index* index,
                                        const GpuClonerOptions* options,
                                        int ngpu) {
    const int present = getNumDevices();
    const int n = ngpu < 0 ? present : std::min(ngpu, present);
    FAISSLIKE_THROW_IF_NOT_FMT(n > 0, "index_cpu_to_all_gpus: no CUDA device (%d present)",
                               present);
    // Each copy keeps its resources alive (it holds their shared_ptr), so
    // the providers may go when this returns.
    std::vector<std::unique_ptr<StandardGpuResources>> res;
    std::vector<GpuResourcesProvider*> providers;
    std::vector<int> devices;
    for (int dev = 0; dev < n; dev++) {
        res.push_back(std::make_unique<StandardGpuResources>());
        providers.push_back(res.back().get());
        devices.push_back(dev);
    }
    if (n == 1) {
        return index_cpu_to_gpu(providers[0], 0, index, options);
    }
    GpuMultipleClonerOptions multi;
    if (options) {
        static_cast<GpuClonerOptions&>(multi) = *options;
    }
    return index_cpu_to_gpu_multiple(providers, devices, index, &multi);
}

void register_gpu_index_io() {
    static std::once_flag once;
    std::call_once(once, [] {
        IOEntry<Index> entry;
        entry.types = {std::type_index(typeid(GpuIndexFlat)),
                       std::type_index(typeid(GpuIndexFlatL2)),
                       std::type_index(typeid(GpuIndexFlatIP)),
                       std::type_index(typeid(GpuIndexIVFFlat)),
                       std::type_index(typeid(GpuIndexIVFPQ))};
        // Written as the CPU counterpart, which is what a reader gets back.
        entry.write = [](const Index& index, WriteStream& out) {
            std::unique_ptr<Index> cpu(index_gpu_to_cpu(&index));
            write_index_block(cpu.get(), out);
        };
        register_index_io(std::move(entry));
    });
}

} // namespace gpu
} // namespace faisslike
