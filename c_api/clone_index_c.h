/*
 * faisslike C API: deep copies of indexes.
 */

#ifndef FAISS_CLONE_INDEX_C_H
#define FAISS_CLONE_INDEX_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A copy sharing nothing with the original (sub-indexes, quantizers and
 * transforms are copied too, and owned by the copy); the caller owns it. */
int faiss_clone_index(const FaissIndex*, FaissIndex** p_out);

#ifdef __cplusplus
}
#endif

#endif
