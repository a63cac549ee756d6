#pragma once

// Byte streams for index files (Faiss's IOReader / IOWriter), and the checked
// primitive reads and writes that every (de)serializer uses. Files are
// little-endian, without padding, exactly as Faiss writes them.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <faisslike/impl/MaybeOwnedVector.h>

namespace faisslike {

/// Sink of bytes. operator() writes nitems items of size bytes and returns the
/// number of items written.
struct IOWriter {
    std::string name;
    virtual size_t operator()(const void* ptr, size_t size, size_t nitems) = 0;
    virtual ~IOWriter() = default;
};

/// Source of bytes. operator() reads up to nitems items of size bytes and
/// returns the number read.
struct IOReader {
    std::string name;
    virtual size_t operator()(void* ptr, size_t size, size_t nitems) = 0;
    /// Bytes left to read, when the reader knows it (files, memory): lets the
    /// deserializer reject impossible sizes before allocating anything.
    virtual std::optional<uint64_t> bytes_remaining() const { return std::nullopt; }
    virtual ~IOReader() = default;
};

/// Writes into a growing byte vector (serialize_index).
struct VectorIOWriter : IOWriter {
    std::vector<uint8_t> data;
    size_t operator()(const void* ptr, size_t size, size_t nitems) override;
};

/// Reads from a byte vector (deserialize_index).
struct VectorIOReader : IOReader {
    std::vector<uint8_t> data;
    size_t rp = 0; ///< read position
    size_t operator()(void* ptr, size_t size, size_t nitems) override;
    std::optional<uint64_t> bytes_remaining() const override { return data.size() - rp; }
};

/// Reads from a caller-owned buffer without copying it.
struct BufferIOReader : IOReader {
    const uint8_t* data;
    size_t size;
    size_t rp = 0;
    BufferIOReader(const uint8_t* data, size_t size);
    size_t operator()(void* ptr, size_t size, size_t nitems) override;
    std::optional<uint64_t> bytes_remaining() const override { return size - rp; }
};

struct FileIOWriter : IOWriter {
    FILE* f = nullptr;
    bool need_close = false;
    explicit FileIOWriter(FILE* f);
    explicit FileIOWriter(const char* fname);
    ~FileIOWriter() override;
    size_t operator()(const void* ptr, size_t size, size_t nitems) override;
    /// Flushes and closes (when opened here); throws if the data did not reach the file.
    void close();
};

struct FileIOReader : IOReader {
    FILE* f = nullptr;
    bool need_close = false;
    explicit FileIOReader(FILE* f);
    explicit FileIOReader(const char* fname);
    ~FileIOReader() override;
    size_t operator()(void* ptr, size_t size, size_t nitems) override;
    std::optional<uint64_t> bytes_remaining() const override;
};

/// The 4-character type code of a file block: c0 | c1 << 8 | c2 << 16 | c3 << 24.
uint32_t fourcc(const char* code);
uint32_t fourcc(const std::string& code);
/// The printable form of a code ("IxF2"), with non-printable bytes escaped.
std::string fourcc_inv(uint32_t code);

/// Checked reads over an IOReader: every failure (truncation, impossible size,
/// invalid value) throws FaisslikeException naming the stream, and no read
/// allocates more than the remaining bytes could fill.
class ReadStream {
   public:
    ReadStream(IOReader* reader, int io_flags);

    template <class T>
    T read() {
        static_assert(std::is_trivially_copyable<T>::value, "plain values only");
        T value;
        read_bytes(&value, sizeof(T));
        return value;
    }
    bool read_bool();
    uint32_t read_fourcc() { return read<uint32_t>(); }
    void read_bytes(void* ptr, size_t nbytes);

    /// A vector written as a size_t count then the items; at most max_count items.
    template <class T>
    std::vector<T> read_vector(uint64_t max_count = UINT64_MAX) {
        static_assert(std::is_trivially_copyable<T>::value, "plain values only");
        uint64_t count = read<uint64_t>();
        std::vector<T> out;
        read_items(count, max_count, sizeof(T), [&](size_t n) {
            out.resize(n);
            return reinterpret_cast<uint8_t*>(out.data());
        });
        return out;
    }

    /// count items of T with no count prefix (the codes and ids of inverted lists).
    template <class T>
    void read_array(std::vector<T>& out, uint64_t count) {
        static_assert(std::is_trivially_copyable<T>::value, "plain values only");
        read_items(count, count, sizeof(T), [&](size_t n) {
            out.resize(n);
            return reinterpret_cast<uint8_t*>(out.data());
        });
    }

    /// A vector of T written as a size_t count then the items, stored as raw
    /// bytes (the flat codes of IndexFlat are floats kept in a byte array).
    /// The count must equal rows * per_row (a product that must not overflow:
    /// both factors come from the file). With IO_FLAG_MMAP the bytes stay in
    /// the mapping, unless they sit at an address not aligned for T (Faiss's
    /// IndexFlat layout puts its floats at an odd offset): those are copied,
    /// since reading misaligned floats is undefined behaviour in C++.
    template <class T>
    void read_vector_as_bytes(MaybeOwnedVector<uint8_t>& out, uint64_t rows, uint64_t per_row) {
        uint64_t expected_count = 0;
        check(!__builtin_mul_overflow(rows, per_row, &expected_count), "%llu rows of %llu items overflow",
              (unsigned long long)rows, (unsigned long long)per_row);
        uint64_t count = read<uint64_t>();
        check(count == expected_count, "vector of %llu items where %llu were expected",
              (unsigned long long)count, (unsigned long long)expected_count);
        if (can_view() && fits_in_remaining(count, sizeof(T)) &&
            is_next_view_aligned(alignof(T))) {
            size_t nbytes = size_t(count * sizeof(T));
            out = MaybeOwnedVector<uint8_t>::view(view(nbytes), nbytes, mapping());
            return;
        }
        std::vector<uint8_t> items;
        read_items(count, count, sizeof(T), [&](size_t n) {
            items.resize(n * sizeof(T));
            return items.data();
        });
        out = std::move(items);
    }

    /// With IO_FLAG_MMAP on a memory-mapped file: a pointer to the next nbytes
    /// in the mapping (advancing past them), kept valid by mapping(). Otherwise
    /// nullptr, and the caller reads the bytes instead.
    const uint8_t* view(size_t nbytes);
    bool can_view() const;
    /// Whether the pointer view() would return next is aligned to alignment.
    bool is_next_view_aligned(size_t alignment) const;
    std::shared_ptr<const void> mapping() const;

    /// Throws "<what>" with the stream name when cond is false (bad file content).
    void check(bool cond, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

    const std::string& name() const { return reader_->name; }
    /// Bytes read so far: what the file has "paid" for, to bound allocations
    /// whose size a field states without the data that would justify it.
    uint64_t bytes_read() const { return bytes_read_; }
    int io_flags() const { return io_flags_; }
    std::optional<uint64_t> bytes_remaining() const { return reader_->bytes_remaining(); }

    /// Nesting guard for recursive blocks (a crafted file cannot recurse forever).
    struct Nested {
        explicit Nested(ReadStream& s);
        ~Nested() { stream.depth_--; }
        ReadStream& stream;
    };

   private:
    /// Checks that count items of item_size bytes fit in what remains (throws
    /// otherwise) and returns true.
    bool fits_in_remaining(uint64_t count, size_t item_size);

    template <class Resize>
    void read_items(uint64_t count, uint64_t max_count, size_t item_size, Resize&& resize);
    void read_items_impl(uint64_t count, uint64_t max_count, size_t item_size,
                         uint8_t* (*resize)(void*, size_t), void* ctx);

    IOReader* reader_;
    int io_flags_;
    int depth_ = 0;
    uint64_t bytes_read_ = 0;
};

template <class Resize>
void ReadStream::read_items(uint64_t count, uint64_t max_count, size_t item_size, Resize&& resize) {
    read_items_impl(count, max_count, item_size,
                    [](void* ctx, size_t n) { return (*static_cast<Resize*>(ctx))(n); }, &resize);
}

/// Writes over an IOWriter; a short write throws.
class WriteStream {
   public:
    WriteStream(IOWriter* writer, int io_flags) : writer_(writer), io_flags_(io_flags) {}

    template <class T>
    void write(const T& value) {
        static_assert(std::is_trivially_copyable<T>::value, "plain values only");
        write_bytes(&value, sizeof(T));
    }
    void write_fourcc(const char* code) { write(fourcc(code)); }
    void write_bytes(const void* ptr, size_t nbytes);

    template <class T>
    void write_vector(const T* data, size_t count) {
        static_assert(std::is_trivially_copyable<T>::value, "plain values only");
        write<uint64_t>(count);
        write_bytes(data, count * sizeof(T));
    }
    template <class T>
    void write_vector(const std::vector<T>& v) {
        write_vector(v.data(), v.size());
    }

    int io_flags() const { return io_flags_; }

   private:
    IOWriter* writer_;
    int io_flags_;
};

} // namespace faisslike
