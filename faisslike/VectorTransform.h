#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

struct ProductQuantizer;

/// A transformation applied to vectors before they reach an index
/// (dimension reduction, rotation, normalisation), as in Faiss.
struct VectorTransform {
    int d_in;        ///< input dimension
    int d_out;       ///< output dimension
    bool is_trained; ///< false until train() for transforms learned from data

    explicit VectorTransform(int d_in = 0, int d_out = 0);
    virtual ~VectorTransform();

    virtual void train(idx_t n, const float* x);

    /// Returns a new[]-allocated array of n * d_out transformed vectors (caller frees).
    float* apply(idx_t n, const float* x) const;
    /// Transforms n vectors into xt (n * d_out floats).
    virtual void apply_noalloc(idx_t n, const float* x, float* xt) const = 0;
    /// Maps transformed vectors back (exactly, or the best approximation).
    virtual void reverse_transform(idx_t n, const float* xt, float* x) const;
    /// Throws unless other is the same transform with the same parameters.
    virtual void check_identical(const VectorTransform& other) const = 0;

   protected:
    void check_apply_args(idx_t n, const float* x, const float* xt) const;
};

/// y = A x + b with A of size d_out x d_in (row-major) and optional bias b.
struct LinearTransform : VectorTransform {
    bool have_bias;
    bool is_orthonormal; ///< rows (or columns) orthonormal: the transpose inverts it
    std::vector<float> A;
    std::vector<float> b;
    bool verbose = false;

    explicit LinearTransform(int d_in = 0, int d_out = 0, bool have_bias = false);

    void apply_noalloc(idx_t n, const float* x, float* xt) const override;
    /// x = A^T (y - b): the inverse when A is orthonormal.
    void transform_transpose(idx_t n, const float* y, float* x) const;
    void reverse_transform(idx_t n, const float* xt, float* x) const override;
    /// Sets is_orthonormal by checking A A^T (or A^T A) against the identity.
    void set_is_orthonormal();
    void check_identical(const VectorTransform& other) const override;
};

/// A random orthonormal matrix (rotation when d_in == d_out).
struct RandomRotationMatrix : LinearTransform {
    RandomRotationMatrix(int d_in, int d_out);
    RandomRotationMatrix() = default;
    /// Draws the matrix from a seed (train() does it with seed 12345).
    void init(int seed);
    void train(idx_t n, const float* x) override;
};

/// Principal component analysis: projects on the d_out leading eigenvectors of
/// the covariance, optionally whitened (eigen_power = -0.5) and rotated.
struct PCAMatrix : LinearTransform {
    float eigen_power;    ///< scale component i by eigenvalue_i ^ eigen_power
    float epsilon = 0;    ///< added to eigenvalues before the power
    bool random_rotation; ///< rotate the output randomly (spreads variance)
    size_t max_points_per_d = 1000; ///< train on at most this many points per dimension
    int balanced_bins = 0;          ///< not supported (kept for the file format)
    std::vector<float> mean;        ///< d_in
    std::vector<float> eigenvalues; ///< d_in, decreasing
    std::vector<float> PCAMat;      ///< d_in x d_in, row i = eigenvector i

    explicit PCAMatrix(int d_in = 0, int d_out = 0, float eigen_power = 0, bool random_rotation = false);
    void train(idx_t n, const float* x) override;
    /// Builds A and b from mean, eigenvalues and PCAMat.
    void prepare_Ab();
};

/// Optimized product quantization (Ge et al., CVPR 2013): a rotation that makes
/// the data easier to product-quantize (the "OPQ<M>[_<d_out>]" factory prefix).
/// train() alternates a PQ trained on the rotated data with the rotation that
/// best maps the data to its PQ reconstruction (orthogonal Procrustes, by SVD).
/// With d_out < d_in the rows of A are orthonormal (a projection); with
/// d_out > d_in the columns are (the input is padded with zeros for training).
/// Files hold it as a plain LinearTransform, as Faiss writes it.
struct OPQMatrix : LinearTransform {
    int M;               ///< number of sub-quantizers the rotation is optimised for
    int niter = 50;      ///< alternations of PQ training and rotation update
    int niter_pq = 4;    ///< k-means iterations of the PQ in each alternation...
    int niter_pq_0 = 40; ///< ...except the first, which starts from scratch
    /// Train on a random sample of at most this many vectors (OPQ is costly).
    size_t max_train_points = 256 * 256;
    /// If set, this quantizer (dimension d_out, any M and nbits) is trained in
    /// place of an internal PQ(d_out, M, 8): it is left trained on the rotated,
    /// centred training vectors, with its own settings (cp, train_type,
    /// verbose) restored. Not owned.
    ProductQuantizer* pq = nullptr;
    // `verbose` (inherited) prints the objective of each alternation.

    /// d2 = -1: the output has the input's dimension d. Throws unless the
    /// output dimension is a positive multiple of M (Faiss waits for train()).
    explicit OPQMatrix(int d = 0, int M = 1, int d2 = -1);
    /// Starts from A when it is set (d_out x d_in), else from a random rotation.
    /// Throws, leaving the transform unchanged, on fewer training vectors than
    /// the PQ has centroids per sub-quantizer, or on NaN / infinite components.
    void train(idx_t n, const float* x) override;
};

/// Scales each vector to unit L2 norm (the "L2norm" factory prefix).
struct NormalizationTransform : VectorTransform {
    float norm; ///< only 2 (L2) is supported

    explicit NormalizationTransform(int d, float norm = 2.0f);
    NormalizationTransform();
    void apply_noalloc(idx_t n, const float* x, float* xt) const override;
    /// Normalisation loses the norm: the reverse is the identity.
    void reverse_transform(idx_t n, const float* xt, float* x) const override;
    void check_identical(const VectorTransform& other) const override;
};

/// Subtracts the mean of the training vectors.
struct CenteringTransform : VectorTransform {
    std::vector<float> mean;

    explicit CenteringTransform(int d = 0);
    void train(idx_t n, const float* x) override;
    void apply_noalloc(idx_t n, const float* x, float* xt) const override;
    void reverse_transform(idx_t n, const float* xt, float* x) const override;
    void check_identical(const VectorTransform& other) const override;
};

} // namespace faisslike
