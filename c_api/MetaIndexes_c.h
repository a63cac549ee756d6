/*
 * faisslike C API: caller-chosen ids over any index (IndexIDMap,
 * IndexIDMap2), under Faiss's header name.
 */

#ifndef METAINDEXES_C_H
#define METAINDEXES_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Wraps an empty index; vectors are added with faiss_Index_add_with_ids and
 * searches return those ids. The wrapped index is not owned unless
 * own_fields is set. */
FAISS_DECLARE_CLASS_INHERITED(IndexIDMap, Index)

FAISS_DECLARE_GETTER_SETTER(IndexIDMap, int, own_fields)

int faiss_IndexIDMap_new(FaissIndexIDMap** p_index, FaissIndex* index);

FAISS_DECLARE_INDEX_DOWNCAST(IndexIDMap)

/* The ids in place: (*p_id_map)[row] is the id of row `row` of the wrapped
 * index; valid until the index is next modified. Either pointer may be NULL. */
void faiss_IndexIDMap_id_map(
        FaissIndexIDMap* index,
        idx_t** p_id_map,
        size_t* p_size);

/* The wrapped index (owned by the IndexIDMap if own_fields is set). */
FaissIndex* faiss_IndexIDMap_sub_index(FaissIndexIDMap* index);

/* An IndexIDMap that can also reconstruct by id; ids must be unique. */
FAISS_DECLARE_CLASS_INHERITED(IndexIDMap2, Index)

FAISS_DECLARE_GETTER_SETTER(IndexIDMap2, int, own_fields)

int faiss_IndexIDMap2_new(FaissIndexIDMap2** p_index, FaissIndex* index);

/* Rebuilds the id -> row map from the id map. */
int faiss_IndexIDMap2_construct_rev_map(FaissIndexIDMap2* index);

FAISS_DECLARE_INDEX_DOWNCAST(IndexIDMap2)

void faiss_IndexIDMap2_id_map(
        FaissIndexIDMap2* index,
        idx_t** p_id_map,
        size_t* p_size);

FaissIndex* faiss_IndexIDMap2_sub_index(FaissIndexIDMap2* index);

#ifdef __cplusplus
}
#endif

#endif
