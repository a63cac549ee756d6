// Vector transforms against their definitions (orthonormality, variance order,
// exact inverse, OPQ's lower quantization error), and IndexPreTransform /
// IndexRefine against brute force.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <typeinfo>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/clone_index.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/ProductQuantizer.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>

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

/*********************************************************** OPQMatrix */

/// Gaussian vectors with standard deviation 0.8^j along axis j, around
/// (offset, ..., offset): nearly all the variance sits in the first PQ
/// sub-spaces, the case OPQ's rotation is for.
std::vector<float> anisotropic_vectors(size_t n, size_t d, int64_t seed, float offset = 0) {
    std::vector<float> x(n * d);
    float_randn(x.data(), x.size(), seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            x[i * d + j] = float(x[i * d + j] * std::pow(0.8, double(j)) + offset);
        }
    }
    return x;
}

/// max |G - I| for G = A A^T (rows) or A^T A (columns), in double.
double orthonormality_error(const LinearTransform& lt, bool rows) {
    const size_t m = size_t(rows ? lt.d_out : lt.d_in), len = size_t(rows ? lt.d_in : lt.d_out);
    auto at = [&](size_t vec, size_t t) {
        return double(rows ? lt.A[vec * lt.d_in + t] : lt.A[t * lt.d_in + vec]);
    };
    double worst = 0;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t t = 0; t < len; t++) {
                s += at(i, t) * at(j, t);
            }
            worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
        }
    }
    return worst;
}

/// Mean squared distance between the vectors and the index's reconstructions
/// of them (in the input space, through the transforms' inverses).
double reconstruction_error(Index& index, const std::vector<float>& xt, const std::vector<float>& x) {
    const size_t d = size_t(index.d), nt = xt.size() / d, n = x.size() / d;
    index.train(idx_t(nt), xt.data());
    index.add(idx_t(n), x.data());
    std::vector<float> back(x.size());
    index.reconstruct_n(0, idx_t(n), back.data());
    double err = 0;
    for (size_t i = 0; i < n; i++) {
        err += test::exact_distance(&x[i * d], &back[i * d], d, METRIC_L2);
    }
    return err / double(n);
}

TEST(OPQMatrix, FaissDefaultsAndDimensions) {
    OPQMatrix opq(64, 16);
    EXPECT_EQ(opq.d_in, 64);
    EXPECT_EQ(opq.d_out, 64);
    EXPECT_EQ(opq.M, 16);
    EXPECT_EQ(opq.niter, 50);
    EXPECT_EQ(opq.niter_pq, 4);
    EXPECT_EQ(opq.niter_pq_0, 40);
    EXPECT_EQ(opq.max_train_points, size_t(256 * 256));
    EXPECT_FALSE(opq.verbose);
    EXPECT_EQ(opq.pq, nullptr);
    EXPECT_FALSE(opq.is_trained);
    EXPECT_FALSE(opq.have_bias);
    OPQMatrix reduce(64, 8, 32);
    EXPECT_EQ(reduce.d_out, 32);
    OPQMatrix empty;
    EXPECT_EQ(empty.d_in, 0);
    EXPECT_EQ(empty.M, 1);
}

TEST(OPQMatrix, RotationIsOrthonormalAndInvertible) {
    const size_t d = 32, n = 3000;
    auto x = anisotropic_vectors(n, d, 90);
    OPQMatrix opq(d, 8);
    opq.niter = 10;
    opq.train(n, x.data());
    ASSERT_TRUE(opq.is_trained);
    ASSERT_EQ(opq.A.size(), d * d);
    EXPECT_TRUE(opq.is_orthonormal);
    EXPECT_LT(orthonormality_error(opq, true), 1e-4);
    // The library's own check agrees.
    opq.is_orthonormal = false;
    opq.set_is_orthonormal();
    EXPECT_TRUE(opq.is_orthonormal);
    // apply is y = A x, and the transpose gives x back.
    std::vector<float> y(10 * d), back(10 * d);
    opq.apply_noalloc(10, x.data(), y.data());
    for (size_t i = 0; i < 10 * d; i += 7) {
        double ref = 0;
        for (size_t t = 0; t < d; t++) {
            ref += double(opq.A[(i % d) * d + t]) * x[(i / d) * d + t];
        }
        EXPECT_NEAR(y[i], ref, 1e-4 * (1 + std::abs(ref)));
    }
    opq.reverse_transform(10, y.data(), back.data());
    for (size_t i = 0; i < 10 * d; i++) {
        EXPECT_NEAR(back[i], x[i], 1e-4 * (1 + std::abs(x[i])));
    }
}

TEST(OPQMatrix, LowersThePQErrorOfAnisotropicData) {
    const size_t d = 32, nt = 5000, n = 2000;
    // Off-centre: the rotation is learnt on centred data, the PQ absorbs the offset.
    auto xt = anisotropic_vectors(nt, d, 91, 3.0f);
    auto x = anisotropic_vectors(n, d, 92, 3.0f);
    std::unique_ptr<Index> pq(index_factory(d, "PQ8"));
    std::unique_ptr<Index> opq_pq(index_factory(d, "OPQ8,PQ8"));
    // OPQ's starting point alone: its random rotation, not optimised.
    std::unique_ptr<Index> rotation_pq(index_factory(d, "OPQ8,PQ8"));
    static_cast<OPQMatrix*>(static_cast<IndexPreTransform*>(rotation_pq.get())->chain[0])->niter = 0;
    double err_pq = reconstruction_error(*pq, xt, x);
    double err_opq = reconstruction_error(*opq_pq, xt, x);
    double err_rotation = reconstruction_error(*rotation_pq, xt, x);
    // (About 10x and 7x lower, here as with Faiss's OPQ.)
    EXPECT_LT(err_opq, 0.25 * err_pq) << "PQ " << err_pq << ", OPQ + PQ " << err_opq;
    EXPECT_LT(err_opq, 0.5 * err_rotation) << "random rotation + PQ " << err_rotation << ", OPQ + PQ " << err_opq;
}

TEST(OPQMatrix, OutputDimensionDiffersFromInput) {
    const size_t d = 32, nt = 4000, n = 1000;
    auto xt = anisotropic_vectors(nt, d, 93);
    auto x = anisotropic_vectors(n, d, 94);
    {
        // d_out < d_in: a projection with orthonormal rows that keeps the
        // directions of high variance (the data is centred: a projection
        // without bias also loses part of the mean).
        auto* opq = new OPQMatrix(d, 4, 16);
        opq->niter = 15;
        IndexPreTransform index(opq, index_factory(16, "PQ4"));
        index.own_fields = true;
        EXPECT_EQ(index.d, int(d));
        EXPECT_EQ(index.index->d, 16);
        double err_opq = reconstruction_error(index, xt, x);
        ASSERT_EQ(opq->A.size(), 16 * d);
        EXPECT_LT(orthonormality_error(*opq, true), 1e-4);
        auto* rr = new RandomRotationMatrix(d, 16);
        IndexPreTransform random_projection(rr, index_factory(16, "PQ4"));
        random_projection.own_fields = true;
        double err_random = reconstruction_error(random_projection, xt, x);
        EXPECT_LT(err_opq, 0.25 * err_random) << "random projection " << err_random << ", OPQ " << err_opq;
        // PCA keeps the variance too, but leaves it unbalanced across the sub-spaces.
        std::unique_ptr<Index> pca(index_factory(d, "PCA16,PQ4"));
        double err_pca = reconstruction_error(*pca, xt, x);
        EXPECT_LT(err_opq, 0.7 * err_pca) << "PCA " << err_pca << ", OPQ " << err_opq;
    }
    {
        // d_out > d_in: orthonormal columns (the input is padded with zeros),
        // so the transpose inverts it exactly.
        const size_t din = 16, dout = 24;
        auto xs = anisotropic_vectors(nt, din, 95);
        OPQMatrix opq(din, 4, dout);
        opq.niter = 5;
        opq.train(nt, xs.data());
        ASSERT_EQ(opq.A.size(), din * dout);
        EXPECT_LT(orthonormality_error(opq, false), 1e-4);
        std::vector<float> y(10 * dout), back(10 * din);
        opq.apply_noalloc(10, xs.data(), y.data());
        opq.reverse_transform(10, y.data(), back.data());
        for (size_t i = 0; i < 10 * din; i++) {
            EXPECT_NEAR(back[i], xs[i], 1e-4 * (1 + std::abs(xs[i])));
        }
    }
}

TEST(OPQMatrix, StartsFromAGivenRotation) {
    const size_t d = 16, n = 1000;
    auto x = anisotropic_vectors(n, d, 96);
    OPQMatrix opq(d, 4);
    opq.niter = 0; // no update: the start is the result
    opq.A.assign(d * d, 0.0f);
    for (size_t i = 0; i < d; i++) {
        opq.A[i * d + i] = 1;
    }
    const auto identity = opq.A;
    opq.train(n, x.data());
    EXPECT_TRUE(opq.is_trained);
    EXPECT_EQ(opq.A, identity);
    // A second train() continues from the first one's rotation.
    opq.niter = 3;
    opq.train(n, x.data());
    const auto trained = opq.A;
    EXPECT_NE(trained, identity);
    opq.niter = 0;
    opq.train(n, x.data());
    EXPECT_EQ(opq.A, trained);
}

TEST(OPQMatrix, TrainsAUserProductQuantizerAndRestoresItsSettings) {
    const size_t d = 32, n = 3000;
    auto x = anisotropic_vectors(n, d, 97);
    ProductQuantizer pq(d, 8, 6);
    pq.cp.niter = 7;
    OPQMatrix opq(d, 8);
    opq.niter = 6;
    opq.pq = &pq;
    opq.train(n, x.data());
    ASSERT_EQ(pq.centroids.size(), d * pq.ksub);
    EXPECT_EQ(pq.train_type, ProductQuantizer::Train_default);
    EXPECT_EQ(pq.cp.niter, 7);
    EXPECT_EQ(pq.cp.max_points_per_centroid, ClusteringParameters().max_points_per_centroid);
    // It was trained on rotated (centred) vectors: it encodes them far better
    // than the raw ones.
    std::vector<float> y(n * d);
    opq.apply_noalloc(n, x.data(), y.data());
    auto error = [&](const std::vector<float>& v) {
        std::vector<uint8_t> codes(n * pq.code_size);
        std::vector<float> back(n * d);
        pq.compute_codes(v.data(), codes.data(), n);
        pq.decode(codes.data(), back.data(), n);
        double err = 0;
        for (size_t i = 0; i < n; i++) {
            err += test::exact_distance(&v[i * d], &back[i * d], d, METRIC_L2);
        }
        return err / double(n);
    };
    EXPECT_LT(error(y), 0.5 * error(x));
}

TEST(OPQMatrix, VerboseReportsEachIteration) {
    const size_t d = 16, n = 600;
    auto x = anisotropic_vectors(n, d, 98);
    OPQMatrix opq(d, 4);
    opq.niter = 2;
    opq.verbose = true;
    ::testing::internal::CaptureStdout();
    opq.train(n, x.data());
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("OPQMatrix::train: training an OPQ rotation matrix for M=4"), std::string::npos) << out;
    EXPECT_NE(out.find("Iteration 0"), std::string::npos) << out;
    EXPECT_NE(out.find("Iteration 1"), std::string::npos) << out;
}

TEST(OPQMatrix, BadInputThrowsAndChangesNothing) {
    EXPECT_THROW(OPQMatrix(30, 16), FaisslikeException); // 30 % 16 != 0
    EXPECT_THROW(OPQMatrix(32, 0), FaisslikeException);
    EXPECT_THROW(OPQMatrix(32, 5, 16), FaisslikeException);
    const size_t d = 16;
    auto x = anisotropic_vectors(1000, d, 99);
    OPQMatrix opq(d, 4);
    opq.niter = 2;
    auto expect_untouched = [&](const char* what) {
        EXPECT_FALSE(opq.is_trained) << what;
        EXPECT_TRUE(opq.A.empty()) << what;
    };
    // Fewer vectors than the PQ has centroids per sub-quantizer (256).
    try {
        opq.train(255, x.data());
        FAIL() << "255 vectors accepted";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("at least 256"), std::string::npos) << e.what();
    }
    expect_untouched("too few");
    EXPECT_THROW(opq.train(0, x.data()), FaisslikeException);
    EXPECT_THROW(opq.train(10, nullptr), FaisslikeException);
    x[500 * d + 3] = std::nanf("");
    try {
        opq.train(1000, x.data());
        FAIL() << "NaN accepted";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
    }
    expect_untouched("NaN");
    x[500 * d + 3] = 0;
    ProductQuantizer wrong_dim(8, 4, 8);
    opq.pq = &wrong_dim;
    EXPECT_THROW(opq.train(1000, x.data()), FaisslikeException);
    expect_untouched("PQ dimension");
    opq.pq = nullptr;
    opq.A.assign(10, 0.0f);
    EXPECT_THROW(opq.train(1000, x.data()), FaisslikeException);
    EXPECT_FALSE(opq.is_trained);
    opq.A.clear();
    std::vector<float> y(d);
    EXPECT_THROW(opq.apply_noalloc(1, x.data(), y.data()), FaisslikeException); // untrained
    opq.train(1000, x.data());
    EXPECT_TRUE(opq.is_trained);
}

TEST(OPQMatrix, FilesHoldAPlainLinearTransformAndClonesKeepTheType) {
    const size_t d = 32, nb = 2000, nq = 20, k = 5;
    auto xb = anisotropic_vectors(nb, d, 100);
    auto xq = anisotropic_vectors(nq, d, 101);
    std::unique_ptr<Index> untrained(index_factory(d, "OPQ8,IVF16,PQ8"));
    static_cast<OPQMatrix*>(static_cast<IndexPreTransform*>(untrained.get())->chain[0])->niter = 5;
    // A clone of the untrained template can still be trained as OPQ.
    std::unique_ptr<Index> index(clone_index(untrained.get()));
    auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
    ASSERT_NE(pre, nullptr);
    auto* opq = dynamic_cast<OPQMatrix*>(pre->chain[0]);
    ASSERT_NE(opq, nullptr);
    EXPECT_EQ(opq->niter, 5);
    index->train(nb, xb.data());
    EXPECT_TRUE(opq->is_trained);
    index->add(nb, xb.data());
    dynamic_cast<IndexIVFPQ*>(pre->index)->nprobe = 4;

    std::vector<uint8_t> bytes = serialize_index(index.get());
    std::unique_ptr<Index> back(deserialize_index(bytes));
    auto* pre_back = dynamic_cast<IndexPreTransform*>(back.get());
    ASSERT_NE(pre_back, nullptr);
    EXPECT_EQ(typeid(*pre_back->chain[0]), typeid(LinearTransform)); // as Faiss reads it
    EXPECT_EQ(static_cast<LinearTransform*>(pre_back->chain[0])->A, opq->A);
    EXPECT_TRUE(static_cast<LinearTransform*>(pre_back->chain[0])->is_orthonormal);
    EXPECT_EQ(serialize_index(back.get()), bytes);
    std::vector<float> D1(nq * k), D2(nq * k);
    std::vector<idx_t> I1(nq * k), I2(nq * k);
    index->search(nq, xq.data(), k, D1.data(), I1.data());
    back->search(nq, xq.data(), k, D2.data(), I2.data());
    EXPECT_EQ(I1, I2);
    EXPECT_EQ(D1, D2);

    std::unique_ptr<Index> cloned(clone_index(index.get()));
    EXPECT_NE(dynamic_cast<OPQMatrix*>(static_cast<IndexPreTransform*>(cloned.get())->chain[0]), nullptr);
    cloned->search(nq, xq.data(), k, D2.data(), I2.data());
    EXPECT_EQ(I1, I2);
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
