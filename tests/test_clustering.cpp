// k-means against its definition: objective recomputed by brute force,
// convergence, determinism, sub-sampling, given starting centroids, bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include <faisslike/Clustering.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

double brute_force_objective(const std::vector<float>& x, const std::vector<float>& c, size_t d) {
    size_t n = x.size() / d, k = c.size() / d;
    double obj = 0;
    for (size_t i = 0; i < n; i++) {
        double best = HUGE_VAL;
        for (size_t j = 0; j < k; j++) {
            best = std::min(best, test::exact_distance(&x[i * d], &c[j * d], d, METRIC_L2));
        }
        obj += best;
    }
    return obj;
}

TEST(Clustering, ObjectiveDecreasesAndMatchesBruteForce) {
    const size_t d = 16, n = 5000, k = 20;
    auto x = clustered_vectors(n, d, 40, k);
    Clustering clus(d, k);
    clus.niter = 15;
    IndexFlatL2 index(d);
    clus.train(n, x.data(), index);
    ASSERT_EQ(clus.centroids.size(), k * d);
    ASSERT_EQ(clus.iteration_stats.size(), 15u);
    for (size_t i = 1; i < clus.iteration_stats.size(); i++) {
        EXPECT_LE(clus.iteration_stats[i].obj, clus.iteration_stats[i - 1].obj * (1 + 1e-5))
                << "iteration " << i;
    }
    // The recorded objective is that of the assignment to the previous centroids,
    // so the final centroids can only be better.
    double final_obj = brute_force_objective(x, clus.centroids, d);
    EXPECT_LE(final_obj, clus.iteration_stats.back().obj * (1 + 1e-4));
    // And far better than one random centroid per cluster would give.
    EXPECT_LT(final_obj, 0.5 * clus.iteration_stats.front().obj);
    // The index is left holding the centroids.
    EXPECT_EQ(index.ntotal, idx_t(k));
}

TEST(Clustering, SameSeedSameCentroids) {
    const size_t d = 8, n = 2000, k = 16;
    auto x = clustered_vectors(n, d, 41);
    auto run = [&](int seed) {
        Clustering clus(d, k);
        clus.seed = seed;
        IndexFlatL2 index(d);
        clus.train(n, x.data(), index);
        return clus.centroids;
    };
    EXPECT_EQ(run(5), run(5));
    EXPECT_NE(run(5), run(6));
}

TEST(Clustering, SubsamplesLargeTrainingSetsAndSaysSo) {
    const size_t d = 8, k = 4, n = 4 * 64 + 100;
    auto x = clustered_vectors(n, d, 42);
    Clustering clus(d, k);
    clus.max_points_per_centroid = 64;
    clus.niter = 3;
    clus.verbose = true;
    IndexFlatL2 index(d);
    ::testing::internal::CaptureStdout();
    clus.train(n, x.data(), index);
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("Sampling 256 of 356 vectors to train 4 centroids of dim 8"),
              std::string::npos) << out;
    EXPECT_NE(out.find("Iteration 2"), std::string::npos) << out;
}

TEST(Clustering, EmptyClustersAreSplit) {
    // 95 copies of one point and 5 distinct ones: most initial centroids collapse.
    const size_t d = 4, k = 8;
    std::vector<float> x;
    for (int i = 0; i < 95; i++) {
        x.insert(x.end(), {1, 1, 1, 1});
    }
    for (int i = 0; i < 5; i++) {
        x.insert(x.end(), {float(10 * i), 0, float(i), 2});
    }
    Clustering clus(d, k);
    clus.min_points_per_centroid = 1;
    IndexFlatL2 index(d);
    clus.train(x.size() / d, x.data(), index);
    int nsplit = 0;
    for (const auto& s : clus.iteration_stats) {
        nsplit += s.nsplit;
    }
    EXPECT_GT(nsplit, 0);
    for (float v : clus.centroids) {
        EXPECT_TRUE(std::isfinite(v));
    }
}

TEST(Clustering, SphericalInnerProductGivesUnitCentroids) {
    const size_t d = 12, n = 3000, k = 10;
    auto x = clustered_vectors(n, d, 43);
    Clustering clus(d, k);
    clus.spherical = true;
    IndexFlatIP index(d);
    clus.train(n, x.data(), index);
    for (size_t j = 0; j < k; j++) {
        double norm = test::exact_distance(&clus.centroids[j * d], &clus.centroids[j * d], d,
                                           METRIC_INNER_PRODUCT);
        EXPECT_NEAR(norm, 1.0, 1e-4);
    }
}

/// One Lloyd step from `start`, by brute force in double: each centroid
/// becomes the mean of the points nearest to it (empty ones are left out, as
/// the library splits them).
std::vector<double> lloyd_step(const std::vector<float>& x, const std::vector<float>& start, size_t d,
                               std::vector<size_t>& count) {
    const size_t n = x.size() / d, k = start.size() / d;
    std::vector<double> sum(k * d, 0.0);
    count.assign(k, 0);
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double best_dis = HUGE_VAL;
        for (size_t j = 0; j < k; j++) {
            double dis = test::exact_distance(&x[i * d], &start[j * d], d, METRIC_L2);
            if (dis < best_dis) {
                best_dis = dis;
                best = j;
            }
        }
        count[best]++;
        for (size_t t = 0; t < d; t++) {
            sum[best * d + t] += x[i * d + t];
        }
    }
    for (size_t j = 0; j < k; j++) {
        for (size_t t = 0; t < d && count[j] > 0; t++) {
            sum[j * d + t] /= double(count[j]);
        }
    }
    return sum;
}

TEST(Clustering, GivenCentroidsStartTheIterations) {
    const size_t d = 8, n = 1500, k = 12;
    auto x = clustered_vectors(n, d, 45);
    // Start from points far apart in the data set (no k-means would pick them).
    std::vector<float> start(x.begin() + 100 * d, x.begin() + (100 + k) * d);
    Clustering clus(d, k);
    clus.niter = 1;
    clus.centroids = start;
    IndexFlatL2 index(d);
    clus.train(n, x.data(), index);
    std::vector<size_t> count;
    auto expected = lloyd_step(x, start, d, count);
    for (size_t j = 0; j < k; j++) {
        for (size_t t = 0; t < d && count[j] > 0; t++) {
            double e = expected[j * d + t];
            EXPECT_NEAR(clus.centroids[j * d + t], e, 1e-4 * (1 + std::abs(e)));
        }
    }
    // A second train() continues from the first one's result.
    const auto first = clus.centroids;
    clus.niter = 0;
    clus.train(n, x.data(), index);
    EXPECT_EQ(clus.centroids, first);
}

TEST(Clustering, BadInputThrows) {
    const size_t d = 4;
    auto x = clustered_vectors(10, d, 44);
    IndexFlatL2 index(d);
    Clustering too_many(d, 11);
    EXPECT_THROW(too_many.train(10, x.data(), index), FaisslikeException);
    x[7] = std::nanf("");
    Clustering clus(d, 2);
    try {
        clus.train(10, x.data(), index);
        FAIL() << "NaN must be refused";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
    }
    IndexFlatL2 wrong_dim(d + 1);
    x[7] = 0;
    EXPECT_THROW(clus.train(10, x.data(), wrong_dim), FaisslikeException);
    EXPECT_THROW(Clustering(0, 3), FaisslikeException);
}

TEST(Clustering, GivenCentroidsStartTheIterationsAndCanBeFrozen) {
    const size_t d = 8, n = 1500, k = 6; // n <= k * 256: no sub-sampling
    auto x = clustered_vectors(n, d, 47, k);
    // niter = 0: the given centroids come back unchanged, the rest are data points.
    Clustering start(d, k);
    start.niter = 0;
    start.centroids.assign(x.begin(), x.begin() + 2 * d);
    IndexFlatL2 index(d);
    start.train(n, x.data(), index);
    ASSERT_EQ(start.centroids.size(), k * d);
    EXPECT_TRUE(std::equal(x.begin(), x.begin() + 2 * d, start.centroids.begin()));

    // Frozen: the given ones stay, the others still move to the means of their points.
    std::vector<float> fixed(2 * d, 500.0f);
    Clustering frozen(d, k);
    frozen.frozen_centroids = true;
    frozen.niter = 8;
    frozen.centroids = fixed;
    frozen.train(n, x.data(), index);
    EXPECT_TRUE(std::equal(fixed.begin(), fixed.end(), frozen.centroids.begin()));
    EXPECT_LE(brute_force_objective(x, frozen.centroids, d), frozen.iteration_stats.back().obj * (1 + 1e-4));
    EXPECT_LT(frozen.iteration_stats.back().obj, frozen.iteration_stats.front().obj);

    Clustering bad(d, k);
    bad.centroids.assign(d + 1, 0.0f); // not a whole number of centroids
    EXPECT_THROW(bad.train(n, x.data(), index), FaisslikeException);
    bad.centroids.assign((k + 1) * d, 0.0f); // more than k
    EXPECT_THROW(bad.train(n, x.data(), index), FaisslikeException);
}

TEST(Clustering, SimpleInterface) {
    const size_t d = 6, n = 1000, k = 5;
    auto x = clustered_vectors(n, d, 45, k);
    std::vector<float> centroids(k * d);
    float obj = kmeans_clustering(d, n, k, x.data(), centroids.data());
    EXPECT_GT(obj, 0);
    EXPECT_LE(brute_force_objective(x, centroids, d), obj * (1 + 1e-4));
}

} // namespace
} // namespace faisslike
