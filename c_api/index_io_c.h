/*
 * faisslike C API: reading and writing indexes in Faiss's file format (a
 * file written by Faiss reads here, and the reverse).
 */

#ifndef FAISS_INDEX_IO_C_H
#define FAISS_INDEX_IO_C_H

#include <stdio.h>
#include "Index_c.h"
#include "VectorTransform_c.h"
#include "faiss_c.h"
#include "impl/io_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes to an open stream, from its current position. */
int faiss_write_index(const FaissIndex* idx, FILE* f);

/* Writes a file atomically: a file of that name is replaced only once the
 * new one is complete. */
int faiss_write_index_fname(const FaissIndex* idx, const char* fname);

int faiss_write_index_custom(
        const FaissIndex* idx,
        FaissIOWriter* io_writer,
        int io_flags);

/* io_flags go to the reader unchanged and have the values of Faiss's C++
 * IO_FLAG_* constants. These two names keep the values of Faiss's C header
 * (where, too, 1 is not the C++ memory-map flag). */
#define FAISS_IO_FLAG_MMAP 1
#define FAISS_IO_FLAG_READ_ONLY 2

/* Reads from an open stream, from its current position; the caller owns
 * *p_out. */
int faiss_read_index(FILE* f, int io_flags, FaissIndex** p_out);

int faiss_read_index_fname(const char* fname, int io_flags, FaissIndex** p_out);

int faiss_read_index_custom(
        FaissIOReader* io_reader,
        int io_flags,
        FaissIndex** p_out);

/* A transform written on its own (Faiss's write_VectorTransform). */
int faiss_read_VectorTransform_fname(
        const char* fname,
        FaissVectorTransform** p_out);

#ifdef __cplusplus
}
#endif

#endif
