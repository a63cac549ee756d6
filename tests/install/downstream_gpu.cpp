// Links the installed libfaisslike_gpu; runs with or without a device.

#include <cstdio>

#include <faisslike/gpu/utils/DeviceUtils.h>

int main() {
    const int n = faisslike::gpu::getNumDevices();
    if (n < 0) {
        std::fprintf(stderr, "getNumDevices returned %d\n", n);
        return 1;
    }
    std::printf("downstream_gpu: OK (%d CUDA device(s))\n", n);
    return 0;
}
