#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include <cuda_runtime.h>

#include <faisslike/gpu/utils/DeviceUtils.h>

namespace faisslike {
namespace gpu {

/// An owning array in the current device's memory (the persistent storage
/// of the GPU indexes; scratch memory comes from GpuResources instead).
/// resize() keeps the contents and grows the allocation geometrically, so a
/// sequence of adds costs amortised linear copying.
template <class T>
class DeviceVector {
   public:
    DeviceVector() = default;
    explicit DeviceVector(size_t n) { reserve(n), size_ = n; }
    ~DeviceVector() { release(); }

    DeviceVector(const DeviceVector&) = delete;
    DeviceVector& operator=(const DeviceVector&) = delete;
    DeviceVector(DeviceVector&& o) noexcept { swap(o); }
    DeviceVector& operator=(DeviceVector&& o) noexcept {
        DeviceVector tmp(std::move(o));
        swap(tmp);
        return *this;
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }

    /// Grows or shrinks to n elements, keeping the first min(n, size()).
    void resize(size_t n, cudaStream_t stream) {
        if (n > capacity_) {
            DeviceVector grown;
            grown.reserve(std::max(n, capacity_ + capacity_ / 2));
            if (size_ > 0) {
                FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(grown.data_, data_, size_ * sizeof(T),
                                                     cudaMemcpyDeviceToDevice, stream));
                FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream));
            }
            grown.size_ = size_;
            swap(grown);
        }
        size_ = n;
    }

    /// Frees what resize() over-allocated; returns the bytes given back.
    size_t shrink_to_fit(cudaStream_t stream) {
        if (capacity_ == size_) {
            return 0;
        }
        const size_t freed = (capacity_ - size_) * sizeof(T);
        DeviceVector exact(size_);
        if (size_ > 0) {
            FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(exact.data_, data_, size_ * sizeof(T),
                                                 cudaMemcpyDeviceToDevice, stream));
            FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream));
        }
        swap(exact);
        return freed;
    }

    /// Writes n host elements at element offset `at` (which must fit).
    void upload(const T* src, size_t n, size_t at, cudaStream_t stream) {
        if (n == 0) {
            return;
        }
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(data_ + at, src, n * sizeof(T),
                                             cudaMemcpyHostToDevice, stream));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream));
    }

    std::vector<T> download(cudaStream_t stream) const {
        std::vector<T> out(size_);
        if (size_ > 0) {
            FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(out.data(), data_, size_ * sizeof(T),
                                                 cudaMemcpyDeviceToHost, stream));
            FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream));
        }
        return out;
    }

   private:
    void reserve(size_t n) {
        if (n > 0) {
            FAISSLIKE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), n * sizeof(T)));
            capacity_ = n;
        }
    }
    void release() {
        if (data_) {
            // Errors cannot be reported from a destructor; a failing free
            // means the context is already gone.
            (void)cudaFree(data_);
            data_ = nullptr;
        }
    }
    void swap(DeviceVector& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(capacity_, o.capacity_);
    }

    T* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

} // namespace gpu
} // namespace faisslike
