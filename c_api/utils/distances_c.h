/*
 * faisslike C API: distance kernels over raw arrays (the library's SIMD
 * kernels, chosen at run time for the CPU).
 */

#ifndef FAISS_DISTANCES_C_H
#define FAISS_DISTANCES_C_H

#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dis[i * ldd + j] = |xq_i - xb_j|^2 for nq queries and nb vectors, rows
 * ldq, ldb and ldd apart (a negative value: d, d and nb). */
void faiss_pairwise_L2sqr(
        int64_t d,
        int64_t nq,
        const float* xq,
        int64_t nb,
        const float* xb,
        float* dis,
        int64_t ldq,
        int64_t ldb,
        int64_t ldd);

/* faiss_pairwise_L2sqr with contiguous rows. */
void faiss_pairwise_L2sqr_with_defaults(
        int64_t d,
        int64_t nq,
        const float* xq,
        int64_t nb,
        const float* xb,
        float* dis);

/* ip[j] = <x, y_j> for ny vectors y_j. */
void faiss_fvec_inner_products_ny(
        float* ip,
        const float* x,
        const float* y,
        size_t d,
        size_t ny);

/* dis[j] = |x - y_j|^2 for ny vectors y_j. */
void faiss_fvec_L2sqr_ny(
        float* dis,
        const float* x,
        const float* y,
        size_t d,
        size_t ny);

/* |x|^2. */
float faiss_fvec_norm_L2sqr(const float* x, size_t d);

/* norms[i] = |x_i|, and |x_i|^2, for nx vectors. */
void faiss_fvec_norms_L2(float* norms, const float* x, size_t d, size_t nx);
void faiss_fvec_norms_L2sqr(float* norms, const float* x, size_t d, size_t nx);

/* Scales each of the nx vectors to unit norm in place (zero vectors stay
 * zero). */
void faiss_fvec_renorm_L2(size_t d, size_t nx, float* x);

#ifdef __cplusplus
}
#endif

#endif
