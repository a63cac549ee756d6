/*
 * faisslike C API: GPU indexes are indexes (every faiss_Index_* function
 * takes them).
 */

#ifndef FAISS_GPU_INDEX_C_H
#define FAISS_GPU_INDEX_C_H

#include "../faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(GpuIndex, Index)

#ifdef __cplusplus
}
#endif

#endif
