#include <faisslike/gpu/GpuIndex.h>

#include <limits>

#include <faisslike/gpu/GpuCloner.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/gpu/utils/TempBuffer.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace gpu {

namespace {

/// A device copy of a host array (uploaded for an input, not for an
/// output), or the array itself when it already is in the memory of `device`.
template <class T>
class OnDevice {
   public:
    OnDevice(GpuResources* res, int device, cudaStream_t stream, const T* p, size_t n,
             bool upload = true)
            : inplace_(getDeviceForAddress(p) == device),
              buf_(res, device, stream, inplace_ ? 0 : n),
              host_(p),
              n_(n),
              stream_(stream) {
        if (upload && !inplace_ && n > 0) {
            FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(buf_.data(), p, n * sizeof(T),
                                                 cudaMemcpyHostToDevice, stream));
        }
    }
    T* data() { return inplace_ ? const_cast<T*>(host_) : buf_.data(); }
    /// Copies a device result back to the host array it stands for.
    void copy_back() {
        if (!inplace_ && n_ > 0) {
            FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(const_cast<T*>(host_), buf_.data(), n_ * sizeof(T),
                                                 cudaMemcpyDeviceToHost, stream_));
        }
    }

   private:
    bool inplace_;
    TempBuffer<T> buf_;
    const T* host_;
    size_t n_;
    cudaStream_t stream_;
};

} // namespace

GpuIndex::GpuIndex(std::shared_ptr<GpuResources> resources,
                   int dims,
                   MetricType metric,
                   float metricArg,
                   GpuIndexConfig config)
        : Index(dims, metric), resources_(std::move(resources)), config_(config) {
    metric_arg = metricArg;
    FAISSLIKE_THROW_IF_NOT_MSG(resources_, "GPU index: null GpuResources");
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "GPU index: metric %s is not supported on GPU (use METRIC_L2 or "
            "METRIC_INNER_PRODUCT)",
            metric_name(metric));
    FAISSLIKE_THROW_IF_NOT_MSG(
            config_.memorySpace == MemorySpace::Device,
            "GPU index: only MemorySpace::Device is supported for the index data");
    const int n = getNumDevices();
    FAISSLIKE_THROW_IF_NOT_FMT(
            config_.device >= 0 && config_.device < n,
            "GPU index: invalid device %d (this process sees %d CUDA device(s))", config_.device,
            n);
    register_gpu_index_io();
    resources_->initializeForDevice(config_.device);
}

cudaStream_t GpuIndex::stream() const {
    return resources_->getDefaultStream(config_.device);
}

void GpuIndex::add(idx_t n, const float* x) {
    add_with_ids(n, x, nullptr);
}

void GpuIndex::add_with_ids(idx_t n, const float* x, const idx_t* ids) {
    if (ids && !addImplSupportsIDs_()) {
        throw_not_supported("add_with_ids");
    }
    check_add_args(n, x);
    if (n == 0) {
        return;
    }
    DeviceScope scope(config_.device);
    GpuResources* res = resources_.get();
    OnDevice<float> dx(res, config_.device, stream(), x, size_t(n) * d);
    OnDevice<idx_t> dids(res, config_.device, stream(), ids, ids ? size_t(n) : 0);
    addImpl_(n, dx.data(), ids ? dids.data() : nullptr);
    FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void GpuIndex::search(idx_t n,
                      const float* x,
                      idx_t k,
                      float* distances,
                      idx_t* labels,
                      const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_FMT(
            k <= std::numeric_limits<int>::max() / 4,
            "%s::search: k = %lld is too large", index_name().c_str(), (long long)k);
    if (n == 0) {
        return;
    }
    DeviceScope scope(config_.device);
    GpuResources* res = resources_.get();
    OnDevice<float> dx(res, config_.device, stream(), x, size_t(n) * d);
    OnDevice<float> dd(res, config_.device, stream(), distances, size_t(n) * k, false);
    OnDevice<idx_t> di(res, config_.device, stream(), labels, size_t(n) * k, false);
    searchImpl_(n, dx.data(), int(k), dd.data(), di.data(), params);
    dd.copy_back();
    di.copy_back();
    FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void GpuIndex::copyFrom(const faisslike::Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "copyFrom: null index");
    FAISSLIKE_THROW_IF_NOT_FMT(
            index->metric_type == METRIC_L2 || index->metric_type == METRIC_INNER_PRODUCT,
            "copyFrom: metric %s is not supported on GPU", metric_name(index->metric_type));
    d = index->d;
    metric_type = index->metric_type;
    metric_arg = index->metric_arg;
    ntotal = index->ntotal;
    is_trained = index->is_trained;
}

void GpuIndex::copyTo(faisslike::Index* index) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "copyTo: null index");
    index->d = d;
    index->metric_type = metric_type;
    index->metric_arg = metric_arg;
    index->ntotal = ntotal;
    index->is_trained = is_trained;
}

} // namespace gpu
} // namespace faisslike
