#include <faisslike/index_io.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/index_registry.h>
#include <faisslike/impl/mapped_file.h>

namespace faisslike {

namespace {

/// A temporary file beside fname that is renamed over it on commit() and removed
/// otherwise.
class AtomicFile {
   public:
    explicit AtomicFile(const std::string& fname) : target_(fname) {
        std::random_device rd;
        for (int attempt = 0; attempt < 16 && !f_; attempt++) {
            tmp_ = target_ + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd());
            int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd >= 0) {
                f_ = fdopen(fd, "wb");
                if (!f_) {
                    ::close(fd);
                }
            } else if (errno != EEXIST) {
                break;
            }
        }
        FAISSLIKE_THROW_IF_NOT_FMT(f_, "could not open %s for writing: %s", fname.c_str(), std::strerror(errno));
    }

    ~AtomicFile() {
        if (f_) {
            std::fclose(f_);
        }
        if (!committed_) {
            ::unlink(tmp_.c_str());
        }
    }

    FILE* file() { return f_; }

    void commit() {
        bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
        ok = std::fclose(f_) == 0 && ok;
        f_ = nullptr;
        FAISSLIKE_THROW_IF_NOT_FMT(ok, "write error in %s: %s", target_.c_str(), std::strerror(errno));
        FAISSLIKE_THROW_IF_NOT_FMT(::rename(tmp_.c_str(), target_.c_str()) == 0, "could not rename %s to %s: %s",
                                   tmp_.c_str(), target_.c_str(), std::strerror(errno));
        committed_ = true;
    }

   private:
    std::string target_, tmp_;
    FILE* f_ = nullptr;
    bool committed_ = false;
};

} // namespace

void write_index(const Index* index, IOWriter* writer, int io_flags) {
    FAISSLIKE_THROW_IF_NOT_MSG(writer, "write_index: null writer");
    WriteStream out(writer, io_flags);
    write_index_block(index, out);
}

void write_index(const Index* index, FILE* f, int io_flags) {
    FileIOWriter writer(f);
    write_index(index, &writer, io_flags);
}

void write_index(const Index* index, const char* fname, int io_flags) {
    FAISSLIKE_THROW_IF_NOT_MSG(fname, "write_index: null file name");
    AtomicFile file(fname);
    FileIOWriter writer(file.file());
    writer.name = fname;
    write_index(index, &writer, io_flags);
    file.commit();
}

std::unique_ptr<Index> read_index_up(IOReader* reader, int io_flags) {
    FAISSLIKE_THROW_IF_NOT_MSG(reader, "read_index: null reader");
    ReadStream in(reader, io_flags);
    std::unique_ptr<Index> index;
    try {
        index = read_index_block(in);
    } catch (const FaisslikeException&) {
        throw;
    } catch (const std::exception& e) {
        // Defence in depth: whatever a damaged file provokes reaches the caller
        // as the library's own error.
        FAISSLIKE_THROW_FMT("invalid index file %s: %s", reader->name.c_str(), e.what());
    }
    FAISSLIKE_THROW_IF_NOT_FMT(index, "read_index: %s holds a null index", reader->name.c_str());
    return index;
}

std::unique_ptr<Index> read_index_up(const char* fname, int io_flags) {
    FAISSLIKE_THROW_IF_NOT_MSG(fname, "read_index: null file name");
    if ((io_flags & IO_FLAG_MMAP) == IO_FLAG_MMAP) {
        MappedFileIOReader reader(std::make_shared<MappedFile>(fname));
        return read_index_up(&reader, io_flags);
    }
    FileIOReader reader(fname);
    return read_index_up(&reader, io_flags);
}

Index* read_index(IOReader* reader, int io_flags) {
    return read_index_up(reader, io_flags).release();
}

Index* read_index(FILE* f, int io_flags) {
    FileIOReader reader(f);
    return read_index(&reader, io_flags);
}

Index* read_index(const char* fname, int io_flags) {
    return read_index_up(fname, io_flags).release();
}

std::vector<uint8_t> serialize_index(const Index* index, int io_flags) {
    VectorIOWriter writer;
    writer.name = "memory buffer";
    write_index(index, &writer, io_flags);
    return std::move(writer.data);
}

Index* deserialize_index(const uint8_t* data, size_t size, int io_flags) {
    BufferIOReader reader(data, size);
    reader.name = "memory buffer";
    return read_index(&reader, io_flags);
}

Index* deserialize_index(const std::vector<uint8_t>& data, int io_flags) {
    return deserialize_index(data.data(), data.size(), io_flags);
}

void write_VectorTransform(const VectorTransform* vt, IOWriter* writer) {
    FAISSLIKE_THROW_IF_NOT_MSG(vt && writer, "write_VectorTransform: null argument");
    WriteStream out(writer, 0);
    write_transform_block(*vt, out);
}

void write_VectorTransform(const VectorTransform* vt, const char* fname) {
    FAISSLIKE_THROW_IF_NOT_MSG(fname, "write_VectorTransform: null file name");
    AtomicFile file(fname);
    FileIOWriter writer(file.file());
    writer.name = fname;
    write_VectorTransform(vt, &writer);
    file.commit();
}

VectorTransform* read_VectorTransform(IOReader* reader) {
    FAISSLIKE_THROW_IF_NOT_MSG(reader, "read_VectorTransform: null reader");
    ReadStream in(reader, 0);
    return read_transform_block(in).release();
}

VectorTransform* read_VectorTransform(const char* fname) {
    FileIOReader reader(fname);
    return read_VectorTransform(&reader);
}

} // namespace faisslike
