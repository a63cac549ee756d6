#include <faisslike/IndexScalarQuantizer.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

namespace {

using SQDistanceComputer = ScalarQuantizer::SQDistanceComputer;

/// Codes are scanned in blocks: the distances of a block are computed by one
/// kernel call, then offered to the heaps.
constexpr size_t kBlock = 128;

/// Copies the codes j < n of a block for which keep(j) holds to `out`, and
/// their offsets to `offsets`; returns how many were kept.
template <class Keep>
size_t gather_selected(size_t n, const uint8_t* codes, size_t code_size, Keep keep,
                       uint8_t* out, size_t* offsets) {
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (keep(j)) {
            std::memcpy(out + m * code_size, codes + j * code_size, code_size);
            offsets[m++] = j;
        }
    }
    return m;
}

/// Offers dis[j] with id id_of(j) to a heap of size k; returns the number of updates.
template <class C, class IdOf>
size_t offer_block(size_t n, const float* dis, IdOf id_of, size_t k, float* heap_dis,
                   idx_t* heap_ids) {
    size_t nup = 0;
    for (size_t j = 0; j < n; j++) {
        idx_t id = id_of(j);
        if (C::cmp2(heap_dis[0], dis[j], heap_ids[0], id)) {
            heap_replace_top<C>(k, heap_dis, heap_ids, dis[j], id);
            nup++;
        }
    }
    return nup;
}

void check_finite(const Index& index, idx_t n, const float* x) {
    const size_t total = size_t(n) * size_t(index.d);
    for (size_t i = 0; i < total; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                std::isfinite(x[i]),
                "%s: vector %zu has a NaN or infinite component; nothing was encoded",
                index.index_name().c_str(),
                i / size_t(index.d));
    }
}

/*********************************************************** flat scan */

/// One thread's view of the stored codes: scans rows [i0, i1) for a few
/// queries at a time, so that each block of codes is read from cache by all
/// of them.
class FlatScan {
   public:
    FlatScan(const IndexScalarQuantizer& index, size_t max_queries, const IDSelector* sel)
            : index_(index), sel_(sel), dis_(kBlock) {
        for (size_t q = 0; q < max_queries; q++) {
            dcs_.emplace_back(index.sq.get_distance_computer(index.metric_type));
        }
        if (sel) {
            gathered_.resize(kBlock * index.code_size);
            offsets_.resize(kBlock);
        }
    }

    void set_queries(size_t nq, const float* x) {
        nq_ = nq;
        for (size_t q = 0; q < nq; q++) {
            dcs_[q]->set_query(x + q * size_t(index_.d));
        }
    }

    /// Offers rows [i0, i1) to the heaps of the current queries (heap q at
    /// heap_dis + q * k).
    template <class C>
    void knn(idx_t i0, idx_t i1, size_t k, float* heap_dis, idx_t* heap_ids) {
        for_each_block(i0, i1, [&](size_t m, const uint8_t* codes, auto id_of) {
            for (size_t q = 0; q < nq_; q++) {
                dcs_[q]->query_to_codes(m, codes, dis_.data());
                offer_block<C>(m, dis_.data(), id_of, k, heap_dis + q * k, heap_ids + q * k);
            }
        });
    }

    /// Adds rows [i0, i1) within radius to the hits of the current queries
    /// (query q of this batch is query first + q of the search).
    void range(idx_t i0, idx_t i1, float radius, RangeSearchHits& hits, size_t first) {
        const bool keep_max = is_similarity_metric(index_.metric_type);
        for_each_block(i0, i1, [&](size_t m, const uint8_t* codes, auto id_of) {
            for (size_t q = 0; q < nq_; q++) {
                dcs_[q]->query_to_codes(m, codes, dis_.data());
                for (size_t j = 0; j < m; j++) {
                    if (keep_max ? dis_[j] > radius : dis_[j] < radius) {
                        hits.add(first + q, dis_[j], id_of(j));
                    }
                }
            }
        });
    }

   private:
    /// Calls body(m, codes, id_of) for each block of selected rows of [i0, i1).
    template <class Body>
    void for_each_block(idx_t i0, idx_t i1, Body&& body) {
        const size_t cs = index_.code_size;
        for (idx_t b0 = i0; b0 < i1; b0 += idx_t(kBlock)) {
            size_t nb = size_t(std::min(i1 - b0, idx_t(kBlock)));
            const uint8_t* block = index_.codes.data() + size_t(b0) * cs;
            if (!sel_) {
                body(nb, block, [b0](size_t j) { return b0 + idx_t(j); });
                continue;
            }
            size_t m = gather_selected(
                    nb, block, cs, [&](size_t j) { return sel_->is_member(b0 + idx_t(j)); },
                    gathered_.data(), offsets_.data());
            if (m > 0) {
                const size_t* offsets = offsets_.data();
                body(m, gathered_.data(), [b0, offsets](size_t j) { return b0 + idx_t(offsets[j]); });
            }
        }
    }

    const IndexScalarQuantizer& index_;
    const IDSelector* sel_;
    std::vector<std::unique_ptr<SQDistanceComputer>> dcs_;
    size_t nq_ = 0;
    std::vector<float> dis_;
    std::vector<uint8_t> gathered_;
    std::vector<size_t> offsets_;
};

/// Queries handled together by one thread (they share the reads of the codes).
constexpr size_t kQueryBatch = 8;

template <class C>
void flat_knn(const IndexScalarQuantizer& index, idx_t n, const float* x, idx_t k,
              float* distances, idx_t* labels, const IDSelector* sel) {
    const size_t kk = size_t(k);
    const size_t d = size_t(index.d);
    const idx_t nbatch = (n + idx_t(kQueryBatch) - 1) / idx_t(kQueryBatch);
    const int nthreads = omp_get_max_threads();
    ParallelExceptions errors;

    auto batch_range = [&](idx_t b, size_t& q0, size_t& nq) {
        q0 = size_t(b) * kQueryBatch;
        nq = std::min(kQueryBatch, size_t(n) - q0);
    };

    if (nbatch >= nthreads || index.ntotal < idx_t(16 * kBlock)) {
        // Enough query batches to keep every thread busy.
#pragma omp parallel
        {
            std::unique_ptr<FlatScan> scan;
            errors.run([&] { scan = std::make_unique<FlatScan>(index, kQueryBatch, sel); });
            InterruptPoll poll(kQueryBatch * size_t(index.ntotal) * d);
#pragma omp for schedule(dynamic)
            for (idx_t b = 0; b < nbatch; b++) {
                errors.run([&] {
                    poll.tick();
                    size_t q0, nq;
                    batch_range(b, q0, nq);
                    float* hd = distances + q0 * kk;
                    idx_t* hi = labels + q0 * kk;
                    for (size_t q = 0; q < nq; q++) {
                        heap_heapify<C>(kk, hd + q * kk, hi + q * kk);
                    }
                    scan->set_queries(nq, x + q0 * d);
                    scan->knn<C>(0, index.ntotal, kk, hd, hi);
                    for (size_t q = 0; q < nq; q++) {
                        heap_reorder<C>(kk, hd + q * kk, hi + q * kk);
                    }
                });
            }
        }
        errors.rethrow_if_failed();
        return;
    }

    // Few queries: the threads split the stored vectors and merge their heaps
    // (deterministic: ties are broken on the id).
    InterruptPoll poll(kQueryBatch * size_t(index.ntotal) * d);
    for (idx_t b = 0; b < nbatch; b++) {
        poll.tick();
        size_t q0, nq;
        batch_range(b, q0, nq);
        float* hd = distances + q0 * kk;
        idx_t* hi = labels + q0 * kk;
        for (size_t q = 0; q < nq; q++) {
            heap_heapify<C>(kk, hd + q * kk, hi + q * kk);
        }
        const idx_t nchunk = idx_t(nthreads) * 4;
        const idx_t chunk = (index.ntotal + nchunk - 1) / nchunk;
#pragma omp parallel
        {
            std::unique_ptr<FlatScan> scan;
            std::vector<float> local_dis(nq * kk);
            std::vector<idx_t> local_ids(nq * kk);
            for (size_t q = 0; q < nq; q++) {
                heap_heapify<C>(kk, local_dis.data() + q * kk, local_ids.data() + q * kk);
            }
            errors.run([&] {
                scan = std::make_unique<FlatScan>(index, nq, sel);
                scan->set_queries(nq, x + q0 * d);
            });
#pragma omp for schedule(dynamic)
            for (idx_t c = 0; c < nchunk; c++) {
                errors.run([&] {
                    idx_t i0 = std::min(index.ntotal, c * chunk);
                    idx_t i1 = std::min(index.ntotal, i0 + chunk);
                    scan->knn<C>(i0, i1, kk, local_dis.data(), local_ids.data());
                });
            }
#pragma omp critical
            for (size_t r = 0; r < nq * kk; r++) {
                if (local_ids[r] >= 0) {
                    size_t q = r / kk;
                    heap_offer<C>(kk, hd + q * kk, hi + q * kk, local_dis[r], local_ids[r]);
                }
            }
        }
        errors.rethrow_if_failed();
        for (size_t q = 0; q < nq; q++) {
            heap_reorder<C>(kk, hd + q * kk, hi + q * kk);
        }
    }
}

/*********************************************************** IVF scanner */

class IVFSQScanner : public InvertedListScanner {
   public:
    IVFSQScanner(const IndexIVFScalarQuantizer& index, bool store_pairs, const IDSelector* sel)
            : InvertedListScanner(store_pairs, sel),
              index_(index),
              dc_(index.sq.get_distance_computer(index.metric_type)),
              residual_(index.by_residual ? size_t(index.d) : 0),
              dis_(kBlock) {
        keep_max = is_similarity_metric(index.metric_type);
        code_size = index.code_size;
        if (sel) {
            gathered_.resize(kBlock * code_size);
            offsets_.resize(kBlock);
        }
    }

    void set_query(const float* q) override {
        query_ = q;
        if (!index_.by_residual || keep_max) {
            dc_->set_query(q);
        }
    }

    void set_list(idx_t l, float coarse_dis) override {
        list_no = l;
        if (!index_.by_residual) {
            return;
        }
        if (keep_max) {
            // <q, c + r> = <q, c> + <q, r>, and <q, c> is the coarse similarity.
            accu0_ = coarse_dis;
        } else {
            index_.quantizer->reconstruct(l, residual_.data());
            for (size_t i = 0; i < residual_.size(); i++) {
                residual_[i] = query_[i] - residual_[i];
            }
            dc_->set_query(residual_.data());
        }
    }

    float distance_to_code(const uint8_t* code) const override {
        return accu0_ + dc_->query_to_code(code);
    }

    size_t scan_codes(size_t n, const uint8_t* codes, const idx_t* ids, float* heap_dis,
                      idx_t* heap_ids, size_t k) const override {
        size_t nup = 0;
        for_each_block(n, codes, ids, [&](size_t m, const float* dis, auto id_of) {
            nup += keep_max ? offer_block<float_minheap>(m, dis, id_of, k, heap_dis, heap_ids)
                            : offer_block<float_maxheap>(m, dis, id_of, k, heap_dis, heap_ids);
        });
        return nup;
    }

    void scan_codes_range(size_t n, const uint8_t* codes, const idx_t* ids, float radius,
                          RangeSearchHits& hits, size_t query_no) const override {
        for_each_block(n, codes, ids, [&](size_t m, const float* dis, auto id_of) {
            for (size_t j = 0; j < m; j++) {
                if (keep_max ? dis[j] > radius : dis[j] < radius) {
                    hits.add(query_no, dis[j], id_of(j));
                }
            }
        });
    }

   private:
    /// Calls body(m, dis, id_of) for each block of selected codes of the list.
    template <class Body>
    void for_each_block(size_t n, const uint8_t* codes, const idx_t* ids, Body&& body) const {
        for (size_t b0 = 0; b0 < n; b0 += kBlock) {
            size_t nb = std::min(n - b0, kBlock);
            const uint8_t* block = codes + b0 * code_size;
            if (!sel) {
                compute(nb, block);
                body(nb, dis_.data(), [&](size_t j) { return result_id(ids, b0 + j); });
                continue;
            }
            size_t m = gather_selected(
                    nb, block, code_size, [&](size_t j) { return sel->is_member(ids[b0 + j]); },
                    gathered_.data(), offsets_.data());
            if (m > 0) {
                compute(m, gathered_.data());
                body(m, dis_.data(), [&](size_t j) { return result_id(ids, b0 + offsets_[j]); });
            }
        }
    }

    void compute(size_t m, const uint8_t* block) const {
        dc_->query_to_codes(m, block, dis_.data());
        if (accu0_ != 0) {
            for (size_t j = 0; j < m; j++) {
                dis_[j] += accu0_;
            }
        }
    }

    const IndexIVFScalarQuantizer& index_;
    std::unique_ptr<SQDistanceComputer> dc_;
    const float* query_ = nullptr;
    std::vector<float> residual_;
    float accu0_ = 0; ///< added to every distance of the list (IP by residual)
    // Scratch space of the const scan methods; a scanner serves one thread.
    mutable std::vector<float> dis_;
    mutable std::vector<uint8_t> gathered_;
    mutable std::vector<size_t> offsets_;
};

} // namespace

/*********************************************************** IndexScalarQuantizer */

IndexScalarQuantizer::IndexScalarQuantizer(int d, ScalarQuantizer::QuantizerType qtype,
                                           MetricType metric)
        : IndexFlatCodes(ScalarQuantizer(size_t(std::max(d, 0)), qtype).code_size, d, metric),
          sq(size_t(d), qtype) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "metric %s not supported by IndexScalarQuantizer (use METRIC_L2 or "
            "METRIC_INNER_PRODUCT)",
            metric_name(metric));
    is_trained = !sq.needs_training();
}

IndexScalarQuantizer::IndexScalarQuantizer() : IndexScalarQuantizer(0, ScalarQuantizer::QT_8bit) {}

void IndexScalarQuantizer::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    if (!sq.needs_training()) {
        is_trained = true;
        return;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(
            ntotal == 0,
            "%s::train: the index holds %lld vectors encoded with the current ranges; "
            "call reset() before training again",
            index_name().c_str(),
            (long long)ntotal);
    sq.train(size_t(n), x);
    is_trained = true;
}

void IndexScalarQuantizer::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before search()",
                               index_name().c_str());
    if (n == 0) {
        return;
    }
    const IDSelector* sel = params ? params->sel : nullptr;
    if (metric_type == METRIC_L2) {
        flat_knn<float_maxheap>(*this, n, x, k, distances, labels, sel);
    } else {
        flat_knn<float_minheap>(*this, n, x, k, distances, labels, sel);
    }
}

void IndexScalarQuantizer::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "range_search: n = %lld must be >= 0", (long long)n);
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || x, "range_search: null query pointer");
    FAISSLIKE_THROW_IF_NOT_FMT(result->nq == size_t(n),
                               "RangeSearchResult made for %zu queries, got %lld", result->nq,
                               (long long)n);
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before range_search()",
                               index_name().c_str());
    const IDSelector* sel = params ? params->sel : nullptr;
    RangeSearchHits hits{size_t(n)};
    ParallelExceptions errors;
#pragma omp parallel
    {
        std::unique_ptr<FlatScan> scan;
        errors.run([&] { scan = std::make_unique<FlatScan>(*this, 1, sel); });
        InterruptPoll poll(size_t(ntotal) * size_t(d));
#pragma omp for schedule(dynamic)
        for (idx_t i = 0; i < n; i++) {
            errors.run([&] {
                poll.tick();
                scan->set_queries(1, x + size_t(i) * d);
                scan->range(0, ntotal, radius, hits, size_t(i));
            });
        }
    }
    errors.rethrow_if_failed();
    hits.store(result);
}

void IndexScalarQuantizer::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before add() or sa_encode()",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "sa_encode: n = %lld must be >= 0", (long long)n);
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_encode: null pointer");
    check_finite(*this, n, x);
    sq.compute_codes(x, bytes, size_t(n));
}

void IndexScalarQuantizer::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained, "%s is not trained: call train() before sa_decode()",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "sa_decode: n = %lld must be >= 0", (long long)n);
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_decode: null pointer");
    sq.decode(bytes, x, size_t(n));
}

void IndexScalarQuantizer::check_compatible_for_merge(const Index& otherIndex) const {
    IndexFlatCodes::check_compatible_for_merge(otherIndex);
    const auto& other = static_cast<const IndexScalarQuantizer&>(otherIndex);
    FAISSLIKE_THROW_IF_NOT_MSG(
            other.sq.qtype == sq.qtype && other.sq.trained == sq.trained,
            "cannot merge IndexScalarQuantizer indexes with different quantizer types or "
            "trained ranges (train one and copy its sq to the other)");
}

/*********************************************************** IndexIVFScalarQuantizer */

IndexIVFScalarQuantizer::IndexIVFScalarQuantizer(
        Index* quantizer,
        size_t d,
        size_t nlist,
        ScalarQuantizer::QuantizerType qtype,
        MetricType metric,
        bool by_residual)
        : IndexIVF(quantizer, d, nlist, ScalarQuantizer(d, qtype).code_size, metric),
          sq(d, qtype) {
    this->by_residual = by_residual;
    // As in Faiss, train() runs even when the quantizer is already trained.
    is_trained = false;
}

IndexIVFScalarQuantizer::IndexIVFScalarQuantizer() = default;

void IndexIVFScalarQuantizer::train_encoder(idx_t n, const float* x, const idx_t* assign) {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "train_encoder: invalid training set");
    if (!by_residual || !assign || !sq.needs_training()) {
        sq.train(size_t(n), x);
        return;
    }
    std::vector<float> residuals(size_t(n) * d);
    ParallelExceptions errors;
#pragma omp parallel for if (n > 1000)
    for (idx_t i = 0; i < n; i++) {
        errors.run([&] {
            float* r = residuals.data() + size_t(i) * d;
            const float* xi = x + size_t(i) * d;
            if (assign[i] < 0) {
                std::memcpy(r, xi, sizeof(float) * d);
                return;
            }
            centroid_of(assign[i], r);
            for (int j = 0; j < d; j++) {
                r[j] = xi[j] - r[j];
            }
        });
    }
    errors.rethrow_if_failed();
    sq.train(size_t(n), residuals.data());
}

idx_t IndexIVFScalarQuantizer::train_encoder_num_vectors() const {
    return 100000;
}

void IndexIVFScalarQuantizer::encode_vectors(idx_t n, const float* x, const idx_t* list_nos,
                                             uint8_t* codes) const {
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(sq.is_trained(),
                               "%s: the scalar quantizer is not trained: call train() first",
                               index_name().c_str());
    if (!by_residual) {
        sq.compute_codes(x, codes, size_t(n));
        return;
    }
    // Residuals are formed a chunk at a time, then encoded together.
    constexpr idx_t kChunk = 256;
    const idx_t nchunk = (n + kChunk - 1) / kChunk;
    ParallelExceptions errors;
#pragma omp parallel if (n > 1000)
    {
        std::vector<float> residuals(size_t(kChunk) * d);
#pragma omp for schedule(dynamic)
        for (idx_t c = 0; c < nchunk; c++) {
            errors.run([&] {
                idx_t i0 = c * kChunk, i1 = std::min(n, i0 + kChunk);
                for (idx_t i = i0; i < i1; i++) {
                    float* r = residuals.data() + size_t(i - i0) * d;
                    const float* xi = x + size_t(i) * d;
                    if (list_nos[i] < 0) {
                        // Not stored anywhere: any code will do.
                        std::memcpy(r, xi, sizeof(float) * d);
                        continue;
                    }
                    centroid_of(list_nos[i], r);
                    for (int j = 0; j < d; j++) {
                        r[j] = xi[j] - r[j];
                    }
                }
                sq.compute_codes(residuals.data(), codes + size_t(i0) * code_size, size_t(i1 - i0));
            });
        }
    }
    errors.rethrow_if_failed();
}

void IndexIVFScalarQuantizer::decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos,
                                             float* x) const {
    if (n == 0) {
        return;
    }
    sq.decode(codes, x, size_t(n));
    if (!by_residual) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(list_nos, "decode_vectors: list numbers are needed by_residual");
    std::vector<float> centroid(d);
    for (idx_t i = 0; i < n; i++) {
        centroid_of(list_nos[i], centroid.data());
        float* xi = x + size_t(i) * d;
        for (int j = 0; j < d; j++) {
            xi[j] += centroid[j];
        }
    }
}

InvertedListScanner* IndexIVFScalarQuantizer::get_InvertedListScanner(bool store_pairs,
                                                                      const IDSelector* sel) const {
    return new IVFSQScanner(*this, store_pairs, sel);
}

void IndexIVFScalarQuantizer::check_compatible_for_merge(const Index& otherIndex) const {
    IndexIVF::check_compatible_for_merge(otherIndex);
    const auto& other = static_cast<const IndexIVFScalarQuantizer&>(otherIndex);
    FAISSLIKE_THROW_IF_NOT_MSG(
            other.sq.qtype == sq.qtype && other.sq.trained == sq.trained,
            "cannot merge IndexIVFScalarQuantizer indexes with different quantizer types or "
            "trained ranges (train one and copy its sq to the other)");
}

} // namespace faisslike
