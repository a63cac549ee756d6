#include <faisslike/gpu/GpuIndexIVF.h>

#include <algorithm>
#include <cstdio>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/gpu/utils/TempBuffer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/invlists/InvertedLists.h>

namespace faisslike {
namespace gpu {

GpuIndexIVF::GpuIndexIVF(std::shared_ptr<GpuResources> resources,
                         int dims,
                         MetricType metric,
                         idx_t nlist_,
                         GpuIndexIVFConfig config)
        : GpuIndex(resources, dims, metric, 0.0f, config),
          nlist(size_t(nlist_)),
          quantizer(nullptr),
          ivfConfig_(config) {
    FAISSLIKE_THROW_IF_NOT_FMT(dims > 0, "GPU IVF index: invalid dimension %d", dims);
    FAISSLIKE_THROW_IF_NOT_FMT(nlist_ > 0, "GPU IVF index: nlist must be > 0 (got %lld)",
                               (long long)nlist_);
    FAISSLIKE_THROW_IF_NOT_MSG(
            config.indicesOptions == INDICES_64_BIT,
            "GPU IVF index: only indicesOptions = INDICES_64_BIT is implemented");
    GpuIndexFlatConfig fc = config.flatConfig;
    fc.device = config.device;
    quantizerOwned_ = std::make_unique<GpuIndexFlat>(resources_, dims, metric, fc);
    quantizer = quantizerOwned_.get();
    if (metric == METRIC_INNER_PRODUCT) {
        cp.spherical = true; // as IndexIVF: centroids on the sphere for IP
    }
    DeviceScope scope(config_.device);
    runIVFReset(resources_.get(), config_.device, lists_, idx_t(nlist), 0);
    is_trained = false;
}

GpuIndexIVF::~GpuIndexIVF() = default;

kernels::IVFCoarse GpuIndexIVF::coarse_() const {
    kernels::IVFCoarse c;
    c.centroids = quantizer->getVectorsDevice();
    c.norms = quantizer->getNormsDevice();
    c.nlist = quantizer->ntotal;
    c.d = d;
    c.inner_product = metric_type == METRIC_INNER_PRODUCT;
    return c;
}

void GpuIndexIVF::checkList_(idx_t listId) const {
    FAISSLIKE_THROW_IF_NOT_FMT(listId >= 0 && listId < idx_t(nlist),
                               "list %lld out of range [0, %zu)", (long long)listId, nlist);
}

idx_t GpuIndexIVF::getListLength(idx_t listId) const {
    checkList_(listId);
    return lists_.list_size(listId);
}

std::vector<idx_t> GpuIndexIVF::getListIndices(idx_t listId) const {
    checkList_(listId);
    DeviceScope scope(config_.device);
    std::vector<idx_t> out(static_cast<size_t>(lists_.list_size(listId)));
    if (!out.empty()) {
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(out.data(),
                                             lists_.ids.data() + lists_.offsets[size_t(listId)],
                                             out.size() * sizeof(idx_t), cudaMemcpyDeviceToHost,
                                             stream()));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    return out;
}

std::vector<uint8_t> GpuIndexIVF::getListVectorData(idx_t listId, bool) const {
    checkList_(listId);
    DeviceScope scope(config_.device);
    const size_t cs = size_t(lists_.code_size);
    std::vector<uint8_t> out(size_t(lists_.list_size(listId)) * cs);
    if (!out.empty()) {
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(
                out.data(), lists_.codes.data() + size_t(lists_.offsets[size_t(listId)]) * cs,
                out.size(), cudaMemcpyDeviceToHost, stream()));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    return out;
}

void GpuIndexIVF::updateQuantizer() {
    FAISSLIKE_THROW_IF_NOT_FMT(
            quantizer->ntotal == idx_t(nlist),
            "GPU IVF index: the quantizer holds %lld centroids, nlist is %zu",
            (long long)quantizer->ntotal, nlist);
    is_trained = true;
}

void GpuIndexIVF::reset() {
    DeviceScope scope(config_.device);
    runIVFReset(resources_.get(), config_.device, lists_, idx_t(nlist), lists_.code_size);
    ntotal = 0;
}

void GpuIndexIVF::trainQuantizer_(idx_t n, const float* x) {
    if (quantizer->is_trained && quantizer->ntotal == idx_t(nlist)) {
        return; // already trained (e.g. copied from a CPU index)
    }
    FAISSLIKE_THROW_IF_NOT_FMT(n >= idx_t(nlist),
                               "%s::train: %lld training vectors for %zu lists",
                               index_name().c_str(), (long long)n, nlist);
    if (verbose) {
        std::printf("Training the coarse quantizer (%zu lists) on %lld vectors\n", nlist,
                    (long long)n);
    }
    Clustering clus(d, int(nlist), cp);
    clus.verbose = verbose;
    quantizer->reset();
    clus.train(n, x, *quantizer);
    FAISSLIKE_THROW_IF_NOT_MSG(quantizer->ntotal == idx_t(nlist),
                               "k-means left the wrong number of centroids");
}

void GpuIndexIVF::addImpl_(idx_t n, const float* x, const idx_t* ids) {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s: train the index before adding vectors",
                               index_name().c_str());
    runIVFAdd(resources_.get(), config_.device, lists_, coarse_(), codec_(), x, n, ids, ntotal);
    ntotal += n;
}

void GpuIndexIVF::searchImpl_(idx_t n,
                              const float* x,
                              int k,
                              float* distances,
                              idx_t* labels,
                              const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s: train the index before searching",
                               index_name().c_str());
    size_t np = nprobe;
    if (auto* ivf = dynamic_cast<const SearchParametersIVF*>(params)) {
        np = ivf->nprobe;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(np >= 1 && np <= kernels::kMaxGridY,
                               "%s: nprobe = %zu must be in [1, %u]", index_name().c_str(), np,
                               kernels::kMaxGridY);
    const IDSelector* sel = params ? params->sel : nullptr;
    // The selector is evaluated on the host, once per stored entry, into a
    // mask in the storage order the kernels scan.
    std::vector<uint8_t> mask;
    if (sel) {
        const std::vector<idx_t> ids = lists_.ids.download(stream());
        mask.resize(ids.size());
        for (size_t e = 0; e < ids.size(); e++) {
            mask[e] = sel->is_member(ids[e]) ? 1 : 0;
        }
    }
    TempBuffer<uint8_t> dmask(resources_.get(), config_.device, stream(), mask.size());
    if (!mask.empty()) {
        FAISSLIKE_CUDA_CHECK(cudaMemcpyAsync(dmask.data(), mask.data(), mask.size(),
                                             cudaMemcpyHostToDevice, stream()));
        FAISSLIKE_CUDA_CHECK(cudaStreamSynchronize(stream()));
    }
    kernels::IVFSearchArgs a;
    a.xq = x;
    a.nq = n;
    a.k = k;
    a.nprobe = int(std::min(np, nlist));
    a.mask = sel ? dmask.data() : nullptr;
    a.distances = distances;
    a.labels = labels;
    runIVFSearch(resources_.get(), config_.device, lists_, coarse_(), codec_(), a);
}

void GpuIndexIVF::copyFromIVF_(const faisslike::IndexIVF* index, int code_size) {
    FAISSLIKE_THROW_IF_NOT_MSG(index && index->quantizer && index->invlists,
                               "copyFrom: IVF index without quantizer or inverted lists");
    FAISSLIKE_THROW_IF_NOT_FMT(index->nlist > 0 && index->nlist <= size_t(1) << 31,
                               "copyFrom: nlist %zu out of range", index->nlist);
    FAISSLIKE_THROW_IF_NOT_FMT(
            index->d == d && index->metric_type == metric_type,
            "copyFrom: the CPU index (d = %d, %s) must have the dimension and metric of the "
            "GPU index (d = %d, %s); create a new GPU index for it instead",
            index->d, metric_name(index->metric_type), d, metric_name(metric_type));
    DeviceScope scope(config_.device);
    GpuIndex::copyFrom(index);
    nlist = index->nlist;
    nprobe = index->nprobe;
    cp = index->cp;
    quantizer->reset();
    if (index->is_trained) {
        FAISSLIKE_THROW_IF_NOT_FMT(index->quantizer->ntotal == idx_t(nlist),
                                   "copyFrom: the quantizer holds %lld centroids for %zu lists",
                                   (long long)index->quantizer->ntotal, nlist);
        std::vector<float> centroids(nlist * size_t(d));
        index->quantizer->reconstruct_n(0, idx_t(nlist), centroids.data());
        quantizer->add(idx_t(nlist), centroids.data());
    }
    // The lists, concatenated in list order.
    std::vector<idx_t> offsets(nlist + 1, 0);
    for (size_t l = 0; l < nlist; l++) {
        offsets[l + 1] = offsets[l] + idx_t(index->invlists->list_size(l));
    }
    const size_t total = size_t(offsets.back());
    std::vector<uint8_t> codes(total * size_t(code_size));
    std::vector<idx_t> ids(total);
    for (size_t l = 0; l < nlist; l++) {
        const size_t len = index->invlists->list_size(l);
        if (len > 0) {
            std::copy_n(index->invlists->get_codes(l), len * size_t(code_size),
                        codes.begin() + offsets[l] * code_size);
            std::copy_n(index->invlists->get_ids(l), len, ids.begin() + offsets[l]);
        }
    }
    lists_.code_size = code_size;
    lists_.offsets = offsets;
    lists_.d_offsets = DeviceVector<idx_t>(offsets.size());
    lists_.d_offsets.upload(offsets.data(), offsets.size(), 0, stream());
    lists_.codes = DeviceVector<uint8_t>(codes.size());
    lists_.codes.upload(codes.data(), codes.size(), 0, stream());
    lists_.ids = DeviceVector<idx_t>(ids.size());
    lists_.ids.upload(ids.data(), ids.size(), 0, stream());
    ntotal = idx_t(total);
}

void GpuIndexIVF::copyToIVF_(faisslike::IndexIVF* index) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "copyTo: null index");
    DeviceScope scope(config_.device);
    GpuIndex::copyTo(index);
    index->nlist = nlist;
    index->nprobe = nprobe;
    index->cp = cp;
    auto* q = new IndexFlat(d, metric_type);
    if (quantizer->ntotal > 0) {
        std::vector<float> centroids(size_t(quantizer->ntotal) * d);
        quantizer->reconstruct_n(0, quantizer->ntotal, centroids.data());
        q->add(quantizer->ntotal, centroids.data());
    }
    if (index->own_fields) {
        delete index->quantizer;
    }
    index->quantizer = q;
    index->own_fields = true;

    const size_t cs = size_t(lists_.code_size);
    auto* il = new ArrayInvertedLists(nlist, cs);
    const std::vector<uint8_t> codes = lists_.codes.download(stream());
    const std::vector<idx_t> ids = lists_.ids.download(stream());
    for (size_t l = 0; l < nlist; l++) {
        const size_t off = size_t(lists_.offsets[l]);
        const size_t len = size_t(lists_.list_size(idx_t(l)));
        if (len > 0) {
            il->add_entries(l, len, ids.data() + off, codes.data() + off * cs);
        }
    }
    if (index->own_invlists) {
        delete index->invlists;
    }
    index->invlists = il;
    index->own_invlists = true;
    index->code_size = cs;
}

} // namespace gpu
} // namespace faisslike
