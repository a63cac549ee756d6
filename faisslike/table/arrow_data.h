#pragma once

// A small C++ layer over the Arrow C Data Interface (arrow_c_abi.h): owners
// that release what they hold, exporters that turn C++ buffers (owned or
// borrowed from a live object) into ArrowSchema / ArrowArray /
// ArrowArrayStream, and validating importers. Only the types faisslike's
// tables need are supported: int32/int64/uint64/uint32/uint8/float32,
// fixed_size_list, list (32-bit offsets), utf8 and struct (record batches).
// No dependency on Arrow C++: any producer or consumer of the C interface
// (pyarrow, Lance, DuckDB, Polars, nanoarrow) can take or give the data.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <faisslike/table/arrow_c_abi.h>

namespace faisslike {
namespace table {

/***************************************************************** metadata */

/// Schema metadata: (key, value) pairs, in order.
using Metadata = std::vector<std::pair<std::string, std::string>>;

/// The specification's binary layout: int32 number of pairs, then for each
/// pair int32 key length, key bytes, int32 value length, value bytes (native
/// byte order). Empty metadata encodes as the empty string (exported as NULL).
std::string encode_metadata(const Metadata& metadata);

/// Decodes the layout above; NULL gives no pairs. `what` names the schema in
/// error messages. The C interface carries no length, so only counts and
/// lengths can be checked for sanity (negative or absurd values are errors).
Metadata decode_metadata(const char* bytes, const std::string& what);

/// The value of `key`, or nullptr when absent.
const std::string* find_metadata(const Metadata& metadata, const std::string& key);

/***************************************************************** owners */

/// Move-only owner of one Arrow C struct: releases it on destruction, as the
/// specification requires of a consumer. get() is the out-parameter to pass
/// to a producer (on an empty owner); move_to() hands the struct on to
/// another consumer, leaving this owner empty.
template <class T>
class ArrowOwner {
   public:
    ArrowOwner() noexcept : raw_{} {}
    /// Takes over *src (a bitwise move, which the specification allows);
    /// src is marked released.
    explicit ArrowOwner(T* src) noexcept : raw_(*src) { src->release = nullptr; }
    ArrowOwner(ArrowOwner&& other) noexcept : raw_(other.raw_) { other.raw_.release = nullptr; }
    ArrowOwner& operator=(ArrowOwner&& other) noexcept {
        if (this != &other) {
            reset();
            raw_ = other.raw_;
            other.raw_.release = nullptr;
        }
        return *this;
    }
    ArrowOwner(const ArrowOwner&) = delete;
    ArrowOwner& operator=(const ArrowOwner&) = delete;
    ~ArrowOwner() { reset(); }

    T* get() noexcept { return &raw_; }
    const T* get() const noexcept { return &raw_; }
    T* operator->() noexcept { return &raw_; }
    const T* operator->() const noexcept { return &raw_; }
    T& operator*() noexcept { return raw_; }
    const T& operator*() const noexcept { return raw_; }
    bool valid() const noexcept { return raw_.release != nullptr; }

    void reset() noexcept {
        if (raw_.release) {
            raw_.release(&raw_);
            raw_.release = nullptr;
        }
    }
    /// Moves the struct into *out (a struct the caller provides).
    void move_to(T* out) noexcept {
        *out = raw_;
        raw_.release = nullptr;
    }

   private:
    T raw_;
};

using SchemaOwner = ArrowOwner<ArrowSchema>;
using ArrayOwner = ArrowOwner<ArrowArray>;
using StreamOwner = ArrowOwner<ArrowArrayStream>;

/***************************************************************** export */

/// The format string of a primitive element type: "i" int32_t, "l" int64_t,
/// "L" uint64_t, "I" uint32_t, "C" uint8_t, "f" float.
template <class T>
const char* arrow_format();

/// A field of a schema to export (a column, or the struct of a record batch).
struct FieldSpec {
    std::string name;
    std::string format;
    bool nullable = false;
    Metadata metadata;
    std::vector<FieldSpec> children;
};

template <class T>
FieldSpec primitive_field(const std::string& name, bool nullable = false) {
    return FieldSpec{name, arrow_format<T>(), nullable, {}, {}};
}
/// fixed_size_list<T, width> ("+w:width"), child named "item".
template <class T>
FieldSpec fixed_size_list_field(const std::string& name, int64_t width, bool nullable = false) {
    return FieldSpec{name, "+w:" + std::to_string(width), nullable, {}, {primitive_field<T>("item")}};
}
/// list<T> with 32-bit offsets ("+l"), child named "item".
template <class T>
FieldSpec list_field(const std::string& name, bool nullable = false) {
    return FieldSpec{name, "+l", nullable, {}, {primitive_field<T>("item")}};
}
/// The schema of a record batch: a struct ("+s") of the columns.
FieldSpec record_batch_schema(std::vector<FieldSpec> columns, Metadata metadata = {});

/// Exports a schema into *out (which the caller then owns and releases).
void export_schema(const FieldSpec& field, ArrowSchema* out);

/// Keeps the memory of exported buffers alive: the exported array holds it
/// until its consumer releases the array. Any shared_ptr works; an aliasing
/// shared_ptr to a part of an index keeps the whole index alive.
using Owner = std::shared_ptr<const void>;

/// An array to export. Never has nulls: buffers[0] (validity) is null.
struct ArraySpec {
    int64_t length = 0;
    std::vector<const void*> buffers;
    std::vector<ArraySpec> children;
    std::vector<Owner> owners;
};

/// Exports an array into *out; the buffers are not copied.
void export_array(ArraySpec spec, ArrowArray* out);

/// A primitive array over n values at data (not copied), kept alive by owner.
template <class T>
ArraySpec borrowed_array(const T* data, int64_t n, Owner owner) {
    return ArraySpec{n, {nullptr, data}, {}, {std::move(owner)}};
}
/// A primitive array that owns its values.
template <class T>
ArraySpec owned_array(std::vector<T> values) {
    auto held = std::make_shared<std::vector<T>>(std::move(values));
    int64_t n = int64_t(held->size());
    const T* data = held->data();
    return ArraySpec{n, {nullptr, data}, {}, {std::move(held)}};
}
/// fixed_size_list of `length` rows over values (length * width values).
ArraySpec fixed_size_list_array(ArraySpec values, int64_t length);
/// list over values; offsets has length + 1 entries.
ArraySpec list_array(std::vector<int32_t> offsets, ArraySpec values);
/// A record batch of `length` rows.
ArraySpec record_batch(std::vector<ArraySpec> columns, int64_t length);

/// Produces the next batch of a stream into `batch` and returns true, or
/// returns false at the end. May throw: the consumer then gets an error code
/// and the message from get_last_error.
using BatchGenerator = std::function<bool(ArraySpec& batch)>;

/// Exports a stream of record batches of the given schema.
void export_stream(FieldSpec schema, BatchGenerator next, ArrowArrayStream* out);
/// The same over a fixed list of batches.
void export_stream(FieldSpec schema, std::vector<ArraySpec> batches, ArrowArrayStream* out);

/***************************************************************** import */

/// A table read from a stream: its schema and every record batch, holding
/// the producer's buffers (nothing is copied). Each batch was checked to be
/// a struct array of the schema's columns with consistent lengths; the
/// columns themselves are checked when read through BatchReader.
struct ImportedTable {
    std::string name; ///< for error messages ("table 'auxiliary'")
    SchemaOwner schema;
    Metadata metadata;
    std::vector<ArrayOwner> batches;

    int64_t num_rows() const;
    size_t num_columns() const { return size_t(schema->n_children); }
    const char* column_name(size_t col) const;
    /// Index of the column with that name, or -1.
    int find_column(const std::string& column) const;
    /// Index of the column, or an error listing the columns there are.
    int require_column(const std::string& column) const;
    /// The value of a schema metadata key, or an error naming it.
    const std::string& require_metadata(const std::string& key) const;
};

/// Reads a whole stream (a consumer may read a stream only once) and
/// releases it. Errors of the producer and malformed schemas or batches
/// throw FaisslikeException naming the table.
ImportedTable read_stream(ArrowArrayStream* stream, const std::string& table_name);

/// A deep copy of an imported schema as a FieldSpec (to export it again).
FieldSpec field_spec_of(const ArrowSchema& schema);

/// Exports a table read earlier as a stream again: the same schema and the
/// same batches, handed on without copying (each batch once, in order).
void export_stream(ImportedTable table, ArrowArrayStream* out);

/// A list column of one batch: row r holds values[offsets[r] .. offsets[r+1]).
template <class T>
struct ListColumn {
    const int32_t* offsets = nullptr;
    const T* values = nullptr;
    int64_t length = 0;
    size_t row_size(int64_t r) const { return size_t(offsets[r + 1] - offsets[r]); }
    const T* row(int64_t r) const { return values + offsets[r]; }
};

/// Checked, typed access to the columns of one batch of an imported table.
/// Every accessor checks the format string, the buffer count, that buffers
/// exist where values do, the child lengths, the offsets of lists, and that
/// the column holds no nulls (faisslike's tables have none; a vector or code
/// column with nulls cannot be indexed). Pointers address row 0 of the batch
/// (offsets of the batch and of the column applied).
class BatchReader {
   public:
    BatchReader(const ImportedTable& table, size_t batch);

    int64_t length() const { return length_; }

    template <class T>
    const T* primitive(int column) const;
    /// fixed_size_list<T, width>: length * width values, row-major.
    template <class T>
    const T* fixed_size_list(int column, int64_t width) const;
    /// The width of a fixed_size_list column as its schema declares it.
    int64_t fixed_size_list_width(int column) const;
    template <class T>
    ListColumn<T> list(int column) const;

   private:
    const ArrowSchema& field(int column) const;
    const ArrowArray& array(int column) const;
    std::string where(int column) const;

    const ImportedTable& table_;
    size_t batch_;
    int64_t length_;
    int64_t offset_;
};

} // namespace table
} // namespace faisslike
