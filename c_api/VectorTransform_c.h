/*
 * faisslike C API: transformations applied to vectors before an index
 * (PCA, random rotation, normalisation, centering).
 */

#ifndef FAISS_VECTOR_TRANSFORM_C_H
#define FAISS_VECTOR_TRANSFORM_C_H

#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

FAISS_DECLARE_CLASS(VectorTransform)
FAISS_DECLARE_DESTRUCTOR(VectorTransform)

FAISS_DECLARE_GETTER(VectorTransform, int, is_trained)
FAISS_DECLARE_GETTER(VectorTransform, int, d_in)
FAISS_DECLARE_GETTER(VectorTransform, int, d_out)

int faiss_VectorTransform_train(
        FaissVectorTransform* vt,
        idx_t n,
        const float* x);

/* n transformed vectors (n * d_out floats) in a new array, to be released
 * with free(); NULL on failure (see faiss_get_last_error). */
float* faiss_VectorTransform_apply(
        const FaissVectorTransform* vt,
        idx_t n,
        const float* x);

/* Transforms n vectors into xt (n * d_out floats). These functions return
 * nothing: on failure xt is left as it was and faiss_get_last_error() tells
 * why. */
void faiss_VectorTransform_apply_noalloc(
        const FaissVectorTransform* vt,
        idx_t n,
        const float* x,
        float* xt);

/* Maps n transformed vectors back (exactly, or the best approximation). */
void faiss_VectorTransform_reverse_transform(
        const FaissVectorTransform* vt,
        idx_t n,
        const float* xt,
        float* x);

/* y = A x + b. */
FAISS_DECLARE_CLASS_INHERITED(LinearTransform, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(LinearTransform)

/* x = A^T (y - b): the inverse when A is orthonormal. */
void faiss_LinearTransform_transform_transpose(
        const FaissLinearTransform* vt,
        idx_t n,
        const float* y,
        float* x);

/* Checks A against the identity to set is_orthonormal. */
void faiss_LinearTransform_set_is_orthonormal(FaissLinearTransform* vt);

FAISS_DECLARE_GETTER(LinearTransform, int, have_bias)
FAISS_DECLARE_GETTER(LinearTransform, int, is_orthonormal)

/* A random orthonormal d_out x d_in matrix, drawn by train(). */
FAISS_DECLARE_CLASS_INHERITED(RandomRotationMatrix, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(RandomRotationMatrix)

int faiss_RandomRotationMatrix_new_with(
        FaissRandomRotationMatrix** p_vt,
        int d_in,
        int d_out);

/* Projection on the d_out leading principal components, each scaled by
 * eigenvalue ^ eigen_power (-0.5 whitens), optionally randomly rotated. */
FAISS_DECLARE_CLASS_INHERITED(PCAMatrix, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(PCAMatrix)

int faiss_PCAMatrix_new_with(
        FaissPCAMatrix** p_vt,
        int d_in,
        int d_out,
        float eigen_power,
        int random_rotation);

FAISS_DECLARE_GETTER(PCAMatrix, float, eigen_power)
FAISS_DECLARE_GETTER(PCAMatrix, int, random_rotation)
/* Kept for Faiss's file format; only 0 is supported. */
FAISS_DECLARE_GETTER(PCAMatrix, int, balanced_bins)
FAISS_DECLARE_SETTER(PCAMatrix, int, balanced_bins)

/* A rotation learnt to lower the error of a product quantizer with M
 * sub-quantizers (the "OPQ" factory prefix); d2 = -1 keeps the dimension d. */
FAISS_DECLARE_CLASS_INHERITED(OPQMatrix, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(OPQMatrix)

int faiss_OPQMatrix_new_with(FaissOPQMatrix** p_vt, int d, int M, int d2);

FAISS_DECLARE_GETTER_SETTER(OPQMatrix, int, verbose)
FAISS_DECLARE_GETTER_SETTER(OPQMatrix, int, niter)
FAISS_DECLARE_GETTER_SETTER(OPQMatrix, int, niter_pq)

/* Scales each vector to unit norm (norm must be 2). */
FAISS_DECLARE_CLASS_INHERITED(NormalizationTransform, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(NormalizationTransform)

int faiss_NormalizationTransform_new_with(
        FaissNormalizationTransform** p_vt,
        int d,
        float norm);

FAISS_DECLARE_GETTER(NormalizationTransform, float, norm)

/* Subtracts the mean of the training vectors. */
FAISS_DECLARE_CLASS_INHERITED(CenteringTransform, VectorTransform)
FAISS_DECLARE_DESTRUCTOR(CenteringTransform)

int faiss_CenteringTransform_new_with(FaissCenteringTransform** p_vt, int d);

#ifdef __cplusplus
}
#endif

#endif
