/*
 * faisslike C API: range search results and id selectors.
 */

#ifndef FAISS_AUX_INDEX_STRUCTURES_C_H
#define FAISS_AUX_INDEX_STRUCTURES_C_H

#include "../Index_c.h"
#include "../faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FaissRangeSearchResult is declared in Index_c.h. The hits of query i are
 * labels[lims[i] .. lims[i + 1]) with their distances, in no particular
 * order. */
FAISS_DECLARE_GETTER(RangeSearchResult, size_t, nq)

/* A result for nq queries, lims allocated and zeroed. */
int faiss_RangeSearchResult_new(FaissRangeSearchResult** p_rsr, idx_t nq);

int faiss_RangeSearchResult_new_with(
        FaissRangeSearchResult** p_rsr,
        idx_t nq,
        int alloc_lims);

/* With lims[i] holding the hit count of query i: turns the counts into
 * offsets and allocates labels and distances. */
int faiss_RangeSearchResult_do_allocation(FaissRangeSearchResult* rsr);

FAISS_DECLARE_DESTRUCTOR(RangeSearchResult)

FAISS_DECLARE_GETTER(RangeSearchResult, size_t, buffer_size)

/* lims in place: nq + 1 offsets. */
void faiss_RangeSearchResult_lims(FaissRangeSearchResult* rsr, size_t** lims);

/* labels and distances in place: lims[nq] of each. */
void faiss_RangeSearchResult_labels(
        FaissRangeSearchResult* rsr,
        idx_t** labels,
        float** distances);

/* FaissIDSelector is declared in Index_c.h. Every selector handle below is
 * passed where a FaissIDSelector* is expected with a cast, and freed with
 * faiss_IDSelector_free (or its own _free where it has one). Selectors that
 * take pointers (ids of a bitmap, other selectors) do not own or copy them,
 * except IDSelectorBatch, which copies its ids. */
FAISS_DECLARE_DESTRUCTOR(IDSelector)

/* 1 if id is selected, 0 if not (also 0 for a NULL selector). */
int faiss_IDSelector_is_member(const FaissIDSelector* sel, idx_t id);

/* Ids in [imin, imax). */
FAISS_DECLARE_CLASS(IDSelectorRange)
FAISS_DECLARE_DESTRUCTOR(IDSelectorRange)

FAISS_DECLARE_GETTER(IDSelectorRange, idx_t, imin)
FAISS_DECLARE_GETTER(IDSelectorRange, idx_t, imax)

int faiss_IDSelectorRange_new(
        FaissIDSelectorRange** p_sel,
        idx_t imin,
        idx_t imax);

/* A set of n ids (copied). */
FAISS_DECLARE_CLASS(IDSelectorBatch)

FAISS_DECLARE_GETTER(IDSelectorBatch, int, nbits)
FAISS_DECLARE_GETTER(IDSelectorBatch, idx_t, mask)

int faiss_IDSelectorBatch_new(
        FaissIDSelectorBatch** p_sel,
        size_t n,
        const idx_t* indices);

/* Bit (id % 8) of byte bitmap[id / 8], for n bytes; ids past the end are not
 * selected. */
FAISS_DECLARE_CLASS(IDSelectorBitmap)
FAISS_DECLARE_DESTRUCTOR(IDSelectorBitmap)

FAISS_DECLARE_GETTER(IDSelectorBitmap, size_t, n)
FAISS_DECLARE_GETTER(IDSelectorBitmap, const uint8_t*, bitmap)

int faiss_IDSelectorBitmap_new(
        FaissIDSelectorBitmap** p_sel,
        size_t n,
        const uint8_t* bitmap);

/* Negation and boolean combinations of other selectors. */
FAISS_DECLARE_CLASS(IDSelectorNot)
int faiss_IDSelectorNot_new(
        FaissIDSelectorNot** p_sel,
        const FaissIDSelector* sel);

FAISS_DECLARE_CLASS(IDSelectorAnd)
int faiss_IDSelectorAnd_new(
        FaissIDSelectorAnd** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel);

FAISS_DECLARE_CLASS(IDSelectorOr)
int faiss_IDSelectorOr_new(
        FaissIDSelectorOr** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel);

FAISS_DECLARE_CLASS(IDSelectorXOr)
int faiss_IDSelectorXOr_new(
        FaissIDSelectorXOr** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel);

#ifdef __cplusplus
}
#endif

#endif
