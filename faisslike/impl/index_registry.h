#pragma once

// The registry of serializable types: each index, inverted-lists or vector
// transform type registers its four-character code(s) with a writer and a
// reader. Built-in types register through the same calls as a user's own types,
// so a type defined outside the library round-trips through write_index /
// read_index without editing faisslike. (Faiss has one long dynamic_cast ladder
// and one fourcc chain instead.)

#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/io.h>

namespace faisslike {

struct InvertedLists;
struct VectorTransform;

/// How one family of types is written and read. `write_code` is the fourcc the
/// writer emits (informational); `read_codes` are all the codes `read` accepts
/// (the writer's own plus legacy ones). `types` are the exact dynamic types the
/// writer serves.
template <class T>
struct IOEntry {
    std::vector<std::string> read_codes;
    std::vector<std::type_index> types;
    std::function<void(const T&, WriteStream&)> write; ///< writes the fourcc first
    std::function<std::unique_ptr<T>(uint32_t code, ReadStream&)> read; ///< fourcc already read
};

void register_index_io(IOEntry<Index> entry);
void register_invlists_io(IOEntry<InvertedLists> entry);
void register_transform_io(IOEntry<VectorTransform> entry);

/// Recursive building blocks for readers and writers of composite types.
/// A null index is written as the code "null" and read back as nullptr.
void write_index_block(const Index* index, WriteStream& out);
std::unique_ptr<Index> read_index_block(ReadStream& in);
void write_invlists_block(const InvertedLists* il, WriteStream& out);
std::unique_ptr<InvertedLists> read_invlists_block(ReadStream& in);
void write_transform_block(const VectorTransform& vt, WriteStream& out);
std::unique_ptr<VectorTransform> read_transform_block(ReadStream& in);

/// The common header of every index block (d, ntotal, is_trained, metric...).
void write_index_header(const Index& index, WriteStream& out);
void read_index_header(Index& index, ReadStream& in);

} // namespace faisslike
