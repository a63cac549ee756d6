#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <faisslike/gpu/GpuResources.h>

namespace faisslike {
namespace gpu {

/// The default GpuResources: per device, a non-blocking stream, a cuBLAS
/// handle, and a temporary-memory reservation allocated once and handed out
/// in stack order (requests that do not fit fall back to cudaMalloc).
/// Nothing touches CUDA before a device is first used, so the object can be
/// created on a machine without a GPU.
class StandardGpuResourcesImpl : public GpuResources {
   public:
    StandardGpuResourcesImpl();
    ~StandardGpuResourcesImpl() override;

    /// No reservation: every temporary allocation is a cudaMalloc.
    void noTempMemory();
    /// Size of the reservation of each device (Faiss's default depends on the
    /// device's memory: 512 MiB up to 4 GiB, 1 GiB up to 8 GiB, else 1.5 GiB).
    /// Takes effect on devices initialized later, and on initialized devices
    /// whose reservation is not in use (otherwise throws).
    void setTempMemory(size_t size);
    void setDefaultStream(int device, cudaStream_t stream) override;
    /// Back to the stream this object created.
    void revertDefaultStream(int device);
    /// Orders every device's work on the legacy null stream.
    void setDefaultNullStreamAllDevices();
    /// device -> allocation kind -> (count, bytes) of live allocations.
    std::map<int, std::map<std::string, std::pair<int, size_t>>> getMemoryInfo() const;

    void initializeForDevice(int device) override;
    cublasHandle_t getBlasHandle(int device) override;
    cudaStream_t getDefaultStream(int device) override;
    void* allocMemory(const AllocRequest& req) override;
    void deallocMemory(int device, void* p) override;
    size_t getTempMemoryAvailable(int device) const override;

    bool isInitialized(int device) const;
    /// The reservation Faiss's rule gives `device` for a requested size
    /// (requested when not the default marker).
    static size_t getDefaultTempMemForGPU(int device, size_t requested);

   private:
    struct TempStack {
        char* base = nullptr;
        size_t size = 0;
        size_t used = 0;
        std::vector<std::pair<void*, size_t>> live; ///< stack of (ptr, rounded bytes)
    };
    struct Live {
        MemorySpace space;
        size_t size;
        bool overflow; ///< a temporary request served by cudaMalloc
    };
    void allocateTempStack(int device);

    std::unordered_map<int, cudaStream_t> defaultStreams_;
    std::unordered_map<int, cudaStream_t> userDefaultStreams_;
    std::unordered_map<int, cublasHandle_t> blasHandles_;
    std::unordered_map<int, TempStack> tempMemory_;
    std::unordered_map<int, std::unordered_map<void*, Live>> allocs_;
    size_t tempMemSize_;
};

/// Faiss's StandardGpuResources: the provider users create and pass to the
/// GPU indexes; it owns one StandardGpuResourcesImpl.
class StandardGpuResources : public GpuResourcesProvider {
   public:
    StandardGpuResources();
    ~StandardGpuResources() override;

    std::shared_ptr<GpuResources> getResources() override;

    void noTempMemory();
    void setTempMemory(size_t size);
    void setDefaultStream(int device, cudaStream_t stream);
    void revertDefaultStream(int device);
    void setDefaultNullStreamAllDevices();
    std::map<int, std::map<std::string, std::pair<int, size_t>>> getMemoryInfo() const;
    cudaStream_t getDefaultStream(int device);
    size_t getTempMemoryAvailable(int device) const;
    void syncDefaultStreamCurrentDevice();

   private:
    std::shared_ptr<StandardGpuResourcesImpl> res_;
};

} // namespace gpu
} // namespace faisslike
