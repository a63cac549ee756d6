#include <faisslike/gpu/GpuIndexIVFPQ.h>

#include <algorithm>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace gpu {

namespace {

std::shared_ptr<GpuResources> resources_of(GpuResourcesProvider* provider) {
    FAISSLIKE_THROW_IF_NOT_MSG(provider, "GpuIndexIVFPQ: null GpuResourcesProvider");
    return provider->getResources();
}

const GpuIndexIVFPQConfig& checked(const GpuIndexIVFPQConfig& config) {
    FAISSLIKE_THROW_IF_NOT_MSG(!config.useFloat16LookupTables,
                               "GpuIndexIVFPQ: useFloat16LookupTables is not implemented");
    FAISSLIKE_THROW_IF_NOT_MSG(!config.interleavedLayout,
                               "GpuIndexIVFPQ: interleavedLayout is not implemented");
    FAISSLIKE_THROW_IF_NOT_MSG(!config.useMMCodeDistance,
                               "GpuIndexIVFPQ: useMMCodeDistance is not implemented");
    return config;
}

} // namespace

GpuIndexIVFPQ::GpuIndexIVFPQ(GpuResourcesProvider* provider,
                             const faisslike::IndexIVFPQ* index,
                             GpuIndexIVFPQConfig config)
        : GpuIndexIVF(resources_of(provider),
                      index ? index->d : 1,
                      index ? index->metric_type : METRIC_L2,
                      index ? idx_t(index->nlist) : 1,
                      checked(config)),
          usePrecomputedTables_(config.usePrecomputedTables) {
    copyFrom(index);
}

GpuIndexIVFPQ::GpuIndexIVFPQ(GpuResourcesProvider* provider,
                             int dims,
                             idx_t nlist_,
                             idx_t subQuantizers,
                             idx_t bitsPerCode,
                             MetricType metric,
                             GpuIndexIVFPQConfig config)
        : GpuIndexIVF(resources_of(provider), dims, metric, nlist_, checked(config)),
          pq(size_t(dims), size_t(subQuantizers), size_t(bitsPerCode)),
          usePrecomputedTables_(config.usePrecomputedTables) {
    lists_.code_size = int(pq.code_size);
}

GpuIndexIVFPQ::~GpuIndexIVFPQ() = default;

kernels::IVFCodec GpuIndexIVFPQ::codec_() const {
    kernels::IVFCodec c;
    c.pq = true;
    c.d = d;
    c.code_size = int(pq.code_size);
    c.M = int(pq.M);
    c.nbits = int(pq.nbits);
    c.ksub = int(pq.ksub);
    c.dsub = int(pq.dsub);
    c.pq_centroids = pqCentroids_.data();
    c.by_residual = by_residual;
    c.term2 = term2_.size() > 0 ? term2_.data() : nullptr;
    return c;
}

void GpuIndexIVFPQ::uploadPQ_() {
    DeviceScope scope(config_.device);
    DeviceVector<float> cent(pq.centroids.size());
    cent.upload(pq.centroids.data(), pq.centroids.size(), 0, stream());
    pqCentroids_ = std::move(cent);
    term2_ = DeviceVector<float>();
    const bool useful = usePrecomputedTables_ && metric_type == METRIC_L2 && by_residual;
    if (useful && is_trained && quantizer->ntotal == idx_t(nlist)) {
        DeviceVector<float> t2(nlist * pq.M * pq.ksub);
        runPQTerm2(resources_.get(), config_.device, quantizer->getVectorsDevice(), idx_t(nlist),
                   pqCentroids_.data(), int(pq.M), int(pq.ksub), int(pq.dsub), t2.data());
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
        term2_ = std::move(t2);
    }
}

void GpuIndexIVFPQ::setPrecomputedCodes(bool enable) {
    usePrecomputedTables_ = enable;
    uploadPQ_();
}

void GpuIndexIVFPQ::updateQuantizer() {
    GpuIndexIVF::updateQuantizer();
    uploadPQ_();
}

void GpuIndexIVFPQ::copyFrom(const faisslike::IndexIVFPQ* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "GpuIndexIVFPQ::copyFrom: null index");
    FAISSLIKE_THROW_IF_NOT_MSG(index->polysemous_ht == 0,
                               "GpuIndexIVFPQ::copyFrom: polysemous filtering is not supported");
    pq = index->pq;
    by_residual = index->by_residual;
    copyFromIVF_(index, int(index->pq.code_size));
    uploadPQ_();
}

void GpuIndexIVFPQ::copyTo(faisslike::IndexIVFPQ* index) const {
    copyToIVF_(index);
    index->pq = pq;
    index->by_residual = by_residual;
    index->code_size = pq.code_size;
    // The CPU index decides on its own table as IndexIVFPQ::train does.
    index->use_precomputed_table = 0;
    if (index->is_trained) {
        index->precompute_table();
    }
}

void GpuIndexIVFPQ::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    if (is_trained) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(size_t(n) >= pq.ksub,
                               "%s::train: %lld training vectors for a PQ of %zu centroids per "
                               "sub-quantizer: provide at least that many",
                               index_name().c_str(), (long long)n, pq.ksub);
    DeviceScope scope(config_.device);
    trainQuantizer_(n, x);
    // Residuals of the training set (assignments on the GPU), then the PQ.
    const size_t nt = std::min(size_t(n), size_t(pq.cp.max_points_per_centroid) * pq.ksub);
    std::vector<float> train(x, x + nt * size_t(d));
    if (by_residual) {
        std::vector<idx_t> assign(nt);
        std::vector<float> dis(nt);
        quantizer->search(idx_t(nt), train.data(), 1, dis.data(), assign.data());
        std::vector<float> centroids(nlist * size_t(d));
        quantizer->reconstruct_n(0, idx_t(nlist), centroids.data());
        for (size_t i = 0; i < nt; i++) {
            const float* c = centroids.data() + size_t(assign[i]) * d;
            for (int j = 0; j < d; j++) {
                train[i * d + j] -= c[j];
            }
        }
    }
    pq.train(nt, train.data());
    is_trained = true;
    uploadPQ_();
}

} // namespace gpu
} // namespace faisslike
