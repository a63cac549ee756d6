#include <faisslike/VectorTransform.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <typeinfo>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/ProductQuantizer.h>
#include <faisslike/utils/blas.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/random.h>

namespace faisslike {

/*********************************************************** VectorTransform */

VectorTransform::VectorTransform(int d_in, int d_out) : d_in(d_in), d_out(d_out), is_trained(true) {
    FAISSLIKE_THROW_IF_NOT_FMT(d_in >= 0 && d_out >= 0, "invalid transform dimensions %d -> %d",
                               d_in, d_out);
}

VectorTransform::~VectorTransform() = default;

void VectorTransform::train(idx_t, const float*) {}

void VectorTransform::check_apply_args(idx_t n, const float* x, const float* xt) const {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0, "transform: n must be >= 0");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || (x && xt), "transform: null pointer");
    FAISSLIKE_THROW_IF_NOT_MSG(is_trained, "transform is not trained: call train() first");
}

float* VectorTransform::apply(idx_t n, const float* x) const {
    auto xt = std::make_unique<float[]>(size_t(n) * d_out);
    apply_noalloc(n, x, xt.get());
    return xt.release();
}

void VectorTransform::reverse_transform(idx_t, const float*, float*) const {
    FAISSLIKE_THROW_MSG("reverse transform not implemented for this type of transform");
}

/*********************************************************** LinearTransform */

LinearTransform::LinearTransform(int d_in, int d_out, bool have_bias)
        : VectorTransform(d_in, d_out), have_bias(have_bias), is_orthonormal(false) {
    is_trained = false; // A and b must be set
}

void LinearTransform::apply_noalloc(idx_t n, const float* x, float* xt) const {
    check_apply_args(n, x, xt);
    FAISSLIKE_THROW_IF_NOT_MSG(A.size() == size_t(d_out) * d_in, "LinearTransform: A has the wrong size");
    if (n == 0) {
        return;
    }
    float beta = 0.0f;
    if (have_bias) {
        FAISSLIKE_THROW_IF_NOT_MSG(b.size() == size_t(d_out), "LinearTransform: b has the wrong size");
        for (idx_t i = 0; i < n; i++) {
            std::memcpy(xt + size_t(i) * d_out, b.data(), sizeof(float) * d_out);
        }
        beta = 1.0f;
    }
    matmul_abt(x, A.data(), xt, int(n), d_out, d_in, 1.0f, beta);
}

void LinearTransform::transform_transpose(idx_t n, const float* y, float* x) const {
    check_apply_args(n, y, x);
    if (n == 0) {
        return;
    }
    const float* src = y;
    std::vector<float> centred;
    if (have_bias) {
        centred.assign(y, y + size_t(n) * d_out);
        for (idx_t i = 0; i < n; i++) {
            for (int j = 0; j < d_out; j++) {
                centred[size_t(i) * d_out + j] -= b[j];
            }
        }
        src = centred.data();
    }
    matmul_ab(src, A.data(), x, int(n), d_in, d_out);
}

void LinearTransform::reverse_transform(idx_t n, const float* xt, float* x) const {
    FAISSLIKE_THROW_IF_NOT_MSG(
            is_orthonormal,
            "reverse_transform is only implemented for orthonormal linear transforms");
    transform_transpose(n, xt, x);
}

void LinearTransform::set_is_orthonormal() {
    // d_out <= d_in: rows orthonormal (A A^T = I); else columns (A^T A = I).
    int m = std::min(d_in, d_out);
    std::vector<double> gram(size_t(m) * m, 0.0);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
            double s = 0;
            if (d_out <= d_in) {
                for (int t = 0; t < d_in; t++) {
                    s += double(A[size_t(i) * d_in + t]) * A[size_t(j) * d_in + t];
                }
            } else {
                for (int t = 0; t < d_out; t++) {
                    s += double(A[size_t(t) * d_in + i]) * A[size_t(t) * d_in + j];
                }
            }
            gram[size_t(i) * m + j] = s;
        }
    }
    is_orthonormal = true;
    for (int i = 0; i < m && is_orthonormal; i++) {
        for (int j = 0; j < m; j++) {
            if (std::abs(gram[size_t(i) * m + j] - (i == j ? 1.0 : 0.0)) > 1e-4) {
                is_orthonormal = false;
                break;
            }
        }
    }
}

void LinearTransform::check_identical(const VectorTransform& other_in) const {
    const auto* other = dynamic_cast<const LinearTransform*>(&other_in);
    FAISSLIKE_THROW_IF_NOT_MSG(other && typeid(*other) == typeid(*this), "transforms differ in type");
    FAISSLIKE_THROW_IF_NOT_MSG(other->d_in == d_in && other->d_out == d_out && other->A == A &&
                                       other->b == b && other->have_bias == have_bias,
                               "linear transforms differ");
}

/*********************************************************** RandomRotationMatrix */

RandomRotationMatrix::RandomRotationMatrix(int d_in, int d_out) : LinearTransform(d_in, d_out, false) {}

void RandomRotationMatrix::init(int seed) {
    // Orthonormalise a square Gaussian matrix (Gram-Schmidt in double), then keep
    // the d_out x d_in block: orthonormal rows if d_out <= d_in, columns otherwise.
    const int dim = std::max(d_in, d_out);
    std::vector<float> gauss(size_t(dim) * dim);
    float_randn(gauss.data(), gauss.size(), seed);
    std::vector<double> q(gauss.begin(), gauss.end());
    for (int i = 0; i < dim; i++) {
        double* qi = q.data() + size_t(i) * dim;
        for (int j = 0; j < i; j++) {
            const double* qj = q.data() + size_t(j) * dim;
            double dot = 0;
            for (int t = 0; t < dim; t++) {
                dot += qi[t] * qj[t];
            }
            for (int t = 0; t < dim; t++) {
                qi[t] -= dot * qj[t];
            }
        }
        double norm = 0;
        for (int t = 0; t < dim; t++) {
            norm += qi[t] * qi[t];
        }
        norm = std::sqrt(norm);
        for (int t = 0; t < dim; t++) {
            qi[t] /= norm;
        }
    }
    A.resize(size_t(d_out) * d_in);
    for (int i = 0; i < d_out; i++) {
        for (int j = 0; j < d_in; j++) {
            A[size_t(i) * d_in + j] = float(q[size_t(i) * dim + j]);
        }
    }
    is_orthonormal = true;
    is_trained = true;
}

void RandomRotationMatrix::train(idx_t, const float*) {
    init(12345);
}

/*********************************************************** PCAMatrix */

PCAMatrix::PCAMatrix(int d_in, int d_out, float eigen_power, bool random_rotation)
        : LinearTransform(d_in, d_out, true), eigen_power(eigen_power), random_rotation(random_rotation) {
    FAISSLIKE_THROW_IF_NOT_FMT(d_out <= d_in, "PCAMatrix: output dimension %d > input dimension %d",
                               d_out, d_in);
}

void PCAMatrix::train(idx_t n_in, const float* x_in) {
    FAISSLIKE_THROW_IF_NOT_FMT(n_in > 0 && x_in, "PCAMatrix::train: empty training set (n = %lld)",
                               (long long)n_in);
    FAISSLIKE_THROW_IF_NOT_MSG(balanced_bins == 0, "PCAMatrix: balanced_bins is not supported");
    size_t n = size_t(n_in);
    const float* x = x_in;
    std::vector<float> sample;
    if (n > max_points_per_d * size_t(d_in)) {
        size_t ns = max_points_per_d * size_t(d_in);
        std::vector<int> perm(n);
        rand_perm(perm.data(), n, 1234);
        sample.resize(ns * d_in);
        for (size_t i = 0; i < ns; i++) {
            std::memcpy(sample.data() + i * d_in, x_in + size_t(perm[i]) * d_in, sizeof(float) * d_in);
        }
        x = sample.data();
        n = ns;
    }
    for (size_t i = 0; i < n * d_in; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(std::isfinite(x[i]), "PCAMatrix::train: vector %zu has a NaN or infinite component", i / d_in);
    }
    const size_t d = size_t(d_in);
    std::vector<double> mu(d, 0.0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            mu[j] += x[i * d + j];
        }
    }
    for (auto& m : mu) {
        m /= double(n);
    }
    // Covariance of the centred data, accumulated block by block with sgemm
    // (block^T block), so no full copy of the training set is made.
    const size_t block = 4096;
    std::vector<float> centred(std::min(n, block) * d);
    std::vector<float> cov_f(d * d, 0.0f);
    for (size_t i0 = 0; i0 < n; i0 += block) {
        size_t nb = std::min(block, n - i0);
        for (size_t i = 0; i < nb; i++) {
            for (size_t j = 0; j < d; j++) {
                centred[i * d + j] = float(x[(i0 + i) * d + j] - mu[j]);
            }
        }
        FINTEGER fd = FINTEGER(d), fb = FINTEGER(nb);
        float one = 1.0f;
        sgemm_("N", "T", &fd, &fd, &fb, &one, centred.data(), &fd, centred.data(), &fd, &one,
               cov_f.data(), &fd);
    }
    std::vector<double> cov(d * d);
    for (size_t i = 0; i < d * d; i++) {
        cov[i] = double(cov_f[i]) / double(n);
    }
    FINTEGER fd = FINTEGER(d), info = 0, lwork = -1;
    std::vector<double> w(d);
    double work_size = 0;
    dsyev_("V", "L", &fd, cov.data(), &fd, w.data(), &work_size, &lwork, &info);
    lwork = FINTEGER(work_size);
    std::vector<double> work(size_t(std::max(lwork, 1)));
    dsyev_("V", "L", &fd, cov.data(), &fd, w.data(), work.data(), &lwork, &info);
    FAISSLIKE_THROW_IF_NOT_FMT(info == 0, "PCAMatrix: eigen-decomposition failed (LAPACK info %d)", int(info));
    // LAPACK returns ascending eigenvalues with eigenvectors as columns (which,
    // read row-major, are the rows of cov): reverse to decreasing order.
    mean.assign(mu.begin(), mu.end());
    eigenvalues.resize(d);
    PCAMat.resize(d * d);
    for (size_t r = 0; r < d; r++) {
        size_t src = d - 1 - r;
        eigenvalues[r] = float(std::max(0.0, w[src]));
        // Fix the sign so the largest component is positive: deterministic output.
        const double* v = cov.data() + src * d;
        size_t argmax = 0;
        for (size_t j = 1; j < d; j++) {
            if (std::abs(v[j]) > std::abs(v[argmax])) {
                argmax = j;
            }
        }
        double sign = v[argmax] < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < d; j++) {
            PCAMat[r * d + j] = float(sign * v[j]);
        }
    }
    prepare_Ab();
    is_trained = true;
}

void PCAMatrix::prepare_Ab() {
    FAISSLIKE_THROW_IF_NOT_MSG(PCAMat.size() == size_t(d_in) * d_in && mean.size() == size_t(d_in),
                               "PCAMatrix: not trained");
    A.assign(PCAMat.begin(), PCAMat.begin() + size_t(d_out) * d_in);
    if (eigen_power != 0) {
        for (int i = 0; i < d_out; i++) {
            float scale = std::pow(eigenvalues[i] + epsilon, eigen_power);
            for (int j = 0; j < d_in; j++) {
                A[size_t(i) * d_in + j] *= scale;
            }
        }
    }
    if (random_rotation) {
        RandomRotationMatrix rr(d_out, d_out);
        rr.init(5);
        std::vector<float> rotated(size_t(d_out) * d_in);
        matmul_ab(rr.A.data(), A.data(), rotated.data(), d_out, d_in, d_out);
        A.swap(rotated);
    }
    // b = -A mean, so that y = A (x - mean).
    b.assign(d_out, 0.0f);
    for (int i = 0; i < d_out; i++) {
        double s = 0;
        for (int j = 0; j < d_in; j++) {
            s += double(A[size_t(i) * d_in + j]) * mean[j];
        }
        b[i] = float(-s);
    }
    have_bias = true;
    is_orthonormal = eigen_power == 0;
    is_trained = true;
}

/*********************************************************** OPQMatrix */

OPQMatrix::OPQMatrix(int d, int M, int d2) : LinearTransform(d, d2 == -1 ? d : d2, false), M(M) {
    // (d = 0 is the empty transform a caller fills in.)
    FAISSLIKE_THROW_IF_NOT_FMT(M > 0 && d_out % M == 0 && (d_out > 0 || d_in == 0),
                               "OPQMatrix: the output dimension %d must be a positive multiple of M = %d", d_out,
                               M);
}

namespace {

/// The rotation update of OPQ (orthogonal Procrustes), in double precision
/// so that the result stays orthonormal; keeps the LAPACK buffers between
/// iterations.
struct Procrustes {
    FINTEGER rows, cols; // of the correlation matrix handed to LAPACK (column-major)
    std::vector<double> a, s, u, vt, work;

    Procrustes(int d, int d2) : rows(d), cols(d2) {
        a.resize(size_t(d) * d2);
        s.resize(size_t(d2));
        u.resize(size_t(d) * d2);
        vt.resize(size_t(d2) * d2);
        FINTEGER lwork = -1, info = 0;
        double size = 0;
        dgesvd_("S", "S", &rows, &cols, a.data(), &rows, s.data(), u.data(), &rows, vt.data(), &cols,
                &size, &lwork, &info);
        FAISSLIKE_THROW_IF_NOT_FMT(info == 0, "OPQMatrix: LAPACK dgesvd workspace query failed (info %d)",
                                   int(info));
        work.resize(std::max<size_t>(1, size_t(size)));
    }

    /// Given C = Y^T X (d2 x d, row-major) for data X (n x d) and targets Y
    /// (n x d2), writes the R (d2 x d, orthonormal rows, row-major) that
    /// minimises |Y - X R^T|: R = U V^T for the thin SVD C = U S V^T.
    void solve(const float* c, float* rotation) {
        // Row-major C is column-major C^T = V S U^T (d x d2): LAPACK returns V as
        // `u` and U^T as `vt`, and column-major V U^T (d x d2) is row-major R.
        std::copy(c, c + a.size(), a.begin());
        FINTEGER lwork = FINTEGER(work.size()), info = 0;
        dgesvd_("S", "S", &rows, &cols, a.data(), &rows, s.data(), u.data(), &rows, vt.data(), &cols,
                work.data(), &lwork, &info);
        FAISSLIKE_THROW_IF_NOT_FMT(info == 0, "OPQMatrix: LAPACK dgesvd failed (info %d)", int(info));
        double one = 1, zero = 0;
        dgemm_("N", "N", &rows, &cols, &cols, &one, u.data(), &rows, vt.data(), &cols, &zero, a.data(), &rows);
        std::copy(a.begin(), a.end(), rotation);
    }
};

/// Restores the settings OPQ changes on a user-provided quantizer.
struct PQSettingsGuard {
    ProductQuantizer& pq;
    ClusteringParameters cp;
    ProductQuantizer::train_type_t train_type;
    bool verbose;

    explicit PQSettingsGuard(ProductQuantizer& pq)
            : pq(pq), cp(pq.cp), train_type(pq.train_type), verbose(pq.verbose) {}
    ~PQSettingsGuard() {
        pq.cp = cp;
        pq.train_type = train_type;
        pq.verbose = verbose;
    }
};

} // namespace

void OPQMatrix::train(idx_t n_in, const float* x_in) {
    FAISSLIKE_THROW_IF_NOT_FMT(n_in > 0 && x_in, "OPQMatrix::train: empty training set (n = %lld)",
                               (long long)n_in);
    FAISSLIKE_THROW_IF_NOT_FMT(d_in > 0 && d_out > 0 && M > 0 && d_out % M == 0,
                               "OPQMatrix::train: dimensions %d -> %d: the output dimension must be a "
                               "positive multiple of M = %d",
                               d_in, d_out, M);
    FAISSLIKE_THROW_IF_NOT_FMT(niter >= 0 && niter_pq >= 0 && niter_pq_0 >= 0,
                               "OPQMatrix::train: niter = %d, niter_pq = %d, niter_pq_0 = %d must be >= 0",
                               niter, niter_pq, niter_pq_0);
    FAISSLIKE_THROW_IF_NOT_FMT(!pq || pq->d == size_t(d_out),
                               "OPQMatrix::train: the product quantizer has dimension %zu, the output %d",
                               pq ? pq->d : size_t(0), d_out);
    // Zero-padding the input to d_out when d_out > d_in keeps the rotation square.
    const size_t d = size_t(std::max(d_in, d_out)), d2 = size_t(d_out);
    std::vector<float> rotation;
    if (A.empty()) {
        if (verbose) {
            std::printf("  OPQMatrix::train: making random %zu*%zu rotation\n", d, d);
        }
        RandomRotationMatrix rr{int(d), int(d2)};
        rr.init(1234);
        rotation = std::move(rr.A);
    } else if (A.size() == d2 * size_t(d_in)) {
        rotation.assign(d2 * d, 0.0f);
        for (size_t i = 0; i < d2; i++) {
            std::copy(A.begin() + i * d_in, A.begin() + (i + 1) * d_in, rotation.begin() + i * d);
        }
    } else {
        FAISSLIKE_THROW_FMT("OPQMatrix::train: A has %zu entries, not %d x %d (clear it to start from a "
                            "random rotation)",
                            A.size(), d_out, d_in);
    }

    ProductQuantizer pq_default(d2, size_t(M), 8);
    ProductQuantizer& quantizer = pq ? *pq : pq_default;
    size_t n = size_t(n_in);
    const float* x = x_in;
    std::vector<float> sample;
    if (n > max_train_points) {
        if (verbose) {
            std::printf("OPQMatrix::train: sampling %zu of %zu training vectors\n", max_train_points, n);
        }
        std::vector<int> perm(n);
        rand_perm(perm.data(), n, 1234);
        sample.resize(max_train_points * d_in);
        for (size_t i = 0; i < max_train_points; i++) {
            std::memcpy(sample.data() + i * d_in, x_in + size_t(perm[i]) * d_in, sizeof(float) * d_in);
        }
        x = sample.data();
        n = max_train_points;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(n >= quantizer.ksub,
                               "OPQMatrix::train: %zu training vectors for a product quantizer of %zu "
                               "centroids per sub-quantizer: provide at least %zu (better %zu)",
                               n, quantizer.ksub, quantizer.ksub,
                               quantizer.ksub * size_t(quantizer.cp.min_points_per_centroid));
    for (size_t i = 0; i < n * d_in; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(std::isfinite(x[i]),
                                   "OPQMatrix::train: training vector %zu has a NaN or infinite component",
                                   i / d_in);
    }
    if (verbose) {
        std::printf("OPQMatrix::train: training an OPQ rotation matrix for M=%d from %zu vectors in "
                    "%dD -> %dD\n",
                    M, n, d_in, d_out);
    }

    // The rotation is learnt on centred data; the transform itself has no bias.
    std::vector<double> mean(d_in, 0.0);
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < d_in; j++) {
            mean[j] += x[i * d_in + j];
        }
    }
    for (auto& m : mean) {
        m /= double(n);
    }
    std::vector<float> xtrain(n * d, 0.0f);
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < d_in; j++) {
            xtrain[i * d + j] = float(x[i * d_in + j] - mean[j]);
        }
    }

    PQSettingsGuard restore(quantizer);
    Procrustes procrustes{int(d), int(d2)};
    std::vector<float> xproj(n * d2), recons(n * d2), correlation(d2 * d);
    std::vector<uint8_t> codes(n * quantizer.code_size);
    const auto start = std::chrono::steady_clock::now();
    for (int iter = 0; iter < niter; iter++) {
        matmul_abt(xtrain.data(), rotation.data(), xproj.data(), int(n), int(d2), int(d));

        quantizer.cp.max_points_per_centroid = 1000;
        quantizer.cp.niter = iter == 0 ? niter_pq_0 : niter_pq;
        quantizer.verbose = verbose;
        quantizer.train(n, xproj.data());
        // Later alternations refine the codebooks of the previous one.
        quantizer.train_type = ProductQuantizer::Train_hot_start;
        quantizer.compute_codes(xproj.data(), codes.data(), n);
        quantizer.decode(codes.data(), recons.data(), n);

        if (verbose) {
            double err = 0;
            for (size_t i = 0; i < n; i++) {
                err += fvec_L2sqr(recons.data() + i * d2, xproj.data() + i * d2, d2);
            }
            std::printf("    Iteration %d (%d PQ iterations): %.3f s, obj=%g\n", iter, quantizer.cp.niter,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                        err / double(n));
            std::fflush(stdout);
        }

        // correlation (d2 x d) = recons^T xtrain, through the column-major
        // sgemm: its column-major transpose is xtrain^T recons.
        FINTEGER fd = FINTEGER(d), fd2 = FINTEGER(d2), fn = FINTEGER(n);
        float one = 1, zero = 0;
        sgemm_("N", "T", &fd, &fd2, &fn, &one, xtrain.data(), &fd, recons.data(), &fd2, &zero,
               correlation.data(), &fd);
        procrustes.solve(correlation.data(), rotation.data());
    }

    // Drop the columns that multiplied the zero padding.
    A.resize(d2 * size_t(d_in));
    for (size_t i = 0; i < d2; i++) {
        std::copy(rotation.begin() + i * d, rotation.begin() + i * d + d_in, A.begin() + i * d_in);
    }
    is_trained = true;
    is_orthonormal = true;
}

/*********************************************************** Normalization / Centering */

NormalizationTransform::NormalizationTransform(int d, float norm) : VectorTransform(d, d), norm(norm) {
    FAISSLIKE_THROW_IF_NOT_FMT(norm == 2.0f, "NormalizationTransform: only the L2 norm (2.0) is supported, got %g",
                               double(norm));
}

NormalizationTransform::NormalizationTransform() : VectorTransform(0, 0), norm(2.0f) {}

void NormalizationTransform::apply_noalloc(idx_t n, const float* x, float* xt) const {
    check_apply_args(n, x, xt);
    if (n == 0) {
        return;
    }
    std::memcpy(xt, x, sizeof(float) * size_t(n) * d_in);
    fvec_renorm_L2(size_t(d_in), size_t(n), xt);
}

void NormalizationTransform::reverse_transform(idx_t n, const float* xt, float* x) const {
    check_apply_args(n, xt, x);
    if (n > 0) {
        std::memcpy(x, xt, sizeof(float) * size_t(n) * d_in);
    }
}

void NormalizationTransform::check_identical(const VectorTransform& other_in) const {
    const auto* other = dynamic_cast<const NormalizationTransform*>(&other_in);
    FAISSLIKE_THROW_IF_NOT_MSG(other && other->d_in == d_in && other->norm == norm,
                               "normalization transforms differ");
}

CenteringTransform::CenteringTransform(int d) : VectorTransform(d, d) {
    is_trained = false;
}

void CenteringTransform::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(n > 0 && x, "CenteringTransform::train: empty training set");
    std::vector<double> mu(d_in, 0.0);
    for (idx_t i = 0; i < n; i++) {
        for (int j = 0; j < d_in; j++) {
            mu[j] += x[size_t(i) * d_in + j];
        }
    }
    mean.resize(d_in);
    for (int j = 0; j < d_in; j++) {
        mean[j] = float(mu[j] / double(n));
    }
    is_trained = true;
}

void CenteringTransform::apply_noalloc(idx_t n, const float* x, float* xt) const {
    check_apply_args(n, x, xt);
    for (idx_t i = 0; i < n; i++) {
        for (int j = 0; j < d_in; j++) {
            xt[size_t(i) * d_in + j] = x[size_t(i) * d_in + j] - mean[j];
        }
    }
}

void CenteringTransform::reverse_transform(idx_t n, const float* xt, float* x) const {
    check_apply_args(n, xt, x);
    for (idx_t i = 0; i < n; i++) {
        for (int j = 0; j < d_in; j++) {
            x[size_t(i) * d_in + j] = xt[size_t(i) * d_in + j] + mean[j];
        }
    }
}

void CenteringTransform::check_identical(const VectorTransform& other_in) const {
    const auto* other = dynamic_cast<const CenteringTransform*>(&other_in);
    FAISSLIKE_THROW_IF_NOT_MSG(other && other->d_in == d_in && other->mean == mean,
                               "centering transforms differ");
}

} // namespace faisslike
