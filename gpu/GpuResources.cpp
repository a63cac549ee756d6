#include <faisslike/gpu/GpuResources.h>

#include <faisslike/gpu/utils/DeviceUtils.h>

namespace faisslike {
namespace gpu {

GpuResources::~GpuResources() = default;

cublasHandle_t GpuResources::getBlasHandleCurrentDevice() {
    return getBlasHandle(getCurrentDevice());
}

cudaStream_t GpuResources::getDefaultStreamCurrentDevice() {
    return getDefaultStream(getCurrentDevice());
}

size_t GpuResources::getTempMemoryAvailableCurrentDevice() const {
    return getTempMemoryAvailable(getCurrentDevice());
}

void GpuResources::syncDefaultStream(int device) {
    DeviceScope scope(device);
    FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(getDefaultStream(device)));
}

void GpuResources::syncDefaultStreamCurrentDevice() {
    syncDefaultStream(getCurrentDevice());
}

GpuResourcesProvider::~GpuResourcesProvider() = default;

GpuResourcesProviderFromInstance::GpuResourcesProviderFromInstance(
        std::shared_ptr<GpuResources> res)
        : res_(std::move(res)) {}

std::shared_ptr<GpuResources> GpuResourcesProviderFromInstance::getResources() {
    return res_;
}

} // namespace gpu
} // namespace faisslike
