#pragma once

#include <cstddef>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

/// Result of a range search over nq queries. The hits of query i are
/// labels[lims[i] .. lims[i+1]) with their distances, in no particular order
/// (Faiss's layout, which the C API and Python bindings expose directly).
struct RangeSearchResult {
    size_t nq;
    size_t* lims;      ///< nq + 1 offsets
    idx_t* labels;     ///< lims[nq] ids
    float* distances;  ///< lims[nq] distances
    size_t buffer_size;

    /// Allocates lims (zeroed) unless alloc_lims is false.
    explicit RangeSearchResult(size_t nq, bool alloc_lims = true);
    RangeSearchResult(const RangeSearchResult&) = delete;
    RangeSearchResult& operator=(const RangeSearchResult&) = delete;
    virtual ~RangeSearchResult();

    /// Expects lims[i] to hold the hit count of query i: turns the counts into
    /// offsets and allocates labels and distances.
    virtual void do_allocation();
};

/// Per-query hits gathered while searching (each query written by one thread),
/// moved into a RangeSearchResult once the search has finished, so a failed
/// search never leaves a half-filled result.
class RangeSearchHits {
   public:
    explicit RangeSearchHits(size_t nq) : labels_(nq), distances_(nq) {}

    void add(size_t query, float distance, idx_t label) {
        labels_[query].push_back(label);
        distances_[query].push_back(distance);
    }

    size_t count(size_t query) const { return labels_[query].size(); }

    /// Replaces the content of `result` (which must have been made for the same nq).
    void store(RangeSearchResult* result) const;

   private:
    std::vector<std::vector<idx_t>> labels_;
    std::vector<std::vector<float>> distances_;
};

} // namespace faisslike
