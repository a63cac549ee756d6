#pragma once

#include <faisslike/IndexIVF.h>

namespace faisslike {

/// The IndexIVF inside index, looking through IndexPreTransform, IndexIDMap and
/// IndexRefine wrappers (Faiss's ivflib); nullptr when there is none.
IndexIVF* try_extract_index_ivf(Index* index);
const IndexIVF* try_extract_index_ivf(const Index* index);

/// Same, but throws when index holds no IVF index.
IndexIVF* extract_index_ivf(Index* index);
const IndexIVF* extract_index_ivf(const Index* index);

} // namespace faisslike
