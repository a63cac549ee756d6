#include <faisslike/invlists/DirectMap.h>

#include <algorithm>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/invlists/InvertedLists.h>

namespace faisslike {

void DirectMap::set_type(Type new_type, const InvertedLists* invlists, size_t ntotal) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            new_type == NoMap || new_type == Array || new_type == Hashtable,
            "unknown direct map type %d",
            int(new_type));
    std::vector<idx_t> new_array;
    std::unordered_map<idx_t, idx_t> new_hashtable;
    if (new_type == Array) {
        new_array.assign(ntotal, -1);
    } else if (new_type == Hashtable) {
        new_hashtable.reserve(ntotal);
    }
    if (new_type != NoMap) {
        FAISSLIKE_THROW_IF_NOT_MSG(invlists, "direct map: null inverted lists");
        for (size_t list_no = 0; list_no < invlists->nlist; list_no++) {
            size_t size = invlists->list_size(list_no);
            const idx_t* ids = invlists->get_ids(list_no);
            for (size_t offset = 0; offset < size; offset++) {
                idx_t id = ids[offset];
                idx_t lo = lo_build(idx_t(list_no), idx_t(offset));
                if (new_type == Array) {
                    FAISSLIKE_THROW_IF_NOT_FMT(
                            id >= 0 && size_t(id) < ntotal && new_array[id] == -1,
                            "direct map supported only for sequential ids (found id "
                            "%lld with ntotal = %zu); use the Hashtable direct map type "
                            "for arbitrary ids",
                            (long long)id,
                            ntotal);
                    new_array[id] = lo;
                } else {
                    new_hashtable[id] = lo;
                }
            }
        }
    }
    // Built completely before anything changes.
    type = new_type;
    array.swap(new_array);
    hashtable.swap(new_hashtable);
}

void DirectMap::check_can_add(const idx_t* xids, idx_t first_id) const {
    if (type != Array) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(
            !xids,
            "cannot have array direct map and add with ids (use the Hashtable "
            "direct map type)");
    FAISSLIKE_THROW_IF_NOT_MSG(
            size_t(first_id) == array.size(),
            "cannot add sequential ids after remove_ids with an Array direct map: "
            "the new ids would collide with stored ones (use the Hashtable direct "
            "map type)");
}

void DirectMap::add_single_id(idx_t id, idx_t list_no, size_t offset) {
    if (type == NoMap) {
        return;
    }
    idx_t lo = list_no >= 0 ? lo_build(list_no, idx_t(offset)) : -1;
    if (type == Array) {
        FAISSLIKE_THROW_IF_NOT(size_t(id) == array.size());
        array.push_back(lo);
    } else if (list_no >= 0) {
        hashtable[id] = lo;
    }
}

idx_t DirectMap::get(idx_t id) const {
    if (type == Array) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                id >= 0 && size_t(id) < array.size(),
                "id %lld out of range [0, %zu)",
                (long long)id,
                array.size());
        idx_t lo = array[id];
        FAISSLIKE_THROW_IF_NOT_FMT(
                lo >= 0, "id %lld was removed or never stored (-1 entry in direct_map)",
                (long long)id);
        return lo;
    }
    if (type == Hashtable) {
        auto it = hashtable.find(id);
        FAISSLIKE_THROW_IF_NOT_FMT(
                it != hashtable.end(), "key %lld not found", (long long)id);
        return it->second;
    }
    FAISSLIKE_THROW_MSG(
            "direct map not initialized: call make_direct_map() (sequential ids) or "
            "set_direct_map_type(DirectMap::Hashtable) (any ids) before reconstruct");
}

void DirectMap::clear() {
    array.clear();
    hashtable.clear();
}

size_t DirectMap::remove_ids(const IDSelector& sel, InvertedLists* invlists) {
    size_t nremove = 0;
    for (size_t list_no = 0; list_no < invlists->nlist; list_no++) {
        size_t size = invlists->list_size(list_no);
        size_t offset = 0;
        while (offset < size) {
            idx_t id = invlists->get_single_id(list_no, offset);
            if (!sel.is_member(id)) {
                offset++;
                continue;
            }
            // Move the last entry into this slot, then shrink the list.
            size_t last = size - 1;
            if (offset != last) {
                idx_t moved_id = invlists->get_single_id(list_no, last);
                invlists->update_entry(
                        list_no,
                        offset,
                        moved_id,
                        invlists->get_single_code(list_no, last));
                idx_t lo = lo_build(idx_t(list_no), idx_t(offset));
                if (type == Array) {
                    array[moved_id] = lo;
                } else if (type == Hashtable) {
                    hashtable[moved_id] = lo;
                }
            }
            if (type == Array) {
                array[id] = -1;
            } else if (type == Hashtable) {
                hashtable.erase(id);
            }
            invlists->resize(list_no, last);
            size = last;
            nremove++;
        }
    }
    return nremove;
}

void DirectMap::check_can_merge(const std::vector<idx_t>& incoming_ids, size_t ntotal) const {
    if (type == Array) {
        FAISSLIKE_THROW_IF_NOT_MSG(
                array.size() == ntotal,
                "cannot merge into an IVF index with an Array direct map after "
                "remove_ids (use the Hashtable direct map type)");
        std::vector<bool> seen(incoming_ids.size(), false);
        for (idx_t id : incoming_ids) {
            idx_t rel = id - idx_t(ntotal);
            FAISSLIKE_THROW_IF_NOT_MSG(
                    rel >= 0 && size_t(rel) < seen.size() && !seen[rel],
                    "merge with an Array direct map needs the merged ids to continue "
                    "the sequence (pass add_id = ntotal) ; use the Hashtable type otherwise");
            seen[rel] = true;
        }
    } else if (type == Hashtable) {
        for (idx_t id : incoming_ids) {
            FAISSLIKE_THROW_IF_NOT_FMT(
                    hashtable.count(id) == 0,
                    "merge would store id %lld twice with a Hashtable direct map",
                    (long long)id);
        }
    }
}

} // namespace faisslike
