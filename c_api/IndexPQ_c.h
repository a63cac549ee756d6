/*
 * faisslike C API: product-quantizer codes searched exhaustively (IndexPQ),
 * and the product quantizer itself. Faiss's C API has no such header; this
 * one follows its conventions.
 */

#ifndef FAISS_INDEX_PQ_C_H
#define FAISS_INDEX_PQ_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The codec of an index, owned by it: vectors of dimension d cut into M
 * sub-vectors of dsub = d / M components, each coded on nbits bits as one of
 * ksub = 2^nbits centroids. */
FAISS_DECLARE_CLASS(ProductQuantizer)

FAISS_DECLARE_GETTER(ProductQuantizer, size_t, d)
FAISS_DECLARE_GETTER(ProductQuantizer, size_t, M)
FAISS_DECLARE_GETTER(ProductQuantizer, size_t, nbits)
FAISS_DECLARE_GETTER(ProductQuantizer, size_t, dsub)
FAISS_DECLARE_GETTER(ProductQuantizer, size_t, ksub)
/* Bytes per code. */
FAISS_DECLARE_GETTER(ProductQuantizer, size_t, code_size)

/* Number of centroid components: M * ksub * dsub once trained, else 0. */
size_t faiss_ProductQuantizer_centroids_size(const FaissProductQuantizer* pq);

/* Copies the centroids to out: centroid i of sub-quantizer m is
 * out[(m * ksub + i) * dsub ...]. */
void faiss_ProductQuantizer_centroids(
        const FaissProductQuantizer* pq,
        float* out);

FAISS_DECLARE_CLASS_INHERITED(IndexPQ, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexPQ)
FAISS_DECLARE_DESTRUCTOR(IndexPQ)

int faiss_IndexPQ_new(FaissIndexPQ** p_index);

/* d must be a multiple of M; 1 <= nbits <= 16. Needs training. */
int faiss_IndexPQ_new_with(
        FaissIndexPQ** p_index,
        idx_t d,
        size_t M,
        size_t nbits,
        FaissMetricType metric);

/* The codec of the index (NULL if index is not an IndexPQ). */
FaissProductQuantizer* faiss_IndexPQ_pq(FaissIndexPQ* index);

#ifdef __cplusplus
}
#endif

#endif
