/*
 * faisslike C API: library information.
 */

#ifndef FAISS_UTILS_C_H
#define FAISS_UTILS_C_H

#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* faisslike's version, "MAJOR.MINOR.PATCH" (not a Faiss version). */
const char* faiss_get_version(void);

#ifdef __cplusplus
}
#endif

#endif
