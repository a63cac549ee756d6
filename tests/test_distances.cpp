// Distance kernels and exact search: every SIMD variant of this CPU against the
// generic one and against brute force in double precision.

#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/random.h>
#include <faisslike/utils/simd_kernels.h>
#include <faisslike/utils/simd_levels.h>

#include "test_util.h"

namespace faisslike {
namespace {

/// Restores the SIMD level and the OpenMP thread count a test changes.
class Restore {
   public:
    ~Restore() {
        set_simd_level(level_);
        omp_set_num_threads(threads_);
    }

   private:
    SIMDLevel level_ = active_simd_level();
    int threads_ = omp_get_max_threads();
};

std::vector<float> rand_vectors(size_t n, size_t d, int64_t seed) {
    std::vector<float> x(n * d);
    float_rand(x.data(), x.size(), seed);
    return x;
}

const std::vector<size_t> kPairDims = {1,  2,  3,  4,  5,  6,   7,   8,   9,   10, 11,
                                       12, 13, 14, 15, 16, 17,  31,  32,  33,  63, 64,
                                       65, 100, 127, 128, 129, 768, 1000};

double exact(const float* a, const float* b, size_t d, MetricType metric) {
    return test::exact_distance(a, b, d, metric);
}

void expect_close(double got, double want, double rtol, const std::string& what) {
    EXPECT_NEAR(got, want, rtol * std::max(1.0, std::abs(want))) << what;
}

TEST(SimdLevels, DetectionAndNames) {
    Restore restore;
    auto levels = supported_simd_levels();
    ASSERT_FALSE(levels.empty());
    EXPECT_EQ(levels.front(), SIMDLevel::GENERIC);
    EXPECT_EQ(levels.back(), detected_simd_level());
    for (SIMDLevel level : levels) {
        set_simd_level(level);
        EXPECT_EQ(active_simd_level(), level);
    }
    EXPECT_STREQ(simd_level_name(SIMDLevel::GENERIC), "generic");
    EXPECT_STREQ(simd_level_name(SIMDLevel::AVX2), "avx2");
    EXPECT_STREQ(simd_level_name(SIMDLevel::AVX512), "avx512");
}

TEST(SimdLevels, UnsupportedLevelThrows) {
    Restore restore;
    EXPECT_THROW(set_simd_level(static_cast<SIMDLevel>(42)), FaisslikeException);
    for (SIMDLevel level : {SIMDLevel::AVX2, SIMDLevel::AVX512}) {
        auto levels = supported_simd_levels();
        if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
            EXPECT_THROW(set_simd_level(level), FaisslikeException);
        }
    }
}

TEST(SimdLevels, EnvironmentVariableValue) {
    const SIMDLevel best = detected_simd_level();
    auto levels = supported_simd_levels();
    EXPECT_EQ(simd_level_from_env(nullptr), best);
    EXPECT_EQ(simd_level_from_env(""), best);
    EXPECT_EQ(simd_level_from_env("GENERIC"), SIMDLevel::GENERIC);
    EXPECT_EQ(simd_level_from_env("sse9"), best) << "unknown values are ignored";
    for (SIMDLevel level : {SIMDLevel::AVX2, SIMDLevel::AVX512}) {
        bool supported = std::find(levels.begin(), levels.end(), level) != levels.end();
        EXPECT_EQ(simd_level_from_env(simd_level_name(level)), supported ? level : best);
    }
}

// Each variant against double precision and against the generic variant, on
// unaligned pointers so that no kernel may assume alignment.
TEST(PairKernels, EveryVariantMatchesGenericAndExact) {
    Restore restore;
    for (size_t d : kPairDims) {
        const size_t ny = 7;
        auto buf = rand_vectors(1 + d * (ny + 1), 1, int64_t(d));
        const float* x = buf.data() + 1;
        const float* y = x + d;
        set_simd_level(SIMDLevel::GENERIC);
        std::vector<float> ref_l2(ny), ref_ip(ny);
        fvec_L2sqr_ny(ref_l2.data(), x, y, d, ny);
        fvec_inner_products_ny(ref_ip.data(), x, y, d, ny);
        for (SIMDLevel level : supported_simd_levels()) {
            set_simd_level(level);
            std::string what = std::string(simd_level_name(level)) + " d=" + std::to_string(d);
            std::vector<float> l2(ny), ip(ny);
            fvec_L2sqr_ny(l2.data(), x, y, d, ny);
            fvec_inner_products_ny(ip.data(), x, y, d, ny);
            for (size_t j = 0; j < ny; j++) {
                const float* yj = y + j * d;
                double t_l2 = exact(x, yj, d, METRIC_L2);
                double t_ip = exact(x, yj, d, METRIC_INNER_PRODUCT);
                expect_close(fvec_L2sqr(x, yj, d), t_l2, 1e-5, what + " L2sqr");
                expect_close(fvec_inner_product(x, yj, d), t_ip, 1e-5, what + " ip");
                expect_close(fvec_norm_L2sqr(yj, d), exact(yj, yj, d, METRIC_INNER_PRODUCT),
                             1e-5, what + " norm");
                EXPECT_EQ(l2[j], fvec_L2sqr(x, yj, d)) << what << " L2sqr_ny";
                EXPECT_EQ(ip[j], fvec_inner_product(x, yj, d)) << what << " ip_ny";
                expect_close(l2[j], ref_l2[j], 1e-5, what + " vs generic");
                expect_close(ip[j], ref_ip[j], 1e-5, what + " vs generic");
            }
        }
    }
}

// The batch kernels must give bitwise the single-row kernels' results: graph
// searches batch their distances, and the neighbours they find must not
// depend on how. Rows scattered (not adjacent) and unaligned.
TEST(PairKernels, BatchOfFourMatchesSingleRowsBitwise) {
    Restore restore;
    for (size_t d : kPairDims) {
        auto buf = rand_vectors(1 + d * 9, 1, int64_t(d) + 7);
        const float* x = buf.data() + 1;
        const float* rows[4] = {x + 5 * d, x + 2 * d, x + 8 * d, x + 3 * d};
        for (SIMDLevel level : supported_simd_levels()) {
            set_simd_level(level);
            std::string what = std::string(simd_level_name(level)) + " d=" + std::to_string(d);
            // with and without rows to request for the next call
            const float* next[4] = {x + 7 * d, x + 1 * d, x + 4 * d, x + 6 * d};
            for (const float* const* following : {static_cast<const float* const*>(nullptr),
                                                  static_cast<const float* const*>(next)}) {
                float l2[4], ip[4];
                active_kernels().L2sqr_batch_4(x, rows, following, d, l2);
                active_kernels().inner_product_batch_4(x, rows, following, d, ip);
                for (size_t r = 0; r < 4; r++) {
                    EXPECT_EQ(l2[r], fvec_L2sqr(x, rows[r], d)) << what << " row " << r;
                    EXPECT_EQ(ip[r], fvec_inner_product(x, rows[r], d)) << what << " row " << r;
                }
            }
        }
    }
}

TEST(PairKernels, NormsAndRenorm) {
    Restore restore;
    for (SIMDLevel level : supported_simd_levels()) {
        set_simd_level(level);
        for (size_t d : {1, 5, 16, 100}) {
            const size_t n = 9;
            auto x = rand_vectors(n, d, 3);
            std::fill(x.begin() + 4 * d, x.begin() + 5 * d, 0.0f); // a zero vector
            std::vector<float> norms(n);
            fvec_norms_L2sqr(norms.data(), x.data(), d, n);
            auto y = x;
            fvec_renorm_L2(d, n, y.data());
            for (size_t i = 0; i < n; i++) {
                const float* xi = x.data() + i * d;
                const float* yi = y.data() + i * d;
                EXPECT_EQ(norms[i], fvec_norm_L2sqr(xi, d));
                if (i == 4) {
                    for (size_t j = 0; j < d; j++) {
                        EXPECT_EQ(yi[j], 0.0f) << "zero vector must stay zero";
                    }
                    continue;
                }
                expect_close(exact(yi, yi, d, METRIC_INNER_PRODUCT), 1.0, 1e-5, "unit norm");
                double scale = std::sqrt(exact(xi, xi, d, METRIC_INNER_PRODUCT));
                for (size_t j = 0; j < d; j++) {
                    EXPECT_NEAR(yi[j] * scale, xi[j], 1e-5) << "direction kept";
                }
            }
        }
    }
}

using Knn = test::KnnResult;

Knn run_knn(MetricType metric, const float* x, size_t nx, const float* y, size_t ny, size_t d,
            size_t k, const float* y_norm2 = nullptr, const IDSelector* sel = nullptr) {
    Knn r;
    r.D.assign(nx * k, 0);
    r.I.assign(nx * k, 0);
    if (metric == METRIC_L2) {
        knn_L2sqr(x, y, d, nx, ny, k, r.D.data(), r.I.data(), y_norm2, sel);
    } else {
        knn_inner_product(x, y, d, nx, ny, k, r.D.data(), r.I.data(), sel);
    }
    return r;
}

/// The first k results of each query of a sorted result with kfull >= k.
Knn first_k(const Knn& full, size_t nx, size_t kfull, size_t k) {
    Knn r;
    for (size_t q = 0; q < nx; q++) {
        r.D.insert(r.D.end(), full.D.begin() + q * kfull, full.D.begin() + q * kfull + k);
        r.I.insert(r.I.end(), full.I.begin() + q * kfull, full.I.begin() + q * kfull + k);
    }
    return r;
}

/// Every SIMD variant and every k against one brute-force reference; with and
/// without cached norms for L2 (the same norms kernel, so the very same result).
void expect_matches_brute_force(MetricType metric, size_t nx, size_t ny, size_t d,
                                const std::vector<size_t>& ks) {
    auto x = rand_vectors(nx, d, int64_t(nx * 31 + d));
    auto y = rand_vectors(ny, d, int64_t(ny * 17 + d + 1));
    size_t kmax = *std::max_element(ks.begin(), ks.end());
    auto full = test::brute_force_knn(x.data(), nx, y.data(), ny, d, kmax, metric);
    for (size_t k : ks) {
        Knn ref = first_k(full, nx, kmax, k);
        for (SIMDLevel level : supported_simd_levels()) {
            set_simd_level(level);
            SCOPED_TRACE(std::string(simd_level_name(level)) + " nx=" + std::to_string(nx) +
                         " ny=" + std::to_string(ny) + " d=" + std::to_string(d) +
                         " k=" + std::to_string(k) + (metric == METRIC_L2 ? " L2" : " IP"));
            Knn got = run_knn(metric, x.data(), nx, y.data(), ny, d, k);
            test::expect_knn_equal(ref, got.D.data(), got.I.data(), nx, k, x.data(), y.data(),
                                   d, metric);
            if (metric == METRIC_L2) {
                std::vector<float> norms(ny);
                fvec_norms_L2sqr(norms.data(), y.data(), d, ny);
                Knn cached = run_knn(metric, x.data(), nx, y.data(), ny, d, k, norms.data());
                EXPECT_EQ(cached.I, got.I) << "cached norms change the result";
                EXPECT_EQ(cached.D, got.D) << "cached norms change the result";
            }
        }
    }
}

// nx covers the row scan (1, 3), a partial register tile (20) and many tiles;
// ny = 1500 and 301 are not multiples of any tile height; k = 310 > 301 pads.
TEST(Knn, MatchesBruteForceOnEveryVariant) {
    Restore restore;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        for (size_t nx : {1, 3, 20, 1000}) {
            expect_matches_brute_force(metric, nx, 1500, 37, {1, 10, 100});
            expect_matches_brute_force(metric, nx, 301, 37, {310});
        }
        for (size_t d : {1, 2, 16, 128}) {
            expect_matches_brute_force(metric, 45, 700, d, {10});
        }
    }
}

TEST(Knn, PaddingWhenFewerRowsThanK) {
    auto x = rand_vectors(3, 8, 1);
    auto y = rand_vectors(2, 8, 2);
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        for (size_t ny : {0, 2}) {
            Knn r = run_knn(metric, x.data(), 3, ny ? y.data() : nullptr, ny, 8, 5);
            for (size_t q = 0; q < 3; q++) {
                for (size_t i = ny; i < 5; i++) {
                    EXPECT_EQ(r.I[q * 5 + i], -1);
                    EXPECT_EQ(r.D[q * 5 + i], metric == METRIC_L2 ? FLT_MAX : -FLT_MAX);
                }
            }
        }
    }
}

// Equal distances come out in increasing id order, whichever path and
// however many threads split the rows.
TEST(Knn, TiesBrokenOnIdAcrossThreads) {
    Restore restore;
    const size_t d = 32, ny = 40000, k = 10;
    std::vector<float> y(ny * d, 0.5f);
    for (size_t nx : {1, 40}) {
        auto x = rand_vectors(nx, d, 5);
        for (int nt : {1, 2}) {
            omp_set_num_threads(nt);
            for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
                Knn r = run_knn(metric, x.data(), nx, y.data(), ny, d, k);
                for (size_t q = 0; q < nx; q++) {
                    for (size_t i = 0; i < k; i++) {
                        ASSERT_EQ(r.I[q * k + i], idx_t(i)) << "nx=" << nx << " nt=" << nt;
                    }
                }
            }
        }
    }
}

// ny = 3000 is too few rows to split between threads (the queries are split),
// 30000 is enough.
TEST(Knn, IdenticalAcrossThreadCounts) {
    Restore restore;
    const size_t d = 64;
    for (size_t ny : {3000, 30000}) {
        auto y = rand_vectors(ny, d, 11);
        for (size_t nx : {1, 3, 20, 1000}) {
            auto x = rand_vectors(nx, d, 12);
            for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
                for (size_t k : {1, 10, 100}) {
                    omp_set_num_threads(1);
                    Knn one = run_knn(metric, x.data(), nx, y.data(), ny, d, k);
                    omp_set_num_threads(2);
                    Knn two = run_knn(metric, x.data(), nx, y.data(), ny, d, k);
                    EXPECT_EQ(one.I, two.I) << "ny=" << ny << " nx=" << nx << " k=" << k;
                    EXPECT_EQ(one.D, two.D) << "ny=" << ny << " nx=" << nx << " k=" << k;
                }
            }
        }
    }
}

// A NaN distance is never returned ahead of a real one: the row is skipped.
TEST(Knn, NaNRowsAreNeverReturned) {
    Restore restore;
    const size_t d = 16, ny = 300;
    auto y = rand_vectors(ny, d, 21);
    y[7 * d + 3] = std::numeric_limits<float>::quiet_NaN();
    for (SIMDLevel level : supported_simd_levels()) {
        set_simd_level(level);
        for (size_t nx : {1, 40}) {
            auto x = rand_vectors(nx, d, 22);
            for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
                Knn r = run_knn(metric, x.data(), nx, y.data(), ny, d, ny);
                for (size_t q = 0; q < nx; q++) {
                    for (size_t i = 0; i + 1 < ny; i++) {
                        ASSERT_NE(r.I[q * ny + i], 7) << simd_level_name(level);
                        ASSERT_GE(r.I[q * ny + i], 0);
                        ASSERT_FALSE(std::isnan(r.D[q * ny + i]));
                    }
                    EXPECT_EQ(r.I[q * ny + ny - 1], -1);
                }
            }
        }
    }
}

TEST(Knn, SelectorsReturnOnlySelectedRows) {
    Restore restore;
    const size_t d = 24, ny = 6000, k = 20;
    auto y = rand_vectors(ny, d, 31);
    std::vector<idx_t> listed;
    for (idx_t i = 5; i < idx_t(ny); i += 7) {
        listed.push_back(i);
    }
    listed.push_back(-3);             // ignored: not a row
    listed.push_back(idx_t(ny) + 10); // ignored: not a row
    listed.push_back(12);             // duplicate
    std::vector<uint8_t> bitmap((ny + 7) / 8);
    for (size_t i = 0; i < ny; i += 3) {
        bitmap[i / 8] |= uint8_t(1u << (i % 8));
    }
    IDSelectorRange range(100, 180);
    IDSelectorRange wide(-50, 1000000);
    IDSelectorArray array(listed.size(), listed.data());
    IDSelectorBatch batch(listed.size(), listed.data());
    IDSelectorBitmap bits(bitmap.size(), bitmap.data());
    IDSelectorNot not_bits(&bits);
    const IDSelector* selectors[] = {&range, &wide, &array, &batch, &bits, &not_bits};
    for (size_t nx : {1, 20, 300}) {
        auto x = rand_vectors(nx, d, int64_t(32 + nx));
        for (const IDSelector* sel : selectors) {
            std::vector<bool> member(ny);
            for (size_t j = 0; j < ny; j++) {
                member[j] = sel->is_member(idx_t(j));
            }
            for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
                auto keep = [&](idx_t id) { return bool(member[size_t(id)]); };
                auto ref =
                        test::brute_force_knn(x.data(), nx, y.data(), ny, d, k, metric, keep);
                for (int nt : {1, 2}) {
                    omp_set_num_threads(nt);
                    SCOPED_TRACE("nx=" + std::to_string(nx) + " nt=" + std::to_string(nt));
                    Knn got = run_knn(metric, x.data(), nx, y.data(), ny, d, k, nullptr, sel);
                    test::expect_knn_equal(ref, got.D.data(), got.I.data(), nx, k, x.data(),
                                           y.data(), d, metric);
                    for (idx_t id : got.I) {
                        ASSERT_TRUE(id == -1 || member[size_t(id)]);
                    }
                }
            }
        }
    }
}

TEST(Knn, BadArgumentsThrow) {
    auto x = rand_vectors(2, 4, 1);
    std::vector<float> D(4);
    std::vector<idx_t> I(4);
    EXPECT_THROW(knn_L2sqr(x.data(), x.data(), 4, 2, 2, 0, D.data(), I.data()),
                 FaisslikeException);
    EXPECT_THROW(knn_L2sqr(nullptr, x.data(), 4, 2, 2, 2, D.data(), I.data()),
                 FaisslikeException);
    EXPECT_THROW(knn_inner_product(x.data(), nullptr, 4, 2, 2, 2, D.data(), I.data()),
                 FaisslikeException);
    EXPECT_THROW(knn_L2sqr(x.data(), x.data(), 4, 2, 2, 2, nullptr, I.data()),
                 FaisslikeException);
    EXPECT_THROW(knn_inner_product(x.data(), x.data(), 4, 2, 2, 2, D.data(), nullptr),
                 FaisslikeException);
    EXPECT_THROW(knn_L2sqr(x.data(), x.data(), 0, 2, 2, 2, D.data(), I.data()),
                 FaisslikeException);
    try {
        knn_L2sqr(x.data(), x.data(), 4, 2, 2, 0, D.data(), I.data());
    } catch (const FaisslikeException& e) {
        EXPECT_NE(e.msg().find("k must be > 0"), std::string::npos) << e.msg();
    }
    // nothing to search: no pointer needed
    knn_L2sqr(nullptr, nullptr, 4, 0, 0, 3, nullptr, nullptr);
    RangeSearchResult res(2);
    EXPECT_THROW(range_search_L2sqr(nullptr, x.data(), 4, 2, 2, 1.0f, &res), FaisslikeException);
    EXPECT_THROW(range_search_L2sqr(x.data(), x.data(), 4, 2, 2, 1.0f, nullptr),
                 FaisslikeException);
    RangeSearchResult wrong(3);
    EXPECT_THROW(range_search_inner_product(x.data(), x.data(), 4, 2, 2, 1.0f, &wrong),
                 FaisslikeException);
}

/// Range search against brute force: every row clearly inside the radius is
/// found, nothing clearly outside is, and reported distances are right.
void expect_range_matches(MetricType metric, const float* x, size_t nx, const float* y,
                          size_t ny, size_t d, float radius, const IDSelector* sel) {
    RangeSearchResult res(nx);
    if (metric == METRIC_L2) {
        range_search_L2sqr(x, y, d, nx, ny, radius, &res, sel);
    } else {
        range_search_inner_product(x, y, d, nx, ny, radius, &res, sel);
    }
    const double tol = 1e-4 * std::max(1.0, std::abs(double(radius)));
    size_t total = 0;
    for (size_t q = 0; q < nx; q++) {
        std::set<idx_t> found;
        for (size_t i = res.lims[q]; i < res.lims[q + 1]; i++) {
            idx_t id = res.labels[i];
            ASSERT_TRUE(id >= 0 && size_t(id) < ny);
            ASSERT_TRUE(found.insert(id).second) << "duplicate id " << id;
            ASSERT_TRUE(i == res.lims[q] || res.labels[i - 1] < id) << "ids not increasing";
            ASSERT_TRUE(!sel || sel->is_member(id));
            double truth = exact(x + q * d, y + size_t(id) * d, d, metric);
            ASSERT_NEAR(res.distances[i], truth, tol);
            ASSERT_TRUE(metric == METRIC_L2 ? truth < radius + tol : truth > radius - tol);
        }
        for (size_t j = 0; j < ny; j++) {
            if (sel && !sel->is_member(idx_t(j))) {
                continue;
            }
            double truth = exact(x + q * d, y + j * d, d, metric);
            bool inside = metric == METRIC_L2 ? truth < radius - tol : truth > radius + tol;
            if (inside) {
                ASSERT_TRUE(found.count(idx_t(j))) << "query " << q << " misses row " << j;
            }
        }
        total += found.size();
    }
    EXPECT_GT(total, 0u) << "radius selects nothing: the test would be vacuous";
}

TEST(RangeSearch, MatchesBruteForce) {
    Restore restore;
    const size_t d = 20, ny = 2000;
    auto y = rand_vectors(ny, d, 41);
    IDSelectorRange range(300, 1700);
    IDSelectorBatch odd_rows = [&] {
        std::vector<idx_t> ids;
        for (idx_t i = 1; i < idx_t(ny); i += 2) {
            ids.push_back(i);
        }
        return IDSelectorBatch(ids.size(), ids.data());
    }();
    for (SIMDLevel level : supported_simd_levels()) {
        set_simd_level(level);
        for (int nt : {1, 2}) {
            omp_set_num_threads(nt);
            for (size_t nx : {1, 3, 100}) {
                auto x = rand_vectors(nx, d, int64_t(42 + nx));
                SCOPED_TRACE(std::string(simd_level_name(level)) + " nx=" + std::to_string(nx));
                for (const IDSelector* sel : {(const IDSelector*)nullptr,
                                              (const IDSelector*)&range,
                                              (const IDSelector*)&odd_rows}) {
                    expect_range_matches(METRIC_L2, x.data(), nx, y.data(), ny, d, 1.6f, sel);
                    expect_range_matches(METRIC_INNER_PRODUCT, x.data(), nx, y.data(), ny, d,
                                         6.5f, sel);
                }
            }
        }
    }
}

TEST(RangeSearch, IdenticalAcrossThreadCounts) {
    Restore restore;
    const size_t d = 32, ny = 50000;
    auto y = rand_vectors(ny, d, 51);
    for (size_t nx : {1, 200}) {
        auto x = rand_vectors(nx, d, 52);
        RangeSearchResult one(nx), two(nx);
        omp_set_num_threads(1);
        range_search_L2sqr(x.data(), y.data(), d, nx, ny, 3.0f, &one);
        omp_set_num_threads(2);
        range_search_L2sqr(x.data(), y.data(), d, nx, ny, 3.0f, &two);
        ASSERT_EQ(std::vector<size_t>(one.lims, one.lims + nx + 1),
                  std::vector<size_t>(two.lims, two.lims + nx + 1));
        ASSERT_GT(one.lims[nx], 0u);
        size_t n = one.lims[nx];
        EXPECT_EQ(std::vector<idx_t>(one.labels, one.labels + n),
                  std::vector<idx_t>(two.labels, two.labels + n));
        EXPECT_EQ(std::vector<float>(one.distances, one.distances + n),
                  std::vector<float>(two.distances, two.distances + n));
    }
}

} // namespace
} // namespace faisslike
