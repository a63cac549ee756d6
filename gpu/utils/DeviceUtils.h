#pragma once

#include <cuda_runtime.h>

namespace faisslike {
namespace gpu {

/// Number of CUDA devices this process can use. Returns 0, not an error, when
/// the machine has no device or no (or a too old) driver, so callers can pick
/// the CPU path without a try/catch.
int getNumDevices();

/// The calling thread's current CUDA device.
int getCurrentDevice();

/// Makes `device` the calling thread's current CUDA device.
void setCurrentDevice(int device);

/// Properties of `device`, queried once per process and cached (they cannot
/// change while it runs). Throws FaisslikeException for an invalid device.
const cudaDeviceProp& getDeviceProperties(int device);

/// Properties of the calling thread's current device.
const cudaDeviceProp& getCurrentDeviceProperties();

/// The device whose memory holds p, or -1 for host memory (pageable,
/// pinned or unknown to CUDA). Lets the indexes take queries in either place.
int getDeviceForAddress(const void* p);

/// Makes `device` current for the life of the scope, then restores the
/// previous one.
class DeviceScope {
   public:
    explicit DeviceScope(int device);
    ~DeviceScope();
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

   private:
    int previous_;
};

} // namespace gpu
} // namespace faisslike

/// Throws FaisslikeException naming the CUDA error when `X` does not return
/// cudaSuccess.
#define FAISSLIKE_CUDA_CHECK(X)                                               \
    do {                                                                      \
        const cudaError_t faisslike_cuda_err_ = (X);                          \
        if (faisslike_cuda_err_ != cudaSuccess) {                             \
            ::faisslike::gpu::detail::throw_cuda_error(                       \
                    faisslike_cuda_err_, #X, __PRETTY_FUNCTION__, __FILE__,   \
                    __LINE__);                                                \
        }                                                                     \
    } while (false)

namespace faisslike {
namespace gpu {
namespace detail {

[[noreturn]] void throw_cuda_error(
        cudaError_t err,
        const char* expr,
        const char* function,
        const char* file,
        int line);

} // namespace detail
} // namespace gpu
} // namespace faisslike
