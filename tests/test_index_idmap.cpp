// IndexIDMap / IndexIDMap2 over IndexFlat: user ids in results, selectors on
// user ids, removal, reconstruction by id, merge, and refusal of bad input.

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

constexpr size_t kDim = 16;

std::vector<idx_t> user_ids(size_t n, idx_t offset = 0) {
    std::vector<idx_t> ids(n);
    for (size_t i = 0; i < n; i++) {
        ids[i] = offset + idx_t(i) * 1000 + 17; // sparse, non-sequential
    }
    return ids;
}

TEST(IndexIDMap, SearchReturnsUserIds) {
    const size_t nb = 500, nq = 20, k = 5;
    auto xb = clustered_vectors(nb, kDim, 20);
    auto xq = clustered_vectors(nq, kDim, 21);
    auto ids = user_ids(nb);
    IndexFlatL2 flat(kDim), inner(kDim);
    IndexIDMap index(&inner);
    flat.add(nb, xb.data());
    index.add_with_ids(nb, xb.data(), ids.data());
    EXPECT_EQ(index.ntotal, idx_t(nb));

    std::vector<float> D(nq * k), Dref(nq * k);
    std::vector<idx_t> I(nq * k), Iref(nq * k);
    index.search(nq, xq.data(), k, D.data(), I.data());
    flat.search(nq, xq.data(), k, Dref.data(), Iref.data());
    for (size_t i = 0; i < nq * k; i++) {
        EXPECT_EQ(I[i], ids[Iref[i]]);
        EXPECT_EQ(D[i], Dref[i]);
    }
    // Padding stays -1, not translated.
    std::vector<float> D2(nb + 3);
    std::vector<idx_t> I2(nb + 3);
    index.search(1, xq.data(), nb + 3, D2.data(), I2.data());
    for (size_t i = nb; i < nb + 3; i++) {
        EXPECT_EQ(I2[i], -1);
    }
}

TEST(IndexIDMap, SelectorSpeaksUserIds) {
    const size_t nb = 300, nq = 10, k = 8;
    auto xb = clustered_vectors(nb, kDim, 22);
    auto xq = clustered_vectors(nq, kDim, 23);
    auto ids = user_ids(nb);
    IndexIDMap index(new IndexFlatL2(kDim));
    index.own_fields = true;
    index.add_with_ids(nb, xb.data(), ids.data());
    IDSelectorRange sel(50000, 150000); // user ids of rows 50..149
    SearchParameters params;
    params.sel = &sel;
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    index.search(nq, xq.data(), k, D.data(), I.data(), &params);
    auto ref = test::brute_force_knn(
            xq.data(), nq, xb.data(), nb, kDim, k, METRIC_L2,
            [&](idx_t row) { return sel.is_member(ids[row]); });
    for (size_t i = 0; i < nq * k; i++) {
        EXPECT_TRUE(sel.is_member(I[i]));
        EXPECT_EQ(I[i], ids[ref.I[i]]);
    }
    EXPECT_EQ(params.sel, &sel) << "the caller's params must not be modified";

    RangeSearchResult res(nq);
    index.range_search(nq, xq.data(), 1e30f, &res, &params);
    for (size_t q = 0; q < nq; q++) {
        EXPECT_EQ(res.lims[q + 1] - res.lims[q], 100u);
        for (size_t i = res.lims[q]; i < res.lims[q + 1]; i++) {
            EXPECT_TRUE(sel.is_member(res.labels[i]));
        }
    }
}

TEST(IndexIDMap, RemoveIdsByUserId) {
    const size_t nb = 200;
    auto xb = clustered_vectors(nb, kDim, 24);
    auto ids = user_ids(nb);
    IndexIDMap index(new IndexFlatL2(kDim));
    index.own_fields = true;
    index.add_with_ids(nb, xb.data(), ids.data());
    std::vector<idx_t> to_remove = {ids[3], ids[100], ids[199], 123456789};
    IDSelectorBatch sel(to_remove.size(), to_remove.data());
    EXPECT_EQ(index.remove_ids(sel), 3u);
    EXPECT_EQ(index.ntotal, idx_t(nb - 3));
    EXPECT_EQ(index.index->ntotal, idx_t(nb - 3));
    std::vector<float> D(nb);
    std::vector<idx_t> I(nb);
    index.search(1, xb.data() + 100 * kDim, nb, D.data(), I.data());
    std::set<idx_t> seen(I.begin(), I.begin() + nb - 3);
    EXPECT_EQ(seen.size(), nb - 3);
    for (idx_t removed : to_remove) {
        EXPECT_EQ(seen.count(removed), 0u);
    }
    // Row 4 (id ids[4]) is still found exactly.
    index.search(1, xb.data() + 4 * kDim, 1, D.data(), I.data());
    EXPECT_EQ(I[0], ids[4]);
}

TEST(IndexIDMap, AddWithoutIdsAndBadInputAreRefused) {
    auto xb = clustered_vectors(10, kDim, 25);
    auto ids = user_ids(10);
    IndexIDMap index(new IndexFlatL2(kDim));
    index.own_fields = true;
    try {
        index.add(10, xb.data());
        FAIL() << "add must be refused";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("use add_with_ids"), std::string::npos);
    }
    EXPECT_THROW(index.add_with_ids(10, xb.data(), nullptr), FaisslikeException);
    EXPECT_THROW(index.add_with_ids(10, nullptr, ids.data()), FaisslikeException);
    EXPECT_EQ(index.ntotal, 0);
    EXPECT_EQ(index.index->ntotal, 0);
    IndexFlatL2 full(kDim);
    full.add(10, xb.data());
    EXPECT_THROW(IndexIDMap{&full}, FaisslikeException);
    EXPECT_THROW(IndexIDMap{nullptr}, FaisslikeException);
    std::vector<float> v(kDim);
    index.add_with_ids(10, xb.data(), ids.data());
    EXPECT_THROW(index.reconstruct(ids[0], v.data()), FaisslikeException);
}

TEST(IndexIDMap2, ReconstructByUserId) {
    const size_t nb = 100;
    auto xb = clustered_vectors(nb, kDim, 26);
    auto ids = user_ids(nb);
    IndexIDMap2 index(new IndexFlatIP(kDim));
    index.own_fields = true;
    index.add_with_ids(nb, xb.data(), ids.data());
    std::vector<float> v(kDim);
    index.reconstruct(ids[42], v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), xb.data() + 42 * kDim, kDim * sizeof(float)));
    EXPECT_THROW(index.reconstruct(42, v.data()), FaisslikeException);

    // After removal the reverse map follows the compaction.
    IDSelectorRange sel(0, ids[10]); // rows 0..9
    EXPECT_EQ(index.remove_ids(sel), 10u);
    index.reconstruct(ids[42], v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), xb.data() + 42 * kDim, kDim * sizeof(float)));
    EXPECT_THROW(index.reconstruct(ids[5], v.data()), FaisslikeException);
}

TEST(IndexIDMap2, DuplicateIdsAreRefusedWithoutChange) {
    auto xb = clustered_vectors(4, kDim, 27);
    IndexIDMap2 index(new IndexFlatL2(kDim));
    index.own_fields = true;
    idx_t first[2] = {1, 2};
    index.add_with_ids(2, xb.data(), first);
    idx_t again[2] = {3, 1};
    EXPECT_THROW(index.add_with_ids(2, xb.data() + 2 * kDim, again), FaisslikeException);
    idx_t twice[2] = {5, 5};
    EXPECT_THROW(index.add_with_ids(2, xb.data() + 2 * kDim, twice), FaisslikeException);
    EXPECT_EQ(index.ntotal, 2);
    EXPECT_EQ(index.index->ntotal, 2);
    EXPECT_EQ(index.rev_map.size(), 2u);
}

TEST(IndexIDMap, MergeFromShiftsIds) {
    const size_t na = 40, nb = 30;
    auto xa = clustered_vectors(na, kDim, 28);
    auto xb = clustered_vectors(nb, kDim, 29);
    auto ida = user_ids(na), idb = user_ids(nb);
    IndexIDMap2 a(new IndexFlatL2(kDim)), b(new IndexFlatL2(kDim));
    a.own_fields = b.own_fields = true;
    a.add_with_ids(na, xa.data(), ida.data());
    b.add_with_ids(nb, xb.data(), idb.data());
    a.merge_from(b, 1);
    EXPECT_EQ(a.ntotal, idx_t(na + nb));
    EXPECT_EQ(b.ntotal, 0);
    EXPECT_EQ(b.index->ntotal, 0);
    float D;
    idx_t I;
    a.search(1, xb.data() + 7 * kDim, 1, &D, &I);
    EXPECT_EQ(I, idb[7] + 1);
    std::vector<float> v(kDim);
    a.reconstruct(idb[7] + 1, v.data());
    EXPECT_EQ(0, std::memcmp(v.data(), xb.data() + 7 * kDim, kDim * sizeof(float)));
    IndexIDMap plain(new IndexFlatL2(kDim));
    plain.own_fields = true;
    EXPECT_THROW(a.merge_from(plain), FaisslikeException);
}

TEST(IndexIDMap, ResetEmptiesBoth) {
    auto xb = clustered_vectors(5, kDim, 30);
    auto ids = user_ids(5);
    IndexIDMap2 index(new IndexFlatL2(kDim));
    index.own_fields = true;
    index.add_with_ids(5, xb.data(), ids.data());
    index.reset();
    EXPECT_EQ(index.ntotal, 0);
    EXPECT_EQ(index.index->ntotal, 0);
    EXPECT_TRUE(index.id_map.empty());
    EXPECT_TRUE(index.rev_map.empty());
    index.add_with_ids(5, xb.data(), ids.data());
    EXPECT_EQ(index.ntotal, 5);
}

} // namespace
} // namespace faisslike
