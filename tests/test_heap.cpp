// Top-k heaps against a full sort.

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <random>

#include <faisslike/utils/Heap.h>

namespace faisslike {
namespace {

template <class C>
void check_heap_keeps_best(bool ascending) {
    std::mt19937 rng(7);
    for (size_t k : {1, 2, 5, 16, 100}) {
        for (size_t n : {0, 3, 50, 1000}) {
            std::vector<float> vals(n);
            for (auto& v : vals) {
                v = float(rng() % 200); // many ties
            }
            std::vector<float> hv(k);
            std::vector<idx_t> hi(k);
            heap_heapify<C>(k, hv.data(), hi.data());
            for (size_t i = 0; i < n; i++) {
                heap_offer<C>(k, hv.data(), hi.data(), vals[i], idx_t(i));
            }
            heap_reorder<C>(k, hv.data(), hi.data());

            std::vector<std::pair<float, idx_t>> all;
            for (size_t i = 0; i < n; i++) {
                all.emplace_back(ascending ? vals[i] : -vals[i], idx_t(i));
            }
            std::sort(all.begin(), all.end());
            for (size_t i = 0; i < k; i++) {
                if (i < n) {
                    EXPECT_EQ(hi[i], all[i].second) << "k=" << k << " n=" << n << " rank " << i;
                    EXPECT_EQ(hv[i], ascending ? all[i].first : -all[i].first);
                } else {
                    EXPECT_EQ(hi[i], -1);
                    EXPECT_EQ(hv[i], ascending ? FLT_MAX : -FLT_MAX);
                }
            }
        }
    }
}

TEST(Heap, MaxHeapKeepsSmallestWithIdTieBreak) {
    check_heap_keeps_best<CMax<float, idx_t>>(true);
}

TEST(Heap, MinHeapKeepsLargestWithIdTieBreak) {
    check_heap_keeps_best<CMin<float, idx_t>>(false);
}

TEST(Heap, NaNNeverEntersAHeap) {
    const size_t k = 3;
    float hv[k];
    idx_t hi[k];
    heap_heapify<float_maxheap>(k, hv, hi);
    heap_offer<float_maxheap>(k, hv, hi, std::nanf(""), 1);
    heap_offer<float_maxheap>(k, hv, hi, 2.0f, 2);
    heap_reorder<float_maxheap>(k, hv, hi);
    EXPECT_EQ(hi[0], 2);
    EXPECT_EQ(hi[1], -1);
    EXPECT_EQ(hi[2], -1);
}

TEST(Heap, PushAndPopKeepOrder) {
    std::vector<float> v(10);
    std::vector<idx_t> ids(10);
    float input[] = {5, 1, 9, 3, 7};
    for (size_t i = 0; i < 5; i++) {
        heap_push<float_maxheap>(i + 1, v.data(), ids.data(), input[i], idx_t(i));
    }
    EXPECT_EQ(v[0], 9);
    heap_pop<float_maxheap>(5, v.data(), ids.data());
    EXPECT_EQ(v[0], 7);
}

} // namespace
} // namespace faisslike
