// Vector transforms against their definitions (orthonormality, variance order,
// exact inverse), and IndexPreTransform / IndexRefine against brute force.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <set>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

double dot(const float* a, const float* b, size_t d) {
    return test::exact_distance(a, b, d, METRIC_INNER_PRODUCT);
}

TEST(RandomRotation, IsOrthonormalAndInvertible) {
    for (auto dims : {std::pair<int, int>{16, 16}, {32, 8}, {8, 20}}) {
        RandomRotationMatrix rr(dims.first, dims.second);
        rr.init(3);
        EXPECT_TRUE(rr.is_orthonormal);
        rr.is_orthonormal = false;
        rr.set_is_orthonormal();
        EXPECT_TRUE(rr.is_orthonormal) << dims.first << " -> " << dims.second;
        if (dims.second >= dims.first) {
            // No information lost: the transpose inverts it exactly (up to rounding).
            auto x = clustered_vectors(10, dims.first, 60);
            std::vector<float> y(10 * dims.second), back(10 * dims.first);
            rr.apply_noalloc(10, x.data(), y.data());
            rr.reverse_transform(10, y.data(), back.data());
            for (size_t i = 0; i < x.size(); i++) {
                EXPECT_NEAR(back[i], x[i], 1e-3 * std::max(1.0f, std::abs(x[i])));
            }
            // Distances are preserved.
            EXPECT_NEAR(test::exact_distance(&y[0], &y[dims.second], dims.second, METRIC_L2),
                        test::exact_distance(&x[0], &x[dims.first], dims.first, METRIC_L2), 1e-2);
        }
    }
}

TEST(PCAMatrix, ComponentsAreOrthonormalAndSortedByVariance) {
    const size_t d = 20, n = 4000;
    // Anisotropic data: dimension j scaled by (j + 1).
    auto x = clustered_vectors(n, d, 61);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            x[i * d + j] *= float(j + 1) / d;
        }
    }
    PCAMatrix pca(d, 6);
    EXPECT_FALSE(pca.is_trained);
    pca.train(n, x.data());
    ASSERT_TRUE(pca.is_trained);
    for (size_t i = 0; i + 1 < d; i++) {
        EXPECT_GE(pca.eigenvalues[i], pca.eigenvalues[i + 1]);
    }
    for (size_t i = 0; i < 6; i++) {
        for (size_t j = 0; j < 6; j++) {
            EXPECT_NEAR(dot(&pca.A[i * d], &pca.A[j * d], d), i == j ? 1.0 : 0.0, 1e-3);
        }
    }
    // Output variance of component i equals eigenvalue i; output is centred.
    std::vector<float> y(n * 6);
    pca.apply_noalloc(n, x.data(), y.data());
    for (size_t c = 0; c < 6; c++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++) {
            mean += y[i * 6 + c];
        }
        mean /= n;
        for (size_t i = 0; i < n; i++) {
            var += (y[i * 6 + c] - mean) * (y[i * 6 + c] - mean);
        }
        var /= n;
        EXPECT_NEAR(mean, 0.0, 1e-2 * std::sqrt(pca.eigenvalues[0]));
        EXPECT_NEAR(var, pca.eigenvalues[c], 1e-2 * pca.eigenvalues[c]);
    }
    // A full-rank PCA is a rotation plus translation: its reverse is exact.
    PCAMatrix full(d, d);
    full.train(n, x.data());
    std::vector<float> yf(10 * d), back(10 * d);
    full.apply_noalloc(10, x.data(), yf.data());
    full.reverse_transform(10, yf.data(), back.data());
    for (size_t i = 0; i < 10 * d; i++) {
        EXPECT_NEAR(back[i], x[i], 1e-2);
    }
}

TEST(PCAMatrix, WhiteningGivesUnitVariance) {
    const size_t d = 10, n = 3000;
    auto x = clustered_vectors(n, d, 62);
    PCAMatrix pca(d, 4, -0.5f);
    pca.train(n, x.data());
    std::vector<float> y(n * 4);
    pca.apply_noalloc(n, x.data(), y.data());
    for (size_t c = 0; c < 4; c++) {
        double var = 0;
        for (size_t i = 0; i < n; i++) {
            var += double(y[i * 4 + c]) * y[i * 4 + c];
        }
        EXPECT_NEAR(var / n, 1.0, 0.02);
    }
}

TEST(Transforms, BadInputThrows) {
    EXPECT_THROW(PCAMatrix(4, 8), FaisslikeException);
    EXPECT_THROW(NormalizationTransform(4, 1.0f), FaisslikeException);
    PCAMatrix pca(4, 2);
    std::vector<float> x(8, 1.0f), y(4);
    EXPECT_THROW(pca.apply_noalloc(2, x.data(), y.data()), FaisslikeException); // untrained
    EXPECT_THROW(pca.train(0, x.data()), FaisslikeException);
    x[3] = std::nanf("");
    EXPECT_THROW(pca.train(2, x.data()), FaisslikeException);
    EXPECT_FALSE(pca.is_trained);
}

TEST(IndexPreTransform, L2NormThenFlatIPIsCosine) {
    const size_t d = 12, nb = 800, nq = 20, k = 5;
    auto xb = clustered_vectors(nb, d, 63);
    auto xq = clustered_vectors(nq, d, 64);
    IndexPreTransform index(new NormalizationTransform(d), new IndexFlatIP(d));
    index.own_fields = true;
    index.add(nb, xb.data());
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    index.search(nq, xq.data(), k, D.data(), I.data());
    // Reference: cosine similarity by brute force.
    auto nb_copy = xb, nq_copy = xq;
    for (auto* v : {&nb_copy, &nq_copy}) {
        for (size_t i = 0; i < v->size() / d; i++) {
            double norm = std::sqrt(dot(&(*v)[i * d], &(*v)[i * d], d));
            for (size_t j = 0; j < d; j++) {
                (*v)[i * d + j] = float((*v)[i * d + j] / norm);
            }
        }
    }
    auto ref = test::brute_force_knn(nq_copy.data(), nq, nb_copy.data(), nb, d, k, METRIC_INNER_PRODUCT);
    test::expect_knn_equal(ref, D.data(), I.data(), nq, k, nq_copy.data(), nb_copy.data(), d,
                           METRIC_INNER_PRODUCT);
}

TEST(IndexPreTransform, PCAThenIVFTrainsTheChainAndReconstructs) {
    const size_t d = 32, nb = 4000, nq = 20, k = 10;
    auto xb = clustered_vectors(nb, d, 65);
    auto xq = clustered_vectors(nq, d, 66);
    auto* pca = new PCAMatrix(d, d); // full rank: search equals search in the original space
    IndexPreTransform index(pca, new IndexIVFFlat(new IndexFlatL2(d), d, 16));
    index.own_fields = true;
    static_cast<IndexIVFFlat*>(index.index)->own_fields = true;
    static_cast<IndexIVFFlat*>(index.index)->nprobe = 16;
    EXPECT_FALSE(index.is_trained);
    index.train(nb, xb.data());
    EXPECT_TRUE(index.is_trained);
    EXPECT_TRUE(pca->is_trained);
    index.add(nb, xb.data());
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    index.search(nq, xq.data(), k, D.data(), I.data());
    auto ref = test::brute_force_knn(xq.data(), nq, xb.data(), nb, d, k, METRIC_L2);
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> truth(ref.I.begin() + q * k, ref.I.begin() + (q + 1) * k);
        for (size_t i = 0; i < k; i++) {
            hits += truth.count(I[q * k + i]);
        }
    }
    EXPECT_GE(double(hits) / (nq * k), 0.99);
    std::vector<float> back(3 * d);
    index.reconstruct_n(100, 3, back.data());
    for (size_t i = 0; i < 3 * d; i++) {
        EXPECT_NEAR(back[i], xb[100 * d + i], 1e-2);
    }
}

TEST(IndexRefine, RefineFlatRestoresExactOrder) {
    const size_t d = 16, nb = 3000, nq = 30, k = 10;
    auto xb = clustered_vectors(nb, d, 67);
    auto xq = clustered_vectors(nq, d, 68);
    auto* ivf = new IndexIVFFlat(new IndexFlatL2(d), d, 32);
    ivf->own_fields = true;
    IndexRefineFlat index(ivf);
    index.own_fields = true;
    index.train(nb, xb.data());
    index.add(nb, xb.data());
    ivf->nprobe = 32;
    index.k_factor = 4;
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    index.search(nq, xq.data(), k, D.data(), I.data());
    auto ref = test::brute_force_knn(xq.data(), nq, xb.data(), nb, d, k, METRIC_L2);
    test::expect_knn_equal(ref, D.data(), I.data(), nq, k, xq.data(), xb.data(), d, METRIC_L2);

    // Per-call k_factor and a selector reaching the base index.
    IDSelectorRange sel(0, 1000);
    IndexRefineSearchParameters params;
    params.k_factor = 2;
    params.sel = &sel;
    index.search(nq, xq.data(), k, D.data(), I.data(), &params);
    for (size_t i = 0; i < nq * k; i++) {
        EXPECT_TRUE(I[i] >= 0 && I[i] < 1000);
    }
    std::vector<float> v(d);
    index.reconstruct(42, v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), xb.data() + 42 * d, sizeof(float) * d));
    EXPECT_THROW(IndexRefineFlat{nullptr}, FaisslikeException);
    params.k_factor = 0.5f;
    EXPECT_THROW(index.search(1, xq.data(), k, D.data(), I.data(), &params), FaisslikeException);
}

} // namespace
} // namespace faisslike
