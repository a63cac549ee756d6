// File blocks of the HNSW indexes, byte for byte as Faiss writes them:
// IndexHNSWFlat ("IHNf"), IndexHNSWPQ ("IHNp"), IndexHNSWSQ ("IHNs"): the index
// header, the graph (levels, offsets, neighbours, entry point...) and the
// storage index. Every graph field is checked against the others on reading, so
// a damaged file cannot send a search outside the arrays.
//
// IndexIVFHNSW ("FlIH", faisslike only: Faiss has no IVF with a graph per
// list): the index header, M / efConstruction / efSearch (int32), the IVF
// index block, the number of graphs (uint64, = nlist) and each list's graph as
// above, its nodes being the list's positions.

#include <cmath>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io_builtin.h>
#include <faisslike/index_io.h>

namespace faisslike {

namespace {

void write_graph(const HNSW& hnsw, WriteStream& out) {
    out.write_vector(hnsw.assign_probas);
    out.write_vector(hnsw.cum_nneighbor_per_level);
    out.write_vector(hnsw.levels);
    std::vector<uint64_t> offsets(hnsw.offsets.begin(), hnsw.offsets.end());
    out.write_vector(offsets);
    out.write_vector(hnsw.neighbors);
    out.write<int32_t>(hnsw.entry_point);
    out.write<int32_t>(hnsw.max_level);
    out.write<int32_t>(hnsw.efConstruction);
    out.write<int32_t>(hnsw.efSearch);
    out.write<int32_t>(1); // upper_beam: no longer used, always 1 in Faiss's files
}

void read_graph(HNSW& hnsw, idx_t ntotal, ReadStream& in) {
    const uint64_t n = uint64_t(ntotal);
    hnsw.assign_probas = in.read_vector<double>(64);
    for (double p : hnsw.assign_probas) {
        in.check(std::isfinite(p) && p >= 0 && p <= 1, "HNSW level probability %g", p);
    }
    hnsw.cum_nneighbor_per_level = in.read_vector<int>(65);
    const auto& cum = hnsw.cum_nneighbor_per_level;
    in.check(cum.size() >= 2 && cum[0] == 0, "HNSW neighbour table of %zu levels", cum.size());
    for (size_t l = 1; l < cum.size(); l++) {
        in.check(cum[l] >= cum[l - 1] && cum[l] <= (1 << 20), "HNSW neighbour counts are not increasing");
    }
    hnsw.levels = in.read_vector<int>(n);
    in.check(hnsw.levels.size() == n, "HNSW graph has %zu levels for %lld nodes", hnsw.levels.size(),
             (long long)ntotal);
    auto offsets = in.read_vector<uint64_t>(n + 1);
    in.check(offsets.size() == n + 1 && offsets[0] == 0, "HNSW graph has %zu offsets for %lld nodes",
             offsets.size(), (long long)ntotal);
    for (uint64_t i = 0; i < n; i++) {
        int level = hnsw.levels[i];
        in.check(level >= 1 && size_t(level) < cum.size(), "HNSW node %llu has level %d",
                 (unsigned long long)i, level);
        in.check(offsets[i + 1] == offsets[i] + uint64_t(cum[level]), "HNSW offsets of node %llu are inconsistent",
                 (unsigned long long)i);
    }
    hnsw.offsets.assign(offsets.begin(), offsets.end());
    hnsw.neighbors = in.read_vector<HNSW::storage_idx_t>(offsets[n]);
    in.check(hnsw.neighbors.size() == offsets[n], "HNSW graph has %zu neighbour slots, %llu expected",
             hnsw.neighbors.size(), (unsigned long long)offsets[n]);
    for (auto nb : hnsw.neighbors) {
        in.check(nb >= -1 && int64_t(nb) < ntotal, "HNSW neighbour %d outside the graph", int(nb));
    }
    hnsw.entry_point = in.read<int32_t>();
    hnsw.max_level = in.read<int32_t>();
    hnsw.efConstruction = in.read<int32_t>();
    hnsw.efSearch = in.read<int32_t>();
    in.read<int32_t>(); // upper_beam
    if (ntotal == 0) {
        in.check(hnsw.entry_point == -1, "empty HNSW graph with an entry point");
    } else {
        in.check(hnsw.entry_point >= 0 && hnsw.entry_point < ntotal, "HNSW entry point %d outside the graph",
                 int(hnsw.entry_point));
        in.check(hnsw.max_level == hnsw.levels[size_t(hnsw.entry_point)] - 1,
                 "HNSW max_level %d does not match its entry point", hnsw.max_level);
    }
    in.check(hnsw.efConstruction > 0 && hnsw.efSearch > 0, "HNSW efConstruction %d / efSearch %d",
             hnsw.efConstruction, hnsw.efSearch);
}

const char* hnsw_code(const Index& index) {
    if (dynamic_cast<const IndexHNSWPQ*>(&index)) {
        return "IHNp";
    }
    if (dynamic_cast<const IndexHNSWSQ*>(&index)) {
        return "IHNs";
    }
    return "IHNf";
}

void write_hnsw(const Index& index, WriteStream& out) {
    const auto& idx = static_cast<const IndexHNSW&>(index);
    FAISSLIKE_THROW_IF_NOT_FMT(
            idx.n_deleted() == 0,
            "%s holds %zu removed vectors that the Faiss file format cannot record: "
            "call compact() before writing it",
            idx.index_name().c_str(), idx.n_deleted());
    out.write_fourcc(hnsw_code(idx));
    write_index_header(idx, out);
    write_graph(idx.hnsw, out);
    write_index_block(out.io_flags() & IO_FLAG_SKIP_STORAGE ? nullptr : idx.storage, out);
}

std::unique_ptr<Index> read_hnsw(uint32_t code, ReadStream& in) {
    std::unique_ptr<IndexHNSW> idx;
    if (code == fourcc("IHNp")) {
        idx = std::make_unique<IndexHNSWPQ>();
    } else if (code == fourcc("IHNs")) {
        idx = std::make_unique<IndexHNSWSQ>();
    } else {
        idx = std::make_unique<IndexHNSWFlat>();
    }
    read_index_header(*idx, in);
    in.check(idx->metric_type == METRIC_L2 || idx->metric_type == METRIC_INNER_PRODUCT,
             "HNSW index with metric %d is not supported", int(idx->metric_type));
    read_graph(idx->hnsw, idx->ntotal, in);
    auto storage = read_index_block(in);
    if (storage) {
        in.check(storage->d == idx->d && storage->ntotal == idx->ntotal,
                 "HNSW storage (d %d, ntotal %lld) disagrees with the graph (d %d, ntotal %lld)", storage->d,
                 (long long)storage->ntotal, idx->d, (long long)idx->ntotal);
        bool right_type = code == fourcc("IHNp")   ? dynamic_cast<IndexPQ*>(storage.get()) != nullptr
                          : code == fourcc("IHNs") ? dynamic_cast<IndexScalarQuantizer*>(storage.get()) != nullptr
                                                   : dynamic_cast<IndexFlat*>(storage.get()) != nullptr;
        in.check(right_type, "HNSW block \"%s\" with a %s storage", fourcc_inv(code).c_str(),
                 storage->index_name().c_str());
        if (auto flat = dynamic_cast<IndexFlat*>(storage.get())) {
            flat->set_l2norms_cached(false); // as IndexHNSWFlat builds it
        }
        idx->storage = storage.release();
        idx->use_huge_pages();
        idx->own_fields = true;
    }
    return idx;
}

void write_ivf_hnsw(const Index& index, WriteStream& out) {
    const auto& idx = static_cast<const IndexIVFHNSW&>(index);
    idx.check_consistency();
    out.write_fourcc("FlIH");
    write_index_header(idx, out);
    out.write<int32_t>(idx.M);
    out.write<int32_t>(idx.efConstruction);
    out.write<int32_t>(idx.efSearch);
    write_index_block(idx.ivf, out);
    out.write<uint64_t>(idx.graphs.size());
    for (const HNSW& g : idx.graphs) {
        write_graph(g, out);
    }
}

std::unique_ptr<Index> read_ivf_hnsw(uint32_t, ReadStream& in) {
    auto idx = std::make_unique<IndexIVFHNSW>();
    read_index_header(*idx, in);
    in.check(idx->metric_type == METRIC_L2 || idx->metric_type == METRIC_INNER_PRODUCT,
             "IVF-HNSW index with metric %d is not supported", int(idx->metric_type));
    idx->M = in.read<int32_t>();
    idx->efConstruction = in.read<int32_t>();
    idx->efSearch = in.read<int32_t>();
    in.check(idx->M >= 2 && idx->M <= (1 << 16) && idx->efConstruction > 0 && idx->efSearch > 0,
             "IVF-HNSW M %d / efConstruction %d / efSearch %d", idx->M, idx->efConstruction, idx->efSearch);
    std::unique_ptr<Index> inner = read_index_block(in);
    auto* ivf = dynamic_cast<IndexIVF*>(inner.get());
    in.check(ivf != nullptr && ivf->invlists != nullptr && ivf->quantizer != nullptr,
             "IVF-HNSW block without an IVF index (found %s)", inner ? inner->index_name().c_str() : "null");
    in.check(ivf->d == idx->d && ivf->metric_type == idx->metric_type && ivf->ntotal == idx->ntotal,
             "IVF-HNSW header (d %d, ntotal %lld) disagrees with its IVF (d %d, ntotal %lld)", idx->d,
             (long long)idx->ntotal, ivf->d, (long long)ivf->ntotal);
    idx->ivf = ivf;
    idx->own_fields = true;
    inner.release();
    uint64_t ngraphs = in.read<uint64_t>();
    in.check(ngraphs == ivf->nlist, "IVF-HNSW with %llu graphs for %zu lists", (unsigned long long)ngraphs,
             ivf->nlist);
    idx->graphs.resize(ivf->nlist);
    for (size_t l = 0; l < ivf->nlist; l++) {
        read_graph(idx->graphs[l], idx_t(ivf->invlists->list_size(l)), in);
    }
    return idx;
}

} // namespace

void register_hnsw_io() {
    builtin_detail::add_index({{"FlIH"}, {typeid(IndexIVFHNSW)}, write_ivf_hnsw, read_ivf_hnsw});
    builtin_detail::add_index({{"IHNf", "IHNp", "IHNs"},
                               {typeid(IndexHNSWFlat), typeid(IndexHNSWPQ), typeid(IndexHNSWSQ)},
                               write_hnsw,
                               read_hnsw});
}

} // namespace faisslike
