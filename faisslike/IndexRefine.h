#pragma once

#include <faisslike/Index.h>

namespace faisslike {

/// Per-call settings of IndexRefine.
struct IndexRefineSearchParameters : SearchParameters {
    float k_factor = 1;                          ///< candidates fetched = k * k_factor
    SearchParameters* base_index_params = nullptr; ///< passed to the base index

    SearchParameters* clone() const override { return new IndexRefineSearchParameters(*this); }
};

using SearchParametersRefine = IndexRefineSearchParameters;

/// Two-stage search: fetch k * k_factor candidates from a fast approximate base
/// index, then re-rank them with the (more exact) vectors of refine_index — the
/// same idea as Lance's refine_factor. Both indexes hold the same vectors in
/// the same order.
struct IndexRefine : Index {
    Index* base_index;
    Index* refine_index;
    bool own_fields = false;        ///< delete base_index
    bool own_refine_index = false;  ///< delete refine_index
    float k_factor = 1;

    IndexRefine(Index* base_index, Index* refine_index);
    IndexRefine();
    ~IndexRefine() override;
    IndexRefine(const IndexRefine&) = delete;
    IndexRefine& operator=(const IndexRefine&) = delete;

    void train(idx_t n, const float* x) override;
    void add(idx_t n, const float* x) override;
    void reset() override;
    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params = nullptr) const override;
    void reconstruct(idx_t key, float* recons) const override;
    size_t sa_code_size() const override;
    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;
};

/// IndexRefine whose refine index is an IndexFlat of the same metric (factory
/// suffix ",RFlat"): re-ranking uses exact distances.
struct IndexRefineFlat : IndexRefine {
    /// base_index must be empty; a new IndexFlat is created and owned.
    explicit IndexRefineFlat(Index* base_index);
    IndexRefineFlat();
};

} // namespace faisslike
