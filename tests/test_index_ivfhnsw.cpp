// IndexIVFHNSW (an HNSW graph per inverted list) against brute force and
// against the plain IVF it wraps: recall of each code, the effect of efSearch
// and nprobe, batched adds, filtered search, removal, files, errors and
// concurrent searches.

#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/clone_index.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>

#include "test_util.h"

namespace faisslike {
namespace {

constexpr size_t kD = 32, kNb = 4000, kNq = 50, kK = 10, kNlist = 16;

struct Data {
    std::vector<float> xb = test::clustered_vectors(kNb, kD, 1234);
    std::vector<float> xq = test::clustered_vectors(kNq, kD, 99);
};

const Data& data() {
    static Data d;
    return d;
}

test::KnnResult exact(MetricType metric, const std::function<bool(idx_t)>& keep = {}) {
    return test::brute_force_knn(data().xq.data(), kNq, data().xb.data(), kNb, kD, kK, metric, keep);
}

double recall(const test::KnnResult& ref, const std::vector<idx_t>& I) {
    size_t hits = 0;
    for (size_t q = 0; q < kNq; q++) {
        std::set<idx_t> truth(ref.I.begin() + ptrdiff_t(q * kK), ref.I.begin() + ptrdiff_t((q + 1) * kK));
        for (size_t i = 0; i < kK; i++) {
            hits += truth.count(I[q * kK + i]);
        }
    }
    return double(hits) / double(kNq * kK);
}

test::KnnResult search(const Index& index, const SearchParameters* params = nullptr) {
    test::KnnResult r;
    r.D.resize(kNq * kK);
    r.I.resize(kNq * kK);
    index.search(kNq, data().xq.data(), kK, r.D.data(), r.I.data(), params);
    return r;
}

std::unique_ptr<IndexIVFHNSW> build(const char* factory, MetricType metric = METRIC_L2) {
    std::unique_ptr<Index> index(index_factory(int(kD), factory, metric));
    auto* ivf_hnsw = dynamic_cast<IndexIVFHNSW*>(index.get());
    EXPECT_NE(ivf_hnsw, nullptr) << factory;
    index.release();
    std::unique_ptr<IndexIVFHNSW> result(ivf_hnsw);
    result->train(kNb, data().xb.data());
    result->add(kNb, data().xb.data());
    return result;
}

SearchParametersIVFHNSW params(size_t nprobe, int ef) {
    SearchParametersIVFHNSW p;
    p.nprobe = nprobe;
    p.efSearch = ef;
    return p;
}

struct CodeCase {
    const char* factory;
    double floor; ///< recall@10 at nprobe 8, ef 64 against the exact neighbours
};

class IVFHNSWCodes : public ::testing::TestWithParam<CodeCase> {};

TEST_P(IVFHNSWCodes, RecallFloorAndCloseToPlainIVF) {
    auto index = build(GetParam().factory);
    auto p = params(8, 64);
    auto r = search(*index, &p);
    EXPECT_GE(recall(exact(METRIC_L2), r.I), GetParam().floor);

    // With every list probed and an ef above every list's size, the walks
    // find what the IVF scan finds.
    auto full = params(kNlist, int(kNb));
    auto walked = search(*index, &full);
    SearchParametersIVF ivf_params;
    ivf_params.nprobe = kNlist;
    auto scanned = search(*index->ivf, &ivf_params);
    EXPECT_GE(recall(scanned, walked.I), 0.99);
}

INSTANTIATE_TEST_SUITE_P(Codes, IVFHNSWCodes,
                         ::testing::Values(CodeCase{"IVF16,HNSW16_Flat", 0.95}, CodeCase{"IVF16,HNSW16_SQ8", 0.93},
                                           CodeCase{"IVF16,HNSW16_PQ16", 0.6}));

TEST(IndexIVFHNSW, RecallRisesWithEfAndNprobe) {
    auto index = build("IVF16,HNSW8_Flat");
    auto ref = exact(METRIC_L2);
    auto low = params(2, 4), more_ef = params(2, 64), more_probes = params(8, 4), both = params(8, 64);
    double r_low = recall(ref, search(*index, &low).I);
    double r_ef = recall(ref, search(*index, &more_ef).I);
    double r_np = recall(ref, search(*index, &more_probes).I);
    double r_both = recall(ref, search(*index, &both).I);
    EXPECT_GT(r_ef, r_low);
    EXPECT_GT(r_np, r_low);
    EXPECT_GE(r_both, std::max(r_ef, r_np));
}

TEST(IndexIVFHNSW, InnerProduct) {
    auto index = build("IVF16,HNSW16_Flat", METRIC_INNER_PRODUCT);
    auto p = params(kNlist, 200);
    auto r = search(*index, &p);
    auto ref = exact(METRIC_INNER_PRODUCT);
    // Graphs over inner products leave some vectors unreachable (on this
    // data one IndexHNSWFlat of all 4000 vectors reaches 0.95 at any ef).
    EXPECT_GE(recall(ref, r.I), 0.85);
    SearchParametersIVF ivf_params;
    ivf_params.nprobe = kNlist;
    auto scanned = search(*index->ivf, &ivf_params);
    for (size_t i = 0; i < r.I.size(); i++) {
        EXPECT_LE(r.D[i], scanned.D[i]); // never better than the exhaustive scan
    }
    EXPECT_GE(r.D[0], r.D[1]); // similarities, best first
}

TEST(IndexIVFHNSW, TwoBatchesAsGoodAsOne) {
    auto one = build("IVF16,HNSW16_SQ8");
    std::unique_ptr<Index> two_base(index_factory(int(kD), "IVF16,HNSW16_SQ8"));
    auto& two = dynamic_cast<IndexIVFHNSW&>(*two_base);
    two.train(kNb, data().xb.data());
    two.add(kNb / 2, data().xb.data());
    two.add(kNb - kNb / 2, data().xb.data() + kNb / 2 * kD);
    ASSERT_EQ(two.ntotal, idx_t(kNb));
    auto p = params(8, 64);
    auto ref = exact(METRIC_L2);
    EXPECT_NEAR(recall(ref, search(two, &p).I), recall(ref, search(*one, &p).I), 0.02);
}

TEST(IndexIVFHNSW, FilteredSearchEqualsBruteForceOverSelection) {
    auto index = build("IVF16,HNSW16_Flat");
    std::vector<idx_t> chosen;
    for (idx_t i = 3; i < idx_t(kNb); i += 37) {
        chosen.push_back(i);
    }
    IDSelectorBatch sel(chosen.size(), chosen.data());
    auto p = params(kNlist, 64);
    p.sel = &sel;
    auto r = search(*index, &p);
    auto ref = exact(METRIC_L2, [&](idx_t i) { return sel.is_member(i); });
    test::expect_knn_equal(ref, r.D.data(), r.I.data(), kNq, kK, data().xq.data(), data().xb.data(), kD, METRIC_L2);
}

TEST(IndexIVFHNSW, RangeSearchMatchesBruteForce) {
    auto index = build("IVF16,HNSW16_Flat");
    auto ref = exact(METRIC_L2);
    float radius = (ref.D[kK / 2] + ref.D[kK / 2 + 1]) / 2; // about half the 10 nearest of query 0
    RangeSearchResult res(1);
    auto p = params(kNlist, 200);
    index->range_search(1, data().xq.data(), radius, &res, &p);
    std::set<idx_t> got(res.labels, res.labels + res.lims[1]);
    std::set<idx_t> truth;
    for (size_t i = 0; i < kNb; i++) {
        if (test::exact_distance(data().xq.data(), data().xb.data() + i * kD, kD, METRIC_L2) < radius) {
            truth.insert(idx_t(i));
        }
    }
    EXPECT_EQ(got, truth);
}

TEST(IndexIVFHNSW, WriteReadCloneGiveIdenticalResults) {
    for (const char* factory : {"IVF16,HNSW16_Flat", "IVF16,HNSW16_PQ8", "IVF16_HNSW8,HNSW16_SQ8"}) {
        auto index = build(factory);
        index->efSearch = 24;
        index->ivf->nprobe = 4;
        auto before = search(*index);
        std::vector<uint8_t> bytes = serialize_index(index.get());
        std::unique_ptr<Index> loaded(deserialize_index(bytes));
        auto after = search(*loaded);
        EXPECT_EQ(before.I, after.I) << factory;
        EXPECT_EQ(before.D, after.D) << factory;
        std::unique_ptr<Index> copy(clone_index(index.get()));
        EXPECT_EQ(before.I, search(*copy).I) << factory;
        std::string name = reverse_index_factory(loaded.get());
        EXPECT_EQ(name, reverse_index_factory(index.get()));
        std::unique_ptr<Index> rebuilt(index_factory(int(kD), name.c_str()));
        EXPECT_EQ(reverse_index_factory(rebuilt.get()), name);
    }
}

TEST(IndexIVFHNSW, TruncatedOrDamagedFilesThrow) {
    auto index = build("IVF16,HNSW8_Flat");
    std::vector<uint8_t> bytes = serialize_index(index.get());
    for (size_t cut : {size_t(4), bytes.size() / 3, bytes.size() - 5}) {
        std::vector<uint8_t> part(bytes.begin(), bytes.begin() + ptrdiff_t(cut));
        EXPECT_THROW(deserialize_index(part), FaisslikeException) << cut;
    }
    // The graph count (just before the graphs) claims one graph too many.
    std::unique_ptr<Index> empty_base(index_factory(int(kD), "IVF16,HNSW8_Flat"));
    auto& empty = dynamic_cast<IndexIVFHNSW&>(*empty_base);
    empty.train(kNb, data().xb.data());
    std::vector<uint8_t> e = serialize_index(&empty);
    // An empty graph: five vectors (count + items; offsets holds one 0) and five int32.
    const HNSW& g = empty.graphs[0];
    size_t graph_bytes = 8 + 8 * g.assign_probas.size() + 8 + 4 * g.cum_nneighbor_per_level.size() + 8 +
            (8 + 8) + 8 + 20;
    size_t at = e.size() - kNlist * graph_bytes - 8;
    uint64_t count;
    std::memcpy(&count, e.data() + at, 8);
    ASSERT_EQ(count, kNlist);
    uint64_t bad = kNlist + 1;
    std::memcpy(e.data() + at, &bad, 8);
    std::string msg = test::error_of([&] { deserialize_index(e); });
    EXPECT_NE(msg.find("IVF-HNSW"), std::string::npos) << msg;
}

TEST(IndexIVFHNSW, DamagedBytesThrowOrLoadSearchably) {
    // A small file with damaged bytes must throw or load into an index that
    // searches without reading outside its arrays (run under ASan in CI).
    std::unique_ptr<Index> small(index_factory(8, "IVF4,HNSW4_SQ8"));
    small->train(200, data().xb.data());
    small->add(200, data().xb.data());
    const std::vector<uint8_t> bytes = serialize_index(small.get());
    std::mt19937 rng(7);
    float D[4];
    idx_t I[4];
    size_t loaded = 0;
    for (int trial = 0; trial < 300; trial++) {
        std::vector<uint8_t> damaged = bytes;
        for (int flips = 0; flips < 3; flips++) {
            damaged[rng() % damaged.size()] = uint8_t(rng());
        }
        std::unique_ptr<Index> index;
        try {
            index.reset(deserialize_index(damaged));
        } catch (const FaisslikeException&) {
            continue;
        }
        loaded++;
        try {
            index->search(1, data().xq.data(), 4, D, I);
        } catch (const FaisslikeException&) {
        }
    }
    EXPECT_GT(loaded, 0u); // some flips land in codes or floats and load fine
}

TEST(IndexIVFHNSW, RemoveIdsRepairsGraphs) {
    auto index = build("IVF16,HNSW16_Flat");
    index->make_direct_map();
    IDSelectorRange odd_range(1000, 2000);
    EXPECT_EQ(index->remove_ids(odd_range), 1000u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 1000));
    index->check_consistency();
    auto p = params(kNlist, 64);
    auto r = search(*index, &p);
    for (idx_t id : r.I) {
        EXPECT_TRUE(id < 1000 || id >= 2000) << id;
    }
    auto ref = exact(METRIC_L2, [](idx_t i) { return i < 1000 || i >= 2000; });
    EXPECT_GE(recall(ref, r.I), 0.97);
    std::vector<float> v(kD);
    index->reconstruct(2500, v.data());
    EXPECT_EQ(std::vector<float>(data().xb.begin() + 2500 * kD, data().xb.begin() + 2501 * kD), v);
    EXPECT_THROW(index->reconstruct(1500, v.data()), FaisslikeException);
    EXPECT_EQ(index->remove_ids(odd_range), 0u);
}

TEST(IndexIVFHNSW, WrongInputsThrowAndLeaveIndexUnchanged) {
    std::unique_ptr<Index> fresh(index_factory(int(kD), "IVF16,HNSW8_Flat"));
    std::string msg = test::error_of([&] { fresh->add(10, data().xb.data()); });
    EXPECT_NE(msg.find("not trained"), std::string::npos) << msg;
    float D[kK];
    idx_t I[kK];
    EXPECT_THROW(fresh->search(1, data().xq.data(), kK, D, I), FaisslikeException);

    auto index = build("IVF16,HNSW8_Flat");
    auto before = search(*index);
    std::vector<float> bad(data().xb.begin(), data().xb.begin() + 20 * kD);
    bad[5 * kD + 3] = std::nanf("");
    EXPECT_THROW(index->add(20, bad.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, data().xq.data(), 0, D, I), FaisslikeException);
    auto zero_ef = params(4, 0);
    EXPECT_THROW(index->search(1, data().xq.data(), kK, D, I, &zero_ef), FaisslikeException);
    auto zero_np = params(0, 16);
    EXPECT_THROW(index->search(1, data().xq.data(), kK, D, I, &zero_np), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb));
    EXPECT_EQ(before.I, search(*index).I);
    EXPECT_THROW(IndexIVFHNSW(nullptr), FaisslikeException);
    EXPECT_THROW(IndexIVFHNSW(index->ivf), FaisslikeException); // not empty
    EXPECT_THROW(index_factory(int(kD), "IVF16,HNSW1_Flat"), FaisslikeException);
    // The HNSW-quantizer form keeps its meaning.
    std::unique_ptr<Index> hq(index_factory(int(kD), "IVF16_HNSW32,Flat"));
    EXPECT_EQ(dynamic_cast<IndexIVFHNSW*>(hq.get()), nullptr);
    EXPECT_NE(dynamic_cast<IndexIVFFlat*>(hq.get()), nullptr);
}

TEST(IndexIVFHNSW, ParamsOfEachKindAndExtract) {
    auto index = build("IVF16,HNSW16_Flat");
    EXPECT_EQ(extract_index_ivf(index.get()), index->ivf);
    SearchParametersIVF ivf_p;
    ivf_p.nprobe = 3;
    index->efSearch = 40;
    auto as_ivf = search(*index, &ivf_p);
    auto full = params(3, 40);
    EXPECT_EQ(as_ivf.I, search(*index, &full).I);
    SearchParametersHNSW h;
    h.efSearch = 40;
    index->ivf->nprobe = 3;
    EXPECT_EQ(as_ivf.I, search(*index, &h).I);
    index->reset();
    EXPECT_EQ(index->ntotal, 0);
    auto empty = search(*index);
    EXPECT_EQ(empty.I[0], -1);
    EXPECT_EQ(empty.D[0], FLT_MAX);
}

TEST(IndexIVFHNSW, ConcurrentSearchesAgree) {
    auto index = build("IVF16,HNSW16_PQ8");
    auto p = params(4, 32);
    auto ref = search(*index, &p);
    std::vector<test::KnnResult> results(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < results.size(); t++) {
        threads.emplace_back([&, t] { results[t] = search(*index, &p); });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (const auto& r : results) {
        EXPECT_EQ(r.I, ref.I);
        EXPECT_EQ(r.D, ref.D);
    }
}

} // namespace
} // namespace faisslike
