/*
 * faisslike C API: Arrow tables (a faisslike extension; Faiss has no
 * equivalent). Datasets and whole indexes go out and come in as Arrow C
 * streams (ArrowArrayStream of the Arrow C Stream Interface), so pyarrow,
 * Lance, DuckDB, Polars or nanoarrow take and give them without a copy.
 * The table layouts and their metadata are described in
 * faisslike/table/dataset_table.h and faisslike/table/index_bundle.h.
 *
 * Ownership follows the Arrow specification: a stream passed in is consumed
 * (moved from and released by the library, also on failure); a stream
 * written to `out` belongs to the caller, who releases it.
 *
 * Borrowing: with copy == 0 the exported arrays point into the index's own
 * memory (codes, vectors, ids, centroids). The index must then outlive every
 * exported stream and array, and must not be modified (add, remove, reset,
 * train) while one lives. With copy != 0 everything is copied at export and
 * the streams depend on nothing.
 */

#ifndef FAISS_TABLE_C_H
#define FAISS_TABLE_C_H

#include <stddef.h>
#include <stdint.h>

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The Arrow C Data and Stream Interface structs, as the Arrow specification
 * defines them, under its guard macros so that another copy (Arrow's,
 * nanoarrow's) may come first. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char* format;
    const char* name;
    const char* metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema** children;
    struct ArrowSchema* dictionary;
    void (*release)(struct ArrowSchema*);
    void* private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void** buffers;
    struct ArrowArray** children;
    struct ArrowArray* dictionary;
    void (*release)(struct ArrowArray*);
    void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
    int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
    const char* (*get_last_error)(struct ArrowArrayStream*);
    void (*release)(struct ArrowArrayStream*);
    void* private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* How faiss_Index_add_from_stream uses an id column. */
typedef enum FaissTableIdMode {
    /* add_with_ids from the id column, or add when there is none or when the
     * ids are those add would give and the index numbers its own vectors */
    FAISS_TABLE_IDS_AUTO = 0,
    /* add_with_ids; the id column is required */
    FAISS_TABLE_IDS_ALWAYS = 1,
    /* add; id columns are ignored */
    FAISS_TABLE_IDS_NEVER = 2
} FaissTableIdMode;

/* The vectors of an index as record batches {id int64, vector
 * fixed_size_list<float32, d>}, at most batch_size rows each (<= 0: 65536). */
int faiss_export_dataset_stream(
        const FaissIndex* index,
        int64_t batch_size,
        int copy,
        struct ArrowArrayStream* out);

/* Adds every row of a stream of record batches to the index. vector_column
 * NULL means "vector"; id_column NULL means "id", else Lance's "_rowid".
 * The whole stream is read and checked before anything is added. n_added
 * (may be NULL) receives the number of rows added. */
int faiss_Index_add_from_stream(
        FaissIndex* index,
        struct ArrowArrayStream* stream,
        const char* vector_column,
        const char* id_column,
        FaissTableIdMode id_mode,
        idx_t* n_added);

/* A set of named Arrow tables describing one index (an index bundle). */
FAISS_DECLARE_CLASS(IndexBundle)
FAISS_DECLARE_DESTRUCTOR(IndexBundle)

/* An empty bundle, to fill with faiss_IndexBundle_put_stream. */
int faiss_IndexBundle_new(FaissIndexBundle** p_out);

/* Number of tables, and the name of table i (NULL when i is out of range;
 * valid until the bundle changes). */
size_t faiss_IndexBundle_size(const FaissIndexBundle* bundle);
const char* faiss_IndexBundle_name(const FaissIndexBundle* bundle, size_t i);

/* Moves the stream of a table into *out; the bundle no longer holds it. */
int faiss_IndexBundle_take_stream(
        FaissIndexBundle* bundle,
        const char* name,
        struct ArrowArrayStream* out);

/* Adds (or replaces) a table; the bundle takes the stream over. */
int faiss_IndexBundle_put_stream(
        FaissIndexBundle* bundle,
        const char* name,
        struct ArrowArrayStream* stream);

/* The tables of an index: ivf, codebook, auxiliary, index, quantizer, data,
 * as its type needs. */
int faiss_export_index_bundle(
        const FaissIndex* index,
        int copy,
        FaissIndexBundle** p_out);

/* Rebuilds the index a bundle describes (owned by the caller); its search
 * results equal the exported index's bit for bit. Every stream of the bundle
 * is consumed, and the bundle is left empty. */
int faiss_import_index_bundle(FaissIndexBundle* bundle, FaissIndex** p_out);

#ifdef __cplusplus
}
#endif

#endif
