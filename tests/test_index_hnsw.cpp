// The HNSW family against brute force: recall of each storage, efSearch,
// filtered search, removal and compaction, bad input, concurrency,
// determinism, and HNSW as the coarse quantizer of IVF indexes.

#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>
#include <faisslike/utils/huge_pages.h>

#include "test_util.h"

namespace faisslike {
namespace {

constexpr size_t kD = 32, kNb = 5000, kNq = 100, kK = 10;

/// Clustered points of a low-dimensional space embedded linearly in kD
/// dimensions: real embeddings have a low intrinsic dimension, which is what
/// graph indexes exploit (isotropic noise in all kD dimensions would make any
/// approximate method look poor).
std::vector<float> embedded_vectors(size_t n, int64_t seed, size_t latent = 8) {
    std::vector<float> z = test::clustered_vectors(n, latent, seed, 40);
    std::mt19937 rng(7);
    std::normal_distribution<float> gauss(0.f, 1.f);
    std::vector<float> proj(latent * kD);
    for (float& v : proj) {
        v = gauss(rng);
    }
    std::vector<float> x(n * kD, 0.f);
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < latent; l++) {
            for (size_t j = 0; j < kD; j++) {
                x[i * kD + j] += z[i * latent + l] * proj[l * kD + j] / 16;
            }
        }
    }
    return x;
}

std::vector<float> normalized(std::vector<float> x) {
    for (size_t i = 0; i < x.size() / kD; i++) {
        float n = 0;
        for (size_t j = 0; j < kD; j++) {
            n += x[i * kD + j] * x[i * kD + j];
        }
        n = std::sqrt(n);
        for (size_t j = 0; j < kD; j++) {
            x[i * kD + j] /= n;
        }
    }
    return x;
}

struct Data {
    std::vector<float> xb = embedded_vectors(kNb, 10);
    std::vector<float> xq = embedded_vectors(kNq, 11);
};

const Data& data() {
    static const Data d;
    return d;
}

struct Result {
    std::vector<float> D;
    std::vector<idx_t> I;
};

Result search(const Index& index, const std::vector<float>& xq, size_t k = kK,
              const SearchParameters* params = nullptr) {
    size_t nq = xq.size() / size_t(index.d);
    Result r{std::vector<float>(nq * k), std::vector<idx_t>(nq * k)};
    index.search(idx_t(nq), xq.data(), idx_t(k), r.D.data(), r.I.data(), params);
    return r;
}

/// Fraction of the true k nearest neighbours found, over all queries.
double recall(const test::KnnResult& ref, const std::vector<idx_t>& I, size_t k = kK) {
    size_t nq = I.size() / k, hits = 0, total = 0;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> truth;
        for (size_t i = 0; i < k; i++) {
            if (ref.I[q * k + i] >= 0) {
                truth.insert(ref.I[q * k + i]);
            }
        }
        for (size_t i = 0; i < k; i++) {
            hits += truth.count(I[q * k + i]);
        }
        total += truth.size();
    }
    return total ? double(hits) / double(total) : 1.0;
}

test::KnnResult exact(const std::vector<float>& xb, const std::vector<float>& xq, MetricType metric,
                      size_t k = kK, const std::function<bool(idx_t)>& keep = {}) {
    return test::brute_force_knn(xq.data(), xq.size() / kD, xb.data(), xb.size() / kD, kD, k, metric,
                                 keep);
}

std::unique_ptr<IndexHNSWFlat> flat_index(MetricType metric = METRIC_L2, const std::vector<float>* xb = nullptr) {
    auto index = std::make_unique<IndexHNSWFlat>(int(kD), 16, metric);
    const std::vector<float>& base = xb ? *xb : data().xb;
    index->add(idx_t(base.size() / kD), base.data());
    return index;
}

TEST(IndexHNSW, FlatRecallL2) {
    auto index = flat_index();
    EXPECT_EQ(index->ntotal, idx_t(kNb));
    EXPECT_EQ(index->hnsw.levels.size(), kNb);
    index->hnsw.efSearch = 64;
    auto r = search(*index, data().xq);
    double rec = recall(exact(data().xb, data().xq, METRIC_L2), r.I);
    EXPECT_GE(rec, 0.97);
    // Reported distances are the exact distances of the returned vectors, best first.
    for (size_t q = 0; q < kNq; q++) {
        for (size_t i = 0; i < kK; i++) {
            float truth = float(test::exact_distance(data().xq.data() + q * kD,
                                                     data().xb.data() + size_t(r.I[q * kK + i]) * kD, kD,
                                                     METRIC_L2));
            EXPECT_NEAR(r.D[q * kK + i], truth, 1e-3 * std::max(1.f, truth));
            if (i > 0) {
                EXPECT_LE(r.D[q * kK + i - 1], r.D[q * kK + i]);
            }
        }
    }
}

// The walks never run the flat storage's brute-force search, so an
// IndexHNSWFlat keeps no norm cache (memory per vector as Faiss's), neither
// when built nor when read back from a file.
TEST(IndexHNSW, FlatStorageKeepsNoNormCache) {
    auto index = flat_index();
    auto flat = dynamic_cast<IndexFlat*>(index->storage);
    ASSERT_NE(flat, nullptr);
    EXPECT_FALSE(flat->l2norms_cached());
    std::unique_ptr<Index> back(deserialize_index(serialize_index(index.get())));
    auto read = dynamic_cast<IndexHNSW*>(back.get());
    ASSERT_NE(read, nullptr);
    auto read_flat = dynamic_cast<IndexFlat*>(read->storage);
    ASSERT_NE(read_flat, nullptr);
    EXPECT_FALSE(read_flat->l2norms_cached());
    // The storage's own search stays exact.
    std::vector<float> D(kNq * kK);
    std::vector<idx_t> I(kNq * kK);
    read_flat->search(kNq, data().xq.data(), kK, D.data(), I.data());
    EXPECT_EQ(recall(exact(data().xb, data().xq, METRIC_L2), I), 1.0);
}

TEST(IndexHNSW, FlatRecallInnerProduct) {
    std::vector<float> xb = normalized(data().xb), xq = normalized(data().xq);
    auto index = flat_index(METRIC_INNER_PRODUCT, &xb);
    index->hnsw.efSearch = 64;
    auto r = search(*index, xq);
    EXPECT_GE(recall(exact(xb, xq, METRIC_INNER_PRODUCT), r.I), 0.97);
    for (size_t q = 0; q < kNq; q++) {
        for (size_t i = 1; i < kK; i++) {
            EXPECT_GE(r.D[q * kK + i - 1], r.D[q * kK + i]) << "similarities must decrease";
        }
    }
}

TEST(IndexHNSW, PQRecall) {
    // 6-bit codes: the general code layout, and a quick training.
    IndexHNSWPQ index(int(kD), 8, 16, 6);
    EXPECT_FALSE(index.is_trained);
    index.train(idx_t(kNb), data().xb.data());
    EXPECT_TRUE(index.is_trained);
    index.add(idx_t(kNb), data().xb.data());
    index.hnsw.efSearch = 64;
    auto r = search(index, data().xq);
    // Against the exact neighbours the codes themselves lose some recall;
    // against an exhaustive scan of the same codes, the graph loses little.
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), r.I), 0.5);
    auto& storage = dynamic_cast<IndexPQ&>(*index.storage);
    auto scan = search(storage, data().xq);
    test::KnnResult ref{scan.D, scan.I};
    EXPECT_GE(recall(ref, r.I), 0.93);
}

TEST(IndexHNSW, SQRecall) {
    IndexHNSWSQ index(int(kD), ScalarQuantizer::QT_8bit, 16);
    EXPECT_FALSE(index.is_trained);
    index.train(idx_t(kNb), data().xb.data());
    index.add(idx_t(kNb), data().xb.data());
    index.hnsw.efSearch = 64;
    auto r = search(index, data().xq);
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), r.I), 0.93);
    auto scan = search(*index.storage, data().xq);
    EXPECT_GE(recall(test::KnnResult{scan.D, scan.I}, r.I), 0.95);

    // fp16 needs no training.
    IndexHNSWSQ fp16(int(kD), ScalarQuantizer::QT_fp16, 16, METRIC_INNER_PRODUCT);
    EXPECT_TRUE(fp16.is_trained);
    std::vector<float> xb = normalized(data().xb), xq = normalized(data().xq);
    fp16.add(idx_t(kNb), xb.data());
    fp16.hnsw.efSearch = 64;
    EXPECT_GE(recall(exact(xb, xq, METRIC_INNER_PRODUCT), search(fp16, xq).I), 0.95);
}

TEST(IndexHNSW, RecallGrowsWithEfSearch) {
    // A small M keeps the graph sparse so that a short candidate list misses
    // neighbours. For a fixed graph a longer list explores more, so recall
    // rises in expectation; over 1000 results a single query may trade one
    // neighbour for another, hence a tolerance of 2 results per step.
    IndexHNSWFlat index(int(kD), 4);
    index.add(idx_t(kNb), data().xb.data());
    auto ref = exact(data().xb, data().xq, METRIC_L2);
    double previous = 0, first = 0;
    for (int ef : {10, 20, 40, 80, 160, 320}) {
        SearchParametersHNSW params;
        params.efSearch = ef;
        double rec = recall(ref, search(index, data().xq, kK, &params).I);
        EXPECT_GE(rec, previous - 0.002) << "efSearch " << ef;
        if (ef == 10) {
            first = rec;
        }
        previous = rec;
    }
    EXPECT_GE(previous - first, 0.1) << "efSearch must matter on this graph";
    EXPECT_GE(previous, 0.97);
}

// A graph (1-d, M = 2) where level 1's greedy descent stops at a local
// minimum: from the entry E (7) the query 9 sees P (4.5) and Q (14), both
// farther than E, while R (9.5) hangs off Q, and level 0 does not join
// {E, P} to {Q, R}. Faiss's greedy descent (upper_beam 1) returns E; a beam
// of 2 keeps E and P and still misses R; a beam of 4 keeps Q, finds R and
// starts level 0 there.
TEST(IndexHNSW, UpperBeamEscapesALocalMinimumOfTheDescent) {
    IndexHNSWFlat index(1, 2);
    const float x[4] = {7.0f, 4.5f, 14.0f, 9.5f}; // E, P, Q, R
    index.storage->add(4, x);
    index.ntotal = 4;
    HNSW& g = index.hnsw;
    ASSERT_EQ(g.cum_nb_neighbors(1), 4);
    ASSERT_EQ(g.cum_nb_neighbors(2), 6);
    g.levels.assign(4, 2);
    g.offsets = {0, 6, 12, 18, 24};
    g.neighbors = {
            1, -1, -1, -1, /* level 1 */ 1, 2,   // E
            0, -1, -1, -1, /* level 1 */ 0, -1,  // P
            3, -1, -1, -1, /* level 1 */ 0, 3,   // Q
            2, -1, -1, -1, /* level 1 */ 2, -1}; // R
    g.entry_point = 0;
    g.max_level = 1;
    const float q = 9.0f;
    float D;
    idx_t I;
    auto nearest = [&](int upper_beam) {
        SearchParametersHNSW params;
        params.efSearch = 1;
        params.upper_beam = upper_beam;
        index.search(1, &q, 1, &D, &I, &params);
        return I;
    };
    EXPECT_EQ(nearest(1), 0);
    EXPECT_EQ(nearest(2), 0);
    EXPECT_EQ(nearest(4), 3);
    EXPECT_FLOAT_EQ(D, 0.25f);
    // 0 in the parameters means the index's own setting.
    g.efSearch = 1;
    EXPECT_EQ(nearest(0), 0);
    g.upper_beam = 4;
    EXPECT_EQ(nearest(0), 3);
    EXPECT_THROW(nearest(-1), FaisslikeException);
}

// A beam on level 1 never loses what the greedy descent finds on clustered
// data, and returns exact, ordered distances.
TEST(IndexHNSW, UpperBeamKeepsRecallAndExactDistances) {
    auto index = flat_index();
    index->hnsw.efSearch = 16;
    auto ref = exact(data().xb, data().xq, METRIC_L2);
    double greedy = recall(ref, search(*index, data().xq).I);
    index->hnsw.upper_beam = 4;
    auto r = search(*index, data().xq);
    EXPECT_GE(recall(ref, r.I), greedy - 0.005);
    for (size_t q = 0; q < kNq; q++) {
        for (size_t i = 0; i < kK; i++) {
            idx_t id = r.I[q * kK + i];
            ASSERT_GE(id, 0);
            float truth = float(test::exact_distance(data().xq.data() + q * kD, data().xb.data() + size_t(id) * kD,
                                                     kD, METRIC_L2));
            EXPECT_NEAR(r.D[q * kK + i], truth, 1e-3 * std::max(1.f, truth));
            if (i > 0) {
                EXPECT_LE(r.D[q * kK + i - 1], r.D[q * kK + i]);
            }
        }
    }
}

TEST(IndexHNSW, SearchParametersOverrideIndexSettings) {
    auto index = flat_index();
    SearchParametersHNSW params;
    params.efSearch = 48;
    auto with_params = search(*index, data().xq, kK, &params);
    EXPECT_EQ(index->hnsw.efSearch, 16) << "params must not change the index";
    index->hnsw.efSearch = 48;
    auto with_field = search(*index, data().xq);
    EXPECT_EQ(with_params.I, with_field.I);
    EXPECT_EQ(with_params.D, with_field.D);

    std::unique_ptr<SearchParameters> copy(params.clone());
    ASSERT_NE(dynamic_cast<SearchParametersHNSW*>(copy.get()), nullptr);
    EXPECT_EQ(dynamic_cast<SearchParametersHNSW*>(copy.get())->efSearch, 48);

    // k above efSearch: at least k candidates are kept.
    auto wide = search(*index, data().xq, 100);
    for (idx_t label : wide.I) {
        EXPECT_GE(label, 0);
    }
}

TEST(IndexHNSW, FilteredSearchKeepingOnePercent) {
    auto index = flat_index();
    std::mt19937 rng(3);
    std::vector<idx_t> kept(kNb);
    std::iota(kept.begin(), kept.end(), 0);
    std::shuffle(kept.begin(), kept.end(), rng);
    kept.resize(kNb / 100);
    IDSelectorBatch sel(kept.size(), kept.data());
    std::set<idx_t> kept_set(kept.begin(), kept.end());
    auto ref = exact(data().xb, data().xq, METRIC_L2, kK, [&](idx_t i) { return kept_set.count(i) > 0; });
    SearchParametersHNSW params;
    params.sel = &sel;
    params.efSearch = 32;
    // Default: so few selected vectors are cheaper to scan exactly.
    auto scanned = search(*index, data().xq, kK, &params);
    EXPECT_DOUBLE_EQ(recall(ref, scanned.I), 1.0);
    // Forced graph walk: it walks through unselected nodes and widens its
    // candidate list until it has found efSearch selected ones.
    index->filter_scan_threshold = 0;
    auto walked = search(*index, data().xq, kK, &params);
    EXPECT_GE(recall(ref, walked.I), 0.9);
    for (const Result* r : {&scanned, &walked}) {
        for (idx_t label : r->I) {
            ASSERT_GE(label, 0) << "50 selected vectors fill k = 10";
            EXPECT_TRUE(kept_set.count(label)) << label;
        }
    }

    // A wider range: the walk is chosen and keeps its recall.
    index->filter_scan_threshold = -1;
    IDSelectorRange range(1000, 2500);
    params.sel = &range;
    auto ranged = search(*index, data().xq, kK, &params);
    auto ref_range = exact(data().xb, data().xq, METRIC_L2, kK, [](idx_t i) { return i >= 1000 && i < 2500; });
    EXPECT_GE(recall(ref_range, ranged.I), 0.93);
    for (idx_t label : ranged.I) {
        EXPECT_TRUE(label >= 1000 && label < 2500) << label;
    }

    // Nothing selected: padded results.
    IDSelectorRange none(kNb, kNb + 10);
    params.sel = &none;
    auto empty = search(*index, data().xq, kK, &params);
    for (size_t i = 0; i < empty.I.size(); i++) {
        EXPECT_EQ(empty.I[i], -1);
        EXPECT_EQ(empty.D[i], std::numeric_limits<float>::max());
    }
}

/// Removes a random 30% (and the entry point), then checks ids, results and
/// recall against brute force on the vectors left. Returns the kept rows.
std::vector<idx_t> remove_some(IndexHNSWFlat& index) {
    std::mt19937 rng(5);
    std::vector<idx_t> removed;
    for (idx_t i = 0; i < idx_t(kNb); i++) {
        if (rng() % 10 < 3 || i == index.hnsw.entry_point) {
            removed.push_back(i);
        }
    }
    IDSelectorBatch sel(removed.size(), removed.data());
    EXPECT_EQ(index.remove_ids(sel), removed.size());
    std::set<idx_t> removed_set(removed.begin(), removed.end());
    std::vector<idx_t> kept;
    for (idx_t i = 0; i < idx_t(kNb); i++) {
        if (!removed_set.count(i)) {
            kept.push_back(i);
        }
    }
    return kept;
}

void check_after_removal(const IndexHNSWFlat& index, const std::vector<idx_t>& kept) {
    ASSERT_EQ(index.ntotal, idx_t(kept.size())) << "ntotal counts the vectors left";
    // Ids are renumbered as in IndexFlat: id j is the j-th vector left.
    std::vector<float> rows(kept.size() * kD);
    for (size_t j = 0; j < kept.size(); j++) {
        std::copy_n(data().xb.data() + size_t(kept[j]) * kD, kD, rows.data() + j * kD);
    }
    std::vector<float> v(kD);
    for (size_t j = 0; j < kept.size(); j += 97) {
        index.reconstruct(idx_t(j), v.data());
        EXPECT_TRUE(std::equal(v.begin(), v.end(), rows.begin() + ptrdiff_t(j * kD))) << j;
    }
    EXPECT_THROW(index.reconstruct(idx_t(kept.size()), v.data()), FaisslikeException);
    SearchParametersHNSW params;
    params.efSearch = 64;
    auto r = search(index, data().xq, kK, &params);
    EXPECT_GE(recall(exact(rows, data().xq, METRIC_L2), r.I), 0.95);

    // Querying with the removed vectors themselves: none comes back (it would
    // be at distance 0).
    std::set<idx_t> kept_set(kept.begin(), kept.end());
    std::vector<float> gone;
    for (idx_t i = 0; i < idx_t(kNb) && gone.size() < 50 * kD; i++) {
        if (!kept_set.count(i)) {
            gone.insert(gone.end(), data().xb.begin() + ptrdiff_t(i * kD), data().xb.begin() + ptrdiff_t((i + 1) * kD));
        }
    }
    auto rg = search(index, gone, kK, &params);
    for (size_t q = 0; q < gone.size() / kD; q++) {
        EXPECT_GT(rg.D[q * kK], 0.f) << "a removed vector was returned";
    }
}

TEST(IndexHNSW, RemoveIdsHidesVectorsAndKeepsRecall) {
    auto index = flat_index();
    auto kept = remove_some(*index);
    EXPECT_EQ(index->n_deleted(), kNb - kept.size());
    EXPECT_EQ(index->storage->ntotal, idx_t(kNb)) << "rows stay until compact()";
    check_after_removal(*index, kept);
    // Removing nothing.
    IDSelectorRange none{idx_t(kNb), idx_t(kNb) + 5};
    EXPECT_EQ(index->remove_ids(none), 0u);

    // New vectors get the next ids.
    index->add(10, data().xq.data());
    EXPECT_EQ(index->ntotal, idx_t(kept.size() + 10));
    auto r = search(*index, std::vector<float>(data().xq.begin(), data().xq.begin() + 10 * kD), 1);
    for (size_t q = 0; q < 10; q++) {
        EXPECT_EQ(r.I[q], idx_t(kept.size() + q));
        EXPECT_EQ(r.D[q], 0.f);
    }
}

TEST(IndexHNSW, CompactDropsDeletedNodesKeepingIds) {
    auto index = flat_index();
    auto kept = remove_some(*index);
    auto before = search(*index, data().xq);
    index->compact();
    EXPECT_EQ(index->n_deleted(), 0u);
    EXPECT_EQ(index->storage->ntotal, idx_t(kept.size()));
    EXPECT_EQ(index->hnsw.levels.size(), kept.size());
    EXPECT_EQ(index->hnsw.offsets.size(), kept.size() + 1);
    EXPECT_EQ(index->hnsw.neighbors.size(), index->hnsw.offsets.back());
    ASSERT_GE(index->hnsw.entry_point, 0);
    EXPECT_EQ(index->hnsw.levels[size_t(index->hnsw.entry_point)], index->hnsw.max_level + 1);
    for (int32_t u : index->hnsw.neighbors) {
        EXPECT_LT(u, int32_t(kept.size()));
    }
    check_after_removal(*index, kept);
    // Same ids before and after: the nearest neighbour of most queries is unchanged.
    auto after = search(*index, data().xq);
    size_t same = 0;
    for (size_t q = 0; q < kNq; q++) {
        same += before.I[q * kK] == after.I[q * kK];
    }
    EXPECT_GE(same, kNq * 9 / 10);
    index->compact(); // nothing to do
    EXPECT_EQ(index->ntotal, idx_t(kept.size()));
}

TEST(IndexHNSW, RemoveEverything) {
    auto index = flat_index();
    IDSelectorAll all;
    EXPECT_EQ(index->remove_ids(all), kNb);
    EXPECT_EQ(index->ntotal, 0);
    auto r = search(*index, data().xq);
    for (idx_t label : r.I) {
        EXPECT_EQ(label, -1);
    }
    index->compact();
    EXPECT_EQ(index->storage->ntotal, 0);
    EXPECT_EQ(index->hnsw.entry_point, -1);
    index->add(idx_t(kNb), data().xb.data());
    index->hnsw.efSearch = 64;
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(*index, data().xq).I), 0.97);
}

TEST(IndexHNSW, RemoveThroughIDMap) {
    IndexIDMap2 index(new IndexHNSWFlat(int(kD), 16));
    index.own_fields = true;
    std::vector<idx_t> ids(kNb);
    for (size_t i = 0; i < kNb; i++) {
        ids[i] = idx_t(1000000 + 7 * i);
    }
    index.add_with_ids(idx_t(kNb), data().xb.data(), ids.data());
    std::vector<idx_t> gone;
    for (size_t i = 0; i < kNb; i += 3) {
        gone.push_back(ids[i]);
    }
    IDSelectorBatch sel(gone.size(), gone.data());
    EXPECT_EQ(index.remove_ids(sel), gone.size());
    EXPECT_EQ(index.ntotal, idx_t(kNb - gone.size()));
    auto r = search(index, data().xq);
    auto ref = exact(data().xb, data().xq, METRIC_L2, kK, [](idx_t i) { return i % 3 != 0; });
    for (idx_t& label : ref.I) {
        label = ids[size_t(label)];
    }
    EXPECT_GE(recall(ref, r.I), 0.9);
    std::set<idx_t> gone_set(gone.begin(), gone.end());
    for (idx_t label : r.I) {
        EXPECT_FALSE(gone_set.count(label));
    }
    std::vector<float> v(kD);
    index.reconstruct(ids[1], v.data());
    EXPECT_TRUE(std::equal(v.begin(), v.end(), data().xb.begin() + kD));
}

TEST(IndexHNSW, BadInputThrowsAndLeavesIndexUnchanged) {
    auto index = flat_index();
    auto before = search(*index, data().xq);
    std::vector<float> D(kK);
    std::vector<idx_t> I(kK);
    const float* x = data().xq.data();
    EXPECT_THROW(index->search(1, x, 0, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, x, -3, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index->search(-1, x, 1, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, nullptr, 1, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, x, 1, nullptr, I.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, x, 1, D.data(), nullptr), FaisslikeException);
    EXPECT_THROW(index->add(-1, x), FaisslikeException);
    EXPECT_THROW(index->add(1, nullptr), FaisslikeException);
    EXPECT_THROW(index->range_search(1, x, 1.f, nullptr), FaisslikeException);
    EXPECT_THROW(index->add_with_ids(1, x, I.data()), FaisslikeException);
    SearchParametersHNSW bad;
    bad.efSearch = 0;
    EXPECT_THROW(index->search(1, x, 1, D.data(), I.data(), &bad), FaisslikeException);
    std::vector<float> v(kD);
    EXPECT_THROW(index->reconstruct(-1, v.data()), FaisslikeException);
    EXPECT_THROW(index->reconstruct(idx_t(kNb), v.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb));
    EXPECT_EQ(index->storage->ntotal, idx_t(kNb));
    auto after = search(*index, data().xq);
    EXPECT_EQ(before.I, after.I);
    EXPECT_EQ(before.D, after.D);

    // Untrained PQ storage: add refuses, nothing is stored.
    IndexHNSWPQ pq(int(kD), 8, 16);
    try {
        pq.add(10, x);
        FAIL() << "add before train must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("train"), std::string::npos) << e.what();
    }
    EXPECT_EQ(pq.ntotal, 0);
    EXPECT_EQ(pq.storage->ntotal, 0);
    EXPECT_TRUE(pq.hnsw.levels.empty());

    // No storage: the Faiss hint.
    IndexHNSW bare(int(kD), 16);
    try {
        bare.add(10, x);
        FAIL() << "add without storage must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("IndexHNSWFlat"), std::string::npos) << e.what();
    }
    EXPECT_THROW(IndexHNSWFlat(int(kD), 1), FaisslikeException);
    EXPECT_THROW(IndexHNSWFlat(int(kD), 16, METRIC_L1), FaisslikeException);
    EXPECT_THROW(IndexHNSWPQ(int(kD), 7, 16), FaisslikeException) << "d must be a multiple of pq_m";
}

TEST(IndexHNSW, ConcurrentSearchesAgree) {
    auto index = flat_index();
    const size_t kThreads = 8;
    std::vector<Result> expected(kThreads);
    for (size_t t = 0; t < kThreads; t++) {
        SearchParametersHNSW params;
        params.efSearch = int(16 + 8 * t);
        expected[t] = search(*index, data().xq, kK, &params);
    }
    std::vector<Result> got(kThreads);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < kThreads; t++) {
        threads.emplace_back([&, t] {
            SearchParametersHNSW params;
            params.efSearch = int(16 + 8 * t);
            // One query per call, then all at once: both paths of the index.
            Result single{std::vector<float>(kNq * kK), std::vector<idx_t>(kNq * kK)};
            for (size_t q = 0; q < kNq; q++) {
                index->search(1, data().xq.data() + q * kD, idx_t(kK), single.D.data() + q * kK,
                              single.I.data() + q * kK, &params);
            }
            Result batch = search(*index, data().xq, kK, &params);
            got[t] = single.I == batch.I ? batch : Result{};
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (size_t t = 0; t < kThreads; t++) {
        EXPECT_EQ(got[t].I, expected[t].I) << "thread " << t;
        EXPECT_EQ(got[t].D, expected[t].D) << "thread " << t;
    }
}

// The build goes in batches whose nodes only write their own lists, then
// merges the reverse links target by target: the graph does not depend on
// the number of threads (nor on their timing), also when adding to a graph.
TEST(IndexHNSW, SameGraphWhateverTheThreadCount) {
    int threads = omp_get_max_threads();
    std::vector<std::unique_ptr<IndexHNSWFlat>> built;
    for (int t : {1, 2, 3}) {
        omp_set_num_threads(t);
        built.push_back(flat_index());
        built.back()->add(kNq, data().xq.data()); // an add into a filled graph
    }
    omp_set_num_threads(threads);
    for (size_t i = 1; i < built.size(); i++) {
        EXPECT_EQ(built[0]->hnsw.levels, built[i]->hnsw.levels);
        EXPECT_EQ(built[0]->hnsw.neighbors, built[i]->hnsw.neighbors);
        EXPECT_EQ(built[0]->hnsw.entry_point, built[i]->hnsw.entry_point);
        EXPECT_EQ(search(*built[0], data().xq).I, search(*built[i], data().xq).I);
    }
}

TEST(IndexHNSW, GraphFieldsFollowFaiss) {
    IndexHNSWFlat index(int(kD), 4);
    const HNSW& h = index.hnsw;
    EXPECT_EQ(h.efConstruction, 40);
    EXPECT_EQ(h.efSearch, 16);
    EXPECT_TRUE(h.check_relative_distance);
    EXPECT_TRUE(h.search_bounded_queue);
    ASSERT_GE(h.cum_nneighbor_per_level.size(), 4u);
    EXPECT_EQ(h.cum_nneighbor_per_level[0], 0);
    EXPECT_EQ(h.cum_nneighbor_per_level[1], 8);
    EXPECT_EQ(h.cum_nneighbor_per_level[2], 12);
    EXPECT_EQ(h.cum_nneighbor_per_level[3], 16);
    double mL = 1 / std::log(4.0), sum = 0;
    for (size_t l = 0; l < h.assign_probas.size(); l++) {
        EXPECT_NEAR(h.assign_probas[l], std::exp(-double(l) / mL) * (1 - std::exp(-1 / mL)), 1e-6);
        EXPECT_GE(h.assign_probas[l], 1e-9);
        sum += h.assign_probas[l];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    EXPECT_EQ(h.entry_point, -1);
    EXPECT_EQ(h.max_level, -1);
    EXPECT_EQ(h.offsets, std::vector<size_t>{0});

    index.add(idx_t(kNb), data().xb.data());
    size_t upper = 0;
    for (size_t i = 0; i < kNb; i++) {
        ASSERT_GE(h.levels[i], 1);
        EXPECT_EQ(h.offsets[i + 1] - h.offsets[i], size_t(h.cum_nneighbor_per_level[size_t(h.levels[i])]));
        upper += h.levels[i] > 1;
        // Used slots first, no self-link, no duplicate.
        for (int level = 0; level < h.levels[i]; level++) {
            size_t begin, end;
            h.neighbor_range(idx_t(i), level, &begin, &end);
            std::set<int32_t> seen;
            bool ended = false;
            for (size_t j = begin; j < end; j++) {
                int32_t u = h.neighbors[j];
                if (u < 0) {
                    ended = true;
                    continue;
                }
                EXPECT_FALSE(ended);
                EXPECT_NE(u, int32_t(i));
                EXPECT_TRUE(seen.insert(u).second);
                EXPECT_GT(h.levels[size_t(u)], level) << "neighbour on a level it does not reach";
            }
        }
    }
    // P(level >= 1) = exp(-1 / mL) = 1 / M.
    EXPECT_NEAR(double(upper) / kNb, 0.25, 0.03);
    EXPECT_EQ(h.levels[size_t(h.entry_point)], h.max_level + 1);
    EXPECT_EQ(*std::max_element(h.levels.begin(), h.levels.end()), h.max_level + 1);
}

TEST(IndexHNSW, IncrementalAddMatchesOneAdd) {
    IndexHNSWFlat index(int(kD), 16);
    index.add(1, data().xb.data());
    index.add(999, data().xb.data() + kD);
    index.add(idx_t(kNb - 1000), data().xb.data() + 1000 * kD);
    EXPECT_EQ(index.ntotal, idx_t(kNb));
    index.hnsw.efSearch = 64;
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(index, data().xq).I), 0.97);
    index.add(0, nullptr);
    EXPECT_EQ(index.ntotal, idx_t(kNb));
}

TEST(IndexHNSW, RangeSearch) {
    auto index = flat_index();
    auto ref = exact(data().xb, data().xq, METRIC_L2, 20);
    std::vector<float> tenth;
    for (size_t q = 0; q < kNq; q++) {
        tenth.push_back(ref.D[q * 20 + 9]);
    }
    std::nth_element(tenth.begin(), tenth.begin() + kNq / 2, tenth.end());
    float radius = tenth[kNq / 2];
    RangeSearchResult res(kNq);
    index->range_search(idx_t(kNq), data().xq.data(), radius, &res);
    size_t found = 0, expected = 0;
    for (size_t q = 0; q < kNq; q++) {
        std::set<idx_t> truth;
        for (size_t j = 0; j < kNb; j++) {
            if (test::exact_distance(data().xq.data() + q * kD, data().xb.data() + j * kD, kD, METRIC_L2) <
                radius) {
                truth.insert(idx_t(j));
            }
        }
        expected += truth.size();
        std::set<idx_t> got;
        for (size_t i = res.lims[q]; i < res.lims[q + 1]; i++) {
            EXPECT_LT(res.distances[i], radius);
            EXPECT_TRUE(got.insert(res.labels[i]).second) << "duplicate";
            found += truth.count(res.labels[i]);
        }
    }
    EXPECT_GT(expected, 0u);
    EXPECT_GE(double(found) / double(expected), 0.95);

    // With a selector, only selected ids.
    IDSelectorRange sel(0, 2000);
    SearchParameters params;
    params.sel = &sel;
    RangeSearchResult filtered(kNq);
    index->range_search(idx_t(kNq), data().xq.data(), radius, &filtered, &params);
    for (size_t i = 0; i < filtered.lims[kNq]; i++) {
        EXPECT_LT(filtered.labels[i], 2000);
    }
}

TEST(IndexHNSW, ReconstructResetAndVerbose) {
    auto index = flat_index();
    std::vector<float> v(kD);
    index->reconstruct(123, v.data());
    EXPECT_TRUE(std::equal(v.begin(), v.end(), data().xb.begin() + 123 * kD));
    index->reset();
    EXPECT_EQ(index->ntotal, 0);
    EXPECT_EQ(index->hnsw.entry_point, -1);
    auto r = search(*index, data().xq);
    for (idx_t label : r.I) {
        EXPECT_EQ(label, -1);
    }
    index->verbose = true;
    testing::internal::CaptureStdout();
    index->add(idx_t(kNb), data().xb.data());
    std::string out = testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("HNSW"), std::string::npos) << out;
    index->hnsw.efSearch = 64;
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(*index, data().xq).I), 0.97);
}

TEST(IndexHNSW, FactoryStrings) {
    struct Case {
        const char* spec;
        int M;
    };
    for (Case c : {Case{"HNSW32", 32}, Case{"HNSW", 32}, Case{"HNSW16,Flat", 16}, Case{"HNSW8_Flat", 8}}) {
        std::unique_ptr<Index> index(index_factory(int(kD), c.spec, METRIC_INNER_PRODUCT));
        auto hnsw = dynamic_cast<IndexHNSWFlat*>(index.get());
        ASSERT_NE(hnsw, nullptr) << c.spec;
        EXPECT_EQ(hnsw->hnsw.nb_neighbors(0), 2 * c.M) << c.spec;
        EXPECT_EQ(hnsw->hnsw.nb_neighbors(1), c.M) << c.spec;
        EXPECT_EQ(hnsw->metric_type, METRIC_INNER_PRODUCT);
        EXPECT_EQ(hnsw->storage->metric_type, METRIC_INNER_PRODUCT);
    }
    for (const char* spec : {"HNSW16_SQ8", "HNSW16,SQ8"}) {
        std::unique_ptr<Index> index(index_factory(int(kD), spec));
        auto sq = dynamic_cast<IndexHNSWSQ*>(index.get());
        ASSERT_NE(sq, nullptr) << spec;
        EXPECT_EQ(dynamic_cast<IndexScalarQuantizer&>(*sq->storage).sq.qtype, ScalarQuantizer::QT_8bit);
        EXPECT_EQ(sq->hnsw.nb_neighbors(1), 16);
    }
    for (const char* spec : {"HNSW16_PQ8", "HNSW16,PQ8x6"}) {
        std::unique_ptr<Index> index(index_factory(int(kD), spec));
        auto pq = dynamic_cast<IndexHNSWPQ*>(index.get());
        ASSERT_NE(pq, nullptr) << spec;
        EXPECT_EQ(dynamic_cast<IndexPQ&>(*pq->storage).pq.M, 8u);
        EXPECT_EQ(dynamic_cast<IndexPQ&>(*pq->storage).pq.nbits, std::string(spec) == "HNSW16_PQ8" ? 8u : 6u);
        EXPECT_FALSE(pq->is_trained);
    }
    for (const char* bad : {"HNSW32_Flat,Flat", "HNSW32_Foo", "HNSW1", "HNSW32,IVF16"}) {
        try {
            std::unique_ptr<Index> index(index_factory(int(kD), bad));
            FAIL() << bad << " must not parse";
        } catch (const FaisslikeException& e) {
            EXPECT_NE(std::string(e.what()).find("could not parse index string"), std::string::npos)
                    << e.what();
        }
    }
}

TEST(IndexHNSW, IVFWithHNSWQuantizer) {
    std::unique_ptr<Index> index(index_factory(int(kD), "IVF64_HNSW16,Flat"));
    auto ivf = dynamic_cast<IndexIVF*>(index.get());
    ASSERT_NE(ivf, nullptr);
    auto quantizer = dynamic_cast<IndexHNSWFlat*>(ivf->quantizer);
    ASSERT_NE(quantizer, nullptr);
    EXPECT_EQ(quantizer->hnsw.nb_neighbors(1), 16);
    EXPECT_EQ(ivf->quantizer_trains_alone, 2);
    index->train(idx_t(kNb), data().xb.data());
    EXPECT_EQ(quantizer->ntotal, 64);
    index->add(idx_t(kNb), data().xb.data());
    ivf->nprobe = 16;
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(*index, data().xq).I), 0.9);
    // The quantizer's own settings per call.
    SearchParametersHNSW qparams;
    qparams.efSearch = 64;
    SearchParametersIVF params;
    params.nprobe = 16;
    params.quantizer_params = &qparams;
    EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(*index, data().xq, kK, &params).I), 0.9);

    // The IVF_HNSW_SQ and IVF_HNSW_PQ shapes (4-bit PQ: quick to train, and
    // coarse, hence the lower floor).
    for (const char* spec : {"IVF64_HNSW16,SQ8", "IVF64_HNSW16,PQ8x4"}) {
        std::unique_ptr<Index> coded(index_factory(int(kD), spec));
        ASSERT_NE(dynamic_cast<IndexHNSWFlat*>(dynamic_cast<IndexIVF&>(*coded).quantizer), nullptr) << spec;
        coded->train(idx_t(kNb), data().xb.data());
        coded->add(idx_t(kNb), data().xb.data());
        dynamic_cast<IndexIVF&>(*coded).nprobe = 16;
        bool pq = std::string(spec).find("PQ") != std::string::npos;
        EXPECT_GE(recall(exact(data().xb, data().xq, METRIC_L2), search(*coded, data().xq).I), pq ? 0.6 : 0.95)
                << spec;
    }

    std::unique_ptr<Index> default_m(index_factory(int(kD), "IVF32_HNSW,Flat"));
    auto q32 = dynamic_cast<IndexHNSWFlat*>(dynamic_cast<IndexIVF&>(*default_m).quantizer);
    ASSERT_NE(q32, nullptr);
    EXPECT_EQ(q32->hnsw.nb_neighbors(1), 32);
    EXPECT_THROW(std::unique_ptr<Index>(index_factory(int(kD), "IVF64_HNSW32")), FaisslikeException)
            << "the code part is mandatory, as in Faiss";
}


// Huge-page advice must leave memory as it was, whatever the range: large
// and unaligned, small, empty, null.
TEST(HugePages, AdviceKeepsContents) {
    std::vector<uint32_t> big((size_t(24) << 20) / sizeof(uint32_t) + 3);
    std::iota(big.begin(), big.end(), 7u);
    advise_huge_pages(reinterpret_cast<const char*>(big.data()) + 1, big.size() * 4 - 1);
    advise_huge_pages(big.data(), 100);
    advise_huge_pages(big.data(), 0);
    advise_huge_pages(nullptr, size_t(64) << 20);
    for (size_t i = 0; i < big.size(); i++) {
        ASSERT_EQ(big[i], uint32_t(i) + 7u) << i;
    }
    big.resize(big.size() + 1000, 1u);  // still an ordinary allocation
    EXPECT_EQ(big.back(), 1u);
}
} // namespace
} // namespace faisslike
