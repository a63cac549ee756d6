#include <faisslike/gpu/StandardGpuResources.h>

#include <algorithm>

#include <faisslike/gpu/utils/CublasCheck.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace gpu {

namespace {

// Marker of "no size requested": use Faiss's rule for the device.
constexpr size_t kDefaultTempMem = ~size_t(0);
// Temporary allocations are aligned (and rounded) to this many bytes, so
// every scratch array is suitably aligned for vector loads.
constexpr size_t kTempAlign = 256;

size_t round_up(size_t n) {
    return (n + kTempAlign - 1) / kTempAlign * kTempAlign;
}

} // namespace

StandardGpuResourcesImpl::StandardGpuResourcesImpl() : tempMemSize_(kDefaultTempMem) {}

StandardGpuResourcesImpl::~StandardGpuResourcesImpl() {
    // Destructors cannot throw: release what can be released, ignore errors
    // (the driver may already be shutting down at process exit).
    for (auto& [device, allocs] : allocs_) {
        DeviceScope scope(device);
        for (auto& [p, live] : allocs) {
            (void)live;
            (void)cudaFree(p);
        }
    }
    for (auto& [device, stack] : tempMemory_) {
        DeviceScope scope(device);
        (void)cudaFree(stack.base);
    }
    for (auto& [device, handle] : blasHandles_) {
        DeviceScope scope(device);
        (void)cublasDestroy(handle);
    }
    for (auto& [device, stream] : defaultStreams_) {
        DeviceScope scope(device);
        (void)cudaStreamDestroy(stream);
    }
}

size_t StandardGpuResourcesImpl::getDefaultTempMemForGPU(int device, size_t requested) {
    const size_t total = getDeviceProperties(device).totalGlobalMem;
    const size_t GiB = size_t(1) << 30;
    if (requested != kDefaultTempMem) {
        return std::min(requested, total);
    }
    if (total <= 4 * GiB) {
        return GiB / 2;
    }
    if (total <= 8 * GiB) {
        return GiB;
    }
    return GiB + GiB / 2;
}

void StandardGpuResourcesImpl::noTempMemory() {
    setTempMemory(0);
}

void StandardGpuResourcesImpl::setTempMemory(size_t size) {
    for (auto& [device, stack] : tempMemory_) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                stack.live.empty(),
                "setTempMemory: device %d has temporary memory in use; call it between searches",
                device);
    }
    tempMemSize_ = size;
    for (auto& [device, stack] : tempMemory_) {
        DeviceScope scope(device);
        (void)cudaFree(stack.base);
        stack = TempStack{};
        allocateTempStack(device);
    }
}

void StandardGpuResourcesImpl::allocateTempStack(int device) {
    TempStack& stack = tempMemory_[device];
    stack.size = getDefaultTempMemForGPU(device, tempMemSize_);
    if (stack.size > 0) {
        FAISSLIKE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&stack.base), stack.size));
    }
}

bool StandardGpuResourcesImpl::isInitialized(int device) const {
    return defaultStreams_.count(device) != 0;
}

void StandardGpuResourcesImpl::initializeForDevice(int device) {
    if (isInitialized(device)) {
        return;
    }
    const int n = getNumDevices();
    FAISSLIKE_THROW_IF_NOT_FMT(
            device >= 0 && device < n,
            "GPU device %d is not available (this process sees %d CUDA device(s))", device, n);
    DeviceScope scope(device);
    cudaStream_t stream = nullptr;
    FAISSLIKE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    cublasHandle_t handle = nullptr;
    const cublasStatus_t st = cublasCreate(&handle);
    if (st != CUBLAS_STATUS_SUCCESS) {
        (void)cudaStreamDestroy(stream);
        FAISSLIKE_CUBLAS_CHECK(st);
    }
    defaultStreams_[device] = stream;
    blasHandles_[device] = handle;
    allocateTempStack(device);
}

cublasHandle_t StandardGpuResourcesImpl::getBlasHandle(int device) {
    initializeForDevice(device);
    return blasHandles_.at(device);
}

cudaStream_t StandardGpuResourcesImpl::getDefaultStream(int device) {
    initializeForDevice(device);
    auto user = userDefaultStreams_.find(device);
    return user != userDefaultStreams_.end() ? user->second : defaultStreams_.at(device);
}

void StandardGpuResourcesImpl::setDefaultStream(int device, cudaStream_t stream) {
    if (isInitialized(device)) {
        // Work queued on the previous stream must finish before the new one
        // may reuse the memory it used.
        syncDefaultStream(device);
    }
    userDefaultStreams_[device] = stream;
}

void StandardGpuResourcesImpl::revertDefaultStream(int device) {
    if (isInitialized(device)) {
        syncDefaultStream(device);
    }
    userDefaultStreams_.erase(device);
}

void StandardGpuResourcesImpl::setDefaultNullStreamAllDevices() {
    for (int dev = 0; dev < getNumDevices(); dev++) {
        setDefaultStream(dev, nullptr);
    }
}

void* StandardGpuResourcesImpl::allocMemory(const AllocRequest& req) {
    if (req.size == 0) {
        return nullptr;
    }
    initializeForDevice(req.device);
    DeviceScope scope(req.device);
    if (req.space == MemorySpace::Temporary) {
        TempStack& stack = tempMemory_.at(req.device);
        const size_t bytes = round_up(req.size);
        if (stack.size - stack.used >= bytes) {
            void* p = stack.base + stack.used;
            stack.used += bytes;
            stack.live.emplace_back(p, bytes);
            return p;
        }
    }
    void* p = nullptr;
    cudaError_t err = req.space == MemorySpace::Unified
            ? cudaMallocManaged(&p, req.size)
            : cudaMalloc(&p, req.size);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        FAISSLIKE_THROW_FMT(
                "failed to allocate %zu bytes on GPU device %d (%s); free memory or lower "
                "setTempMemory",
                req.size, req.device, cudaGetErrorString(err));
    }
    allocs_[req.device][p] = Live{req.space, req.size, req.space == MemorySpace::Temporary};
    return p;
}

void StandardGpuResourcesImpl::deallocMemory(int device, void* p) {
    if (!p) {
        return;
    }
    auto stack_it = tempMemory_.find(device);
    if (stack_it != tempMemory_.end() && !stack_it->second.live.empty()) {
        TempStack& stack = stack_it->second;
        char* c = static_cast<char*>(p);
        if (c >= stack.base && c < stack.base + stack.size) {
            FAISSLIKE_THROW_IF_NOT_MSG(
                    stack.live.back().first == p,
                    "temporary GPU memory must be freed in reverse order of allocation");
            stack.used -= stack.live.back().second;
            stack.live.pop_back();
            return;
        }
    }
    auto& allocs = allocs_[device];
    auto it = allocs.find(p);
    FAISSLIKE_THROW_IF_NOT_FMT(it != allocs.end(), "deallocMemory: %p was not allocated on device %d",
                               p, device);
    DeviceScope scope(device);
    // The stream may still use the memory: cudaFree waits for the device.
    FAISSLIKE_CUDA_CHECK(cudaFree(p));
    allocs.erase(it);
}

size_t StandardGpuResourcesImpl::getTempMemoryAvailable(int device) const {
    auto it = tempMemory_.find(device);
    return it == tempMemory_.end() ? 0 : it->second.size - it->second.used;
}

std::map<int, std::map<std::string, std::pair<int, size_t>>>
StandardGpuResourcesImpl::getMemoryInfo() const {
    std::map<int, std::map<std::string, std::pair<int, size_t>>> info;
    for (const auto& [device, stack] : tempMemory_) {
        auto& e = info[device]["TemporaryMemoryBuffer"];
        e.first += stack.base ? 1 : 0;
        e.second += stack.size;
    }
    for (const auto& [device, allocs] : allocs_) {
        for (const auto& [p, live] : allocs) {
            (void)p;
            const char* kind = live.overflow ? "TemporaryMemoryOverflow"
                    : live.space == MemorySpace::Unified ? "Unified"
                                                         : "Device";
            auto& e = info[device][kind];
            e.first++;
            e.second += live.size;
        }
    }
    return info;
}

StandardGpuResources::StandardGpuResources()
        : res_(std::make_shared<StandardGpuResourcesImpl>()) {}

StandardGpuResources::~StandardGpuResources() = default;

std::shared_ptr<GpuResources> StandardGpuResources::getResources() {
    return res_;
}

void StandardGpuResources::noTempMemory() {
    res_->noTempMemory();
}

void StandardGpuResources::setTempMemory(size_t size) {
    res_->setTempMemory(size);
}

void StandardGpuResources::setDefaultStream(int device, cudaStream_t stream) {
    res_->setDefaultStream(device, stream);
}

void StandardGpuResources::revertDefaultStream(int device) {
    res_->revertDefaultStream(device);
}

void StandardGpuResources::setDefaultNullStreamAllDevices() {
    res_->setDefaultNullStreamAllDevices();
}

std::map<int, std::map<std::string, std::pair<int, size_t>>>
StandardGpuResources::getMemoryInfo() const {
    return res_->getMemoryInfo();
}

cudaStream_t StandardGpuResources::getDefaultStream(int device) {
    return res_->getDefaultStream(device);
}

size_t StandardGpuResources::getTempMemoryAvailable(int device) const {
    return res_->getTempMemoryAvailable(device);
}

void StandardGpuResources::syncDefaultStreamCurrentDevice() {
    res_->syncDefaultStreamCurrentDevice();
}

} // namespace gpu
} // namespace faisslike
