// Device queries of libfaisslike_gpu. CI has no GPU: there the device tests
// skip with the reason, and only the no-device contract is checked.

#include <string>

#include <gtest/gtest.h>

#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>

#include "gpu/skip_without_device.h"

TEST(GpuDevice, NumDevicesIsNonNegativeAndDoesNotThrow) {
    int n = -1;
    EXPECT_NO_THROW(n = faisslike::gpu::getNumDevices());
    EXPECT_GE(n, 0);
    // Asking again (the no-driver error is sticky in the runtime) still
    // answers, with the same count.
    EXPECT_EQ(faisslike::gpu::getNumDevices(), n);
}

TEST(GpuDevice, InvalidDeviceThrows) {
    const int n = faisslike::gpu::getNumDevices();
    EXPECT_THROW(
            faisslike::gpu::getDeviceProperties(n),
            faisslike::FaisslikeException);
    EXPECT_THROW(
            faisslike::gpu::getDeviceProperties(-1),
            faisslike::FaisslikeException);
}

TEST(GpuDevice, PropertiesAreSane) {
    SKIP_WITHOUT_DEVICE();
    const int n = faisslike::gpu::getNumDevices();
    for (int dev = 0; dev < n; ++dev) {
        const cudaDeviceProp& p = faisslike::gpu::getDeviceProperties(dev);
        EXPECT_GT(std::string(p.name).size(), 0u) << "device " << dev;
        EXPECT_GE(p.major, 7) << "device " << dev << " (" << p.name << ")";
        EXPECT_EQ(p.warpSize, 32) << p.name;
        EXPECT_GT(p.totalGlobalMem, size_t(0)) << p.name;
        EXPECT_GT(p.multiProcessorCount, 0) << p.name;
        EXPECT_GE(p.maxThreadsPerBlock, 1024) << p.name;
        EXPECT_GT(p.sharedMemPerBlock, size_t(0)) << p.name;
        // Cached: the same object each time.
        EXPECT_EQ(&p, &faisslike::gpu::getDeviceProperties(dev));
    }
}

TEST(GpuDevice, CurrentDeviceRoundTrips) {
    SKIP_WITHOUT_DEVICE();
    const int n = faisslike::gpu::getNumDevices();
    const int original = faisslike::gpu::getCurrentDevice();
    EXPECT_GE(original, 0);
    EXPECT_LT(original, n);
    for (int dev = 0; dev < n; ++dev) {
        faisslike::gpu::setCurrentDevice(dev);
        EXPECT_EQ(faisslike::gpu::getCurrentDevice(), dev);
        EXPECT_EQ(
                &faisslike::gpu::getCurrentDeviceProperties(),
                &faisslike::gpu::getDeviceProperties(dev));
    }
    faisslike::gpu::setCurrentDevice(original);
}
