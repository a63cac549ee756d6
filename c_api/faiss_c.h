/*
 * faisslike C API: the shared types and the declaration macros.
 *
 * The headers keep the file names, function names, types and argument
 * order of Faiss's C API, so that C code and FFI bindings written for Faiss
 * build and link against libfaisslike_c unchanged; what faisslike adds
 * (IndexPQ_c.h, IndexIVFPQ_c.h, the HNSW indexes) follows the same
 * conventions. The headers are plain C99.
 */

#ifndef FAISS_C_H
#define FAISS_C_H

#include <stdint.h>

/* Vector ids and counts, signed 64-bit; -1 marks a missing result. */
typedef int64_t faiss_idx_t;
typedef faiss_idx_t idx_t;
/* Vector components and distances. */
typedef float faiss_component_t;
typedef float faiss_distance_t;

/* An opaque handle type Faiss<clazz> for the C++ class clazz. */
#define FAISS_DECLARE_CLASS(clazz) typedef struct Faiss##clazz##_H Faiss##clazz;

/* A handle type for a subclass that is the very same type as its parent's
 * handle, so a FaissIndexFlatL2* is passed to faiss_Index_* without a cast. */
#define FAISS_DECLARE_CLASS_INHERITED(clazz, parent) \
    typedef struct Faiss##parent##_H Faiss##clazz;

/* faiss_<clazz>_cast: the same handle when the index is a clazz (or derives
 * from it), NULL otherwise. */
#define FAISS_DECLARE_INDEX_DOWNCAST(clazz) \
    Faiss##clazz* faiss_##clazz##_cast(FaissIndex*);

/* The same check for search parameters. */
#define FAISS_DECLARE_SEARCH_PARAMETERS_DOWNCAST(clazz) \
    Faiss##clazz* faiss_##clazz##_cast(FaissSearchParameters*);

/* Getters and setters of a field: they return the value itself (no error
 * code); on a NULL handle, or one of another class, a getter returns zero
 * and a setter does nothing. Booleans are ints. */
#define FAISS_DECLARE_GETTER(clazz, ty, name) \
    ty faiss_##clazz##_##name(const Faiss##clazz*);

#define FAISS_DECLARE_SETTER(clazz, ty, name) \
    void faiss_##clazz##_set_##name(Faiss##clazz*, ty);

#define FAISS_DECLARE_GETTER_SETTER(clazz, ty, name) \
    FAISS_DECLARE_GETTER(clazz, ty, name)            \
    FAISS_DECLARE_SETTER(clazz, ty, name)

/* faiss_<clazz>_free: deletes the object (NULL is accepted and ignored). */
#define FAISS_DECLARE_DESTRUCTOR(clazz) \
    void faiss_##clazz##_free(Faiss##clazz* obj);

#endif
