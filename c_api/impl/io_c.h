/*
 * faisslike C API: byte streams for index files, through callbacks (for
 * bindings that keep the bytes in their own buffers or streams).
 */

#ifndef FAISS_IO_C_H
#define FAISS_IO_C_H

#include <stddef.h>
#include "../faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS(IOReader)
FAISS_DECLARE_DESTRUCTOR(IOReader)

FAISS_DECLARE_CLASS(IOWriter)
FAISS_DECLARE_DESTRUCTOR(IOWriter)

/* A reader whose bytes come from func_in(ptr, size, nitems), which copies up
 * to nitems items of size bytes to ptr and returns how many it copied (fewer
 * at the end of the data). Pass it to faiss_read_index_custom cast to
 * FaissIOReader*. */
FAISS_DECLARE_CLASS(CustomIOReader)
FAISS_DECLARE_DESTRUCTOR(CustomIOReader)

int faiss_CustomIOReader_new(
        FaissCustomIOReader** p_out,
        size_t (*func_in)(void* ptr, size_t size, size_t nitems));

/* A writer that hands its bytes to func_in(ptr, size, nitems), which must
 * take all nitems items and return nitems. */
FAISS_DECLARE_CLASS(CustomIOWriter)
FAISS_DECLARE_DESTRUCTOR(CustomIOWriter)

int faiss_CustomIOWriter_new(
        FaissCustomIOWriter** p_out,
        size_t (*func_in)(const void* ptr, size_t size, size_t nitems));

#ifdef __cplusplus
}
#endif

#endif
