#include <faisslike/clone_index.h>

#include <memory>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_io.h>

namespace faisslike {

namespace {

/// Files hold an OPQMatrix as a plain LinearTransform (Faiss's format), so a
/// copy made through one would lose the type and with it train(): give the
/// copy's pre-transforms their original OPQMatrix back, through the wrappers
/// the factory builds. (The copy shares the user's OPQMatrix::pq, which
/// neither owns.)
void restore_opq_transforms(const Index* index, Index* copy) {
    if (!index || !copy) {
        return;
    }
    if (const auto* pt = dynamic_cast<const IndexPreTransform*>(index)) {
        auto* pt_copy = dynamic_cast<IndexPreTransform*>(copy);
        if (pt_copy && pt_copy->own_fields && pt_copy->chain.size() == pt->chain.size()) {
            for (size_t i = 0; i < pt->chain.size(); i++) {
                if (const auto* opq = dynamic_cast<const OPQMatrix*>(pt->chain[i])) {
                    auto original_type = std::make_unique<OPQMatrix>(*opq);
                    delete pt_copy->chain[i];
                    pt_copy->chain[i] = original_type.release();
                }
            }
            restore_opq_transforms(pt->index, pt_copy->index);
        }
    } else if (const auto* idmap = dynamic_cast<const IndexIDMap*>(index)) {
        if (auto* idmap_copy = dynamic_cast<IndexIDMap*>(copy)) {
            restore_opq_transforms(idmap->index, idmap_copy->index);
        }
    } else if (const auto* refine = dynamic_cast<const IndexRefine*>(index)) {
        if (auto* refine_copy = dynamic_cast<IndexRefine*>(copy)) {
            restore_opq_transforms(refine->base_index, refine_copy->base_index);
            restore_opq_transforms(refine->refine_index, refine_copy->refine_index);
        }
    }
}

} // namespace

Index* clone_index(const Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "clone_index: null index");
    // Every type that can be written can be cloned, through its own
    // (de)serializer: one definition of each type's content, and a copy that
    // cannot share memory with the original.
    std::vector<uint8_t> bytes = serialize_index(index);
    std::unique_ptr<Index> copy(deserialize_index(bytes));
    restore_opq_transforms(index, copy.get());
    // Settings that the file format does not hold.
    copy->verbose = index->verbose;
    const IndexIVF* ivf = try_extract_index_ivf(index);
    if (IndexIVF* ivf_copy = ivf ? try_extract_index_ivf(copy.get()) : nullptr) {
        ivf_copy->max_codes = ivf->max_codes;
        ivf_copy->parallel_mode = ivf->parallel_mode;
        ivf_copy->cp = ivf->cp;
        ivf_copy->quantizer_trains_alone = ivf->quantizer_trains_alone;
        ivf_copy->verbose = ivf->verbose;
    }
    return copy.release();
}

} // namespace faisslike
