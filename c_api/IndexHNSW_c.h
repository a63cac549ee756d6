/*
 * faisslike C API: graph-based search (IndexHNSWFlat, IndexHNSWPQ,
 * IndexHNSWSQ) and its per-call parameters. Faiss's C header of this name
 * has only the parameters; the index functions are faisslike's, in the same
 * conventions.
 */

#ifndef FAISS_INDEX_HNSW_C_H
#define FAISS_INDEX_HNSW_C_H

#include "IndexScalarQuantizer_c.h"
#include "Index_c.h"
#include "faiss_c.h"
#include "impl/AuxIndexStructures_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* efSearch and the walk options for one search. */
FAISS_DECLARE_CLASS_INHERITED(SearchParametersHNSW, SearchParameters)
FAISS_DECLARE_DESTRUCTOR(SearchParametersHNSW)
FAISS_DECLARE_SEARCH_PARAMETERS_DOWNCAST(SearchParametersHNSW)

/* No selector, efSearch 16. */
int faiss_SearchParametersHNSW_new(FaissSearchParametersHNSW** p_sp);
/* sel (may be NULL) is not owned. */
int faiss_SearchParametersHNSW_new_with(
        FaissSearchParametersHNSW** p_sp,
        FaissIDSelector* sel,
        int efSearch);

FAISS_DECLARE_GETTER(SearchParametersHNSW, const FaissIDSelector*, sel)
FAISS_DECLARE_GETTER_SETTER(SearchParametersHNSW, int, efSearch)
FAISS_DECLARE_GETTER_SETTER(SearchParametersHNSW, int, check_relative_distance)
FAISS_DECLARE_GETTER_SETTER(SearchParametersHNSW, int, bounded_queue)
/* faisslike only: nodes kept on level 1 before level 0 (0: the index's). */
FAISS_DECLARE_GETTER_SETTER(SearchParametersHNSW, int, upper_beam)

/* What every HNSW index shares. */
FAISS_DECLARE_CLASS_INHERITED(IndexHNSW, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexHNSW)
FAISS_DECLARE_DESTRUCTOR(IndexHNSW)

/* Candidates kept while searching (the beam; below k, as in Faiss, the k results are the best nodes the search computed). */
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, hnsw_efSearch)
/* Candidates kept while adding; set before adding. */
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, hnsw_efConstruction)
/* Stop a search once no candidate can beat the efSearch-th best. */
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, hnsw_check_relative_distance)
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, hnsw_search_bounded_queue)
/* faisslike only: nodes a search keeps on level 1 (1, the default: Faiss's
 * greedy descent; 4 avoids most recall plateaus on clustered data). */
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, hnsw_upper_beam)
/* Highest level of the graph (-1 when empty). */
FAISS_DECLARE_GETTER(IndexHNSW, int, hnsw_max_level)
/* Whether the storage is deleted with the index. */
FAISS_DECLARE_GETTER_SETTER(IndexHNSW, int, own_fields)
/* The index that holds the vectors or their codes. */
FAISS_DECLARE_GETTER(IndexHNSW, FaissIndex*, storage)
/* Vectors removed by faiss_Index_remove_ids still held in the graph. */
FAISS_DECLARE_GETTER(IndexHNSW, size_t, n_deleted)

/* Drops the removed vectors from the graph and the storage (ids do not
 * change). */
int faiss_IndexHNSW_compact(FaissIndexHNSW* index);

/* Uncompressed vectors, exact distances. */
FAISS_DECLARE_CLASS_INHERITED(IndexHNSWFlat, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexHNSWFlat)
FAISS_DECLARE_DESTRUCTOR(IndexHNSWFlat)

int faiss_IndexHNSWFlat_new(FaissIndexHNSWFlat** p_index);

/* M neighbours per node on the upper levels, 2 * M on the base level. */
int faiss_IndexHNSWFlat_new_with(
        FaissIndexHNSWFlat** p_index,
        int d,
        int M,
        FaissMetricType metric);

/* Product-quantizer codes (pq_m sub-quantizers of pq_nbits bits; d a
 * multiple of pq_m); needs training. */
FAISS_DECLARE_CLASS_INHERITED(IndexHNSWPQ, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexHNSWPQ)
FAISS_DECLARE_DESTRUCTOR(IndexHNSWPQ)

int faiss_IndexHNSWPQ_new(FaissIndexHNSWPQ** p_index);

int faiss_IndexHNSWPQ_new_with(
        FaissIndexHNSWPQ** p_index,
        int d,
        int pq_m,
        int M,
        int pq_nbits,
        FaissMetricType metric);

/* Scalar-quantizer codes; needs training for the types with ranges. */
FAISS_DECLARE_CLASS_INHERITED(IndexHNSWSQ, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexHNSWSQ)
FAISS_DECLARE_DESTRUCTOR(IndexHNSWSQ)

int faiss_IndexHNSWSQ_new(FaissIndexHNSWSQ** p_index);

int faiss_IndexHNSWSQ_new_with(
        FaissIndexHNSWSQ** p_index,
        int d,
        FaissQuantizerType qtype,
        int M,
        FaissMetricType metric);

#ifdef __cplusplus
}
#endif

#endif
