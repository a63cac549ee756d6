#include <faisslike/impl/io.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/mapped_file.h>

namespace faisslike {

size_t VectorIOWriter::operator()(const void* ptr, size_t size, size_t nitems) {
    size_t bytes = size * nitems;
    if (bytes > 0) {
        const auto* p = static_cast<const uint8_t*>(ptr);
        data.insert(data.end(), p, p + bytes);
    }
    return nitems;
}

size_t VectorIOReader::operator()(void* ptr, size_t size, size_t nitems) {
    if (size == 0 || rp >= data.size()) {
        return 0;
    }
    size_t n = std::min(nitems, (data.size() - rp) / size);
    std::memcpy(ptr, data.data() + rp, n * size);
    rp += n * size;
    return n;
}

BufferIOReader::BufferIOReader(const uint8_t* data, size_t size) : data(data), size(size) {
    FAISSLIKE_THROW_IF_NOT_MSG(data || size == 0, "BufferIOReader: null buffer");
}

size_t BufferIOReader::operator()(void* ptr, size_t item_size, size_t nitems) {
    if (item_size == 0 || rp >= size) {
        return 0;
    }
    size_t n = std::min(nitems, (size - rp) / item_size);
    std::memcpy(ptr, data + rp, n * item_size);
    rp += n * item_size;
    return n;
}

FileIOWriter::FileIOWriter(FILE* f) : f(f) {
    FAISSLIKE_THROW_IF_NOT_MSG(f, "FileIOWriter: null FILE*");
    name = "FILE*";
}

FileIOWriter::FileIOWriter(const char* fname) {
    FAISSLIKE_THROW_IF_NOT_MSG(fname, "FileIOWriter: null file name");
    f = std::fopen(fname, "wb");
    FAISSLIKE_THROW_IF_NOT_FMT(f, "could not open %s for writing: %s", fname, std::strerror(errno));
    need_close = true;
    name = fname;
}

FileIOWriter::~FileIOWriter() {
    if (need_close && f) {
        std::fclose(f);
    }
}

size_t FileIOWriter::operator()(const void* ptr, size_t size, size_t nitems) {
    return nitems == 0 ? 0 : std::fwrite(ptr, size, nitems, f);
}

void FileIOWriter::close() {
    if (!f) {
        return;
    }
    bool ok = std::fflush(f) == 0;
    if (need_close) {
        ok = std::fclose(f) == 0 && ok;
        f = nullptr;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(ok, "write error in %s: %s", name.c_str(), std::strerror(errno));
}

FileIOReader::FileIOReader(FILE* f) : f(f) {
    FAISSLIKE_THROW_IF_NOT_MSG(f, "FileIOReader: null FILE*");
    name = "FILE*";
}

FileIOReader::FileIOReader(const char* fname) {
    FAISSLIKE_THROW_IF_NOT_MSG(fname, "FileIOReader: null file name");
    f = std::fopen(fname, "rb");
    FAISSLIKE_THROW_IF_NOT_FMT(f, "could not open %s for reading: %s", fname, std::strerror(errno));
    need_close = true;
    name = fname;
}

FileIOReader::~FileIOReader() {
    if (need_close && f) {
        std::fclose(f);
    }
}

size_t FileIOReader::operator()(void* ptr, size_t size, size_t nitems) {
    return nitems == 0 ? 0 : std::fread(ptr, size, nitems, f);
}

std::optional<uint64_t> FileIOReader::bytes_remaining() const {
    struct stat st;
    long pos = std::ftell(f);
    if (pos < 0 || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        return std::nullopt; // a pipe or socket: unknown
    }
    return uint64_t(st.st_size) > uint64_t(pos) ? uint64_t(st.st_size) - uint64_t(pos) : 0;
}

uint32_t fourcc(const char* code) {
    FAISSLIKE_THROW_IF_NOT_MSG(code && std::strlen(code) == 4, "fourcc: need 4 characters");
    return uint32_t(uint8_t(code[0])) | uint32_t(uint8_t(code[1])) << 8 |
            uint32_t(uint8_t(code[2])) << 16 | uint32_t(uint8_t(code[3])) << 24;
}

uint32_t fourcc(const std::string& code) {
    return fourcc(code.c_str());
}

std::string fourcc_inv(uint32_t code) {
    std::string out;
    for (int i = 0; i < 4; i++) {
        unsigned char c = (code >> (8 * i)) & 0xff;
        if (c >= 32 && c < 127) {
            out += char(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

ReadStream::ReadStream(IOReader* reader, int io_flags) : reader_(reader), io_flags_(io_flags) {
    FAISSLIKE_THROW_IF_NOT_MSG(reader, "null IOReader");
}

void ReadStream::check(bool cond, const char* fmt, ...) {
    if (cond) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    char buf[512];
    std::vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    FAISSLIKE_THROW_FMT("invalid index file %s: %s", reader_->name.c_str(), buf);
}

void ReadStream::read_bytes(void* ptr, size_t nbytes) {
    if (nbytes == 0) {
        return;
    }
    size_t got = (*reader_)(ptr, 1, nbytes);
    FAISSLIKE_THROW_IF_NOT_FMT(
            got == nbytes,
            "read error in %s: %zu != %zu (truncated or damaged index file)",
            reader_->name.c_str(), got, nbytes);
    bytes_read_ += nbytes;
}

bool ReadStream::read_bool() {
    uint8_t b = read<uint8_t>();
    check(b <= 1, "boolean field holds %u", unsigned(b));
    return b == 1;
}

bool ReadStream::fits_in_remaining(uint64_t count, size_t item_size) {
    check(count <= (UINT64_MAX >> 1) / std::max<size_t>(item_size, 1), "vector size %llu overflows",
          (unsigned long long)count);
    uint64_t nbytes = count * item_size;
    if (auto left = reader_->bytes_remaining()) {
        check(nbytes <= *left, "vector of %llu bytes but only %llu bytes remain (truncated file?)",
              (unsigned long long)nbytes, (unsigned long long)*left);
    }
    return true;
}

void ReadStream::read_items_impl(uint64_t count, uint64_t max_count, size_t item_size,
                                 uint8_t* (*resize)(void*, size_t), void* ctx) {
    check(count <= max_count, "vector of %llu items where at most %llu are possible",
          (unsigned long long)count, (unsigned long long)max_count);
    fits_in_remaining(count, item_size);
    // Unknown length (a pipe, a callback): grow while reading, so a false size
    // fails at the end of the data after allocating at most about what was there.
    const uint64_t chunk_items = std::max<uint64_t>(1, (uint64_t(1) << 24) / std::max<size_t>(item_size, 1));
    uint64_t done = 0;
    while (done < count) {
        uint64_t next = std::min(count, done + std::max(chunk_items, done));
        uint8_t* base = resize(ctx, size_t(next));
        read_bytes(base + done * item_size, size_t((next - done) * item_size));
        done = next;
    }
    if (count == 0) {
        resize(ctx, 0);
    }
}

bool ReadStream::can_view() const {
    constexpr int kMmapMark = 0x646f0000; // the "od" bits of IO_FLAG_MMAP
    return dynamic_cast<MappedFileIOReader*>(reader_) && (io_flags_ & 0xffff0000) == kMmapMark;
}

const uint8_t* ReadStream::view(size_t nbytes) {
    if (!can_view()) {
        return nullptr;
    }
    bytes_read_ += nbytes;
    return static_cast<MappedFileIOReader*>(reader_)->view(nbytes);
}

bool ReadStream::is_next_view_aligned(size_t alignment) const {
    auto* mapped = dynamic_cast<MappedFileIOReader*>(reader_);
    return mapped && mapped->position_address() % alignment == 0;
}

std::shared_ptr<const void> ReadStream::mapping() const {
    auto* mapped = dynamic_cast<MappedFileIOReader*>(reader_);
    return mapped ? std::shared_ptr<const void>(mapped->file()) : nullptr;
}

ReadStream::Nested::Nested(ReadStream& s) : stream(s) {
    s.check(++s.depth_ <= 50, "index blocks nested more than 50 deep");
}

void WriteStream::write_bytes(const void* ptr, size_t nbytes) {
    if (nbytes == 0) {
        return;
    }
    size_t put = (*writer_)(ptr, 1, nbytes);
    FAISSLIKE_THROW_IF_NOT_FMT(put == nbytes, "write error in %s: %zu != %zu", writer_->name.c_str(),
                               put, nbytes);
}

} // namespace faisslike
