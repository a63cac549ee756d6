#include <faisslike/impl/IDSelector.h>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

IDSelectorRange::IDSelectorRange(idx_t imin, idx_t imax, bool assume_sorted)
        : imin(imin), imax(imax), assume_sorted(assume_sorted) {}

IDSelectorArray::IDSelectorArray(size_t n, const idx_t* ids) : n(n), ids(ids) {
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || ids, "IDSelectorArray: null id array");
}

bool IDSelectorArray::is_member(idx_t id) const {
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

IDSelectorBatch::IDSelectorBatch(size_t n, const idx_t* ids) {
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || ids, "IDSelectorBatch: null id array");
    // Bloom filter of 2^nbits bits, about 8 bits per id, at most 2^30 bits.
    nbits = 0;
    while (nbits < 30 && (size_t(1) << nbits) < 8 * n) {
        nbits++;
    }
    nbits = nbits < 3 ? 3 : nbits;
    mask = (idx_t(1) << nbits) - 1;
    bloom.assign(size_t(1) << (nbits - 3), 0);
    set.reserve(n);
    for (size_t i = 0; i < n; i++) {
        idx_t id = ids[i];
        set.insert(id);
        idx_t bit = id & mask;
        bloom[bit >> 3] |= uint8_t(1) << (bit & 7);
    }
}

bool IDSelectorBatch::is_member(idx_t id) const {
    idx_t bit = id & mask;
    if (!((bloom[bit >> 3] >> (bit & 7)) & 1)) {
        return false;
    }
    return set.count(id) != 0;
}

IDSelectorBitmap::IDSelectorBitmap(size_t n, const uint8_t* bitmap)
        : n(n), bitmap(bitmap) {
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || bitmap, "IDSelectorBitmap: null bitmap");
}

bool IDSelectorBitmap::is_member(idx_t id) const {
    if (id < 0 || uint64_t(id >> 3) >= n) {
        return false;
    }
    return (bitmap[id >> 3] >> (id & 7)) & 1;
}

IDSelectorNot::IDSelectorNot(const IDSelector* sel) : sel(sel) {
    FAISSLIKE_THROW_IF_NOT_MSG(sel, "IDSelectorNot: null selector");
}

IDSelectorAnd::IDSelectorAnd(const IDSelector* lhs, const IDSelector* rhs)
        : lhs(lhs), rhs(rhs) {
    FAISSLIKE_THROW_IF_NOT_MSG(lhs && rhs, "IDSelectorAnd: null selector");
}

IDSelectorOr::IDSelectorOr(const IDSelector* lhs, const IDSelector* rhs)
        : lhs(lhs), rhs(rhs) {
    FAISSLIKE_THROW_IF_NOT_MSG(lhs && rhs, "IDSelectorOr: null selector");
}

IDSelectorXOr::IDSelectorXOr(const IDSelector* lhs, const IDSelector* rhs)
        : lhs(lhs), rhs(rhs) {
    FAISSLIKE_THROW_IF_NOT_MSG(lhs && rhs, "IDSelectorXOr: null selector");
}

} // namespace faisslike
