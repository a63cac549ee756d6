#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <faisslike/MetricType.h>

namespace faisslike {

struct IDSelector;
struct RangeSearchResult;

/// Per-call search options. Indexes take a subclass (SearchParametersIVF, ...)
/// through dynamic_cast; passing params never mutates the index, so it is the
/// thread-safe way to change search settings. The caller owns the selector.
struct SearchParameters {
    /// When set, only ids for which sel->is_member(id) is true are returned.
    const IDSelector* sel = nullptr;
    virtual ~SearchParameters() = default;
    /// A copy of the same dynamic type, for wrappers (IndexIDMap, ...) that must
    /// pass a translated selector down without mutating the caller's object.
    /// Every subclass overrides it.
    virtual SearchParameters* clone() const { return new SearchParameters(*this); }
};

/// The abstract interface every index implements (Faiss's Index).
///
/// Vectors are row-major float arrays of n * d. Results of search are n * k
/// distances and labels, best first; a query with fewer than k results is
/// padded with label -1 and distance +FLT_MAX (L2) or -FLT_MAX (inner product).
/// Every public method checks its arguments and throws FaisslikeException on
/// bad input, leaving the index as it was.
struct Index {
    using component_t = float;
    using distance_t = float;

    int d;               ///< vector dimension
    idx_t ntotal;        ///< number of stored vectors
    bool verbose;        ///< print progress of long operations
    bool is_trained;     ///< false until train() has run, for indexes that need it
    MetricType metric_type;
    float metric_arg;    ///< argument of the metric (p for METRIC_Lp)

    explicit Index(idx_t d = 0, MetricType metric = METRIC_L2);
    virtual ~Index();

    /// Class name of the dynamic type, for messages ("IndexFlatL2", ...).
    std::string index_name() const;

    /// Learns whatever the index needs from n training vectors. No-op by default.
    virtual void train(idx_t n, const float* x);

    /// Appends n vectors; they get the ids ntotal .. ntotal + n - 1.
    virtual void add(idx_t n, const float* x) = 0;

    /// Appends n vectors with caller-chosen ids.
    virtual void add_with_ids(idx_t n, const float* x, const idx_t* xids);

    /// k nearest neighbours of each of the n queries.
    virtual void search(
            idx_t n,
            const float* x,
            idx_t k,
            float* distances,
            idx_t* labels,
            const SearchParameters* params = nullptr) const = 0;

    /// All stored vectors within `radius` (L2: distance < radius; IP: similarity > radius).
    virtual void range_search(
            idx_t n,
            const float* x,
            float radius,
            RangeSearchResult* result,
            const SearchParameters* params = nullptr) const;

    /// Labels of the k nearest neighbours (search without the distances).
    virtual void assign(idx_t n, const float* x, idx_t* labels, idx_t k = 1) const;

    /// Removes every vector; training is kept.
    virtual void reset() = 0;

    /// Removes the vectors selected by sel and returns how many were removed.
    virtual size_t remove_ids(const IDSelector& sel);

    /// Writes the (possibly approximate) stored vector with id key into recons.
    virtual void reconstruct(idx_t key, float* recons) const;
    virtual void reconstruct_batch(idx_t n, const idx_t* keys, float* recons) const;
    /// Vectors i0 .. i0 + ni - 1.
    virtual void reconstruct_n(idx_t i0, idx_t ni, float* recons) const;

    /// search, then reconstruct every result into recons (n * k * d floats).
    /// Missing results are filled with NaN (all bits set), as in Faiss.
    virtual void search_and_reconstruct(
            idx_t n,
            const float* x,
            idx_t k,
            float* distances,
            idx_t* labels,
            float* recons,
            const SearchParameters* params = nullptr) const;

    /// residual = x - reconstruct(key)
    virtual void compute_residual(const float* x, float* residual, idx_t key) const;
    virtual void compute_residual_n(
            idx_t n,
            const float* xs,
            float* residuals,
            const idx_t* keys) const;

    /// Standalone codec: bytes per encoded vector, encode, decode.
    virtual size_t sa_code_size() const;
    virtual void sa_encode(idx_t n, const float* x, uint8_t* bytes) const;
    virtual void sa_decode(idx_t n, const uint8_t* bytes, float* x) const;

    /// Moves the content of otherIndex into this one (otherIndex is left empty);
    /// add_id is added to the ids moved over, where the index keeps ids.
    virtual void merge_from(Index& otherIndex, idx_t add_id = 0);
    /// Throws when otherIndex cannot be merged into this one.
    virtual void check_compatible_for_merge(const Index& otherIndex) const;

   protected:
    /// Throws "<what> not supported by <IndexName>".
    [[noreturn]] void throw_not_supported(const char* what) const;

    /// Checks shared by every search: n >= 0, k > 0, pointers not null when n > 0.
    void check_search_args(
            idx_t n,
            const float* x,
            idx_t k,
            const float* distances,
            const idx_t* labels) const;
    /// Checks shared by every add: n >= 0, x not null when n > 0, trained.
    void check_add_args(idx_t n, const float* x) const;
    /// Checks 0 <= key < ntotal.
    void check_key(idx_t key) const;
};

} // namespace faisslike
