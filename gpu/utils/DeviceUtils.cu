#include <faisslike/gpu/utils/DeviceUtils.h>

#include <vector>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace gpu {

namespace detail {

void throw_cuda_error(
        cudaError_t err,
        const char* expr,
        const char* function,
        const char* file,
        int line) {
    throw FaisslikeException(
            format_string(
                    "CUDA error %d (%s: %s) in %s",
                    static_cast<int>(err),
                    cudaGetErrorName(err),
                    cudaGetErrorString(err),
                    expr),
            function,
            file,
            line);
}

} // namespace detail

namespace {

// The errors cudaGetDeviceCount reports when there is nothing to run on: no
// device, no driver, or a driver that cannot serve this runtime.
bool means_no_device(cudaError_t err) {
    switch (err) {
        case cudaErrorNoDevice:
        case cudaErrorInsufficientDriver:
        case cudaErrorSystemDriverMismatch:
        case cudaErrorCompatNotSupportedOnDevice:
            return true;
        default:
            return false;
    }
}

std::vector<cudaDeviceProp> query_all_device_properties() {
    std::vector<cudaDeviceProp> props(getNumDevices());
    for (int dev = 0; dev < static_cast<int>(props.size()); ++dev) {
        FAISSLIKE_CUDA_CHECK(cudaGetDeviceProperties(&props[dev], dev));
    }
    return props;
}

} // namespace

int getNumDevices() {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (means_no_device(err)) {
        // Clear the runtime's last-error slot so later checks do not see it.
        (void)cudaGetLastError();
        return 0;
    }
    FAISSLIKE_CUDA_CHECK(err);
    return count;
}

int getCurrentDevice() {
    int device = 0;
    FAISSLIKE_CUDA_CHECK(cudaGetDevice(&device));
    return device;
}

void setCurrentDevice(int device) {
    FAISSLIKE_CUDA_CHECK(cudaSetDevice(device));
}

const cudaDeviceProp& getDeviceProperties(int device) {
    // Computed once, thread-safely, on first use: properties are fixed for
    // the life of the process, and this keeps no mutable global state.
    static const std::vector<cudaDeviceProp> props =
            query_all_device_properties();
    FAISSLIKE_THROW_IF_NOT_FMT(
            device >= 0 && device < static_cast<int>(props.size()),
            "invalid CUDA device %d (this process sees %d device(s))",
            device,
            static_cast<int>(props.size()));
    return props[device];
}

const cudaDeviceProp& getCurrentDeviceProperties() {
    return getDeviceProperties(getCurrentDevice());
}

int getDeviceForAddress(const void* p) {
    if (!p) {
        return -1;
    }
    cudaPointerAttributes att;
    const cudaError_t err = cudaPointerGetAttributes(&att, p);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        return -1;
    }
    return att.type == cudaMemoryTypeDevice || att.type == cudaMemoryTypeManaged ? att.device
                                                                                : -1;
}

DeviceScope::DeviceScope(int device) : previous_(getCurrentDevice()) {
    if (device != previous_) {
        setCurrentDevice(device);
    }
}

DeviceScope::~DeviceScope() {
    // Restoring cannot fail for a device that was current a moment ago.
    (void)cudaSetDevice(previous_);
}

} // namespace gpu
} // namespace faisslike
