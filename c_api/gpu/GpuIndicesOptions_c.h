/*
 * faisslike C API: how GPU IVF indexes store the ids (Faiss's values; only
 * INDICES_64_BIT is implemented).
 */

#ifndef FAISS_GPU_INDICES_OPTIONS_C_H
#define FAISS_GPU_INDICES_OPTIONS_C_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum FaissIndicesOptions {
    INDICES_CPU = 0,
    INDICES_IVF = 1,
    INDICES_32_BIT = 2,
    INDICES_64_BIT = 3
} FaissIndicesOptions;

#ifdef __cplusplus
}
#endif

#endif
