// IndexIVFFlat against IndexFlat and brute force: exactness at nprobe = nlist,
// recall, parameters, direct map, removal, selectors, merge, bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <set>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

constexpr size_t kD = 24, kNb = 6000, kNq = 50, kNlist = 32;

struct Fixture {
    std::vector<float> xb = clustered_vectors(kNb, kD, 50, 40);
    std::vector<float> xq = clustered_vectors(kNq, kD, 51, 40);

    std::unique_ptr<IndexIVFFlat> make(MetricType metric = METRIC_L2, bool fill = true) const {
        auto index = std::make_unique<IndexIVFFlat>(new IndexFlat(kD, metric), kD, kNlist, metric);
        index->own_fields = true;
        index->train(kNb, xb.data());
        if (fill) {
            index->add(kNb, xb.data());
        }
        return index;
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

TEST(IndexIVFFlat, AllListsProbedIsExact) {
    Fixture f;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto index = f.make(metric);
        index->nprobe = kNlist;
        const size_t k = 10;
        std::vector<float> D(kNq * k);
        std::vector<idx_t> I(kNq * k);
        index->search(kNq, f.xq.data(), k, D.data(), I.data());
        auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, k, metric);
        test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, f.xq.data(), f.xb.data(), kD, metric);
        // nprobe above nlist is clamped, not an error.
        index->nprobe = 10 * kNlist;
        index->search(kNq, f.xq.data(), k, D.data(), I.data());
        test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, f.xq.data(), f.xb.data(), kD, metric);
    }
}

TEST(IndexIVFFlat, RecallGrowsWithNprobe) {
    Fixture f;
    auto index = f.make();
    const size_t k = 10;
    auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, k, METRIC_L2);
    double previous = 0;
    for (size_t nprobe : {1, 2, 4, 8, 16, 32}) {
        std::vector<float> D(kNq * k);
        std::vector<idx_t> I(kNq * k);
        SearchParametersIVF params;
        params.nprobe = nprobe;
        index->search(kNq, f.xq.data(), k, D.data(), I.data(), &params);
        double r = recall_at(ref, I, kNq, k);
        EXPECT_GE(r, previous - 1e-9) << "nprobe " << nprobe;
        previous = r;
        if (nprobe == 8) {
            EXPECT_GE(r, 0.9);
        }
        // Setting the field gives the same as passing the parameter.
        std::vector<float> D2(kNq * k);
        std::vector<idx_t> I2(kNq * k);
        index->nprobe = nprobe;
        index->search(kNq, f.xq.data(), k, D2.data(), I2.data());
        EXPECT_EQ(I, I2);
        index->nprobe = 1;
    }
    EXPECT_EQ(previous, 1.0);
}

TEST(IndexIVFFlat, SingleQueryAndBatchAgree) {
    // One query is searched with the probed lists split over threads.
    Fixture f;
    auto index = f.make();
    index->nprobe = 6;
    const size_t k = 7;
    std::vector<float> D(kNq * k), D1(k);
    std::vector<idx_t> I(kNq * k), I1(k);
    index->search(kNq, f.xq.data(), k, D.data(), I.data());
    for (size_t q = 0; q < kNq; q++) {
        index->search(1, f.xq.data() + q * kD, k, D1.data(), I1.data());
        for (size_t i = 0; i < k; i++) {
            EXPECT_EQ(I1[i], I[q * k + i]);
            EXPECT_EQ(D1[i], D[q * k + i]);
        }
    }
}

TEST(IndexIVFFlat, ReconstructNeedsDirectMap) {
    Fixture f;
    auto index = f.make();
    std::vector<float> v(kD);
    try {
        index->reconstruct(5, v.data());
        FAIL() << "reconstruct without direct map must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("direct map not initialized"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("make_direct_map"), std::string::npos);
    }
    index->make_direct_map();
    for (idx_t id : {0, 5, 4321, 5999}) {
        index->reconstruct(id, v.data());
        EXPECT_EQ(0, std::memcmp(v.data(), f.xb.data() + id * kD, sizeof(float) * kD));
    }
    EXPECT_THROW(index->reconstruct(kNb, v.data()), FaisslikeException);
    // reconstruct_n scans the lists and needs no map.
    auto plain = f.make();
    std::vector<float> block(10 * kD);
    plain->reconstruct_n(100, 10, block.data());
    EXPECT_EQ(0, std::memcmp(block.data(), f.xb.data() + 100 * kD, sizeof(float) * 10 * kD));
    // The map follows later additions.
    index->add(10, f.xq.data());
    index->reconstruct(kNb + 3, v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), f.xq.data() + 3 * kD, sizeof(float) * kD));
}

TEST(IndexIVFFlat, HashtableDirectMapWithUserIds) {
    Fixture f;
    auto index = f.make(METRIC_L2, false);
    std::vector<idx_t> ids(kNb);
    for (size_t i = 0; i < kNb; i++) {
        ids[i] = 1000000 + 7 * idx_t(i);
    }
    index->make_direct_map();
    EXPECT_THROW(index->add_with_ids(kNb, f.xb.data(), ids.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, 0);
    index->set_direct_map_type(DirectMap::Hashtable);
    index->add_with_ids(kNb, f.xb.data(), ids.data());
    std::vector<float> v(kD);
    index->reconstruct(ids[77], v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), f.xb.data() + 77 * kD, sizeof(float) * kD));
    // Array type is refused for non-sequential ids, and the map is left as it was.
    try {
        index->make_direct_map();
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("direct map supported only for sequential ids"),
                  std::string::npos);
    }
    EXPECT_EQ(index->direct_map.type, DirectMap::Hashtable);
    // Removal keeps the map right for the vectors that moved.
    std::vector<idx_t> gone = {ids[1], ids[2], ids[3000]};
    IDSelectorArray sel(gone.size(), gone.data());
    EXPECT_EQ(index->remove_ids(sel), 3u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 3));
    for (size_t i : {0, 4, 2999, 3001, 5999}) {
        index->reconstruct(ids[i], v.data());
        EXPECT_EQ(0, std::memcmp(v.data(), f.xb.data() + i * kD, sizeof(float) * kD)) << i;
    }
    EXPECT_THROW(index->reconstruct(ids[2], v.data()), FaisslikeException);
}

TEST(IndexIVFFlat, RemoveIdsNeverReturnsRemoved) {
    Fixture f;
    auto index = f.make();
    index->make_direct_map();
    IDSelectorRange sel(1000, 3000);
    EXPECT_EQ(index->remove_ids(sel), 2000u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 2000));
    index->nprobe = kNlist;
    const size_t k = 20;
    std::vector<float> D(kNq * k);
    std::vector<idx_t> I(kNq * k);
    index->search(kNq, f.xq.data(), k, D.data(), I.data());
    auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, k, METRIC_L2,
                                     [](idx_t id) { return id < 1000 || id >= 3000; });
    test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, f.xq.data(), f.xb.data(), kD, METRIC_L2);
    std::vector<float> v(kD);
    index->reconstruct(3500, v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), f.xb.data() + 3500 * kD, sizeof(float) * kD));
    EXPECT_THROW(index->reconstruct(1500, v.data()), FaisslikeException);
    // Sequential add after removal would reuse ids: refused, nothing added.
    EXPECT_THROW(index->add(1, f.xq.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 2000));
}

TEST(IndexIVFFlat, SelectorsFilterExactly) {
    Fixture f;
    auto index = f.make(METRIC_INNER_PRODUCT);
    std::vector<uint8_t> bitmap((kNb + 7) / 8);
    for (size_t i = 0; i < kNb; i += 5) {
        bitmap[i / 8] |= uint8_t(1 << (i % 8));
    }
    IDSelectorBitmap sel(bitmap.size(), bitmap.data());
    SearchParametersIVF params;
    params.sel = &sel;
    params.nprobe = kNlist;
    const size_t k = 10;
    std::vector<float> D(kNq * k);
    std::vector<idx_t> I(kNq * k);
    index->search(kNq, f.xq.data(), k, D.data(), I.data(), &params);
    auto ref = test::brute_force_knn(f.xq.data(), kNq, f.xb.data(), kNb, kD, k, METRIC_INNER_PRODUCT,
                                     [&](idx_t id) { return sel.is_member(id); });
    test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, f.xq.data(), f.xb.data(), kD,
                           METRIC_INNER_PRODUCT);
    // A plain SearchParameters carries only the selector (index nprobe applies).
    SearchParameters plain;
    plain.sel = &sel;
    index->nprobe = kNlist;
    std::vector<float> D2(kNq * k);
    std::vector<idx_t> I2(kNq * k);
    index->search(kNq, f.xq.data(), k, D2.data(), I2.data(), &plain);
    EXPECT_EQ(I, I2);
}

TEST(IndexIVFFlat, RangeSearchMatchesFlat) {
    Fixture f;
    auto index = f.make();
    IndexFlatL2 flat(kD);
    flat.add(kNb, f.xb.data());
    auto probe = test::brute_force_knn(f.xq.data(), 1, f.xb.data(), kNb, kD, 30, METRIC_L2);
    float radius = probe.D[29];
    SearchParametersIVF params;
    params.nprobe = kNlist;
    RangeSearchResult ivf_res(kNq), flat_res(kNq);
    index->range_search(kNq, f.xq.data(), radius, &ivf_res, &params);
    flat.range_search(kNq, f.xq.data(), radius, &flat_res);
    for (size_t q = 0; q < kNq; q++) {
        std::set<idx_t> a(ivf_res.labels + ivf_res.lims[q], ivf_res.labels + ivf_res.lims[q + 1]);
        std::set<idx_t> b(flat_res.labels + flat_res.lims[q], flat_res.labels + flat_res.lims[q + 1]);
        EXPECT_EQ(a, b) << "query " << q;
    }
}

TEST(IndexIVFFlat, SearchAndReconstructWithoutDirectMap) {
    Fixture f;
    auto index = f.make();
    index->nprobe = 4;
    const size_t k = 5;
    std::vector<float> D(kNq * k), R(kNq * k * kD);
    std::vector<idx_t> I(kNq * k);
    index->search_and_reconstruct(kNq, f.xq.data(), k, D.data(), I.data(), R.data());
    std::vector<float> D2(kNq * k);
    std::vector<idx_t> I2(kNq * k);
    index->search(kNq, f.xq.data(), k, D2.data(), I2.data());
    EXPECT_EQ(I, I2);
    for (size_t i = 0; i < kNq * k; i++) {
        ASSERT_GE(I[i], 0);
        EXPECT_EQ(0, std::memcmp(R.data() + i * kD, f.xb.data() + I[i] * kD, sizeof(float) * kD));
    }
}

TEST(IndexIVFFlat, MergeFromEqualsOneIndex) {
    Fixture f;
    auto whole = f.make();
    auto a = f.make(METRIC_L2, false);
    auto b = f.make(METRIC_L2, false);
    a->add(kNb / 2, f.xb.data());
    b->add(kNb - kNb / 2, f.xb.data() + kNb / 2 * kD);
    a->make_direct_map();
    a->merge_from(*b, kNb / 2);
    EXPECT_EQ(a->ntotal, idx_t(kNb));
    EXPECT_EQ(b->ntotal, 0);
    a->nprobe = whole->nprobe = 3;
    const size_t k = 10;
    std::vector<float> D1(kNq * k), D2(kNq * k);
    std::vector<idx_t> I1(kNq * k), I2(kNq * k);
    a->search(kNq, f.xq.data(), k, D1.data(), I1.data());
    whole->search(kNq, f.xq.data(), k, D2.data(), I2.data());
    EXPECT_EQ(I1, I2);
    EXPECT_EQ(D1, D2);
    std::vector<float> v(kD);
    a->reconstruct(kNb - 1, v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), f.xb.data() + (kNb - 1) * kD, sizeof(float) * kD));
    // A separately trained quantizer means different lists: refused.
    IndexIVFFlat other(new IndexFlatL2(kD), kD, kNlist);
    other.own_fields = true;
    auto shifted = f.xb;
    for (auto& v2 : shifted) {
        v2 += 1;
    }
    other.train(kNb, shifted.data());
    EXPECT_THROW(a->merge_from(other), FaisslikeException);
}

TEST(IndexIVFFlat, StandaloneCodesRoundTrip) {
    Fixture f;
    auto index = f.make(METRIC_L2, false);
    EXPECT_EQ(index->sa_code_size(), 1 + kD * sizeof(float));
    std::vector<uint8_t> codes(10 * index->sa_code_size());
    index->sa_encode(10, f.xb.data(), codes.data());
    std::vector<float> back(10 * kD);
    index->sa_decode(10, codes.data(), back.data());
    EXPECT_EQ(0, std::memcmp(back.data(), f.xb.data(), sizeof(float) * 10 * kD));
}

TEST(IndexIVFFlat, SameSeedSameIndex) {
    Fixture f;
    auto a = f.make(), b = f.make();
    for (size_t l = 0; l < kNlist; l++) {
        EXPECT_EQ(a->get_list_size(l), b->get_list_size(l));
    }
    std::vector<float> ca(kNlist * kD), cb(kNlist * kD);
    a->quantizer->reconstruct_n(0, kNlist, ca.data());
    b->quantizer->reconstruct_n(0, kNlist, cb.data());
    EXPECT_EQ(ca, cb);
}

TEST(IndexIVFFlat, BadInputThrowsAndChangesNothing) {
    Fixture f;
    IndexIVFFlat untrained(new IndexFlatL2(kD), kD, kNlist);
    untrained.own_fields = true;
    EXPECT_FALSE(untrained.is_trained);
    std::vector<float> D(10);
    std::vector<idx_t> I(10);
    try {
        untrained.add(10, f.xb.data());
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("not trained"), std::string::npos) << e.what();
    }
    EXPECT_THROW(untrained.search(1, f.xq.data(), 10, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(untrained.train(kNlist - 1, f.xb.data()), FaisslikeException);
    EXPECT_FALSE(untrained.is_trained);

    IndexFlatL2 wrong_dim(kD + 1);
    EXPECT_THROW((IndexIVFFlat{&wrong_dim, kD, kNlist}), FaisslikeException);
    EXPECT_THROW((IndexIVFFlat{nullptr, kD, kNlist}), FaisslikeException);

    auto index = f.make();
    auto with_nan = std::vector<float>(f.xq.begin(), f.xq.begin() + 3 * kD);
    with_nan[kD + 2] = std::nanf("");
    EXPECT_THROW(index->add(3, with_nan.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb));
    EXPECT_EQ(index->invlists->compute_ntotal(), kNb);
    EXPECT_THROW(index->search(1, f.xq.data(), 0, D.data(), I.data()), FaisslikeException);
    SearchParametersIVF zero;
    zero.nprobe = 0;
    EXPECT_THROW(index->search(1, f.xq.data(), 1, D.data(), I.data(), &zero), FaisslikeException);
    idx_t bad_assign[2] = {0, idx_t(kNlist)};
    float coarse[2] = {0, 0};
    SearchParametersIVF two;
    two.nprobe = 2;
    EXPECT_THROW(index->search_preassigned(1, f.xq.data(), 1, bad_assign, coarse, D.data(), I.data(),
                                           false, &two),
                 FaisslikeException);
}

TEST(IndexIVFFlat, MaxCodesBoundsTheScan) {
    Fixture f;
    auto index = f.make();
    SearchParametersIVF params;
    params.nprobe = kNlist;
    params.max_codes = 1; // stops after the first non-empty list
    const size_t k = 5;
    std::vector<float> D(kNq * k);
    std::vector<idx_t> I(kNq * k);
    index->parallel_mode = 0;
    index->search(kNq, f.xq.data(), k, D.data(), I.data(), &params);
    SearchParametersIVF one;
    one.nprobe = 1;
    std::vector<float> D1(kNq * k);
    std::vector<idx_t> I1(kNq * k);
    index->search(kNq, f.xq.data(), k, D1.data(), I1.data(), &one);
    EXPECT_EQ(I, I1);
}

} // namespace
} // namespace faisslike
