#include "DeviceUtils_c.h"

#include <cuda_profiler_api.h>
#include <cuda_runtime.h>

#include <faisslike/gpu/utils/DeviceUtils.h>

#include "gpu_c_impl.h"

using faisslike_c::guarded;
using faisslike_c::require;

extern "C" {

int faiss_get_num_gpus(int* p_output) {
    return guarded(__func__, [&] {
        require(p_output, "p_output");
        *p_output = faisslike::gpu::getNumDevices();
    });
}

int faiss_gpu_profiler_start(void) {
    return guarded(__func__, [&] { FAISSLIKE_CUDA_CHECK(cudaProfilerStart()); });
}

int faiss_gpu_profiler_stop(void) {
    return guarded(__func__, [&] { FAISSLIKE_CUDA_CHECK(cudaProfilerStop()); });
}

int faiss_gpu_sync_all_devices(void) {
    return guarded(__func__, [&] {
        const int n = faisslike::gpu::getNumDevices();
        for (int dev = 0; dev < n; dev++) {
            faisslike::gpu::DeviceScope scope(dev);
            FAISSLIKE_CUDA_CHECK(cudaDeviceSynchronize());
        }
    });
}

}
