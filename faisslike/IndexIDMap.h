#pragma once

#include <unordered_map>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/IDSelector.h>

namespace faisslike {

/// Gives caller-chosen 64-bit ids to the vectors of any index (Faiss's IndexIDMap).
/// The wrapped index numbers its vectors 0..ntotal-1; id_map translates those
/// row numbers to the user's ids in search results, selectors and removal.
struct IndexIDMap : Index {
    Index* index;              ///< the wrapped index
    bool own_fields;           ///< delete `index` with this object
    std::vector<idx_t> id_map; ///< id_map[row] = user id of that row

    /// The wrapped index must be empty. Not owned unless own_fields is set.
    explicit IndexIDMap(Index* index);
    IndexIDMap();
    ~IndexIDMap() override;
    IndexIDMap(const IndexIDMap&) = delete;
    IndexIDMap& operator=(const IndexIDMap&) = delete;

    /// Refused: ids must be given (use add_with_ids).
    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;
    void train(idx_t n, const float* x) override;

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

    void reset() override;
    /// Removes the vectors whose user ids are selected.
    size_t remove_ids(const IDSelector& sel) override;

    void check_compatible_for_merge(const Index& otherIndex) const override;
    /// Moves other's vectors in; add_id is added to their ids.
    void merge_from(Index& otherIndex, idx_t add_id = 0) override;

   protected:
    /// Called after rows were appended to id_map (IndexIDMap2 indexes them).
    virtual void on_ids_appended(size_t first) { (void)first; }
    /// Called after id_map was compacted or cleared.
    virtual void on_ids_rebuilt() {}
    /// Throws if xids cannot be added (IndexIDMap2 refuses duplicates).
    virtual void check_new_ids(idx_t n, const idx_t* xids) const {
        (void)n, (void)xids;
    }
};

/// IndexIDMap that can also reconstruct a vector from its user id; user ids must
/// then be unique (a duplicate is refused, since reconstruct would be ambiguous).
struct IndexIDMap2 : IndexIDMap {
    std::unordered_map<idx_t, idx_t> rev_map; ///< user id -> row

    explicit IndexIDMap2(Index* index);
    IndexIDMap2() = default;

    /// Rebuilds rev_map from id_map (after id_map was set directly).
    void construct_rev_map();

    void reconstruct(idx_t key, float* recons) const override;

   protected:
    void on_ids_appended(size_t first) override;
    void on_ids_rebuilt() override;
    void check_new_ids(idx_t n, const idx_t* xids) const override;
};

/// Presents the row numbers of a wrapped index as user ids to a selector on user ids.
struct IDSelectorTranslated : IDSelector {
    const std::vector<idx_t>& id_map;
    const IDSelector* sel;

    IDSelectorTranslated(const std::vector<idx_t>& id_map, const IDSelector* sel)
            : id_map(id_map), sel(sel) {}
    bool is_member(idx_t row) const override {
        return row >= 0 && size_t(row) < id_map.size() && sel->is_member(id_map[row]);
    }
};

} // namespace faisslike
