#pragma once

// Registration of the built-in serializable types (internal).

#include <faisslike/IndexIVF.h>
#include <faisslike/impl/index_registry.h>

namespace faisslike {

/// Registers every built-in type; called once, on the registry's first use.
void register_builtin_io();

/// Per-family registration, one per source file.
void register_core_io();  ///< flat, IDMap, pre-transform, refine, transforms
void register_ivf_io();   ///< IVF indexes, inverted lists, direct map
void register_quantizer_io(); ///< PQ and SQ indexes, flat and IVF
void register_hnsw_io();  ///< HNSW graphs over flat, PQ and SQ storage

/// Shared by the IVF index blocks: the header (index header, nlist, nprobe,
/// quantizer, direct map) and the inverted lists, with their consistency checks.
void write_ivf_header(const IndexIVF& ivf, WriteStream& out);
void read_ivf_header(IndexIVF& ivf, ReadStream& in);
void read_ivf_invlists(IndexIVF& ivf, ReadStream& in);

namespace builtin_detail {
// Adds entries without triggering the built-in registration again.
void add_index(IOEntry<Index> e);
void add_invlists(IOEntry<InvertedLists> e);
void add_transform(IOEntry<VectorTransform> e);
} // namespace builtin_detail

} // namespace faisslike
