#include "IndexIVFPQ_c.h"

#include <faisslike/IndexIVFPQ.h>

#include "c_api_impl.h"

using faisslike::IndexIVFPQ;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_INDEX_DOWNCAST(IndexIVFPQ, IndexIVFPQ)
FAISSLIKE_C_DESTRUCTOR(IndexIVFPQ)

int faiss_IndexIVFPQ_new(FaissIndexIVFPQ** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexIVFPQ>(), "p_index"); });
}

int faiss_IndexIVFPQ_new_with(
        FaissIndexIVFPQ** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        size_t M,
        size_t nbits_per_idx) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index, std::make_unique<IndexIVFPQ>(&q, d, nlist, M, nbits_per_idx), "p_index");
    });
}

int faiss_IndexIVFPQ_new_with_metric(
        FaissIndexIVFPQ** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        size_t M,
        size_t nbits_per_idx,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index,
            std::make_unique<IndexIVFPQ>(
                    &q, d, nlist, M, nbits_per_idx, faisslike_c::to_metric(metric)),
            "p_index");
    });
}

// The fields every IVF index has work on any of them, as with Faiss.
FAISSLIKE_C_GETTER(IndexIVFPQ, faisslike::IndexIVF, size_t, nlist, nlist)
FAISSLIKE_C_GETTER_SETTER(IndexIVFPQ, faisslike::IndexIVF, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER_SETTER(IndexIVFPQ, faisslike::IndexIVF, int, own_fields, own_fields)
FAISSLIKE_C_GETTER_SETTER(IndexIVFPQ, IndexIVFPQ, int, by_residual, by_residual)
FAISSLIKE_C_GETTER_SETTER(IndexIVFPQ, IndexIVFPQ, int, use_precomputed_table, use_precomputed_table)
FAISSLIKE_C_GETTER_SETTER(IndexIVFPQ, IndexIVFPQ, size_t, scan_table_threshold, scan_table_threshold)

FaissIndex* faiss_IndexIVFPQ_quantizer(const FaissIndexIVFPQ* index) {
    const auto* ivf = faisslike_c::as<const faisslike::IndexIVF>(index);
    return ivf ? faisslike_c::handle<FaissIndex>(ivf->quantizer) : nullptr;
}

int faiss_IndexIVFPQ_precompute_table(FaissIndexIVFPQ* index) {
    return guarded(__func__, [&] { get<IndexIVFPQ>(index, "index").precompute_table(); });
}

FaissProductQuantizer* faiss_IndexIVFPQ_pq(FaissIndexIVFPQ* index) {
    IndexIVFPQ* ivf = faisslike_c::as<IndexIVFPQ>(index);
    return ivf ? faisslike_c::handle<FaissProductQuantizer>(&ivf->pq) : nullptr;
}

} // extern "C"
