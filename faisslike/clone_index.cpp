#include <faisslike/clone_index.h>

#include <faisslike/IVFlib.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_io.h>

namespace faisslike {

Index* clone_index(const Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "clone_index: null index");
    // Every type that can be written can be cloned, through its own
    // (de)serializer: one definition of each type's content, and a copy that
    // cannot share memory with the original.
    std::vector<uint8_t> bytes = serialize_index(index);
    Index* copy = deserialize_index(bytes);
    // Settings that the file format does not hold.
    copy->verbose = index->verbose;
    const IndexIVF* ivf = try_extract_index_ivf(index);
    if (IndexIVF* ivf_copy = ivf ? try_extract_index_ivf(copy) : nullptr) {
        ivf_copy->max_codes = ivf->max_codes;
        ivf_copy->parallel_mode = ivf->parallel_mode;
        ivf_copy->cp = ivf->cp;
        ivf_copy->quantizer_trains_alone = ivf->quantizer_trains_alone;
        ivf_copy->verbose = ivf->verbose;
    }
    return copy;
}

} // namespace faisslike
