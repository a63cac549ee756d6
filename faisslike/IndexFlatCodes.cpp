#include <faisslike/IndexFlatCodes.h>

#include <cstring>
#include <typeinfo>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>

namespace faisslike {

IndexFlatCodes::IndexFlatCodes(size_t code_size, idx_t d, MetricType metric)
        : Index(d, metric), code_size(code_size) {}

IndexFlatCodes::IndexFlatCodes() : code_size(0) {}

void IndexFlatCodes::add(idx_t n, const float* x) {
    check_add_args(n, x);
    if (n == 0) {
        return;
    }
    // Encode into the grown buffer, but only commit ntotal once everything succeeded.
    size_t old_size = codes.size();
    codes.resize(old_size + size_t(n) * code_size);
    try {
        sa_encode(n, x, codes.data() + old_size);
        on_codes_appended(ntotal, n);
    } catch (...) {
        codes.resize(old_size);
        throw;
    }
    ntotal += n;
}

void IndexFlatCodes::reset() {
    codes.clear();
    codes.shrink_to_fit();
    ntotal = 0;
    on_reset();
}

size_t IndexFlatCodes::remove_ids(const IDSelector& sel) {
    std::vector<idx_t> kept;
    kept.reserve(size_t(ntotal));
    for (idx_t i = 0; i < ntotal; i++) {
        if (!sel.is_member(i)) {
            kept.push_back(i);
        }
    }
    size_t nremove = size_t(ntotal) - kept.size();
    if (nremove == 0) {
        return 0;
    }
    for (size_t j = 0; j < kept.size(); j++) {
        if (idx_t(j) != kept[j]) {
            std::memcpy(
                    codes.data() + j * code_size,
                    codes.data() + size_t(kept[j]) * code_size,
                    code_size);
        }
    }
    on_rows_kept(kept);
    ntotal = idx_t(kept.size());
    codes.resize(size_t(ntotal) * code_size);
    return nremove;
}

void IndexFlatCodes::reconstruct(idx_t key, float* recons) const {
    check_key(key);
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct: null output pointer");
    sa_decode(1, codes.data() + size_t(key) * code_size, recons);
}

void IndexFlatCodes::reconstruct_n(idx_t i0, idx_t ni, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            ni >= 0 && i0 >= 0 && i0 + ni <= ntotal,
            "reconstruct_n: range [%lld, %lld) outside [0, %lld)",
            (long long)i0,
            (long long)(i0 + ni),
            (long long)ntotal);
    if (ni == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct_n: null output pointer");
    sa_decode(ni, codes.data() + size_t(i0) * code_size, recons);
}

void IndexFlatCodes::check_compatible_for_merge(const Index& otherIndex) const {
    const auto* other = dynamic_cast<const IndexFlatCodes*>(&otherIndex);
    FAISSLIKE_THROW_IF_NOT_FMT(
            other && typeid(*other) == typeid(*this),
            "cannot merge %s into %s: different index types",
            otherIndex.index_name().c_str(),
            index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(
            other->d == d && other->metric_type == metric_type &&
                    other->code_size == code_size,
            "cannot merge %s into %s: dimension, metric or code size differ",
            otherIndex.index_name().c_str(),
            index_name().c_str());
}

void IndexFlatCodes::merge_from(Index& otherIndex, idx_t add_id) {
    FAISSLIKE_THROW_IF_NOT_MSG(
            add_id == 0,
            "merge_from: add_id must be 0 for flat indexes (ids are row numbers)");
    FAISSLIKE_THROW_IF_NOT_MSG(&otherIndex != this, "merge_from: cannot merge an index into itself");
    check_compatible_for_merge(otherIndex);
    auto& other = static_cast<IndexFlatCodes&>(otherIndex);
    if (other.ntotal == 0) {
        return;
    }
    size_t old_size = codes.size();
    codes.append(other.codes.begin(), other.codes.end());
    try {
        on_codes_appended(ntotal, other.ntotal);
    } catch (...) {
        codes.resize(old_size);
        throw;
    }
    ntotal += other.ntotal;
    other.reset();
}

} // namespace faisslike
