#include <faisslike/IndexIVFFlat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/distances.h>

namespace faisslike {

namespace {

/// Scans flat float codes: distances are computed a block at a time with the
/// SIMD batch kernels, then offered to the heap.
struct IVFFlatScanner : InvertedListScanner {
    size_t d;
    bool inner_product;
    const float* query = nullptr;
    mutable std::vector<float> realigned;

    IVFFlatScanner(size_t d, bool inner_product, bool store_pairs, const IDSelector* sel)
            : InvertedListScanner(store_pairs, sel), d(d), inner_product(inner_product) {
        keep_max = inner_product;
        code_size = d * sizeof(float);
    }

    void set_query(const float* q) override { query = q; }
    void set_list(idx_t l, float) override { list_no = l; }

    float distance_to_code(const uint8_t* code) const override {
        const float* y = aligned_codes(code, 1);
        return inner_product ? fvec_inner_product(query, y, d) : fvec_L2sqr(query, y, d);
    }

    /// Codes of memory-mapped lists may sit at any address in the file: those
    /// are copied to an aligned buffer first, a block at a time.
    const float* aligned_codes(const uint8_t* codes, size_t n) const {
        if (reinterpret_cast<uintptr_t>(codes) % alignof(float) == 0) {
            return reinterpret_cast<const float*>(codes);
        }
        realigned.resize(n * d);
        std::memcpy(realigned.data(), codes, n * code_size);
        return realigned.data();
    }

    template <class C>
    size_t scan_blocks(size_t n, const uint8_t* codes, const idx_t* ids, float* heap_dis,
                       idx_t* heap_ids, size_t k) const {
        constexpr size_t kBlock = 128;
        float dis[kBlock];
        size_t nup = 0;
        for (size_t j0 = 0; j0 < n; j0 += kBlock) {
            size_t nb = std::min(kBlock, n - j0);
            const float* y = aligned_codes(codes + j0 * code_size, nb);
            if (inner_product) {
                fvec_inner_products_ny(dis, query, y, d, nb);
            } else {
                fvec_L2sqr_ny(dis, query, y, d, nb);
            }
            for (size_t j = 0; j < nb; j++) {
                idx_t id = result_id(ids, j0 + j);
                if (C::cmp2(heap_dis[0], dis[j], heap_ids[0], id)) {
                    heap_replace_top<C>(k, heap_dis, heap_ids, dis[j], id);
                    nup++;
                }
            }
        }
        return nup;
    }

    size_t scan_codes(size_t n, const uint8_t* codes, const idx_t* ids, float* heap_dis,
                      idx_t* heap_ids, size_t k) const override {
        if (sel) {
            return InvertedListScanner::scan_codes(n, codes, ids, heap_dis, heap_ids, k);
        }
        return inner_product ? scan_blocks<float_minheap>(n, codes, ids, heap_dis, heap_ids, k)
                             : scan_blocks<float_maxheap>(n, codes, ids, heap_dis, heap_ids, k);
    }
};

} // namespace

IndexIVFFlat::IndexIVFFlat(Index* quantizer, size_t d, size_t nlist, MetricType metric)
        : IndexIVF(quantizer, d, nlist, sizeof(float) * d, metric) {
    by_residual = false;
}

IndexIVFFlat::IndexIVFFlat() {
    by_residual = false;
}

void IndexIVFFlat::encode_vectors(idx_t n, const float* x, const idx_t*, uint8_t* codes) const {
    FAISSLIKE_THROW_IF_NOT_MSG(!by_residual, "IndexIVFFlat does not support by_residual");
    std::memcpy(codes, x, size_t(n) * code_size);
}

void IndexIVFFlat::decode_vectors(idx_t n, const uint8_t* codes, const idx_t*, float* x) const {
    std::memcpy(x, codes, size_t(n) * code_size);
}

InvertedListScanner* IndexIVFFlat::get_InvertedListScanner(bool store_pairs,
                                                           const IDSelector* sel) const {
    return new IVFFlatScanner(size_t(d), metric_type == METRIC_INNER_PRODUCT, store_pairs, sel);
}

} // namespace faisslike
