// ProductQuantizer and IndexPQ against brute force: code layout (Faiss's bit
// order), nearest-centroid encoding, distance tables, training, ADC search,
// selectors, range search, codec, removal, merge, bad input.

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>

#include <faisslike/IndexPQ.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/ProductQuantizer.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/simd_levels.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

/// Reference packing: index m occupies bits [m * nbits, (m + 1) * nbits) of
/// the code read as a little-endian bit stream.
std::vector<uint8_t> pack_reference(const std::vector<uint32_t>& idx, size_t nbits) {
    std::vector<uint8_t> code((idx.size() * nbits + 7) / 8, 0);
    for (size_t m = 0; m < idx.size(); m++) {
        for (size_t b = 0; b < nbits; b++) {
            size_t bit = m * nbits + b;
            if ((idx[m] >> b) & 1) {
                code[bit / 8] |= uint8_t(1u << (bit % 8));
            }
        }
    }
    return code;
}

/// Centroids whose nearest-centroid assignment is unambiguous: centroid j of
/// every sub-quantizer starts with the integer j (distances are exact).
void set_integer_centroids(ProductQuantizer& pq) {
    std::vector<float> c(pq.ksub * pq.dsub);
    for (size_t m = 0; m < pq.M; m++) {
        for (size_t j = 0; j < pq.ksub; j++) {
            for (size_t t = 0; t < pq.dsub; t++) {
                c[j * pq.dsub + t] = t == 0 ? float(j) : float((j * 31 + m * 7 + t) % 97);
            }
        }
        pq.set_params(c.data(), int(m));
    }
}

void set_random_centroids(ProductQuantizer& pq, int seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    for (auto& v : pq.centroids) {
        v = normal(rng);
    }
}

double squared_error(const float* a, const float* b, size_t n) {
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        e += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    }
    return e;
}

/*********************************************************** ProductQuantizer */

TEST(ProductQuantizer, DerivedValues) {
    ProductQuantizer pq(48, 6, 5);
    EXPECT_EQ(pq.dsub, 8u);
    EXPECT_EQ(pq.ksub, 32u);
    EXPECT_EQ(pq.code_size, 4u); // ceil(30 / 8)
    EXPECT_EQ(pq.centroids.size(), 48u * 32);
    EXPECT_EQ(ProductQuantizer(16, 16, 8).code_size, 16u);
    EXPECT_EQ(ProductQuantizer(16, 4, 16).code_size, 8u);
    EXPECT_EQ(ProductQuantizer(12, 3, 4).code_size, 2u);
}

TEST(ProductQuantizer, BadParametersThrow) {
    try {
        ProductQuantizer pq(30, 4, 8);
        FAIL() << "d % M != 0 accepted";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("should be a multiple of the number of subquantizers"),
                  std::string::npos)
                << e.what();
    }
    EXPECT_THROW(ProductQuantizer(32, 0, 8), FaisslikeException);
    EXPECT_THROW(ProductQuantizer(32, 4, 0), FaisslikeException);
    EXPECT_THROW(ProductQuantizer(32, 4, 17), FaisslikeException);
}

class PQCodeLayout : public ::testing::TestWithParam<size_t> {};

// Vectors made of chosen centroids encode to exactly the reference bit
// packing, and decode back to themselves, in batch and one at a time.
TEST_P(PQCodeLayout, RoundTripIsBitExact) {
    const size_t nbits = GetParam(), M = 5, dsub = 2, n = 200;
    ProductQuantizer pq(M * dsub, M, nbits);
    set_integer_centroids(pq);
    std::mt19937 rng(static_cast<unsigned>(nbits));
    std::vector<float> x(n * pq.d);
    std::vector<std::vector<uint8_t>> expected(n);
    for (size_t i = 0; i < n; i++) {
        std::vector<uint32_t> idx(M);
        for (size_t m = 0; m < M; m++) {
            // Always cover the extreme indices, whose top bits are all set.
            idx[m] = i == 0 ? uint32_t(pq.ksub - 1) : i == 1 ? 0 : uint32_t(rng() % pq.ksub);
            std::memcpy(x.data() + i * pq.d + m * dsub, pq.get_centroids(m, idx[m]),
                        sizeof(float) * dsub);
        }
        expected[i] = pack_reference(idx, nbits);
    }
    for (bool transposed : {false, true}) {
        if (transposed) {
            pq.sync_transposed_centroids();
        }
        std::vector<uint8_t> codes(n * pq.code_size);
        pq.compute_codes(x.data(), codes.data(), n);
        std::vector<uint8_t> one(pq.code_size);
        for (size_t i = 0; i < n; i++) {
            ASSERT_EQ(std::vector<uint8_t>(codes.begin() + i * pq.code_size,
                                           codes.begin() + (i + 1) * pq.code_size),
                      expected[i])
                    << "vector " << i;
            pq.compute_code(x.data() + i * pq.d, one.data());
            ASSERT_EQ(one, expected[i]) << "vector " << i;
        }
        std::vector<float> y(n * pq.d);
        pq.decode(codes.data(), y.data(), n);
        EXPECT_EQ(x, y);
    }
}

INSTANTIATE_TEST_SUITE_P(Nbits, PQCodeLayout, ::testing::Values(4, 5, 8, 10, 12, 16),
                         [](const auto& info) { return "nbits" + std::to_string(info.param); });

TEST(ProductQuantizer, EncoderDecoderFollowFaissBitOrder) {
    std::mt19937 rng(3);
    for (int nbits : {1, 3, 7, 9, 13, 16}) {
        std::vector<uint32_t> idx(11);
        for (auto& v : idx) {
            v = rng() & ((1u << nbits) - 1);
        }
        auto ref = pack_reference(idx, size_t(nbits));
        std::vector<uint8_t> code(ref.size(), 0xff);
        {
            PQEncoderGeneric enc(code.data(), nbits);
            for (uint32_t v : idx) {
                enc.encode(v);
            }
        }
        // Every byte is written, the unused top bits of the last one as zeros.
        EXPECT_EQ(code, ref) << "nbits " << nbits;
        PQDecoderGeneric dec(ref.data(), nbits);
        for (uint32_t v : idx) {
            EXPECT_EQ(dec.decode(), v) << "nbits " << nbits;
        }
    }
}

TEST(ProductQuantizer, EncodingPicksTheNearestCentroids) {
    const size_t d = 24, M = 6, n = 300;
    ProductQuantizer pq(d, M, 6);
    set_random_centroids(pq, 5);
    auto x = clustered_vectors(n, d, 6);
    for (float& v : x) {
        v = v / 64 - 1; // the scale of the centroids
    }
    std::vector<uint8_t> codes(n * pq.code_size);
    pq.compute_codes(x.data(), codes.data(), n);
    std::vector<float> y(d);
    for (size_t i = 0; i < n; i++) {
        pq.decode(codes.data() + i * pq.code_size, y.data());
        for (size_t m = 0; m < M; m++) {
            const float* xs = x.data() + i * d + m * pq.dsub;
            double best = HUGE_VAL;
            for (size_t j = 0; j < pq.ksub; j++) {
                best = std::min(best, squared_error(xs, pq.get_centroids(m, j), pq.dsub));
            }
            double got = squared_error(xs, y.data() + m * pq.dsub, pq.dsub);
            ASSERT_LE(got, best * (1 + 1e-5) + 1e-9) << "vector " << i << " sub-quantizer " << m;
        }
    }
}

TEST(ProductQuantizer, TablesMatchBruteForce) {
    for (size_t nbits : {4, 8}) {
        const size_t d = 36, M = 9, nx = 12;
        ProductQuantizer pq(d, M, nbits);
        set_random_centroids(pq, int(nbits));
        auto x = clustered_vectors(nx, d, 7);
        const size_t ts = M * pq.ksub;
        std::vector<float> l2(nx * ts), ip(nx * ts), one(ts);
        pq.compute_distance_tables(nx, x.data(), l2.data());
        pq.compute_inner_prod_tables(nx, x.data(), ip.data());
        for (size_t i = 0; i < nx; i++) {
            for (size_t m = 0; m < M; m++) {
                for (size_t j = 0; j < pq.ksub; j++) {
                    const float* xs = x.data() + i * d + m * pq.dsub;
                    const float* c = pq.get_centroids(m, j);
                    double e_l2 = test::exact_distance(xs, c, pq.dsub, METRIC_L2);
                    double e_ip = test::exact_distance(xs, c, pq.dsub, METRIC_INNER_PRODUCT);
                    double magnitude = 0; // of the products, which may cancel
                    for (size_t t = 0; t < pq.dsub; t++) {
                        magnitude += std::abs(double(xs[t]) * c[t]);
                    }
                    size_t at = i * ts + m * pq.ksub + j;
                    ASSERT_NEAR(l2[at], e_l2, 1e-5 * std::max(1.0, e_l2));
                    ASSERT_NEAR(ip[at], e_ip, 1e-5 * std::max(1.0, magnitude));
                }
            }
            // One query at a time, with and without the transposed copy: the same bits.
            for (bool transposed : {false, true}) {
                if (transposed) {
                    pq.sync_transposed_centroids();
                } else {
                    pq.clear_transposed_centroids();
                }
                pq.compute_distance_table(x.data() + i * d, one.data());
                ASSERT_TRUE(std::equal(one.begin(), one.end(), l2.begin() + i * ts));
                pq.compute_inner_prod_table(x.data() + i * d, one.data());
                ASSERT_TRUE(std::equal(one.begin(), one.end(), ip.begin() + i * ts));
            }
        }
    }
}

// Every SIMD level: batches (several vectors per pass over the centroids),
// single vectors, natural and transposed layouts give the same bits.
TEST(ProductQuantizer, AllKernelPathsAgreeBitForBit) {
    const SIMDLevel saved = active_simd_level();
    for (SIMDLevel level : supported_simd_levels()) {
        set_simd_level(level);
        for (size_t nbits : {3, 8}) {
            const size_t d = 30, M = 6, n = 23;
            ProductQuantizer pq(d, M, nbits);
            set_random_centroids(pq, 17);
            auto x = clustered_vectors(n, d, 18);
            for (float& v : x) {
                v = v / 64 - 1;
            }
            const size_t ts = M * pq.ksub;
            std::vector<float> batch(n * ts), one(ts);
            std::vector<uint8_t> codes(n * pq.code_size), code(pq.code_size);
            for (bool ip : {false, true}) {
                ip ? pq.compute_inner_prod_tables(n, x.data(), batch.data())
                   : pq.compute_distance_tables(n, x.data(), batch.data());
                for (bool transposed : {false, true}) {
                    transposed ? pq.sync_transposed_centroids() : pq.clear_transposed_centroids();
                    for (size_t i = 0; i < n; i++) {
                        ip ? pq.compute_inner_prod_table(x.data() + i * d, one.data())
                           : pq.compute_distance_table(x.data() + i * d, one.data());
                        ASSERT_TRUE(std::equal(one.begin(), one.end(), batch.begin() + i * ts))
                                << simd_level_name(level) << " nbits " << nbits << " ip " << ip
                                << " vector " << i;
                    }
                }
            }
            pq.compute_codes(x.data(), codes.data(), n);
            pq.clear_transposed_centroids();
            for (size_t i = 0; i < n; i++) {
                pq.compute_code(x.data() + i * d, code.data());
                ASSERT_TRUE(std::equal(code.begin(), code.end(), codes.begin() + i * pq.code_size))
                        << simd_level_name(level) << " nbits " << nbits << " vector " << i;
            }
        }
    }
    set_simd_level(saved);
}

struct LookupCase {
    size_t M, nbits;
};

std::string lookup_name(const LookupCase& c) {
    return "M" + std::to_string(c.M) + "_nbits" + std::to_string(c.nbits);
}

void PrintTo(const LookupCase& c, std::ostream* os) {
    *os << lookup_name(c);
}

class PQLookup : public ::testing::TestWithParam<LookupCase> {};

// Table sums equal the distance to the decoded vector, for every code path
// (8-bit with M unrolled or not, gathered or not, 16-bit, bit-packed) at
// every SIMD level, and a code alone sums exactly as in a batch.
TEST_P(PQLookup, TableSumsAreDistancesToDecodedVectors) {
    const auto c = GetParam();
    const size_t dsub = 2, d = c.M * dsub, n = 103;
    ProductQuantizer pq(d, c.M, c.nbits);
    set_random_centroids(pq, int(c.M * 100 + c.nbits));
    std::vector<uint8_t> codes(n * pq.code_size);
    std::mt19937 rng(1);
    for (auto& b : codes) {
        b = uint8_t(rng());
    }
    auto x = clustered_vectors(1, d, 8);
    for (float& v : x) {
        v = v / 64 - 1;
    }
    const SIMDLevel saved = active_simd_level();
    for (SIMDLevel level : supported_simd_levels()) {
        set_simd_level(level);
        std::vector<float> l2(c.M * pq.ksub), ip(c.M * pq.ksub), dl2(n), dip(n), y(d);
        pq.compute_distance_table(x.data(), l2.data());
        pq.compute_inner_prod_table(x.data(), ip.data());
        pq.distances_from_table(l2.data(), codes.data(), n, dl2.data());
        pq.distances_from_table(ip.data(), codes.data(), n, dip.data());
        for (size_t i = 0; i < n; i++) {
            const uint8_t* code = codes.data() + i * pq.code_size;
            pq.decode(code, y.data());
            double e_l2 = test::exact_distance(x.data(), y.data(), d, METRIC_L2);
            double e_ip = test::exact_distance(x.data(), y.data(), d, METRIC_INNER_PRODUCT);
            ASSERT_NEAR(dl2[i], e_l2, 1e-4 * std::max(1.0, e_l2))
                    << simd_level_name(level) << " code " << i;
            ASSERT_NEAR(dip[i], e_ip, 1e-4 * std::max(1.0, std::abs(e_ip)))
                    << simd_level_name(level) << " code " << i;
            ASSERT_EQ(dl2[i], pq.distance_from_table(l2.data(), code))
                    << simd_level_name(level) << " code " << i;
            ASSERT_EQ(dip[i], pq.distance_from_table(ip.data(), code))
                    << simd_level_name(level) << " code " << i;
        }
    }
    set_simd_level(saved);
}

INSTANTIATE_TEST_SUITE_P(
        Codes,
        PQLookup,
        ::testing::Values(LookupCase{8, 8}, LookupCase{16, 8}, LookupCase{24, 8}, LookupCase{32, 8},
                          LookupCase{64, 8}, LookupCase{7, 8}, LookupCase{1, 8}, LookupCase{5, 16},
                          LookupCase{6, 4}, LookupCase{9, 5}, LookupCase{3, 12}),
        [](const auto& info) { return lookup_name(info.param); });

double training_error(size_t d, size_t M, size_t nbits, const std::vector<float>& xt,
                      const std::vector<float>& xv) {
    ProductQuantizer pq(d, M, nbits);
    pq.cp.niter = 10;
    pq.train(xt.size() / d, xt.data());
    const size_t n = xv.size() / d;
    std::vector<uint8_t> codes(n * pq.code_size);
    std::vector<float> y(xv.size());
    pq.compute_codes(xv.data(), codes.data(), n);
    pq.decode(codes.data(), y.data(), n);
    return squared_error(xv.data(), y.data(), xv.size()) / double(n);
}

TEST(ProductQuantizer, TrainedErrorIsSmallAndShrinksWithBitsAndM) {
    const size_t d = 32, nt = 4000, nv = 500;
    auto xt = clustered_vectors(nt, d, 10, 50);
    auto xv = clustered_vectors(nv, d, 11, 50);
    // Error of the best constant (the mean): what an untrained quantizer achieves at best.
    std::vector<double> mean(d, 0);
    for (size_t i = 0; i < nt; i++) {
        for (size_t j = 0; j < d; j++) {
            mean[j] += xt[i * d + j] / double(nt);
        }
    }
    double variance = 0;
    for (size_t i = 0; i < nv; i++) {
        for (size_t j = 0; j < d; j++) {
            variance += (xv[i * d + j] - mean[j]) * (xv[i * d + j] - mean[j]) / double(nv);
        }
    }
    double e4 = training_error(d, 8, 4, xt, xv);
    double e6 = training_error(d, 8, 6, xt, xv);
    double e8 = training_error(d, 8, 8, xt, xv);
    double m4 = training_error(d, 4, 8, xt, xv);
    double m16 = training_error(d, 16, 8, xt, xv);
    EXPECT_LT(e8, 0.2 * variance);
    EXPECT_LT(e6, e4);
    EXPECT_LT(e8, e6);
    EXPECT_LT(e8, m4);
    EXPECT_LT(m16, e8);
}

TEST(ProductQuantizer, SameSeedSameCodes) {
    const size_t d = 16, n = 2000;
    auto x = clustered_vectors(n, d, 12);
    ProductQuantizer a(d, 4, 6), b(d, 4, 6), c(d, 4, 6);
    c.cp.seed = 99;
    for (auto* pq : {&a, &b, &c}) {
        pq->cp.niter = 5;
        pq->train(n, x.data());
    }
    EXPECT_EQ(a.centroids, b.centroids);
    EXPECT_NE(a.centroids, c.centroids);
    std::vector<uint8_t> ca(n * a.code_size), cb(n * b.code_size);
    a.compute_codes(x.data(), ca.data(), n);
    b.compute_codes(x.data(), cb.data(), n);
    EXPECT_EQ(ca, cb);
}

TEST(ProductQuantizer, SharedTrainingGivesOneCodebook) {
    const size_t d = 16, n = 300;
    auto x = clustered_vectors(n, d, 13);
    ProductQuantizer pq(d, 4, 8);
    pq.train_type = ProductQuantizer::Train_shared;
    pq.cp.niter = 5;
    pq.train(n, x.data()); // 1200 sub-vectors for 256 centroids
    for (size_t m = 1; m < 4; m++) {
        EXPECT_TRUE(std::equal(pq.get_centroids(0, 0), pq.get_centroids(0, 0) + pq.ksub * pq.dsub,
                               pq.get_centroids(m, 0)));
    }
}

TEST(ProductQuantizer, HotStartContinuesFromTheCentroids) {
    const size_t d = 16, n = 1000, M = 4, dsub = 4;
    auto x = clustered_vectors(n, d, 15);
    ProductQuantizer pq(d, M, 4);
    ProductQuantizer cold = pq;
    cold.centroids.clear();
    cold.train_type = ProductQuantizer::Train_hot_start;
    EXPECT_THROW(cold.train(n, x.data()), FaisslikeException); // nothing to start from
    pq.cp.niter = 3;
    pq.train(n, x.data());
    const auto start = pq.centroids;
    pq.train_type = ProductQuantizer::Train_hot_start;
    pq.cp.niter = 0;
    pq.train(n, x.data());
    EXPECT_EQ(pq.centroids, start);
    // One more iteration: each centroid moves to the mean of its sub-vectors.
    pq.cp.niter = 1;
    pq.train(n, x.data());
    for (size_t m = 0; m < M; m++) {
        std::vector<double> sum(pq.ksub * dsub, 0.0);
        std::vector<size_t> count(pq.ksub, 0);
        for (size_t i = 0; i < n; i++) {
            const float* sub = &x[i * d + m * dsub];
            size_t best = 0;
            double best_dis = HUGE_VAL;
            for (size_t j = 0; j < pq.ksub; j++) {
                double dis = test::exact_distance(sub, &start[(m * pq.ksub + j) * dsub], dsub, METRIC_L2);
                if (dis < best_dis) {
                    best_dis = dis;
                    best = j;
                }
            }
            count[best]++;
            for (size_t t = 0; t < dsub; t++) {
                sum[best * dsub + t] += sub[t];
            }
        }
        for (size_t j = 0; j < pq.ksub; j++) {
            for (size_t t = 0; t < dsub && count[j] > 0; t++) {
                double mean = sum[j * dsub + t] / double(count[j]);
                EXPECT_NEAR(pq.get_centroids(m, j)[t], mean, 1e-4 * (1 + std::abs(mean))) << m << " " << j;
            }
        }
    }
}

TEST(ProductQuantizer, BadTrainingThrowsAndKeepsCentroids) {
    const size_t d = 16;
    auto x = clustered_vectors(1000, d, 14);
    ProductQuantizer pq(d, 4, 6);
    pq.cp.niter = 3;
    pq.train(1000, x.data());
    const auto before = pq.centroids;
    EXPECT_THROW(pq.train(63, x.data()), FaisslikeException); // fewer than ksub = 64
    x[999 * d + 15] = NAN; // the last sub-quantizer sees it last
    EXPECT_THROW(pq.train(1000, x.data()), FaisslikeException);
    pq.train_type = ProductQuantizer::Train_hypercube;
    EXPECT_THROW(pq.train(900, x.data()), FaisslikeException);
    EXPECT_EQ(pq.centroids, before);
}

/*********************************************************** IndexPQ */

constexpr size_t kD = 32, kNb = 4000, kNq = 40;

struct PQFixture {
    std::vector<float> xb = clustered_vectors(kNb, kD, 20, 40);
    std::vector<float> xq = clustered_vectors(kNq, kD, 21, 40);

    std::unique_ptr<IndexPQ> make(MetricType metric = METRIC_L2, size_t M = 8, size_t nbits = 8) const {
        auto index = std::make_unique<IndexPQ>(int(kD), M, nbits, metric);
        index->pq.cp.niter = 5;
        index->train(kNb, xb.data());
        index->add(kNb, xb.data());
        return index;
    }

    /// The stored vectors as the index sees them.
    static std::vector<float> decoded(const Index& index) {
        std::vector<float> y(size_t(index.ntotal) * size_t(index.d));
        index.reconstruct_n(0, index.ntotal, y.data());
        return y;
    }
};

double recall_at(const test::KnnResult& ref, const std::vector<idx_t>& I, size_t nq, size_t k) {
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> truth(ref.I.begin() + q * k, ref.I.begin() + (q + 1) * k);
        for (size_t i = 0; i < k; i++) {
            hits += truth.count(I[q * k + i]);
        }
    }
    return double(hits) / double(nq * k);
}

TEST(IndexPQ, SearchIsExactOverDecodedVectors) {
    PQFixture f;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        for (size_t nbits : {8, 6}) {
            auto index = f.make(metric, 8, nbits);
            auto y = PQFixture::decoded(*index);
            for (size_t nq : {kNq, size_t(1)}) { // query-parallel and code-parallel paths
                const size_t k = 10;
                std::vector<float> D(nq * k);
                std::vector<idx_t> I(nq * k);
                index->search(nq, f.xq.data(), k, D.data(), I.data());
                auto ref = test::brute_force_knn(f.xq.data(), nq, y.data(), kNb, kD, k, metric);
                test::expect_knn_equal(ref, D.data(), I.data(), nq, k, f.xq.data(), y.data(), kD,
                                       metric);
            }
        }
    }
}

TEST(IndexPQ, RecallFloor) {
    PQFixture f;
    auto index = f.make(METRIC_L2, 16, 8);
    const size_t k = 10;
    std::vector<float> D(kNq * k);
    std::vector<idx_t> I(kNq * k);
    index->search(kNq, f.xq.data(), k, D.data(), I.data());
    auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, k, METRIC_L2);
    EXPECT_GE(recall_at(ref, I, kNq, k), 0.7);
}

TEST(IndexPQ, PadsWhenFewerThanK) {
    PQFixture f;
    IndexPQ index(int(kD), 8, 4);
    index.pq.cp.niter = 5;
    index.train(kNb, f.xb.data());
    index.add(5, f.xb.data());
    const size_t k = 8;
    std::vector<float> D(2 * k);
    std::vector<idx_t> I(2 * k);
    index.search(2, f.xq.data(), k, D.data(), I.data());
    for (size_t q = 0; q < 2; q++) {
        for (size_t i = 5; i < k; i++) {
            EXPECT_EQ(I[q * k + i], -1);
            EXPECT_EQ(D[q * k + i], FLT_MAX);
        }
    }
}

TEST(IndexPQ, SelectorsFilterExactly) {
    PQFixture f;
    auto index = f.make();
    auto y = PQFixture::decoded(*index);
    std::vector<idx_t> listed;
    for (idx_t i = 0; i < idx_t(kNb); i += 7) {
        listed.push_back(i);
    }
    IDSelectorRange range(1000, 1300);
    IDSelectorBatch batch(listed.size(), listed.data());
    for (const IDSelector* sel : {static_cast<const IDSelector*>(&range),
                                  static_cast<const IDSelector*>(&batch)}) {
        SearchParameters params;
        params.sel = sel;
        for (size_t nq : {kNq, size_t(1)}) {
            const size_t k = 10;
            std::vector<float> D(nq * k);
            std::vector<idx_t> I(nq * k);
            index->search(nq, f.xq.data(), k, D.data(), I.data(), &params);
            auto ref = test::brute_force_knn(f.xq.data(), nq, y.data(), kNb, kD, k, METRIC_L2,
                                             [&](idx_t id) { return sel->is_member(id); });
            test::expect_knn_equal(ref, D.data(), I.data(), nq, k, f.xq.data(), y.data(), kD,
                                   METRIC_L2);
        }
    }
}

TEST(IndexPQ, RangeSearchMatchesBruteForce) {
    PQFixture f;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto index = f.make(metric);
        auto y = PQFixture::decoded(*index);
        // A radius that keeps a few dozen hits per query.
        auto probe = test::brute_force_knn(f.xq.data(), 1, y.data(), kNb, kD, 30, metric);
        const float radius = probe.D[29];
        RangeSearchResult res(kNq);
        index->range_search(kNq, f.xq.data(), radius, &res);
        for (size_t q = 0; q < kNq; q++) {
            std::set<idx_t> got(res.labels + res.lims[q], res.labels + res.lims[q + 1]);
            for (size_t j = 0; j < kNb; j++) {
                double e = test::exact_distance(f.xq.data() + q * kD, y.data() + j * kD, kD, metric);
                if (std::abs(e - radius) < 1e-3 * std::max(1.0, std::abs(double(radius)))) {
                    continue; // too close to the radius to call
                }
                bool in = metric == METRIC_L2 ? e < radius : e > radius;
                ASSERT_EQ(in, got.count(idx_t(j)) == 1) << "query " << q << " id " << j;
            }
        }
    }
}

TEST(IndexPQ, CodecMatchesAddAndReconstruct) {
    PQFixture f;
    auto index = f.make();
    const size_t n = 50;
    std::vector<uint8_t> codes(n * index->sa_code_size());
    index->sa_encode(n, f.xb.data(), codes.data());
    EXPECT_TRUE(std::equal(codes.begin(), codes.end(), index->codes.begin()));
    std::vector<float> a(n * kD), b(n * kD);
    index->sa_decode(n, codes.data(), a.data());
    index->reconstruct_n(0, n, b.data());
    EXPECT_EQ(a, b);
    for (size_t i = 0; i < n; i++) {
        index->reconstruct(idx_t(i), b.data());
        ASSERT_TRUE(std::equal(b.begin(), b.begin() + kD, a.begin() + i * kD));
    }
}

TEST(IndexPQ, RemoveAndMerge) {
    PQFixture f;
    auto index = f.make();
    auto y = PQFixture::decoded(*index);
    IDSelectorRange sel(100, 200);
    EXPECT_EQ(index->remove_ids(sel), 100u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 100));
    std::vector<float> r(kD);
    index->reconstruct(100, r.data()); // what was id 200
    EXPECT_TRUE(std::equal(r.begin(), r.end(), y.begin() + 200 * kD));

    // Merge an index with the same quantizer: codes are appended.
    IndexPQ other(int(kD), 8, 8);
    other.pq = index->pq;
    other.is_trained = true;
    other.add(30, f.xq.data());
    const auto other_codes = other.codes;
    index->merge_from(other);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 100 + 30));
    EXPECT_EQ(other.ntotal, 0);
    EXPECT_TRUE(std::equal(other_codes.begin(), other_codes.end(),
                           index->codes.end() - other_codes.size()));

    // Different centroids: refused, nothing changes.
    auto third = f.make();
    third->pq.centroids[0] += 1;
    EXPECT_THROW(index->merge_from(*third), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 100 + 30));
    EXPECT_EQ(third->ntotal, idx_t(kNb));
}

TEST(IndexPQ, BadInputThrowsAndChangesNothing) {
    PQFixture f;
    EXPECT_THROW(IndexPQ(30, 4, 8), FaisslikeException);
    EXPECT_THROW(IndexPQ(32, 4, 0), FaisslikeException);
    EXPECT_THROW(IndexPQ(32, 4, 17), FaisslikeException);
    EXPECT_THROW(IndexPQ(32, 4, 8, METRIC_L1), FaisslikeException);

    IndexPQ index(int(kD), 8, 8);
    index.pq.cp.niter = 5;
    std::vector<float> D(10);
    std::vector<idx_t> I(10);
    EXPECT_THROW(index.add(10, f.xb.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, f.xq.data(), 10, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.train(100, f.xb.data()), FaisslikeException); // fewer than ksub
    EXPECT_FALSE(index.is_trained);
    EXPECT_EQ(index.ntotal, 0);

    index.train(kNb, f.xb.data());
    index.add(100, f.xb.data());
    EXPECT_THROW(index.search(1, f.xq.data(), 0, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, f.xq.data(), -3, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(-1, f.xq.data(), 10, D.data(), I.data()), FaisslikeException);
    SearchParametersPQ hamming;
    hamming.search_type = IndexPQ::ST_HE;
    EXPECT_THROW(index.search(1, f.xq.data(), 10, D.data(), I.data(), &hamming), FaisslikeException);
    EXPECT_THROW(index.train(kNb, f.xb.data()), FaisslikeException); // would orphan the codes
    index.do_polysemous_training = true;
    index.reset();
    EXPECT_THROW(index.train(kNb, f.xb.data()), FaisslikeException);
    EXPECT_TRUE(index.is_trained);
}

} // namespace
} // namespace faisslike
