#pragma once

// Block-level k-selection: one thread block finds the k best (value, id)
// pairs of one row of candidates and writes them sorted, best first.
//
// Algorithm (radix select, then a sort of the survivors):
//  1. The k-th best key is found digit by digit, 8 bits at a time, from a
//     histogram in shared memory that all threads fill (one atomic add per
//     candidate). A key is the order-preserving 32-bit image of the distance
//     followed by the 64-bit id, so ties in distance are broken by the
//     smaller id, as the CPU heaps do; the search stops as soon as the bucket
//     holding the k-th key is taken whole, usually after 2 to 4 digits.
//  2. Every candidate at or below that key is appended to a shared buffer.
//  3. The buffer (at most kMaxBlockK entries) is sorted by a bitonic network.
// The sort buffer is what bounds one pass to kMaxBlockK results. Larger k is
// served by further passes over the same row, each keeping only keys strictly
// after the last key of the previous pass: ranks [0, 2048), [2048, 4096), ...
// (Faiss's register-resident queues stop at k = 2048.)
//
// Block model: `b.run(f)` runs f(tid) for every thread of the block and then
// waits at a barrier (on the device f(threadIdx.x); __syncthreads()). State
// that lives across phases is in shared memory; values read after a run() are
// the same for every thread, so control flow stays uniform.
//
// Row model: `row.for_each(tid, nthreads, f)` calls f(value, id) for the valid
// candidates that thread tid owns, `row.largest` tells the direction (true:
// keep the largest values, inner product; false: the smallest, L2).

#include "HostDevice.h"

namespace faisslike {
namespace gpu {
namespace kernels {

/// Results per selection pass (Faiss's GPU_MAX_SELECTION_K).
constexpr int kMaxBlockK = 2048;

/// Order-preserving map of a float to an unsigned key; smaller key = better.
FAISSLIKE_HD inline uint32_t select_key(float v, bool largest) {
    uint32_t u = float_bits(v);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return largest ? ~u : u;
}

FAISSLIKE_HD inline float select_value(uint32_t key, bool largest) {
    uint32_t u = largest ? ~key : key;
    u = (u & 0x80000000u) ? (u & 0x7fffffffu) : ~u;
    return bits_float(u);
}

/// The distance given to missing results: +FLT_MAX (L2) or -FLT_MAX (IP).
FAISSLIKE_HD inline float select_padding(bool largest) {
    return largest ? -kFloatMax : kFloatMax;
}

/// Full sort key of a candidate: distance key, then id.
struct SelectKey {
    uint32_t v;
    uint64_t id;

    FAISSLIKE_HD bool operator<(const SelectKey& o) const {
        return v < o.v || (v == o.v && id < o.id);
    }
};

/// Digit `depth` (0..11) of a key, most significant first: four of the
/// distance key, then eight of the id.
FAISSLIKE_HD inline uint32_t select_digit(const SelectKey& k, int depth) {
    return depth < 4 ? (k.v >> (24 - 8 * depth)) & 0xffu
                     : uint32_t(k.id >> (56 - 8 * (depth - 4))) & 0xffu;
}

/// Compares the first `depth` digits of a with those of b: -1, 0 or 1.
FAISSLIKE_HD inline int select_prefix_cmp(
        const SelectKey& a,
        const SelectKey& b,
        int depth) {
    const int vbits = hd_min(depth, 4) * 8;
    const uint32_t vmask = vbits == 0 ? 0u
            : vbits == 32             ? 0xffffffffu
                                      : ~(0xffffffffu >> vbits);
    const uint32_t av = a.v & vmask, bv = b.v & vmask;
    if (av != bv) {
        return av < bv ? -1 : 1;
    }
    const int ibits = hd_max(depth - 4, 0) * 8;
    const uint64_t imask = ibits == 0 ? uint64_t(0)
            : ibits == 64             ? ~uint64_t(0)
                                      : ~(~uint64_t(0) >> ibits);
    const uint64_t ai = a.id & imask, bi = b.id & imask;
    return ai == bi ? 0 : (ai < bi ? -1 : 1);
}

/// Shared-memory state of block_select (the header; the sort buffer follows).
struct SelectShared {
    uint32_t hist[256];
    SelectKey prefix;   ///< digits of the k-th key fixed so far
    SelectKey bound;    ///< last key of the previous pass
    int depth;          ///< number of digits fixed
    uint32_t needed;    ///< keys still to take inside the current prefix
    uint32_t count;     ///< keys appended below the k-th key (or all, take_all)
    uint32_t eq_count;  ///< keys equal to the k-th key seen (duplicated ids only)
    int done;           ///< the selection predicate is final
    int take_all;       ///< fewer candidates than needed: take every one
    int has_bound;      ///< a previous pass exists
    int exhausted;      ///< a previous pass ran out of candidates
};

/// Smallest power of two >= n (n >= 1).
FAISSLIKE_HD inline int select_pow2(int n) {
    int p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

/// Shared memory one block needs to select with passes of `chunk` results.
inline size_t select_shared_bytes(int chunk) {
    return sizeof(SelectShared) + size_t(select_pow2(chunk)) * sizeof(SelectKey);
}

/// The k best candidates of `row`, sorted best first, into out_d / out_i
/// (k entries each); missing results are padded with (select_padding, -1).
/// Passes of `chunk` (<= kMaxBlockK) results each. `smem` holds
/// select_shared_bytes(chunk) bytes, aligned for 8-byte words.
template <class Block, class Row>
FAISSLIKE_HD void block_select(
        Block& b,
        char* smem,
        const Row& row,
        int k,
        int chunk,
        float* out_d,
        int64_t* out_i) {
    SelectShared& sh = *reinterpret_cast<SelectShared*>(smem);
    SelectKey* buf = reinterpret_cast<SelectKey*>(smem + sizeof(SelectShared));
    const bool largest = row.largest;
    const int nt = b.num_threads();

    b.run([&](int tid) {
        if (tid == 0) {
            sh.has_bound = 0;
            sh.exhausted = 0;
        }
    });

    for (int first = 0; first < k; first += chunk) {
        const int kk = hd_min(chunk, k - first);
        float* od = out_d + first;
        int64_t* oi = out_i + first;
        if (sh.exhausted) {
            b.run([&](int tid) {
                for (int j = tid; j < kk; j += nt) {
                    od[j] = select_padding(largest);
                    oi[j] = -1;
                }
            });
            continue;
        }
        b.run([&](int tid) {
            if (tid == 0) {
                sh.depth = 0;
                sh.needed = uint32_t(kk);
                sh.count = 0;
                sh.eq_count = 0;
                sh.done = 0;
                sh.take_all = 0;
                sh.prefix = SelectKey{0, 0};
            }
        });
        // A candidate of this pass is strictly after the previous pass's last key.
        auto in_pass = [&](const SelectKey& key) {
            return !sh.has_bound || sh.bound < key;
        };
        while (!sh.done && sh.depth < 12) {
            b.run([&](int tid) {
                for (int j = tid; j < 256; j += nt) {
                    sh.hist[j] = 0;
                }
            });
            b.run([&](int tid) {
                const int depth = sh.depth;
                row.for_each(tid, nt, [&](float v, int64_t id) {
                    const SelectKey key{select_key(v, largest), uint64_t(id)};
                    if (in_pass(key) && select_prefix_cmp(key, sh.prefix, depth) == 0) {
                        shared_atomic_add(&sh.hist[select_digit(key, depth)], 1);
                    }
                });
            });
            b.run([&](int tid) {
                if (tid != 0) {
                    return;
                }
                uint32_t total = 0;
                for (int j = 0; j < 256; j++) {
                    total += sh.hist[j];
                }
                if (total <= sh.needed) {
                    // Everything under the prefix is taken (at depth 0: the
                    // row has no more than k candidates).
                    sh.take_all = sh.depth == 0;
                    sh.done = 1;
                    return;
                }
                uint32_t before = 0;
                int digit = 0;
                while (before + sh.hist[digit] < sh.needed) {
                    before += sh.hist[digit];
                    digit++;
                }
                const int depth = sh.depth;
                if (depth < 4) {
                    sh.prefix.v |= uint32_t(digit) << (24 - 8 * depth);
                } else {
                    sh.prefix.id |= uint64_t(digit) << (56 - 8 * (depth - 4));
                }
                sh.needed -= before;
                sh.depth = depth + 1;
                sh.done = sh.hist[digit] == sh.needed;
            });
        }
        // Append the selected keys: those strictly below the k-th key (exactly
        // kk - needed of them), then `needed` keys equal to it. Keys are
        // unique unless the caller stored one id twice.
        b.run([&](int tid) {
            const int depth = sh.depth;
            const bool all = sh.take_all;
            const uint32_t below = uint32_t(kk) - sh.needed;
            row.for_each(tid, nt, [&](float v, int64_t id) {
                const SelectKey key{select_key(v, largest), uint64_t(id)};
                if (!in_pass(key)) {
                    return;
                }
                const int c = all ? -1 : select_prefix_cmp(key, sh.prefix, depth);
                if (c < 0) {
                    buf[shared_atomic_add(&sh.count, 1)] = key;
                } else if (c == 0) {
                    const uint32_t e = shared_atomic_add(&sh.eq_count, 1);
                    if (e < sh.needed) {
                        buf[below + e] = key;
                    }
                }
            });
        });
        const int count = sh.take_all ? int(sh.count) : kk;
        const int p2 = select_pow2(hd_max(count, 1));
        b.run([&](int tid) {
            for (int j = count + tid; j < p2; j += nt) {
                buf[j] = SelectKey{0xffffffffu, ~uint64_t(0)};
            }
        });
        // Bitonic sort of p2 keys: pair i of a step compares lo and lo + stride,
        // ascending where bit `size` of lo is clear.
        for (int size = 2; size <= p2; size <<= 1) {
            for (int stride = size >> 1; stride > 0; stride >>= 1) {
                b.run([&](int tid) {
                    for (int i = tid; i < p2 / 2; i += nt) {
                        const int lo = (i / stride) * stride * 2 + (i % stride);
                        const int hi = lo + stride;
                        const bool ascending = (lo & size) == 0;
                        if ((buf[hi] < buf[lo]) == ascending) {
                            const SelectKey t = buf[lo];
                            buf[lo] = buf[hi];
                            buf[hi] = t;
                        }
                    }
                });
            }
        }
        b.run([&](int tid) {
            for (int j = tid; j < kk; j += nt) {
                if (j < count) {
                    od[j] = select_value(buf[j].v, largest);
                    oi[j] = int64_t(buf[j].id);
                } else {
                    od[j] = select_padding(largest);
                    oi[j] = -1;
                }
            }
            if (tid == 0) {
                if (count < kk) {
                    sh.exhausted = 1;
                } else {
                    sh.bound = buf[kk - 1];
                    sh.has_bound = 1;
                }
            }
        });
    }
}

/// A row made of up to two (distance, id) lists, e.g. the running best k of
/// a query and the best k of a new tile. Entries with id -1 are padding.
struct MergeRow {
    const float* d0 = nullptr;
    const int64_t* i0 = nullptr;
    int n0 = 0;
    const float* d1 = nullptr;
    const int64_t* i1 = nullptr;
    int n1 = 0;
    bool largest = false;

    template <class F>
    FAISSLIKE_HD void for_each(int tid, int nt, F&& f) const {
        for (int j = tid; j < n0; j += nt) {
            if (i0[j] >= 0) {
                f(d0[j], i0[j]);
            }
        }
        for (int j = tid; j < n1; j += nt) {
            if (i1[j] >= 0) {
                f(d1[j], i1[j]);
            }
        }
    }
};

/// Kernel body: block bx merges row bx of two lists of results (row strides
/// s0, s1; n1 = 0 for a plain re-selection) into its k best.
struct MergeBody {
    const float* d0;
    const int64_t* i0;
    int n0;
    int s0;
    const float* d1;
    const int64_t* i1;
    int n1;
    int s1;
    bool largest;
    int k;
    int chunk;
    float* out_d;
    int64_t* out_i;
    int out_stride;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char* smem) const {
        MergeRow row;
        row.d0 = d0 + size_t(bx) * s0;
        row.i0 = i0 + size_t(bx) * s0;
        row.n0 = n0;
        if (n1 > 0) {
            row.d1 = d1 + size_t(bx) * s1;
            row.i1 = i1 + size_t(bx) * s1;
            row.n1 = n1;
        }
        row.largest = largest;
        block_select(b, smem, row, k, chunk, out_d + size_t(bx) * out_stride,
                     out_i + size_t(bx) * out_stride);
    }
};

} // namespace kernels
} // namespace gpu
} // namespace faisslike
