#pragma once

// The device side of the kernel drivers (FlatSearch.h, IVFKernels.h): real
// thread blocks, cuBLAS GEMM, and scratch memory from GpuResources. Only .cu
// files include this.

#include <cstddef>
#include <utility>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <faisslike/gpu/GpuResources.h>
#include <faisslike/gpu/impl/HostDevice.h>
#include <faisslike/gpu/utils/CublasCheck.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/gpu/utils/TempBuffer.h>

namespace faisslike {
namespace gpu {
namespace kernels {

/// The block of the running kernel: run(f) is f(threadIdx.x), then a barrier.
/// Host-device only so that the shared templates instantiate cleanly; it is
/// never called on the host.
struct DeviceBlock {
    FAISSLIKE_HD int num_threads() const {
#if defined(__CUDA_ARCH__)
        return int(blockDim.x);
#else
        return 0;
#endif
    }

    template <class F>
    FAISSLIKE_HD void run(F&& f) {
#if defined(__CUDA_ARCH__)
        f(int(threadIdx.x));
        __syncthreads();
#else
        (void)f;
#endif
    }
};

template <class Body>
__global__ void run_body_kernel(Body body) {
    extern __shared__ unsigned long long faisslike_shared[];
    DeviceBlock block;
    body(block, blockIdx.x, blockIdx.y, reinterpret_cast<char*>(faisslike_shared));
}

/// Backend of the drivers on one device, ordered on its default stream.
class DeviceBackend {
   public:
    DeviceBackend(GpuResources* res, int device)
            : res_(res),
              device_(device),
              stream_(res->getDefaultStream(device)),
              blas_(res->getBlasHandle(device)) {}

    /// Scratch memory from the resources (stack order; RAII).
    template <class T>
    using Temp = TempBuffer<T>;

    int threads() const { return kThreads; }

    /// What the tiling may plan with: the free reservation, or, without one
    /// (noTempMemory), a fixed amount served by cudaMalloc.
    size_t temp_budget() const {
        const size_t avail = res_->getTempMemoryAvailable(device_);
        return avail > 0 ? avail : (size_t(256) << 20);
    }

    template <class T>
    Temp<T> temp(size_t n) {
        return Temp<T>(res_, device_, stream_, n);
    }

    /// Row-major C (m x n) = A (m x d) . B (n x d)^T: with column-major
    /// cuBLAS this is C^T = B . A^T.
    void gemm_nt(int m, int n, int d, const float* a, const float* b, float* c) {
        const float one = 1.0f, zero = 0.0f;
        FAISSLIKE_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
        FAISSLIKE_CUBLAS_CHECK(cublasSgemm(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, d, &one, b, d,
                                           a, d, &zero, c, n));
    }

    template <class Body>
    void launch(Grid g, size_t shared_bytes, const Body& body) {
        if (g.x == 0 || g.y == 0) {
            return;
        }
        FAISSLIKE_THROW_IF_NOT_FMT(g.y <= kMaxGridY, "GPU grid of %u x %u blocks is too large",
                                   g.x, g.y);
        run_body_kernel<Body><<<dim3(g.x, g.y), kThreads, shared_bytes, stream_>>>(body);
        FAISSLIKE_CUDA_CHECK(cudaGetLastError());
    }

    void to_host(void* dst, const void* src, size_t bytes) {
        if (bytes == 0) {
            return;
        }
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    }

    void to_device(void* dst, const void* src, size_t bytes) {
        if (bytes == 0) {
            return;
        }
        // Synchronous: the host buffer may be gone once this returns.
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream_));
    }

   private:
    /// Threads per block of every kernel: enough to hide the latency of the
    /// selection's shared-memory phases, few enough for any device.
    static constexpr int kThreads = 256;

    GpuResources* res_;
    int device_;
    cudaStream_t stream_;
    cublasHandle_t blas_;
};

} // namespace kernels
} // namespace gpu
} // namespace faisslike
