#pragma once

#include <cstdint>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/MaybeOwnedVector.h>

namespace faisslike {

/// An index that stores one fixed-size code per vector, contiguously, in id order
/// (the base of IndexFlat, and later of the PQ and SQ flat indexes).
/// remove_ids compacts the storage, so the ids after a removed one shift down.
struct IndexFlatCodes : Index {
    size_t code_size; ///< bytes per vector
    /// ntotal * code_size bytes; a view of the file with IO_FLAG_MMAP (copied
    /// on the first change), owned otherwise.
    MaybeOwnedVector<uint8_t> codes;

    IndexFlatCodes(size_t code_size, idx_t d, MetricType metric = METRIC_L2);
    IndexFlatCodes();

    /// Encodes with sa_encode and appends.
    void add(idx_t n, const float* x) override;
    void reset() override;
    size_t remove_ids(const IDSelector& sel) override;

    void reconstruct(idx_t key, float* recons) const override;
    void reconstruct_n(idx_t i0, idx_t ni, float* recons) const override;

    size_t sa_code_size() const override { return code_size; }

    void check_compatible_for_merge(const Index& otherIndex) const override;
    /// Appends other's codes (other is left empty). add_id must be 0: the ids of a
    /// flat index are its row numbers.
    void merge_from(Index& otherIndex, idx_t add_id = 0) override;

   protected:
    /// Hooks for subclasses that keep per-vector side data in step with the codes.
    virtual void on_codes_appended(idx_t first, idx_t n) { (void)first, (void)n; }
    virtual void on_rows_kept(const std::vector<idx_t>& kept) { (void)kept; }
    virtual void on_reset() {}
};

} // namespace faisslike
