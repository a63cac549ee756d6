#include <faisslike/IndexFlat.h>

#include <cstring>
#include <utility>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/distances.h>

namespace faisslike {

IndexFlat::IndexFlat(idx_t d, MetricType metric)
        : IndexFlatCodes(sizeof(float) * size_t(d), d, metric) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "metric %s not supported by IndexFlat (use METRIC_L2 or "
            "METRIC_INNER_PRODUCT)",
            metric_name(metric));
}

IndexFlat::IndexFlat() : IndexFlat(0, METRIC_L2) {}

void IndexFlat::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    if (n == 0) {
        return;
    }
    const IDSelector* sel = params ? params->sel : nullptr;
    if (metric_type == METRIC_L2) {
        knn_L2sqr(x, get_xb(), d, n, ntotal, k, distances, labels,
                  l2norms_.empty() ? nullptr : l2norms_.data(), sel);
    } else {
        knn_inner_product(x, get_xb(), d, n, ntotal, k, distances, labels, sel);
    }
}

void IndexFlat::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "range_search: n = %lld must be >= 0", (long long)n);
    FAISSLIKE_THROW_IF_NOT_MSG(result, "range_search: null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || x, "range_search: null query pointer");
    const IDSelector* sel = params ? params->sel : nullptr;
    if (metric_type == METRIC_L2) {
        range_search_L2sqr(x, get_xb(), d, n, ntotal, radius, result, sel);
    } else {
        range_search_inner_product(x, get_xb(), d, n, ntotal, radius, result, sel);
    }
}

void IndexFlat::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    if (n > 0) {
        FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_encode: null pointer");
        std::memcpy(bytes, x, size_t(n) * code_size);
    }
}

void IndexFlat::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    if (n > 0) {
        FAISSLIKE_THROW_IF_NOT_MSG(x && bytes, "sa_decode: null pointer");
        std::memcpy(x, bytes, size_t(n) * code_size);
    }
}

void IndexFlat::sync_l2norms() {
    l2norms_.clear();
    on_codes_appended(0, ntotal);
}

void IndexFlat::set_l2norms_cached(bool cached) {
    cache_l2norms_ = cached;
    l2norms_.clear();
    l2norms_.shrink_to_fit();
    on_codes_appended(0, ntotal);
}

void IndexFlat::on_codes_appended(idx_t first, idx_t n) {
    if (metric_type != METRIC_L2 || !cache_l2norms_) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT(l2norms_.size() == size_t(first));
    l2norms_.resize(size_t(first + n));
    fvec_norms_L2sqr(
            l2norms_.data() + first, std::as_const(*this).get_xb() + size_t(first) * d, d, size_t(n));
}

void IndexFlat::on_rows_kept(const std::vector<idx_t>& kept) {
    if (l2norms_.empty()) {
        return;
    }
    for (size_t j = 0; j < kept.size(); j++) {
        l2norms_[j] = l2norms_[size_t(kept[j])];
    }
    l2norms_.resize(kept.size());
}

void IndexFlat::on_reset() {
    l2norms_.clear();
    l2norms_.shrink_to_fit();
}

} // namespace faisslike
