/*
 * faisslike C API: error reporting.
 *
 * Every function that can fail returns an int: 0 on success, or one of the
 * negative codes below; the message is then read with faiss_get_last_error().
 * No C++ exception ever leaves the library.
 */

#ifndef FAISS_ERROR_C_H
#define FAISS_ERROR_C_H

#ifdef __cplusplus
extern "C" {
#endif

/* Faiss's values. */
typedef enum FaissErrorCode {
    OK = 0,
    /* something that is not a C++ exception of a known kind */
    UNKNOWN_EXCEPT = -1,
    /* an error reported by the library: bad argument, untrained index, bad
     * file, unsupported operation, ... */
    FAISS_EXCEPT = -2,
    /* a standard C++ exception, e.g. out of memory */
    STD_EXCEPT = -4
} FaissErrorCode;

/* The message of the last failure on the calling thread, or NULL if none has
 * failed yet. Each thread has its own; the text stays valid until the next
 * failure on that thread. A success does not clear it, as in Faiss. */
const char* faiss_get_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
