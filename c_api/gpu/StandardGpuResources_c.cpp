#include "StandardGpuResources_c.h"

#include <memory>

#include <faisslike/gpu/StandardGpuResources.h>

#include "gpu_c_impl.h"

using faisslike::gpu::StandardGpuResources;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(StandardGpuResources)

int faiss_StandardGpuResources_new(FaissStandardGpuResources** p_res) {
    return guarded(__func__, [&] {
        put(p_res, std::unique_ptr<faisslike::gpu::GpuResourcesProvider>(
                           std::make_unique<StandardGpuResources>()),
            "p_res");
    });
}

int faiss_StandardGpuResources_noTempMemory(FaissStandardGpuResources* res) {
    return guarded(__func__, [&] { get<StandardGpuResources>(res, "res").noTempMemory(); });
}

int faiss_StandardGpuResources_setTempMemory(FaissStandardGpuResources* res, size_t size) {
    return guarded(__func__, [&] { get<StandardGpuResources>(res, "res").setTempMemory(size); });
}

int faiss_StandardGpuResources_setDefaultNullStreamAllDevices(FaissStandardGpuResources* res) {
    return guarded(__func__, [&] {
        get<StandardGpuResources>(res, "res").setDefaultNullStreamAllDevices();
    });
}

}
