#include <faisslike/IndexIVFPQ.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/parallel.h>
#include <faisslike/utils/simd_levels.h>

namespace faisslike {

size_t precomputed_table_max_bytes = size_t(1) << 31;

/*********************************************************** scanner */

namespace {

// t = pre - 2 * q, the per-list table of the precomputed mode. It streams the
// list's precomputed table from memory; wider vectors (chosen at run time)
// leave more of the bandwidth to it. 2 * q is exact, so every level gives the
// same bits.
template <int W>
inline __attribute__((always_inline)) void list_table(size_t n, const float* pre, const float* q,
                                                     float* t) {
    typedef float V __attribute__((vector_size(W * sizeof(float))));
    size_t i = 0;
    for (; i + W <= n; i += W) {
        V a, b;
        std::memcpy(&a, pre + i, sizeof(V));
        std::memcpy(&b, q + i, sizeof(V));
        a -= 2 * b;
        std::memcpy(t + i, &a, sizeof(V));
    }
    for (; i < n; i++) {
        t[i] = pre[i] - 2 * q[i];
    }
}

void list_table_generic(size_t n, const float* pre, const float* q, float* t) {
    list_table<4>(n, pre, q, t);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) void list_table_avx2(size_t n, const float* pre, const float* q,
                                                        float* t) {
    list_table<8>(n, pre, q, t);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))) void list_table_avx512(
        size_t n, const float* pre, const float* q, float* t) {
    list_table<16>(n, pre, q, t);
}
#endif

using ListTableFn = void (*)(size_t, const float*, const float*, float*);

ListTableFn list_table_kernel() {
#if defined(__x86_64__) && defined(__GNUC__)
    switch (active_simd_level()) {
        case SIMDLevel::AVX512:
            return list_table_avx512;
        case SIMDLevel::AVX2:
            return list_table_avx2;
        default:
            break;
    }
#endif
    return list_table_generic;
}

/// Scans the PQ codes of the probed lists of one query at a time. The M * ksub
/// table it scans with is computed once per query when it does not depend on
/// the list (inner product, or no residual), else once per list: the
/// precomputed list term plus the query term, or the distance table of the
/// query's residual.
class IVFPQScanner : public InvertedListScanner {
   public:
    IVFPQScanner(const IndexIVFPQ& index, bool store_pairs, const IDSelector* sel)
            : InvertedListScanner(store_pairs, sel),
              ivf_(index),
              pq_(index.pq),
              ip_(index.metric_type == METRIC_INNER_PRODUCT),
              per_list_(!ip_ && index.by_residual),
              precomputed_(per_list_ && index.use_precomputed_table == 1),
              list_table_(list_table_kernel()),
              table_(pq_.M * pq_.ksub),
              vec_(size_t(index.d)),
              decoded_(size_t(index.d)) {
        keep_max = ip_;
        code_size = pq_.code_size;
        if (precomputed_) {
            query_term_.resize(table_.size());
        }
    }

    void set_query(const float* query) override {
        query_ = query;
        if (!per_list_) {
            if (ip_) {
                pq_.compute_inner_prod_table(query, table_.data());
            } else {
                pq_.compute_distance_table(query, table_.data());
            }
        } else if (precomputed_) {
            pq_.compute_inner_prod_table(query, query_term_.data());
        }
    }

    void set_list(idx_t l, float) override {
        list_no = l;
        on_the_fly_ = false;
        dis0_ = 0;
        if (!per_list_) {
            if (ip_ && ivf_.by_residual) {
                // <x, y_C + y_R> = <x, y_C> + table sum.
                ivf_.quantizer->reconstruct(l, vec_.data());
                dis0_ = fvec_inner_product(query_, vec_.data(), vec_.size());
            }
            return;
        }
        if (ivf_.scan_table_threshold > 0 &&
            ivf_.invlists->list_size(size_t(l)) < ivf_.scan_table_threshold) {
            ivf_.quantizer->compute_residual(query_, vec_.data(), l);
            on_the_fly_ = true;
            return;
        }
        if (precomputed_) {
            // |x - y_C|^2 recomputed rather than taken from the quantizer, whose
            // value depends on how the queries were batched.
            ivf_.quantizer->reconstruct(l, vec_.data());
            dis0_ = fvec_L2sqr(query_, vec_.data(), vec_.size());
            list_table_(table_.size(), ivf_.precomputed_table.data() + size_t(l) * table_.size(),
                        query_term_.data(), table_.data());
        } else {
            ivf_.quantizer->compute_residual(query_, vec_.data(), l);
            pq_.compute_distance_table(vec_.data(), table_.data());
        }
    }

    float distance_to_code(const uint8_t* code) const override {
        if (on_the_fly_) {
            pq_.decode(code, decoded_.data());
            return fvec_L2sqr(vec_.data(), decoded_.data(), vec_.size());
        }
        return dis0_ + pq_.distance_from_table(table_.data(), code);
    }

    size_t scan_codes(size_t n, const uint8_t* codes, const idx_t* ids, float* heap_dis,
                      idx_t* heap_ids, size_t k) const override {
        if (on_the_fly_ || sel) {
            return InvertedListScanner::scan_codes(n, codes, ids, heap_dis, heap_ids, k);
        }
        return ip_ ? scan<float_minheap>(n, codes, ids, heap_dis, heap_ids, k)
                   : scan<float_maxheap>(n, codes, ids, heap_dis, heap_ids, k);
    }

    void scan_codes_range(size_t n, const uint8_t* codes, const idx_t* ids, float radius,
                          RangeSearchHits& hits, size_t query_no) const override {
        if (on_the_fly_) {
            InvertedListScanner::scan_codes_range(n, codes, ids, radius, hits, query_no);
            return;
        }
        float dis[kBlock];
        for (size_t j0 = 0; j0 < n; j0 += kBlock) {
            size_t nb = std::min(kBlock, n - j0);
            pq_.distances_from_table(table_.data(), codes + j0 * code_size, nb, dis);
            for (size_t j = 0; j < nb; j++) {
                float v = dis0_ + dis[j];
                bool in = ip_ ? v > radius : v < radius;
                if (in && (!sel || sel->is_member(ids[j0 + j]))) {
                    hits.add(query_no, v, result_id(ids, j0 + j));
                }
            }
        }
    }

   private:
    static constexpr size_t kBlock = 256;

    /// Distances a block at a time, then the heap updates (rarely taken).
    template <class C>
    size_t scan(size_t n, const uint8_t* codes, const idx_t* ids, float* heap_dis,
                idx_t* heap_ids, size_t k) const {
        float dis[kBlock];
        size_t nup = 0;
        const float dis0 = dis0_;
        float top = heap_dis[0];
        for (size_t j0 = 0; j0 < n; j0 += kBlock) {
            size_t nb = std::min(kBlock, n - j0);
            pq_.distances_from_table(table_.data(), codes + j0 * code_size, nb, dis);
            for (size_t j = 0; j < nb; j++) {
                float v = dis0 + dis[j];
                if (C::cmp(v, top)) {
                    continue; // worse than the worst kept (most codes)
                }
                idx_t id = result_id(ids, j0 + j);
                if (C::cmp2(top, v, heap_ids[0], id)) {
                    heap_replace_top<C>(k, heap_dis, heap_ids, v, id);
                    top = heap_dis[0];
                    nup++;
                }
            }
        }
        return nup;
    }

    const IndexIVFPQ& ivf_;
    const ProductQuantizer& pq_;
    const bool ip_;
    const bool per_list_;    ///< the table depends on the list (L2 + by_residual)
    const bool precomputed_; ///< per-list tables from precomputed_table
    const ListTableFn list_table_;
    const float* query_ = nullptr;
    std::vector<float> table_;      ///< table of the current list
    std::vector<float> query_term_; ///< <x, y_R> (precomputed mode)
    std::vector<float> vec_;        ///< residual of the query, or a centroid
    mutable std::vector<float> decoded_;
    float dis0_ = 0;
    bool on_the_fly_ = false;
};

} // namespace

/*********************************************************** IndexIVFPQ */

IndexIVFPQ::IndexIVFPQ(Index* quantizer, size_t d, size_t nlist, size_t M, size_t nbits_per_idx,
                       MetricType metric)
        : IndexIVF(quantizer, d, nlist, 0, metric), pq(d, M, nbits_per_idx) {
    code_size = pq.code_size;
    invlists->code_size = code_size;
    is_trained = false;
    by_residual = true;
}

IndexIVFPQ::IndexIVFPQ() {
    is_trained = false;
}

void IndexIVFPQ::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0 && (n == 0 || x), "%s::train: invalid training set",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_MSG(
            !do_polysemous_training,
            "IndexIVFPQ: polysemous training is not supported; set do_polysemous_training = false");
    FAISSLIKE_THROW_IF_NOT_FMT(
            pq.train_type == ProductQuantizer::Train_default ||
                    pq.train_type == ProductQuantizer::Train_shared,
            "IndexIVFPQ: pq.train_type %d is not supported (use Train_default or Train_shared)",
            int(pq.train_type));
    const size_t needed = pq.train_type == ProductQuantizer::Train_shared
            ? (pq.ksub + pq.M - 1) / pq.M
            : pq.ksub;
    FAISSLIKE_THROW_IF_NOT_FMT(
            size_t(n) >= needed,
            "%s::train: %lld training vectors for a PQ of %zu centroids per sub-quantizer "
            "(nbits = %zu): provide at least %zu (better %zu) vectors",
            index_name().c_str(), (long long)n, pq.ksub, pq.nbits, needed,
            size_t(pq.cp.min_points_per_centroid) * pq.ksub);
    FAISSLIKE_THROW_IF_NOT_FMT(
            ntotal == 0,
            "%s::train: the index holds %lld codes of the current training, which new "
            "centroids would make meaningless; call reset() first",
            index_name().c_str(), (long long)ntotal);
    IndexIVF::train(n, x);
}

idx_t IndexIVFPQ::train_encoder_num_vectors() const {
    return idx_t(pq.cp.max_points_per_centroid) * idx_t(pq.ksub);
}

namespace {

/// x - centroid of its list, for n vectors (zero where the list is -1).
std::vector<float> residuals_of(const Index& quantizer, idx_t n, const float* x,
                                const idx_t* list_nos) {
    const size_t d = size_t(quantizer.d);
    std::vector<float> residuals(size_t(n) * d);
    ParallelExceptions errors;
#pragma omp parallel for if (n > 1000)
    for (idx_t i = 0; i < n; i++) {
        errors.run([&] {
            float* r = residuals.data() + size_t(i) * d;
            if (list_nos[i] < 0) {
                std::fill(r, r + d, 0.0f);
            } else {
                quantizer.compute_residual(x + size_t(i) * d, r, list_nos[i]);
            }
        });
    }
    errors.rethrow_if_failed();
    return residuals;
}

} // namespace

void IndexIVFPQ::train_encoder(idx_t n, const float* x, const idx_t* assign) {
    std::vector<float> residuals;
    if (by_residual) {
        FAISSLIKE_THROW_IF_NOT_MSG(
                assign, "IndexIVFPQ::train_encoder: residual training needs the assignment");
        residuals = residuals_of(*quantizer, n, x, assign);
        x = residuals.data();
    }
    if (verbose) {
        std::printf("Training the PQ (M = %zu, nbits = %zu) on %lld %s\n", pq.M, pq.nbits,
                    (long long)n, by_residual ? "residuals" : "vectors");
    }
    pq.train(size_t(n), x);
    precompute_table();
}

void IndexIVFPQ::encode_vectors(idx_t n, const float* x, const idx_t* list_nos,
                                uint8_t* codes) const {
    if (n == 0) {
        return;
    }
    if (by_residual) {
        std::vector<float> residuals = residuals_of(*quantizer, n, x, list_nos);
        pq.compute_codes(residuals.data(), codes, size_t(n));
    } else {
        pq.compute_codes(x, codes, size_t(n));
    }
}

void IndexIVFPQ::decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos,
                                float* x) const {
    pq.decode(codes, x, size_t(n));
    if (!by_residual) {
        return;
    }
    ParallelExceptions errors;
#pragma omp parallel if (n > 1000)
    {
        std::vector<float> centroid(static_cast<size_t>(d));
#pragma omp for
        for (idx_t i = 0; i < n; i++) {
            errors.run([&] {
                quantizer->reconstruct(list_nos[i], centroid.data());
                float* xi = x + size_t(i) * d;
                for (int j = 0; j < d; j++) {
                    xi[j] += centroid[j];
                }
            });
        }
    }
    errors.rethrow_if_failed();
}

InvertedListScanner* IndexIVFPQ::get_InvertedListScanner(bool store_pairs,
                                                         const IDSelector* sel) const {
    FAISSLIKE_THROW_IF_NOT_MSG(
            polysemous_ht == 0,
            "IndexIVFPQ: polysemous filtering (polysemous_ht > 0) is not supported; set "
            "polysemous_ht = 0");
    FAISSLIKE_THROW_IF_NOT_MSG(
            use_precomputed_table >= -1 && use_precomputed_table <= 1,
            "IndexIVFPQ: use_precomputed_table must be -1, 0 or 1 (2, for "
            "MultiIndexQuantizer, is not supported)");
    if (use_precomputed_table == 1 && metric_type == METRIC_L2 && by_residual) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                precomputed_table.size() == nlist * pq.M * pq.ksub,
                "IndexIVFPQ: use_precomputed_table = 1 but the precomputed table has %zu "
                "entries, not nlist * M * ksub = %zu: call precompute_table()",
                precomputed_table.size(), nlist * pq.M * pq.ksub);
    }
    return new IVFPQScanner(*this, store_pairs, sel);
}

void IndexIVFPQ::precompute_table() {
    FAISSLIKE_THROW_IF_NOT_MSG(quantizer, "IVF quantizer must not be null");
    pq.sync_transposed_centroids();
    FAISSLIKE_THROW_IF_NOT_MSG(
            use_precomputed_table >= -1 && use_precomputed_table <= 1,
            "IndexIVFPQ: use_precomputed_table must be -1, 0 or 1 (2, for "
            "MultiIndexQuantizer, is not supported)");
    const bool useful = metric_type == METRIC_L2 && by_residual;
    const size_t table_size = pq.M * pq.ksub;
    if (use_precomputed_table == 0 && useful) {
        const size_t bytes = nlist * table_size * sizeof(float);
        if (bytes / sizeof(float) / table_size != nlist || bytes > precomputed_table_max_bytes) {
            if (verbose) {
                std::printf("IndexIVFPQ::precompute_table: not precomputing the table, it would "
                            "take %zu bytes (max %zu)\n", bytes, precomputed_table_max_bytes);
            }
            precomputed_table.clear();
            return;
        }
        use_precomputed_table = 1;
    }
    if (use_precomputed_table != 1 || !useful) {
        precomputed_table.clear();
        precomputed_table.shrink_to_fit();
        return;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(size_t(quantizer->ntotal) == nlist,
                               "IndexIVFPQ::precompute_table: the quantizer holds %lld "
                               "centroids, expected nlist = %zu",
                               (long long)quantizer->ntotal, nlist);
    if (verbose) {
        std::printf("IndexIVFPQ: precomputing the %zu x %zu x %zu table\n", nlist, pq.M, pq.ksub);
    }
    std::vector<float> norms(table_size);
    for (size_t m = 0; m < pq.M; m++) {
        for (size_t j = 0; j < pq.ksub; j++) {
            norms[m * pq.ksub + j] = fvec_norm_L2sqr(pq.get_centroids(m, j), pq.dsub);
        }
    }
    std::vector<float> table(nlist * table_size);
    const size_t chunk = 1024;
    std::vector<float> cents(std::min(chunk, nlist) * size_t(d));
    for (size_t l0 = 0; l0 < nlist; l0 += chunk) {
        const size_t nc = std::min(chunk, nlist - l0);
        quantizer->reconstruct_n(idx_t(l0), idx_t(nc), cents.data());
        float* tab = table.data() + l0 * table_size;
        pq.compute_inner_prod_tables(nc, cents.data(), tab);
#pragma omp parallel for if (nc > 16)
        for (int64_t l = 0; l < int64_t(nc); l++) {
            float* t = tab + size_t(l) * table_size;
            for (size_t i = 0; i < table_size; i++) {
                t[i] = 2 * t[i] + norms[i];
            }
        }
    }
    precomputed_table.swap(table);
}

void IndexIVFPQ::check_compatible_for_merge(const Index& otherIndex) const {
    IndexIVF::check_compatible_for_merge(otherIndex);
    const auto& other = static_cast<const IndexIVFPQ&>(otherIndex);
    FAISSLIKE_THROW_IF_NOT_MSG(
            other.pq.M == pq.M && other.pq.nbits == pq.nbits && other.pq.centroids == pq.centroids,
            "cannot merge IndexIVFPQ with different product quantizers (codes would not "
            "mean the same vectors)");
}

} // namespace faisslike
