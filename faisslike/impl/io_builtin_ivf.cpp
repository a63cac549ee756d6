// File blocks of the IVF family, byte for byte as Faiss writes them: the IVF
// header (with the coarse quantizer and the direct map), ArrayInvertedLists
// ("ilar", full or sparse size table), IndexIVFFlat ("IwFl").

#include <algorithm>
#include <cstring>

#include <faisslike/IndexIVFFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io_builtin.h>
#include <faisslike/invlists/InvertedLists.h>

namespace faisslike {

namespace {

/// One (id, place) entry of a Hashtable direct map as stored in files.
struct HashEntry {
    idx_t id;
    idx_t lo;
};

void write_direct_map(const DirectMap& dm, WriteStream& out) {
    out.write<int8_t>(int8_t(dm.type));
    out.write_vector(dm.array);
    if (dm.type == DirectMap::Hashtable) {
        std::vector<HashEntry> entries;
        entries.reserve(dm.hashtable.size());
        for (const auto& [id, lo] : dm.hashtable) {
            entries.push_back({id, lo});
        }
        out.write_vector(entries);
    }
}

void read_direct_map(DirectMap& dm, idx_t ntotal, ReadStream& in) {
    int8_t type = in.read<int8_t>();
    in.check(type >= 0 && type <= 2, "unknown direct map type %d", int(type));
    dm.type = DirectMap::Type(type);
    dm.array = in.read_vector<idx_t>(uint64_t(ntotal));
    in.check(dm.type == DirectMap::Array ? dm.array.size() == size_t(ntotal) : dm.array.empty(),
             "direct map array of %zu entries for %lld vectors", dm.array.size(), (long long)ntotal);
    if (dm.type == DirectMap::Hashtable) {
        auto entries = in.read_vector<HashEntry>(uint64_t(ntotal));
        dm.hashtable.reserve(entries.size());
        for (const auto& e : entries) {
            dm.hashtable[e.id] = e.lo;
        }
    }
}

/// Every place recorded in the direct map must exist and hold that id.
void check_direct_map(const IndexIVF& ivf, ReadStream& in) {
    auto check_entry = [&](idx_t id, idx_t lo) {
        idx_t list_no = lo_listno(lo), offset = lo_offset(lo);
        in.check(list_no >= 0 && size_t(list_no) < ivf.nlist &&
                         size_t(offset) < ivf.invlists->list_size(size_t(list_no)) &&
                         ivf.invlists->get_ids(size_t(list_no))[offset] == id,
                 "direct map entry of id %lld points to a wrong place", (long long)id);
    };
    for (size_t id = 0; id < ivf.direct_map.array.size(); id++) {
        if (ivf.direct_map.array[id] >= 0) {
            check_entry(idx_t(id), ivf.direct_map.array[id]);
        }
    }
    for (const auto& [id, lo] : ivf.direct_map.hashtable) {
        check_entry(id, lo);
    }
}

/******************************************************* ArrayInvertedLists */

/// Written the same way whatever the in-memory form (array or memory-mapped).
void write_array_invlists(const InvertedLists& il, WriteStream& out) {
    out.write_fourcc("ilar");
    out.write<uint64_t>(il.nlist);
    out.write<uint64_t>(il.code_size);
    size_t non_empty = 0;
    for (size_t i = 0; i < il.nlist; i++) {
        non_empty += il.list_size(i) > 0 ? 1 : 0;
    }
    std::vector<uint64_t> sizes;
    if (non_empty > il.nlist / 2) {
        out.write_fourcc("full");
        for (size_t i = 0; i < il.nlist; i++) {
            sizes.push_back(il.list_size(i));
        }
    } else {
        out.write_fourcc("sprs");
        for (size_t i = 0; i < il.nlist; i++) {
            if (il.list_size(i) > 0) {
                sizes.push_back(i);
                sizes.push_back(il.list_size(i));
            }
        }
    }
    out.write_vector(sizes);
    for (size_t i = 0; i < il.nlist; i++) {
        size_t n = il.list_size(i);
        if (n > 0) {
            out.write_bytes(il.get_codes(i), n * il.code_size);
            out.write_bytes(il.get_ids(i), n * sizeof(idx_t));
        }
    }
}

std::unique_ptr<InvertedLists> read_array_invlists(uint32_t, ReadStream& in) {
    uint64_t nlist = in.read<uint64_t>();
    uint64_t code_size = in.read<uint64_t>();
    in.check(nlist > 0 && nlist < (uint64_t(1) << 31), "inverted lists with nlist = %llu",
             (unsigned long long)nlist);
    in.check(code_size > 0 && code_size <= (uint64_t(1) << 24), "inverted lists with code size %llu",
             (unsigned long long)code_size);
    // Each list costs memory even when empty; a real file has paid for them
    // with its coarse centroids, read before.
    in.check(nlist <= std::max<uint64_t>(uint64_t(1) << 20, in.bytes_read()),
             "%llu inverted lists are more than the file justifies", (unsigned long long)nlist);
    uint32_t list_type = in.read_fourcc();
    std::vector<uint64_t> sizes(nlist, 0);
    if (list_type == fourcc("full")) {
        sizes = in.read_vector<uint64_t>(nlist);
        in.check(sizes.size() == nlist, "list size table has %zu entries for %llu lists", sizes.size(),
                 (unsigned long long)nlist);
    } else {
        in.check(list_type == fourcc("sprs"), "unknown list size table \"%s\"", fourcc_inv(list_type).c_str());
        auto pairs = in.read_vector<uint64_t>(2 * nlist);
        in.check(pairs.size() % 2 == 0, "odd sparse list size table");
        for (size_t i = 0; i < pairs.size(); i += 2) {
            in.check(pairs[i] < nlist && sizes[pairs[i]] == 0, "sparse list size table names list %llu",
                     (unsigned long long)pairs[i]);
            sizes[pairs[i]] = pairs[i + 1];
        }
    }
    for (size_t i = 0; i < nlist; i++) {
        in.check(sizes[i] < (uint64_t(1) << 40), "list %zu claims %llu entries", i,
                 (unsigned long long)sizes[i]);
    }
    if (in.can_view()) {
        // Codes stay in the mapping; ids are copied when the file puts them at
        // an address not aligned for 8-byte integers (Faiss's layout often does).
        auto il = std::make_unique<MappedInvertedLists>(size_t(nlist), size_t(code_size), in.mapping());
        il->owned_ids.resize(nlist);
        for (size_t i = 0; i < nlist; i++) {
            if (sizes[i] == 0) {
                continue;
            }
            il->sizes[i] = size_t(sizes[i]);
            il->list_codes[i] = in.view(size_t(sizes[i] * code_size));
            const uint8_t* ids = in.view(size_t(sizes[i] * sizeof(idx_t)));
            if (reinterpret_cast<uintptr_t>(ids) % alignof(idx_t) == 0) {
                il->list_ids[i] = reinterpret_cast<const idx_t*>(ids);
            } else {
                il->owned_ids[i].resize(size_t(sizes[i]));
                std::memcpy(il->owned_ids[i].data(), ids, size_t(sizes[i]) * sizeof(idx_t));
                il->list_ids[i] = il->owned_ids[i].data();
            }
        }
        return il;
    }
    auto il = std::make_unique<ArrayInvertedLists>(size_t(nlist), size_t(code_size));
    for (size_t i = 0; i < nlist; i++) {
        if (sizes[i] > 0) {
            in.read_array(il->codes[i], sizes[i] * code_size);
            in.read_array(il->ids[i], sizes[i]);
        }
    }
    return il;
}

/******************************************************* IndexIVFFlat */

void write_ivfflat(const Index& index, WriteStream& out) {
    const auto& ivf = static_cast<const IndexIVFFlat&>(index);
    out.write_fourcc("IwFl");
    write_ivf_header(ivf, out);
    write_invlists_block(ivf.invlists, out);
}

std::unique_ptr<Index> read_ivfflat(uint32_t, ReadStream& in) {
    auto ivf = std::make_unique<IndexIVFFlat>();
    read_ivf_header(*ivf, in);
    ivf->code_size = sizeof(float) * size_t(ivf->d);
    read_ivf_invlists(*ivf, in);
    return ivf;
}

} // namespace

void write_ivf_header(const IndexIVF& ivf, WriteStream& out) {
    write_index_header(ivf, out);
    out.write<uint64_t>(ivf.nlist);
    out.write<uint64_t>(ivf.nprobe);
    write_index_block(ivf.quantizer, out);
    write_direct_map(ivf.direct_map, out);
}

void read_ivf_header(IndexIVF& ivf, ReadStream& in) {
    read_index_header(ivf, in);
    in.check(ivf.metric_type == METRIC_L2 || ivf.metric_type == METRIC_INNER_PRODUCT,
             "IVF index with metric %d is not supported", int(ivf.metric_type));
    uint64_t nlist = in.read<uint64_t>();
    uint64_t nprobe = in.read<uint64_t>();
    in.check(nlist > 0 && nlist < (uint64_t(1) << 31), "IVF index with nlist = %llu", (unsigned long long)nlist);
    ivf.nlist = size_t(nlist);
    ivf.nprobe = size_t(std::max<uint64_t>(1, nprobe));
    auto quantizer = read_index_block(in);
    in.check(quantizer != nullptr && quantizer->d == ivf.d, "IVF index without a quantizer of dimension %d",
             ivf.d);
    in.check(!ivf.is_trained || size_t(quantizer->ntotal) == ivf.nlist,
             "IVF quantizer holds %lld centroids for %zu lists", (long long)quantizer->ntotal, ivf.nlist);
    ivf.quantizer = quantizer.release();
    ivf.own_fields = true;
    if (ivf.metric_type == METRIC_INNER_PRODUCT) {
        ivf.cp.spherical = true;
    }
    read_direct_map(ivf.direct_map, ivf.ntotal, in);
}

void read_ivf_invlists(IndexIVF& ivf, ReadStream& in) {
    auto il = read_invlists_block(in);
    in.check(il != nullptr, "IVF index without inverted lists (il00) cannot be searched");
    in.check(il->nlist == ivf.nlist && il->code_size == ivf.code_size,
             "inverted lists of %zu lists x %zu bytes in an IVF index of %zu lists x %zu bytes", il->nlist,
             il->code_size, ivf.nlist, ivf.code_size);
    in.check(il->compute_ntotal() == size_t(ivf.ntotal), "inverted lists hold %zu vectors, header says %lld",
             il->compute_ntotal(), (long long)ivf.ntotal);
    ivf.invlists = il.release();
    ivf.own_invlists = true;
    check_direct_map(ivf, in);
}

void register_ivf_io() {
    builtin_detail::add_invlists({{"ilar"},
                                  {typeid(ArrayInvertedLists), typeid(MappedInvertedLists)},
                                  write_array_invlists,
                                  read_array_invlists});
    builtin_detail::add_index({{"IwFl"}, {typeid(IndexIVFFlat)}, write_ivfflat, read_ivfflat});
}

} // namespace faisslike
