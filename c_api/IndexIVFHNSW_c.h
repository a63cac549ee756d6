/*
 * faisslike C API: IndexIVFHNSW, an IVF whose every inverted list carries its
 * own HNSW graph (Lance's IVF_HNSW_*), and its per-call parameters. Faiss has
 * no such index; the functions follow the conventions of its C API.
 */

#ifndef FAISS_INDEX_IVF_HNSW_C_H
#define FAISS_INDEX_IVF_HNSW_C_H

#include "IndexIVF_c.h"
#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nprobe lists, each walked with efSearch, for one search. */
FAISS_DECLARE_CLASS_INHERITED(SearchParametersIVFHNSW, SearchParameters)
FAISS_DECLARE_DESTRUCTOR(SearchParametersIVFHNSW)
FAISS_DECLARE_SEARCH_PARAMETERS_DOWNCAST(SearchParametersIVFHNSW)

/* No selector, nprobe 1, efSearch 16. */
int faiss_SearchParametersIVFHNSW_new(FaissSearchParametersIVFHNSW** p_sp);
/* sel (may be NULL) is not owned. */
int faiss_SearchParametersIVFHNSW_new_with(
        FaissSearchParametersIVFHNSW** p_sp,
        FaissIDSelector* sel,
        size_t nprobe,
        int efSearch);

FAISS_DECLARE_GETTER_SETTER(SearchParametersIVFHNSW, size_t, nprobe)
FAISS_DECLARE_GETTER_SETTER(SearchParametersIVFHNSW, int, efSearch)

FAISS_DECLARE_CLASS_INHERITED(IndexIVFHNSW, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexIVFHNSW)
FAISS_DECLARE_DESTRUCTOR(IndexIVFHNSW)

/* Over ivf (an empty IndexIVFFlat, IndexIVFScalarQuantizer or IndexIVFPQ),
 * not owned unless own_fields is set; M neighbours per upper level. */
int faiss_IndexIVFHNSW_new_with(FaissIndexIVFHNSW** p_index, FaissIndexIVF* ivf, int M);

/* The wrapped IVF (nprobe, training, lists). */
FAISS_DECLARE_GETTER(IndexIVFHNSW, FaissIndexIVF*, ivf)
FAISS_DECLARE_GETTER_SETTER(IndexIVFHNSW, int, own_fields)
FAISS_DECLARE_GETTER(IndexIVFHNSW, int, M)
/* Candidates kept while linking; set before adding. */
FAISS_DECLARE_GETTER_SETTER(IndexIVFHNSW, int, efConstruction)
/* Candidates kept while walking each probed list (see faiss_IndexHNSW_set_hnsw_efSearch for values below k). */
FAISS_DECLARE_GETTER_SETTER(IndexIVFHNSW, int, efSearch)

#ifdef __cplusplus
}
#endif

#endif
