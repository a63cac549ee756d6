#pragma once

// Readers and writers for the vector files ANN benchmarks use: texmex .fvecs,
// .bvecs and .ivecs, and numpy .npy (2-D, C order, little endian). Readers check
// the whole file's shape against its size before allocating anything, and every
// problem is a FaisslikeException with a one-line message that names the file.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace faisslike::tools {

enum class VectorFormat { fvecs, bvecs, ivecs, npy };

enum class ElementType { uint8, int32, int64, float32, float64 };

const char* format_name(VectorFormat format);
/// numpy's name for the type ("float32", "uint8", ...).
const char* element_type_name(ElementType type);
size_t element_size(ElementType type);

/// The format named by the file's extension (case-insensitive), if it is one of
/// ours. Readers also take a .npy file under another name, by its magic bytes.
std::optional<VectorFormat> vector_format_from_path(const std::string& path);

/// Largest dimension accepted: far above any real embedding, low enough that a
/// corrupt header cannot make us allocate absurd amounts.
constexpr size_t kMaxDimension = size_t(1) << 24;

/// What a vector file holds, learned from its header and size alone.
struct VectorFileInfo {
    std::string path;
    VectorFormat format = VectorFormat::fvecs;
    ElementType type = ElementType::float32;
    size_t n = 0; ///< number of vectors (rows)
    size_t d = 0; ///< dimension (columns)
    uint64_t file_bytes = 0;
    int npy_version = 0; ///< major version of a .npy file, else 0
};

/// Reads the header and checks that the file size matches it.
VectorFileInfo inspect_vector_file(const std::string& path);

/// Row-major n x d values.
template <typename T>
struct Matrix {
    size_t n = 0;
    size_t d = 0;
    std::vector<T> values;

    const T* row(size_t i) const { return values.data() + i * d; }
};

constexpr size_t kAllRows = std::numeric_limits<size_t>::max();

/// The first min(n, max_rows) vectors of a .fvecs, .bvecs (bytes become floats)
/// or float32/float64/uint8 .npy file. Throws on NaN or infinite values, which
/// would make every distance meaningless.
Matrix<float> read_float_vectors(const std::string& path, size_t max_rows = kAllRows);

/// The first min(n, max_rows) rows of an .ivecs or int32/int64 .npy file, such
/// as ground-truth neighbour ids.
Matrix<int64_t> read_int_vectors(const std::string& path, size_t max_rows = kAllRows);

/// Summary of every value in a vector file, computed in one streaming pass.
struct ValueStats {
    uint64_t count = 0;      ///< values read
    uint64_t non_finite = 0; ///< NaN or infinite values (not in min/max/mean)
    double min = 0;
    double max = 0;
    double mean = 0;
    bool all_integers = true; ///< every finite value is a whole number
};

/// `on_rows` (optional) is told how many rows have been read so far, for progress.
ValueStats scan_values(
        const std::string& path,
        const std::function<void(size_t rows_done, size_t rows_total)>& on_rows = {});

/// Throws "<what>: n x d values need X, more than this machine's Y of memory"
/// when n * d values of value_bytes each exceed the physical memory: a clear
/// message beats std::bad_alloc or the OOM killer.
void check_fits_in_memory(const std::string& what, size_t n, size_t d, size_t value_bytes);

void write_fvecs(const std::string& path, const float* x, size_t n, size_t d);
void write_bvecs(const std::string& path, const uint8_t* x, size_t n, size_t d);
void write_ivecs(const std::string& path, const int32_t* x, size_t n, size_t d);
/// Writes a version 1.0 .npy of shape (n, d); `data` holds n * d values of `type`.
void write_npy(const std::string& path, const void* data, ElementType type, size_t n, size_t d);

} // namespace faisslike::tools
