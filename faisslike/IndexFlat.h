#pragma once

#include <vector>

#include <faisslike/IndexFlatCodes.h>

namespace faisslike {

/// Exact search over vectors stored uncompressed (Faiss's IndexFlat).
/// Supports METRIC_L2 and METRIC_INNER_PRODUCT. For L2 the squared norms of the
/// stored vectors are cached and kept in step with add / remove_ids / merge_from,
/// so batched searches need not recompute them.
struct IndexFlat : IndexFlatCodes {
    explicit IndexFlat(idx_t d, MetricType metric = METRIC_L2);
    IndexFlat();

    void search(
            idx_t n,
            const float* x,
            idx_t k,
            float* distances,
            idx_t* labels,
            const SearchParameters* params = nullptr) const override;

    void range_search(
            idx_t n,
            const float* x,
            float radius,
            RangeSearchResult* result,
            const SearchParameters* params = nullptr) const override;

    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;

    /// The stored vectors, ntotal * d floats (the mutable form copies a
    /// memory-mapped index's vectors into memory first).
    float* get_xb() { return reinterpret_cast<float*>(codes.data()); }
    const float* get_xb() const { return reinterpret_cast<const float*>(codes.data()); }

    /// Recomputes the cached norms from the codes (needed only after writing
    /// `codes` directly, as a file reader does).
    void sync_l2norms();

    /// Whether L2 search keeps the squared norms cached (4 bytes per vector,
    /// on by default). A graph index that holds the vectors as its storage
    /// never runs this brute-force search, so it turns the cache off; the
    /// search then computes the norms it needs.
    void set_l2norms_cached(bool cached);
    bool l2norms_cached() const { return cache_l2norms_; }

   protected:
    void on_codes_appended(idx_t first, idx_t n) override;
    void on_rows_kept(const std::vector<idx_t>& kept) override;
    void on_reset() override;

   private:
    std::vector<float> l2norms_; ///< |x_i|^2 of the stored vectors (L2 only)
    bool cache_l2norms_ = true;
};

/// IndexFlat with the squared L2 distance.
struct IndexFlatL2 : IndexFlat {
    explicit IndexFlatL2(idx_t d) : IndexFlat(d, METRIC_L2) {}
    IndexFlatL2() = default;
};

/// IndexFlat with the inner product (cosine similarity on normalised vectors).
struct IndexFlatIP : IndexFlat {
    explicit IndexFlatIP(idx_t d) : IndexFlat(d, METRIC_INNER_PRODUCT) {}
    IndexFlatIP() : IndexFlat(0, METRIC_INNER_PRODUCT) {}
};

} // namespace faisslike
