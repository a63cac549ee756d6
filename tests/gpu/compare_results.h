#pragma once

// Comparison of two k-NN results of the same queries, tolerant to float
// rounding (Faiss's compareIndices, in spirit): distances agree within a
// relative tolerance, and labels agree except where neighbouring ranks have
// distances so close that rounding may order them either way.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {
namespace gpu {
namespace test {

inline bool close_distance(float a, float b, float rel) {
    return std::fabs(a - b) <= rel * std::max({1.0f, std::fabs(a), std::fabs(b)});
}

/// Checks n * k results (dt, it) against a reference (dr, ir).
inline void expect_same_knn(
        size_t n,
        size_t k,
        const std::vector<float>& dr,
        const std::vector<idx_t>& ir,
        const std::vector<float>& dt,
        const std::vector<idx_t>& it,
        float rel = 1e-4f,
        const char* what = "") {
    ASSERT_EQ(dr.size(), n * k);
    ASSERT_EQ(dt.size(), n * k);
    size_t bad = 0;
    for (size_t q = 0; q < n && bad < 5; q++) {
        for (size_t r = 0; r < k; r++) {
            const size_t i = q * k + r;
            if (!close_distance(dr[i], dt[i], rel)) {
                ADD_FAILURE() << what << " query " << q << " rank " << r << ": distance " << dt[i]
                              << " (label " << it[i] << "), expected " << dr[i] << " (label "
                              << ir[i] << ")";
                bad++;
                break;
            }
            if (ir[i] == it[i]) {
                continue;
            }
            // A swap between near-equal distances is rounding, not an error.
            const bool tie_before = r > 0 && close_distance(dr[i - 1], dr[i], rel);
            const bool tie_after = r + 1 < k && close_distance(dr[i + 1], dr[i], rel);
            // The test's label must be one of the reference's near-equal
            // results, or the tie extends past rank k.
            bool found = r + 1 == k;
            for (size_t s = 0; s < k && !found; s++) {
                found = ir[q * k + s] == it[i] && close_distance(dr[q * k + s], dr[i], rel);
            }
            if (!(tie_before || tie_after || r + 1 == k) || !found) {
                ADD_FAILURE() << what << " query " << q << " rank " << r << ": label " << it[i]
                              << " (distance " << dt[i] << "), expected " << ir[i]
                              << " (distance " << dr[i] << ")";
                bad++;
                break;
            }
        }
    }
}

} // namespace test
} // namespace gpu
} // namespace faisslike
