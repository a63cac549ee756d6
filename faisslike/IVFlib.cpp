#include <faisslike/IVFlib.h>

#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

IndexIVF* try_extract_index_ivf(Index* index) {
    while (index) {
        if (auto* ivf = dynamic_cast<IndexIVF*>(index)) {
            return ivf;
        }
        if (auto* pre = dynamic_cast<IndexPreTransform*>(index)) {
            index = pre->index;
        } else if (auto* idmap = dynamic_cast<IndexIDMap*>(index)) {
            index = idmap->index;
        } else if (auto* ivf_hnsw = dynamic_cast<IndexIVFHNSW*>(index)) {
            index = ivf_hnsw->ivf;
        } else if (auto* refine = dynamic_cast<IndexRefine*>(index)) {
            index = refine->base_index;
        } else {
            return nullptr;
        }
    }
    return nullptr;
}

const IndexIVF* try_extract_index_ivf(const Index* index) {
    return try_extract_index_ivf(const_cast<Index*>(index));
}

IndexIVF* extract_index_ivf(Index* index) {
    IndexIVF* ivf = try_extract_index_ivf(index);
    FAISSLIKE_THROW_IF_NOT_MSG(ivf, "extract_index_ivf: the index does not contain an IndexIVF");
    return ivf;
}

const IndexIVF* extract_index_ivf(const Index* index) {
    return extract_index_ivf(const_cast<Index*>(index));
}

} // namespace faisslike
