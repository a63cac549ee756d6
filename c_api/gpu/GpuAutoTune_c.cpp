#include "GpuAutoTune_c.h"

#include <memory>
#include <vector>

#include "gpu_c_impl.h"

using faisslike::Index;
using faisslike::gpu::GpuClonerOptions;
using faisslike::gpu::GpuMultipleClonerOptions;
using faisslike::gpu::GpuResourcesProvider;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;
using faisslike_c::require;

namespace {

std::vector<GpuResourcesProvider*> providers_of(FaissGpuResourcesProvider* const* v, size_t n) {
    require(v, "providers_vec");
    std::vector<GpuResourcesProvider*> out;
    for (size_t i = 0; i < n; i++) {
        out.push_back(&get<GpuResourcesProvider>(v[i], "providers_vec[i]"));
    }
    return out;
}

int cpu_to_gpu_multiple(const char* function,
                        FaissGpuResourcesProvider* const* providers_vec,
                        size_t providers_size,
                        const int* devices,
                        size_t devices_size,
                        const FaissIndex* index,
                        const FaissGpuMultipleClonerOptions* options,
                        FaissGpuIndex** p_out) {
    return guarded(function, [&] {
        require(devices, "devices");
        std::vector<GpuResourcesProvider*> providers = providers_of(providers_vec, providers_size);
        std::vector<int> devs(devices, devices + devices_size);
        const GpuMultipleClonerOptions* o =
                options ? &get<const GpuMultipleClonerOptions>(options, "options") : nullptr;
        put(p_out,
            std::unique_ptr<Index>(faisslike::gpu::index_cpu_to_gpu_multiple(
                    providers, devs, &get<const Index>(index, "index"), o)),
            "p_out");
    });
}

} // namespace

extern "C" {

int faiss_index_gpu_to_cpu(const FaissIndex* gpu_index, FaissIndex** p_out) {
    return guarded(__func__, [&] {
        put(p_out,
            std::unique_ptr<Index>(
                    faisslike::gpu::index_gpu_to_cpu(&get<const Index>(gpu_index, "gpu_index"))),
            "p_out");
    });
}

int faiss_index_cpu_to_gpu(FaissGpuResourcesProvider* provider,
                           int device,
                           const FaissIndex* index,
                           FaissGpuIndex** p_out) {
    return faiss_index_cpu_to_gpu_with_options(provider, device, index, nullptr, p_out);
}

int faiss_index_cpu_to_gpu_with_options(FaissGpuResourcesProvider* provider,
                                        int device,
                                        const FaissIndex* index,
                                        const FaissGpuClonerOptions* options,
                                        FaissGpuIndex** p_out) {
    return guarded(__func__, [&] {
        const GpuClonerOptions* o =
                options ? &get<const GpuClonerOptions>(options, "options") : nullptr;
        put(p_out,
            std::unique_ptr<Index>(faisslike::gpu::index_cpu_to_gpu(
                    &get<GpuResourcesProvider>(provider, "provider"), device,
                    &get<const Index>(index, "index"), o)),
            "p_out");
    });
}

int faiss_index_cpu_to_gpu_multiple(FaissGpuResourcesProvider* const* providers_vec,
                                    const int* devices,
                                    size_t devices_size,
                                    const FaissIndex* index,
                                    FaissGpuIndex** p_out) {
    return cpu_to_gpu_multiple(__func__, providers_vec, devices_size, devices, devices_size, index,
                               nullptr, p_out);
}

int faiss_index_cpu_to_gpu_multiple_with_options(
        FaissGpuResourcesProvider* const* providers_vec,
        size_t providers_vec_size,
        const int* devices,
        size_t devices_size,
        const FaissIndex* index,
        const FaissGpuMultipleClonerOptions* options,
        FaissGpuIndex** p_out) {
    return cpu_to_gpu_multiple(__func__, providers_vec, providers_vec_size, devices, devices_size,
                               index, options, p_out);
}

}
