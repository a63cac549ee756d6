/*
 * faisslike C API: the inverted-file index of uncompressed vectors
 * (IndexIVFFlat). The IndexIVF functions apply to it as well.
 */

#ifndef FAISS_INDEX_IVF_FLAT_C_H
#define FAISS_INDEX_IVF_FLAT_C_H

#include "Clustering_c.h"
#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(IndexIVFFlat, Index)
FAISS_DECLARE_DESTRUCTOR(IndexIVFFlat)
FAISS_DECLARE_INDEX_DOWNCAST(IndexIVFFlat)

/* The same fields as faiss_IndexIVF_*. */
FAISS_DECLARE_GETTER(IndexIVFFlat, size_t, nlist)
FAISS_DECLARE_GETTER_SETTER(IndexIVFFlat, size_t, nprobe)
FAISS_DECLARE_GETTER(IndexIVFFlat, FaissIndex*, quantizer)
FAISS_DECLARE_GETTER(IndexIVFFlat, char, quantizer_trains_alone)
FAISS_DECLARE_GETTER_SETTER(IndexIVFFlat, int, own_fields)

int faiss_IndexIVFFlat_new(FaissIndexIVFFlat** p_index);

/* nlist lists over quantizer (of dimension d, not owned unless own_fields is
 * set), L2 metric. */
int faiss_IndexIVFFlat_new_with(
        FaissIndexIVFFlat** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist);

int faiss_IndexIVFFlat_new_with_metric(
        FaissIndexIVFFlat** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        FaissMetricType metric);

/* Adds n vectors whose lists are known: precomputed_idx[i] is the list of
 * vector i (-1 to skip it); xids may be NULL for sequential ids. */
int faiss_IndexIVFFlat_add_core(
        FaissIndexIVFFlat* index,
        idx_t n,
        const float* x,
        const idx_t* xids,
        const int64_t* precomputed_idx);

#ifdef __cplusplus
}
#endif

#endif
