#include <faisslike/invlists/InvertedLists.h>

#include <algorithm>
#include <cstring>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

InvertedLists::InvertedLists(size_t nlist, size_t code_size)
        : nlist(nlist), code_size(code_size) {}

InvertedLists::~InvertedLists() = default;

void InvertedLists::check_list(size_t list_no) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            list_no < nlist, "inverted list %zu out of range [0, %zu)", list_no, nlist);
}

idx_t InvertedLists::get_single_id(size_t list_no, size_t offset) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            offset < list_size(list_no),
            "offset %zu beyond the size of inverted list %zu",
            offset,
            list_no);
    return get_ids(list_no)[offset];
}

const uint8_t* InvertedLists::get_single_code(size_t list_no, size_t offset) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            offset < list_size(list_no),
            "offset %zu beyond the size of inverted list %zu",
            offset,
            list_no);
    return get_codes(list_no) + offset * code_size;
}

size_t InvertedLists::add_entry(size_t list_no, idx_t id, const uint8_t* code) {
    return add_entries(list_no, 1, &id, code);
}

void InvertedLists::update_entry(
        size_t list_no,
        size_t offset,
        idx_t id,
        const uint8_t* code) {
    update_entries(list_no, offset, 1, &id, code);
}

void InvertedLists::reset() {
    for (size_t i = 0; i < nlist; i++) {
        resize(i, 0);
    }
}

void InvertedLists::merge_from(InvertedLists* other, idx_t add_id) {
    FAISSLIKE_THROW_IF_NOT_MSG(other && other != this, "merge_from: invalid inverted lists");
    FAISSLIKE_THROW_IF_NOT_FMT(
            other->nlist == nlist && other->code_size == code_size,
            "cannot merge inverted lists of %zu lists x %zu bytes into %zu x %zu",
            other->nlist,
            other->code_size,
            nlist,
            code_size);
    for (size_t i = 0; i < nlist; i++) {
        size_t n = other->list_size(i);
        if (n == 0) {
            continue;
        }
        std::vector<idx_t> shifted(other->get_ids(i), other->get_ids(i) + n);
        for (auto& id : shifted) {
            id += add_id;
        }
        add_entries(i, n, shifted.data(), other->get_codes(i));
        other->resize(i, 0);
    }
}

size_t InvertedLists::compute_ntotal() const {
    size_t total = 0;
    for (size_t i = 0; i < nlist; i++) {
        total += list_size(i);
    }
    return total;
}

double InvertedLists::imbalance_factor() const {
    double total = 0, squares = 0;
    for (size_t i = 0; i < nlist; i++) {
        double n = double(list_size(i));
        total += n;
        squares += n * n;
    }
    return total == 0 ? 1.0 : squares * double(nlist) / (total * total);
}

ArrayInvertedLists::ArrayInvertedLists(size_t nlist, size_t code_size)
        : InvertedLists(nlist, code_size), codes(nlist), ids(nlist) {}

size_t ArrayInvertedLists::list_size(size_t list_no) const {
    check_list(list_no);
    return ids[list_no].size();
}

const uint8_t* ArrayInvertedLists::get_codes(size_t list_no) const {
    check_list(list_no);
    return codes[list_no].data();
}

const idx_t* ArrayInvertedLists::get_ids(size_t list_no) const {
    check_list(list_no);
    return ids[list_no].data();
}

size_t ArrayInvertedLists::add_entries(
        size_t list_no,
        size_t n_entry,
        const idx_t* ids_in,
        const uint8_t* codes_in) {
    check_list(list_no);
    size_t offset = ids[list_no].size();
    if (n_entry == 0) {
        return offset;
    }
    // Reserve both before writing either, so a failed allocation changes
    // nothing; grow geometrically, or one-by-one adds would be quadratic.
    auto reserve = [](auto& v, size_t needed) {
        if (v.capacity() < needed) {
            v.reserve(std::max(needed, 2 * v.capacity()));
        }
    };
    reserve(codes[list_no], (offset + n_entry) * code_size);
    reserve(ids[list_no], offset + n_entry);
    ids[list_no].insert(ids[list_no].end(), ids_in, ids_in + n_entry);
    codes[list_no].insert(
            codes[list_no].end(), codes_in, codes_in + n_entry * code_size);
    return offset;
}

void ArrayInvertedLists::update_entries(
        size_t list_no,
        size_t offset,
        size_t n_entry,
        const idx_t* ids_in,
        const uint8_t* codes_in) {
    check_list(list_no);
    FAISSLIKE_THROW_IF_NOT_FMT(
            offset + n_entry <= ids[list_no].size(),
            "update of entries [%zu, %zu) beyond the size of inverted list %zu",
            offset,
            offset + n_entry,
            list_no);
    std::memcpy(ids[list_no].data() + offset, ids_in, n_entry * sizeof(idx_t));
    std::memcpy(codes[list_no].data() + offset * code_size, codes_in, n_entry * code_size);
}

void ArrayInvertedLists::resize(size_t list_no, size_t new_size) {
    check_list(list_no);
    ids[list_no].resize(new_size);
    codes[list_no].resize(new_size * code_size);
}

MappedInvertedLists::MappedInvertedLists(size_t nlist, size_t code_size,
                                         std::shared_ptr<const void> mapping)
        : InvertedLists(nlist, code_size),
          mapping(std::move(mapping)),
          list_codes(nlist, nullptr),
          list_ids(nlist, nullptr),
          sizes(nlist, 0) {}

size_t MappedInvertedLists::list_size(size_t list_no) const {
    check_list(list_no);
    return sizes[list_no];
}

const uint8_t* MappedInvertedLists::get_codes(size_t list_no) const {
    check_list(list_no);
    return list_codes[list_no];
}

const idx_t* MappedInvertedLists::get_ids(size_t list_no) const {
    check_list(list_no);
    return list_ids[list_no];
}

namespace {

[[noreturn]] void refuse_change() {
    FAISSLIKE_THROW_MSG(
            "these inverted lists are read-only (memory-mapped with IO_FLAG_MMAP): "
            "read the index without the flag to modify it");
}

} // namespace

size_t MappedInvertedLists::add_entries(size_t, size_t, const idx_t*, const uint8_t*) {
    refuse_change();
}

void MappedInvertedLists::update_entries(size_t, size_t, size_t, const idx_t*, const uint8_t*) {
    refuse_change();
}

void MappedInvertedLists::resize(size_t, size_t) {
    refuse_change();
}

} // namespace faisslike
