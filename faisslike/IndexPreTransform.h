#pragma once

#include <vector>

#include <faisslike/Index.h>
#include <faisslike/VectorTransform.h>

namespace faisslike {

/// Applies a chain of VectorTransforms to every vector before a wrapped index
/// (the "PCA64," / "OPQ16," / "L2norm," factory prefixes).
struct IndexPreTransform : Index {
    std::vector<VectorTransform*> chain; ///< applied in order
    Index* index;                        ///< sees the transformed vectors
    bool own_fields;                     ///< delete chain and index with this object

    explicit IndexPreTransform(Index* index);
    IndexPreTransform(VectorTransform* ltrans, Index* index);
    IndexPreTransform();
    ~IndexPreTransform() override;
    IndexPreTransform(const IndexPreTransform&) = delete;
    IndexPreTransform& operator=(const IndexPreTransform&) = delete;

    /// Puts ltrans first in the chain (its output must match the chain's input).
    void prepend_transform(VectorTransform* ltrans);

    void train(idx_t n, const float* x) override;
    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;
    void reset() override;
    size_t remove_ids(const IDSelector& sel) override;
    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params = nullptr) const override;
    void range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                      const SearchParameters* params = nullptr) const override;
    void reconstruct(idx_t key, float* recons) const override;
    void reconstruct_n(idx_t i0, idx_t ni, float* recons) const override;
    void search_and_reconstruct(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                                float* recons, const SearchParameters* params = nullptr) const override;

    /// The transformed vectors (n * index->d floats).
    std::vector<float> apply_chain(idx_t n, const float* x) const;
    /// Maps n vectors of the index's space back to the input space.
    void reverse_chain(idx_t n, const float* xt, float* x) const;

    size_t sa_code_size() const override;
    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;

    void check_compatible_for_merge(const Index& otherIndex) const override;
    void merge_from(Index& otherIndex, idx_t add_id = 0) override;
};

} // namespace faisslike
