/*
 * faisslike C API: what every inverted-file index shares (IndexIVF), and
 * its per-call search parameters.
 */

#ifndef FAISS_INDEX_IVF_C_H
#define FAISS_INDEX_IVF_C_H

#include "Clustering_c.h"
#include "Index_c.h"
#include "faiss_c.h"
#include "impl/AuxIndexStructures_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nprobe and max_codes for one search, overriding the index's own. */
FAISS_DECLARE_CLASS_INHERITED(SearchParametersIVF, SearchParameters)
FAISS_DECLARE_DESTRUCTOR(SearchParametersIVF)
FAISS_DECLARE_SEARCH_PARAMETERS_DOWNCAST(SearchParametersIVF)

/* No selector, nprobe 1, max_codes 0 (no limit). */
int faiss_SearchParametersIVF_new(FaissSearchParametersIVF** p_sp);
/* sel (may be NULL) is not owned. */
int faiss_SearchParametersIVF_new_with(
        FaissSearchParametersIVF** p_sp,
        FaissIDSelector* sel,
        size_t nprobe,
        size_t max_codes);

FAISS_DECLARE_GETTER(SearchParametersIVF, const FaissIDSelector*, sel)
FAISS_DECLARE_GETTER_SETTER(SearchParametersIVF, size_t, nprobe)
FAISS_DECLARE_GETTER_SETTER(SearchParametersIVF, size_t, max_codes)

FAISS_DECLARE_CLASS_INHERITED(IndexIVF, Index)
FAISS_DECLARE_DESTRUCTOR(IndexIVF)
FAISS_DECLARE_INDEX_DOWNCAST(IndexIVF)

/* Number of inverted lists. */
FAISS_DECLARE_GETTER(IndexIVF, size_t, nlist)
/* Lists visited per query. */
FAISS_DECLARE_GETTER_SETTER(IndexIVF, size_t, nprobe)
/* The index that maps a vector to its list. */
FAISS_DECLARE_GETTER(IndexIVF, FaissIndex*, quantizer)
/* 0: k-means assigns with the quantizer; 1: the quantizer trains on the
 * training set itself; 2: k-means with a flat index, then the centroids are
 * added to the quantizer. */
FAISS_DECLARE_GETTER(IndexIVF, char, quantizer_trains_alone)

/* Whether the index deletes its quantizer. */
FAISS_DECLARE_GETTER_SETTER(IndexIVF, int, own_fields)

/* Moves the vectors of other (same kind, dimension and quantizer) into
 * index, adding add_id to their ids; other is left empty. */
int faiss_IndexIVF_merge_from(
        FaissIndexIVF* index,
        FaissIndexIVF* other,
        idx_t add_id);

/* Search given the coarse assignment: assign and centroid_dis hold, per
 * query, the nprobe lists to visit and their distances. With store_pairs,
 * labels are (list << 32 | offset) instead of ids. */
int faiss_IndexIVF_search_preassigned(
        const FaissIndexIVF* index,
        idx_t n,
        const float* x,
        idx_t k,
        const idx_t* assign,
        const float* centroid_dis,
        float* distances,
        idx_t* labels,
        int store_pairs);

/* Vectors in list list_no (0 on a bad list number, with the error recorded). */
size_t faiss_IndexIVF_get_list_size(const FaissIndexIVF* index, size_t list_no);

/* 1: keep an array from id to (list, offset), so that reconstruct works
 * (ids must then be sequential); 0: drop it. */
int faiss_IndexIVF_make_direct_map(
        FaissIndexIVF* index,
        int new_maintain_direct_map);

/* 1 when the lists are all the same size, larger when they are not. */
double faiss_IndexIVF_imbalance_factor(const FaissIndexIVF* index);

/* Prints the number of lists per size range to stdout. */
void faiss_IndexIVF_print_stats(const FaissIndexIVF* index);

/* Copies the ids of list list_no into invlist, which must hold
 * faiss_IndexIVF_get_list_size(index, list_no) of them. */
void faiss_IndexIVF_invlists_get_ids(
        const FaissIndexIVF* index,
        size_t list_no,
        idx_t* invlist);

/* Trains the encoder only (the quantizer must already be trained): x holds
 * n vectors and assign their lists. */
int faiss_IndexIVF_train_encoder(
        FaissIndexIVF* index,
        idx_t n,
        const float* x,
        const idx_t* assign);

#ifdef __cplusplus
}
#endif

#endif
