#include "IndexPQ_c.h"

#include <algorithm>
#include <climits>

#include <faisslike/IndexPQ.h>

#include "c_api_impl.h"

using faisslike::IndexPQ;
using faisslike::ProductQuantizer;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, d, d)
FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, M, M)
FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, nbits, nbits)
FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, dsub, dsub)
FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, ksub, ksub)
FAISSLIKE_C_GETTER(ProductQuantizer, ProductQuantizer, size_t, code_size, code_size)

size_t faiss_ProductQuantizer_centroids_size(const FaissProductQuantizer* pq) {
    const ProductQuantizer* q = faisslike_c::as<const ProductQuantizer>(pq);
    return q ? q->centroids.size() : 0;
}

void faiss_ProductQuantizer_centroids(const FaissProductQuantizer* pq, float* out) {
    const ProductQuantizer* q = faisslike_c::as<const ProductQuantizer>(pq);
    if (q && out) {
        std::copy(q->centroids.begin(), q->centroids.end(), out);
    }
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexPQ, IndexPQ)
FAISSLIKE_C_DESTRUCTOR(IndexPQ)

int faiss_IndexPQ_new(FaissIndexPQ** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexPQ>(), "p_index"); });
}

int faiss_IndexPQ_new_with(
        FaissIndexPQ** p_index,
        idx_t d,
        size_t M,
        size_t nbits,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        if (d < 0 || d > INT_MAX) {
            throw faisslike_c::ApiError{"dimension " + std::to_string(d) + " is out of range"};
        }
        put(p_index,
            std::make_unique<IndexPQ>(int(d), M, nbits, faisslike_c::to_metric(metric)),
            "p_index");
    });
}

FaissProductQuantizer* faiss_IndexPQ_pq(FaissIndexPQ* index) {
    IndexPQ* pq = faisslike_c::as<IndexPQ>(index);
    return pq ? faisslike_c::handle<FaissProductQuantizer>(&pq->pq) : nullptr;
}

} // extern "C"
