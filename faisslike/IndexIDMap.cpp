#include <faisslike/IndexIDMap.h>

#include <memory>
#include <typeinfo>
#include <unordered_set>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/RangeSearchResult.h>

namespace faisslike {

namespace {

/// Copy of params whose selector speaks row numbers of the wrapped index, or
/// nullptr when params has no selector (then params passes through unchanged).
std::unique_ptr<SearchParameters> translate_params(
        const SearchParameters* params,
        const IDSelectorTranslated* translated) {
    if (!params || !params->sel) {
        return nullptr;
    }
    std::unique_ptr<SearchParameters> copy(params->clone());
    FAISSLIKE_THROW_IF_NOT_MSG(copy, "search parameters clone() returned null");
    const SearchParameters& original = *params;
    const SearchParameters& copied = *copy;
    FAISSLIKE_THROW_IF_NOT_MSG(
            typeid(copied) == typeid(original),
            "search parameters type does not override clone(): cannot translate "
            "its selector through IndexIDMap");
    copy->sel = translated;
    return copy;
}

} // namespace

IndexIDMap::IndexIDMap(Index* index)
        : Index(index ? index->d : 0, index ? index->metric_type : METRIC_L2),
          index(index),
          own_fields(false) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: null index");
    FAISSLIKE_THROW_IF_NOT_MSG(
            index->ntotal == 0, "IndexIDMap: the wrapped index must be empty");
    is_trained = index->is_trained;
    metric_arg = index->metric_arg;
}

IndexIDMap::IndexIDMap() : index(nullptr), own_fields(false) {}

IndexIDMap::~IndexIDMap() {
    if (own_fields) {
        delete index;
    }
}

void IndexIDMap::add(idx_t, const float*) {
    FAISSLIKE_THROW_MSG(
            "add does not make sense with IndexIDMap, use add_with_ids");
}

void IndexIDMap::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    index->train(n, x);
    is_trained = index->is_trained;
}

void IndexIDMap::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    check_add_args(n, x);
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(xids, "add_with_ids: null id array");
    check_new_ids(n, xids);
    // Reserve first so nothing can fail between adding to the index and mapping ids.
    size_t first = id_map.size();
    id_map.reserve(first + size_t(n));
    index->add(n, x);
    id_map.insert(id_map.end(), xids, xids + n);
    ntotal = index->ntotal;
    on_ids_appended(first);
}

void IndexIDMap::search(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    check_search_args(n, x, k, distances, labels);
    IDSelectorTranslated translated(id_map, params ? params->sel : nullptr);
    auto inner_params = translate_params(params, &translated);
    index->search(
            n, x, k, distances, labels, inner_params ? inner_params.get() : params);
    for (idx_t i = 0; i < n * k; i++) {
        if (labels[i] >= 0) {
            labels[i] = id_map[size_t(labels[i])];
        }
    }
}

void IndexIDMap::range_search(
        idx_t n,
        const float* x,
        float radius,
        RangeSearchResult* result,
        const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    IDSelectorTranslated translated(id_map, params ? params->sel : nullptr);
    auto inner_params = translate_params(params, &translated);
    index->range_search(
            n, x, radius, result, inner_params ? inner_params.get() : params);
    for (size_t i = 0; i < result->lims[result->nq]; i++) {
        if (result->labels[i] >= 0) {
            result->labels[i] = id_map[size_t(result->labels[i])];
        }
    }
}

void IndexIDMap::reset() {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    index->reset();
    id_map.clear();
    ntotal = 0;
    on_ids_rebuilt();
}

size_t IndexIDMap::remove_ids(const IDSelector& sel) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap: no wrapped index");
    // The wrapped index compacts its rows in order; compact id_map the same way.
    IDSelectorTranslated translated(id_map, &sel);
    std::vector<idx_t> kept_ids;
    kept_ids.reserve(id_map.size());
    for (size_t row = 0; row < id_map.size(); row++) {
        if (!sel.is_member(id_map[row])) {
            kept_ids.push_back(id_map[row]);
        }
    }
    size_t nremove = index->remove_ids(translated);
    FAISSLIKE_THROW_IF_NOT_MSG(
            nremove == id_map.size() - kept_ids.size() &&
                    index->ntotal == idx_t(kept_ids.size()),
            "IndexIDMap: the wrapped index removed a different set of rows");
    id_map.swap(kept_ids);
    ntotal = index->ntotal;
    on_ids_rebuilt();
    return nremove;
}

void IndexIDMap::check_compatible_for_merge(const Index& otherIndex) const {
    const auto* other = dynamic_cast<const IndexIDMap*>(&otherIndex);
    FAISSLIKE_THROW_IF_NOT_FMT(
            other && typeid(*other) == typeid(*this),
            "cannot merge %s into %s: different index types",
            otherIndex.index_name().c_str(),
            index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_MSG(index && other->index, "IndexIDMap: no wrapped index");
    index->check_compatible_for_merge(*other->index);
}

void IndexIDMap::merge_from(Index& otherIndex, idx_t add_id) {
    FAISSLIKE_THROW_IF_NOT_MSG(
            &otherIndex != this, "merge_from: cannot merge an index into itself");
    check_compatible_for_merge(otherIndex);
    auto& other = static_cast<IndexIDMap&>(otherIndex);
    std::vector<idx_t> new_ids(other.id_map);
    for (auto& id : new_ids) {
        id += add_id;
    }
    check_new_ids(idx_t(new_ids.size()), new_ids.data());
    size_t first = id_map.size();
    id_map.reserve(first + new_ids.size());
    index->merge_from(*other.index);
    id_map.insert(id_map.end(), new_ids.begin(), new_ids.end());
    ntotal = index->ntotal;
    on_ids_appended(first);
    other.id_map.clear();
    other.ntotal = 0;
    other.on_ids_rebuilt();
}

IndexIDMap2::IndexIDMap2(Index* index) : IndexIDMap(index) {}

void IndexIDMap2::construct_rev_map() {
    rev_map.clear();
    on_ids_appended(0);
}

void IndexIDMap2::reconstruct(idx_t key, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexIDMap2: no wrapped index");
    auto it = rev_map.find(key);
    FAISSLIKE_THROW_IF_NOT_FMT(
            it != rev_map.end(), "key %lld not found in IndexIDMap2", (long long)key);
    index->reconstruct(it->second, recons);
}

void IndexIDMap2::on_ids_appended(size_t first) {
    rev_map.reserve(id_map.size());
    for (size_t row = first; row < id_map.size(); row++) {
        rev_map[id_map[row]] = idx_t(row);
    }
}

void IndexIDMap2::on_ids_rebuilt() {
    construct_rev_map();
}

void IndexIDMap2::check_new_ids(idx_t n, const idx_t* xids) const {
    std::unordered_set<idx_t> seen;
    seen.reserve(size_t(n));
    for (idx_t i = 0; i < n; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                rev_map.count(xids[i]) == 0 && seen.insert(xids[i]).second,
                "IndexIDMap2: id %lld is already present; ids must be unique so "
                "that reconstruct(id) is well defined",
                (long long)xids[i]);
    }
}

} // namespace faisslike
