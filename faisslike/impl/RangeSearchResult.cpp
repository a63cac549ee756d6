#include <faisslike/impl/RangeSearchResult.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

RangeSearchResult::RangeSearchResult(size_t nq, bool alloc_lims)
        : nq(nq), lims(nullptr), labels(nullptr), distances(nullptr), buffer_size(1024 * 256) {
    if (alloc_lims) {
        lims = new size_t[nq + 1]();
    }
}

RangeSearchResult::~RangeSearchResult() {
    delete[] lims;
    delete[] labels;
    delete[] distances;
}

void RangeSearchResult::do_allocation() {
    FAISSLIKE_THROW_IF_NOT_MSG(lims, "RangeSearchResult: lims not allocated");
    FAISSLIKE_THROW_IF_NOT_MSG(
            !labels && !distances, "RangeSearchResult: already allocated");
    size_t offset = 0;
    for (size_t i = 0; i < nq; i++) {
        size_t count = lims[i];
        lims[i] = offset;
        offset += count;
    }
    lims[nq] = offset;
    labels = new idx_t[offset];
    distances = new float[offset];
}

void RangeSearchHits::store(RangeSearchResult* result) const {
    FAISSLIKE_THROW_IF_NOT_MSG(result, "null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_FMT(
            result->nq == labels_.size(),
            "RangeSearchResult made for %zu queries, search had %zu",
            result->nq,
            labels_.size());
    size_t total = 0;
    for (const auto& l : labels_) {
        total += l.size();
    }
    // Allocate first: if that fails, the result is left as it was.
    auto new_labels = std::make_unique<idx_t[]>(total);
    auto new_distances = std::make_unique<float[]>(total);
    if (!result->lims) {
        result->lims = new size_t[result->nq + 1];
    }
    size_t offset = 0;
    for (size_t q = 0; q < labels_.size(); q++) {
        result->lims[q] = offset;
        std::copy(labels_[q].begin(), labels_[q].end(), new_labels.get() + offset);
        std::copy(
                distances_[q].begin(),
                distances_[q].end(),
                new_distances.get() + offset);
        offset += labels_[q].size();
    }
    result->lims[result->nq] = offset;
    delete[] result->labels;
    delete[] result->distances;
    result->labels = new_labels.release();
    result->distances = new_distances.release();
}

} // namespace faisslike
