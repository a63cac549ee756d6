#pragma once

// Binary heaps of (distance, id) pairs that keep the k best results of a query.
// CMax keeps the k smallest values (its top is the largest kept, the one to evict):
// used for L2. CMin keeps the k largest: used for inner product. Ties are broken
// on the id so results are deterministic whatever the scan order.

#include <cstddef>
#include <limits>

#include <faisslike/MetricType.h>

namespace faisslike {

template <typename T_, typename TI_>
struct CMax {
    using T = T_;
    using TI = TI_;
    /// True when (a, ia) must sit above (b, ib) in the heap, i.e. is worse.
    static bool cmp2(T a, T b, TI ia, TI ib) {
        return a > b || (a == b && ia > ib);
    }
    static bool cmp(T a, T b) { return a > b; }
    static T neutral() { return std::numeric_limits<T>::max(); }
    static constexpr bool is_max = true;
};

template <typename T_, typename TI_>
struct CMin {
    using T = T_;
    using TI = TI_;
    static bool cmp2(T a, T b, TI ia, TI ib) {
        return a < b || (a == b && ia > ib);
    }
    static bool cmp(T a, T b) { return a < b; }
    static T neutral() { return std::numeric_limits<T>::lowest(); }
    static constexpr bool is_max = false;
};

/// Replaces the top of a heap of size k by (val, id) and sifts it down.
template <class C>
inline void heap_replace_top(
        size_t k,
        typename C::T* vals,
        typename C::TI* ids,
        typename C::T val,
        typename C::TI id) {
    size_t i = 0;
    for (;;) {
        size_t left = 2 * i + 1;
        if (left >= k) {
            break;
        }
        size_t right = left + 1;
        size_t child = left;
        if (right < k && C::cmp2(vals[right], vals[left], ids[right], ids[left])) {
            child = right;
        }
        if (!C::cmp2(vals[child], val, ids[child], id)) {
            break;
        }
        vals[i] = vals[child];
        ids[i] = ids[child];
        i = child;
    }
    vals[i] = val;
    ids[i] = id;
}

/// Adds (val, id) to a heap that holds k - 1 elements (k counts the new one).
template <class C>
inline void heap_push(
        size_t k,
        typename C::T* vals,
        typename C::TI* ids,
        typename C::T val,
        typename C::TI id) {
    size_t i = k - 1;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!C::cmp2(val, vals[parent], id, ids[parent])) {
            break;
        }
        vals[i] = vals[parent];
        ids[i] = ids[parent];
        i = parent;
    }
    vals[i] = val;
    ids[i] = id;
}

/// Removes the top of a heap of size k (the heap then has k - 1 elements).
template <class C>
inline void heap_pop(size_t k, typename C::T* vals, typename C::TI* ids) {
    if (k <= 1) {
        return;
    }
    heap_replace_top<C>(k - 1, vals, ids, vals[k - 1], ids[k - 1]);
}

/// Fills a heap of size k with the neutral value and id -1 (an empty result).
template <class C>
inline void heap_heapify(size_t k, typename C::T* vals, typename C::TI* ids) {
    for (size_t i = 0; i < k; i++) {
        vals[i] = C::neutral();
        ids[i] = -1;
    }
}

/// Offers (val, id) to a full heap of size k; keeps it if better than the worst.
template <class C>
inline void heap_offer(
        size_t k,
        typename C::T* vals,
        typename C::TI* ids,
        typename C::T val,
        typename C::TI id) {
    if (C::cmp2(vals[0], val, ids[0], id)) {
        heap_replace_top<C>(k, vals, ids, val, id);
    }
}

/// Sorts a heap of size k in place, best first. Slots never filled keep id -1
/// and the neutral value, +FLT_MAX (CMax) or -FLT_MAX (CMin): Faiss's padding.
template <class C>
inline void heap_reorder(size_t k, typename C::T* vals, typename C::TI* ids) {
    // Pop repeatedly: each pop moves the current worst to the end.
    for (size_t n = k; n > 1; n--) {
        typename C::T v = vals[0];
        typename C::TI id = ids[0];
        heap_pop<C>(n, vals, ids);
        vals[n - 1] = v;
        ids[n - 1] = id;
    }
}

using float_maxheap = CMax<float, idx_t>;
using float_minheap = CMin<float, idx_t>;

} // namespace faisslike
