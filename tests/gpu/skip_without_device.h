#pragma once

// GPU tests that need a device skip, with the reason, where none is present
// (CI has no GPU).

#include <string>

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <faisslike/gpu/utils/DeviceUtils.h>

namespace faisslike {
namespace gpu {
namespace test {

/// Why the CUDA runtime sees no device, for the skip message.
inline std::string no_device_reason() {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    (void)cudaGetLastError();
    if (err == cudaSuccess) {
        return "the CUDA runtime reports 0 devices";
    }
    std::string reason = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
    if (err == cudaErrorInsufficientDriver) {
        reason += " (no NVIDIA driver, or one older than this CUDA runtime)";
    }
    return reason;
}

} // namespace test
} // namespace gpu
} // namespace faisslike

#define SKIP_WITHOUT_DEVICE()                                                           \
    do {                                                                                \
        if (faisslike::gpu::getNumDevices() == 0) {                                     \
            GTEST_SKIP() << "no CUDA device: " << faisslike::gpu::test::no_device_reason(); \
        }                                                                               \
    } while (false)
