#include <faisslike/IndexPQ.h>

#include <omp.h>

#include <algorithm>
#include <typeinfo>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

IndexPQ::IndexPQ(int d, size_t M, size_t nbits, MetricType metric)
        : IndexFlatCodes(0, d, metric), pq(size_t(d), M, nbits) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "IndexPQ supports the L2 and inner product metrics, not %s",
            metric_name(metric));
    code_size = pq.code_size;
    is_trained = false;
    polysemous_ht = int(nbits * M) + 1;
}

IndexPQ::IndexPQ() {
    is_trained = false;
    polysemous_ht = int(pq.nbits * pq.M) + 1;
}

void IndexPQ::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_MSG(
            !do_polysemous_training,
            "IndexPQ: polysemous training is not supported; set do_polysemous_training = false");
    FAISSLIKE_THROW_IF_NOT_FMT(
            ntotal == 0,
            "%s::train: the index holds %lld codes of the current training, which new "
            "centroids would make meaningless; call reset() first",
            index_name().c_str(),
            (long long)ntotal);
    pq.train(size_t(n), x);
    is_trained = true;
}

void IndexPQ::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before encoding",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "sa_encode: n = %lld must be >= 0", (long long)n);
    pq.compute_codes(x, bytes, size_t(n));
}

void IndexPQ::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before decoding",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "sa_decode: n = %lld must be >= 0", (long long)n);
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(bytes && x, "sa_decode: null pointer");
    pq.decode(bytes, x, size_t(n));
}

void IndexPQ::check_compatible_for_merge(const Index& otherIndex) const {
    IndexFlatCodes::check_compatible_for_merge(otherIndex);
    const auto& other = static_cast<const IndexPQ&>(otherIndex);
    FAISSLIKE_THROW_IF_NOT_MSG(
            other.pq.M == pq.M && other.pq.nbits == pq.nbits && other.pq.centroids == pq.centroids,
            "cannot merge IndexPQ with different product quantizers (codes would not "
            "mean the same vectors)");
}

namespace {

/// Settings of one search: the selector, narrowed to a row range when it is
/// an IDSelectorRange (the ids of a flat index are its row numbers).
struct ScanRange {
    idx_t begin, end;
    const IDSelector* sel;

    ScanRange(const IDSelector* s, idx_t ntotal) : begin(0), end(ntotal), sel(s) {
        if (auto range = dynamic_cast<const IDSelectorRange*>(s)) {
            begin = std::clamp<idx_t>(range->imin, 0, ntotal);
            end = std::clamp<idx_t>(range->imax, begin, ntotal);
            sel = nullptr;
        }
    }
};

/// Offers the codes [j0, j1) to the heap of one query.
template <class C>
void scan_codes(const ProductQuantizer& pq, const float* table, const uint8_t* codes, idx_t j0,
                idx_t j1, const IDSelector* sel, size_t k, float* heap_dis, idx_t* heap_ids) {
    constexpr idx_t kBlock = 256;
    float dis[kBlock];
    for (idx_t b0 = j0; b0 < j1; b0 += kBlock) {
        idx_t nb = std::min(kBlock, j1 - b0);
        if (sel) {
            for (idx_t j = b0; j < b0 + nb; j++) {
                if (sel->is_member(j)) {
                    heap_offer<C>(k, heap_dis, heap_ids,
                                  pq.distance_from_table(table, codes + size_t(j) * pq.code_size), j);
                }
            }
            continue;
        }
        pq.distances_from_table(table, codes + size_t(b0) * pq.code_size, size_t(nb), dis);
        float top = heap_dis[0];
        for (idx_t i = 0; i < nb; i++) {
            if (!C::cmp(dis[i], top) && C::cmp2(top, dis[i], heap_ids[0], b0 + i)) {
                heap_replace_top<C>(k, heap_dis, heap_ids, dis[i], b0 + i);
                top = heap_dis[0];
            }
        }
    }
}

/// Below this many table look-ups a scan stays on the calling thread: waking
/// the OpenMP team would cost more than it saves.
constexpr size_t kMinParallelLookups = size_t(1) << 20;

// What a table lookup costs in the terms of the interrupt polls (a load, an
// add, and its share of the heap tests).
constexpr size_t kFlopsPerLookup = 4;

/// Queries whose tables are computed together: bounded by memory (tables of
/// 16-bit quantizers are large) and by what a thread team can share.
size_t query_block_size(const ProductQuantizer& pq) {
    const size_t table_bytes = pq.M * pq.ksub * sizeof(float);
    return std::clamp<size_t>((size_t(64) << 20) / table_bytes, 1, 256);
}

} // namespace

void IndexPQ::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before search()",
                               index_name().c_str());
    Search_type_t st = search_type;
    const IDSelector* sel = nullptr;
    if (params) {
        sel = params->sel;
        if (const auto* pqp = dynamic_cast<const SearchParametersPQ*>(params)) {
            st = pqp->search_type;
        } else {
            FAISSLIKE_THROW_IF_NOT_MSG(
                    typeid(*params) == typeid(SearchParameters),
                    "IndexPQ params have incorrect type: pass SearchParametersPQ (or a plain "
                    "SearchParameters for a selector only)");
        }
    }
    FAISSLIKE_THROW_IF_NOT_FMT(
            st == ST_PQ,
            "IndexPQ search_type %d is not supported: only ST_PQ (asymmetric distance) is "
            "implemented",
            int(st));
    if (n == 0) {
        return;
    }
    const bool ip = metric_type == METRIC_INNER_PRODUCT;
    const size_t kk = size_t(k);
    const ScanRange range(sel, ntotal);
    const size_t table_size = pq.M * pq.ksub;
    const size_t qblock = std::min(size_t(n), query_block_size(pq));
    std::vector<float> tables(qblock * table_size);
    const int nthreads = omp_get_max_threads();
    // Codes per task when one query's codes are split between threads.
    const idx_t chunk = std::max<idx_t>(4096, (range.end - range.begin) / (8 * nthreads) + 1);
    const size_t lookups = size_t(range.end - range.begin) * pq.M; // per query

    auto run = [&](auto heap_type) {
        using C = decltype(heap_type);
        ParallelExceptions errors;
        InterruptPoll poll(qblock * lookups * kFlopsPerLookup);
        for (size_t q0 = 0; q0 < size_t(n) && !errors.failed(); q0 += qblock) {
            poll.tick();
            const size_t nq = std::min(qblock, size_t(n) - q0);
            if (ip) {
                pq.compute_inner_prod_tables(nq, x + q0 * d, tables.data());
            } else {
                pq.compute_distance_tables(nq, x + q0 * d, tables.data());
            }
            if (nq >= size_t(nthreads)) {
#pragma omp parallel for schedule(dynamic) if (nq * lookups >= kMinParallelLookups)
                for (int64_t i = 0; i < int64_t(nq); i++) {
                    errors.run([&] {
                        float* hd = distances + (q0 + size_t(i)) * kk;
                        idx_t* hi = labels + (q0 + size_t(i)) * kk;
                        heap_heapify<C>(kk, hd, hi);
                        scan_codes<C>(pq, tables.data() + size_t(i) * table_size, codes.data(),
                                      range.begin, range.end, range.sel, kk, hd, hi);
                        heap_reorder<C>(kk, hd, hi);
                    });
                }
                continue;
            }
            // Few queries: split each query's codes between the threads and
            // merge their heaps (ties are broken on the id: deterministic).
            for (size_t i = 0; i < nq; i++) {
                float* hd = distances + (q0 + i) * kk;
                idx_t* hi = labels + (q0 + i) * kk;
                heap_heapify<C>(kk, hd, hi);
                const float* table = tables.data() + i * table_size;
#pragma omp parallel if (lookups >= kMinParallelLookups)
                {
                    std::vector<float> local_dis(kk);
                    std::vector<idx_t> local_ids(kk);
                    heap_heapify<C>(kk, local_dis.data(), local_ids.data());
#pragma omp for schedule(dynamic)
                    for (idx_t j0 = range.begin; j0 < range.end; j0 += chunk) {
                        errors.run([&] {
                            scan_codes<C>(pq, table, codes.data(), j0, std::min(range.end, j0 + chunk),
                                          range.sel, kk, local_dis.data(), local_ids.data());
                        });
                    }
#pragma omp critical
                    for (size_t r = 0; r < kk; r++) {
                        if (local_ids[r] >= 0) {
                            heap_offer<C>(kk, hd, hi, local_dis[r], local_ids[r]);
                        }
                    }
                }
                heap_reorder<C>(kk, hd, hi);
            }
        }
        errors.rethrow_if_failed();
    };
    if (ip) {
        run(float_minheap());
    } else {
        run(float_maxheap());
    }
}

void IndexPQ::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "range_search: invalid queries");
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_FMT(result->nq == size_t(n),
                               "RangeSearchResult made for %zu queries, got %lld", result->nq,
                               (long long)n);
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before range_search()",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_MSG(
            !params || typeid(*params) == typeid(SearchParameters),
            "IndexPQ::range_search params have incorrect type: pass a plain SearchParameters");
    const ScanRange range(params ? params->sel : nullptr, ntotal);
    const bool ip = metric_type == METRIC_INNER_PRODUCT;
    const size_t table_size = pq.M * pq.ksub;
    const size_t qblock = std::min(size_t(std::max<idx_t>(n, 1)), query_block_size(pq));
    std::vector<float> tables(qblock * table_size);
    RangeSearchHits hits{size_t(n)};
    ParallelExceptions errors;
    const size_t lookups = size_t(range.end - range.begin) * pq.M;
    InterruptPoll poll(qblock * lookups * kFlopsPerLookup);
    for (size_t q0 = 0; q0 < size_t(n) && !errors.failed(); q0 += qblock) {
        poll.tick();
        const size_t nq = std::min(qblock, size_t(n) - q0);
        if (ip) {
            pq.compute_inner_prod_tables(nq, x + q0 * d, tables.data());
        } else {
            pq.compute_distance_tables(nq, x + q0 * d, tables.data());
        }
#pragma omp parallel for schedule(dynamic) if (nq * lookups >= kMinParallelLookups)
        for (int64_t i = 0; i < int64_t(nq); i++) {
            errors.run([&] {
                const float* table = tables.data() + size_t(i) * table_size;
                float dis[256];
                for (idx_t b0 = range.begin; b0 < range.end; b0 += 256) {
                    idx_t nb = std::min<idx_t>(256, range.end - b0);
                    pq.distances_from_table(table, codes.data() + size_t(b0) * code_size,
                                            size_t(nb), dis);
                    for (idx_t j = 0; j < nb; j++) {
                        bool in = ip ? dis[j] > radius : dis[j] < radius;
                        if (in && (!range.sel || range.sel->is_member(b0 + j))) {
                            hits.add(q0 + size_t(i), dis[j], b0 + j);
                        }
                    }
                }
            });
        }
    }
    errors.rethrow_if_failed();
    hits.store(result);
}

} // namespace faisslike
