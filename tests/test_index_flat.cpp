// IndexFlatL2 / IndexFlatIP against brute force: search, padding, selectors,
// range search, removal, reconstruction, merge, bad input, concurrent search.

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <set>
#include <thread>

#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::brute_force_knn;
using test::clustered_vectors;
using test::expect_knn_equal;

struct FlatCase {
    MetricType metric;
    size_t nq;
    size_t k;
};

class FlatSearch : public ::testing::TestWithParam<FlatCase> {};

TEST_P(FlatSearch, MatchesBruteForce) {
    const FlatCase c = GetParam();
    const size_t d = 40, nb = 3000;
    auto xb = clustered_vectors(nb, d, 1);
    auto xq = clustered_vectors(c.nq, d, 2);
    IndexFlat index(d, c.metric);
    index.add(nb / 2, xb.data());
    index.add(nb - nb / 2, xb.data() + nb / 2 * d);
    ASSERT_EQ(index.ntotal, idx_t(nb));

    std::vector<float> D(c.nq * c.k);
    std::vector<idx_t> I(c.nq * c.k);
    index.search(c.nq, xq.data(), c.k, D.data(), I.data());
    auto ref = brute_force_knn(xq.data(), c.nq, xb.data(), nb, d, c.k, c.metric);
    expect_knn_equal(ref, D.data(), I.data(), c.nq, c.k, xq.data(), xb.data(), d, c.metric);
}

INSTANTIATE_TEST_SUITE_P(
        Flat,
        FlatSearch,
        ::testing::Values(
                FlatCase{METRIC_L2, 1, 1},
                FlatCase{METRIC_L2, 1, 10},
                FlatCase{METRIC_L2, 7, 10},
                FlatCase{METRIC_L2, 200, 10},
                FlatCase{METRIC_L2, 64, 300},
                FlatCase{METRIC_INNER_PRODUCT, 1, 10},
                FlatCase{METRIC_INNER_PRODUCT, 200, 1},
                FlatCase{METRIC_INNER_PRODUCT, 64, 100}));

TEST(IndexFlat, KLargerThanNtotalIsPaddedLikeFaiss) {
    const size_t d = 8, nb = 5, k = 9;
    auto xb = clustered_vectors(nb, d, 3);
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        IndexFlat index(d, metric);
        index.add(nb, xb.data());
        std::vector<float> D(2 * k);
        std::vector<idx_t> I(2 * k);
        index.search(2, xb.data(), k, D.data(), I.data());
        for (size_t q = 0; q < 2; q++) {
            std::set<idx_t> ids(I.begin() + q * k, I.begin() + q * k + nb);
            EXPECT_EQ(ids.size(), nb);
            EXPECT_EQ(*ids.begin(), 0);
            for (size_t i = nb; i < k; i++) {
                EXPECT_EQ(I[q * k + i], -1);
                EXPECT_EQ(D[q * k + i], metric == METRIC_L2 ? FLT_MAX : -FLT_MAX);
            }
        }
    }
}

TEST(IndexFlat, EmptyIndexReturnsOnlyPadding) {
    IndexFlatL2 index(4);
    float q[4] = {1, 2, 3, 4};
    float D[3];
    idx_t I[3];
    index.search(1, q, 3, D, I);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(I[i], -1);
        EXPECT_EQ(D[i], FLT_MAX);
    }
}

TEST(IndexFlat, SelectorRestrictsResultsExactly) {
    const size_t d = 16, nb = 2000, nq = 30, k = 15;
    auto xb = clustered_vectors(nb, d, 4);
    auto xq = clustered_vectors(nq, d, 5);
    std::vector<idx_t> batch_ids;
    for (idx_t i = 0; i < idx_t(nb); i += 7) {
        batch_ids.push_back(i);
    }
    std::vector<uint8_t> bitmap((nb + 7) / 8, 0);
    for (size_t i = 0; i < nb; i += 3) {
        bitmap[i / 8] |= uint8_t(1u << (i % 8));
    }
    IDSelectorRange range(100, 900);
    IDSelectorBatch batch(batch_ids.size(), batch_ids.data());
    IDSelectorArray array(batch_ids.size(), batch_ids.data());
    IDSelectorBitmap bits(bitmap.size(), bitmap.data());
    IDSelectorNot not_range(&range);
    IDSelectorAnd range_and_bits(&range, &bits);
    IDSelectorOr batch_or_range(&batch, &range);
    IDSelectorXOr range_xor_bits(&range, &bits);
    IDSelectorRange tiny(5, 8); // fewer members than k: padding
    const IDSelector* selectors[] = {&range, &batch, &array, &bits, &not_range,
                                     &range_and_bits, &batch_or_range, &range_xor_bits, &tiny};
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        IndexFlat index(d, metric);
        index.add(nb, xb.data());
        for (const IDSelector* sel : selectors) {
            SearchParameters params;
            params.sel = sel;
            std::vector<float> D(nq * k);
            std::vector<idx_t> I(nq * k);
            index.search(nq, xq.data(), k, D.data(), I.data(), &params);
            auto ref = brute_force_knn(
                    xq.data(), nq, xb.data(), nb, d, k, metric,
                    [&](idx_t id) { return sel->is_member(id); });
            expect_knn_equal(ref, D.data(), I.data(), nq, k, xq.data(), xb.data(), d, metric);
        }
    }
}

TEST(IndexFlat, RangeSearchMatchesBruteForce) {
    const size_t d = 12, nb = 1500, nq = 20;
    auto xb = clustered_vectors(nb, d, 6);
    auto xq = clustered_vectors(nq, d, 7);
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        IndexFlat index(d, metric);
        index.add(nb, xb.data());
        // A radius that catches a few percent of the base.
        auto probe = brute_force_knn(xq.data(), 1, xb.data(), nb, d, 50, metric);
        float radius = probe.D[49];
        IDSelectorRange odd_half(nb / 2, nb);
        for (const IDSelector* sel : {static_cast<const IDSelector*>(nullptr),
                                      static_cast<const IDSelector*>(&odd_half)}) {
            SearchParameters params;
            params.sel = sel;
            RangeSearchResult res(nq);
            index.range_search(nq, xq.data(), radius, &res, &params);
            for (size_t q = 0; q < nq; q++) {
                std::set<idx_t> expected;
                for (size_t j = 0; j < nb; j++) {
                    double dis = test::exact_distance(xq.data() + q * d, xb.data() + j * d, d, metric);
                    bool hit = metric == METRIC_L2 ? dis < radius : dis > radius;
                    // Leave out points within rounding of the radius.
                    if (std::abs(dis - radius) < 1e-3 * std::max(1.0, std::abs(double(radius)))) {
                        continue;
                    }
                    if (hit && (!sel || sel->is_member(idx_t(j)))) {
                        expected.insert(idx_t(j));
                    }
                }
                std::set<idx_t> got;
                for (size_t i = res.lims[q]; i < res.lims[q + 1]; i++) {
                    got.insert(res.labels[i]);
                    double dis = test::exact_distance(
                            xq.data() + q * d, xb.data() + size_t(res.labels[i]) * d, d, metric);
                    EXPECT_NEAR(res.distances[i], dis, 1e-3 * std::max(1.0, std::abs(dis)));
                }
                for (idx_t id : expected) {
                    EXPECT_TRUE(got.count(id)) << "query " << q << " missed " << id;
                }
                for (idx_t id : got) {
                    EXPECT_TRUE(!sel || sel->is_member(id));
                }
            }
        }
    }
}

TEST(IndexFlat, RemoveIdsCompactsAndShiftsIds) {
    const size_t d = 6, nb = 100;
    auto xb = clustered_vectors(nb, d, 8);
    IndexFlatL2 index(d);
    index.add(nb, xb.data());
    IDSelectorRange sel(10, 20);
    EXPECT_EQ(index.remove_ids(sel), 10u);
    EXPECT_EQ(index.ntotal, idx_t(nb - 10));
    std::vector<float> v(d);
    index.reconstruct(10, v.data()); // former row 20
    EXPECT_EQ(0, std::memcmp(v.data(), xb.data() + 20 * d, d * sizeof(float)));
    // The cached norms followed the compaction: searching a stored vector finds it at 0.
    float D;
    idx_t I;
    index.search(1, xb.data() + 50 * d, 1, &D, &I);
    EXPECT_EQ(I, 40);
    EXPECT_NEAR(D, 0.0f, 1e-2);
    IDSelectorRange none(1000, 2000);
    EXPECT_EQ(index.remove_ids(none), 0u);
    EXPECT_EQ(index.ntotal, idx_t(nb - 10));
}

// Without the norm cache (as a graph index's storage keeps it) searches are
// still exact, removals and adds keep working, and turning the cache back on
// rebuilds it from the stored vectors.
TEST(IndexFlat, SearchWithoutNormCacheIsExact) {
    const size_t d = 24, nb = 1500, nq = 30, k = 7;
    auto xb = clustered_vectors(nb, d, 11);
    auto xq = clustered_vectors(nq, d, 12);
    IndexFlatL2 index(d);
    EXPECT_TRUE(index.l2norms_cached());
    index.set_l2norms_cached(false);
    EXPECT_FALSE(index.l2norms_cached());
    index.add(nb - 100, xb.data());
    IDSelectorRange sel(0, 100);
    index.remove_ids(sel);
    index.add(100, xb.data() + (nb - 100) * d);
    // Rows 100..nb-1 then rows nb-100..nb-1: compare with the same rows.
    std::vector<float> stored(xb.begin() + 100 * d, xb.begin() + (nb - 100) * d);
    stored.insert(stored.end(), xb.begin() + (nb - 100) * d, xb.end());
    size_t ns = stored.size() / d;
    auto ref = brute_force_knn(xq.data(), nq, stored.data(), ns, d, k, METRIC_L2);
    for (bool cached : {false, true}) {
        index.set_l2norms_cached(cached);
        std::vector<float> D(nq * k);
        std::vector<idx_t> I(nq * k);
        index.search(nq, xq.data(), k, D.data(), I.data());
        expect_knn_equal(ref, D.data(), I.data(), nq, k, xq.data(), stored.data(), d, METRIC_L2);
    }
}

TEST(IndexFlat, ReconstructAndSearchAndReconstruct) {
    const size_t d = 10, nb = 50, k = 4;
    auto xb = clustered_vectors(nb, d, 9);
    IndexFlatIP index(d);
    index.add(nb, xb.data());
    std::vector<float> all(nb * d);
    index.reconstruct_n(0, nb, all.data());
    EXPECT_EQ(all, xb);
    std::vector<float> batch(2 * d);
    idx_t keys[2] = {7, 3};
    index.reconstruct_batch(2, keys, batch.data());
    EXPECT_EQ(0, std::memcmp(batch.data(), xb.data() + 7 * d, d * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(batch.data() + d, xb.data() + 3 * d, d * sizeof(float)));

    std::vector<float> D(k), recons(k * d);
    std::vector<idx_t> I(k);
    index.search_and_reconstruct(1, xb.data(), k, D.data(), I.data(), recons.data());
    for (size_t i = 0; i < k; i++) {
        EXPECT_EQ(0, std::memcmp(recons.data() + i * d, xb.data() + I[i] * d, d * sizeof(float)));
    }
    EXPECT_THROW(index.reconstruct(nb, all.data()), FaisslikeException);
    EXPECT_THROW(index.reconstruct(-1, all.data()), FaisslikeException);
    EXPECT_THROW(index.reconstruct_n(45, 10, all.data()), FaisslikeException);
}

TEST(IndexFlat, MergeFromMovesEverything) {
    const size_t d = 8, na = 30, nb = 20;
    auto xa = clustered_vectors(na, d, 10);
    auto xb = clustered_vectors(nb, d, 11);
    IndexFlatL2 a(d), b(d);
    a.add(na, xa.data());
    b.add(nb, xb.data());
    a.merge_from(b);
    EXPECT_EQ(a.ntotal, idx_t(na + nb));
    EXPECT_EQ(b.ntotal, 0);
    float D;
    idx_t I;
    a.search(1, xb.data() + 5 * d, 1, &D, &I);
    EXPECT_EQ(I, idx_t(na + 5));
    IndexFlatL2 other_dim(d + 1);
    EXPECT_THROW(a.merge_from(other_dim), FaisslikeException);
    IndexFlatIP other_metric(d);
    EXPECT_THROW(a.merge_from(other_metric), FaisslikeException);
    EXPECT_THROW(a.merge_from(b, 5), FaisslikeException);
    EXPECT_EQ(a.ntotal, idx_t(na + nb));
}

TEST(IndexFlat, BadInputThrowsAndLeavesIndexUnchanged) {
    const size_t d = 8, nb = 20;
    auto xb = clustered_vectors(nb, d, 12);
    IndexFlatL2 index(d);
    index.add(nb, xb.data());
    std::vector<float> D(10);
    std::vector<idx_t> I(10);
    EXPECT_THROW(index.search(1, xb.data(), 0, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, xb.data(), -3, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(-1, xb.data(), 1, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, nullptr, 1, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, xb.data(), 1, nullptr, I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, xb.data(), 1, D.data(), nullptr), FaisslikeException);
    EXPECT_THROW(index.add(-1, xb.data()), FaisslikeException);
    EXPECT_THROW(index.add(3, nullptr), FaisslikeException);
    EXPECT_THROW(index.range_search(1, xb.data(), 1.0f, nullptr), FaisslikeException);
    idx_t ids[1] = {0};
    try {
        index.add_with_ids(1, xb.data(), ids);
        FAIL() << "add_with_ids on IndexFlat must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("add_with_ids not implemented"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("IndexFlatL2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("IDMap"), std::string::npos) << e.what();
    }
    EXPECT_THROW(IndexFlat(d, METRIC_L1), FaisslikeException);
    EXPECT_THROW(IndexFlatL2(-4), FaisslikeException);
    EXPECT_EQ(index.ntotal, idx_t(nb));
    std::vector<float> all(nb * d);
    index.reconstruct_n(0, nb, all.data());
    EXPECT_EQ(all, xb);
}

TEST(IndexFlat, ZeroVectorsIsANoOp) {
    IndexFlatL2 index(4);
    index.add(0, nullptr);
    index.search(0, nullptr, 5, nullptr, nullptr);
    EXPECT_EQ(index.ntotal, 0);
}

TEST(IndexFlat, ConcurrentSearchesAgree) {
    const size_t d = 32, nb = 5000, nq = 40, k = 10;
    auto xb = clustered_vectors(nb, d, 13);
    auto xq = clustered_vectors(nq, d, 14);
    IndexFlatL2 index(d);
    index.add(nb, xb.data());

    // One batch search and nq single-query searches (the two kernel paths).
    struct Result {
        std::vector<float> batch_D, single_D;
        std::vector<idx_t> batch_I, single_I;
    };
    auto run = [&](Result& r) {
        r.batch_D.resize(nq * k), r.single_D.resize(nq * k);
        r.batch_I.resize(nq * k), r.single_I.resize(nq * k);
        index.search(nq, xq.data(), k, r.batch_D.data(), r.batch_I.data());
        for (size_t q = 0; q < nq; q++) {
            index.search(1, xq.data() + q * d, k, r.single_D.data() + q * k,
                         r.single_I.data() + q * k);
        }
    };
    Result reference;
    run(reference);

    const int nthreads = 8;
    std::vector<Result> results(nthreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < nthreads; t++) {
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 3; rep++) {
                run(results[t]);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (int t = 0; t < nthreads; t++) {
        EXPECT_EQ(results[t].batch_I, reference.batch_I) << "thread " << t;
        EXPECT_EQ(results[t].batch_D, reference.batch_D) << "thread " << t;
        EXPECT_EQ(results[t].single_I, reference.single_I) << "thread " << t;
        EXPECT_EQ(results[t].single_D, reference.single_D) << "thread " << t;
    }
}

} // namespace
} // namespace faisslike
