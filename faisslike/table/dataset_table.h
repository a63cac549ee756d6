#pragma once

// Dataset tables: the vectors of an index as Arrow record batches
// {id int64, vector fixed_size_list<float32, d>} (lance.md §5.2), and adding
// the rows of any Arrow stream to any index. Both directions avoid copies
// where the memory allows: an export borrows the vectors an index stores
// raw (IndexFlat, IndexIVFFlat lists, IndexHNSWFlat, IndexRefineFlat, and
// IndexIDMap over these), an import hands the producer's float buffer to
// add / add_with_ids as is.

#include <memory>
#include <string>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/table/arrow_data.h>

namespace faisslike {
namespace table {

struct DatasetExportOptions {
    std::string vector_column = "vector";
    std::string id_column = "id";
    /// Rows per record batch at most (IVF lists also end a batch).
    int64_t batch_size = 65536;
};

/// Exports the vectors of `index` as a stream of record batches
/// {id_column int64 non-null, vector_column fixed_size_list<float32, d>},
/// schema metadata faisslike:format = "1". Ids are the labels search returns
/// (IndexIDMap's ids, an IVF list's ids, else 0 .. ntotal - 1); vectors are
/// the stored ones, decoded (so approximate) for PQ / SQ codes. Rows come in
/// storage order: list by list for IVF indexes.
///
/// Raw vectors and ids are borrowed, not copied, when `owner` is set: it is
/// held by every exported array and must keep `index` alive (the index must
/// not be modified while the arrays live, as with a numpy view). With a null
/// owner every buffer is copied at once and the stream depends on nothing.
/// Batches are produced lazily, as the consumer pulls them. Throws for an
/// index that cannot reconstruct its vectors.
void export_dataset(const Index& index, Owner owner, ArrowArrayStream* out, const DatasetExportOptions& options = {});

/// The same, borrowing from a shared index (kept alive by the arrays).
void export_dataset(std::shared_ptr<const Index> index, ArrowArrayStream* out,
                    const DatasetExportOptions& options = {});

/// How add_from_stream uses an id column.
enum class IdMode {
    /// Ids from the first id column present: add() when they are the ids add()
    /// would give (ntotal, ntotal + 1, ...) and the index numbers its own
    /// vectors, else add_with_ids(); add() when there is no id column.
    Auto,
    Always, ///< add_with_ids(); an id column is required
    Never,  ///< add(); id columns are ignored
};

struct AddFromStreamOptions {
    std::string vector_column = "vector";
    /// Candidate id columns, the first present is used: int64, or uint64
    /// (Lance's _rowid) with values below 2^63.
    std::vector<std::string> id_columns = {"id", "_rowid"};
    IdMode id_mode = IdMode::Auto;
};

/// Adds every row of an Arrow stream of record batches to `index` and returns
/// the number of rows added. The vector column must be
/// fixed_size_list<float32, index.d> without nulls; other columns are
/// ignored. The stream is consumed and released. Every batch is read and
/// checked before anything is added, so malformed input leaves the index as
/// it was. A single batch goes to add / add_with_ids straight from the
/// producer's buffer (no copy); several are gathered into one block first,
/// so that the index's all-or-nothing add covers the whole stream.
idx_t add_from_stream(Index& index, ArrowArrayStream* stream, const AddFromStreamOptions& options = {});

} // namespace table
} // namespace faisslike
