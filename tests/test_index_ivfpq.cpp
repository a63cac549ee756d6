// IndexIVFPQ against brute force over the decoded vectors of the probed
// lists: every table mode (precomputed, per-list, on the fly, no residual,
// inner product), recall, selectors, range search, direct map, codec,
// removal, merge, determinism, bad input.

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

constexpr size_t kD = 32, kNb = 5000, kNq = 40, kNlist = 32, kK = 10;

struct Config {
    MetricType metric = METRIC_L2;
    size_t M = 8;
    size_t nbits = 8;
    bool by_residual = true;
};

std::string config_name(const Config& c) {
    return std::string(c.metric == METRIC_L2 ? "L2" : "IP") + "_M" + std::to_string(c.M) + "_nbits" +
            std::to_string(c.nbits) + (c.by_residual ? "_residual" : "_raw");
}

void PrintTo(const Config& c, std::ostream* os) {
    *os << config_name(c);
}

struct Fixture {
    std::vector<float> xb = clustered_vectors(kNb, kD, 60, 50);
    std::vector<float> xq = clustered_vectors(kNq, kD, 61, 50);

    std::unique_ptr<IndexIVFPQ> make(const Config& c = {}, bool fill = true) const {
        auto index = std::make_unique<IndexIVFPQ>(new IndexFlat(kD, c.metric), kD, kNlist, c.M,
                                                  c.nbits, c.metric);
        index->own_fields = true;
        index->by_residual = c.by_residual;
        index->cp.niter = 10;
        index->pq.cp.niter = 5;
        index->train(kNb, xb.data());
        if (fill) {
            index->add(kNb, xb.data());
        }
        return index;
    }
};

/// Exact search among the decoded vectors of the lists the quantizer picks
/// for each query (the result an IVFPQ search must give), optionally
/// restricted to the ids of a selector. Ids must be 0 .. ntotal - 1.
test::KnnResult reference_search(const IndexIVFPQ& index, const float* xq, size_t nq, size_t k,
                                 size_t nprobe, const IDSelector* sel = nullptr) {
    const size_t nb = size_t(index.ntotal), d = size_t(index.d);
    std::vector<float> y(nb * d);
    index.reconstruct_n(0, index.ntotal, y.data());
    std::vector<idx_t> list_of(nb, -1);
    for (size_t l = 0; l < index.nlist; l++) {
        const idx_t* ids = index.invlists->get_ids(l);
        for (size_t j = 0; j < index.invlists->list_size(l); j++) {
            list_of[size_t(ids[j])] = idx_t(l);
        }
    }
    std::vector<float> cd(nq * nprobe);
    std::vector<idx_t> probed(nq * nprobe);
    index.quantizer->search(nq, xq, nprobe, cd.data(), probed.data());
    test::KnnResult ref;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> lists(probed.begin() + q * nprobe, probed.begin() + (q + 1) * nprobe);
        auto one = test::brute_force_knn(xq + q * d, 1, y.data(), nb, d, k, index.metric_type,
                                         [&](idx_t id) {
                                             return lists.count(list_of[size_t(id)]) &&
                                                     (!sel || sel->is_member(id));
                                         });
        ref.D.insert(ref.D.end(), one.D.begin(), one.D.end());
        ref.I.insert(ref.I.end(), one.I.begin(), one.I.end());
    }
    return ref;
}

/// Searches and checks the result against reference_search.
void expect_exact_over_probed(const IndexIVFPQ& index, const float* xq, size_t nq, size_t nprobe,
                              const IDSelector* sel = nullptr) {
    SearchParametersIVF params;
    params.nprobe = nprobe;
    params.sel = sel;
    std::vector<float> D(nq * kK);
    std::vector<idx_t> I(nq * kK);
    index.search(nq, xq, kK, D.data(), I.data(), &params);
    auto ref = reference_search(index, xq, nq, kK, nprobe, sel);
    std::vector<float> y(size_t(index.ntotal) * kD);
    index.reconstruct_n(0, index.ntotal, y.data());
    test::expect_knn_equal(ref, D.data(), I.data(), nq, kK, xq, y.data(), kD, index.metric_type);
}

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

class IVFPQModes : public ::testing::TestWithParam<Config> {};

TEST_P(IVFPQModes, SearchIsExactOverDecodedVectorsOfProbedLists) {
    Fixture f;
    auto index = f.make(GetParam());
    if (GetParam().metric == METRIC_L2 && GetParam().by_residual) {
        EXPECT_EQ(index->use_precomputed_table, 1);
        EXPECT_EQ(index->precomputed_table.size(), kNlist * index->pq.M * index->pq.ksub);
    } else {
        EXPECT_TRUE(index->precomputed_table.empty());
    }
    for (size_t nprobe : {size_t(1), size_t(5), kNlist}) {
        expect_exact_over_probed(*index, f.xq.data(), kNq, nprobe);
        expect_exact_over_probed(*index, f.xq.data(), 1, nprobe); // lists split over threads
    }
}

INSTANTIATE_TEST_SUITE_P(
        IVFPQ,
        IVFPQModes,
        ::testing::Values(Config{METRIC_L2, 8, 8, true}, Config{METRIC_L2, 8, 8, false},
                          Config{METRIC_INNER_PRODUCT, 8, 8, true},
                          Config{METRIC_INNER_PRODUCT, 8, 8, false}, Config{METRIC_L2, 4, 6, true},
                          Config{METRIC_L2, 16, 8, true}),
        [](const auto& info) { return config_name(info.param); });

TEST(IndexIVFPQ, TableModesGiveTheSameResults) {
    Fixture f;
    auto index = f.make();
    const size_t nprobe = 6;
    // Precomputed table (the default after training L2 + residual).
    expect_exact_over_probed(*index, f.xq.data(), kNq, nprobe);
    // Per-list residual tables.
    index->use_precomputed_table = -1;
    expect_exact_over_probed(*index, f.xq.data(), kNq, nprobe);
    index->use_precomputed_table = 0;
    index->precompute_table();
    EXPECT_EQ(index->use_precomputed_table, 1);
    // Lists shorter than the threshold (here all) decoded code by code.
    index->scan_table_threshold = kNb;
    expect_exact_over_probed(*index, f.xq.data(), kNq, nprobe);
    index->use_precomputed_table = -1;
    index->precompute_table();
    EXPECT_TRUE(index->precomputed_table.empty());
    expect_exact_over_probed(*index, f.xq.data(), kNq, nprobe);
}

TEST(IndexIVFPQ, TableTooLargeIsNotBuilt) {
    Fixture f;
    auto index = f.make({}, false);
    const size_t saved = precomputed_table_max_bytes;
    precomputed_table_max_bytes = 1000;
    index->use_precomputed_table = 0;
    index->precompute_table();
    precomputed_table_max_bytes = saved;
    EXPECT_EQ(index->use_precomputed_table, 0);
    EXPECT_TRUE(index->precomputed_table.empty());
    index->add(kNb, f.xb.data());
    expect_exact_over_probed(*index, f.xq.data(), kNq, 4);
}

TEST(IndexIVFPQ, RecallGrowsWithNprobe) {
    Fixture f;
    auto index = f.make(Config{METRIC_L2, 16, 8, true});
    auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, kK, METRIC_L2);
    double previous = 0;
    for (size_t nprobe : {1, 2, 4, 8, 16, 32}) {
        SearchParametersIVF params;
        params.nprobe = nprobe;
        std::vector<float> D(kNq * kK);
        std::vector<idx_t> I(kNq * kK);
        index->search(kNq, f.xq.data(), kK, D.data(), I.data(), &params);
        double r = recall_at(ref, I, kNq, kK);
        EXPECT_GE(r, previous) << "nprobe " << nprobe;
        previous = r;
        if (nprobe == 1) {
            EXPECT_GE(r, 0.4);
        }
        if (nprobe == 4) {
            EXPECT_GE(r, 0.65);
        }
        if (nprobe == 32) {
            EXPECT_GE(r, 0.75);
        }
    }
}

TEST(IndexIVFPQ, SingleQueryAndBatchAgree) {
    Fixture f;
    auto index = f.make();
    index->nprobe = 6;
    std::vector<float> D(kNq * kK), D1(kK);
    std::vector<idx_t> I(kNq * kK), I1(kK);
    index->search(kNq, f.xq.data(), kK, D.data(), I.data());
    for (size_t q = 0; q < kNq; q++) {
        index->search(1, f.xq.data() + q * kD, kK, D1.data(), I1.data());
        for (size_t i = 0; i < kK; i++) {
            EXPECT_EQ(I1[i], I[q * kK + i]);
            EXPECT_EQ(D1[i], D[q * kK + i]);
        }
    }
}

TEST(IndexIVFPQ, SelectorsFilterExactly) {
    Fixture f;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto index = f.make(Config{metric, 8, 8, true});
        std::vector<idx_t> listed;
        for (idx_t i = 3; i < idx_t(kNb); i += 5) {
            listed.push_back(i);
        }
        IDSelectorRange range(2000, 2600);
        IDSelectorBatch batch(listed.size(), listed.data());
        for (const IDSelector* sel : {static_cast<const IDSelector*>(&range),
                                      static_cast<const IDSelector*>(&batch)}) {
            expect_exact_over_probed(*index, f.xq.data(), kNq, 8, sel);
            expect_exact_over_probed(*index, f.xq.data(), 1, 8, sel);
        }
    }
}

TEST(IndexIVFPQ, RangeSearchMatchesBruteForce) {
    Fixture f;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto index = f.make(Config{metric, 8, 8, true});
        index->nprobe = kNlist;
        std::vector<float> y(kNb * kD);
        index->reconstruct_n(0, kNb, y.data());
        auto probe = test::brute_force_knn(f.xq.data(), 1, y.data(), kNb, kD, 30, metric);
        const float radius = probe.D[29];
        RangeSearchResult res(kNq);
        index->range_search(kNq, f.xq.data(), radius, &res);
        for (size_t q = 0; q < kNq; q++) {
            std::set<idx_t> got(res.labels + res.lims[q], res.labels + res.lims[q + 1]);
            for (size_t j = 0; j < kNb; j++) {
                double e = test::exact_distance(f.xq.data() + q * kD, y.data() + j * kD, kD, metric);
                if (std::abs(e - radius) < 1e-3 * std::max(1.0, std::abs(double(radius)))) {
                    continue;
                }
                bool in = metric == METRIC_L2 ? e < radius : e > radius;
                ASSERT_EQ(in, got.count(idx_t(j)) == 1) << "query " << q << " id " << j;
            }
        }
    }
}

TEST(IndexIVFPQ, ReconstructWithinQuantizationError) {
    Fixture f;
    auto index = f.make();
    std::vector<float> v(kD);
    try {
        index->reconstruct(5, v.data());
        FAIL() << "reconstruct without direct map must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("direct map not initialized"), std::string::npos);
    }
    index->make_direct_map();
    std::vector<float> all(kNb * kD);
    index->reconstruct_n(0, kNb, all.data());
    double err = 0, var = 0;
    std::vector<double> mean(kD, 0);
    for (size_t i = 0; i < kNb; i++) {
        for (size_t j = 0; j < kD; j++) {
            mean[j] += f.xb[i * kD + j] / double(kNb);
        }
    }
    for (size_t i = 0; i < kNb; i++) {
        index->reconstruct(idx_t(i), v.data());
        ASSERT_TRUE(std::equal(v.begin(), v.end(), all.begin() + i * kD)) << "id " << i;
        for (size_t j = 0; j < kD; j++) {
            err += (v[j] - f.xb[i * kD + j]) * (v[j] - f.xb[i * kD + j]);
            var += (f.xb[i * kD + j] - mean[j]) * (f.xb[i * kD + j] - mean[j]);
        }
    }
    EXPECT_LT(err, 0.05 * var);
}

TEST(IndexIVFPQ, StandaloneCodesMatchStoredCodes) {
    Fixture f;
    auto index = f.make();
    const size_t n = 300, ccs = index->coarse_code_size();
    ASSERT_EQ(index->sa_code_size(), ccs + index->pq.code_size);
    std::vector<uint8_t> codes(n * index->sa_code_size());
    index->sa_encode(n, f.xb.data(), codes.data());
    std::map<idx_t, std::pair<size_t, const uint8_t*>> stored;
    for (size_t l = 0; l < kNlist; l++) {
        for (size_t j = 0; j < index->invlists->list_size(l); j++) {
            stored[index->invlists->get_single_id(l, j)] = {l, index->invlists->get_single_code(l, j)};
        }
    }
    std::vector<float> decoded(n * kD), rec(kD);
    index->sa_decode(n, codes.data(), decoded.data());
    for (size_t i = 0; i < n; i++) {
        const uint8_t* c = codes.data() + i * index->sa_code_size();
        auto [list, code] = stored.at(idx_t(i));
        ASSERT_EQ(c[0], uint8_t(list)) << "id " << i;
        ASSERT_EQ(0, std::memcmp(c + ccs, code, index->pq.code_size)) << "id " << i;
        index->reconstruct_n(idx_t(i), 1, rec.data());
        ASSERT_TRUE(std::equal(rec.begin(), rec.end(), decoded.begin() + i * kD)) << "id " << i;
    }
}

TEST(IndexIVFPQ, RemoveIdsNeverReturnsRemoved) {
    Fixture f;
    auto index = f.make();
    IDSelectorRange sel(0, 2500);
    EXPECT_EQ(index->remove_ids(sel), 2500u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 2500));
    index->nprobe = kNlist;
    std::vector<float> D(kNq * kK);
    std::vector<idx_t> I(kNq * kK);
    index->search(kNq, f.xq.data(), kK, D.data(), I.data());
    for (idx_t id : I) {
        EXPECT_GE(id, 2500);
    }
}

TEST(IndexIVFPQ, MergeFromEqualsOneIndex) {
    Fixture f;
    auto whole = f.make();
    auto a = f.make({}, false);
    auto b = f.make({}, false);
    a->add(kNb / 2, f.xb.data());
    b->add(kNb - kNb / 2, f.xb.data() + kNb / 2 * kD);
    a->merge_from(*b, kNb / 2);
    EXPECT_EQ(a->ntotal, idx_t(kNb));
    EXPECT_EQ(b->ntotal, 0);
    a->nprobe = whole->nprobe = 5;
    std::vector<float> D1(kNq * kK), D2(kNq * kK);
    std::vector<idx_t> I1(kNq * kK), I2(kNq * kK);
    a->search(kNq, f.xq.data(), kK, D1.data(), I1.data());
    whole->search(kNq, f.xq.data(), kK, D2.data(), I2.data());
    EXPECT_EQ(I1, I2);
    EXPECT_EQ(D1, D2);
    // Same coarse quantizer, other PQ: refused, nothing moves.
    auto c = f.make({}, false);
    c->pq.centroids[7] += 1;
    c->add(10, f.xb.data());
    EXPECT_THROW(a->merge_from(*c), FaisslikeException);
    EXPECT_EQ(a->ntotal, idx_t(kNb));
    EXPECT_EQ(c->ntotal, 10);
}

TEST(IndexIVFPQ, SameSeedSameCodes) {
    Fixture f;
    auto a = f.make(), b = f.make();
    EXPECT_EQ(a->pq.centroids, b->pq.centroids);
    EXPECT_EQ(a->precomputed_table, b->precomputed_table);
    for (size_t l = 0; l < kNlist; l++) {
        ASSERT_EQ(a->get_list_size(l), b->get_list_size(l));
        size_t bytes = a->get_list_size(l) * a->code_size;
        EXPECT_EQ(0, std::memcmp(a->invlists->get_codes(l), b->invlists->get_codes(l), bytes));
    }
}

TEST(IndexIVFPQ, BadInputThrowsAndChangesNothing) {
    Fixture f;
    IndexFlatL2 q(kD);
    EXPECT_THROW(IndexIVFPQ(&q, kD, kNlist, 5, 8), FaisslikeException); // 32 % 5 != 0
    EXPECT_THROW(IndexIVFPQ(&q, kD, kNlist, 8, 0), FaisslikeException);
    EXPECT_THROW(IndexIVFPQ(&q, kD, kNlist, 8, 17), FaisslikeException);

    IndexIVFPQ index(&q, kD, kNlist, 8, 8);
    EXPECT_FALSE(index.is_trained);
    std::vector<float> D(kK);
    std::vector<idx_t> I(kK);
    EXPECT_THROW(index.add(10, f.xb.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, f.xq.data(), kK, D.data(), I.data()), FaisslikeException);
    // Too few vectors for 256 PQ centroids: refused before the quantizer is trained.
    EXPECT_THROW(index.train(200, f.xb.data()), FaisslikeException);
    EXPECT_EQ(q.ntotal, 0);
    EXPECT_FALSE(index.is_trained);
    index.do_polysemous_training = true;
    EXPECT_THROW(index.train(kNb, f.xb.data()), FaisslikeException);
    EXPECT_EQ(q.ntotal, 0);
    index.do_polysemous_training = false;

    index.cp.niter = 10;
    index.pq.cp.niter = 5;
    index.train(kNb, f.xb.data());
    index.add(1000, f.xb.data());
    EXPECT_THROW(index.search(1, f.xq.data(), 0, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index.search(1, f.xq.data(), -1, D.data(), I.data()), FaisslikeException);
    auto bad = f.xb;
    bad[500 * kD + 3] = NAN;
    EXPECT_THROW(index.add(1000, bad.data()), FaisslikeException);
    EXPECT_EQ(index.ntotal, 1000);
    EXPECT_EQ(index.invlists->compute_ntotal(), 1000u);
    EXPECT_THROW(index.train(kNb, f.xb.data()), FaisslikeException); // would orphan the codes

    index.polysemous_ht = 20;
    EXPECT_THROW(index.search(1, f.xq.data(), kK, D.data(), I.data()), FaisslikeException);
    index.polysemous_ht = 0;
    index.use_precomputed_table = 2;
    EXPECT_THROW(index.search(1, f.xq.data(), kK, D.data(), I.data()), FaisslikeException);
    index.use_precomputed_table = 1;
    index.precomputed_table.clear();
    EXPECT_THROW(index.search(1, f.xq.data(), kK, D.data(), I.data()), FaisslikeException);
    index.precompute_table();
    index.search(1, f.xq.data(), kK, D.data(), I.data());
    EXPECT_EQ(index.ntotal, 1000);
}

} // namespace
} // namespace faisslike
