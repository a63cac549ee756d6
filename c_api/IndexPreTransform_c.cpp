#include "IndexPreTransform_c.h"

#include <faisslike/IndexPreTransform.h>

#include "c_api_impl.h"

using faisslike::IndexPreTransform;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(IndexPreTransform)
FAISSLIKE_C_INDEX_DOWNCAST(IndexPreTransform, IndexPreTransform)

FaissIndex* faiss_IndexPreTransform_index(const FaissIndexPreTransform* index) {
    const IndexPreTransform* pt = faisslike_c::as<const IndexPreTransform>(index);
    return pt ? faisslike_c::handle<FaissIndex>(pt->index) : nullptr;
}

FAISSLIKE_C_GETTER_SETTER(IndexPreTransform, IndexPreTransform, int, own_fields, own_fields)

int faiss_IndexPreTransform_new(FaissIndexPreTransform** p_index) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexPreTransform>(), "p_index");
    });
}

int faiss_IndexPreTransform_new_with(FaissIndexPreTransform** p_index, FaissIndex* index) {
    return guarded(__func__, [&] {
        auto& sub = get<faisslike::Index>(index, "index");
        put(p_index, std::make_unique<IndexPreTransform>(&sub), "p_index");
    });
}

int faiss_IndexPreTransform_new_with_transform(
        FaissIndexPreTransform** p_index,
        FaissVectorTransform* ltrans,
        FaissIndex* index) {
    return guarded(__func__, [&] {
        auto& vt = get<faisslike::VectorTransform>(ltrans, "ltrans");
        auto& sub = get<faisslike::Index>(index, "index");
        put(p_index, std::make_unique<IndexPreTransform>(&vt, &sub), "p_index");
    });
}

int faiss_IndexPreTransform_prepend_transform(
        FaissIndexPreTransform* index,
        FaissVectorTransform* ltrans) {
    return guarded(__func__, [&] {
        auto& pt = get<IndexPreTransform>(index, "index");
        pt.prepend_transform(&get<faisslike::VectorTransform>(ltrans, "ltrans"));
    });
}

} // extern "C"
