#pragma once

// Shared helpers of the GoogleTest suites: generated data and an exact brute-force
// reference computed in double precision, independent of the library's kernels.

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include <faisslike/IndexIDMap.h>
#include <faisslike/MetricType.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/random.h>

namespace faisslike::test {

/// Runs f and returns the message of the FaisslikeException it must throw.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const FaisslikeException& e) {
        return e.what();
    }
    ADD_FAILURE() << "no exception";
    return "";
}

inline std::vector<float> clustered_vectors(size_t n, size_t d, int64_t seed, size_t nclusters = 20) {
    std::vector<float> x(n * d);
    float_clustered(x.data(), n, d, nclusters, 0.3f, seed);
    return x;
}

/// Adds n vectors; an IndexIDMap (whose add() refuses) gets the ids 7 i + 3,
/// so that ids and positions differ.
inline void add_vectors(Index& index, size_t n, const float* x) {
    if (dynamic_cast<IndexIDMap*>(&index)) {
        std::vector<idx_t> ids(n);
        for (size_t i = 0; i < n; i++) {
            ids[i] = idx_t(i) * 7 + 3;
        }
        index.add_with_ids(idx_t(n), x, ids.data());
    } else {
        index.add(idx_t(n), x);
    }
}

inline double exact_distance(const float* a, const float* b, size_t d, MetricType metric) {
    double acc = 0;
    for (size_t j = 0; j < d; j++) {
        acc += metric == METRIC_L2 ? (double(a[j]) - b[j]) * (double(a[j]) - b[j])
                                   : double(a[j]) * b[j];
    }
    return acc;
}

struct KnnResult {
    std::vector<float> D;
    std::vector<idx_t> I;
};

/// Exact k-NN by brute force; rows for which keep(row) is false are skipped.
/// Missing results are padded like Faiss: -1 with +FLT_MAX (L2) / -FLT_MAX (IP).
inline KnnResult brute_force_knn(
        const float* x, size_t nx, const float* y, size_t ny, size_t d, size_t k,
        MetricType metric, const std::function<bool(idx_t)>& keep = {}) {
    KnnResult r;
    r.D.assign(nx * k, metric == METRIC_L2 ? FLT_MAX : -FLT_MAX);
    r.I.assign(nx * k, -1);
    std::vector<std::pair<double, idx_t>> all;
    for (size_t q = 0; q < nx; q++) {
        all.clear();
        for (size_t j = 0; j < ny; j++) {
            if (!keep || keep(idx_t(j))) {
                double dis = exact_distance(x + q * d, y + j * d, d, metric);
                all.emplace_back(metric == METRIC_L2 ? dis : -dis, idx_t(j));
            }
        }
        size_t kk = std::min(k, all.size());
        std::partial_sort(all.begin(), all.begin() + kk, all.end());
        for (size_t i = 0; i < kk; i++) {
            r.D[q * k + i] = float(metric == METRIC_L2 ? all[i].first : -all[i].first);
            r.I[q * k + i] = all[i].second;
        }
    }
    return r;
}

/// Checks a k-NN result against the exact one, allowing ties to be ordered
/// differently: distances must agree rank by rank, and each returned id must be
/// a real row whose true distance is the one reported.
inline void expect_knn_equal(
        const KnnResult& ref, const float* D, const idx_t* I, size_t nx, size_t k,
        const float* x, const float* y, size_t d, MetricType metric,
        double rtol = 1e-4) {
    for (size_t q = 0; q < nx; q++) {
        for (size_t i = 0; i < k; i++) {
            size_t at = q * k + i;
            ASSERT_EQ(ref.I[at] < 0, I[at] < 0) << "query " << q << " rank " << i;
            if (I[at] < 0) {
                EXPECT_EQ(D[at], ref.D[at]) << "padding of query " << q;
                continue;
            }
            double scale = std::max(1.0, std::abs(double(ref.D[at])));
            ASSERT_NEAR(D[at], ref.D[at], rtol * scale) << "query " << q << " rank " << i;
            double truth = exact_distance(x + q * d, y + size_t(I[at]) * d, d, metric);
            ASSERT_NEAR(D[at], truth, rtol * scale) << "query " << q << " id " << I[at];
        }
    }
}

} // namespace faisslike::test
