/*
 * faisslike C API: options of index_cpu_to_gpu (booleans are ints). The
 * float16 options are not implemented: setting them makes the copy fail.
 */

#ifndef FAISS_GPU_CLONER_OPTIONS_C_H
#define FAISS_GPU_CLONER_OPTIONS_C_H

#include "../faiss_c.h"
#include "GpuIndicesOptions_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS(GpuClonerOptions)
FAISS_DECLARE_DESTRUCTOR(GpuClonerOptions)

int faiss_GpuClonerOptions_new(FaissGpuClonerOptions**);

FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, FaissIndicesOptions, indicesOptions)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, int, useFloat16CoarseQuantizer)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, int, useFloat16)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, int, usePrecomputed)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, long, reserveVecs)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, int, storeTransposed)
FAISS_DECLARE_GETTER_SETTER(GpuClonerOptions, int, verbose)

FAISS_DECLARE_CLASS_INHERITED(GpuMultipleClonerOptions, GpuClonerOptions)
FAISS_DECLARE_DESTRUCTOR(GpuMultipleClonerOptions)

int faiss_GpuMultipleClonerOptions_new(FaissGpuMultipleClonerOptions**);

/* Only replicas (shard = 0) are implemented. */
FAISS_DECLARE_GETTER_SETTER(GpuMultipleClonerOptions, int, shard)

#ifdef __cplusplus
}
#endif

#endif
