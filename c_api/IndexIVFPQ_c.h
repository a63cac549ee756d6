/*
 * faisslike C API: the inverted-file index of product-quantizer codes
 * (IndexIVFPQ). Faiss's C API has no such header; this one follows its
 * conventions. The IndexIVF functions apply to it as well.
 */

#ifndef FAISS_INDEX_IVF_PQ_C_H
#define FAISS_INDEX_IVF_PQ_C_H

#include "IndexIVF_c.h"
#include "IndexPQ_c.h"
#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(IndexIVFPQ, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexIVFPQ)
FAISS_DECLARE_DESTRUCTOR(IndexIVFPQ)

int faiss_IndexIVFPQ_new(FaissIndexIVFPQ** p_index);

/* nlist lists over quantizer (of dimension d, not owned unless own_fields is
 * set), codes of M sub-quantizers of nbits_per_idx bits, L2 metric. */
int faiss_IndexIVFPQ_new_with(
        FaissIndexIVFPQ** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        size_t M,
        size_t nbits_per_idx);

int faiss_IndexIVFPQ_new_with_metric(
        FaissIndexIVFPQ** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        size_t M,
        size_t nbits_per_idx,
        FaissMetricType metric);

/* The same fields as faiss_IndexIVF_*. */
FAISS_DECLARE_GETTER(IndexIVFPQ, size_t, nlist)
FAISS_DECLARE_GETTER_SETTER(IndexIVFPQ, size_t, nprobe)
FAISS_DECLARE_GETTER(IndexIVFPQ, FaissIndex*, quantizer)
FAISS_DECLARE_GETTER_SETTER(IndexIVFPQ, int, own_fields)

/* 1: encode x - centroid (the default); 0: encode x. Set before training. */
FAISS_DECLARE_GETTER_SETTER(IndexIVFPQ, int, by_residual)
/* -1: no precomputed table; 0: build one at training when it helps and
 * fits; 1: build and use it. Call faiss_IndexIVFPQ_precompute_table after
 * changing it on a trained index. */
FAISS_DECLARE_GETTER_SETTER(IndexIVFPQ, int, use_precomputed_table)
/* Lists shorter than this are scanned by decoding each code (0: never). */
FAISS_DECLARE_GETTER_SETTER(IndexIVFPQ, size_t, scan_table_threshold)

/* Rebuilds the search tables from the quantizer and the product quantizer. */
int faiss_IndexIVFPQ_precompute_table(FaissIndexIVFPQ* index);

/* The codec of the index (NULL if index is not an IndexIVFPQ). */
FaissProductQuantizer* faiss_IndexIVFPQ_pq(FaissIndexIVFPQ* index);

#ifdef __cplusplus
}
#endif

#endif
