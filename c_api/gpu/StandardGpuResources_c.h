/*
 * faisslike C API: StandardGpuResources, the default GPU resources (one per
 * thread using the GPU). It can be created on a machine without a device.
 */

#ifndef FAISS_STANDARD_GPURESOURCES_C_H
#define FAISS_STANDARD_GPURESOURCES_C_H

#include <stddef.h>

#include "../faiss_c.h"
#include "GpuResources_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS_INHERITED(StandardGpuResources, GpuResourcesProvider)
FAISS_DECLARE_DESTRUCTOR(StandardGpuResources)

int faiss_StandardGpuResources_new(FaissStandardGpuResources**);

/* No temporary-memory reservation: scratch memory is cudaMalloc'ed. */
int faiss_StandardGpuResources_noTempMemory(FaissStandardGpuResources*);

/* Bytes of temporary memory reserved on each device. */
int faiss_StandardGpuResources_setTempMemory(FaissStandardGpuResources*, size_t size);

/* Orders the work of every device on the legacy null stream. */
int faiss_StandardGpuResources_setDefaultNullStreamAllDevices(FaissStandardGpuResources*);

#ifdef __cplusplus
}
#endif

#endif
