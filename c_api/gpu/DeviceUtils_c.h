/*
 * faisslike C API: CUDA devices.
 */

#ifndef FAISS_DEVICE_UTILS_C_H
#define FAISS_DEVICE_UTILS_C_H

#include "../faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of CUDA devices; 0 (and success) without a device or driver. */
int faiss_get_num_gpus(int* p_output);

/* Starts / stops the CUDA profiler's collection. */
int faiss_gpu_profiler_start(void);
int faiss_gpu_profiler_stop(void);

/* Waits for all work on every device. */
int faiss_gpu_sync_all_devices(void);

#ifdef __cplusplus
}
#endif

#endif
