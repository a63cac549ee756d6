#include <faisslike/table/arrow_data.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <new>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace table {

/***************************************************************** metadata */

namespace {

void append_int32(std::string& out, int32_t v) {
    char bytes[4];
    std::memcpy(bytes, &v, 4);
    out.append(bytes, 4);
}

int32_t read_int32(const char*& p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
}

// Far above any real metadata; catches garbage before it is trusted.
constexpr int32_t kMaxMetadataPairs = 1 << 20;
constexpr int32_t kMaxMetadataBytes = 1 << 30;

} // namespace

std::string encode_metadata(const Metadata& metadata) {
    if (metadata.empty()) {
        return {};
    }
    std::string out;
    append_int32(out, int32_t(metadata.size()));
    for (const auto& [key, value] : metadata) {
        FAISSLIKE_THROW_IF_NOT_FMT(key.size() < size_t(kMaxMetadataBytes) && value.size() < size_t(kMaxMetadataBytes),
                                   "schema metadata entry \"%s\" is too large", key.c_str());
        append_int32(out, int32_t(key.size()));
        out += key;
        append_int32(out, int32_t(value.size()));
        out += value;
    }
    return out;
}

Metadata decode_metadata(const char* bytes, const std::string& what) {
    Metadata out;
    if (!bytes) {
        return out;
    }
    const char* p = bytes;
    int32_t n = read_int32(p);
    if (n < 0 || n > kMaxMetadataPairs) {
        FAISSLIKE_THROW_FMT("%s: schema metadata claims %d entries (malformed metadata)", what.c_str(), int(n));
    }
    for (int32_t i = 0; i < n; i++) {
        std::string kv[2];
        for (auto& s : kv) {
            int32_t len = read_int32(p);
            if (len < 0 || len > kMaxMetadataBytes) {
                FAISSLIKE_THROW_FMT("%s: schema metadata entry %d has length %d (malformed metadata)", what.c_str(),
                                    int(i), int(len));
            }
            s.assign(p, size_t(len));
            p += len;
        }
        out.emplace_back(std::move(kv[0]), std::move(kv[1]));
    }
    return out;
}

const std::string* find_metadata(const Metadata& metadata, const std::string& key) {
    for (const auto& kv : metadata) {
        if (kv.first == key) {
            return &kv.second;
        }
    }
    return nullptr;
}

/***************************************************************** export */

template <>
const char* arrow_format<int32_t>() {
    return "i";
}
template <>
const char* arrow_format<int64_t>() {
    return "l";
}
template <>
const char* arrow_format<uint64_t>() {
    return "L";
}
template <>
const char* arrow_format<uint32_t>() {
    return "I";
}
template <>
const char* arrow_format<uint8_t>() {
    return "C";
}
template <>
const char* arrow_format<float>() {
    return "f";
}

FieldSpec record_batch_schema(std::vector<FieldSpec> columns, Metadata metadata) {
    return FieldSpec{"", "+s", false, std::move(metadata), std::move(columns)};
}

namespace {

struct SchemaPrivate {
    std::string format, name, metadata;
    std::vector<ArrowSchema> children;
    std::vector<ArrowSchema*> child_ptrs;
};

void release_schema(ArrowSchema* schema) {
    auto* p = static_cast<SchemaPrivate*>(schema->private_data);
    for (ArrowSchema* child : p->child_ptrs) {
        if (child->release) {
            child->release(child);
        }
    }
    delete p;
    schema->release = nullptr;
}

struct ArrayPrivate {
    std::vector<const void*> buffers;
    std::vector<ArrowArray> children;
    std::vector<ArrowArray*> child_ptrs;
    std::vector<Owner> owners;
};

void release_array(ArrowArray* array) {
    auto* p = static_cast<ArrayPrivate*>(array->private_data);
    for (ArrowArray* child : p->child_ptrs) {
        if (child->release) {
            child->release(child);
        }
    }
    delete p;
    array->release = nullptr;
}

/// Releases the first `n` children of a half-built struct when building fails.
template <class T>
void release_first(std::vector<T>& children, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (children[i].release) {
            children[i].release(&children[i]);
        }
    }
}

} // namespace

void export_schema(const FieldSpec& field, ArrowSchema* out) {
    FAISSLIKE_THROW_IF_NOT_MSG(out, "export_schema: null output");
    auto p = std::make_unique<SchemaPrivate>();
    p->format = field.format;
    p->name = field.name;
    p->metadata = encode_metadata(field.metadata);
    p->children.resize(field.children.size());
    size_t done = 0;
    try {
        for (; done < field.children.size(); done++) {
            export_schema(field.children[done], &p->children[done]);
        }
    } catch (...) {
        release_first(p->children, done);
        throw;
    }
    for (auto& c : p->children) {
        p->child_ptrs.push_back(&c);
    }
    out->format = p->format.c_str();
    out->name = p->name.c_str();
    out->metadata = p->metadata.empty() ? nullptr : p->metadata.data();
    out->flags = field.nullable ? ARROW_FLAG_NULLABLE : 0;
    out->n_children = int64_t(p->child_ptrs.size());
    out->children = p->child_ptrs.empty() ? nullptr : p->child_ptrs.data();
    out->dictionary = nullptr;
    out->release = release_schema;
    out->private_data = p.release();
}

void export_array(ArraySpec spec, ArrowArray* out) {
    FAISSLIKE_THROW_IF_NOT_MSG(out, "export_array: null output");
    auto p = std::make_unique<ArrayPrivate>();
    p->buffers = std::move(spec.buffers);
    p->owners = std::move(spec.owners);
    p->children.resize(spec.children.size());
    size_t done = 0;
    try {
        for (; done < spec.children.size(); done++) {
            export_array(std::move(spec.children[done]), &p->children[done]);
        }
    } catch (...) {
        release_first(p->children, done);
        throw;
    }
    for (auto& c : p->children) {
        p->child_ptrs.push_back(&c);
    }
    out->length = spec.length;
    out->null_count = 0;
    out->offset = 0;
    out->n_buffers = int64_t(p->buffers.size());
    out->n_children = int64_t(p->child_ptrs.size());
    out->buffers = p->buffers.empty() ? nullptr : p->buffers.data();
    out->children = p->child_ptrs.empty() ? nullptr : p->child_ptrs.data();
    out->dictionary = nullptr;
    out->release = release_array;
    out->private_data = p.release();
}

ArraySpec fixed_size_list_array(ArraySpec values, int64_t length) {
    ArraySpec a;
    a.length = length;
    a.buffers = {nullptr};
    a.children.push_back(std::move(values));
    return a;
}

ArraySpec list_array(std::vector<int32_t> offsets, ArraySpec values) {
    FAISSLIKE_THROW_IF_NOT_MSG(!offsets.empty(), "list_array: offsets need length + 1 entries");
    auto held = std::make_shared<std::vector<int32_t>>(std::move(offsets));
    ArraySpec a;
    a.length = int64_t(held->size()) - 1;
    a.buffers = {nullptr, held->data()};
    a.owners.push_back(std::move(held));
    a.children.push_back(std::move(values));
    return a;
}

ArraySpec record_batch(std::vector<ArraySpec> columns, int64_t length) {
    ArraySpec a;
    a.length = length;
    a.buffers = {nullptr};
    a.children = std::move(columns);
    return a;
}

namespace {

struct StreamPrivate {
    FieldSpec schema;
    BatchGenerator next;
    /// Set instead of `next` when re-exporting a table read earlier.
    std::unique_ptr<ImportedTable> imported;
    size_t next_imported = 0;
    std::string last_error;
    bool finished = false;
};

StreamPrivate& stream_private(ArrowArrayStream* stream) {
    return *static_cast<StreamPrivate*>(stream->private_data);
}

/// Runs body, turning exceptions into the errno-style codes of the stream
/// interface (the message is kept for get_last_error).
template <class F>
int stream_call(ArrowArrayStream* stream, F&& body) noexcept {
    StreamPrivate& p = stream_private(stream);
    try {
        body(p);
        return 0;
    } catch (const std::bad_alloc&) {
        p.last_error = "out of memory";
        return ENOMEM;
    } catch (const std::exception& e) {
        p.last_error = e.what();
        return EIO;
    } catch (...) {
        p.last_error = "unknown error";
        return EIO;
    }
}

int stream_get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
    return stream_call(stream, [&](StreamPrivate& p) { export_schema(p.schema, out); });
}

int stream_get_next(ArrowArrayStream* stream, ArrowArray* out) {
    return stream_call(stream, [&](StreamPrivate& p) {
        if (p.imported && !p.finished && p.next_imported < p.imported->batches.size()) {
            p.imported->batches[p.next_imported++].move_to(out);
            return;
        }
        ArraySpec batch;
        if (!p.finished && !p.imported && p.next(batch)) {
            export_array(std::move(batch), out);
            return;
        }
        p.finished = true;
        std::memset(out, 0, sizeof(*out));
    });
}

const char* stream_get_last_error(ArrowArrayStream* stream) {
    const std::string& e = stream_private(stream).last_error;
    return e.empty() ? nullptr : e.c_str();
}

void stream_release(ArrowArrayStream* stream) {
    delete static_cast<StreamPrivate*>(stream->private_data);
    stream->release = nullptr;
}

} // namespace

void export_stream(FieldSpec schema, BatchGenerator next, ArrowArrayStream* out) {
    FAISSLIKE_THROW_IF_NOT_MSG(out, "export_stream: null output");
    FAISSLIKE_THROW_IF_NOT_MSG(schema.format == "+s", "export_stream: the schema must be a struct (record batch)");
    auto p = std::make_unique<StreamPrivate>();
    p->schema = std::move(schema);
    p->next = std::move(next);
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_get_last_error;
    out->release = stream_release;
    out->private_data = p.release();
}

void export_stream(FieldSpec schema, std::vector<ArraySpec> batches, ArrowArrayStream* out) {
    auto held = std::make_shared<std::vector<ArraySpec>>(std::move(batches));
    size_t pos = 0;
    export_stream(
            std::move(schema),
            [held, pos](ArraySpec& batch) mutable {
                if (pos == held->size()) {
                    return false;
                }
                batch = std::move((*held)[pos++]);
                return true;
            },
            out);
}

/***************************************************************** import */

namespace {

std::string producer_error(ArrowArrayStream* stream, int code) {
    const char* msg = stream->get_last_error ? stream->get_last_error(stream) : nullptr;
    std::string s = msg ? msg : "no message";
    return s + " (error code " + std::to_string(code) + ")";
}

/// The structure shared by every array: sane counts and no dictionary.
void check_array_shape(const ArrowArray& a, const std::string& what) {
    if (!a.release) {
        FAISSLIKE_THROW_FMT("%s: array already released", what.c_str());
    }
    if (a.length < 0 || a.offset < 0 || a.n_buffers < 0 || a.n_children < 0) {
        FAISSLIKE_THROW_FMT("%s: negative length (%lld), offset (%lld) or counts", what.c_str(),
                            (long long)a.length, (long long)a.offset);
    }
    // Beyond any array a machine can hold; the bound keeps offset + length
    // sums of untrusted values far from int64 overflow.
    constexpr int64_t kMaxElements = int64_t(1) << 44;
    if (a.length > kMaxElements || a.offset > kMaxElements) {
        FAISSLIKE_THROW_FMT("%s: implausible length (%lld) or offset (%lld)", what.c_str(), (long long)a.length,
                            (long long)a.offset);
    }
    if ((a.n_buffers > 0 && !a.buffers) || (a.n_children > 0 && !a.children)) {
        FAISSLIKE_THROW_FMT("%s: %lld buffers / %lld children declared but their pointer is NULL", what.c_str(),
                            (long long)a.n_buffers, (long long)a.n_children);
    }
    if (a.dictionary) {
        FAISSLIKE_THROW_FMT("%s: dictionary-encoded arrays are not supported", what.c_str());
    }
}

} // namespace

ImportedTable read_stream(ArrowArrayStream* stream, const std::string& table_name) {
    FAISSLIKE_THROW_IF_NOT_FMT(stream && stream->release, "table '%s': the stream is NULL or already released",
                               table_name.c_str());
    StreamOwner owner(stream);
    ArrowArrayStream* s = owner.get();
    ImportedTable t;
    t.name = table_name;
    const std::string what = "table '" + table_name + "'";
    FAISSLIKE_THROW_IF_NOT_FMT(s->get_schema && s->get_next, "%s: the stream has no get_schema/get_next callbacks",
                               what.c_str());
    if (int rc = s->get_schema(s, t.schema.get())) {
        FAISSLIKE_THROW_FMT("%s: the producer failed to give the schema: %s", what.c_str(),
                            producer_error(s, rc).c_str());
    }
    const ArrowSchema& sc = *t.schema;
    FAISSLIKE_THROW_IF_NOT_FMT(t.schema.valid() && sc.format, "%s: the producer gave no schema", what.c_str());
    if (std::strcmp(sc.format, "+s") != 0) {
        FAISSLIKE_THROW_FMT("%s: the schema must be a struct of columns (format \"+s\"), got \"%s\"", what.c_str(),
                            sc.format);
    }
    if (sc.n_children < 0 || (sc.n_children > 0 && !sc.children)) {
        FAISSLIKE_THROW_FMT("%s: malformed schema children", what.c_str());
    }
    for (int64_t c = 0; c < sc.n_children; c++) {
        const ArrowSchema* child = sc.children[c];
        if (!child || !child->format || !child->name) {
            FAISSLIKE_THROW_FMT("%s: column %lld has no format or name", what.c_str(), (long long)c);
        }
        if (child->dictionary) {
            FAISSLIKE_THROW_FMT("%s: column '%s' is dictionary-encoded (not supported)", what.c_str(), child->name);
        }
    }
    t.metadata = decode_metadata(sc.metadata, what);
    for (;;) {
        ArrayOwner batch;
        if (int rc = s->get_next(s, batch.get())) {
            FAISSLIKE_THROW_FMT("%s: the producer failed to give batch %zu: %s", what.c_str(), t.batches.size(),
                                producer_error(s, rc).c_str());
        }
        if (!batch.valid()) {
            break;
        }
        const ArrowArray& a = *batch;
        std::string bwhat = what + " batch " + std::to_string(t.batches.size());
        check_array_shape(a, bwhat);
        if (a.n_children != sc.n_children) {
            FAISSLIKE_THROW_FMT("%s has %lld columns, the schema %lld", bwhat.c_str(), (long long)a.n_children,
                                (long long)sc.n_children);
        }
        if (a.n_buffers != 1) {
            FAISSLIKE_THROW_FMT("%s: a struct array has 1 buffer, not %lld", bwhat.c_str(), (long long)a.n_buffers);
        }
        if (a.null_count != 0) {
            FAISSLIKE_THROW_FMT("%s: a record batch cannot have null rows (null_count %lld)", bwhat.c_str(),
                                (long long)a.null_count);
        }
        for (int64_t c = 0; c < a.n_children; c++) {
            const ArrowArray* child = a.children[c];
            std::string cwhat = bwhat + " column '" + sc.children[c]->name + "'";
            FAISSLIKE_THROW_IF_NOT_FMT(child != nullptr, "%s is NULL", cwhat.c_str());
            check_array_shape(*child, cwhat);
            if (child->length < a.offset + a.length) {
                FAISSLIKE_THROW_FMT("%s has %lld rows, the batch needs %lld", cwhat.c_str(), (long long)child->length,
                                    (long long)(a.offset + a.length));
            }
        }
        t.batches.push_back(std::move(batch));
    }
    return t;
}

FieldSpec field_spec_of(const ArrowSchema& schema) {
    FieldSpec f;
    f.format = schema.format ? schema.format : "";
    f.name = schema.name ? schema.name : "";
    f.nullable = (schema.flags & ARROW_FLAG_NULLABLE) != 0;
    f.metadata = decode_metadata(schema.metadata, "field '" + f.name + "'");
    for (int64_t c = 0; c < schema.n_children; c++) {
        f.children.push_back(field_spec_of(*schema.children[c]));
    }
    return f;
}

void export_stream(ImportedTable table, ArrowArrayStream* out) {
    FAISSLIKE_THROW_IF_NOT_MSG(out, "export_stream: null output");
    auto p = std::make_unique<StreamPrivate>();
    p->schema = field_spec_of(*table.schema);
    p->imported = std::make_unique<ImportedTable>(std::move(table));
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_get_last_error;
    out->release = stream_release;
    out->private_data = p.release();
}

int64_t ImportedTable::num_rows() const {
    int64_t n = 0;
    for (const auto& b : batches) {
        n += b->length;
    }
    return n;
}

const char* ImportedTable::column_name(size_t col) const {
    return schema->children[col]->name;
}

int ImportedTable::find_column(const std::string& column) const {
    for (size_t c = 0; c < num_columns(); c++) {
        if (column == column_name(c)) {
            return int(c);
        }
    }
    return -1;
}

int ImportedTable::require_column(const std::string& column) const {
    int c = find_column(column);
    if (c < 0) {
        std::string have;
        for (size_t i = 0; i < num_columns(); i++) {
            have += std::string(i ? ", " : "") + "'" + column_name(i) + "'";
        }
        FAISSLIKE_THROW_FMT("table '%s' has no column '%s' (its columns: %s)", name.c_str(), column.c_str(),
                            have.empty() ? "none" : have.c_str());
    }
    return c;
}

const std::string& ImportedTable::require_metadata(const std::string& key) const {
    const std::string* v = find_metadata(metadata, key);
    if (!v) {
        FAISSLIKE_THROW_FMT("table '%s' lacks the schema metadata key '%s'", name.c_str(), key.c_str());
    }
    return *v;
}

BatchReader::BatchReader(const ImportedTable& table, size_t batch)
        : table_(table), batch_(batch), length_(table.batches.at(batch)->length),
          offset_(table.batches.at(batch)->offset) {}

const ArrowSchema& BatchReader::field(int column) const {
    return *table_.schema->children[column];
}

const ArrowArray& BatchReader::array(int column) const {
    return *table_.batches[batch_]->children[column];
}

std::string BatchReader::where(int column) const {
    return "table '" + table_.name + "' column '" + field(column).name + "' (batch " + std::to_string(batch_) + ")";
}

namespace {

bool bit_set(const uint8_t* bits, int64_t i) {
    return (bits[i >> 3] >> (i & 7)) & 1;
}

/// Rejects nulls among rows [begin, begin + n) (physical) of a.
void check_no_nulls(const ArrowArray& a, int64_t begin, int64_t n, const std::string& what) {
    const auto* validity = a.n_buffers > 0 ? static_cast<const uint8_t*>(a.buffers[0]) : nullptr;
    if (a.null_count == 0 || n == 0) {
        return;
    }
    if (!validity) {
        if (a.null_count > 0) {
            FAISSLIKE_THROW_FMT("%s: null_count %lld without a validity bitmap", what.c_str(),
                                (long long)a.null_count);
        }
        return; // -1 (unknown) and no bitmap: no nulls
    }
    int64_t nulls = 0;
    for (int64_t i = begin; i < begin + n; i++) {
        nulls += bit_set(validity, i) ? 0 : 1;
    }
    if (nulls > 0) {
        FAISSLIKE_THROW_FMT("%s holds %lld null values; nulls are not allowed in this column", what.c_str(),
                            (long long)nulls);
    }
}

void check_format(const ArrowSchema& f, const std::string& expected, const std::string& what) {
    if (expected != f.format) {
        FAISSLIKE_THROW_FMT("%s: expected Arrow format \"%s\", got \"%s\"", what.c_str(), expected.c_str(), f.format);
    }
}

void check_n_buffers(const ArrowArray& a, int64_t n, const std::string& what) {
    if (a.n_buffers != n) {
        FAISSLIKE_THROW_FMT("%s: expected %lld buffers, got %lld", what.c_str(), (long long)n,
                            (long long)a.n_buffers);
    }
}

/// The single child of a nested field/array, checked.
void check_one_child(const ArrowSchema& f, const ArrowArray& a, const std::string& what) {
    if (f.n_children != 1 || !f.children || !f.children[0] || !f.children[0]->format) {
        FAISSLIKE_THROW_FMT("%s: a list type needs exactly one child field", what.c_str());
    }
    if (a.n_children != 1 || !a.children[0]) {
        FAISSLIKE_THROW_FMT("%s: a list array needs exactly one child array, got %lld", what.c_str(),
                            (long long)a.n_children);
    }
    check_array_shape(*a.children[0], what + " values");
}

/// Pointer to physical element `first` of a primitive array of T with
/// `count` elements in use there, after checking format, buffers and nulls.
template <class T>
const T* primitive_values(const ArrowSchema& f, const ArrowArray& a, int64_t first, int64_t count,
                          const std::string& what) {
    check_format(f, arrow_format<T>(), what);
    check_n_buffers(a, 2, what);
    if (count > 0 && (first < a.offset || first + count > a.offset + a.length)) {
        FAISSLIKE_THROW_FMT("%s: values [%lld, %lld) needed, the array holds [%lld, %lld)", what.c_str(),
                            (long long)first, (long long)(first + count), (long long)a.offset,
                            (long long)(a.offset + a.length));
    }
    check_no_nulls(a, first, count, what);
    const T* data = static_cast<const T*>(a.buffers[1]);
    if (count > 0 && !data) {
        FAISSLIKE_THROW_FMT("%s: the data buffer is NULL", what.c_str());
    }
    if (reinterpret_cast<uintptr_t>(data) % alignof(T) != 0) {
        FAISSLIKE_THROW_FMT("%s: the data buffer is not aligned for its type", what.c_str());
    }
    return data ? data + first : nullptr;
}

} // namespace

template <class T>
const T* BatchReader::primitive(int column) const {
    const ArrowArray& a = array(column);
    return primitive_values<T>(field(column), a, a.offset + offset_, length_, where(column));
}

int64_t BatchReader::fixed_size_list_width(int column) const {
    const char* fmt = field(column).format;
    if (std::strncmp(fmt, "+w:", 3) != 0) {
        FAISSLIKE_THROW_FMT("%s: expected a fixed_size_list (format \"+w:<width>\"), got \"%s\"",
                            where(column).c_str(), fmt);
    }
    char* end = nullptr;
    long long w = std::strtoll(fmt + 3, &end, 10);
    if (end == fmt + 3 || *end != 0 || w <= 0 || w > (1LL << 30)) {
        FAISSLIKE_THROW_FMT("%s: bad fixed_size_list format \"%s\"", where(column).c_str(), fmt);
    }
    return w;
}

template <class T>
const T* BatchReader::fixed_size_list(int column, int64_t width) const {
    const std::string what = where(column);
    int64_t w = fixed_size_list_width(column);
    if (w != width) {
        FAISSLIKE_THROW_FMT("%s: expected fixed_size_list<%s, %lld>, got width %lld", what.c_str(),
                            arrow_format<T>(), (long long)width, (long long)w);
    }
    const ArrowSchema& f = field(column);
    const ArrowArray& a = array(column);
    check_n_buffers(a, 1, what);
    check_one_child(f, a, what);
    int64_t row0 = a.offset + offset_;
    check_no_nulls(a, row0, length_, what);
    const ArrowArray& values = *a.children[0];
    int64_t needed = 0;
    if (__builtin_mul_overflow(row0 + length_, w, &needed)) {
        FAISSLIKE_THROW_FMT("%s: %lld rows of width %lld overflow", what.c_str(), (long long)(row0 + length_),
                            (long long)w);
    }
    if (values.length < needed) {
        FAISSLIKE_THROW_FMT("%s: %lld rows of width %lld need %lld values, the child array has %lld", what.c_str(),
                            (long long)(row0 + length_), (long long)w, (long long)needed, (long long)values.length);
    }
    return primitive_values<T>(*f.children[0], values, values.offset + row0 * w, length_ * w, what + " values");
}

template <class T>
ListColumn<T> BatchReader::list(int column) const {
    const std::string what = where(column);
    const ArrowSchema& f = field(column);
    const ArrowArray& a = array(column);
    check_format(f, "+l", what);
    check_n_buffers(a, 2, what);
    check_one_child(f, a, what);
    int64_t row0 = a.offset + offset_;
    check_no_nulls(a, row0, length_, what);
    ListColumn<T> out;
    out.length = length_;
    out.offsets = static_cast<const int32_t*>(a.buffers[1]);
    if (!out.offsets) {
        FAISSLIKE_THROW_FMT("%s: the offsets buffer is NULL", what.c_str());
    }
    out.offsets += row0;
    const ArrowArray& values = *a.children[0];
    for (int64_t r = 0; r < length_; r++) {
        if (out.offsets[r] < 0 || out.offsets[r + 1] < out.offsets[r] || out.offsets[r + 1] > values.length) {
            FAISSLIKE_THROW_FMT("%s: offsets of row %lld ([%d, %d)) are outside the %lld values or decreasing",
                                what.c_str(), (long long)r, int(out.offsets[r]), int(out.offsets[r + 1]),
                                (long long)values.length);
        }
    }
    int64_t first = length_ > 0 ? out.offsets[0] : 0;
    int64_t count = length_ > 0 ? out.offsets[length_] - first : 0;
    const T* base = primitive_values<T>(*f.children[0], values, values.offset + first, count, what + " values");
    // row(r) indexes with the raw offsets, so point at the value of offset 0.
    out.values = base ? base - first : nullptr;
    return out;
}

#define FAISSLIKE_BATCH_READER_TYPE(T)                                     \
    template const T* BatchReader::primitive<T>(int) const;                \
    template const T* BatchReader::fixed_size_list<T>(int, int64_t) const; \
    template ListColumn<T> BatchReader::list<T>(int) const;

FAISSLIKE_BATCH_READER_TYPE(int32_t)
FAISSLIKE_BATCH_READER_TYPE(int64_t)
FAISSLIKE_BATCH_READER_TYPE(uint64_t)
FAISSLIKE_BATCH_READER_TYPE(uint32_t)
FAISSLIKE_BATCH_READER_TYPE(uint8_t)
FAISSLIKE_BATCH_READER_TYPE(float)

#undef FAISSLIKE_BATCH_READER_TYPE

} // namespace table
} // namespace faisslike
