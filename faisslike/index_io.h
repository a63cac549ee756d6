#pragma once

// Reading and writing indexes in Faiss's own file format: a file written by Faiss
// loads here, and the reverse. Every reader checks each size and value against
// the bytes that remain, so a damaged or hostile file gives an error, never a
// crash or an outsized allocation.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/io.h>

namespace faisslike {

struct VectorTransform;

/// Faiss's I/O flags (same values).
constexpr int IO_FLAG_SKIP_STORAGE = 1;
constexpr int IO_FLAG_READ_ONLY = 2;
constexpr int IO_FLAG_ONDISK_SAME_DIR = 4;
constexpr int IO_FLAG_SKIP_IVF_DATA = 8;
constexpr int IO_FLAG_SKIP_PRECOMPUTE_TABLE = 16;
constexpr int IO_FLAG_PQ_SKIP_SDC_TABLE = 32;
/// Use the inverted lists and flat codes in place from a memory map of the file.
/// Mapped inverted lists are read-only (a change throws, as in Faiss); mapped
/// flat codes (IndexPQ, IndexScalarQuantizer, HNSW storage) are copied into
/// memory on the first change instead. IndexFlat's floats sit at an offset not
/// aligned for floats in Faiss's layout, so they are always read into memory.
constexpr int IO_FLAG_MMAP = IO_FLAG_SKIP_IVF_DATA | 0x646f0000;

/// Writes atomically: the bytes go to a temporary file in the same directory,
/// which replaces fname only once complete and flushed, so a crash or a full
/// disk never leaves a damaged index under the real name.
void write_index(const Index* index, const char* fname, int io_flags = 0);
void write_index(const Index* index, FILE* f, int io_flags = 0);
void write_index(const Index* index, IOWriter* writer, int io_flags = 0);

/// The caller owns the result.
Index* read_index(const char* fname, int io_flags = 0);
Index* read_index(FILE* f, int io_flags = 0);
Index* read_index(IOReader* reader, int io_flags = 0);
std::unique_ptr<Index> read_index_up(const char* fname, int io_flags = 0);
std::unique_ptr<Index> read_index_up(IOReader* reader, int io_flags = 0);

/// The file bytes of an index, in memory.
std::vector<uint8_t> serialize_index(const Index* index, int io_flags = 0);
Index* deserialize_index(const uint8_t* data, size_t size, int io_flags = 0);
Index* deserialize_index(const std::vector<uint8_t>& data, int io_flags = 0);

void write_VectorTransform(const VectorTransform* vt, const char* fname);
void write_VectorTransform(const VectorTransform* vt, IOWriter* writer);
VectorTransform* read_VectorTransform(const char* fname);
VectorTransform* read_VectorTransform(IOReader* reader);

} // namespace faisslike
