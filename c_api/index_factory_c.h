/*
 * faisslike C API: building an index from a Faiss factory string.
 */

#ifndef FAISS_INDEX_FACTORY_C_H
#define FAISS_INDEX_FACTORY_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An index described by a factory string ("Flat", "IVF256,Flat",
 * "PCA64,IVF1024,PQ16", "IDMap,HNSW32", "IVF100,Flat,RFlat", ...), owned by
 * the caller. A string that does not parse fails with a message starting
 * "could not parse index string". */
int faiss_index_factory(
        FaissIndex** p_index,
        int d,
        const char* description,
        FaissMetricType metric);

#ifdef __cplusplus
}
#endif

#endif
