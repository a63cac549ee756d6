#pragma once

#include <cstddef>
#include <memory>

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace faisslike {
namespace gpu {

/// Where an allocation lives (Faiss's values).
enum class MemorySpace {
    /// Scratch memory of one call, served from the reservation of
    /// StandardGpuResources (stack order), or cudaMalloc when it is full.
    Temporary = 0,
    /// cudaMalloc.
    Device = 1,
    /// cudaMallocManaged.
    Unified = 2,
};

/// One allocation request (Faiss's AllocRequest, without the statistics tag).
struct AllocRequest {
    int device = 0;
    MemorySpace space = MemorySpace::Device;
    cudaStream_t stream = nullptr; ///< the stream the memory is used on
    size_t size = 0;               ///< bytes
};

/// The per-device state the GPU indexes run with: a cuBLAS handle, a default
/// stream, and memory. Not thread-safe: use one object per calling thread
/// (as in Faiss).
class GpuResources {
   public:
    virtual ~GpuResources();

    /// Creates the handle, stream and temporary reservation of `device`
    /// (done on first use by the getters below).
    virtual void initializeForDevice(int device) = 0;
    virtual cublasHandle_t getBlasHandle(int device) = 0;
    /// The stream all work on `device` is ordered on.
    virtual cudaStream_t getDefaultStream(int device) = 0;
    /// Orders the work of `device` on a stream of the caller's (not owned).
    virtual void setDefaultStream(int device, cudaStream_t stream) = 0;
    /// Memory per `req`; size 0 gives nullptr. Throws when the device is out
    /// of memory.
    virtual void* allocMemory(const AllocRequest& req) = 0;
    /// Frees what allocMemory returned (temporary memory in reverse order of
    /// allocation).
    virtual void deallocMemory(int device, void* p) = 0;
    /// Bytes of the temporary reservation still free on `device`.
    virtual size_t getTempMemoryAvailable(int device) const = 0;

    cublasHandle_t getBlasHandleCurrentDevice();
    cudaStream_t getDefaultStreamCurrentDevice();
    size_t getTempMemoryAvailableCurrentDevice() const;
    /// Waits for the work queued on the default stream of `device`.
    void syncDefaultStream(int device);
    void syncDefaultStreamCurrentDevice();
};

/// Something that hands out GpuResources (StandardGpuResources is one).
class GpuResourcesProvider {
   public:
    virtual ~GpuResourcesProvider();
    virtual std::shared_ptr<GpuResources> getResources() = 0;
};

/// A provider that returns a given resources object.
class GpuResourcesProviderFromInstance : public GpuResourcesProvider {
   public:
    explicit GpuResourcesProviderFromInstance(std::shared_ptr<GpuResources> res);
    std::shared_ptr<GpuResources> getResources() override;

   private:
    std::shared_ptr<GpuResources> res_;
};

} // namespace gpu
} // namespace faisslike
