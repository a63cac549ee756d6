#include <faisslike/impl/mapped_file.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

MappedFile::MappedFile(const std::string& fname) : name_(fname) {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    FAISSLIKE_THROW_IF_NOT_FMT(fd >= 0, "could not open %s for reading: %s", fname.c_str(), std::strerror(errno));
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        FAISSLIKE_THROW_FMT("could not memory-map %s: not a regular file", fname.c_str());
    }
    size_ = size_t(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
        int err = errno;
        ::close(fd);
        FAISSLIKE_THROW_IF_NOT_FMT(p != MAP_FAILED, "could not memory-map %s: %s", fname.c_str(), std::strerror(err));
        data_ = static_cast<const uint8_t*>(p);
    } else {
        ::close(fd);
    }
}

MappedFile::~MappedFile() {
    if (data_) {
        ::munmap(const_cast<uint8_t*>(data_), size_);
    }
}

MappedFileIOReader::MappedFileIOReader(std::shared_ptr<MappedFile> file) : file_(std::move(file)) {
    FAISSLIKE_THROW_IF_NOT_MSG(file_, "MappedFileIOReader: null file");
    name = file_->name();
}

size_t MappedFileIOReader::operator()(void* ptr, size_t size, size_t nitems) {
    if (size == 0 || pos_ >= file_->size()) {
        return 0;
    }
    size_t n = std::min(nitems, (file_->size() - pos_) / size);
    std::memcpy(ptr, file_->data() + pos_, n * size);
    pos_ += n * size;
    return n;
}

const uint8_t* MappedFileIOReader::view(size_t nbytes) {
    FAISSLIKE_THROW_IF_NOT_FMT(nbytes <= file_->size() - pos_,
                               "read error in %s: %zu bytes requested, %zu remain (truncated index file)",
                               name.c_str(), nbytes, file_->size() - pos_);
    const uint8_t* p = file_->data() + pos_;
    pos_ += nbytes;
    return p;
}

} // namespace faisslike
