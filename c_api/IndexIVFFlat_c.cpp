#include "IndexIVFFlat_c.h"

#include <faisslike/IndexIVFFlat.h>

#include "c_api_impl.h"

using faisslike::IndexIVFFlat;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(IndexIVFFlat)
FAISSLIKE_C_INDEX_DOWNCAST(IndexIVFFlat, IndexIVFFlat)

// The fields every IVF index has work on any of them, as with Faiss.
FAISSLIKE_C_GETTER(IndexIVFFlat, faisslike::IndexIVF, size_t, nlist, nlist)
FAISSLIKE_C_GETTER_SETTER(IndexIVFFlat, faisslike::IndexIVF, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER(IndexIVFFlat, faisslike::IndexIVF, char, quantizer_trains_alone,
                   quantizer_trains_alone)
FAISSLIKE_C_GETTER_SETTER(IndexIVFFlat, faisslike::IndexIVF, int, own_fields, own_fields)

FaissIndex* faiss_IndexIVFFlat_quantizer(const FaissIndexIVFFlat* index) {
    const auto* ivf = faisslike_c::as<const faisslike::IndexIVF>(index);
    return ivf ? faisslike_c::handle<FaissIndex>(ivf->quantizer) : nullptr;
}

int faiss_IndexIVFFlat_new(FaissIndexIVFFlat** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexIVFFlat>(), "p_index"); });
}

int faiss_IndexIVFFlat_new_with(
        FaissIndexIVFFlat** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index, std::make_unique<IndexIVFFlat>(&q, d, nlist), "p_index");
    });
}

int faiss_IndexIVFFlat_new_with_metric(
        FaissIndexIVFFlat** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index,
            std::make_unique<IndexIVFFlat>(&q, d, nlist, faisslike_c::to_metric(metric)),
            "p_index");
    });
}

int faiss_IndexIVFFlat_add_core(
        FaissIndexIVFFlat* index,
        idx_t n,
        const float* x,
        const idx_t* xids,
        const int64_t* precomputed_idx) {
    return guarded(__func__, [&] {
        auto& ivf = get<faisslike::IndexIVF>(index, "index");
        if (n < 0) {
            throw faisslike_c::ApiError{"n = " + std::to_string(n) + " must be >= 0"};
        }
        if (n > 0) {
            faisslike_c::require(x, "x");
            faisslike_c::require(precomputed_idx, "precomputed_idx");
        }
        ivf.add_core(n, x, xids, precomputed_idx);
    });
}

} // extern "C"
