/*
 * faisslike C API: setting search-time parameters of an index by name
 * ("nprobe", "efSearch", "k_factor_rf", ...), reaching through wrappers
 * (IDMap, pre-transform, refine) to the index they apply to.
 */

#ifndef FAISS_AUTO_TUNE_C_H
#define FAISS_AUTO_TUNE_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The values to try for one parameter, cheapest first. */
FAISS_DECLARE_CLASS(ParameterRange)

FAISS_DECLARE_GETTER(ParameterRange, const char*, name)

/* The values in place; valid until the range is next changed. */
void faiss_ParameterRange_values(FaissParameterRange*, double**, size_t*);

/* A set of parameter ranges; a combination picks one value of each. */
FAISS_DECLARE_CLASS(ParameterSpace)

FAISS_DECLARE_DESTRUCTOR(ParameterSpace)

/* An empty space (add ranges with faiss_ParameterSpace_add_range). */
int faiss_ParameterSpace_new(FaissParameterSpace** space);

/* Number of combinations: the product of the range sizes. */
size_t faiss_ParameterSpace_n_combinations(const FaissParameterSpace*);

/* Writes "name=value,name=value" of combination cno into the buffer of the
 * given size (1000 bytes hold any name); fails if it does not fit. */
int faiss_ParameterSpace_combination_name(
        const FaissParameterSpace*,
        size_t,
        char*,
        size_t);

/* Sets the parameters written "nprobe=16,efSearch=64" on an index. */
int faiss_ParameterSpace_set_index_parameters(
        const FaissParameterSpace*,
        FaissIndex*,
        const char*);

/* Sets the parameters of combination cno on an index. */
int faiss_ParameterSpace_set_index_parameters_cno(
        const FaissParameterSpace*,
        FaissIndex*,
        size_t);

/* Sets one parameter: "nprobe" and "max_codes" (IVF), "efSearch" (HNSW),
 * "k_factor_rf" or "k_factor" (refine), "verbose" (every index),
 * "quantizer_<name>" (the coarse quantizer of an IVF index). Fails when no
 * index in the wrapper chain has it. */
int faiss_ParameterSpace_set_index_parameter(
        const FaissParameterSpace*,
        FaissIndex*,
        const char*,
        double);

/* Prints the ranges to stdout. */
void faiss_ParameterSpace_display(const FaissParameterSpace*);

/* The range of the parameter of that name, created empty if new; owned by
 * the space. */
int faiss_ParameterSpace_add_range(
        FaissParameterSpace*,
        const char*,
        FaissParameterRange**);

#ifdef __cplusplus
}
#endif

#endif
