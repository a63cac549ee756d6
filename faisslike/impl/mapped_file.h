#pragma once

// Read-only memory maps of index files, so that large inverted lists are used in
// place (IO_FLAG_MMAP) rather than copied into memory.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <faisslike/impl/io.h>

namespace faisslike {

/// A whole file mapped read-only; unmapped when the last owner goes.
class MappedFile {
   public:
    explicit MappedFile(const std::string& fname);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& name() const { return name_; }

   private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    std::string name_;
};

/// Reads a mapped file; view() hands out pointers into the mapping so that
/// readers can keep data in place.
class MappedFileIOReader : public IOReader {
   public:
    explicit MappedFileIOReader(std::shared_ptr<MappedFile> file);
    size_t operator()(void* ptr, size_t size, size_t nitems) override;
    std::optional<uint64_t> bytes_remaining() const override { return file_->size() - pos_; }

    /// A pointer to the next nbytes of the file (advancing past them).
    const uint8_t* view(size_t nbytes);
    const std::shared_ptr<MappedFile>& file() const { return file_; }
    /// The address of the next byte view() would hand out.
    uintptr_t position_address() const { return reinterpret_cast<uintptr_t>(file_->data() + pos_); }

   private:
    std::shared_ptr<MappedFile> file_;
    size_t pos_ = 0;
};

} // namespace faisslike
