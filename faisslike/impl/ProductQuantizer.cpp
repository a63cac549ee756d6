#include <faisslike/impl/ProductQuantizer.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12 flags the deliberately undefined vectors inside its own AVX-512
// intrinsics as uninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

// Functions compiled for the SIMD levels of simd_levels.h (same feature sets).
#define FAISSLIKE_PQ_X86 1
#define FAISSLIKE_PQ_AVX2 __attribute__((target("avx2,fma")))
#define FAISSLIKE_PQ_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#endif

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/utils/parallel.h>
#include <faisslike/utils/random.h>
#include <faisslike/utils/simd_levels.h>

namespace faisslike {

/*********************************************************** kernels */

// The table and encoding kernels are written once with GCC vector extensions
// and compiled for each SIMD level through target attributes; active_simd_level()
// picks one at run time. Vector lanes run along the centroids of a
// sub-quantizer. The centroids are read either from a transposed copy
// (dsub, M, ksub), one vector load per component, or from their natural
// (M, ksub, dsub) layout, one element per lane; the arithmetic is the same
// vector code either way, so both give bit-identical tables and codes.

namespace {

#define FAISSLIKE_PQ_INLINE inline __attribute__((always_inline))

template <int W>
struct Vec {
    typedef float F __attribute__((vector_size(W * sizeof(float))));
    typedef int32_t I __attribute__((vector_size(W * sizeof(int32_t))));
};

/// Sizes of the centroid table the kernels read.
struct Geometry {
    size_t dsub, M, ksub;
};

/// Component t of centroid j of one sub-quantizer, transposed layout.
struct TransposedLayout {
    const float* base; ///< first centroid of the sub-quantizer in row t = 0
    size_t stride;     ///< M * ksub: distance between component rows

    FAISSLIKE_PQ_INLINE float at(size_t t, size_t j) const { return base[t * stride + j]; }
    template <class V>
    FAISSLIKE_PQ_INLINE void load(V& v, size_t t, size_t j) const {
        std::memcpy(&v, base + t * stride + j, sizeof(V));
    }
};

/// The same in the natural layout.
struct NaturalLayout {
    const float* base; ///< first centroid of the sub-quantizer
    size_t dsub;

    FAISSLIKE_PQ_INLINE float at(size_t t, size_t j) const { return base[j * dsub + t]; }
    template <class V>
    FAISSLIKE_PQ_INLINE void load(V& v, size_t t, size_t j) const {
        float lanes[sizeof(V) / sizeof(float)];
        for (size_t l = 0; l < sizeof(V) / sizeof(float); l++) {
            lanes[l] = base[(j + l) * dsub + t];
        }
        std::memcpy(&v, lanes, sizeof(V));
    }
};

template <bool kIP, class V>
FAISSLIKE_PQ_INLINE void accumulate(V& acc, const V& x, const V& c) {
    if (kIP) {
        acc += x * c;
    } else {
        V diff = x - c;
        acc += diff * diff;
    }
}

/// Lanes j .. j + W of component t; lanes at or past `end` read as zero.
template <bool kFull, class Layout, class V>
FAISSLIKE_PQ_INLINE void load_lanes(const Layout& lay, V& v, size_t t, size_t j, size_t end) {
    if (kFull) {
        lay.load(v, t, j);
        return;
    }
    v = V{};
    for (size_t l = 0; l < sizeof(V) / sizeof(float) && j + l < end; l++) {
        v[l] = lay.at(t, j + l);
    }
}

/// The shape of a kernel: W floats per vector register, R registers of
/// centroids per block (independent accumulators hide the add latency) and
/// NV sub-vectors served by each load of the centroids (the centroid table
/// of a PQ does not fit in L1, so reusing each load matters most).
template <int W_, size_t R_, size_t NV_>
struct Shape {
    static constexpr int W = W_;
    static constexpr size_t R = R_, NV = NV_, kBlock = R_ * size_t(W_);
    using V = typename Vec<W_>::F;
    using VI = typename Vec<W_>::I;
};

/// acc[v][r] = distances (or inner products) of sub-vector xs[v] to the W
/// centroids j0 + r * W ... Unless kFull, the lanes from ksub on are computed
/// from zeros and must be ignored by the caller.
template <class S, bool kIP, bool kFull, class Layout>
FAISSLIKE_PQ_INLINE void block_distances(const Layout& lay, const float* const* xs, size_t dsub,
                                         size_t j0, size_t ksub,
                                         typename S::V (&acc)[S::NV][S::R]) {
    using V = typename S::V;
    for (size_t v = 0; v < S::NV; v++) {
        for (size_t r = 0; r < S::R; r++) {
            acc[v][r] = V{};
        }
    }
    for (size_t t = 0; t < dsub; t++) {
        V c[S::R];
        for (size_t r = 0; r < S::R; r++) {
            load_lanes<kFull>(lay, c[r], t, j0 + r * S::W, ksub);
        }
        for (size_t v = 0; v < S::NV; v++) {
            V xv = xs[v][t] - V{}; // a broadcast (x - 0 is exactly x)
            for (size_t r = 0; r < S::R; r++) {
                accumulate<kIP>(acc[v][r], xv, c[r]);
            }
        }
    }
}

/// Tables of NV vectors for one sub-quantizer: out[v][j] for j < ksub.
template <class S, bool kIP, class Layout>
FAISSLIKE_PQ_INLINE void tables_one_m(const Layout& lay, const float* const* xs, size_t dsub,
                                      size_t ksub, float* const* outs) {
    using V = typename S::V;
    V acc[S::NV][S::R];
    size_t j0 = 0;
    for (; j0 + S::kBlock <= ksub; j0 += S::kBlock) {
        block_distances<S, kIP, true>(lay, xs, dsub, j0, ksub, acc);
        for (size_t v = 0; v < S::NV; v++) {
            std::memcpy(outs[v] + j0, acc[v], sizeof(acc[v]));
        }
    }
    if (j0 < ksub) {
        block_distances<S, kIP, false>(lay, xs, dsub, j0, ksub, acc);
        for (size_t v = 0; v < S::NV; v++) {
            std::memcpy(outs[v] + j0, acc[v], sizeof(float) * (ksub - j0));
        }
    }
}

/// Keeps, per lane, the smallest distance seen and its centroid.
template <class V, class VI>
FAISSLIKE_PQ_INLINE void keep_best(V& best, VI& best_j, const V& a, const VI& j) {
    VI better = a < best;
    best = better ? a : best;
    best_j = better ? j : best_j;
}

/// Nearest centroid (and its distance) of NV sub-vectors for one
/// sub-quantizer: the distances never reach memory, each lane keeps the best
/// centroid it has seen, and the lanes are reduced at the end (smallest
/// distance, then smallest index; NaN never wins).
template <class S, class Layout>
FAISSLIKE_PQ_INLINE void nearest_one_m(const Layout& lay, const float* const* xs, size_t dsub,
                                       size_t ksub, uint32_t* idx, float* dis) {
    using V = typename S::V;
    using VI = typename S::VI;
    const V inf = V{} + std::numeric_limits<float>::infinity();
    VI lane;
    for (int l = 0; l < S::W; l++) {
        lane[l] = l;
    }
    V best[S::NV];
    VI best_j[S::NV];
    for (size_t v = 0; v < S::NV; v++) {
        best[v] = inf;
        best_j[v] = VI{};
    }
    V acc[S::NV][S::R];
    size_t j0 = 0;
    for (; j0 + S::kBlock <= ksub; j0 += S::kBlock) {
        block_distances<S, false, true>(lay, xs, dsub, j0, ksub, acc);
        for (size_t r = 0; r < S::R; r++) {
            VI j = lane + int32_t(j0 + r * S::W);
            for (size_t v = 0; v < S::NV; v++) {
                keep_best(best[v], best_j[v], acc[v][r], j);
            }
        }
    }
    if (j0 < ksub) {
        block_distances<S, false, false>(lay, xs, dsub, j0, ksub, acc);
        const VI end = VI{} + int32_t(ksub);
        for (size_t r = 0; r < S::R; r++) {
            VI j = lane + int32_t(j0 + r * S::W);
            for (size_t v = 0; v < S::NV; v++) {
                keep_best(best[v], best_j[v], j < end ? acc[v][r] : inf, j);
            }
        }
    }
    for (size_t v = 0; v < S::NV; v++) {
        float b = std::numeric_limits<float>::infinity();
        uint32_t arg = 0;
        for (int l = 0; l < S::W; l++) {
            uint32_t j = uint32_t(best_j[v][l]);
            if (best[v][l] < b || (best[v][l] == b && j < arg)) {
                b = best[v][l];
                arg = j;
            }
        }
        idx[v] = arg;
        if (dis) {
            dis[v] = b;
        }
    }
}

/// Where the kernels read the centroids: a transposed copy when `cT` is set,
/// else the natural layout `cent`.
struct Centroids {
    const float* cT;
    const float* cent;

    FAISSLIKE_PQ_INLINE TransposedLayout transposed(const Geometry& g, size_t m) const {
        return {cT + m * g.ksub, g.M * g.ksub};
    }
    FAISSLIKE_PQ_INLINE NaturalLayout natural(const Geometry& g, size_t m) const {
        return {cent + m * g.ksub * g.dsub, g.dsub};
    }
};

/// Tables of n vectors (rows of g.M * g.dsub floats) for sub-quantizer m,
/// NV at a time.
template <class S, bool kIP, class Layout>
FAISSLIKE_PQ_INLINE void tables_m(const Geometry& g, const Layout& lay, size_t m, size_t n,
                                  const float* x, float* out) {
    using S1 = Shape<S::W, S::R, 1>;
    const size_t d = g.M * g.dsub, ts = g.M * g.ksub;
    size_t i = 0;
    for (; i + S::NV <= n; i += S::NV) {
        const float* xs[S::NV];
        float* outs[S::NV];
        for (size_t v = 0; v < S::NV; v++) {
            xs[v] = x + (i + v) * d + m * g.dsub;
            outs[v] = out + (i + v) * ts + m * g.ksub;
        }
        tables_one_m<S, kIP>(lay, xs, g.dsub, g.ksub, outs);
    }
    for (; i < n; i++) {
        const float* xs[1] = {x + i * d + m * g.dsub};
        float* outs[1] = {out + i * ts + m * g.ksub};
        tables_one_m<S1, kIP>(lay, xs, g.dsub, g.ksub, outs);
    }
}

template <class S, bool kIP>
FAISSLIKE_PQ_INLINE void tables_n(const Geometry& g, const Centroids& c, size_t n, const float* x,
                                  float* out) {
    for (size_t m = 0; m < g.M; m++) {
        if (c.cT) {
            tables_m<S, kIP>(g, c.transposed(g, m), m, n, x, out);
        } else {
            tables_m<S, kIP>(g, c.natural(g, m), m, n, x, out);
        }
    }
}

/// Nearest centroids of the sub-vectors m of n vectors: idx and dis
/// (optional) are n * g.M.
template <class S, class Layout>
FAISSLIKE_PQ_INLINE void nearest_m(const Geometry& g, const Layout& lay, size_t m, size_t n,
                                   const float* x, uint32_t* idx, float* dis) {
    using S1 = Shape<S::W, S::R, 1>;
    const size_t d = g.M * g.dsub;
    size_t i = 0;
    for (; i + S::NV <= n; i += S::NV) {
        const float* xs[S::NV];
        uint32_t bi[S::NV];
        float bd[S::NV];
        for (size_t v = 0; v < S::NV; v++) {
            xs[v] = x + (i + v) * d + m * g.dsub;
        }
        nearest_one_m<S>(lay, xs, g.dsub, g.ksub, bi, bd);
        for (size_t v = 0; v < S::NV; v++) {
            idx[(i + v) * g.M + m] = bi[v];
            if (dis) {
                dis[(i + v) * g.M + m] = bd[v];
            }
        }
    }
    for (; i < n; i++) {
        const float* xs[1] = {x + i * d + m * g.dsub};
        nearest_one_m<S1>(lay, xs, g.dsub, g.ksub, idx + i * g.M + m,
                          dis ? dis + i * g.M + m : nullptr);
    }
}

template <class S>
FAISSLIKE_PQ_INLINE void nearest_n(const Geometry& g, const Centroids& c, size_t n, const float* x,
                                   uint32_t* idx, float* dis) {
    for (size_t m = 0; m < g.M; m++) {
        if (c.cT) {
            nearest_m<S>(g, c.transposed(g, m), m, n, x, idx, dis);
        } else {
            nearest_m<S>(g, c.natural(g, m), m, n, x, idx, dis);
        }
    }
}

/// One SIMD level's kernels.
struct PQKernels {
    /// n tables of M * ksub floats (squared distances, or inner products when ip).
    void (*tables)(const Geometry&, const Centroids&, size_t n, const float* x, float* out, bool ip);
    /// Nearest centroid of the M sub-vectors of n vectors, and its distance if dis is set.
    void (*nearest)(const Geometry&, const Centroids&, size_t n, const float* x, uint32_t* idx,
                    float* dis);
};

#define FAISSLIKE_PQ_KERNELS(NAME, SHAPE, TARGET)                                              \
    TARGET void NAME##_tables(const Geometry& g, const Centroids& c, size_t n, const float* x, \
                              float* out, bool ip) {                                            \
        if (ip) {                                                                               \
            tables_n<SHAPE, true>(g, c, n, x, out);                                             \
        } else {                                                                                \
            tables_n<SHAPE, false>(g, c, n, x, out);                                            \
        }                                                                                       \
    }                                                                                           \
    TARGET void NAME##_nearest(const Geometry& g, const Centroids& c, size_t n, const float* x, \
                               uint32_t* idx, float* dis) {                                     \
        nearest_n<SHAPE>(g, c, n, x, idx, dis);                                                 \
    }                                                                                           \
    const PQKernels NAME##_kernels = {NAME##_tables, NAME##_nearest};

// Register budgets: 16 vector registers for SSE and AVX2, 32 for AVX-512.
using GenericShape = Shape<4, 2, 4>;
FAISSLIKE_PQ_KERNELS(generic, GenericShape, )
#ifdef FAISSLIKE_PQ_X86
using AVX2Shape = Shape<8, 2, 4>;
using AVX512Shape = Shape<16, 4, 4>;
FAISSLIKE_PQ_KERNELS(avx2, AVX2Shape, FAISSLIKE_PQ_AVX2)
FAISSLIKE_PQ_KERNELS(avx512, AVX512Shape, FAISSLIKE_PQ_AVX512)
#endif

const PQKernels& pq_kernels() {
#ifdef FAISSLIKE_PQ_X86
    switch (active_simd_level()) {
        case SIMDLevel::AVX512:
            return avx512_kernels;
        case SIMDLevel::AVX2:
            return avx2_kernels;
        default:
            break;
    }
#endif
    return generic_kernels;
}

/// Index of the smallest of n values (the first one on ties; NaN never wins).
uint32_t argmin(const float* v, size_t n) {
    float best = std::numeric_limits<float>::infinity();
    uint32_t arg = 0;
    for (size_t j = 0; j < n; j++) {
        if (v[j] < best) {
            best = v[j];
            arg = uint32_t(j);
        }
    }
    return arg;
}

/*********************************************************** table look-ups */

// Sums of M table entries per code. Two partial sums per code (even and odd
// sub-quantizers) and several codes at a time keep the adds independent; the
// single-code version sums in the same order, so both give identical values.

template <class Dec>
float lookup_one(const float* tab, const uint8_t* code, size_t M, size_t ksub, int nbits) {
    Dec dec(code, nbits);
    float even = 0, odd = 0;
    size_t m = 0;
    for (; m + 2 <= M; m += 2) {
        even += tab[m * ksub + dec.decode()];
        odd += tab[(m + 1) * ksub + dec.decode()];
    }
    if (m < M) {
        even += tab[m * ksub + dec.decode()];
    }
    return even + odd;
}

/// nbits = 8; kM > 0 fixes M at compile time so the loop unrolls fully.
template <size_t kM>
void lookup8(const float* tab, const uint8_t* codes, size_t n, size_t M_rt, float* dis) {
    const size_t M = kM ? kM : M_rt;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t* c = codes + i * M;
        float e0 = 0, e1 = 0, e2 = 0, e3 = 0, o0 = 0, o1 = 0, o2 = 0, o3 = 0;
        size_t m = 0;
        for (; m + 2 <= M; m += 2) {
            const float* t0 = tab + m * 256;
            const float* t1 = t0 + 256;
            e0 += t0[c[m]];
            e1 += t0[c[M + m]];
            e2 += t0[c[2 * M + m]];
            e3 += t0[c[3 * M + m]];
            o0 += t1[c[m + 1]];
            o1 += t1[c[M + m + 1]];
            o2 += t1[c[2 * M + m + 1]];
            o3 += t1[c[3 * M + m + 1]];
        }
        if (m < M) {
            const float* t0 = tab + m * 256;
            e0 += t0[c[m]];
            e1 += t0[c[M + m]];
            e2 += t0[c[2 * M + m]];
            e3 += t0[c[3 * M + m]];
        }
        dis[i] = e0 + o0;
        dis[i + 1] = e1 + o1;
        dis[i + 2] = e2 + o2;
        dis[i + 3] = e3 + o3;
    }
    for (; i < n; i++) {
        dis[i] = lookup_one<PQDecoder8>(tab, codes + i * M, M, 256, 8);
    }
}

void lookup8_scalar(const float* tab, const uint8_t* codes, size_t n, size_t M, float* dis) {
    switch (M) {
        case 8:
            return lookup8<8>(tab, codes, n, M, dis);
        case 16:
            return lookup8<16>(tab, codes, n, M, dis);
        case 32:
            return lookup8<32>(tab, codes, n, M, dis);
        case 64:
            return lookup8<64>(tab, codes, n, M, dis);
        default:
            return lookup8<0>(tab, codes, n, M, dis);
    }
}

float lookup8_one_scalar(const float* tab, const uint8_t* code, size_t M) {
    return lookup_one<PQDecoder8>(tab, code, M, 256, 8);
}

#ifdef FAISSLIKE_PQ_X86

// With AVX2 / AVX-512 and M a multiple of the vector width, one gather reads
// 8 / 16 table entries; four codes in flight hide its latency (about 20%
// faster than scalar look-ups where measured). A code's sum is the lane sum
// of its gathered vectors, computed the same way alone or in a batch.

FAISSLIKE_PQ_AVX2 inline __m256 gather8_code(const float* tab, const uint8_t* code, size_t m,
                                             __m256i offsets) {
    __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(code + m));
    __m256i idx = _mm256_add_epi32(_mm256_cvtepu8_epi32(bytes), offsets);
    return _mm256_i32gather_ps(tab + m * 256, idx, 4);
}

FAISSLIKE_PQ_AVX2 inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

FAISSLIKE_PQ_AVX2 float lookup8_one_avx2(const float* tab, const uint8_t* code, size_t M) {
    if (M % 8 != 0) {
        return lookup8_one_scalar(tab, code, M);
    }
    const __m256i offsets = _mm256_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792);
    __m256 acc = _mm256_setzero_ps();
    for (size_t m = 0; m < M; m += 8) {
        acc = _mm256_add_ps(acc, gather8_code(tab, code, m, offsets));
    }
    return sum8(acc);
}

FAISSLIKE_PQ_AVX2 void lookup8_avx2(const float* tab, const uint8_t* codes, size_t n, size_t M,
                                    float* dis) {
    if (M % 8 != 0) {
        return lookup8_scalar(tab, codes, n, M, dis);
    }
    const __m256i offsets = _mm256_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t* c = codes + i * M;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t m = 0; m < M; m += 8) {
            a0 = _mm256_add_ps(a0, gather8_code(tab, c, m, offsets));
            a1 = _mm256_add_ps(a1, gather8_code(tab, c + M, m, offsets));
            a2 = _mm256_add_ps(a2, gather8_code(tab, c + 2 * M, m, offsets));
            a3 = _mm256_add_ps(a3, gather8_code(tab, c + 3 * M, m, offsets));
        }
        dis[i] = sum8(a0);
        dis[i + 1] = sum8(a1);
        dis[i + 2] = sum8(a2);
        dis[i + 3] = sum8(a3);
    }
    for (; i < n; i++) {
        dis[i] = lookup8_one_avx2(tab, codes + i * M, M);
    }
}

FAISSLIKE_PQ_AVX512 inline __m512 gather16_code(const float* tab, const uint8_t* code, size_t m,
                                                __m512i offsets) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(code + m));
    __m512i idx = _mm512_add_epi32(_mm512_cvtepu8_epi32(bytes), offsets);
    return _mm512_i32gather_ps(idx, tab + m * 256, 4);
}

FAISSLIKE_PQ_AVX512 inline __m512i offsets16() {
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32(256));
}

FAISSLIKE_PQ_AVX512 float lookup8_one_avx512(const float* tab, const uint8_t* code, size_t M) {
    if (M % 16 != 0) {
        return lookup8_one_avx2(tab, code, M);
    }
    const __m512i offsets = offsets16();
    __m512 acc = _mm512_setzero_ps();
    for (size_t m = 0; m < M; m += 16) {
        acc = _mm512_add_ps(acc, gather16_code(tab, code, m, offsets));
    }
    return _mm512_reduce_add_ps(acc);
}

FAISSLIKE_PQ_AVX512 void lookup8_avx512(const float* tab, const uint8_t* codes, size_t n, size_t M,
                                        float* dis) {
    if (M % 16 != 0) {
        return lookup8_avx2(tab, codes, n, M, dis);
    }
    const __m512i offsets = offsets16();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t* c = codes + i * M;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t m = 0; m < M; m += 16) {
            a0 = _mm512_add_ps(a0, gather16_code(tab, c, m, offsets));
            a1 = _mm512_add_ps(a1, gather16_code(tab, c + M, m, offsets));
            a2 = _mm512_add_ps(a2, gather16_code(tab, c + 2 * M, m, offsets));
            a3 = _mm512_add_ps(a3, gather16_code(tab, c + 3 * M, m, offsets));
        }
        dis[i] = _mm512_reduce_add_ps(a0);
        dis[i + 1] = _mm512_reduce_add_ps(a1);
        dis[i + 2] = _mm512_reduce_add_ps(a2);
        dis[i + 3] = _mm512_reduce_add_ps(a3);
    }
    for (; i < n; i++) {
        dis[i] = lookup8_one_avx512(tab, codes + i * M, M);
    }
}

#endif

/// The 8-bit look-up kernels of one SIMD level.
struct Lookup8Kernels {
    void (*batch)(const float* tab, const uint8_t* codes, size_t n, size_t M, float* dis);
    float (*one)(const float* tab, const uint8_t* code, size_t M);
};

const Lookup8Kernels& lookup8_kernels() {
    static const Lookup8Kernels scalar = {lookup8_scalar, lookup8_one_scalar};
#ifdef FAISSLIKE_PQ_X86
    static const Lookup8Kernels avx2 = {lookup8_avx2, lookup8_one_avx2};
    static const Lookup8Kernels avx512 = {lookup8_avx512, lookup8_one_avx512};
    switch (active_simd_level()) {
        case SIMDLevel::AVX512:
            return avx512;
        case SIMDLevel::AVX2:
            return avx2;
        default:
            break;
    }
#endif
    return scalar;
}

/// The centroids laid out (dsub, M, ksub).
void transpose_centroids(const ProductQuantizer& pq, std::vector<float>& out) {
    FAISSLIKE_THROW_IF_NOT_FMT(pq.centroids.size() == pq.d * pq.ksub,
                               "ProductQuantizer has %zu centroid floats, expected d * ksub = %zu",
                               pq.centroids.size(), pq.d * pq.ksub);
    out.resize(pq.centroids.size());
    for (size_t m = 0; m < pq.M; m++) {
        for (size_t j = 0; j < pq.ksub; j++) {
            const float* c = pq.get_centroids(m, j);
            for (size_t t = 0; t < pq.dsub; t++) {
                out[(t * pq.M + m) * pq.ksub + j] = c[t];
            }
        }
    }
}

/// The transposed centroids of pq: its own copy when it has one, else one
/// built into `local` when `worth_it`, else null (use the natural layout).
const float* transposed_for(const ProductQuantizer& pq, bool worth_it, std::vector<float>& local) {
    if (!pq.transposed_centroids.empty() && pq.transposed_centroids.size() == pq.centroids.size()) {
        return pq.transposed_centroids.data();
    }
    if (!worth_it) {
        return nullptr;
    }
    transpose_centroids(pq, local);
    return local.data();
}

/// Below this many multiply-adds a call stays on the calling thread: waking
/// the OpenMP team would cost more than it saves.
constexpr size_t kMinParallelWork = size_t(1) << 22;

/// Assignment index of the sub-quantizer k-means: k = 1 searches answered by
/// the encoder's nearest-centroid kernel, which on the short sub-vectors of
/// a PQ is several times faster than a general k-NN search.
class NearestCentroidIndex : public Index {
   public:
    explicit NearestCentroidIndex(size_t dsub) : Index(idx_t(dsub), METRIC_L2) {}

    void add(idx_t n, const float* x) override {
        centroids_.insert(centroids_.end(), x, x + size_t(n) * size_t(d));
        ntotal += n;
        transposed_.resize(centroids_.size());
        for (size_t j = 0; j < size_t(ntotal); j++) {
            for (size_t t = 0; t < size_t(d); t++) {
                transposed_[t * size_t(ntotal) + j] = centroids_[j * size_t(d) + t];
            }
        }
    }

    void reset() override {
        centroids_.clear();
        transposed_.clear();
        ntotal = 0;
    }

    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params) const override {
        FAISSLIKE_THROW_IF_NOT_MSG(k == 1 && !params && ntotal > 0,
                                   "NearestCentroidIndex answers k = 1 searches only");
        const PQKernels& kern = pq_kernels();
        const Geometry g{size_t(d), 1, size_t(ntotal)};
        const Centroids c{transposed_.data(), centroids_.data()};
        constexpr idx_t kBatch = 256;
#pragma omp parallel for if (size_t(n) * size_t(d) * size_t(ntotal) >= kMinParallelWork)
        for (idx_t i0 = 0; i0 < n; i0 += kBatch) {
            const idx_t nb = std::min(kBatch, n - i0);
            uint32_t idx[kBatch];
            kern.nearest(g, c, size_t(nb), x + size_t(i0) * size_t(d), idx, distances + i0);
            for (idx_t i = 0; i < nb; i++) {
                labels[i0 + i] = idx_t(idx[i]);
            }
        }
    }

   private:
    std::vector<float> centroids_;
    std::vector<float> transposed_;
};

} // namespace

/*********************************************************** ProductQuantizer */

ProductQuantizer::ProductQuantizer(size_t d, size_t M, size_t nbits) : d(d), M(M), nbits(nbits) {
    set_derived_values();
}

ProductQuantizer::ProductQuantizer() : ProductQuantizer(0, 1, 8) {}

void ProductQuantizer::set_derived_values() {
    FAISSLIKE_THROW_IF_NOT_MSG(M > 0, "the number of subquantizers M must be > 0");
    FAISSLIKE_THROW_IF_NOT_FMT(
            d % M == 0,
            "The dimension of the vector (d) should be a multiple of the number of "
            "subquantizers (M): d = %zu, M = %zu",
            d,
            M);
    FAISSLIKE_THROW_IF_NOT_FMT(
            nbits >= 1 && nbits <= 16,
            "ProductQuantizer: nbits = %zu per index is not supported (1 to 16)",
            nbits);
    dsub = d / M;
    ksub = size_t(1) << nbits;
    code_size = (M * nbits + 7) / 8;
    centroids.resize(d * ksub);
    transposed_centroids.clear();
}

void ProductQuantizer::set_params(const float* cent, int m) {
    FAISSLIKE_THROW_IF_NOT_FMT(m >= 0 && size_t(m) < M,
                               "set_params: sub-quantizer %d out of range [0, %zu)", m, M);
    FAISSLIKE_THROW_IF_NOT_MSG(cent, "set_params: null centroids");
    std::memcpy(get_centroids(size_t(m), 0), cent, sizeof(float) * ksub * dsub);
    if (!transposed_centroids.empty()) {
        sync_transposed_centroids();
    }
}

void ProductQuantizer::sync_transposed_centroids() {
    transpose_centroids(*this, transposed_centroids);
}

void ProductQuantizer::clear_transposed_centroids() {
    transposed_centroids.clear();
    transposed_centroids.shrink_to_fit();
}

void ProductQuantizer::train(size_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(d > 0, "ProductQuantizer::train: the dimension d is 0");
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || x, "ProductQuantizer::train: null training set");
    FAISSLIKE_THROW_IF_NOT_FMT(
            train_type == Train_default || train_type == Train_shared || train_type == Train_hot_start,
            "ProductQuantizer::train: train_type %d is not supported (use Train_default, "
            "Train_hot_start or Train_shared)",
            int(train_type));
    FAISSLIKE_THROW_IF_NOT_FMT(
            train_type != Train_hot_start || centroids.size() == d * ksub,
            "ProductQuantizer::train: Train_hot_start starts from the current centroids: "
            "there should be %zu values, there are %zu",
            d * ksub, centroids.size());
    const size_t npoints = train_type == Train_shared ? n * M : n;
    FAISSLIKE_THROW_IF_NOT_FMT(
            npoints >= ksub,
            "ProductQuantizer::train: %zu training vectors for %zu centroids per "
            "sub-quantizer (nbits = %zu): provide at least %zu vectors (better %zu)",
            n, ksub, nbits, train_type == Train_shared ? (ksub + M - 1) / M : ksub,
            size_t(cp.min_points_per_centroid) * ksub);
    for (size_t i = 0; i < n * d; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                std::isfinite(x[i]),
                "ProductQuantizer::train: training vector %zu has a NaN or infinite component",
                i / d);
    }

    // Sub-sample here rather than in each k-means: the M slices are then
    // copied from the sample only.
    const size_t max_points = ksub * size_t(std::max(1, cp.max_points_per_centroid));
    std::vector<float> sample;
    if (train_type != Train_shared && n > max_points) {
        if (verbose) {
            std::printf("ProductQuantizer: sampling %zu of %zu training vectors\n", max_points, n);
        }
        std::vector<int> perm(n);
        rand_perm(perm.data(), n, cp.seed);
        sample.resize(max_points * d);
        for (size_t i = 0; i < max_points; i++) {
            std::memcpy(sample.data() + i * d, x + size_t(perm[i]) * d, sizeof(float) * d);
        }
        x = sample.data();
        n = max_points;
    }

    // Train into a copy so that a failure leaves the centroids as they were.
    std::vector<float> trained(d * ksub);
    ClusteringParameters params = cp;
    params.verbose = cp.verbose || verbose;
    if (train_type == Train_shared) {
        if (verbose) {
            std::printf("Training one codebook shared by the %zu sub-quantizers\n", M);
        }
        // The n * M sub-vectors are contiguous rows of dsub floats.
        Clustering clus(int(dsub), int(ksub), params);
        NearestCentroidIndex assigner(dsub);
        clus.train(idx_t(n * M), x, assigner);
        for (size_t m = 0; m < M; m++) {
            std::memcpy(trained.data() + m * ksub * dsub, clus.centroids.data(),
                        sizeof(float) * ksub * dsub);
        }
    } else {
        std::vector<float> slice(n * dsub);
        for (size_t m = 0; m < M; m++) {
            for (size_t i = 0; i < n; i++) {
                std::memcpy(slice.data() + i * dsub, x + i * d + m * dsub, sizeof(float) * dsub);
            }
            if (verbose) {
                std::printf("Training PQ sub-quantizer %zu / %zu on %zu points\n", m, M, n);
            }
            Clustering clus(int(dsub), int(ksub), params);
            if (train_type == Train_hot_start) {
                clus.centroids.assign(get_centroids(m, 0), get_centroids(m, 0) + ksub * dsub);
            }
            NearestCentroidIndex assigner(dsub);
            clus.train(idx_t(n), slice.data(), assigner);
            std::memcpy(trained.data() + m * ksub * dsub, clus.centroids.data(),
                        sizeof(float) * ksub * dsub);
        }
    }
    centroids.swap(trained);
    if (!transposed_centroids.empty()) {
        sync_transposed_centroids();
    }
}

namespace {

/// Writes M indices as one code.
template <class Enc>
void pack_code(const uint32_t* idx, size_t M, int nbits, uint8_t* code) {
    Enc enc(code, nbits);
    for (size_t m = 0; m < M; m++) {
        enc.encode(idx[m]);
    }
}

} // namespace

void ProductQuantizer::compute_code(const float* x, uint8_t* code) const {
    compute_codes(x, code, 1);
}

void ProductQuantizer::compute_codes(const float* x, uint8_t* codes, size_t n) const {
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && codes, "ProductQuantizer::compute_codes: null pointer");
    FAISSLIKE_THROW_IF_NOT_MSG(centroids.size() == d * ksub,
                               "ProductQuantizer::compute_codes: centroids not set");
    const PQKernels& kern = pq_kernels();
    const Geometry g{dsub, M, ksub};
    // Transposing costs a few vectors' worth of encoding: batches only.
    std::vector<float> local_cT;
    const float* cT = transposed_for(*this, n >= 16, local_cT);
    auto pack = [&](const uint32_t* idx, uint8_t* code) {
        if (nbits == 8) {
            pack_code<PQEncoder8>(idx, M, 8, code);
        } else if (nbits == 16) {
            pack_code<PQEncoder16>(idx, M, 16, code);
        } else {
            pack_code<PQEncoderGeneric>(idx, M, int(nbits), code);
        }
    };
    const Centroids c{cT, centroids.data()};
    constexpr size_t kBatch = 64;
    ParallelExceptions errors;
#pragma omp parallel if (n * d * ksub >= kMinParallelWork)
    {
        std::vector<uint32_t> idx(kBatch * M);
        InterruptPoll poll(kBatch * d * ksub);
#pragma omp for schedule(dynamic)
        for (int64_t i0 = 0; i0 < int64_t(n); i0 += int64_t(kBatch)) {
            errors.run([&] {
                poll.tick();
                const size_t nb = std::min(kBatch, n - size_t(i0));
                kern.nearest(g, c, nb, x + size_t(i0) * d, idx.data(), nullptr);
                for (size_t i = 0; i < nb; i++) {
                    pack(idx.data() + i * M, codes + (size_t(i0) + i) * code_size);
                }
            });
        }
    }
    errors.rethrow_if_failed();
}

void ProductQuantizer::compute_code_from_distance_table(const float* tab, uint8_t* code) const {
    std::vector<uint32_t> idx(M);
    for (size_t m = 0; m < M; m++) {
        idx[m] = argmin(tab + m * ksub, ksub);
    }
    PQEncoderGeneric enc(code, int(nbits));
    for (size_t m = 0; m < M; m++) {
        enc.encode(idx[m]);
    }
}

namespace {

template <class Dec>
void decode_one(const ProductQuantizer& pq, const uint8_t* code, float* x) {
    Dec dec(code, int(pq.nbits));
    for (size_t m = 0; m < pq.M; m++) {
        std::memcpy(x + m * pq.dsub, pq.get_centroids(m, dec.decode()), sizeof(float) * pq.dsub);
    }
}

} // namespace

void ProductQuantizer::decode(const uint8_t* code, float* x) const {
    if (nbits == 8) {
        decode_one<PQDecoder8>(*this, code, x);
    } else if (nbits == 16) {
        decode_one<PQDecoder16>(*this, code, x);
    } else {
        decode_one<PQDecoderGeneric>(*this, code, x);
    }
}

void ProductQuantizer::decode(const uint8_t* code, float* x, size_t n) const {
#pragma omp parallel for if (n > 1000)
    for (int64_t i = 0; i < int64_t(n); i++) {
        decode(code + size_t(i) * code_size, x + size_t(i) * d);
    }
}

void ProductQuantizer::compute_distance_table(const float* x, float* dis_table) const {
    compute_distance_tables(1, x, dis_table);
}

void ProductQuantizer::compute_inner_prod_table(const float* x, float* dis_table) const {
    compute_inner_prod_tables(1, x, dis_table);
}

namespace {

void compute_tables(const ProductQuantizer& pq, size_t nx, const float* x, float* tables, bool ip) {
    if (nx == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && tables, "ProductQuantizer: null pointer for the tables");
    FAISSLIKE_THROW_IF_NOT_MSG(pq.centroids.size() == pq.d * pq.ksub,
                               "ProductQuantizer: centroids not set");
    const PQKernels& kern = pq_kernels();
    const Geometry g{pq.dsub, pq.M, pq.ksub};
    std::vector<float> local_cT;
    const float* cT = transposed_for(pq, nx >= 4, local_cT);
    const Centroids c{cT, pq.centroids.data()};
    const size_t table_size = pq.M * pq.ksub;
    constexpr size_t kBatch = 16;
#pragma omp parallel for schedule(dynamic) if (nx * pq.d * pq.ksub >= kMinParallelWork)
    for (int64_t i0 = 0; i0 < int64_t(nx); i0 += int64_t(kBatch)) {
        const size_t nb = std::min(kBatch, nx - size_t(i0));
        kern.tables(g, c, nb, x + size_t(i0) * pq.d, tables + size_t(i0) * table_size, ip);
    }
}

} // namespace

void ProductQuantizer::compute_distance_tables(size_t nx, const float* x, float* dis_tables) const {
    compute_tables(*this, nx, x, dis_tables, false);
}

void ProductQuantizer::compute_inner_prod_tables(size_t nx, const float* x, float* dis_tables) const {
    compute_tables(*this, nx, x, dis_tables, true);
}

void ProductQuantizer::distances_from_table(const float* table, const uint8_t* codes, size_t n,
                                            float* dis) const {
    if (nbits == 8) {
        lookup8_kernels().batch(table, codes, n, M, dis);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        dis[i] = distance_from_table(table, codes + i * code_size);
    }
}

float ProductQuantizer::distance_from_table(const float* table, const uint8_t* code) const {
    if (nbits == 8) {
        return lookup8_kernels().one(table, code, M);
    } else if (nbits == 16) {
        return lookup_one<PQDecoder16>(table, code, M, ksub, 16);
    }
    return lookup_one<PQDecoderGeneric>(table, code, M, ksub, int(nbits));
}

} // namespace faisslike
