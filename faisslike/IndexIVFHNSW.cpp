#include <faisslike/IndexIVFHNSW.h>

#include <omp.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include <faisslike/impl/DistanceComputer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/impl/VisitedTable.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

using storage_idx_t = HNSW::storage_idx_t;

namespace {

/// Distances between a query and the codes of one inverted list, through the
/// IVF's own scanner, so that a graph walk scores codes exactly as an IVF
/// scan does. Retargeted from list to list without reallocating (a search
/// visits nprobe lists per query). Stored-to-stored distances decode the
/// first code and score the second against it with a second scanner: the
/// neighbour heuristic asks for many distances from the same node, so one
/// decode and one table set-up serve them all (decoding both codes each time
/// made PQ and SQ builds 5-10x slower).
class ListDistanceComputer final : public DistanceComputer {
   public:
    explicit ListDistanceComputer(const IndexIVF& ivf)
            : ivf_(ivf),
              scanner_(ivf.get_InvertedListScanner(false, nullptr)),
              l2_(ivf.metric_type == METRIC_L2),
              centroid_(size_t(ivf.d)),
              decoded_(size_t(ivf.d)) {}

    /// Makes list_no the list that node numbers refer to; set_query then
    /// computes the coarse distance to its centroid itself.
    void select_list(size_t list_no) {
        list_no_ = idx_t(list_no);
        codes_ = ivf_.invlists->get_codes(list_no);
        cached_ = -1;
        ivf_.quantizer->reconstruct(list_no_, centroid_.data());
    }

    void set_query(const float* x) override { prepare(*scanner_, x); }

    /// The search path: one set_query per query, then one enter_list per
    /// probed list with the coarse distance the quantizer already computed.
    void begin_query(const float* x) { scanner_->set_query(x); }
    void enter_list(size_t list_no, float coarse_dis) {
        list_no_ = idx_t(list_no);
        codes_ = ivf_.invlists->get_codes(list_no);
        cached_ = -1;
        scanner_->set_list(list_no_, coarse_dis);
    }

    float operator()(idx_t i) override { return scanner_->distance_to_code(codes_ + size_t(i) * ivf_.code_size); }

    float symmetric_dis(idx_t i, idx_t j) override {
        if (i != cached_) {
            if (!node_scanner_) {
                node_scanner_.reset(ivf_.get_InvertedListScanner(false, nullptr));
            }
            ivf_.decode_vectors(1, codes_ + size_t(i) * ivf_.code_size, &list_no_, decoded_.data());
            prepare(*node_scanner_, decoded_.data());
            cached_ = i;
        }
        return node_scanner_->distance_to_code(codes_ + size_t(j) * ivf_.code_size);
    }

   private:
    /// Sets x as the scanner's query in the selected list (select_list).
    void prepare(InvertedListScanner& scanner, const float* x) const {
        size_t d = size_t(ivf_.d);
        float coarse = l2_ ? fvec_L2sqr(x, centroid_.data(), d) : fvec_inner_product(x, centroid_.data(), d);
        scanner.set_query(x);
        scanner.set_list(list_no_, coarse);
    }

    const IndexIVF& ivf_;
    std::unique_ptr<InvertedListScanner> scanner_;
    std::unique_ptr<InvertedListScanner> node_scanner_; ///< query = the decoded node cached_
    bool l2_;
    idx_t list_no_ = -1;
    const uint8_t* codes_ = nullptr;
    idx_t cached_ = -1;
    std::vector<float> centroid_, decoded_;
};

/// Which nodes of one list a search may return: those whose id the caller's
/// selector accepts (the graph speaks positions, the selector ids).
class ListNodeFilter final : public IDSelector {
   public:
    ListNodeFilter(const idx_t* ids, const IDSelector& sel) : ids_(ids), sel_(sel) {}
    bool is_member(idx_t node) const override { return sel_.is_member(ids_[node]); }

   private:
    const idx_t* ids_;
    const IDSelector& sel_;
};

/// Per-list state saved before an add, to undo it.
struct ListSnapshot {
    size_t list_no;
    size_t old_size;
    storage_idx_t entry_point;
    int max_level;
    std::mt19937 rng;
};

} // namespace

IndexIVFHNSW::IndexIVFHNSW() = default;

IndexIVFHNSW::IndexIVFHNSW(IndexIVF* ivf, int M)
        : Index(ivf ? ivf->d : 0, ivf ? ivf->metric_type : METRIC_L2), ivf(ivf), M(M) {
    FAISSLIKE_THROW_IF_NOT_MSG(ivf, "IndexIVFHNSW: null IVF index");
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->metric_type == METRIC_L2 || ivf->metric_type == METRIC_INNER_PRODUCT,
                               "IndexIVFHNSW: metric %s not supported (use METRIC_L2 or METRIC_INNER_PRODUCT)",
                               metric_name(ivf->metric_type));
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->ntotal == 0, "IndexIVFHNSW: the IVF index must be empty (it holds %lld vectors)",
                               (long long)ivf->ntotal);
    FAISSLIKE_THROW_IF_NOT_FMT(M >= 2, "IndexIVFHNSW: M = %d must be >= 2", M);
    graphs.assign(ivf->nlist, HNSW(M));
    is_trained = ivf->is_trained;
}

IndexIVFHNSW::~IndexIVFHNSW() {
    if (own_fields) {
        delete ivf;
    }
}

void IndexIVFHNSW::check_ivf(const char* what) const {
    FAISSLIKE_THROW_IF_NOT_FMT(ivf, "IndexIVFHNSW: %s needs an IVF index (construct it over one)", what);
}

void IndexIVFHNSW::check_consistency() const {
    check_ivf("checking consistency");
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->invlists && graphs.size() == ivf->nlist,
                               "IndexIVFHNSW: %zu graphs for %zu inverted lists", graphs.size(), ivf->nlist);
    for (size_t l = 0; l < graphs.size(); l++) {
        size_t size = ivf->invlists->list_size(l);
        FAISSLIKE_THROW_IF_NOT_FMT(graphs[l].levels.size() == size,
                                   "IndexIVFHNSW: list %zu holds %zu entries but its graph %zu nodes", l, size,
                                   graphs[l].levels.size());
    }
}

void IndexIVFHNSW::train(idx_t n, const float* x) {
    check_ivf("train");
    ivf->train(n, x);
    is_trained = ivf->is_trained;
}

void IndexIVFHNSW::make_direct_map(bool new_maintain_direct_map) {
    check_ivf("make_direct_map");
    ivf->make_direct_map(new_maintain_direct_map);
}

DistanceComputer* IndexIVFHNSW::get_list_distance_computer(size_t list_no) const {
    check_ivf("computing distances");
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->is_trained && ivf->invlists, "%s is not trained: call train() first",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(list_no < ivf->nlist, "IndexIVFHNSW: list %zu out of range [0, %zu)", list_no,
                               ivf->nlist);
    auto dc = std::make_unique<ListDistanceComputer>(*ivf);
    dc->select_list(list_no);
    return dc.release();
}

void IndexIVFHNSW::add(idx_t n, const float* x) {
    add_with_ids(n, x, nullptr);
}

void IndexIVFHNSW::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
    check_ivf("add");
    check_add_args(n, x);
    check_consistency();
    if (n == 0) {
        return;
    }
    ivf->direct_map.check_can_add(xids, ivf->ntotal);
    for (size_t i = 0; i < size_t(n) * size_t(d); i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(std::isfinite(x[i]),
                                   "%s::add: vector %zu has a NaN or infinite component; nothing was added",
                                   index_name().c_str(), i / size_t(d));
    }
    std::vector<idx_t> list_nos(static_cast<size_t>(n));
    ivf->quantizer->assign(n, x, list_nos.data());

    // The rows of each touched list, in the order add_core appends them.
    std::vector<std::vector<size_t>> rows(ivf->nlist);
    for (size_t i = 0; i < size_t(n); i++) {
        if (list_nos[i] >= 0) {
            rows[size_t(list_nos[i])].push_back(i);
        }
    }
    std::vector<ListSnapshot> touched;
    for (size_t l = 0; l < ivf->nlist; l++) {
        if (!rows[l].empty()) {
            size_t size = ivf->invlists->list_size(l);
            FAISSLIKE_THROW_IF_NOT_FMT(size + rows[l].size() <= size_t(INT32_MAX),
                                       "%s::add: list %zu would exceed the int32 node numbers of its graph",
                                       index_name().c_str(), l);
            touched.push_back({l, size, graphs[l].entry_point, graphs[l].max_level, graphs[l].rng});
        }
    }
    idx_t ntotal0 = ivf->ntotal;
    ivf->add_core(n, x, xids, list_nos.data()); // undoes itself if it throws

    bool sim = is_similarity_metric(metric_type);
    auto link_list = [&](const ListSnapshot& t) {
        const std::vector<size_t>& r = rows[t.list_no];
        std::vector<float> xl(r.size() * size_t(d));
        for (size_t j = 0; j < r.size(); j++) {
            std::copy(x + r[j] * size_t(d), x + (r[j] + 1) * size_t(d), xl.begin() + ptrdiff_t(j * size_t(d)));
        }
        HNSW& g = graphs[t.list_no];
        g.efConstruction = efConstruction;
        g.prepare_level_tab(r.size());
        g.add_vertices(
                t.old_size, r.size(), xl.data(), size_t(d),
                [this, &t] { return get_list_distance_computer(t.list_no); }, sim, false, false);
    };
    try {
        // Many touched lists: one list per thread (each walk then runs on one
        // thread). Few: one list at a time, each linked in parallel.
        int nthreads = omp_get_max_threads();
        if (touched.size() >= size_t(nthreads) * 2) {
            ParallelExceptions errors;
#pragma omp parallel for schedule(dynamic, 1)
            for (size_t t = 0; t < touched.size(); t++) {
                errors.run([&] {
                    InterruptCallback::check();
                    link_list(touched[t]);
                });
            }
            errors.rethrow_if_failed();
        } else {
            for (const ListSnapshot& t : touched) {
                link_list(t);
            }
        }
    } catch (...) {
        for (const ListSnapshot& t : touched) {
            HNSW& g = graphs[t.list_no];
            g.truncate(t.old_size);
            g.entry_point = t.entry_point;
            g.max_level = t.max_level;
            g.rng = t.rng;
            ivf->invlists->resize(t.list_no, t.old_size);
        }
        ivf->ntotal = ntotal0;
        if (ivf->direct_map.type == DirectMap::Array) {
            ivf->direct_map.array.resize(size_t(ntotal0));
        } else if (ivf->direct_map.type == DirectMap::Hashtable) {
            ivf->direct_map.set_type(DirectMap::Hashtable, ivf->invlists, size_t(ntotal0));
        }
        throw;
    }
    if (verbose) {
        std::printf("IndexIVFHNSW: added %lld vectors to %zu lists\n", (long long)n, touched.size());
    }
    ntotal = ivf->ntotal;
}

IndexIVFHNSW::Probes IndexIVFHNSW::probe(idx_t n, const float* x, const SearchParameters* params,
                                          const char* what) const {
    check_ivf(what);
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->is_trained && ivf->quantizer && ivf->invlists,
                               "%s is not trained: call train() before %s", index_name().c_str(), what);
    Probes p;
    p.nprobe = ivf->nprobe;
    p.walk.efSearch = efSearch;
    const SearchParameters* quantizer_params = nullptr;
    p.sel = params ? params->sel : nullptr;
    if (params) {
        if (const auto* ih = dynamic_cast<const SearchParametersIVFHNSW*>(params)) {
            p.nprobe = ih->nprobe;
            quantizer_params = ih->quantizer_params;
            p.walk.efSearch = ih->efSearch;
            p.walk.check_relative_distance = ih->check_relative_distance;
        } else if (const auto* ivfp = dynamic_cast<const SearchParametersIVF*>(params)) {
            p.nprobe = ivfp->nprobe;
            quantizer_params = ivfp->quantizer_params;
        } else if (const auto* hp = dynamic_cast<const SearchParametersHNSW*>(params)) {
            p.walk.efSearch = hp->efSearch;
            p.walk.check_relative_distance = hp->check_relative_distance;
        } else {
            FAISSLIKE_THROW_IF_NOT_MSG(typeid(*params) == typeid(SearchParameters),
                                       "IndexIVFHNSW params have incorrect type: pass SearchParametersIVFHNSW, "
                                       "SearchParametersIVF or SearchParametersHNSW");
        }
    }
    FAISSLIKE_THROW_IF_NOT_FMT(p.nprobe > 0, "%s: nprobe = %zu must be > 0", index_name().c_str(), p.nprobe);
    FAISSLIKE_THROW_IF_NOT_FMT(p.walk.efSearch > 0, "%s: efSearch = %d must be > 0", index_name().c_str(),
                               p.walk.efSearch);
    p.nprobe = std::min(p.nprobe, ivf->nlist);
    check_consistency();
    if (n > 0) {
        p.lists.resize(size_t(n) * p.nprobe);
        p.coarse.resize(size_t(n) * p.nprobe);
        ivf->quantizer->search(n, x, idx_t(p.nprobe), p.coarse.data(), p.lists.data(), quantizer_params);
    }
    return p;
}

size_t IndexIVFHNSW::largest_graph() const {
    size_t largest = 0;
    for (const HNSW& g : graphs) {
        largest = std::max(largest, g.levels.size());
    }
    return largest;
}

template <class PerQuery>
void IndexIVFHNSW::for_each_query(idx_t n, const float* x, const Probes& p, size_t flops,
                                  PerQuery&& per_query) const {
    const size_t largest = largest_graph();
    ParallelExceptions errors;
#pragma omp parallel if (n > 1)
    {
        std::unique_ptr<ListDistanceComputer> dc;
        std::unique_ptr<VisitedTable> vt;
        errors.run([&] {
            dc = std::make_unique<ListDistanceComputer>(*ivf);
            vt = visited_pool_.take(largest);
        });
        InterruptPoll poll(flops);
#pragma omp for schedule(dynamic)
        for (idx_t q = 0; q < n; q++) {
            if (!dc || !vt) {
                continue;
            }
            errors.run([&] {
                poll.tick();
                dc->begin_query(x + size_t(q) * size_t(d));
                // visit(graph, ids, filter) for each probed list that has
                // nodes, with dc entered into it; the walk gets the selector as
                // `reportable`, in node numbers.
                auto each_list = [&](auto&& visit) {
                    for (size_t j = 0; j < p.nprobe; j++) {
                        idx_t l = p.lists[size_t(q) * p.nprobe + j];
                        if (l < 0 || graphs[size_t(l)].entry_point < 0) {
                            continue;
                        }
                        const idx_t* ids = ivf->invlists->get_ids(size_t(l));
                        dc->enter_list(size_t(l), p.coarse[size_t(q) * p.nprobe + j]);
                        std::unique_ptr<ListNodeFilter> filter;
                        if (p.sel) {
                            filter = std::make_unique<ListNodeFilter>(ids, *p.sel);
                        }
                        visit(graphs[size_t(l)], ids, filter.get());
                    }
                };
                per_query(q, *dc, *vt, each_list);
            });
        }
        if (vt) {
            visited_pool_.give_back(std::move(vt));
        }
    }
    errors.rethrow_if_failed();
}

void IndexIVFHNSW::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                          const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    Probes p = probe(n, x, params, "search");
    if (n == 0) {
        return;
    }
    const bool sim = is_similarity_metric(metric_type);
    const size_t kk = size_t(k);
    size_t flops = p.nprobe * size_t(std::max<idx_t>(p.walk.efSearch, k)) * size_t(M) * 2 * (size_t(d) + 80);
    for_each_query(n, x, p, flops, [&](idx_t q, DistanceComputer& dc, VisitedTable& vt, auto& each_list) {
        std::vector<float> list_dis(kk), keys(kk);
        std::vector<storage_idx_t> nodes(kk);
        std::vector<idx_t> heap_ids(kk);
        heap_heapify<float_maxheap>(kk, keys.data(), heap_ids.data());
        each_list([&](const HNSW& graph, const idx_t* ids, const IDSelector* filter) {
            size_t found = graph.search(dc, sim, kk, list_dis.data(), nodes.data(), vt, &p.walk, filter);
            for (size_t i = 0; i < found; i++) {
                heap_offer<float_maxheap>(kk, keys.data(), heap_ids.data(), sim ? -list_dis[i] : list_dis[i],
                                          ids[nodes[i]]);
            }
        });
        heap_reorder<float_maxheap>(kk, keys.data(), heap_ids.data());
        float* D = distances + size_t(q) * kk;
        idx_t* I = labels + size_t(q) * kk;
        for (size_t i = 0; i < kk; i++) {
            bool missing = heap_ids[i] < 0;
            I[i] = missing ? -1 : heap_ids[i];
            D[i] = missing ? (sim ? -FLT_MAX : FLT_MAX) : (sim ? -keys[i] : keys[i]);
        }
    });
}

void IndexIVFHNSW::range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                                const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "range_search: n = %lld must be >= 0", (long long)n);
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || x, "range_search: null query pointer");
    Probes p = probe(n, x, params, "range_search");
    RangeSearchHits hits(static_cast<size_t>(n));
    const bool sim = is_similarity_metric(metric_type);
    size_t flops = p.nprobe * size_t(p.walk.efSearch) * size_t(M) * 2 * (size_t(d) + 80);
    for_each_query(n, x, p, flops, [&](idx_t q, DistanceComputer& dc, VisitedTable& vt, auto& each_list) {
        std::vector<std::pair<float, storage_idx_t>> found;
        each_list([&](const HNSW& graph, const idx_t* ids, const IDSelector* filter) {
            graph.range_search(dc, sim, radius, found, vt, &p.walk, filter);
            for (const auto& h : found) {
                hits.add(size_t(q), h.first, ids[h.second]);
            }
        });
    });
    hits.store(result);
}

void IndexIVFHNSW::reconstruct(idx_t key, float* recons) const {
    check_ivf("reconstruct");
    ivf->reconstruct(key, recons);
}

void IndexIVFHNSW::reconstruct_n(idx_t i0, idx_t ni, float* recons) const {
    check_ivf("reconstruct_n");
    ivf->reconstruct_n(i0, ni, recons);
}

void IndexIVFHNSW::reset() {
    if (ivf) {
        ivf->reset();
    }
    for (HNSW& g : graphs) {
        g.reset();
    }
    ntotal = 0;
    visited_pool_.clear();
}

size_t IndexIVFHNSW::remove_ids(const IDSelector& sel) {
    check_ivf("remove_ids");
    check_consistency();
    FAISSLIKE_THROW_IF_NOT_FMT(ivf->is_trained, "%s is not trained: nothing to remove", index_name().c_str());
    // Which entries go, per list.
    std::vector<size_t> lists;
    std::vector<std::vector<bool>> removed;
    size_t nremove = 0;
    for (size_t l = 0; l < ivf->nlist; l++) {
        size_t size = ivf->invlists->list_size(l);
        const idx_t* ids = size ? ivf->invlists->get_ids(l) : nullptr;
        std::vector<bool> flags(size, false);
        size_t count = 0;
        for (size_t i = 0; i < size; i++) {
            if (sel.is_member(ids[i])) {
                flags[i] = true;
                count++;
            }
        }
        if (count > 0) {
            lists.push_back(l);
            removed.push_back(std::move(flags));
            nremove += count;
        }
    }
    if (nremove == 0) {
        return 0;
    }
    // Repaired graphs first, on copies: nothing changes if one throws.
    bool sim = is_similarity_metric(metric_type);
    std::vector<HNSW> repaired(lists.size());
    for (size_t t = 0; t < lists.size(); t++) {
        size_t l = lists[t];
        repaired[t] = graphs[l];
        repaired[t].remove_nodes(
                removed[t], [this, l] { return get_list_distance_computer(l); }, sim, false, [] {});
    }
    // Then the lists, keeping the order of the remaining entries.
    std::vector<idx_t> kept_ids;
    std::vector<uint8_t> kept_codes;
    size_t cs = ivf->code_size;
    for (size_t t = 0; t < lists.size(); t++) {
        size_t l = lists[t];
        size_t size = ivf->invlists->list_size(l);
        const idx_t* ids = ivf->invlists->get_ids(l);
        const uint8_t* codes = ivf->invlists->get_codes(l);
        kept_ids.clear();
        kept_codes.clear();
        std::vector<idx_t> gone; // read before the list is overwritten
        for (size_t i = 0; i < size; i++) {
            if (removed[t][i]) {
                gone.push_back(ids[i]);
            } else {
                kept_ids.push_back(ids[i]);
                kept_codes.insert(kept_codes.end(), codes + i * cs, codes + (i + 1) * cs);
            }
        }
        if (!kept_ids.empty()) {
            ivf->invlists->update_entries(l, 0, kept_ids.size(), kept_ids.data(), kept_codes.data());
        }
        ivf->invlists->resize(l, kept_ids.size());
        DirectMap& dm = ivf->direct_map;
        for (idx_t id : gone) {
            if (dm.type == DirectMap::Array) {
                dm.array[size_t(id)] = -1;
            } else if (dm.type == DirectMap::Hashtable) {
                dm.hashtable.erase(id);
            }
        }
        for (size_t i = 0; i < kept_ids.size() && !dm.no(); i++) {
            idx_t lo = lo_build(idx_t(l), idx_t(i));
            if (dm.type == DirectMap::Array) {
                dm.array[size_t(kept_ids[i])] = lo;
            } else {
                dm.hashtable[kept_ids[i]] = lo;
            }
        }
        graphs[l] = std::move(repaired[t]);
    }
    ivf->ntotal -= idx_t(nremove);
    ntotal = ivf->ntotal;
    return nremove;
}

} // namespace faisslike
