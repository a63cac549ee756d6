#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

/// Chooses a subset of ids, for filtered search and for remove_ids.
/// Selectors that take pointers do not own what they point to (as in Faiss).
struct IDSelector {
    virtual bool is_member(idx_t id) const = 0;
    virtual ~IDSelector() = default;
};

/// Ids in [imin, imax).
struct IDSelectorRange : IDSelector {
    idx_t imin, imax;
    /// Callers may exploit sorted id lists (binary search) when set.
    bool assume_sorted;

    IDSelectorRange(idx_t imin, idx_t imax, bool assume_sorted = false);
    bool is_member(idx_t id) const override { return id >= imin && id < imax; }
};

/// An explicit list of ids, scanned linearly; the array is not copied.
struct IDSelectorArray : IDSelector {
    size_t n;
    const idx_t* ids;

    IDSelectorArray(size_t n, const idx_t* ids);
    bool is_member(idx_t id) const override;
};

/// A set of ids copied into a hash set, with a one-word Bloom filter in front
/// so that most non-members are rejected without hashing.
struct IDSelectorBatch : IDSelector {
    std::unordered_set<idx_t> set;
    std::vector<uint8_t> bloom;
    int nbits;
    idx_t mask;

    IDSelectorBatch(size_t n, const idx_t* ids);
    bool is_member(idx_t id) const override;
};

/// Bit (id % 8) of byte (id / 8); ids beyond the bitmap are not members.
struct IDSelectorBitmap : IDSelector {
    size_t n;
    const uint8_t* bitmap;

    IDSelectorBitmap(size_t n, const uint8_t* bitmap);
    bool is_member(idx_t id) const override;
};

struct IDSelectorNot : IDSelector {
    const IDSelector* sel;
    explicit IDSelectorNot(const IDSelector* sel);
    bool is_member(idx_t id) const override { return !sel->is_member(id); }
};

struct IDSelectorAll : IDSelector {
    bool is_member(idx_t) const override { return true; }
};

struct IDSelectorAnd : IDSelector {
    const IDSelector *lhs, *rhs;
    IDSelectorAnd(const IDSelector* lhs, const IDSelector* rhs);
    bool is_member(idx_t id) const override {
        return lhs->is_member(id) && rhs->is_member(id);
    }
};

struct IDSelectorOr : IDSelector {
    const IDSelector *lhs, *rhs;
    IDSelectorOr(const IDSelector* lhs, const IDSelector* rhs);
    bool is_member(idx_t id) const override {
        return lhs->is_member(id) || rhs->is_member(id);
    }
};

struct IDSelectorXOr : IDSelector {
    const IDSelector *lhs, *rhs;
    IDSelectorXOr(const IDSelector* lhs, const IDSelector* rhs);
    bool is_member(idx_t id) const override {
        return lhs->is_member(id) != rhs->is_member(id);
    }
};

/// Faiss's spelling of the xor combinator is IDSelectorXOr; both names work.
using IDSelectorXor = IDSelectorXOr;

} // namespace faisslike
