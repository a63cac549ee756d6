/*
 * faisslike C API: GPU resources providers (StandardGpuResources is one).
 * The stream and cuBLAS getters of Faiss's header, which need the CUDA
 * headers, are not offered.
 */

#ifndef FAISS_GPU_RESOURCES_C_H
#define FAISS_GPU_RESOURCES_C_H

#include "../faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS(GpuResourcesProvider)
FAISS_DECLARE_DESTRUCTOR(GpuResourcesProvider)

#ifdef __cplusplus
}
#endif

#endif
