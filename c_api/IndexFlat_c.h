/*
 * faisslike C API: exact search (IndexFlat, IndexFlatL2, IndexFlatIP) and
 * re-ranking with exact distances (IndexRefineFlat).
 */

#ifndef FAISS_INDEX_FLAT_C_H
#define FAISS_INDEX_FLAT_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(IndexFlat, Index)

/* An empty index of dimension 0 (for readers that fill it in). */
int faiss_IndexFlat_new(FaissIndexFlat** p_index);

int faiss_IndexFlat_new_with(
        FaissIndexFlat** p_index,
        idx_t d,
        FaissMetricType metric);

/* The stored vectors, in place: *p_xb points to *p_size = ntotal * d floats,
 * valid until the index is next modified. Either pointer may be NULL. */
void faiss_IndexFlat_xb(FaissIndexFlat* index, float** p_xb, size_t* p_size);

FAISS_DECLARE_INDEX_DOWNCAST(IndexFlat)
FAISS_DECLARE_DESTRUCTOR(IndexFlat)

/* distances[i * k + j] = distance from query i to the stored vector
 * labels[i * k + j]; a label -1 gives the padding value of the metric
 * (+FLT_MAX for L2, -FLT_MAX for inner product). */
int faiss_IndexFlat_compute_distance_subset(
        FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        const idx_t* labels);

FAISS_DECLARE_CLASS_INHERITED(IndexFlatIP, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexFlatIP)
FAISS_DECLARE_DESTRUCTOR(IndexFlatIP)

int faiss_IndexFlatIP_new(FaissIndexFlatIP** p_index);
int faiss_IndexFlatIP_new_with(FaissIndexFlatIP** p_index, idx_t d);

FAISS_DECLARE_CLASS_INHERITED(IndexFlatL2, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexFlatL2)
FAISS_DECLARE_DESTRUCTOR(IndexFlatL2)

int faiss_IndexFlatL2_new(FaissIndexFlatL2** p_index);
int faiss_IndexFlatL2_new_with(FaissIndexFlatL2** p_index, idx_t d);

/* Fetches k * k_factor candidates from base_index and re-ranks them with
 * exact distances, from an IndexFlat it creates and owns. base_index must be
 * empty; it is not owned unless own_fields is set. */
FAISS_DECLARE_CLASS_INHERITED(IndexRefineFlat, Index)

int faiss_IndexRefineFlat_new(
        FaissIndexRefineFlat** p_index,
        FaissIndex* base_index);

FAISS_DECLARE_DESTRUCTOR(IndexRefineFlat)
FAISS_DECLARE_INDEX_DOWNCAST(IndexRefineFlat)

FAISS_DECLARE_GETTER_SETTER(IndexRefineFlat, int, own_fields)
/* Candidates fetched from the base index per result wanted (>= 1). */
FAISS_DECLARE_GETTER_SETTER(IndexRefineFlat, float, k_factor)

#ifdef __cplusplus
}
#endif

#endif
