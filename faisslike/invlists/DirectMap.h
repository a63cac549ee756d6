#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

struct IDSelector;
struct InvertedLists;

/// Packs (list number, offset in the list) into one id-sized value, as Faiss does.
inline idx_t lo_build(idx_t list_no, idx_t offset) {
    return (list_no << 32) | offset;
}
inline idx_t lo_listno(idx_t lo) {
    return lo >> 32;
}
inline idx_t lo_offset(idx_t lo) {
    return lo & 0xffffffff;
}

/// Where each id of an IVF index lives, so that reconstruct(id) need not scan.
/// NoMap: nothing kept. Array: ids are 0..ntotal-1 and array[id] holds the place
/// (-1 for a vector removed, or added without a list). Hashtable: any ids.
struct DirectMap {
    enum Type { NoMap = 0, Array = 1, Hashtable = 2 };

    Type type = NoMap;
    std::vector<idx_t> array;
    std::unordered_map<idx_t, idx_t> hashtable;

    /// Switches type and rebuilds from the inverted lists. Array requires the
    /// stored ids to be exactly 0..ntotal-1.
    void set_type(Type new_type, const InvertedLists* invlists, size_t ntotal);

    bool no() const { return type == NoMap; }

    /// Throws if ids cannot be added under this type (Array needs sequential ids:
    /// xids must be null and first_id must follow the array).
    void check_can_add(const idx_t* xids, idx_t first_id) const;

    /// Records where id was stored (list_no < 0: not stored anywhere).
    void add_single_id(idx_t id, idx_t list_no, size_t offset);

    /// The packed place of id; throws "direct map not initialized" under NoMap.
    idx_t get(idx_t id) const;

    void clear();

    /// Removes the selected ids from the lists (swap with the last entry of the
    /// list) and keeps the map in step. Returns the number removed.
    size_t remove_ids(const IDSelector& sel, InvertedLists* invlists);

    /// Checks that the map can be rebuilt after ids moved in by a merge.
    void check_can_merge(const std::vector<idx_t>& incoming_ids, size_t ntotal) const;
};

} // namespace faisslike
