#include "vector_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include <faisslike/impl/FaisslikeException.h>

#include "npy_header.h"
#include "output_format.h"

static_assert(
        __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
        "the vector file readers assume a little-endian host");

namespace faisslike::tools {

namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicSize = 6;
// numpy keeps headers to a few hundred bytes; a larger one is a corrupt length.
constexpr uint64_t kMaxNpyHeader = 1 << 20;
// Rows are read and converted in chunks of about this many bytes.
constexpr size_t kChunkBytes = size_t(8) << 20;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw FaisslikeException(path + ": " + why);
}

std::string errno_text() {
    return std::strerror(errno);
}

std::string lower_extension(const std::string& path) {
    size_t slash = path.find_last_of('/');
    size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
        return "";
    }
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
        return char(std::tolower(c));
    });
    return ext;
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

class InputFile {
   public:
    explicit InputFile(const std::string& path) : path_(path) {
        file_.reset(std::fopen(path.c_str(), "rb"));
        if (!file_) {
            fail(path, "cannot open: " + errno_text());
        }
        struct stat st;
        if (fstat(fileno(file_.get()), &st) != 0) {
            fail(path, "cannot stat: " + errno_text());
        }
        if (!S_ISREG(st.st_mode)) {
            fail(path, "not a regular file");
        }
        size_ = uint64_t(st.st_size);
    }

    uint64_t size() const { return size_; }

    void read_exact(void* out, size_t bytes) {
        if (bytes > 0 && std::fread(out, 1, bytes, file_.get()) != bytes) {
            fail(path_,
                 std::ferror(file_.get())
                         ? "read error: " + errno_text()
                         : std::string(
                                   "unexpected end of file (was it truncated while being read?)"));
        }
    }

    void seek(uint64_t offset) {
        if (fseeko(file_.get(), off_t(offset), SEEK_SET) != 0) {
            fail(path_, "cannot seek: " + errno_text());
        }
    }

   private:
    std::string path_;
    FilePtr file_;
    uint64_t size_ = 0;
};

std::optional<ElementType> npy_element_type(const std::string& descr) {
    // Byte order does not apply to single bytes, so numpy may write any prefix.
    static const std::pair<const char*, ElementType> known[] = {
            {"<f4", ElementType::float32}, {"<f8", ElementType::float64},
            {"|u1", ElementType::uint8},   {"<u1", ElementType::uint8},
            {">u1", ElementType::uint8},   {"u1", ElementType::uint8},
            {"<i4", ElementType::int32},   {"<i8", ElementType::int64},
    };
    for (const auto& [name, type] : known) {
        if (descr == name) {
            return type;
        }
    }
    return std::nullopt;
}

const char* npy_descr(ElementType type) {
    switch (type) {
        case ElementType::uint8:
            return "|u1";
        case ElementType::int32:
            return "<i4";
        case ElementType::int64:
            return "<i8";
        case ElementType::float32:
            return "<f4";
        case ElementType::float64:
            return "<f8";
    }
    return "";
}

// Header, size checks and data position of an open vector file.
struct Layout {
    VectorFileInfo info;
    uint64_t data_offset = 0;
    size_t record_header = 0; ///< bytes before each row (the int32 d of texmex files)
};

void read_texmex_layout(InputFile& file, Layout& layout) {
    VectorFileInfo& info = layout.info;
    const std::string& path = info.path;
    info.type = info.format == VectorFormat::fvecs   ? ElementType::float32
                : info.format == VectorFormat::bvecs ? ElementType::uint8
                                                     : ElementType::int32;
    std::string name = std::string(".") + format_name(info.format);
    if (info.file_bytes == 0) {
        fail(path, "file is empty");
    }
    if (info.file_bytes < 4) {
        fail(path, "truncated: " + std::to_string(info.file_bytes) + " bytes is too short for a " +
                           name + " record");
    }
    int32_t d = 0;
    file.read_exact(&d, sizeof(d));
    if (d <= 0 || size_t(d) > kMaxDimension) {
        fail(path, "first record declares dimension " + std::to_string(d) + ", outside 1.." +
                           std::to_string(kMaxDimension) + ": not a " + name + " file");
    }
    info.d = size_t(d);
    layout.record_header = 4;
    layout.data_offset = 0;
    uint64_t record = 4 + info.d * element_size(info.type);
    if (info.file_bytes % record != 0) {
        fail(path, "size " + std::to_string(info.file_bytes) + " bytes is not a whole number of " +
                           std::to_string(record) + "-byte records (dimension " +
                           std::to_string(d) + "): the file is truncated or not a " + name +
                           " file");
    }
    info.n = size_t(info.file_bytes / record);
}

void read_npy_layout(InputFile& file, Layout& layout) {
    VectorFileInfo& info = layout.info;
    const std::string& path = info.path;
    unsigned char prefix[10];
    if (info.file_bytes < sizeof(prefix)) {
        fail(path, "truncated: " + std::to_string(info.file_bytes) +
                           " bytes is too short for a .npy file");
    }
    file.read_exact(prefix, sizeof(prefix));
    if (std::memcmp(prefix, kNpyMagic, kNpyMagicSize) != 0) {
        fail(path, "not a .npy file (no \\x93NUMPY magic at the start)");
    }
    int major = prefix[6], minor = prefix[7];
    uint64_t header_len = 0;
    uint64_t offset = 0;
    if (major == 1) {
        header_len = uint64_t(prefix[8]) | uint64_t(prefix[9]) << 8;
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (info.file_bytes < 12) {
            fail(path, "truncated: the .npy header is incomplete");
        }
        unsigned char rest[2];
        file.read_exact(rest, sizeof(rest));
        header_len = uint64_t(prefix[8]) | uint64_t(prefix[9]) << 8 | uint64_t(rest[0]) << 16 |
                     uint64_t(rest[1]) << 24;
        offset = 12;
    } else {
        fail(path, "unsupported .npy format version " + std::to_string(major) + "." +
                           std::to_string(minor) + " (versions 1.0, 2.0 and 3.0 are read)");
    }
    info.npy_version = major;
    if (header_len > kMaxNpyHeader) {
        fail(path, "corrupt .npy header length " + std::to_string(header_len));
    }
    if (offset + header_len > info.file_bytes) {
        fail(path, "truncated: the .npy header runs past the end of the file");
    }
    std::string text(size_t(header_len), '\0');
    file.read_exact(text.data(), text.size());
    offset += header_len;

    NpyHeader header = parse_npy_header(text, path);
    std::optional<ElementType> type = npy_element_type(header.descr);
    if (!type) {
        if (!header.descr.empty() && header.descr[0] == '>') {
            fail(path, "big-endian dtype '" + header.descr +
                               "' is not supported; save arr.astype(arr.dtype.newbyteorder('<')) "
                               "instead");
        }
        fail(path, "unsupported dtype '" + header.descr +
                           "'; expected float32 ('<f4'), float64 ('<f8') or uint8 ('|u1') vectors,"
                           " or int32/int64 ids");
    }
    info.type = *type;
    if (header.fortran_order) {
        fail(path,
             "Fortran-order arrays are not supported; save np.ascontiguousarray(arr) instead");
    }
    if (header.shape.size() != 2) {
        fail(path, "expected a 2-D array (n, d), got shape " + format_npy_shape(header.shape));
    }
    uint64_t n = header.shape[0], d = header.shape[1];
    if (d == 0 || d > kMaxDimension) {
        fail(path,
             "dimension " + std::to_string(d) + " is outside 1.." + std::to_string(kMaxDimension));
    }
    uint64_t available = info.file_bytes - offset;
    uint64_t data_bytes = 0;
    if (__builtin_mul_overflow(n, d * element_size(info.type), &data_bytes) ||
        data_bytes > available) {
        fail(path, "truncated: shape " + format_npy_shape(header.shape) + " of " +
                           element_type_name(info.type) + " needs more than the " +
                           std::to_string(available) + " bytes that follow the header");
    }
    if (data_bytes < available) {
        fail(path, std::to_string(available - data_bytes) +
                           " unexpected bytes after the array data: not a plain .npy array");
    }
    info.n = size_t(n);
    info.d = size_t(d);
    layout.data_offset = offset;
}

Layout read_layout(InputFile& file, const std::string& path) {
    std::optional<VectorFormat> format = vector_format_from_path(path);
    if (!format && file.size() >= kNpyMagicSize) {
        char magic[kNpyMagicSize];
        file.read_exact(magic, sizeof(magic));
        file.seek(0);
        if (std::memcmp(magic, kNpyMagic, kNpyMagicSize) == 0) {
            format = VectorFormat::npy;
        }
    }
    if (!format) {
        fail(path, "unknown vector file type; expected a .fvecs, .bvecs, .ivecs or .npy file");
    }
    Layout layout;
    layout.info.path = path;
    layout.info.format = *format;
    layout.info.file_bytes = file.size();
    if (*format == VectorFormat::npy) {
        read_npy_layout(file, layout);
    } else {
        read_texmex_layout(file, layout);
    }
    return layout;
}

// Sequential access to the rows of a vector file, payload only: texmex record
// headers are checked against the dimension and dropped.
class RowReader {
   public:
    explicit RowReader(const std::string& path) : file_(path), layout_(read_layout(file_, path)) {
        file_.seek(layout_.data_offset);
    }

    const VectorFileInfo& info() const { return layout_.info; }

    size_t row_bytes() const { return layout_.info.d * element_size(layout_.info.type); }

    /// Rows per chunk of about kChunkBytes.
    size_t chunk_rows() const { return std::max<size_t>(1, kChunkBytes / row_bytes()); }

    /// Reads up to `rows` more rows into out; returns how many were read.
    size_t read(size_t rows, uint8_t* out) {
        rows = std::min(rows, layout_.info.n - next_row_);
        size_t payload = row_bytes();
        if (layout_.record_header == 0) {
            file_.read_exact(out, rows * payload);
        } else {
            size_t record = layout_.record_header + payload;
            buffer_.resize(rows * record);
            file_.read_exact(buffer_.data(), buffer_.size());
            for (size_t i = 0; i < rows; i++) {
                const uint8_t* rec = buffer_.data() + i * record;
                int32_t d;
                std::memcpy(&d, rec, sizeof(d));
                if (d < 0 || size_t(d) != layout_.info.d) {
                    fail(layout_.info.path,
                         "record " + std::to_string(next_row_ + i) + " declares dimension " +
                                 std::to_string(d) + " but the first record has " +
                                 std::to_string(layout_.info.d) + ": the file is corrupt");
                }
                std::memcpy(out + i * payload, rec + layout_.record_header, payload);
            }
        }
        next_row_ += rows;
        return rows;
    }

   private:
    InputFile file_;
    Layout layout_;
    size_t next_row_ = 0;
    std::vector<uint8_t> buffer_;
};

template <typename Out>
void convert(const uint8_t* raw, ElementType type, size_t count, Out* out) {
    auto copy = [&](auto tag) {
        using In = decltype(tag);
        for (size_t i = 0; i < count; i++) {
            In v;
            std::memcpy(&v, raw + i * sizeof(In), sizeof(In));
            out[i] = Out(v);
        }
    };
    switch (type) {
        case ElementType::uint8:
            copy(uint8_t());
            break;
        case ElementType::int32:
            copy(int32_t());
            break;
        case ElementType::int64:
            copy(int64_t());
            break;
        case ElementType::float32:
            copy(float());
            break;
        case ElementType::float64:
            copy(double());
            break;
    }
}

template <typename T>
Matrix<T> read_rows(RowReader& reader, size_t max_rows) {
    const VectorFileInfo& info = reader.info();
    Matrix<T> m;
    m.n = std::min(info.n, max_rows);
    m.d = info.d;
    check_fits_in_memory(info.path, m.n, m.d, sizeof(T));
    m.values.resize(m.n * m.d);
    std::vector<uint8_t> raw(reader.chunk_rows() * reader.row_bytes());
    for (size_t row = 0; row < m.n;) {
        size_t got = reader.read(std::min(reader.chunk_rows(), m.n - row), raw.data());
        convert(raw.data(), info.type, got * m.d, m.values.data() + row * m.d);
        row += got;
    }
    return m;
}

bool is_float_type(ElementType type) {
    return type == ElementType::float32 || type == ElementType::float64;
}

template <typename T>
void write_texmex(const std::string& path, const T* x, size_t n, size_t d) {
    if (d == 0 || d > kMaxDimension) {
        fail(path, "cannot write dimension " + std::to_string(d));
    }
    FilePtr file(std::fopen(path.c_str(), "wb"));
    if (!file) {
        fail(path, "cannot create: " + errno_text());
    }
    int32_t d32 = int32_t(d);
    for (size_t i = 0; i < n; i++) {
        if (std::fwrite(&d32, sizeof(d32), 1, file.get()) != 1 ||
            std::fwrite(x + i * d, sizeof(T), d, file.get()) != d) {
            fail(path, "write error: " + errno_text());
        }
    }
    if (std::fclose(file.release()) != 0) {
        fail(path, "write error: " + errno_text());
    }
}

} // namespace

const char* format_name(VectorFormat format) {
    switch (format) {
        case VectorFormat::fvecs:
            return "fvecs";
        case VectorFormat::bvecs:
            return "bvecs";
        case VectorFormat::ivecs:
            return "ivecs";
        case VectorFormat::npy:
            return "npy";
    }
    return "unknown";
}

const char* element_type_name(ElementType type) {
    switch (type) {
        case ElementType::uint8:
            return "uint8";
        case ElementType::int32:
            return "int32";
        case ElementType::int64:
            return "int64";
        case ElementType::float32:
            return "float32";
        case ElementType::float64:
            return "float64";
    }
    return "unknown";
}

size_t element_size(ElementType type) {
    switch (type) {
        case ElementType::uint8:
            return 1;
        case ElementType::int32:
        case ElementType::float32:
            return 4;
        case ElementType::int64:
        case ElementType::float64:
            return 8;
    }
    return 0;
}

std::optional<VectorFormat> vector_format_from_path(const std::string& path) {
    std::string ext = lower_extension(path);
    static const std::pair<const char*, VectorFormat> known[] = {
            {"fvecs", VectorFormat::fvecs},
            {"bvecs", VectorFormat::bvecs},
            {"ivecs", VectorFormat::ivecs},
            {"npy", VectorFormat::npy},
    };
    for (const auto& [name, format] : known) {
        if (ext == name) {
            return format;
        }
    }
    return std::nullopt;
}

VectorFileInfo inspect_vector_file(const std::string& path) {
    InputFile file(path);
    return read_layout(file, path).info;
}

Matrix<float> read_float_vectors(const std::string& path, size_t max_rows) {
    RowReader reader(path);
    const VectorFileInfo& info = reader.info();
    if (info.type == ElementType::int32 || info.type == ElementType::int64) {
        fail(path, std::string("holds ") + element_type_name(info.type) +
                           " values (ids?); vectors must be .fvecs, .bvecs or a "
                           "float32/float64/uint8 .npy");
    }
    Matrix<float> m = read_rows<float>(reader, max_rows);
    if (is_float_type(info.type)) {
        for (size_t i = 0; i < m.values.size(); i++) {
            if (!std::isfinite(m.values[i])) {
                fail(path,
                     "vector " + std::to_string(i / m.d) + " has a non-finite value (" +
                             std::to_string(m.values[i]) + ") at dimension " +
                             std::to_string(i % m.d) +
                             (info.type == ElementType::float64 ? " (after conversion to float32)"
                                                                : ""));
            }
        }
    }
    return m;
}

Matrix<int64_t> read_int_vectors(const std::string& path, size_t max_rows) {
    RowReader reader(path);
    const VectorFileInfo& info = reader.info();
    if (info.type != ElementType::int32 && info.type != ElementType::int64) {
        fail(path, std::string("holds ") + element_type_name(info.type) +
                           " values; integer ids must be .ivecs or an int32/int64 .npy");
    }
    return read_rows<int64_t>(reader, max_rows);
}

ValueStats scan_values(
        const std::string& path,
        const std::function<void(size_t rows_done, size_t rows_total)>& on_rows) {
    RowReader reader(path);
    const VectorFileInfo& info = reader.info();
    ValueStats stats;
    std::vector<uint8_t> raw(reader.chunk_rows() * reader.row_bytes());
    std::vector<double> values(reader.chunk_rows() * info.d);
    double sum = 0;
    uint64_t finite = 0;
    for (size_t row = 0; row < info.n;) {
        size_t got = reader.read(reader.chunk_rows(), raw.data());
        size_t count = got * info.d;
        convert(raw.data(), info.type, count, values.data());
        for (size_t i = 0; i < count; i++) {
            double v = values[i];
            if (!std::isfinite(v)) {
                stats.non_finite++;
                continue;
            }
            stats.min = finite == 0 ? v : std::min(stats.min, v);
            stats.max = finite == 0 ? v : std::max(stats.max, v);
            stats.all_integers = stats.all_integers && v == std::floor(v);
            sum += v;
            finite++;
        }
        row += got;
        if (on_rows) {
            on_rows(row, info.n);
        }
    }
    stats.count = uint64_t(info.n) * info.d;
    stats.mean = finite ? sum / double(finite) : 0.0;
    return stats;
}

void check_fits_in_memory(const std::string& what, size_t n, size_t d, size_t value_bytes) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) {
        return;
    }
    uint64_t physical = uint64_t(pages) * uint64_t(page_size);
    uint64_t need = 0;
    if (__builtin_mul_overflow(uint64_t(n), uint64_t(d) * value_bytes, &need)) {
        need = UINT64_MAX;
    }
    if (need > physical) {
        fail(what, std::to_string(n) + " x " + std::to_string(d) + " values need " +
                           human_bytes(need) + ", more than this machine's " +
                           human_bytes(physical) + " of memory; use fewer vectors");
    }
}

void write_fvecs(const std::string& path, const float* x, size_t n, size_t d) {
    write_texmex(path, x, n, d);
}

void write_bvecs(const std::string& path, const uint8_t* x, size_t n, size_t d) {
    write_texmex(path, x, n, d);
}

void write_ivecs(const std::string& path, const int32_t* x, size_t n, size_t d) {
    write_texmex(path, x, n, d);
}

void write_npy(const std::string& path, const void* data, ElementType type, size_t n, size_t d) {
    std::string header = format_npy_header(npy_descr(type), n, d);
    // numpy pads the header with spaces and a newline so the data starts on a
    // 64-byte boundary; version 1.0 holds header lengths below 65536.
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    if (header.size() > 0xffff) {
        fail(path, "npy header too long");
    }
    FilePtr file(std::fopen(path.c_str(), "wb"));
    if (!file) {
        fail(path, "cannot create: " + errno_text());
    }
    unsigned char prefix[10];
    std::memcpy(prefix, kNpyMagic, kNpyMagicSize);
    prefix[6] = 1;
    prefix[7] = 0;
    prefix[8] = uint8_t(header.size() & 0xff);
    prefix[9] = uint8_t(header.size() >> 8);
    size_t data_bytes = n * d * element_size(type);
    if (std::fwrite(prefix, 1, sizeof(prefix), file.get()) != sizeof(prefix) ||
        std::fwrite(header.data(), 1, header.size(), file.get()) != header.size() ||
        (data_bytes > 0 && std::fwrite(data, 1, data_bytes, file.get()) != data_bytes)) {
        fail(path, "write error: " + errno_text());
    }
    if (std::fclose(file.release()) != 0) {
        fail(path, "write error: " + errno_text());
    }
}

} // namespace faisslike::tools
