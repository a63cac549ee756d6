/*
 * faisslike C API: an index behind a chain of vector transforms
 * (IndexPreTransform).
 */

#ifndef FAISS_INDEX_PRETRANSFORM_C_H
#define FAISS_INDEX_PRETRANSFORM_C_H

#include "Index_c.h"
#include "VectorTransform_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(IndexPreTransform, Index)
FAISS_DECLARE_DESTRUCTOR(IndexPreTransform)
FAISS_DECLARE_INDEX_DOWNCAST(IndexPreTransform)

/* The index that receives the transformed vectors. */
FAISS_DECLARE_GETTER(IndexPreTransform, FaissIndex*, index)
/* Whether the transforms and the index are deleted with this object. */
FAISS_DECLARE_GETTER_SETTER(IndexPreTransform, int, own_fields)

int faiss_IndexPreTransform_new(FaissIndexPreTransform** p_index);

/* An empty chain in front of index (not owned unless own_fields is set). */
int faiss_IndexPreTransform_new_with(
        FaissIndexPreTransform** p_index,
        FaissIndex* index);

/* The chain [ltrans] in front of index; neither is owned unless own_fields
 * is set. */
int faiss_IndexPreTransform_new_with_transform(
        FaissIndexPreTransform** p_index,
        FaissVectorTransform* ltrans,
        FaissIndex* index);

/* Puts ltrans first in the chain (its output dimension must be the chain's
 * input dimension). */
int faiss_IndexPreTransform_prepend_transform(
        FaissIndexPreTransform* index,
        FaissVectorTransform* ltrans);

#ifdef __cplusplus
}
#endif

#endif
