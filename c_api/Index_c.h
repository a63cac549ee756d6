/*
 * faisslike C API: the interface every index implements (faisslike::Index).
 */

#ifndef FAISS_INDEX_C_H
#define FAISS_INDEX_C_H

#include <stddef.h>
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Declared here because the search functions take them; their functions are
 * in impl/AuxIndexStructures_c.h. */
FAISS_DECLARE_CLASS(RangeSearchResult)
FAISS_DECLARE_CLASS(IDSelector)

/* Distance measures, with Faiss's values. faisslike supports
 * METRIC_INNER_PRODUCT and METRIC_L2; the others are refused with an error
 * wherever an index is made. */
typedef enum FaissMetricType {
    METRIC_INNER_PRODUCT = 0, /* larger is more similar */
    METRIC_L2 = 1,            /* squared Euclidean distance */
    METRIC_L1,
    METRIC_Linf,
    METRIC_Lp,
    METRIC_Canberra = 20,
    METRIC_BrayCurtis,
    METRIC_JensenShannon
} FaissMetricType;

/* Per-call search options. The selector is not owned: keep it alive while
 * the parameters are used. */
FAISS_DECLARE_CLASS(SearchParameters)
FAISS_DECLARE_DESTRUCTOR(SearchParameters)

/* sel may be NULL (no filtering). */
int faiss_SearchParameters_new(
        FaissSearchParameters** p_sp,
        FaissIDSelector* sel);

FAISS_DECLARE_CLASS(Index)
FAISS_DECLARE_DESTRUCTOR(Index)

FAISS_DECLARE_GETTER(Index, int, d)
FAISS_DECLARE_GETTER(Index, int, is_trained)
FAISS_DECLARE_GETTER(Index, idx_t, ntotal)
FAISS_DECLARE_GETTER(Index, FaissMetricType, metric_type)
FAISS_DECLARE_GETTER_SETTER(Index, int, verbose)

/* Learns what the index needs from n vectors x (n * d floats). */
int faiss_Index_train(FaissIndex* index, idx_t n, const float* x);

/* Appends n vectors; they get the ids ntotal .. ntotal + n - 1. */
int faiss_Index_add(FaissIndex* index, idx_t n, const float* x);

/* Appends n vectors with the given ids (for indexes that keep ids). */
int faiss_Index_add_with_ids(
        FaissIndex* index,
        idx_t n,
        const float* x,
        const idx_t* xids);

/* The k nearest neighbours of each of the n queries: n * k distances and
 * labels, best first, padded with label -1 when fewer are found. Note the
 * order: distances before labels. */
int faiss_Index_search(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels);

/* search with per-call parameters (a selector, nprobe, efSearch, ...). */
int faiss_Index_search_with_params(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        const FaissSearchParameters* params,
        float* distances,
        idx_t* labels);

/* Every stored vector within radius of each query (L2: distance < radius,
 * inner product: similarity > radius). result must have been made for n
 * queries. */
int faiss_Index_range_search(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        float radius,
        FaissRangeSearchResult* result);

/* The labels of the k nearest neighbours (n * k), without the distances. */
int faiss_Index_assign(
        FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t* labels,
        idx_t k);

/* Removes every vector; training is kept. */
int faiss_Index_reset(FaissIndex* index);

/* Removes the vectors selected by sel; *n_removed (may be NULL) gets how
 * many were. */
int faiss_Index_remove_ids(
        FaissIndex* index,
        const FaissIDSelector* sel,
        size_t* n_removed);

/* The stored vector with id key (decoded if the index compresses). */
int faiss_Index_reconstruct(const FaissIndex* index, idx_t key, float* recons);

/* The stored vectors i0 .. i0 + ni - 1 (ni * d floats). */
int faiss_Index_reconstruct_n(
        const FaissIndex* index,
        idx_t i0,
        idx_t ni,
        float* recons);

/* residual = x - reconstruct(key). */
int faiss_Index_compute_residual(
        const FaissIndex* index,
        const float* x,
        float* residual,
        idx_t key);

/* The same for n vectors and keys. */
int faiss_Index_compute_residual_n(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        float* residuals,
        const idx_t* keys);

/* Standalone codec: bytes per code, encode n vectors, decode n codes. */
int faiss_Index_sa_code_size(const FaissIndex* index, size_t* size);

int faiss_Index_sa_encode(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        uint8_t* bytes);

int faiss_Index_sa_decode(
        const FaissIndex* index,
        idx_t n,
        const uint8_t* bytes,
        float* x);

#ifdef __cplusplus
}
#endif

#endif
