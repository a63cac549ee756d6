#include <faisslike/IndexIVF.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <typeinfo>

#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/parallel.h>
#include <faisslike/utils/random.h>

namespace faisslike {

/*********************************************************** scanner */

namespace {

template <class C>
size_t scan_into_heap(
        const InvertedListScanner& scanner,
        size_t n,
        const uint8_t* codes,
        const idx_t* ids,
        float* heap_dis,
        idx_t* heap_ids,
        size_t k) {
    size_t nup = 0;
    for (size_t j = 0; j < n; j++) {
        if (scanner.sel && !scanner.sel->is_member(ids[j])) {
            continue;
        }
        float dis = scanner.distance_to_code(codes + j * scanner.code_size);
        idx_t id = scanner.store_pairs ? lo_build(scanner.list_no, idx_t(j)) : ids[j];
        if (C::cmp2(heap_dis[0], dis, heap_ids[0], id)) {
            heap_replace_top<C>(k, heap_dis, heap_ids, dis, id);
            nup++;
        }
    }
    return nup;
}

} // namespace

size_t InvertedListScanner::scan_codes(
        size_t n,
        const uint8_t* codes,
        const idx_t* ids,
        float* heap_dis,
        idx_t* heap_ids,
        size_t k) const {
    return keep_max ? scan_into_heap<float_minheap>(*this, n, codes, ids, heap_dis, heap_ids, k)
                    : scan_into_heap<float_maxheap>(*this, n, codes, ids, heap_dis, heap_ids, k);
}

void InvertedListScanner::scan_codes_range(
        size_t n,
        const uint8_t* codes,
        const idx_t* ids,
        float radius,
        RangeSearchHits& hits,
        size_t query_no) const {
    for (size_t j = 0; j < n; j++) {
        if (sel && !sel->is_member(ids[j])) {
            continue;
        }
        float dis = distance_to_code(codes + j * code_size);
        if (keep_max ? dis > radius : dis < radius) {
            hits.add(query_no, dis, result_id(ids, j));
        }
    }
}

/*********************************************************** IndexIVF */

namespace {

/// Empties the coarse quantizer when an IndexIVF::train() that trained it
/// throws later (interrupted while training the encoder, say): a failed train
/// leaves the index as it was, and the next train() starts over.
class QuantizerRollback {
   public:
    explicit QuantizerRollback(Index& quantizer) : quantizer_(quantizer) {}
    QuantizerRollback(const QuantizerRollback&) = delete;
    QuantizerRollback& operator=(const QuantizerRollback&) = delete;
    ~QuantizerRollback() {
        if (armed_) {
            quantizer_.reset();
        }
    }
    void arm() { armed_ = true; }
    void dismiss() { armed_ = false; }

   private:
    Index& quantizer_;
    bool armed_ = false;
};

/// Rough cost of one query scanning its probed lists, for the interrupt
/// polls: each code costs a distance and a heap test (some 64 flops more).
size_t scan_flops(const IndexIVF& ivf, size_t nprobe) {
    return nprobe * (size_t(ivf.ntotal) / ivf.nlist + 1) * (size_t(ivf.d) + 64);
}

} // namespace


IndexIVF::IndexIVF(Index* quantizer, size_t d, size_t nlist, size_t code_size, MetricType metric)
        : Index(idx_t(d), metric),
          quantizer(quantizer),
          nlist(nlist),
          invlists(nullptr),
          own_invlists(true),
          code_size(code_size) {
    FAISSLIKE_THROW_IF_NOT_MSG(quantizer, "IVF quantizer must not be null");
    FAISSLIKE_THROW_IF_NOT_FMT(
            quantizer->d == this->d,
            "IVF quantizer has dimension %d, the index %d",
            quantizer->d,
            this->d);
    FAISSLIKE_THROW_IF_NOT_FMT(nlist > 0 && nlist < (size_t(1) << 31),
                               "nlist = %zu out of range", nlist);
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "metric %s not supported by IVF indexes",
            metric_name(metric));
    invlists = new ArrayInvertedLists(nlist, code_size);
    is_trained = quantizer->is_trained && size_t(quantizer->ntotal) == nlist;
    // Faiss's coarse k-means runs 10 iterations, not Clustering's default 25.
    cp.niter = 10;
    // Inner-product k-means works on the sphere, as in Faiss.
    if (metric == METRIC_INNER_PRODUCT) {
        cp.spherical = true;
    }
}

IndexIVF::IndexIVF() : quantizer(nullptr), nlist(0) {
    cp.niter = 10;
}

IndexIVF::~IndexIVF() {
    if (own_fields) {
        delete quantizer;
    }
    if (own_invlists) {
        delete invlists;
    }
}

void IndexIVF::check_trained(const char* what) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            is_trained && quantizer && invlists,
            "IVF index is not trained: call train() before %s on %s",
            what,
            index_name().c_str());
}

IndexIVF::SearchSettings IndexIVF::search_settings(const SearchParameters* params) const {
    SearchSettings s{nprobe, max_codes, nullptr, nullptr};
    if (!params) {
        return s;
    }
    s.sel = params->sel;
    if (const auto* ivf = dynamic_cast<const SearchParametersIVF*>(params)) {
        s.nprobe = ivf->nprobe;
        s.max_codes = ivf->max_codes;
        s.quantizer_params = ivf->quantizer_params;
    } else {
        FAISSLIKE_THROW_IF_NOT_MSG(
                typeid(*params) == typeid(SearchParameters),
                "IndexIVF params have incorrect type: pass SearchParametersIVF (or a "
                "plain SearchParameters for a selector only)");
    }
    return s;
}

void IndexIVF::centroid_of(idx_t list_no, float* centroid) const {
    quantizer->reconstruct(list_no, centroid);
}

void IndexIVF::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(quantizer && invlists, "IVF index has no quantizer or lists");
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    QuantizerRollback quantizer_rollback(*quantizer);
    if (quantizer->is_trained && size_t(quantizer->ntotal) == nlist) {
        if (verbose) {
            std::printf("IVF quantizer does not need training.\n");
        }
    } else {
        FAISSLIKE_THROW_IF_NOT_FMT(
                size_t(n) >= nlist,
                "%s::train: %lld training vectors for %zu lists: provide at least "
                "nlist (better 39 * nlist) vectors",
                index_name().c_str(),
                (long long)n,
                nlist);
        if (quantizer->ntotal == 0) { // emptying it again restores it
            quantizer_rollback.arm();
        }
        if (verbose) {
            std::printf("Training level-1 quantizer on %lld vectors in %dD\n", (long long)n, d);
        }
        Clustering clus(d, int(nlist), cp);
        clus.verbose = verbose || cp.verbose;
        if (quantizer_trains_alone == 1) {
            quantizer->train(n, x);
        } else if (quantizer_trains_alone == 2 || clustering_index) {
            IndexFlat flat_assigner(d, metric_type);
            Index& assigner = clustering_index ? *clustering_index : flat_assigner;
            clus.train(n, x, assigner);
            quantizer->reset();
            quantizer->train(idx_t(nlist), clus.centroids.data());
            quantizer->add(idx_t(nlist), clus.centroids.data());
        } else {
            clus.train(n, x, *quantizer);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(
                size_t(quantizer->ntotal) == nlist,
                "IVF quantizer holds %lld centroids after training, expected %zu",
                (long long)quantizer->ntotal,
                nlist);
    }

    idx_t max_nt = train_encoder_num_vectors();
    if (max_nt > 0) {
        std::vector<float> sample;
        const float* xt = x;
        idx_t nt = n;
        if (n > max_nt) {
            if (verbose) {
                std::printf("Sampling %lld of %lld vectors to train the encoder\n",
                            (long long)max_nt, (long long)n);
            }
            std::vector<int> perm(n);
            rand_perm(perm.data(), size_t(n), 1234);
            sample.resize(size_t(max_nt) * d);
            for (idx_t i = 0; i < max_nt; i++) {
                std::memcpy(sample.data() + size_t(i) * d, x + size_t(perm[i]) * d, sizeof(float) * d);
            }
            xt = sample.data();
            nt = max_nt;
        }
        std::vector<idx_t> assign;
        if (by_residual) {
            assign.resize(size_t(nt));
            quantizer->assign(nt, xt, assign.data());
        }
        if (verbose) {
            std::printf("Training the %s encoder on %lld vectors\n", by_residual ? "residual" : "vector",
                        (long long)nt);
        }
        train_encoder(nt, xt, by_residual ? assign.data() : nullptr);
    }
    quantizer_rollback.dismiss();
    is_trained = true;
}

void IndexIVF::train_encoder(idx_t, const float*, const idx_t*) {}

void IndexIVF::add(idx_t n, const float* x) {
    add_with_ids(n, x, nullptr);
}

void IndexIVF::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::add: invalid vectors",
                               index_name().c_str());
    check_trained("add");
    if (n == 0) {
        return;
    }
    direct_map.check_can_add(xids, ntotal);
    for (size_t i = 0; i < size_t(n) * d; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                std::isfinite(x[i]),
                "%s::add: vector %zu has a NaN or infinite component; nothing was added",
                index_name().c_str(),
                i / d);
    }
    std::vector<idx_t> list_nos(n);
    quantizer->assign(n, x, list_nos.data());
    add_core(n, x, xids, list_nos.data());
}

void IndexIVF::add_core(idx_t n, const float* x, const idx_t* xids, const idx_t* list_nos) {
    check_trained("add");
    for (idx_t i = 0; i < n; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                list_nos[i] < idx_t(nlist), "list number %lld out of range [0, %zu)",
                (long long)list_nos[i], nlist);
    }
    std::vector<size_t> old_sizes(nlist);
    for (size_t l = 0; l < nlist; l++) {
        old_sizes[l] = invlists->list_size(l);
    }
    std::vector<size_t> offsets(n, 0);
    const size_t block = 65536;
    std::vector<uint8_t> codes;
    ParallelExceptions errors;
    try {
        for (idx_t i0 = 0; i0 < n && !errors.failed(); i0 += block) {
            if (i0 > 0) {
                InterruptCallback::check(); // between blocks: short adds never poll
            }
            idx_t i1 = std::min(n, i0 + idx_t(block));
            codes.resize(size_t(i1 - i0) * code_size);
            encode_vectors(i1 - i0, x + size_t(i0) * d, list_nos + i0, codes.data());
            // Each thread owns the lists l with l % nthreads == rank: no locking.
#pragma omp parallel
            {
                idx_t nt = omp_get_num_threads(), rank = omp_get_thread_num();
                errors.run([&] {
                    for (idx_t i = i0; i < i1; i++) {
                        idx_t l = list_nos[i];
                        if (l < 0 || l % nt != rank) {
                            continue;
                        }
                        idx_t id = xids ? xids[i] : ntotal + i;
                        offsets[i] = invlists->add_entry(
                                size_t(l), id, codes.data() + size_t(i - i0) * code_size);
                    }
                });
            }
            if (verbose && n > idx_t(block)) {
                std::printf("  added %lld / %lld vectors\n", (long long)i1, (long long)n);
            }
        }
        errors.rethrow_if_failed();
    } catch (...) {
        for (size_t l = 0; l < nlist; l++) {
            if (invlists->list_size(l) > old_sizes[l]) {
                invlists->resize(l, old_sizes[l]);
            }
        }
        throw;
    }
    for (idx_t i = 0; i < n; i++) {
        direct_map.add_single_id(xids ? xids[i] : ntotal + i, list_nos[i], offsets[i]);
    }
    ntotal += n;
}

void IndexIVF::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    check_trained("search");
    if (n == 0) {
        return;
    }
    SearchSettings s = search_settings(params);
    size_t np = std::min(s.nprobe, nlist);
    FAISSLIKE_THROW_IF_NOT_MSG(np > 0, "nprobe must be > 0");
    std::vector<idx_t> assign(size_t(n) * np);
    std::vector<float> coarse_dis(size_t(n) * np);
    quantizer->search(n, x, idx_t(np), coarse_dis.data(), assign.data(), s.quantizer_params);
    SearchParametersIVF inner;
    inner.nprobe = np;
    inner.max_codes = s.max_codes;
    inner.sel = s.sel;
    search_preassigned(n, x, k, assign.data(), coarse_dis.data(), distances, labels, false, &inner);
}

namespace {

/// One call of search_preassigned. A struct with a templated run<C>() rather
/// than a generic lambda: OpenMP regions inside generic lambdas do not compile
/// everywhere (clang).
struct PreassignedSearch {
    const IndexIVF& ivf;
    idx_t n;
    const float* x;
    size_t k;
    const idx_t* assign;
    const float* centroid_dis;
    float* distances;
    idx_t* labels;
    bool store_pairs;
    size_t nprobe;
    size_t max_codes;
    const IDSelector* sel;
    ParallelExceptions& errors;

    /// Scans one probed list into a heap; returns the number of codes visited.
    size_t scan_list(InvertedListScanner& scanner, idx_t list_no, float coarse, float* heap_dis,
                     idx_t* heap_ids) const {
        if (list_no < 0) {
            return 0; // fewer centroids than nprobe
        }
        size_t size = ivf.invlists->list_size(size_t(list_no));
        if (size == 0) {
            return 0;
        }
        scanner.set_list(list_no, coarse);
        scanner.scan_codes(size, ivf.invlists->get_codes(size_t(list_no)),
                           ivf.invlists->get_ids(size_t(list_no)), heap_dis, heap_ids, k);
        return size;
    }

    template <class C>
    void over_queries() {
        // One query: no team, whose closing barrier can wait a whole time
        // slice for a descheduled thread on a busy machine.
#pragma omp parallel if (n > 1)
        {
            std::unique_ptr<InvertedListScanner> scanner;
            errors.run([&] { scanner.reset(ivf.get_InvertedListScanner(store_pairs, sel)); });
            InterruptPoll poll(scan_flops(ivf, nprobe));
#pragma omp for schedule(dynamic)
            for (idx_t i = 0; i < n; i++) {
                errors.run([&] {
                    poll.tick();
                    float* hd = distances + size_t(i) * k;
                    idx_t* hi = labels + size_t(i) * k;
                    heap_heapify<C>(k, hd, hi);
                    scanner->set_query(x + size_t(i) * ivf.d);
                    size_t nscan = 0;
                    for (size_t j = 0; j < nprobe; j++) {
                        nscan += scan_list(*scanner, assign[i * nprobe + j], centroid_dis[i * nprobe + j], hd, hi);
                        if (max_codes && nscan >= max_codes) {
                            break;
                        }
                    }
                    heap_reorder<C>(k, hd, hi);
                });
            }
        }
    }

    /// Few queries: split each query's probed lists over the threads and merge
    /// their heaps (deterministic: ties are broken on the id).
    template <class C>
    void over_lists() {
        InterruptPoll poll(scan_flops(ivf, nprobe));
        for (idx_t i = 0; i < n && !errors.failed(); i++) {
            poll.tick();
            float* hd = distances + size_t(i) * k;
            idx_t* hi = labels + size_t(i) * k;
            heap_heapify<C>(k, hd, hi);
#pragma omp parallel
            {
                std::unique_ptr<InvertedListScanner> scanner;
                std::vector<float> local_dis(k);
                std::vector<idx_t> local_ids(k);
                heap_heapify<C>(k, local_dis.data(), local_ids.data());
                errors.run([&] {
                    scanner.reset(ivf.get_InvertedListScanner(store_pairs, sel));
                    scanner->set_query(x + size_t(i) * ivf.d);
                });
#pragma omp for schedule(dynamic)
                for (size_t j = 0; j < nprobe; j++) {
                    errors.run([&] {
                        scan_list(*scanner, assign[i * nprobe + j], centroid_dis[i * nprobe + j],
                                  local_dis.data(), local_ids.data());
                    });
                }
#pragma omp critical
                for (size_t r = 0; r < k; r++) {
                    if (local_ids[r] >= 0) {
                        heap_offer<C>(k, hd, hi, local_dis[r], local_ids[r]);
                    }
                }
            }
            heap_reorder<C>(k, hd, hi);
        }
    }

    template <class C>
    void run(bool split_lists) {
        if (split_lists) {
            over_lists<C>();
        } else {
            over_queries<C>();
        }
    }
};

} // namespace

void IndexIVF::search_preassigned(
        idx_t n,
        const float* x,
        idx_t k,
        const idx_t* assign,
        const float* centroid_dis,
        float* distances,
        idx_t* labels,
        bool store_pairs,
        const SearchParametersIVF* params) const {
    check_search_args(n, x, k, distances, labels);
    check_trained("search");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(assign && centroid_dis, "search_preassigned: null assignment");
    SearchSettings s = search_settings(params);
    const size_t np = s.nprobe;
    const size_t kk = size_t(k);
    for (size_t i = 0; i < size_t(n) * np; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                assign[i] < idx_t(nlist), "list number %lld out of range [0, %zu)",
                (long long)assign[i], nlist);
    }

    ParallelExceptions errors;
    const int nthreads = omp_get_max_threads();
    // Splitting one query's lists over threads pays only when they hold enough
    // codes to outweigh waking the thread team.
    size_t first_query_codes = 0;
    for (size_t j = 0; j < np; j++) {
        idx_t l = assign[j];
        first_query_codes += l >= 0 ? invlists->list_size(size_t(l)) : 0;
    }
    const bool split_lists = parallel_mode == 1 ||
            (n < nthreads && np > 1 && nthreads > 1 && first_query_codes >= 65536);
    PreassignedSearch search{*this, n, x, kk, assign, centroid_dis, distances, labels,
                             store_pairs, np, s.max_codes, s.sel, errors};
    if (metric_type == METRIC_INNER_PRODUCT) {
        search.run<float_minheap>(split_lists);
    } else {
        search.run<float_maxheap>(split_lists);
    }
    errors.rethrow_if_failed();
}

void IndexIVF::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "range_search: invalid queries");
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    check_trained("range_search");
    SearchSettings s = search_settings(params);
    size_t np = std::min(s.nprobe, nlist);
    FAISSLIKE_THROW_IF_NOT_MSG(np > 0, "nprobe must be > 0");
    std::vector<idx_t> assign(size_t(n) * np);
    std::vector<float> coarse_dis(size_t(n) * np);
    if (n > 0) {
        quantizer->search(n, x, idx_t(np), coarse_dis.data(), assign.data(), s.quantizer_params);
    }
    SearchParametersIVF inner;
    inner.nprobe = np;
    inner.max_codes = s.max_codes;
    inner.sel = s.sel;
    range_search_preassigned(n, x, radius, assign.data(), coarse_dis.data(), result, false, &inner);
}

void IndexIVF::range_search_preassigned(
        idx_t n,
        const float* x,
        float radius,
        const idx_t* assign,
        const float* centroid_dis,
        RangeSearchResult* result,
        bool store_pairs,
        const SearchParametersIVF* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_FMT(result->nq == size_t(n),
                               "RangeSearchResult made for %zu queries, got %lld",
                               result->nq, (long long)n);
    SearchSettings s = search_settings(params);
    const size_t np = s.nprobe;
    for (size_t i = 0; i < size_t(n) * np; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(assign[i] < idx_t(nlist), "list number %lld out of range",
                                   (long long)assign[i]);
    }
    RangeSearchHits hits{static_cast<size_t>(n)};
    ParallelExceptions errors;
#pragma omp parallel if (n > 1)
    {
        std::unique_ptr<InvertedListScanner> scanner;
        errors.run([&] { scanner.reset(get_InvertedListScanner(store_pairs, s.sel)); });
        InterruptPoll poll(scan_flops(*this, np));
#pragma omp for schedule(dynamic)
        for (idx_t i = 0; i < n; i++) {
            errors.run([&] {
                poll.tick();
                scanner->set_query(x + size_t(i) * d);
                size_t nscan = 0;
                for (size_t j = 0; j < np; j++) {
                    idx_t list_no = assign[i * np + j];
                    if (list_no < 0) {
                        continue;
                    }
                    size_t size = invlists->list_size(size_t(list_no));
                    if (size == 0) {
                        continue;
                    }
                    scanner->set_list(list_no, centroid_dis[i * np + j]);
                    scanner->scan_codes_range(size, invlists->get_codes(size_t(list_no)),
                                              invlists->get_ids(size_t(list_no)), radius, hits,
                                              size_t(i));
                    nscan += size;
                    if (s.max_codes && nscan >= s.max_codes) {
                        break;
                    }
                }
            });
        }
    }
    errors.rethrow_if_failed();
    hits.store(result);
}

void IndexIVF::reset() {
    if (invlists) {
        invlists->reset();
    }
    direct_map.clear();
    ntotal = 0;
}

size_t IndexIVF::remove_ids(const IDSelector& sel) {
    FAISSLIKE_THROW_IF_NOT_MSG(invlists, "IVF index has no inverted lists");
    size_t nremove = direct_map.remove_ids(sel, invlists);
    ntotal -= idx_t(nremove);
    return nremove;
}

void IndexIVF::reconstruct(idx_t key, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct: null output pointer");
    idx_t lo = direct_map.get(key);
    reconstruct_from_offset(lo_listno(lo), lo_offset(lo), recons);
}

void IndexIVF::reconstruct_from_offset(int64_t list_no, int64_t offset, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_FMT(list_no >= 0 && size_t(list_no) < nlist,
                               "list number %lld out of range", (long long)list_no);
    const uint8_t* code = invlists->get_single_code(size_t(list_no), size_t(offset));
    idx_t l = list_no;
    decode_vectors(1, code, &l, recons);
}

void IndexIVF::reconstruct_n(idx_t i0, idx_t ni, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_FMT(ni >= 0 && i0 >= 0, "reconstruct_n: invalid range [%lld, %lld)",
                               (long long)i0, (long long)(i0 + ni));
    if (ni == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct_n: null output pointer");
    std::vector<bool> found(size_t(ni), false);
    for (size_t l = 0; l < nlist; l++) {
        size_t size = invlists->list_size(l);
        const idx_t* ids = invlists->get_ids(l);
        for (size_t j = 0; j < size; j++) {
            if (ids[j] >= i0 && ids[j] < i0 + ni) {
                reconstruct_from_offset(idx_t(l), idx_t(j), recons + size_t(ids[j] - i0) * d);
                found[size_t(ids[j] - i0)] = true;
            }
        }
    }
    for (idx_t i = 0; i < ni; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(found[size_t(i)], "reconstruct_n: id %lld is not stored",
                                   (long long)(i0 + i));
    }
}

void IndexIVF::search_and_reconstruct(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        float* recons,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    check_trained("search");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || recons, "search_and_reconstruct: null recons");
    if (n == 0) {
        return;
    }
    SearchSettings s = search_settings(params);
    size_t np = std::min(s.nprobe, nlist);
    std::vector<idx_t> assign(size_t(n) * np);
    std::vector<float> coarse_dis(size_t(n) * np);
    quantizer->search(n, x, idx_t(np), coarse_dis.data(), assign.data(), s.quantizer_params);
    SearchParametersIVF inner;
    inner.nprobe = np;
    inner.max_codes = s.max_codes;
    inner.sel = s.sel;
    search_preassigned(n, x, k, assign.data(), coarse_dis.data(), distances, labels, true, &inner);
    for (idx_t i = 0; i < n * k; i++) {
        float* out = recons + size_t(i) * d;
        idx_t lo = labels[i];
        if (lo < 0) {
            std::memset(out, 0xff, sizeof(float) * d);
            continue;
        }
        reconstruct_from_offset(lo_listno(lo), lo_offset(lo), out);
        labels[i] = invlists->get_single_id(size_t(lo_listno(lo)), size_t(lo_offset(lo)));
    }
}

void IndexIVF::check_compatible_for_merge(const Index& otherIndex) const {
    const auto* other = dynamic_cast<const IndexIVF*>(&otherIndex);
    FAISSLIKE_THROW_IF_NOT_FMT(
            other && typeid(*other) == typeid(*this),
            "cannot merge %s into %s: different index types",
            otherIndex.index_name().c_str(), index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_MSG(
            other->d == d && other->nlist == nlist && other->code_size == code_size &&
                    other->metric_type == metric_type && other->by_residual == by_residual,
            "cannot merge IVF indexes with different d, nlist, code size, metric or by_residual");
    FAISSLIKE_THROW_IF_NOT_MSG(quantizer && other->quantizer && invlists && other->invlists,
                               "cannot merge an IVF index without quantizer or lists");
    FAISSLIKE_THROW_IF_NOT_MSG(
            other->quantizer->ntotal == quantizer->ntotal,
            "cannot merge IVF indexes whose coarse quantizers differ");
    // The codes only mean the same thing if the coarse centroids are identical.
    std::vector<float> mine(size_t(quantizer->ntotal) * d), theirs(mine.size());
    quantizer->reconstruct_n(0, quantizer->ntotal, mine.data());
    other->quantizer->reconstruct_n(0, other->quantizer->ntotal, theirs.data());
    FAISSLIKE_THROW_IF_NOT_MSG(
            mine == theirs, "cannot merge IVF indexes whose coarse quantizers differ");
}

void IndexIVF::merge_from(Index& otherIndex, idx_t add_id) {
    FAISSLIKE_THROW_IF_NOT_MSG(&otherIndex != this, "merge_from: cannot merge an index into itself");
    check_compatible_for_merge(otherIndex);
    auto& other = static_cast<IndexIVF&>(otherIndex);
    std::vector<idx_t> incoming;
    incoming.reserve(size_t(other.ntotal));
    for (size_t l = 0; l < nlist; l++) {
        const idx_t* ids = other.invlists->get_ids(l);
        for (size_t j = 0; j < other.invlists->list_size(l); j++) {
            incoming.push_back(ids[j] + add_id);
        }
    }
    direct_map.check_can_merge(incoming, size_t(ntotal));
    invlists->merge_from(other.invlists, add_id);
    ntotal += other.ntotal;
    other.ntotal = 0;
    other.direct_map.set_type(other.direct_map.type, other.invlists, 0);
    direct_map.set_type(direct_map.type, invlists, size_t(ntotal));
}

size_t IndexIVF::get_list_size(size_t list_no) const {
    FAISSLIKE_THROW_IF_NOT_MSG(invlists, "IVF index has no inverted lists");
    return invlists->list_size(list_no);
}

void IndexIVF::make_direct_map(bool new_maintain_direct_map) {
    set_direct_map_type(new_maintain_direct_map ? DirectMap::Array : DirectMap::NoMap);
}

void IndexIVF::set_direct_map_type(DirectMap::Type type) {
    direct_map.set_type(type, invlists, size_t(ntotal));
}

void IndexIVF::replace_invlists(InvertedLists* il, bool own) {
    FAISSLIKE_THROW_IF_NOT_MSG(il, "replace_invlists: null inverted lists");
    FAISSLIKE_THROW_IF_NOT_MSG(
            il->nlist == nlist && il->code_size == code_size,
            "replace_invlists: nlist and code_size must match the index");
    if (own_invlists && il != invlists) {
        delete invlists;
    }
    invlists = il;
    own_invlists = own;
    ntotal = idx_t(il->compute_ntotal());
    direct_map.set_type(direct_map.type, invlists, size_t(ntotal));
}

size_t IndexIVF::coarse_code_size() const {
    size_t nbytes = 0;
    for (size_t nl = nlist - 1; nl > 0; nl >>= 8) {
        nbytes++;
    }
    return nbytes;
}

size_t IndexIVF::sa_code_size() const {
    return coarse_code_size() + code_size;
}

void IndexIVF::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    check_trained("sa_encode");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_encode: null pointer");
    std::vector<idx_t> list_nos(static_cast<size_t>(n));
    quantizer->assign(n, x, list_nos.data());
    std::vector<uint8_t> codes(size_t(n) * code_size);
    encode_vectors(n, x, list_nos.data(), codes.data());
    const size_t ccs = coarse_code_size();
    for (idx_t i = 0; i < n; i++) {
        uint8_t* out = bytes + size_t(i) * (ccs + code_size);
        uint64_t l = uint64_t(list_nos[size_t(i)]);
        for (size_t b = 0; b < ccs; b++) {
            out[b] = uint8_t(l >> (8 * b));
        }
        std::memcpy(out + ccs, codes.data() + size_t(i) * code_size, code_size);
    }
}

void IndexIVF::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    check_trained("sa_decode");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_decode: null pointer");
    const size_t ccs = coarse_code_size();
    for (idx_t i = 0; i < n; i++) {
        const uint8_t* in = bytes + size_t(i) * (ccs + code_size);
        idx_t l = 0;
        for (size_t b = 0; b < ccs; b++) {
            l |= idx_t(in[b]) << (8 * b);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(size_t(l) < nlist, "sa_decode: list number %lld out of range",
                                   (long long)l);
        decode_vectors(1, in + ccs, &l, x + size_t(i) * d);
    }
}

} // namespace faisslike
