#pragma once

// Index bundles: an index as a named set of Arrow tables laid out like
// Lance's own vector index files (lance.md §5.3), and back. Import rebuilds
// an index whose search results are bit-identical to the original's.
//
// Tables (each an ArrowArrayStream of record batches):
//   ivf        nlist rows: __ivf_part_id u32, centroids fixed_size_list<f32, d>,
//              offsets u64 (first row of the list in `auxiliary`), lengths u32.
//              Metadata distance_type.
//   codebook   2^nbits rows: codebook fixed_size_list<f32, d>, whose flat buffer
//              is ProductQuantizer::centroids (M, ksub, dsub), as Lance lays out
//              its PQ codebook. Metadata num_subvectors, nbits.
//   auxiliary  the stored codes, one batch per non-empty inverted list for IVF
//              indexes (rows ordered by list, then position), batches of up to
//              batch_size rows otherwise (rows = storage order):
//              id int64 (the label search returns), __ivf_part_id u32 (IVF
//              only), and one of flat fixed_size_list<f32, d>,
//              __pq_code / __sq_code fixed_size_list<u8, code_size>. Metadata
//              distance_type, storage_metadata (Lance's JSON shape,
//              "transposed": false, "codebook_position": 0).
//   index      IVF: __flat_marker u64 with no rows; metadata lance:index,
//              lance:flat. HNSW: one row per (level, node), level 0 first:
//              __ivf_part_id u32, __vector_id u32 (node = storage row),
//              __neighbors list<u32> (the node's neighbour slots in order, up to
//              the first empty one), _distance list<f32> (distances to them; Lance
//              wants them, import ignores them); metadata lance:index,
//              lance:hnsw (a JSON list of one JSON string per partition:
//              entry_point, params {max_level (number of levels), m,
//              ef_construction, prefetch_distance}, level_offsets (first row
//              of each level, then the row count)).
//              IndexIVFHNSW (Lance's IVF_HNSW_*): every list's graph, list l as
//              partition __ivf_part_id = l (rows by partition, then level, then
//              node; nodes are positions in the list), lance:hnsw with one
//              entry per list, and the `ivf` table gains Lance's
//              index_offsets u64 / index_lengths u32 (each partition's rows).
//   quantizer  IVF with an IndexHNSWFlat coarse quantizer: its graph over the
//              centroids, laid out as the HNSW `index` table (Lance has no
//              equivalent; it scans the centroids).
//   data       IndexFlat, and the refine vectors of IndexRefineFlat: id int64,
//              vector fixed_size_list<f32, d> (the dataset table).
//   idmap      IndexIDMap / IndexIDMap2 over any supported index: id int64,
//              the user id of each row of the wrapped index, in row order.
//   transform  IndexPreTransform over any supported index: transform
//              list<u8>, one row per transform of the chain, in order, holding
//              its Faiss file block (Lance has no equivalent table; an
//              OPQMatrix comes back as the LinearTransform it is written as).
// Every table carries faisslike:index, the JSON description of the whole
// index (class, d, metric, ntotal, search parameters, quantizer parameters,
// HNSW settings, nested "quantizer" / "storage" / "base" descriptions), so
// the bundle is lossless; the import checks that all tables carry the same.
//
// Supported: IndexFlat (L2/IP), IndexScalarQuantizer, IndexPQ,
// IndexIVFFlat, IndexIVFPQ, IndexIVFScalarQuantizer (each with an IndexFlat
// or an IndexHNSWFlat coarse quantizer), IndexIVFHNSW over any of these,
// IndexHNSWFlat/PQ/SQ, IndexRefineFlat over any of these but IndexFlat, and
// one IndexIDMap / IndexIDMap2 and one IndexPreTransform around any of them.
//
// Codes, vectors, ids and centroids are exported without copying when an
// owner keeps the index alive (see export_index_bundle).

#include <map>
#include <memory>
#include <string>

#include <faisslike/Index.h>
#include <faisslike/table/arrow_data.h>

namespace faisslike {
namespace table {

/// Tables by name ("ivf", "codebook", "auxiliary", "index", "quantizer",
/// "data", "idmap", "transform"). The streams are consumed by import_index_bundle.
struct IndexBundle {
    std::map<std::string, StreamOwner> tables;
};

struct BundleExportOptions {
    /// Rows per batch of the tables that are not split by inverted list.
    int64_t batch_size = 65536;
    /// Fill the HNSW `_distance` lists (Lance reads them; faisslike does not).
    bool hnsw_distances = true;
};

/// Exports `index` as a bundle. With an owner (which must keep `index`
/// alive), codes, raw vectors, ids and centroids are borrowed: every exported
/// array holds the owner, and the index must not be modified while one
/// lives. With a null owner, everything is copied at once. Throws for an
/// index type outside the supported list, and for an HNSW index holding
/// removed vectors (compact() it first).
IndexBundle export_index_bundle(const Index& index, Owner owner, const BundleExportOptions& options = {});

/// The same, borrowing from a shared index.
IndexBundle export_index_bundle(std::shared_ptr<const Index> index, const BundleExportOptions& options = {});

/// Rebuilds the index a bundle describes; every stream is consumed. Wrong
/// types, lengths, metadata or missing tables throw FaisslikeException
/// naming the table, column and what was expected.
std::unique_ptr<Index> import_index_bundle(IndexBundle& bundle);

} // namespace table
} // namespace faisslike
