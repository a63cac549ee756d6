#include <faisslike/table/index_bundle.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/DistanceComputer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io.h>
#include <faisslike/index_io.h>
#include <faisslike/table/json.h>

namespace faisslike {
namespace table {

namespace {

constexpr const char* kIndexKey = "faisslike:index";
constexpr int kFormat = 1;

const char* distance_type(MetricType m) {
    return m == METRIC_INNER_PRODUCT ? "dot" : "l2";
}

const char* metric_text(MetricType m) {
    return m == METRIC_INNER_PRODUCT ? "ip" : "l2";
}

MetricType parse_metric(const std::string& s) {
    if (s == "l2") {
        return METRIC_L2;
    }
    if (s == "ip") {
        return METRIC_INNER_PRODUCT;
    }
    FAISSLIKE_THROW_FMT("faisslike:index: unknown metric \"%s\" (l2 or ip)", s.c_str());
}

/// The class names a bundle records: the most specific supported class.
std::string class_of(const Index& index) {
    if (dynamic_cast<const IndexIVFHNSW*>(&index)) {
        return "IndexIVFHNSW";
    }
    if (dynamic_cast<const IndexIDMap2*>(&index)) {
        return "IndexIDMap2";
    }
    if (dynamic_cast<const IndexIDMap*>(&index)) {
        return "IndexIDMap";
    }
    if (dynamic_cast<const IndexPreTransform*>(&index)) {
        return "IndexPreTransform";
    }
    if (dynamic_cast<const IndexRefineFlat*>(&index)) {
        return "IndexRefineFlat";
    }
    if (dynamic_cast<const IndexHNSWFlat*>(&index)) {
        return "IndexHNSWFlat";
    }
    if (dynamic_cast<const IndexHNSWPQ*>(&index)) {
        return "IndexHNSWPQ";
    }
    if (dynamic_cast<const IndexHNSWSQ*>(&index)) {
        return "IndexHNSWSQ";
    }
    if (dynamic_cast<const IndexIVFFlat*>(&index)) {
        return "IndexIVFFlat";
    }
    if (dynamic_cast<const IndexIVFPQ*>(&index)) {
        return "IndexIVFPQ";
    }
    if (dynamic_cast<const IndexIVFScalarQuantizer*>(&index)) {
        return "IndexIVFScalarQuantizer";
    }
    if (dynamic_cast<const IndexFlat*>(&index)) {
        return "IndexFlat";
    }
    if (dynamic_cast<const IndexPQ*>(&index)) {
        return "IndexPQ";
    }
    if (dynamic_cast<const IndexScalarQuantizer*>(&index)) {
        return "IndexScalarQuantizer";
    }
    FAISSLIKE_THROW_FMT("index bundles do not support %s (supported: IndexFlat, IndexScalarQuantizer, IndexPQ, "
                        "IndexIVFFlat, IndexIVFPQ, IndexIVFScalarQuantizer, IndexIVFHNSW, IndexHNSWFlat/PQ/SQ, "
                        "IndexRefineFlat, IndexIDMap/IndexIDMap2, IndexPreTransform)",
                        index.index_name().c_str());
}

/******************************************************************* describe */

Json floats_json(const std::vector<float>& v) {
    Json a = Json::array();
    for (float f : v) {
        a.push(Json::float_number(f));
    }
    return a;
}

Json sq_json(const ScalarQuantizer& sq) {
    return Json::object()
            .set("qtype", int(sq.qtype))
            .set("rangestat", int(sq.rangestat))
            .set("rangestat_arg", Json::float_number(sq.rangestat_arg))
            .set("code_size", uint64_t(sq.code_size))
            .set("trained", floats_json(sq.trained));
}

Json pq_json(const ProductQuantizer& pq) {
    return Json::object().set("M", uint64_t(pq.M)).set("nbits", uint64_t(pq.nbits));
}

int hnsw_M(const HNSW& h) {
    return h.cum_nneighbor_per_level.size() > 2 ? h.nb_neighbors(1) : h.nb_neighbors(0) / 2;
}

/// The settings shared by every graph of an index (not the per-graph entry
/// point and levels, which lance:hnsw holds for each partition).
Json graph_settings_json(const HNSW& h) {
    Json cum = Json::array();
    for (int c : h.cum_nneighbor_per_level) {
        cum.push(c);
    }
    Json probas = Json::array();
    for (double p : h.assign_probas) {
        probas.push(p);
    }
    return Json::object()
            .set("M", hnsw_M(h))
            .set("efConstruction", h.efConstruction)
            .set("efSearch", h.efSearch)
            .set("check_relative_distance", h.check_relative_distance)
            .set("search_bounded_queue", h.search_bounded_queue)
            .set("cum_nneighbor_per_level", cum)
            .set("assign_probas", probas);
}

Json hnsw_json(const IndexHNSW& idx) {
    const HNSW& h = idx.hnsw;
    return graph_settings_json(h)
            .set("max_level", h.max_level)
            .set("entry_point", int(h.entry_point))
            .set("keep_max_size_level0", idx.keep_max_size_level0)
            .set("filter_scan_threshold", int64_t(idx.filter_scan_threshold));
}

/// IndexIVFHNSW: its graphs' settings (the graphs of an index share them).
Json ivf_hnsw_json(const IndexIVFHNSW& idx) {
    HNSW h = idx.graphs.empty() ? HNSW(idx.M) : idx.graphs[0];
    h.efConstruction = idx.efConstruction;
    h.efSearch = idx.efSearch;
    return graph_settings_json(h);
}

Json describe(const Index& index) {
    std::string cls = class_of(index);
    Json j = Json::object()
                     .set("format", kFormat)
                     .set("class", cls)
                     .set("d", index.d)
                     .set("metric", metric_text(index.metric_type))
                     .set("ntotal", int64_t(index.ntotal))
                     .set("is_trained", index.is_trained);
    if (auto* sq = dynamic_cast<const IndexScalarQuantizer*>(&index)) {
        j.set("sq", sq_json(sq->sq));
    } else if (auto* pq = dynamic_cast<const IndexPQ*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(pq->search_type == IndexPQ::ST_PQ, "index bundles support IndexPQ with ST_PQ only");
        j.set("pq", pq_json(pq->pq)).set("polysemous_ht", pq->polysemous_ht);
    } else if (auto* idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(idmap->index, "IndexIDMap without an index");
        j.set("base", describe(*idmap->index));
    } else if (auto* pt = dynamic_cast<const IndexPreTransform*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(pt->index, "IndexPreTransform without an index");
        Json chain = Json::array();
        for (const VectorTransform* vt : pt->chain) {
            chain.push(Json::object().set("d_in", vt->d_in).set("d_out", vt->d_out).set("is_trained", vt->is_trained));
        }
        j.set("chain", chain).set("base", describe(*pt->index));
    } else if (auto* ivf_hnsw = dynamic_cast<const IndexIVFHNSW*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(ivf_hnsw->ivf, "IndexIVFHNSW without an IVF index");
        ivf_hnsw->check_consistency();
        j.set("hnsw", ivf_hnsw_json(*ivf_hnsw)).set("ivf", describe(*ivf_hnsw->ivf));
    } else if (auto* ivf = dynamic_cast<const IndexIVF*>(&index)) {
        j.set("nlist", uint64_t(ivf->nlist))
                .set("nprobe", uint64_t(ivf->nprobe))
                .set("max_codes", uint64_t(ivf->max_codes))
                .set("parallel_mode", ivf->parallel_mode)
                .set("by_residual", ivf->by_residual)
                .set("code_size", uint64_t(ivf->code_size))
                .set("direct_map", int(ivf->direct_map.type));
        const Index* q = ivf->quantizer;
        Json qj = Json::object().set("d", q->d).set("metric", metric_text(q->metric_type));
        if (dynamic_cast<const IndexFlat*>(q)) {
            qj.set("class", "IndexFlat");
        } else if (auto* hq = dynamic_cast<const IndexHNSWFlat*>(q)) {
            qj.set("class", "IndexHNSWFlat").set("hnsw", hnsw_json(*hq));
        } else {
            FAISSLIKE_THROW_FMT("index bundles support IVF indexes with an IndexFlat or IndexHNSWFlat quantizer, not %s",
                                q->index_name().c_str());
        }
        j.set("quantizer", qj);
        if (auto* ivfpq = dynamic_cast<const IndexIVFPQ*>(ivf)) {
            j.set("pq", pq_json(ivfpq->pq))
                    .set("use_precomputed_table", ivfpq->use_precomputed_table)
                    .set("scan_table_threshold", uint64_t(ivfpq->scan_table_threshold))
                    .set("polysemous_ht", ivfpq->polysemous_ht);
        } else if (auto* ivfsq = dynamic_cast<const IndexIVFScalarQuantizer*>(ivf)) {
            j.set("sq", sq_json(ivfsq->sq));
        }
    } else if (auto* hnsw = dynamic_cast<const IndexHNSW*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_FMT(hnsw->n_deleted() == 0,
                                   "%s holds %zu removed vectors: call compact() before exporting it",
                                   hnsw->index_name().c_str(), hnsw->n_deleted());
        FAISSLIKE_THROW_IF_NOT_FMT(hnsw->storage, "%s has no storage", hnsw->index_name().c_str());
        j.set("hnsw", hnsw_json(*hnsw)).set("storage", describe(*hnsw->storage));
    } else if (auto* refine = dynamic_cast<const IndexRefineFlat*>(&index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(dynamic_cast<const IndexFlat*>(refine->refine_index),
                                   "IndexRefineFlat without an IndexFlat refine index");
        FAISSLIKE_THROW_IF_NOT_MSG(!dynamic_cast<const IndexFlat*>(refine->base_index),
                                   "index bundles do not support IndexRefineFlat over an IndexFlat");
        j.set("refine", Json::object().set("k_factor", Json::float_number(refine->k_factor)))
                .set("base", describe(*refine->base_index));
    }
    return j;
}

/******************************************************************* export */

/// A table being built: its columns, metadata and batches (made lazily).
struct TableOut {
    std::vector<FieldSpec> columns;
    Metadata metadata;
    /// Produces batch i of `count`.
    size_t count = 0;
    std::function<ArraySpec(size_t i)> batch;
};

/// Borrows n values when there is an owner, copies them otherwise.
template <class T>
ArraySpec values(const T* p, int64_t n, const Owner& owner) {
    if (owner) {
        return borrowed_array(p, n, owner);
    }
    return owned_array(std::vector<T>(p, p + n));
}

ArraySpec sequence_ids(int64_t first, int64_t n) {
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) {
        ids[size_t(i)] = first + i;
    }
    return owned_array(std::move(ids));
}

std::string storage_metadata(const Json& inner) {
    return Json::array().push(inner.dump()).dump();
}

std::string pq_storage_metadata(const ProductQuantizer& pq) {
    return storage_metadata(Json::object()
                                    .set("codebook_position", 0)
                                    .set("nbits", uint64_t(pq.nbits))
                                    .set("num_sub_vectors", uint64_t(pq.M))
                                    .set("dimension", uint64_t(pq.d))
                                    .set("codebook_tensor", Json::array())
                                    .set("transposed", false));
}

std::string sq_storage_metadata(const ScalarQuantizer& sq) {
    Json j = Json::object().set("dim", uint64_t(sq.d)).set("num_bits", uint64_t(sq.bits));
    // Lance has one global range: only the uniform types map onto it.
    if ((sq.qtype == ScalarQuantizer::QT_8bit_uniform || sq.qtype == ScalarQuantizer::QT_4bit_uniform) &&
        sq.trained.size() == 2) {
        j.set("bounds", Json::object()
                                .set("start", Json::float_number(sq.trained[0]))
                                .set("end", Json::float_number(sq.trained[0] + sq.trained[1])));
    }
    return storage_metadata(j);
}

TableOut codebook_table(const ProductQuantizer& pq, const Owner& owner) {
    TableOut t;
    t.columns = {fixed_size_list_field<float>("codebook", int64_t(pq.d))};
    t.metadata = {{"num_subvectors", std::to_string(pq.M)}, {"nbits", std::to_string(pq.nbits)}};
    t.count = 1;
    const ProductQuantizer* p = &pq;
    t.batch = [p, owner](size_t) {
        int64_t rows = int64_t(p->ksub);
        std::vector<ArraySpec> cols;
        cols.push_back(fixed_size_list_array(values(p->centroids.data(), int64_t(p->centroids.size()), owner), rows));
        return record_batch(std::move(cols), rows);
    };
    return t;
}

/// Codes stored row after row (IndexFlatCodes): the `auxiliary` table of a
/// non-IVF index, or `data` for IndexFlat.
TableOut flat_codes_table(const IndexFlatCodes& codes, const char* column, bool as_floats, const Owner& owner,
                          int64_t batch_size) {
    TableOut t;
    const int64_t width = as_floats ? int64_t(codes.d) : int64_t(codes.code_size);
    t.columns = {primitive_field<int64_t>("id"), as_floats ? fixed_size_list_field<float>(column, width, std::strcmp(column, "vector") == 0)
                                                           : fixed_size_list_field<uint8_t>(column, width)};
    const int64_t n = codes.ntotal;
    t.count = size_t((n + batch_size - 1) / batch_size);
    const IndexFlatCodes* c = &codes;
    t.batch = [c, owner, n, width, as_floats, batch_size](size_t b) {
        int64_t i0 = int64_t(b) * batch_size, m = std::min(batch_size, n - i0);
        std::vector<ArraySpec> cols;
        cols.push_back(sequence_ids(i0, m));
        if (as_floats) {
            const float* x = reinterpret_cast<const float*>(c->codes.data());
            cols.push_back(fixed_size_list_array(values(x + i0 * width, m * width, owner), m));
        } else {
            cols.push_back(fixed_size_list_array(values(c->codes.data() + i0 * width, m * width, owner), m));
        }
        return record_batch(std::move(cols), m);
    };
    return t;
}

/// The storage of a non-IVF index as `auxiliary` (+ `codebook`).
void add_storage_tables(const Index& storage, const Owner& owner, int64_t batch_size,
                        std::map<std::string, TableOut>& tables) {
    if (auto* flat = dynamic_cast<const IndexFlat*>(&storage)) {
        tables["auxiliary"] = flat_codes_table(*flat, "flat", true, owner, batch_size);
        tables["auxiliary"].metadata = {{"storage_metadata",
                                         storage_metadata(Json::object().set("dim", storage.d))}};
    } else if (auto* pq = dynamic_cast<const IndexPQ*>(&storage)) {
        tables["auxiliary"] = flat_codes_table(*pq, "__pq_code", false, owner, batch_size);
        tables["auxiliary"].metadata = {{"storage_metadata", pq_storage_metadata(pq->pq)}};
        tables["codebook"] = codebook_table(pq->pq, owner);
    } else if (auto* sq = dynamic_cast<const IndexScalarQuantizer*>(&storage)) {
        tables["auxiliary"] = flat_codes_table(*sq, "__sq_code", false, owner, batch_size);
        tables["auxiliary"].metadata = {{"storage_metadata", sq_storage_metadata(sq->sq)}};
    } else {
        FAISSLIKE_THROW_FMT("index bundles do not support a storage of type %s", storage.index_name().c_str());
    }
    tables["auxiliary"].metadata.emplace_back("distance_type", distance_type(storage.metric_type));
}

std::vector<FieldSpec> graph_columns() {
    return {primitive_field<uint32_t>("__ivf_part_id"), primitive_field<uint32_t>("__vector_id"),
            list_field<uint32_t>("__neighbors"), list_field<float>("_distance")};
}

/// One HNSW graph of an `index` (or `quantizer`) table: the partition its
/// rows carry, and, for the `_distance` lists, a distance computer over its
/// nodes and a node's (decoded) vector.
struct GraphSource {
    uint32_t part;
    const HNSW* graph;
    std::function<DistanceComputer*()> make_dc;
    std::function<void(int32_t node, float* x)> vector_of;
};

/// Graphs as rows (partition, level, node), level 0 first within each graph.
/// Fills `entries` with one lance:hnsw JSON string per graph and `rows` with
/// each graph's row count.
TableOut graph_table(std::vector<GraphSource> graphs, int d, const Owner& owner, const BundleExportOptions& options,
                     Json& entries, std::vector<uint64_t>& rows) {
    // Nodes of each level of each graph, in node order.
    using Levels = std::vector<std::vector<int32_t>>;
    auto per_level = std::make_shared<std::vector<Levels>>(graphs.size());
    // Batches: per graph and level, chunks of at most batch_size rows.
    struct Chunk {
        size_t graph;
        int level;
        int64_t r0;
    };
    auto chunks = std::make_shared<std::vector<Chunk>>();
    entries = Json::array();
    rows.clear();
    for (size_t gi = 0; gi < graphs.size(); gi++) {
        const HNSW& h = *graphs[gi].graph;
        int nlevels = 0;
        for (int lv : h.levels) {
            nlevels = std::max(nlevels, lv);
        }
        Levels& levels = (*per_level)[gi];
        levels.resize(size_t(nlevels));
        for (size_t i = 0; i < h.levels.size(); i++) {
            for (int l = 0; l < h.levels[i]; l++) {
                levels[size_t(l)].push_back(int32_t(i));
            }
        }
        Json offsets = Json::array();
        int64_t acc = 0;
        offsets.push(acc);
        for (int l = 0; l < nlevels; l++) {
            int64_t count = int64_t(levels[size_t(l)].size());
            acc += count;
            offsets.push(acc);
            for (int64_t r = 0; r < count; r += options.batch_size) {
                chunks->push_back({gi, l, r});
            }
        }
        rows.push_back(uint64_t(acc));
        entries.push(Json::object()
                             .set("entry_point", int(h.entry_point))
                             .set("params", Json::object()
                                                    .set("max_level", nlevels)
                                                    .set("m", hnsw_M(h))
                                                    .set("ef_construction", h.efConstruction)
                                                    .set("prefetch_distance", Json()))
                             .set("level_offsets", offsets)
                             .dump());
    }
    TableOut t;
    t.columns = graph_columns();
    t.count = chunks->size();
    auto sources = std::make_shared<std::vector<GraphSource>>(std::move(graphs));
    const int64_t batch_size = options.batch_size;
    const bool with_distances = options.hnsw_distances;
    // The graph is copied (its slots hold -1 padding that a list cannot skip).
    t.batch = [sources, owner, per_level, chunks, batch_size, with_distances, d](size_t b) {
        const Chunk& chunk = (*chunks)[b];
        const GraphSource& src = (*sources)[chunk.graph];
        const HNSW& g = *src.graph;
        const int level = chunk.level;
        const auto& nodes = (*per_level)[chunk.graph][size_t(level)];
        int64_t m = std::min(batch_size, int64_t(nodes.size()) - chunk.r0);
        std::vector<uint32_t> ids(static_cast<size_t>(m)), nb;
        std::vector<int32_t> offs = {0};
        std::vector<float> dis;
        std::unique_ptr<DistanceComputer> dc;
        std::vector<float> query(static_cast<size_t>(d));
        if (with_distances) {
            dc.reset(src.make_dc());
        }
        for (int64_t r = 0; r < m; r++) {
            int32_t node = nodes[size_t(chunk.r0 + r)];
            ids[size_t(r)] = uint32_t(node);
            size_t begin, end;
            g.neighbor_range(node, level, &begin, &end);
            if (dc) {
                src.vector_of(node, query.data());
                dc->set_query(query.data());
            }
            for (size_t s = begin; s < end && g.neighbors[s] >= 0; s++) {
                nb.push_back(uint32_t(g.neighbors[s]));
                if (dc) {
                    dis.push_back((*dc)(g.neighbors[s]));
                }
            }
            FAISSLIKE_THROW_IF_NOT_MSG(nb.size() < size_t(1) << 31, "HNSW level too large for 32-bit list offsets");
            offs.push_back(int32_t(nb.size()));
        }
        std::vector<int32_t> dis_offs = with_distances ? offs : std::vector<int32_t>(size_t(m + 1), 0);
        std::vector<ArraySpec> cols;
        cols.push_back(owned_array(std::vector<uint32_t>(size_t(m), src.part)));
        cols.push_back(owned_array(std::move(ids)));
        cols.push_back(list_array(std::move(offs), owned_array(std::move(nb))));
        cols.push_back(list_array(std::move(dis_offs), owned_array(std::move(dis))));
        return record_batch(std::move(cols), m);
    };
    return t;
}

/// The single graph of an IndexHNSW, as partition 0.
TableOut hnsw_graph_table(const IndexHNSW& idx, const Owner& owner, const BundleExportOptions& options,
                          Json& entries) {
    const IndexHNSW* ip = &idx;
    std::vector<uint64_t> rows;
    return graph_table({{0, &idx.hnsw, [ip] { return ip->get_distance_computer(); },
                         [ip](int32_t node, float* x) { ip->storage->reconstruct(node, x); }}},
                       idx.d, owner, options, entries, rows);
}

const char* code_column_of(const IndexIVF& ivf) {
    if (dynamic_cast<const IndexIVFFlat*>(&ivf)) {
        return "flat";
    }
    if (dynamic_cast<const IndexIVFPQ*>(&ivf)) {
        return "__pq_code";
    }
    return "__sq_code";
}

/// The tables of an IVF index. With index_rows (a graph per list: the rows
/// of each list's graph in `index`), the `ivf` table also gets Lance's
/// index_offsets / index_lengths columns.
void add_ivf_tables(const IndexIVF& ivf, const Owner& owner, const BundleExportOptions& options,
                    std::map<std::string, TableOut>& tables, const std::vector<uint64_t>* index_rows = nullptr) {
    const size_t nlist = ivf.nlist;
    const InvertedLists* il = ivf.invlists;
    FAISSLIKE_THROW_IF_NOT_FMT(il && il->nlist == nlist, "%s has no inverted lists", ivf.index_name().c_str());
    const int64_t d = ivf.d;
    std::string type;

    // ivf: centroids, list offsets and lengths.
    {
        TableOut t;
        t.columns = {primitive_field<uint32_t>("__ivf_part_id"), fixed_size_list_field<float>("centroids", d),
                     primitive_field<uint64_t>("offsets"), primitive_field<uint32_t>("lengths")};
        t.metadata = {{"distance_type", distance_type(ivf.metric_type)}};
        const IndexFlat* qflat = dynamic_cast<const IndexFlat*>(ivf.quantizer);
        if (auto* hq = dynamic_cast<const IndexHNSWFlat*>(ivf.quantizer)) {
            FAISSLIKE_THROW_IF_NOT_MSG(hq->n_deleted() == 0, "the HNSW quantizer holds removed centroids");
            qflat = dynamic_cast<const IndexFlat*>(hq->storage);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(ivf.quantizer->ntotal == idx_t(nlist) && qflat,
                                   "%s: the quantizer must hold the nlist = %zu centroids", ivf.index_name().c_str(),
                                   nlist);
        std::shared_ptr<const std::vector<uint64_t>> graph_rows;
        if (index_rows) {
            FAISSLIKE_THROW_IF_NOT_MSG(index_rows->size() == nlist, "one graph per inverted list expected");
            for (uint64_t r : *index_rows) {
                FAISSLIKE_THROW_IF_NOT_MSG(r < (uint64_t(1) << 32), "a list's graph has too many rows");
            }
            graph_rows = std::make_shared<const std::vector<uint64_t>>(*index_rows);
            t.columns.push_back(primitive_field<uint64_t>("index_offsets"));
            t.columns.push_back(primitive_field<uint32_t>("index_lengths"));
        }
        t.count = 1;
        const IndexIVF* p = &ivf;
        t.batch = [p, qflat, owner, nlist, d, graph_rows](size_t) {
            std::vector<uint32_t> part(nlist), lengths(nlist);
            std::vector<uint64_t> offsets(nlist);
            uint64_t acc = 0;
            for (size_t l = 0; l < nlist; l++) {
                part[l] = uint32_t(l);
                lengths[l] = uint32_t(p->invlists->list_size(l));
                offsets[l] = acc;
                acc += lengths[l];
            }
            std::vector<ArraySpec> cols;
            cols.push_back(owned_array(std::move(part)));
            cols.push_back(fixed_size_list_array(values(qflat->get_xb(), int64_t(nlist) * d, owner), int64_t(nlist)));
            cols.push_back(owned_array(std::move(offsets)));
            cols.push_back(owned_array(std::move(lengths)));
            if (graph_rows) {
                std::vector<uint64_t> index_offsets(nlist);
                std::vector<uint32_t> index_lengths(nlist);
                uint64_t first = 0;
                for (size_t l = 0; l < nlist; l++) {
                    index_offsets[l] = first;
                    index_lengths[l] = uint32_t((*graph_rows)[l]);
                    first += (*graph_rows)[l];
                }
                cols.push_back(owned_array(std::move(index_offsets)));
                cols.push_back(owned_array(std::move(index_lengths)));
            }
            return record_batch(std::move(cols), int64_t(nlist));
        };
        tables["ivf"] = std::move(t);
    }
    for (size_t l = 0; l < nlist; l++) {
        FAISSLIKE_THROW_IF_NOT_FMT(il->list_size(l) < (size_t(1) << 32), "inverted list %zu is too long", l);
    }

    // auxiliary: one batch per non-empty list, codes and ids borrowed.
    {
        TableOut t;
        const char* column = code_column_of(ivf);
        const bool floats = std::strcmp(column, "flat") == 0;
        const int64_t width = floats ? d : int64_t(ivf.code_size);
        t.columns = {primitive_field<int64_t>("id"), primitive_field<uint32_t>("__ivf_part_id"),
                     floats ? fixed_size_list_field<float>(column, width) : fixed_size_list_field<uint8_t>(column, width)};
        if (floats) {
            t.metadata = {{"storage_metadata", storage_metadata(Json::object().set("dim", ivf.d))}};
            type = "IVF_FLAT";
        } else if (auto* pq = dynamic_cast<const IndexIVFPQ*>(&ivf)) {
            t.metadata = {{"storage_metadata", pq_storage_metadata(pq->pq)}};
            type = "IVF_PQ";
            tables["codebook"] = codebook_table(pq->pq, owner);
        } else {
            t.metadata = {{"storage_metadata",
                           sq_storage_metadata(static_cast<const IndexIVFScalarQuantizer&>(ivf).sq)}};
            type = "IVF_SQ";
        }
        t.metadata.emplace_back("distance_type", distance_type(ivf.metric_type));
        auto lists = std::make_shared<std::vector<size_t>>();
        for (size_t l = 0; l < nlist; l++) {
            if (il->list_size(l) > 0) {
                lists->push_back(l);
            }
        }
        t.count = lists->size();
        t.batch = [il, lists, owner, floats, width](size_t b) {
            size_t l = (*lists)[b];
            int64_t n = int64_t(il->list_size(l));
            std::vector<ArraySpec> cols;
            cols.push_back(values(il->get_ids(l), n, owner));
            cols.push_back(owned_array(std::vector<uint32_t>(size_t(n), uint32_t(l))));
            if (floats) {
                const float* x = reinterpret_cast<const float*>(il->get_codes(l));
                cols.push_back(fixed_size_list_array(values(x, n * width, owner), n));
            } else {
                cols.push_back(fixed_size_list_array(values(il->get_codes(l), n * width, owner), n));
            }
            return record_batch(std::move(cols), n);
        };
        tables["auxiliary"] = std::move(t);
    }

    // index: Lance's FLAT sub-index marker (no rows).
    {
        TableOut t;
        t.columns = {primitive_field<uint64_t>("__flat_marker")};
        Json flat = Json::array();
        for (size_t l = 0; l < nlist; l++) {
            flat.push("");
        }
        t.metadata = {{"lance:index",
                       Json::object().set("type", type).set("distance_type", distance_type(ivf.metric_type)).dump()},
                      {"lance:flat", flat.dump()}};
        tables["index"] = std::move(t);
    }

    if (auto* hq = dynamic_cast<const IndexHNSWFlat*>(ivf.quantizer)) {
        Json entries;
        TableOut t = hnsw_graph_table(*hq, owner, options, entries);
        t.metadata = {{"lance:hnsw", entries.dump()},
                      {"distance_type", distance_type(hq->metric_type)}};
        tables["quantizer"] = std::move(t);
    }
}

/// IndexIDMap: the user id of each row of the wrapped index, in row order.
TableOut idmap_table(const IndexIDMap& idmap, const Owner& owner, int64_t batch_size) {
    TableOut t;
    t.columns = {primitive_field<int64_t>("id")};
    const int64_t n = int64_t(idmap.id_map.size());
    t.count = size_t((n + batch_size - 1) / batch_size);
    const IndexIDMap* p = &idmap;
    t.batch = [p, owner, n, batch_size](size_t b) {
        int64_t i0 = int64_t(b) * batch_size, m = std::min(batch_size, n - i0);
        std::vector<ArraySpec> cols;
        cols.push_back(values(p->id_map.data() + i0, m, owner));
        return record_batch(std::move(cols), m);
    };
    return t;
}

/// IndexPreTransform: one row per transform of the chain, in order, holding
/// its file block (the bytes write_VectorTransform gives, as in Faiss's
/// files); Lance has no table for these.
TableOut transform_table(const IndexPreTransform& pt) {
    std::vector<int32_t> offsets = {0};
    std::vector<uint8_t> bytes;
    for (const VectorTransform* vt : pt.chain) {
        VectorIOWriter writer;
        write_VectorTransform(vt, &writer);
        bytes.insert(bytes.end(), writer.data.begin(), writer.data.end());
        FAISSLIKE_THROW_IF_NOT_MSG(bytes.size() < size_t(1) << 31, "transforms too large for 32-bit list offsets");
        offsets.push_back(int32_t(bytes.size()));
    }
    TableOut t;
    t.columns = {list_field<uint8_t>("transform")};
    t.count = 1;
    auto data = std::make_shared<std::pair<std::vector<int32_t>, std::vector<uint8_t>>>(std::move(offsets),
                                                                                         std::move(bytes));
    t.batch = [data](size_t) {
        int64_t rows = int64_t(data->first.size()) - 1;
        std::vector<ArraySpec> cols;
        cols.push_back(list_array(data->first, owned_array(data->second)));
        return record_batch(std::move(cols), rows);
    };
    return t;
}

void add_tables(const Index& index, const Owner& owner, const BundleExportOptions& options,
                std::map<std::string, TableOut>& tables) {
    if (auto* flat = dynamic_cast<const IndexFlat*>(&index)) {
        tables["data"] = flat_codes_table(*flat, "vector", true, owner, options.batch_size);
        tables["data"].metadata = {{"faisslike:format", "1"}};
    } else if (dynamic_cast<const IndexPQ*>(&index) || dynamic_cast<const IndexScalarQuantizer*>(&index)) {
        add_storage_tables(index, owner, options.batch_size, tables);
    } else if (auto* ivf_hnsw = dynamic_cast<const IndexIVFHNSW*>(&index)) {
        // Lance's IVF_HNSW_*: the IVF's tables, and an `index` table holding
        // every list's graph as partition __ivf_part_id = list number.
        const IndexIVF* ivf = ivf_hnsw->ivf;
        std::vector<GraphSource> graphs;
        for (size_t l = 0; l < ivf->nlist; l++) {
            graphs.push_back({uint32_t(l), &ivf_hnsw->graphs[l],
                              [ivf_hnsw, l] { return ivf_hnsw->get_list_distance_computer(l); },
                              [ivf, l](int32_t node, float* x) { ivf->reconstruct_from_offset(int64_t(l), node, x); }});
        }
        Json entries;
        std::vector<uint64_t> rows;
        TableOut graph = graph_table(std::move(graphs), index.d, owner, options, entries, rows);
        add_ivf_tables(*ivf, owner, options, tables, &rows);
        const char* column = code_column_of(*ivf);
        std::string type = std::strcmp(column, "flat") == 0        ? "IVF_HNSW_FLAT"
                           : std::strcmp(column, "__pq_code") == 0 ? "IVF_HNSW_PQ"
                                                                   : "IVF_HNSW_SQ";
        graph.metadata = {
                {"lance:index", Json::object().set("type", type).set("distance_type", distance_type(index.metric_type)).dump()},
                {"lance:hnsw", entries.dump()}};
        tables["index"] = std::move(graph);
    } else if (auto* ivf = dynamic_cast<const IndexIVF*>(&index)) {
        add_ivf_tables(*ivf, owner, options, tables);
    } else if (auto* hnsw = dynamic_cast<const IndexHNSW*>(&index)) {
        add_storage_tables(*hnsw->storage, owner, options.batch_size, tables);
        Json entries;
        TableOut t = hnsw_graph_table(*hnsw, owner, options, entries);
        std::string type = dynamic_cast<const IndexHNSWPQ*>(hnsw)   ? "IVF_HNSW_PQ"
                           : dynamic_cast<const IndexHNSWSQ*>(hnsw) ? "IVF_HNSW_SQ"
                                                                    : "IVF_HNSW_FLAT";
        t.metadata = {{"lance:index",
                       Json::object().set("type", type).set("distance_type", distance_type(hnsw->metric_type)).dump()},
                      {"lance:hnsw", entries.dump()}};
        tables["index"] = std::move(t);
    } else if (auto* idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        add_tables(*idmap->index, owner, options, tables);
        FAISSLIKE_THROW_IF_NOT_MSG(!tables.count("idmap"), "index bundles do not support nested IndexIDMap wrappers");
        tables["idmap"] = idmap_table(*idmap, owner, options.batch_size);
    } else if (auto* pt = dynamic_cast<const IndexPreTransform*>(&index)) {
        add_tables(*pt->index, owner, options, tables);
        FAISSLIKE_THROW_IF_NOT_MSG(!tables.count("transform"),
                                   "index bundles do not support nested IndexPreTransform wrappers");
        tables["transform"] = transform_table(*pt);
    } else if (auto* refine = dynamic_cast<const IndexRefineFlat*>(&index)) {
        add_tables(*refine->base_index, owner, options, tables);
        FAISSLIKE_THROW_IF_NOT_MSG(!tables.count("data"), "IndexRefineFlat over an IndexFlat is not supported");
        tables["data"] = flat_codes_table(*static_cast<const IndexFlat*>(refine->refine_index), "vector", true, owner,
                                          options.batch_size);
        tables["data"].metadata = {{"faisslike:format", "1"}};
    }
}

} // namespace

IndexBundle export_index_bundle(const Index& index, Owner owner, const BundleExportOptions& options) {
    FAISSLIKE_THROW_IF_NOT_FMT(options.batch_size > 0, "export_index_bundle: batch_size must be > 0, got %lld",
                               (long long)options.batch_size);
    const std::string description = describe(index).dump();
    std::map<std::string, TableOut> tables;
    add_tables(index, owner, options, tables);
    IndexBundle bundle;
    for (auto& [name, t] : tables) {
        t.metadata.emplace_back(kIndexKey, description);
        FieldSpec schema = record_batch_schema(std::move(t.columns), std::move(t.metadata));
        StreamOwner stream;
        if (owner) {
            // Lazy: each batch is made when the consumer asks for it.
            size_t next = 0;
            auto make = std::move(t.batch);
            size_t count = t.count;
            export_stream(std::move(schema),
                          [make, next, count](ArraySpec& b) mutable {
                              if (next == count) {
                                  return false;
                              }
                              b = make(next++);
                              return true;
                          },
                          stream.get());
        } else {
            // Copies now: the stream must not depend on the index.
            std::vector<ArraySpec> batches;
            for (size_t i = 0; i < t.count; i++) {
                batches.push_back(t.batch(i));
            }
            export_stream(std::move(schema), std::move(batches), stream.get());
        }
        bundle.tables[name] = std::move(stream);
    }
    return bundle;
}

IndexBundle export_index_bundle(std::shared_ptr<const Index> index, const BundleExportOptions& options) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "export_index_bundle: null index");
    const Index& ref = *index;
    return export_index_bundle(ref, Owner(std::move(index)), options);
}

/******************************************************************* import */

namespace {

using Tables = std::map<std::string, ImportedTable>;

const ImportedTable& require_table(const Tables& tables, const std::string& name, const std::string& cls) {
    auto it = tables.find(name);
    if (it == tables.end()) {
        FAISSLIKE_THROW_FMT("index bundle of %s lacks the table '%s'", cls.c_str(), name.c_str());
    }
    return it->second;
}

/// Checks the JSON fields a description must have and gives the common ones.
struct Common {
    std::string cls;
    int d;
    MetricType metric;
    idx_t ntotal;
    bool is_trained;
};

Common common_of(const Json& j) {
    Common c;
    c.cls = j.at("class").as_string();
    int64_t d = j.at("d").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(d > 0 && d <= (1 << 20), "faisslike:index: dimension %lld out of range", (long long)d);
    c.d = int(d);
    c.metric = parse_metric(j.at("metric").as_string());
    c.ntotal = j.at("ntotal").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(c.ntotal >= 0, "faisslike:index: ntotal %lld", (long long)c.ntotal);
    c.is_trained = j.at("is_trained").as_bool();
    return c;
}

void set_common(Index& index, const Common& c) {
    index.d = c.d;
    index.metric_type = c.metric;
    index.is_trained = c.is_trained;
}

std::vector<float> floats_of(const Json& a) {
    std::vector<float> v(a.size());
    for (size_t i = 0; i < v.size(); i++) {
        v[i] = a.at(i).as_float();
    }
    return v;
}

void read_sq(ScalarQuantizer& sq, const Json& j, int d) {
    int64_t qtype = j.at("qtype").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(qtype >= ScalarQuantizer::QT_8bit && qtype <= ScalarQuantizer::QT_8bit_direct_signed,
                               "faisslike:index: scalar quantizer type %lld unknown", (long long)qtype);
    int64_t rs = j.at("rangestat").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(rs >= ScalarQuantizer::RS_minmax && rs <= ScalarQuantizer::RS_optim,
                               "faisslike:index: range statistic %lld unknown", (long long)rs);
    sq = ScalarQuantizer(size_t(d), ScalarQuantizer::QuantizerType(qtype));
    sq.rangestat = ScalarQuantizer::RangeStat(rs);
    sq.rangestat_arg = j.at("rangestat_arg").as_float();
    FAISSLIKE_THROW_IF_NOT_FMT(j.at("code_size").as_int() == int64_t(sq.code_size),
                               "faisslike:index: scalar quantizer code size %lld, its type gives %zu",
                               (long long)j.at("code_size").as_int(), sq.code_size);
    sq.trained = floats_of(j.at("trained"));
    FAISSLIKE_THROW_IF_NOT_FMT(sq.trained.empty() || sq.is_trained(),
                               "faisslike:index: scalar quantizer has %zu trained values", sq.trained.size());
}

ProductQuantizer read_pq(const Json& j, int d, const Tables& tables, const std::string& cls) {
    int64_t M = j.at("M").as_int(), nbits = j.at("nbits").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(M > 0 && M <= d && d % M == 0 && nbits >= 1 && nbits <= 16,
                               "faisslike:index: PQ with M = %lld, nbits = %lld for d = %d", (long long)M,
                               (long long)nbits, d);
    ProductQuantizer pq{size_t(d), size_t(M), size_t(nbits)};
    const ImportedTable& t = require_table(tables, "codebook", cls);
    FAISSLIKE_THROW_IF_NOT_FMT(t.require_metadata("num_subvectors") == std::to_string(M) &&
                                       t.require_metadata("nbits") == std::to_string(nbits),
                               "table 'codebook': num_subvectors / nbits metadata (%s / %s) disagree with M = %lld, "
                               "nbits = %lld",
                               t.require_metadata("num_subvectors").c_str(), t.require_metadata("nbits").c_str(),
                               (long long)M, (long long)nbits);
    FAISSLIKE_THROW_IF_NOT_FMT(t.num_rows() == int64_t(pq.ksub), "table 'codebook' has %lld rows, 2^nbits = %zu expected",
                               (long long)t.num_rows(), pq.ksub);
    int col = t.require_column("codebook");
    pq.centroids.clear();
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        const float* x = r.fixed_size_list<float>(col, d);
        pq.centroids.insert(pq.centroids.end(), x, x + r.length() * d);
    }
    return pq;
}

/// Reads the rows of a table with an `id` column and a code column of
/// `width` values of T, in order; ids must be 0, 1, ... when `sequential`.
template <class T>
void read_codes(const ImportedTable& t, const char* column, int64_t width, idx_t expect_rows,
                std::vector<uint8_t>& codes) {
    FAISSLIKE_THROW_IF_NOT_FMT(t.num_rows() == expect_rows, "table '%s' has %lld rows, ntotal is %lld",
                               t.name.c_str(), (long long)t.num_rows(), (long long)expect_rows);
    int id = t.require_column("id"), col = t.require_column(column);
    codes.clear();
    codes.reserve(size_t(expect_rows * width) * sizeof(T));
    idx_t next = 0;
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        const int64_t* ids = r.primitive<int64_t>(id);
        const T* x = r.fixed_size_list<T>(col, width);
        for (int64_t i = 0; i < r.length(); i++, next++) {
            FAISSLIKE_THROW_IF_NOT_FMT(ids[i] == next,
                                       "table '%s': row %lld has id %lld; this index numbers its rows 0, 1, ...",
                                       t.name.c_str(), (long long)next, (long long)ids[i]);
        }
        const uint8_t* bytes = reinterpret_cast<const uint8_t*>(x);
        codes.insert(codes.end(), bytes, bytes + size_t(r.length() * width) * sizeof(T));
    }
}

std::unique_ptr<IndexFlat> read_flat(const ImportedTable& t, const Common& c) {
    auto flat = std::make_unique<IndexFlat>(c.d, c.metric);
    std::vector<uint8_t> codes;
    read_codes<float>(t, t.name == "data" ? "vector" : "flat", c.d, c.ntotal, codes);
    flat->add(c.ntotal, reinterpret_cast<const float*>(codes.data()));
    return flat;
}

/// The settings every graph of an index shares (graph_settings_json).
void read_graph_settings(HNSW& h, const Json& j) {
    h.efConstruction = int(j.at("efConstruction").as_int());
    h.efSearch = int(j.at("efSearch").as_int());
    FAISSLIKE_THROW_IF_NOT_FMT(h.efConstruction > 0 && h.efSearch > 0, "faisslike:index: HNSW efConstruction %d / efSearch %d",
                               h.efConstruction, h.efSearch);
    h.check_relative_distance = j.at("check_relative_distance").as_bool();
    h.search_bounded_queue = j.at("search_bounded_queue").as_bool();
    const Json& cum = j.at("cum_nneighbor_per_level");
    FAISSLIKE_THROW_IF_NOT_MSG(cum.size() >= 2 && cum.size() <= 65, "faisslike:index: bad HNSW neighbour table");
    h.cum_nneighbor_per_level.clear();
    for (size_t l = 0; l < cum.size(); l++) {
        int64_t v = cum.at(l).as_int();
        FAISSLIKE_THROW_IF_NOT_MSG(v >= 0 && v <= (1 << 20) && (l == 0 ? v == 0 : v >= h.cum_nneighbor_per_level.back()),
                                   "faisslike:index: HNSW neighbour counts are not increasing");
        h.cum_nneighbor_per_level.push_back(int(v));
    }
    h.assign_probas.clear();
    for (size_t l = 0; l < j.at("assign_probas").size(); l++) {
        h.assign_probas.push_back(j.at("assign_probas").at(l).as_double());
    }
}

/// One row of an HNSW table: a node on one level and its neighbours.
struct GraphRow {
    uint32_t part;
    uint32_t node;
    const uint32_t* nb;
    size_t count;
};

/// Every row of an HNSW table, in order (the batches stay alive in `t`).
std::vector<GraphRow> graph_rows(const ImportedTable& t) {
    const int part = t.require_column("__ivf_part_id"), vid = t.require_column("__vector_id"),
              nbc = t.require_column("__neighbors");
    std::vector<GraphRow> rows;
    rows.reserve(size_t(t.num_rows()));
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        const uint32_t* parts = r.primitive<uint32_t>(part);
        const uint32_t* ids = r.primitive<uint32_t>(vid);
        ListColumn<uint32_t> lists = r.list<uint32_t>(nbc);
        for (int64_t i = 0; i < r.length(); i++) {
            rows.push_back({parts[i], ids[i], lists.row(i), lists.row_size(i)});
        }
    }
    return rows;
}

/// The graph of partition `part` (ntotal nodes) from its rows (level 0
/// first, then level 1, ...) and its lance:hnsw entry; h already holds the
/// settings. The entry point comes from the entry.
void read_graph_part(HNSW& h, const Json& entry, const GraphRow* rows, size_t nrows, uint32_t part, idx_t ntotal,
                     const char* tn) {
    const Json& lo = entry.at("level_offsets");
    const size_t nlevels = lo.size() ? lo.size() - 1 : 0;
    FAISSLIKE_THROW_IF_NOT_FMT(nlevels + 1 <= h.cum_nneighbor_per_level.size(),
                               "table '%s': %zu levels, the neighbour table has %zu", tn, nlevels,
                               h.cum_nneighbor_per_level.size() - 1);
    FAISSLIKE_THROW_IF_NOT_FMT(entry.at("params").at("max_level").as_int() == int64_t(nlevels),
                               "table '%s': lance:hnsw max_level disagrees with level_offsets", tn);
    std::vector<int64_t> level_start;
    for (size_t l = 0; l <= nlevels; l++) {
        level_start.push_back(lo.at(l).as_int());
        FAISSLIKE_THROW_IF_NOT_FMT(l == 0 ? level_start[0] == 0 : level_start[l] >= level_start[l - 1],
                                   "table '%s': level_offsets are not increasing from 0", tn);
    }
    FAISSLIKE_THROW_IF_NOT_FMT(uint64_t(level_start.back()) == nrows,
                               "table '%s': partition %u has %zu rows, level_offsets say %lld", tn, part, nrows,
                               (long long)level_start.back());
    FAISSLIKE_THROW_IF_NOT_FMT(ntotal == 0 ? nlevels == 0 : nlevels >= 1 && level_start[1] == ntotal,
                               "table '%s': level 0 of partition %u must list its %lld nodes", tn, part,
                               (long long)ntotal);
    for (size_t r = 0; r < nrows; r++) {
        FAISSLIKE_THROW_IF_NOT_FMT(rows[r].part == part, "table '%s': a row of partition %u among those of %u", tn,
                                   rows[r].part, part);
    }
    h.levels.assign(size_t(ntotal), 0);
    for (size_t l = 0; l < nlevels; l++) {
        for (int64_t r = level_start[l]; r < level_start[l + 1]; r++) {
            uint32_t node = rows[size_t(r)].node;
            bool ordered = r == level_start[l] || node > rows[size_t(r - 1)].node;
            FAISSLIKE_THROW_IF_NOT_FMT(idx_t(node) < ntotal && ordered && h.levels[node] == int(l),
                                       "table '%s': level %zu row %lld names node %u (nodes must be increasing and "
                                       "present on every level below)",
                                       tn, l, (long long)r, node);
            h.levels[node] = int(l) + 1;
        }
    }
    h.offsets.assign(size_t(ntotal) + 1, 0);
    for (idx_t i = 0; i < ntotal; i++) {
        h.offsets[size_t(i) + 1] = h.offsets[size_t(i)] + size_t(h.cum_nneighbor_per_level[size_t(h.levels[size_t(i)])]);
    }
    h.neighbors.assign(h.offsets.back(), -1);
    for (size_t l = 0; l < nlevels; l++) {
        for (int64_t r = level_start[l]; r < level_start[l + 1]; r++) {
            const GraphRow& row = rows[size_t(r)];
            size_t begin, end;
            h.neighbor_range(row.node, int(l), &begin, &end);
            FAISSLIKE_THROW_IF_NOT_FMT(row.count <= end - begin,
                                       "table '%s': node %u has %zu neighbours on level %zu, at most %zu fit", tn,
                                       row.node, row.count, l, end - begin);
            for (size_t s = 0; s < row.count; s++) {
                FAISSLIKE_THROW_IF_NOT_FMT(idx_t(row.nb[s]) < ntotal, "table '%s': neighbour %u outside the graph", tn,
                                           row.nb[s]);
                h.neighbors[begin + s] = HNSW::storage_idx_t(row.nb[s]);
            }
        }
    }
    h.entry_point = HNSW::storage_idx_t(entry.at("entry_point").as_int());
    h.max_level = int(nlevels) - 1;
    if (ntotal == 0) {
        FAISSLIKE_THROW_IF_NOT_FMT(h.entry_point == -1, "table '%s': empty partition %u with an entry point", tn, part);
    } else {
        FAISSLIKE_THROW_IF_NOT_FMT(h.entry_point >= 0 && h.entry_point < ntotal &&
                                           h.max_level == h.levels[size_t(h.entry_point)] - 1,
                                   "table '%s': partition %u: HNSW entry point %d is not a node of the top level %d",
                                   tn, part, int(h.entry_point), h.max_level);
    }
}

/// The one graph (partition 0) of an IndexHNSW or HNSW quantizer table.
void read_graph(HNSW& h, const Json& j, const ImportedTable& t, idx_t ntotal) {
    const char* tn = t.name.c_str();
    read_graph_settings(h, j);
    Json entries = Json::parse(t.require_metadata("lance:hnsw"));
    FAISSLIKE_THROW_IF_NOT_FMT(entries.size() == 1, "table '%s': lance:hnsw must list one partition, not %zu", tn,
                               entries.size());
    std::vector<GraphRow> rows = graph_rows(t);
    read_graph_part(h, Json::parse(entries.at(0).as_string()), rows.data(), rows.size(), 0, ntotal, tn);
    FAISSLIKE_THROW_IF_NOT_FMT(j.at("entry_point").as_int() == h.entry_point && j.at("max_level").as_int() == h.max_level,
                               "table '%s': lance:hnsw entry point disagrees with faisslike:index", tn);
}

void read_hnsw_fields(IndexHNSW& idx, const Json& j) {
    idx.keep_max_size_level0 = j.at("keep_max_size_level0").as_bool();
    idx.filter_scan_threshold = j.at("filter_scan_threshold").as_int();
}

std::unique_ptr<Index> build(const Json& j, const Tables& tables);

/// The storage index of a non-IVF index, from `auxiliary` (+ `codebook`).
std::unique_ptr<Index> build_storage(const Json& j, const Tables& tables) {
    Common c = common_of(j);
    const ImportedTable& aux = require_table(tables, "auxiliary", c.cls);
    if (c.cls == "IndexFlat") {
        auto flat = read_flat(aux, c);
        set_common(*flat, c);
        return flat;
    }
    if (c.cls == "IndexScalarQuantizer") {
        auto idx = std::make_unique<IndexScalarQuantizer>();
        set_common(*idx, c);
        read_sq(idx->sq, j.at("sq"), c.d);
        idx->code_size = idx->sq.code_size;
        std::vector<uint8_t> codes;
        read_codes<uint8_t>(aux, "__sq_code", int64_t(idx->code_size), c.ntotal, codes);
        idx->codes = std::move(codes);
        idx->ntotal = c.ntotal;
        return idx;
    }
    if (c.cls == "IndexPQ") {
        auto idx = std::make_unique<IndexPQ>();
        set_common(*idx, c);
        idx->pq = read_pq(j.at("pq"), c.d, tables, c.cls);
        idx->polysemous_ht = int(j.at("polysemous_ht").as_int());
        idx->code_size = idx->pq.code_size;
        std::vector<uint8_t> codes;
        read_codes<uint8_t>(aux, "__pq_code", int64_t(idx->code_size), c.ntotal, codes);
        idx->codes = std::move(codes);
        idx->ntotal = c.ntotal;
        return idx;
    }
    FAISSLIKE_THROW_FMT("faisslike:index: unknown storage class \"%s\"", c.cls.c_str());
}

std::unique_ptr<IndexIVF> build_ivf(const Json& j, const Common& c, const Tables& tables) {
    const int64_t nlist64 = j.at("nlist").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(nlist64 > 0 && nlist64 < (int64_t(1) << 31), "faisslike:index: nlist %lld",
                               (long long)nlist64);
    const size_t nlist = size_t(nlist64);
    const ImportedTable& ivft = require_table(tables, "ivf", c.cls);
    FAISSLIKE_THROW_IF_NOT_FMT(ivft.num_rows() == nlist64, "table 'ivf' has %lld rows for nlist = %lld",
                               (long long)ivft.num_rows(), (long long)nlist64);

    // Centroids and list sizes.
    std::vector<float> centroids;
    std::vector<uint64_t> offsets;
    std::vector<uint32_t> lengths;
    {
        int part = ivft.require_column("__ivf_part_id"), cen = ivft.require_column("centroids"),
            off = ivft.require_column("offsets"), len = ivft.require_column("lengths");
        for (size_t b = 0; b < ivft.batches.size(); b++) {
            BatchReader r(ivft, b);
            const uint32_t* parts = r.primitive<uint32_t>(part);
            const float* x = r.fixed_size_list<float>(cen, c.d);
            const uint64_t* o = r.primitive<uint64_t>(off);
            const uint32_t* ln = r.primitive<uint32_t>(len);
            for (int64_t i = 0; i < r.length(); i++) {
                FAISSLIKE_THROW_IF_NOT_FMT(parts[i] == lengths.size(), "table 'ivf': row %zu has __ivf_part_id %u",
                                           lengths.size(), parts[i]);
                offsets.push_back(o[i]);
                lengths.push_back(ln[i]);
            }
            centroids.insert(centroids.end(), x, x + r.length() * c.d);
        }
    }

    // Coarse quantizer.
    const Json& qj = j.at("quantizer");
    const std::string qcls = qj.at("class").as_string();
    const MetricType qmetric = parse_metric(qj.at("metric").as_string());
    FAISSLIKE_THROW_IF_NOT_MSG(qj.at("d").as_int() == c.d, "faisslike:index: quantizer dimension differs");
    std::unique_ptr<Index> quantizer;
    if (qcls == "IndexFlat") {
        auto q = std::make_unique<IndexFlat>(c.d, qmetric);
        q->add(idx_t(nlist), centroids.data());
        quantizer = std::move(q);
    } else if (qcls == "IndexHNSWFlat") {
        auto q = std::make_unique<IndexHNSWFlat>();
        q->d = c.d;
        q->metric_type = qmetric;
        auto storage = std::make_unique<IndexFlat>(c.d, qmetric);
        storage->add(idx_t(nlist), centroids.data());
        q->storage = storage.release();
        q->own_fields = true;
        read_graph(q->hnsw, qj.at("hnsw"), require_table(tables, "quantizer", c.cls), idx_t(nlist));
        read_hnsw_fields(*q, qj.at("hnsw"));
        q->ntotal = idx_t(nlist);
        quantizer = std::move(q);
    } else {
        FAISSLIKE_THROW_FMT("faisslike:index: unknown quantizer class \"%s\"", qcls.c_str());
    }

    std::unique_ptr<IndexIVF> ivf;
    const char* column;
    if (c.cls == "IndexIVFFlat") {
        ivf = std::make_unique<IndexIVFFlat>(quantizer.get(), size_t(c.d), nlist, c.metric);
        column = "flat";
    } else if (c.cls == "IndexIVFPQ") {
        ProductQuantizer pq = read_pq(j.at("pq"), c.d, tables, c.cls);
        auto p = std::make_unique<IndexIVFPQ>(quantizer.get(), size_t(c.d), nlist, pq.M, pq.nbits, c.metric);
        p->pq = std::move(pq);
        p->use_precomputed_table = int(j.at("use_precomputed_table").as_int());
        p->scan_table_threshold = size_t(j.at("scan_table_threshold").as_int());
        p->polysemous_ht = int(j.at("polysemous_ht").as_int());
        ivf = std::move(p);
        column = "__pq_code";
    } else {
        ScalarQuantizer sq;
        read_sq(sq, j.at("sq"), c.d);
        auto s = std::make_unique<IndexIVFScalarQuantizer>(quantizer.get(), size_t(c.d), nlist, sq.qtype, c.metric,
                                                           j.at("by_residual").as_bool());
        s->sq = std::move(sq);
        ivf = std::move(s);
        column = "__sq_code";
    }
    ivf->own_fields = true;
    quantizer.release();
    set_common(*ivf, c);
    ivf->nprobe = size_t(std::max<int64_t>(1, j.at("nprobe").as_int()));
    ivf->max_codes = size_t(j.at("max_codes").as_int());
    ivf->parallel_mode = int(j.at("parallel_mode").as_int());
    ivf->by_residual = j.at("by_residual").as_bool();
    FAISSLIKE_THROW_IF_NOT_FMT(j.at("code_size").as_int() == int64_t(ivf->code_size),
                               "faisslike:index: code size %lld, the quantizer gives %zu",
                               (long long)j.at("code_size").as_int(), ivf->code_size);

    // Codes: rows ordered by list, then position; batch boundaries do not matter.
    const ImportedTable& aux = require_table(tables, "auxiliary", c.cls);
    FAISSLIKE_THROW_IF_NOT_FMT(aux.num_rows() == c.ntotal, "table 'auxiliary' has %lld rows, ntotal is %lld",
                               (long long)aux.num_rows(), (long long)c.ntotal);
    const bool floats = c.cls == "IndexIVFFlat";
    const int64_t width = floats ? c.d : int64_t(ivf->code_size);
    int id = aux.require_column("id"), part = aux.require_column("__ivf_part_id"), code = aux.require_column(column);
    InvertedLists* il = ivf->invlists;
    int64_t prev = 0;
    for (size_t b = 0; b < aux.batches.size(); b++) {
        BatchReader r(aux, b);
        const int64_t* ids = r.primitive<int64_t>(id);
        const uint32_t* parts = r.primitive<uint32_t>(part);
        const uint8_t* codes = floats ? reinterpret_cast<const uint8_t*>(r.fixed_size_list<float>(code, width))
                                      : r.fixed_size_list<uint8_t>(code, width);
        const size_t row_bytes = ivf->code_size;
        int64_t i = 0;
        while (i < r.length()) {
            int64_t l = parts[i];
            FAISSLIKE_THROW_IF_NOT_FMT(l < nlist64 && l >= prev,
                                       "table 'auxiliary': __ivf_part_id %lld after %lld (rows must be ordered by "
                                       "list, and lists < nlist = %zu)",
                                       (long long)l, (long long)prev, nlist);
            int64_t e = i;
            while (e < r.length() && int64_t(parts[e]) == l) {
                e++;
            }
            il->add_entries(size_t(l), size_t(e - i), ids + i, codes + size_t(i) * row_bytes);
            prev = l;
            i = e;
        }
    }
    uint64_t acc = 0;
    for (size_t l = 0; l < nlist; l++) {
        FAISSLIKE_THROW_IF_NOT_FMT(il->list_size(l) == lengths[l] && offsets[l] == acc,
                                   "table 'ivf': list %zu has offset %llu and length %u, the codes give %llu and %zu",
                                   l, (unsigned long long)offsets[l], lengths[l], (unsigned long long)acc,
                                   il->list_size(l));
        acc += lengths[l];
    }
    ivf->ntotal = c.ntotal;
    int64_t dm = j.at("direct_map").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(dm >= 0 && dm <= 2, "faisslike:index: direct map type %lld", (long long)dm);
    if (dm != 0) {
        ivf->set_direct_map_type(DirectMap::Type(dm));
    }
    if (auto* p = dynamic_cast<IndexIVFPQ*>(ivf.get()); p && p->is_trained) {
        p->precompute_table();
    }
    return ivf;
}

/// IndexIVFHNSW: the IVF from its tables, then each list's graph from the
/// rows of `index` that the `ivf` table's index_offsets / index_lengths name.
std::unique_ptr<Index> build_ivf_hnsw(const Json& j, const Common& c, const Tables& tables) {
    const Json& ij = j.at("ivf");
    Common ic = common_of(ij);
    FAISSLIKE_THROW_IF_NOT_FMT(ic.cls == "IndexIVFFlat" || ic.cls == "IndexIVFPQ" || ic.cls == "IndexIVFScalarQuantizer",
                               "faisslike:index: IndexIVFHNSW over a %s", ic.cls.c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(ic.d == c.d && ic.metric == c.metric && ic.ntotal == c.ntotal,
                               "faisslike:index: IndexIVFHNSW (d %d, ntotal %lld) and its IVF (d %d, ntotal %lld) differ",
                               c.d, (long long)c.ntotal, ic.d, (long long)ic.ntotal);
    std::unique_ptr<IndexIVF> ivf = build_ivf(ij, ic, tables);
    const Json& hj = j.at("hnsw");
    const int64_t M = hj.at("M").as_int();
    FAISSLIKE_THROW_IF_NOT_FMT(M >= 2 && M <= (1 << 16), "faisslike:index: HNSW M %lld", (long long)M);
    auto idx = std::make_unique<IndexIVFHNSW>();
    set_common(*idx, c);
    idx->M = int(M);
    HNSW settings(idx->M);
    read_graph_settings(settings, hj);
    idx->efConstruction = settings.efConstruction;
    idx->efSearch = settings.efSearch;

    // Where each list's graph lies in `index`.
    const size_t nlist = ivf->nlist;
    const ImportedTable& ivft = require_table(tables, "ivf", c.cls);
    std::vector<uint64_t> first;
    std::vector<uint32_t> count;
    {
        int off = ivft.require_column("index_offsets"), len = ivft.require_column("index_lengths");
        for (size_t b = 0; b < ivft.batches.size(); b++) {
            BatchReader r(ivft, b);
            const uint64_t* o = r.primitive<uint64_t>(off);
            const uint32_t* ln = r.primitive<uint32_t>(len);
            first.insert(first.end(), o, o + r.length());
            count.insert(count.end(), ln, ln + r.length());
        }
    }
    const ImportedTable& it = require_table(tables, "index", c.cls);
    std::vector<GraphRow> rows = graph_rows(it);
    Json entries = Json::parse(it.require_metadata("lance:hnsw"));
    FAISSLIKE_THROW_IF_NOT_FMT(entries.size() == nlist && first.size() == nlist,
                               "table 'index': lance:hnsw lists %zu partitions for %zu inverted lists", entries.size(),
                               nlist);
    idx->graphs.assign(nlist, settings);
    uint64_t next = 0;
    for (size_t l = 0; l < nlist; l++) {
        FAISSLIKE_THROW_IF_NOT_FMT(first[l] == next && count[l] <= rows.size() - next,
                                   "table 'ivf': partition %zu has index_offsets %llu and index_lengths %u, expected "
                                   "%llu and at most %zu",
                                   l, (unsigned long long)first[l], count[l], (unsigned long long)next,
                                   rows.size() - size_t(next));
        read_graph_part(idx->graphs[l], Json::parse(entries.at(l).as_string()), rows.data() + next, count[l],
                        uint32_t(l), idx_t(ivf->invlists->list_size(l)), "index");
        next += count[l];
    }
    FAISSLIKE_THROW_IF_NOT_FMT(next == rows.size(), "table 'index' has %zu rows, the partitions %llu", rows.size(),
                               (unsigned long long)next);
    idx->ivf = ivf.release();
    idx->own_fields = true;
    idx->ntotal = c.ntotal;
    return idx;
}

/// The wrapped index of an IDMap / PreTransform description, checked
/// against the wrapper's ntotal and (when d is not -1) dimension.
std::unique_ptr<Index> build_base(const Json& j, const Common& c, int d, const Tables& tables) {
    auto base = build(j.at("base"), tables);
    FAISSLIKE_THROW_IF_NOT_FMT(base->ntotal == c.ntotal && (d < 0 || base->d == d),
                               "faisslike:index: %s over an index of d %d / ntotal %lld (expected %d / %lld)",
                               c.cls.c_str(), base->d, (long long)base->ntotal, d, (long long)c.ntotal);
    return base;
}

std::unique_ptr<Index> build_idmap(const Json& j, const Common& c, const Tables& tables) {
    auto base = build_base(j, c, c.d, tables);
    const ImportedTable& t = require_table(tables, "idmap", c.cls);
    FAISSLIKE_THROW_IF_NOT_FMT(t.num_rows() == c.ntotal, "table 'idmap' has %lld rows, ntotal is %lld",
                               (long long)t.num_rows(), (long long)c.ntotal);
    std::unique_ptr<IndexIDMap> idx =
            c.cls == "IndexIDMap2" ? std::make_unique<IndexIDMap2>() : std::make_unique<IndexIDMap>();
    const int id = t.require_column("id");
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        const int64_t* ids = r.primitive<int64_t>(id);
        idx->id_map.insert(idx->id_map.end(), ids, ids + r.length());
    }
    set_common(*idx, c);
    idx->index = base.release();
    idx->own_fields = true;
    idx->ntotal = c.ntotal;
    if (auto* idmap2 = dynamic_cast<IndexIDMap2*>(idx.get())) {
        idmap2->construct_rev_map();
        FAISSLIKE_THROW_IF_NOT_FMT(idmap2->rev_map.size() == idmap2->id_map.size(),
                                   "table 'idmap': %zu ids but %zu distinct ones (IndexIDMap2 needs unique ids)",
                                   idmap2->id_map.size(), idmap2->rev_map.size());
    }
    return idx;
}

std::unique_ptr<Index> build_pretransform(const Json& j, const Common& c, const Tables& tables) {
    const Json& chain = j.at("chain");
    const ImportedTable& t = require_table(tables, "transform", c.cls);
    FAISSLIKE_THROW_IF_NOT_FMT(chain.size() >= 1 && t.num_rows() == int64_t(chain.size()),
                               "table 'transform' has %lld rows for a chain of %zu transforms",
                               (long long)t.num_rows(), chain.size());
    auto idx = std::make_unique<IndexPreTransform>();
    set_common(*idx, c);
    idx->own_fields = true;
    const int col = t.require_column("transform");
    int d = c.d;
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        ListColumn<uint8_t> blocks = r.list<uint8_t>(col);
        for (int64_t i = 0; i < r.length(); i++) {
            BufferIOReader reader(blocks.row(i), blocks.row_size(i));
            reader.name = "table 'transform'";
            std::unique_ptr<VectorTransform> vt(read_VectorTransform(&reader));
            const Json& expect = chain.at(idx->chain.size());
            FAISSLIKE_THROW_IF_NOT_FMT(vt->d_in == d && vt->d_in == expect.at("d_in").as_int() &&
                                               vt->d_out == expect.at("d_out").as_int(),
                                       "table 'transform': transform %zu maps %d to %d dimensions, the chain "
                                       "expects %d to %lld",
                                       idx->chain.size(), vt->d_in, vt->d_out, d,
                                       (long long)expect.at("d_out").as_int());
            d = vt->d_out;
            idx->chain.push_back(vt.release());
        }
    }
    idx->index = build_base(j, c, d, tables).release();
    idx->ntotal = c.ntotal;
    return idx;
}

std::unique_ptr<Index> build(const Json& j, const Tables& tables) {
    FAISSLIKE_THROW_IF_NOT_FMT(j.at("format").as_int() == kFormat, "faisslike:index format %lld is not supported (%d is)",
                               (long long)j.at("format").as_int(), kFormat);
    Common c = common_of(j);
    if (c.cls == "IndexFlat") {
        auto flat = read_flat(require_table(tables, "data", c.cls), c);
        set_common(*flat, c);
        return flat;
    }
    if (c.cls == "IndexScalarQuantizer" || c.cls == "IndexPQ") {
        return build_storage(j, tables);
    }
    if (c.cls == "IndexIVFFlat" || c.cls == "IndexIVFPQ" || c.cls == "IndexIVFScalarQuantizer") {
        return build_ivf(j, c, tables);
    }
    if (c.cls == "IndexHNSWFlat" || c.cls == "IndexHNSWPQ" || c.cls == "IndexHNSWSQ") {
        const Json& sj = j.at("storage");
        const std::string scls = sj.at("class").as_string();
        const char* want = c.cls == "IndexHNSWFlat" ? "IndexFlat" : c.cls == "IndexHNSWPQ" ? "IndexPQ" : "IndexScalarQuantizer";
        FAISSLIKE_THROW_IF_NOT_FMT(scls == want, "faisslike:index: %s with a %s storage", c.cls.c_str(), scls.c_str());
        std::unique_ptr<IndexHNSW> idx;
        if (c.cls == "IndexHNSWFlat") {
            idx = std::make_unique<IndexHNSWFlat>();
        } else if (c.cls == "IndexHNSWPQ") {
            idx = std::make_unique<IndexHNSWPQ>();
        } else {
            idx = std::make_unique<IndexHNSWSQ>();
        }
        set_common(*idx, c);
        auto storage = build_storage(sj, tables);
        FAISSLIKE_THROW_IF_NOT_FMT(storage->d == c.d && storage->ntotal == c.ntotal,
                                   "faisslike:index: HNSW storage of d %d / ntotal %lld for d %d / ntotal %lld",
                                   storage->d, (long long)storage->ntotal, c.d, (long long)c.ntotal);
        idx->storage = storage.release();
        idx->own_fields = true;
        read_graph(idx->hnsw, j.at("hnsw"), require_table(tables, "index", c.cls), c.ntotal);
        read_hnsw_fields(*idx, j.at("hnsw"));
        idx->ntotal = c.ntotal;
        return idx;
    }
    if (c.cls == "IndexIVFHNSW") {
        return build_ivf_hnsw(j, c, tables);
    }
    if (c.cls == "IndexIDMap" || c.cls == "IndexIDMap2") {
        return build_idmap(j, c, tables);
    }
    if (c.cls == "IndexPreTransform") {
        return build_pretransform(j, c, tables);
    }
    if (c.cls == "IndexRefineFlat") {
        auto base = build(j.at("base"), tables);
        auto refine = read_flat(require_table(tables, "data", c.cls), c);
        FAISSLIKE_THROW_IF_NOT_FMT(base->ntotal == c.ntotal && base->d == c.d,
                                   "faisslike:index: refine base holds %lld vectors for ntotal %lld",
                                   (long long)base->ntotal, (long long)c.ntotal);
        auto idx = std::make_unique<IndexRefineFlat>();
        set_common(*idx, c);
        idx->base_index = base.release();
        idx->own_fields = true;
        idx->refine_index = refine.release();
        idx->own_refine_index = true;
        idx->k_factor = j.at("refine").at("k_factor").as_float();
        idx->ntotal = c.ntotal;
        return idx;
    }
    FAISSLIKE_THROW_FMT("faisslike:index: unknown index class \"%s\"", c.cls.c_str());
}

} // namespace

std::unique_ptr<Index> import_index_bundle(IndexBundle& bundle) {
    static const char* const known[] = {"ivf",       "codebook", "auxiliary", "index",
                                        "quantizer", "data",     "idmap",     "transform"};
    Tables tables;
    for (auto& entry : bundle.tables) {
        const std::string& name = entry.first; // not a structured binding: lambdas capture it (C++17)
        auto& stream = entry.second;
        if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return name == k; }) ==
            std::end(known)) {
            FAISSLIKE_THROW_FMT("index bundle: unknown table '%s' (tables are ivf, codebook, auxiliary, index, "
                                "quantizer, data, idmap, transform)",
                                name.c_str());
        }
        tables.emplace(name, read_stream(stream.get(), name));
    }
    FAISSLIKE_THROW_IF_NOT_MSG(!tables.empty(), "index bundle has no tables");
    const std::string* description = nullptr;
    for (const auto& [name, t] : tables) {
        const std::string& d = t.require_metadata(kIndexKey);
        if (description && d != *description) {
            FAISSLIKE_THROW_FMT("index bundle: table '%s' describes another index than table '%s' (%s differs)",
                                name.c_str(), tables.begin()->first.c_str(), kIndexKey);
        }
        description = &d;
    }
    Json j;
    try {
        j = Json::parse(*description);
        return build(j, tables);
    } catch (const FaisslikeException& e) {
        // Name the failing part for JSON errors, which have no table context.
        if (e.msg().find("JSON") != std::string::npos) {
            FAISSLIKE_THROW_FMT("index bundle: malformed %s metadata: %s", kIndexKey, e.msg().c_str());
        }
        throw;
    }
}

} // namespace table
} // namespace faisslike
