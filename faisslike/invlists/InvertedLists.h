#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

/// Storage of an IVF index: for each of nlist lists, the ids and the codes
/// (code_size bytes each) of the vectors assigned to it. Offsets within a list
/// are stable until the list is resized or an entry is removed.
struct InvertedLists {
    size_t nlist;     ///< number of lists
    size_t code_size; ///< bytes per code

    InvertedLists(size_t nlist, size_t code_size);
    virtual ~InvertedLists();

    virtual size_t list_size(size_t list_no) const = 0;
    /// list_size(list_no) * code_size bytes.
    virtual const uint8_t* get_codes(size_t list_no) const = 0;
    /// list_size(list_no) ids.
    virtual const idx_t* get_ids(size_t list_no) const = 0;

    idx_t get_single_id(size_t list_no, size_t offset) const;
    const uint8_t* get_single_code(size_t list_no, size_t offset) const;

    /// Appends entries and returns the offset of the first one.
    size_t add_entry(size_t list_no, idx_t id, const uint8_t* code);
    virtual size_t add_entries(
            size_t list_no,
            size_t n_entry,
            const idx_t* ids,
            const uint8_t* codes) = 0;

    void update_entry(size_t list_no, size_t offset, idx_t id, const uint8_t* code);
    virtual void update_entries(
            size_t list_no,
            size_t offset,
            size_t n_entry,
            const idx_t* ids,
            const uint8_t* codes) = 0;

    virtual void resize(size_t list_no, size_t new_size) = 0;

    /// Empties every list.
    virtual void reset();

    /// Moves the entries of other (same nlist and code_size) into this one,
    /// adding add_id to their ids; other is left empty.
    void merge_from(InvertedLists* other, idx_t add_id);

    /// Sum of the list sizes.
    size_t compute_ntotal() const;

    /// 1 for perfectly balanced lists; larger means queries scan more codes.
    double imbalance_factor() const;

   protected:
    void check_list(size_t list_no) const;
};

/// InvertedLists kept in memory, one growable array of codes and of ids per list.
struct ArrayInvertedLists : InvertedLists {
    std::vector<std::vector<uint8_t>> codes;
    std::vector<std::vector<idx_t>> ids;

    ArrayInvertedLists(size_t nlist, size_t code_size);

    size_t list_size(size_t list_no) const override;
    const uint8_t* get_codes(size_t list_no) const override;
    const idx_t* get_ids(size_t list_no) const override;
    size_t add_entries(
            size_t list_no,
            size_t n_entry,
            const idx_t* ids,
            const uint8_t* codes) override;
    void update_entries(
            size_t list_no,
            size_t offset,
            size_t n_entry,
            const idx_t* ids,
            const uint8_t* codes) override;
    void resize(size_t list_no, size_t new_size) override;
};

/// Inverted lists used in place from a read-only memory map of an index file
/// (read_index with IO_FLAG_MMAP): nothing is copied; any change is refused.
struct MappedInvertedLists : InvertedLists {
    /// Keeps the mapping alive as long as the lists.
    std::shared_ptr<const void> mapping;
    std::vector<const uint8_t*> list_codes;
    std::vector<const idx_t*> list_ids;
    std::vector<size_t> sizes;
    /// Aligned copies of ids the file stores at unaligned addresses.
    std::vector<std::vector<idx_t>> owned_ids;

    MappedInvertedLists(size_t nlist, size_t code_size, std::shared_ptr<const void> mapping);

    size_t list_size(size_t list_no) const override;
    const uint8_t* get_codes(size_t list_no) const override;
    const idx_t* get_ids(size_t list_no) const override;
    size_t add_entries(size_t list_no, size_t n_entry, const idx_t* ids, const uint8_t* codes) override;
    void update_entries(size_t list_no, size_t offset, size_t n_entry, const idx_t* ids,
                        const uint8_t* codes) override;
    void resize(size_t list_no, size_t new_size) override;
};

} // namespace faisslike
