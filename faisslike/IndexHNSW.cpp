#include <faisslike/IndexHNSW.h>

#include <algorithm>
#include <cfloat>
#include <cstring>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/impl/DistanceComputer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/impl/VisitedTable.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/huge_pages.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

using storage_idx_t = HNSW::storage_idx_t;

namespace {

/// For storages without a dedicated computer: decodes through reconstruct().
class ReconstructDistanceComputer final : public DistanceComputer {
   public:
    ReconstructDistanceComputer(const Index& storage, MetricType metric)
            : storage_(storage),
              l2_(metric == METRIC_L2),
              q_(size_t(storage.d)),
              a_(size_t(storage.d)),
              b_(size_t(storage.d)) {}

    void set_query(const float* x) override { std::copy(x, x + storage_.d, q_.begin()); }

    float operator()(idx_t i) override {
        storage_.reconstruct(i, a_.data());
        return dis(q_.data(), a_.data());
    }

    float symmetric_dis(idx_t i, idx_t j) override {
        storage_.reconstruct(i, a_.data());
        storage_.reconstruct(j, b_.data());
        return dis(a_.data(), b_.data());
    }

   private:
    float dis(const float* x, const float* y) const {
        size_t d = size_t(storage_.d);
        return l2_ ? fvec_L2sqr(x, y, d) : fvec_inner_product(x, y, d);
    }

    const Index& storage_;
    bool l2_;
    std::vector<float> q_, a_, b_;
};

/// Selects graph nodes by a flag per node (the storage rows to drop).
class NodeFlagSelector final : public IDSelector {
   public:
    explicit NodeFlagSelector(const std::vector<bool>& flags) : flags_(flags) {}
    bool is_member(idx_t id) const override {
        return id >= 0 && size_t(id) < flags_.size() && flags_[size_t(id)];
    }

   private:
    const std::vector<bool>& flags_;
};

void check_metric(MetricType metric) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "IndexHNSW: metric %s not supported (use METRIC_L2 or METRIC_INNER_PRODUCT)",
            metric_name(metric));
}

/// Exact k best among `nodes` for the query in dc (the filtered-search scan).
/// Writes (distance, node) best first; returns how many.
size_t scan_nodes(DistanceComputer& dc, const std::vector<storage_idx_t>& nodes, bool is_similarity,
                  size_t k, float* distances, storage_idx_t* out, std::vector<float>& keys,
                  std::vector<idx_t>& ids) {
    keys.resize(k);
    ids.resize(k);
    heap_heapify<float_maxheap>(k, keys.data(), ids.data());
    constexpr size_t kChunk = 64;
    float dis[kChunk];
    for (size_t i0 = 0; i0 < nodes.size(); i0 += kChunk) {
        size_t n = std::min(kChunk, nodes.size() - i0);
        dc.distances_batch(n, nodes.data() + i0, dis);
        for (size_t j = 0; j < n; j++) {
            float key = is_similarity ? -dis[j] : dis[j];
            heap_offer<float_maxheap>(k, keys.data(), ids.data(), key, idx_t(nodes[i0 + j]));
        }
    }
    heap_reorder<float_maxheap>(k, keys.data(), ids.data());
    size_t found = 0;
    while (found < k && ids[found] >= 0) {
        distances[found] = is_similarity ? -keys[found] : keys[found];
        out[found] = storage_idx_t(ids[found]);
        found++;
    }
    return found;
}

/// Rough cost of one query, for the interrupt polls: a scan computes a
/// distance per listed node, a graph walk about ef times the level-0 degree,
/// each worth some 80 flops of bookkeeping (visited set, heaps) besides its d.
size_t query_flops(const HNSW& hnsw, const SearchParameters* params, idx_t k, bool scan,
                   size_t scan_size, int d) {
    if (scan) {
        return scan_size * size_t(d);
    }
    int ef = hnsw.efSearch;
    if (auto p = dynamic_cast<const SearchParametersHNSW*>(params)) {
        ef = p->efSearch;
    }
    return size_t(std::max<idx_t>(ef, k)) * size_t(hnsw.nb_neighbors(0)) * (size_t(d) + 80);
}

} // namespace

/// Which graph nodes a search may return: live ones that the caller's
/// selector (which speaks ids, not nodes) accepts.
class IndexHNSW::NodeFilter final : public IDSelector {
   public:
    NodeFilter(const IndexHNSW& index, const IDSelector* sel) : index_(index), sel_(sel) {}
    bool is_member(idx_t node) const override {
        if (index_.is_deleted(size_t(node))) {
            return false;
        }
        return !sel_ || sel_->is_member(index_.label_of(size_t(node)));
    }

   private:
    const IndexHNSW& index_;
    const IDSelector* sel_;
};

IndexHNSW::IndexHNSW(int d, int M, MetricType metric) : Index(d, metric), hnsw(M) {
    check_metric(metric);
}

IndexHNSW::IndexHNSW(Index* storage, int M)
        : Index(storage ? storage->d : 0, storage ? storage->metric_type : METRIC_L2),
          hnsw(M),
          storage(storage) {
    FAISSLIKE_THROW_IF_NOT_MSG(storage, "IndexHNSW: null storage");
    check_metric(storage->metric_type);
    FAISSLIKE_THROW_IF_NOT_FMT(storage->ntotal == 0,
                               "IndexHNSW: the storage must be empty (it holds %lld vectors)",
                               (long long)storage->ntotal);
    is_trained = storage->is_trained;
}

IndexHNSW::~IndexHNSW() {
    if (own_fields) {
        delete storage;
    }
}

void IndexHNSW::check_storage(const char* what) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            storage,
            "%s: %s needs a storage: please use IndexHNSWFlat (or variants) instead of "
            "IndexHNSW directly",
            index_name().c_str(),
            what);
}

void IndexHNSW::check_params(const SearchParameters* params) const {
    if (auto p = dynamic_cast<const SearchParametersHNSW*>(params)) {
        FAISSLIKE_THROW_IF_NOT_FMT(p->efSearch > 0, "%s: SearchParametersHNSW::efSearch = %d must be > 0",
                                   index_name().c_str(), p->efSearch);
        FAISSLIKE_THROW_IF_NOT_FMT(p->upper_beam >= 0, "%s: SearchParametersHNSW::upper_beam = %d must be >= 0",
                                   index_name().c_str(), p->upper_beam);
    }
}

void IndexHNSW::train(idx_t n, const float* x) {
    check_storage("train");
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    storage->train(n, x);
    is_trained = storage->is_trained;
}

DistanceComputer* IndexHNSW::get_distance_computer() const {
    check_storage("computing distances");
    if (auto flat = dynamic_cast<const IndexFlat*>(storage)) {
        return make_flat_distance_computer(flat->get_xb(), size_t(d), metric_type);
    }
    if (auto pq = dynamic_cast<const IndexPQ*>(storage)) {
        return make_pq_distance_computer(pq->pq, pq->codes.data(), metric_type, nullptr);
    }
    if (auto sq = dynamic_cast<const IndexScalarQuantizer*>(storage)) {
        return make_sq_distance_computer(sq->sq, sq->codes.data(), metric_type);
    }
    return new ReconstructDistanceComputer(*storage, metric_type);
}

void IndexHNSW::add(idx_t n, const float* x) {
    check_storage("add");
    check_add_args(n, x);
    if (n == 0) {
        return;
    }
    size_t n0 = size_t(storage->ntotal);
    FAISSLIKE_THROW_IF_NOT_FMT(
            n0 == hnsw.levels.size(),
            "%s::add: the storage holds %zu vectors but the graph %zu nodes",
            index_name().c_str(),
            n0,
            hnsw.levels.size());
    FAISSLIKE_THROW_IF_NOT_FMT(
            n0 + size_t(n) <= size_t(INT32_MAX),
            "%s::add: %zu vectors exceed the int32 node numbers of the graph",
            index_name().c_str(),
            n0 + size_t(n));
    // What a failed add must restore.
    std::mt19937 rng0 = hnsw.rng;
    storage_idx_t entry0 = hnsw.entry_point;
    int max_level0 = hnsw.max_level;

    storage->add(n, x);
    try {
        FAISSLIKE_THROW_IF_NOT_MSG(size_t(storage->ntotal) == n0 + size_t(n),
                                   "IndexHNSW::add: the storage did not add every vector");
        hnsw.prepare_level_tab(size_t(n));
        if (ndeleted_ > 0) {
            deleted_.resize((n0 + size_t(n) + 63) / 64, 0);
            rebuild_deleted_counts();
        }
        prepare_build();
        use_huge_pages();
        hnsw.add_vertices(
                n0, size_t(n), x, size_t(d), [this] { return get_distance_computer(); },
                is_similarity_metric(metric_type), keep_max_size_level0, verbose);
    } catch (...) {
        // add_vertices has put the old nodes' lists back as they were (and
        // failures before it changed none): drop the new nodes.
        hnsw.truncate(n0);
        hnsw.entry_point = entry0;
        hnsw.max_level = max_level0;
        hnsw.rng = rng0;
        if (ndeleted_ > 0) {
            deleted_.resize((n0 + 63) / 64);
            rebuild_deleted_counts();
        }
        if (size_t(storage->ntotal) > n0) {
            storage->remove_ids(IDSelectorRange(idx_t(n0), storage->ntotal));
        }
        throw;
    }
    ntotal += n;
}

void IndexHNSW::reset() {
    if (storage) {
        storage->reset();
    }
    hnsw.reset();
    ntotal = 0;
    deleted_.clear();
    deleted_before_.clear();
    ndeleted_ = 0;
    visited_pool_.clear();
}

void IndexHNSW::reconstruct(idx_t key, float* recons) const {
    check_storage("reconstruct");
    check_key(key);
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct: null output pointer");
    storage->reconstruct(idx_t(node_of(key)), recons);
}

idx_t IndexHNSW::label_of(size_t node) const {
    if (ndeleted_ == 0) {
        return idx_t(node);
    }
    size_t w = node >> 6;
    uint64_t below = deleted_[w] & ((uint64_t(1) << (node & 63)) - 1);
    return idx_t(node) - deleted_before_[w] - idx_t(__builtin_popcountll(below));
}

size_t IndexHNSW::node_of(idx_t label) const {
    if (ndeleted_ == 0) {
        return size_t(label);
    }
    // Last word whose live nodes before it are at most `label`, then the
    // matching live bit inside it.
    size_t lo = 0, hi = deleted_.size();
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (idx_t(mid * 64) - deleted_before_[mid] <= label) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    idx_t remaining = label - (idx_t(lo * 64) - deleted_before_[lo]);
    uint64_t live = ~deleted_[lo];
    for (size_t bit = 0; bit < 64; bit++) {
        if ((live >> bit) & 1) {
            if (remaining == 0) {
                return lo * 64 + bit;
            }
            remaining--;
        }
    }
    FAISSLIKE_THROW_FMT("IndexHNSW: no vector with id %lld", (long long)label);
}

void IndexHNSW::rebuild_deleted_counts() {
    deleted_before_.resize(deleted_.size());
    idx_t count = 0;
    for (size_t w = 0; w < deleted_.size(); w++) {
        deleted_before_[w] = count;
        count += idx_t(__builtin_popcountll(deleted_[w]));
    }
}

size_t IndexHNSW::remove_ids(const IDSelector& sel) {
    check_storage("remove_ids");
    size_t nnodes = hnsw.levels.size();
    std::vector<uint64_t> bits = deleted_;
    bits.resize((nnodes + 63) / 64, 0);
    size_t nremove = 0;
    idx_t label = 0;
    for (size_t node = 0; node < nnodes; node++) {
        if ((bits[node >> 6] >> (node & 63)) & 1) {
            continue;
        }
        if (sel.is_member(label)) {
            bits[node >> 6] |= uint64_t(1) << (node & 63);
            nremove++;
        }
        label++;
    }
    if (nremove == 0) {
        return 0;
    }
    std::vector<idx_t> before(bits.size());
    deleted_.swap(bits);
    deleted_before_.swap(before);
    rebuild_deleted_counts();
    ndeleted_ += nremove;
    ntotal -= idx_t(nremove);
    return nremove;
}

void IndexHNSW::compact() {
    if (ndeleted_ == 0) {
        return;
    }
    check_storage("compact");
    size_t nnodes = hnsw.levels.size();
    std::vector<bool> removed(nnodes);
    for (size_t node = 0; node < nnodes; node++) {
        removed[node] = is_deleted(node);
    }
    prepare_build();
    hnsw.remove_nodes(
            removed, [this] { return get_distance_computer(); }, is_similarity_metric(metric_type),
            keep_max_size_level0, [&] {
                size_t dropped = storage->remove_ids(NodeFlagSelector(removed));
                FAISSLIKE_THROW_IF_NOT_FMT(
                        dropped == ndeleted_ && size_t(storage->ntotal) == nnodes - ndeleted_,
                        "%s::compact: the storage removed %zu rows, expected %zu",
                        index_name().c_str(),
                        dropped,
                        ndeleted_);
            });
    deleted_.clear();
    deleted_before_.clear();
    ndeleted_ = 0;
}

void IndexHNSW::use_huge_pages() const {
    if (auto flat_codes = dynamic_cast<const IndexFlatCodes*>(storage)) {
        advise_huge_pages(flat_codes->codes.data(), flat_codes->codes.size());
    }
    advise_huge_pages(hnsw.neighbors.data(), hnsw.neighbors.size() * sizeof(storage_idx_t));
}

bool IndexHNSW::choose_scan(const NodeFilter& filter, idx_t k, idx_t nq, const SearchParameters* params,
                            std::vector<storage_idx_t>& nodes) const {
    if (filter_scan_threshold == 0) {
        return false;
    }
    size_t nnodes = hnsw.levels.size();
    size_t nsample = std::min<size_t>(nnodes, 1024);
    size_t hits = 0;
    for (size_t i = 0; i < nsample; i++) {
        hits += filter.is_member(idx_t(i * nnodes / nsample));
    }
    double fraction = nsample ? double(hits) / double(nsample) : 0;
    double estimate = fraction * double(nnodes);
    double limit;
    if (filter_scan_threshold > 0) {
        limit = double(filter_scan_threshold);
    } else {
        int ef = hnsw.efSearch;
        if (auto p = dynamic_cast<const SearchParametersHNSW*>(params)) {
            ef = p->efSearch;
        }
        // An unfiltered walk computes about ef times the level-0 degree
        // distances; to collect ef selectable nodes it must see about
        // 1 / fraction times more. The scan computes one distance per
        // selectable node, after one selector call per node per search call.
        double walk = double(std::max<idx_t>(ef, k)) * hnsw.nb_neighbors(0) /
                std::max(fraction, 0.5 / double(std::max<size_t>(nsample, 1)));
        limit = walk - double(nnodes) / (8.0 * double(nq));
    }
    if (estimate > limit) {
        return false;
    }
    nodes.clear();
    for (size_t node = 0; node < nnodes; node++) {
        if (filter.is_member(idx_t(node))) {
            nodes.push_back(storage_idx_t(node));
        }
    }
    return true;
}

void IndexHNSW::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    check_storage("search");
    check_params(params);
    bool sim = is_similarity_metric(metric_type);
    float pad = sim ? -FLT_MAX : FLT_MAX;
    if (n == 0) {
        return;
    }
    if (hnsw.entry_point < 0) {
        // Empty: nothing to compute (an untrained storage could not anyway).
        std::fill(distances, distances + size_t(n) * size_t(k), pad);
        std::fill(labels, labels + size_t(n) * size_t(k), idx_t(-1));
        return;
    }
    const IDSelector* sel = params ? params->sel : nullptr;
    NodeFilter filter(*this, sel);
    bool filtered = sel || ndeleted_ > 0;
    std::vector<storage_idx_t> scan_list;
    bool scan = filtered && choose_scan(filter, k, n, params, scan_list);

    ParallelExceptions errors;
#pragma omp parallel if (n > 1)
    {
        std::unique_ptr<DistanceComputer> dc;
        std::unique_ptr<VisitedTable> vt;
        std::vector<storage_idx_t> nodes(static_cast<size_t>(k));
        std::vector<float> keys;
        std::vector<idx_t> ids;
        errors.run([&] {
            dc.reset(get_distance_computer());
            if (!scan) {
                vt = visited_pool_.take(hnsw.levels.size());
            }
        });
        InterruptPoll poll(query_flops(hnsw, params, k, scan, scan_list.size(), d));
#pragma omp for schedule(dynamic)
        for (idx_t q = 0; q < n; q++) {
            if (!dc || (!scan && !vt)) {
                continue;
            }
            errors.run([&] {
                poll.tick();
                float* D = distances + size_t(q) * size_t(k);
                idx_t* I = labels + size_t(q) * size_t(k);
                dc->set_query(x + size_t(q) * size_t(d));
                size_t found = scan ? scan_nodes(*dc, scan_list, sim, size_t(k), D, nodes.data(), keys, ids)
                                    : hnsw.search(*dc, sim, size_t(k), D, nodes.data(), *vt, params,
                                                  filtered ? &filter : nullptr);
                for (size_t i = 0; i < found; i++) {
                    I[i] = label_of(size_t(nodes[i]));
                }
                for (size_t i = found; i < size_t(k); i++) {
                    D[i] = pad;
                    I[i] = -1;
                }
            });
        }
        if (vt) {
            visited_pool_.give_back(std::move(vt));
        }
    }
    errors.rethrow_if_failed();
}

void IndexHNSW::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "range_search: n = %lld must be >= 0", (long long)n);
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || x, "range_search: null query pointer");
    check_storage("range_search");
    check_params(params);
    if (n == 0 || hnsw.entry_point < 0) {
        RangeSearchHits(static_cast<size_t>(n)).store(result);
        return;
    }
    const IDSelector* sel = params ? params->sel : nullptr;
    NodeFilter filter(*this, sel);
    bool filtered = sel || ndeleted_ > 0;
    bool sim = is_similarity_metric(metric_type);
    std::vector<storage_idx_t> scan_list;
    bool scan = filtered && choose_scan(filter, 1, n, params, scan_list);
    RangeSearchHits hits(static_cast<size_t>(n));

    ParallelExceptions errors;
#pragma omp parallel if (n > 1)
    {
        std::unique_ptr<DistanceComputer> dc;
        std::unique_ptr<VisitedTable> vt;
        std::vector<std::pair<float, storage_idx_t>> found;
        std::vector<float> dis;
        errors.run([&] {
            dc.reset(get_distance_computer());
            if (!scan) {
                vt = visited_pool_.take(hnsw.levels.size());
            }
        });
        InterruptPoll poll(query_flops(hnsw, params, 1, scan, scan_list.size(), d));
#pragma omp for schedule(dynamic)
        for (idx_t q = 0; q < n; q++) {
            if (!dc || (!scan && !vt)) {
                continue;
            }
            errors.run([&] {
                poll.tick();
                dc->set_query(x + size_t(q) * size_t(d));
                if (scan) {
                    dis.resize(scan_list.size());
                    dc->distances_batch(scan_list.size(), scan_list.data(), dis.data());
                    for (size_t i = 0; i < scan_list.size(); i++) {
                        if (sim ? dis[i] > radius : dis[i] < radius) {
                            hits.add(size_t(q), dis[i], label_of(size_t(scan_list[i])));
                        }
                    }
                } else {
                    hnsw.range_search(*dc, sim, radius, found, *vt, params, filtered ? &filter : nullptr);
                    for (const auto& h : found) {
                        hits.add(size_t(q), h.first, label_of(size_t(h.second)));
                    }
                }
            });
        }
        if (vt) {
            visited_pool_.give_back(std::move(vt));
        }
    }
    errors.rethrow_if_failed();
    hits.store(result);
}

IndexHNSWFlat::IndexHNSWFlat(int d, int M, MetricType metric) : IndexHNSW(d, M, metric) {
    auto flat = metric == METRIC_L2 ? new IndexFlatL2(d) : new IndexFlat(d, metric);
    // The walks compute full distances; the norm cache would only cost memory.
    flat->set_l2norms_cached(false);
    storage = flat;
    own_fields = true;
}

IndexHNSWFlat::IndexHNSWFlat() = default;

IndexHNSWPQ::IndexHNSWPQ(int d, int pq_m, int M, int pq_nbits, MetricType metric)
        : IndexHNSW(d, M, metric) {
    FAISSLIKE_THROW_IF_NOT_FMT(pq_m > 0 && pq_nbits > 0, "IndexHNSWPQ: pq_m = %d and pq_nbits = %d must be > 0",
                               pq_m, pq_nbits);
    storage = new IndexPQ(d, size_t(pq_m), size_t(pq_nbits), metric);
    own_fields = true;
    is_trained = false;
}

IndexHNSWPQ::IndexHNSWPQ() = default;

void IndexHNSWPQ::train(idx_t n, const float* x) {
    IndexHNSW::train(n, x);
    sdc_table_.clear();
    prepare_build();
}

void IndexHNSWPQ::prepare_build() {
    if (sdc_table_.empty()) {
        if (auto pq = dynamic_cast<const IndexPQ*>(storage)) {
            sdc_table_ = compute_pq_sdc_table(pq->pq, metric_type);
        }
    }
}

DistanceComputer* IndexHNSWPQ::get_distance_computer() const {
    auto pq = dynamic_cast<const IndexPQ*>(storage);
    if (!pq) {
        return IndexHNSW::get_distance_computer();
    }
    return make_pq_distance_computer(pq->pq, pq->codes.data(), metric_type,
                                     sdc_table_.empty() ? nullptr : sdc_table_.data());
}

IndexHNSWSQ::IndexHNSWSQ(int d, ScalarQuantizer::QuantizerType qtype, int M, MetricType metric)
        : IndexHNSW(d, M, metric) {
    storage = new IndexScalarQuantizer(d, qtype, metric);
    own_fields = true;
    is_trained = storage->is_trained;
}

IndexHNSWSQ::IndexHNSWSQ() = default;

} // namespace faisslike
