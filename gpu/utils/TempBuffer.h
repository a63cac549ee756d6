#pragma once

#include <cstddef>

#include <cuda_runtime.h>

#include <faisslike/gpu/GpuResources.h>

namespace faisslike {
namespace gpu {

/// n elements of scratch device memory from GpuResources (the temporary
/// reservation, in stack order: declare them in scopes so that they are
/// destroyed in reverse order of creation).
template <class T>
class TempBuffer {
   public:
    TempBuffer(GpuResources* res, int device, cudaStream_t stream, size_t n)
            : res_(res), device_(device) {
        AllocRequest req;
        req.device = device;
        req.space = MemorySpace::Temporary;
        req.stream = stream;
        req.size = n * sizeof(T);
        p_ = static_cast<T*>(res->allocMemory(req));
    }
    TempBuffer(TempBuffer&& o) noexcept : res_(o.res_), device_(o.device_), p_(o.p_) {
        o.p_ = nullptr;
    }
    TempBuffer(const TempBuffer&) = delete;
    TempBuffer& operator=(const TempBuffer&) = delete;
    TempBuffer& operator=(TempBuffer&&) = delete;
    ~TempBuffer() {
        if (p_) {
            res_->deallocMemory(device_, p_);
        }
    }

    T* data() { return p_; }

   private:
    GpuResources* res_;
    int device_;
    T* p_ = nullptr;
};

} // namespace gpu
} // namespace faisslike
