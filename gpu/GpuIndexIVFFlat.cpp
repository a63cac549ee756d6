#include <faisslike/gpu/GpuIndexIVFFlat.h>

#include <cstring>

#include <faisslike/IndexIVFFlat.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace gpu {

namespace {

std::shared_ptr<GpuResources> resources_of(GpuResourcesProvider* provider) {
    FAISSLIKE_THROW_IF_NOT_MSG(provider, "GpuIndexIVFFlat: null GpuResourcesProvider");
    return provider->getResources();
}

const GpuIndexIVFFlatConfig& checked(const GpuIndexIVFFlatConfig& config) {
    FAISSLIKE_THROW_IF_NOT_MSG(!config.interleavedLayout,
                               "GpuIndexIVFFlat: interleavedLayout is not implemented");
    return config;
}

} // namespace

GpuIndexIVFFlat::GpuIndexIVFFlat(GpuResourcesProvider* provider,
                                 const faisslike::IndexIVFFlat* index,
                                 GpuIndexIVFFlatConfig config)
        : GpuIndexIVF(resources_of(provider),
                      index ? index->d : 1,
                      index ? index->metric_type : METRIC_L2,
                      index ? idx_t(index->nlist) : 1,
                      checked(config)) {
    copyFrom(index);
}

GpuIndexIVFFlat::GpuIndexIVFFlat(GpuResourcesProvider* provider,
                                 int dims,
                                 idx_t nlist_,
                                 MetricType metric,
                                 GpuIndexIVFFlatConfig config)
        : GpuIndexIVF(resources_of(provider), dims, metric, nlist_, checked(config)) {
    lists_.code_size = int(sizeof(float)) * dims;
}

GpuIndexIVFFlat::~GpuIndexIVFFlat() = default;

kernels::IVFCodec GpuIndexIVFFlat::codec_() const {
    kernels::IVFCodec c;
    c.pq = false;
    c.d = d;
    c.code_size = int(sizeof(float)) * d;
    c.by_residual = false;
    return c;
}

void GpuIndexIVFFlat::copyFrom(const faisslike::IndexIVFFlat* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "GpuIndexIVFFlat::copyFrom: null index");
    FAISSLIKE_THROW_IF_NOT_MSG(!index->by_residual,
                               "GpuIndexIVFFlat::copyFrom: by_residual IVFFlat is not supported");
    copyFromIVF_(index, int(sizeof(float)) * index->d);
}

void GpuIndexIVFFlat::copyTo(faisslike::IndexIVFFlat* index) const {
    copyToIVF_(index);
    index->by_residual = false;
}

void GpuIndexIVFFlat::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    if (is_trained) {
        return;
    }
    DeviceScope scope(config_.device);
    trainQuantizer_(n, x);
    is_trained = true;
}

void GpuIndexIVFFlat::reconstruct_n(idx_t i0, idx_t n, float* out) const {
    // As IndexIVF::reconstruct_n: the entries whose id is in [i0, i0 + n).
    FAISSLIKE_THROW_IF_NOT_FMT(i0 >= 0 && n >= 0 && i0 + n <= ntotal,
                               "reconstruct_n: range [%lld, %lld) outside [0, %lld)",
                               (long long)i0, (long long)(i0 + n), (long long)ntotal);
    DeviceScope scope(config_.device);
    const std::vector<idx_t> ids = lists_.ids.download(stream());
    const std::vector<uint8_t> codes = lists_.codes.download(stream());
    const size_t cs = sizeof(float) * size_t(d);
    for (size_t e = 0; e < ids.size(); e++) {
        if (ids[e] >= i0 && ids[e] < i0 + n) {
            std::memcpy(out + size_t(ids[e] - i0) * d, codes.data() + e * cs, cs);
        }
    }
}

} // namespace gpu
} // namespace faisslike
