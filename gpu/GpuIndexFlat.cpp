#include <faisslike/gpu/GpuIndexFlat.h>

#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/gpu/impl/GpuKernels.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/gpu/utils/TempBuffer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>

namespace faisslike {
namespace gpu {

namespace {

std::shared_ptr<GpuResources> resources_of(GpuResourcesProvider* provider) {
    FAISSLIKE_THROW_IF_NOT_MSG(provider, "GPU index: null GpuResourcesProvider");
    return provider->getResources();
}

const GpuIndexFlatConfig& checked(const GpuIndexFlatConfig& config) {
    FAISSLIKE_THROW_IF_NOT_MSG(!config.useFloat16,
                               "GpuIndexFlat: useFloat16 storage is not implemented");
    FAISSLIKE_THROW_IF_NOT_MSG(!config.storeTransposed,
                               "GpuIndexFlat: storeTransposed storage is not implemented");
    return config;
}

} // namespace

GpuIndexFlat::GpuIndexFlat(GpuResourcesProvider* provider,
                           const faisslike::IndexFlat* index,
                           GpuIndexFlatConfig config)
        : GpuIndexFlat(resources_of(provider), index, config) {}

GpuIndexFlat::GpuIndexFlat(std::shared_ptr<GpuResources> resources,
                           const faisslike::IndexFlat* index,
                           GpuIndexFlatConfig config)
        : GpuIndex(std::move(resources),
                   index ? index->d : 0,
                   index ? index->metric_type : METRIC_L2,
                   index ? index->metric_arg : 0.0f,
                   checked(config)),
          flatConfig_(config) {
    copyFrom(index);
}

GpuIndexFlat::GpuIndexFlat(GpuResourcesProvider* provider,
                           int dims,
                           MetricType metric,
                           GpuIndexFlatConfig config)
        : GpuIndexFlat(resources_of(provider), dims, metric, config) {}

GpuIndexFlat::GpuIndexFlat(std::shared_ptr<GpuResources> resources,
                           int dims,
                           MetricType metric,
                           GpuIndexFlatConfig config)
        : GpuIndex(std::move(resources), dims, metric, 0.0f, checked(config)),
          flatConfig_(config) {
    FAISSLIKE_THROW_IF_NOT_FMT(dims > 0, "GpuIndexFlat: invalid dimension %d", dims);
    is_trained = true;
}

GpuIndexFlat::~GpuIndexFlat() = default;

void GpuIndexFlat::copyFrom(const faisslike::IndexFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "GpuIndexFlat::copyFrom: null index");
    DeviceScope scope(config_.device);
    GpuIndex::copyFrom(index);
    is_trained = true;
    const size_t n = size_t(index->ntotal);
    DeviceVector<float> vectors(n * d), norms(n);
    vectors.upload(index->get_xb(), n * d, 0, stream());
    runRowNorms(resources_.get(), config_.device, vectors.data(), idx_t(n), d, norms.data());
    FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    vectors_ = std::move(vectors);
    norms_ = std::move(norms);
}

void GpuIndexFlat::copyTo(faisslike::IndexFlat* index) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "GpuIndexFlat::copyTo: null index");
    DeviceScope scope(config_.device);
    const std::vector<float> x = vectors_.download(stream());
    index->reset();
    GpuIndex::copyTo(index);
    index->ntotal = 0;
    index->code_size = sizeof(float) * size_t(d);
    index->add(ntotal, x.data());
}

void GpuIndexFlat::reset() {
    DeviceScope scope(config_.device);
    vectors_ = DeviceVector<float>();
    norms_ = DeviceVector<float>();
    ntotal = 0;
}

void GpuIndexFlat::train(idx_t, const float*) {}

void GpuIndexFlat::addImpl_(idx_t n, const float* x, const idx_t*) {
    const size_t old = size_t(ntotal);
    vectors_.resize((old + size_t(n)) * d, stream());
    norms_.resize(old + size_t(n), stream());
    FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(vectors_.data() + old * d, x, size_t(n) * d * sizeof(float),
                                         cudaMemcpyDeviceToDevice, stream()));
    runRowNorms(resources_.get(), config_.device, x, n, d, norms_.data() + old);
    ntotal += n;
}

void GpuIndexFlat::searchImpl_(idx_t n,
                               const float* x,
                               int k,
                               float* distances,
                               idx_t* labels,
                               const SearchParameters* params) const {
    const IDSelector* sel = params ? params->sel : nullptr;
    // The selector is a host object: it is evaluated once per stored vector
    // into a byte mask the kernels read.
    std::vector<uint8_t> mask;
    if (sel) {
        mask.resize(size_t(ntotal));
        for (idx_t i = 0; i < ntotal; i++) {
            mask[size_t(i)] = sel->is_member(i) ? 1 : 0;
        }
    }
    TempBuffer<uint8_t> dmask(resources_.get(), config_.device, stream(), mask.size());
    if (sel && ntotal > 0) {
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(dmask.data(), mask.data(), mask.size(),
                                             cudaMemcpyHostToDevice, stream()));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    kernels::FlatSearchArgs a;
    a.xb = vectors_.data();
    a.xb_norms = norms_.data();
    a.nb = ntotal;
    a.d = d;
    a.inner_product = metric_type == METRIC_INNER_PRODUCT;
    a.xq = x;
    a.nq = n;
    a.k = k;
    a.allowed = sel ? dmask.data() : nullptr;
    a.distances = distances;
    a.labels = labels;
    runFlatSearch(resources_.get(), config_.device, a);
}

void GpuIndexFlat::reconstruct(idx_t key, float* out) const {
    reconstruct_n(key, 1, out);
}

void GpuIndexFlat::reconstruct_n(idx_t i0, idx_t num, float* out) const {
    FAISSLIKE_THROW_IF_NOT_FMT(i0 >= 0 && num >= 0 && i0 + num <= ntotal,
                               "GpuIndexFlat::reconstruct_n: range [%lld, %lld) outside [0, %lld)",
                               (long long)i0, (long long)(i0 + num), (long long)ntotal);
    if (num == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(out, "GpuIndexFlat::reconstruct_n: null output");
    DeviceScope scope(config_.device);
    FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(out, vectors_.data() + size_t(i0) * d,
                                         size_t(num) * d * sizeof(float), cudaMemcpyDefault,
                                         stream()));
    FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void GpuIndexFlat::reconstruct_batch(idx_t n, const idx_t* keys, float* out) const {
    for (idx_t i = 0; i < n; i++) {
        reconstruct(keys[i], out + size_t(i) * d);
    }
}

GpuIndexFlatL2::GpuIndexFlatL2(GpuResourcesProvider* provider, int dims, GpuIndexFlatConfig config)
        : GpuIndexFlat(provider, dims, METRIC_L2, config) {}

GpuIndexFlatL2::GpuIndexFlatL2(std::shared_ptr<GpuResources> resources,
                               int dims,
                               GpuIndexFlatConfig config)
        : GpuIndexFlat(std::move(resources), dims, METRIC_L2, config) {}

GpuIndexFlatL2::GpuIndexFlatL2(GpuResourcesProvider* provider,
                               faisslike::IndexFlat* index,
                               GpuIndexFlatConfig config)
        : GpuIndexFlat(provider, index ? index->d : 1, METRIC_L2, config) {
    copyFrom(index);
}

void GpuIndexFlatL2::copyFrom(faisslike::IndexFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index && index->metric_type == METRIC_L2,
                               "GpuIndexFlatL2::copyFrom: the CPU index must use METRIC_L2");
    GpuIndexFlat::copyFrom(index);
}

void GpuIndexFlatL2::copyTo(faisslike::IndexFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index && index->metric_type == METRIC_L2,
                               "GpuIndexFlatL2::copyTo: the CPU index must use METRIC_L2");
    GpuIndexFlat::copyTo(index);
}

GpuIndexFlatIP::GpuIndexFlatIP(GpuResourcesProvider* provider, int dims, GpuIndexFlatConfig config)
        : GpuIndexFlat(provider, dims, METRIC_INNER_PRODUCT, config) {}

GpuIndexFlatIP::GpuIndexFlatIP(std::shared_ptr<GpuResources> resources,
                               int dims,
                               GpuIndexFlatConfig config)
        : GpuIndexFlat(std::move(resources), dims, METRIC_INNER_PRODUCT, config) {}

GpuIndexFlatIP::GpuIndexFlatIP(GpuResourcesProvider* provider,
                               faisslike::IndexFlat* index,
                               GpuIndexFlatConfig config)
        : GpuIndexFlat(provider, index ? index->d : 1, METRIC_INNER_PRODUCT, config) {
    copyFrom(index);
}

void GpuIndexFlatIP::copyFrom(faisslike::IndexFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(
            index && index->metric_type == METRIC_INNER_PRODUCT,
            "GpuIndexFlatIP::copyFrom: the CPU index must use METRIC_INNER_PRODUCT");
    GpuIndexFlat::copyFrom(index);
}

void GpuIndexFlatIP::copyTo(faisslike::IndexFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(
            index && index->metric_type == METRIC_INNER_PRODUCT,
            "GpuIndexFlatIP::copyTo: the CPU index must use METRIC_INNER_PRODUCT");
    GpuIndexFlat::copyTo(index);
}

} // namespace gpu
} // namespace faisslike
