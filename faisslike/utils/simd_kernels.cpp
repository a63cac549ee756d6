// The distance kernels, written once over a small vector type (VF) and
// compiled once per instruction set: faisslike/CMakeLists.txt builds this file
// with -DFAISSLIKE_KERNEL_NS=generic|avx2|avx512 and the matching -m flags.
// Everything lives in that namespace (and an anonymous one inside it) so the
// copies never meet at link time; see simd_kernels.h for what must stay out.

#include <faisslike/utils/simd_kernels.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#if defined(__AVX2__)
// GCC 12 flags the deliberately undefined vectors inside its own AVX-512
// intrinsics as uninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#ifndef FAISSLIKE_KERNEL_NS
#error "build with -DFAISSLIKE_KERNEL_NS=generic|avx2|avx512"
#endif

namespace faisslike {
namespace FAISSLIKE_KERNEL_NS {
namespace {

// VF is the widest float vector of the instruction set, a GCC/Clang vector
// type (the intrinsics' __m512 and __m256 are such types), so arithmetic is
// written once with operators; -ffp-contract=fast turns a * b + c into FMAs.
// Only what operators cannot say is written per instruction set.

#if defined(__AVX512F__)

constexpr SIMDLevel kLevel = SIMDLevel::AVX512;
// Rows of a scan_blocked tile: 2 x 12 accumulators of the 32 zmm registers,
// the rest hold queries and broadcasts.
constexpr size_t kNY = 12;

using VF = __m512;
/// The first n < kW floats of p, zeros after; reads nothing beyond p + n.
inline VF vload_partial(const float* p, size_t n) {
    return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p);
}
inline float vsum(VF a) { return _mm512_reduce_add_ps(a); }
/// Bit i set when a[i] < b[i] (false for NaN).
inline uint32_t vlt(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
// MAXPS returns its second operand when either is NaN: NaN stays NaN.
inline VF vclamp0(VF a) { return _mm512_max_ps(_mm512_setzero_ps(), a); }

#elif defined(__AVX2__)

constexpr SIMDLevel kLevel = SIMDLevel::AVX2;
// 2 x 6 accumulators of the 16 ymm registers.
constexpr size_t kNY = 6;

using VF = __m256;
// Sliding window over which maskload reads the first n lanes.
alignas(64) constexpr int32_t kLaneMask[16] = {
        -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline VF vload_partial(const float* p, size_t n) {
    __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMask + 8 - n));
    return _mm256_maskload_ps(p, mask);
}
inline float vsum(VF a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
inline uint32_t vlt(VF a, VF b) {
    return uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_LT_OQ)));
}
inline VF vclamp0(VF a) { return _mm256_max_ps(_mm256_setzero_ps(), a); }

#else

// Portable: 4 lanes, SSE2 on x86-64, NEON on ARM.
constexpr SIMDLevel kLevel = SIMDLevel::GENERIC;
constexpr size_t kNY = 4;

typedef float VF __attribute__((vector_size(16)));
inline VF vload_partial(const float* p, size_t n) {
    VF r = {};
    std::memcpy(&r, p, n * sizeof(float));
    return r;
}
inline float vsum(VF a) { return (a[0] + a[2]) + (a[1] + a[3]); }
inline uint32_t vlt(VF a, VF b) {
    uint32_t m = 0;
    for (size_t i = 0; i < 4; i++) {
        m |= uint32_t(a[i] < b[i]) << i;
    }
    return m;
}
inline VF vclamp0(VF a) {
    return a < VF{} ? VF{} : a; // NaN compares false: stays NaN
}

#endif

constexpr size_t kW = sizeof(VF) / sizeof(float);
// Query vectors of a scan_blocked tile (kNY above is its height in rows).
constexpr size_t kQV = 2;

/// Broadcast (a - 0 is exact, so this folds to one broadcast).
inline VF vset1(float a) { return a - VF{}; }
inline VF vload(const float* p) {
    VF r;
    std::memcpy(&r, p, sizeof(r));
    return r;
}
inline void vstore(float* p, VF a) { std::memcpy(p, &a, sizeof(a)); }
inline uint32_t vgt(VF a, VF b) { return vlt(b, a); }

constexpr size_t kQB = kQV * kW; // queries per register tile

/// 64-byte aligned scratch floats (kernels use no std containers, see header).
class FloatBuffer {
   public:
    explicit FloatBuffer(size_t n)
            : p_(static_cast<float*>(::operator new(
                      (n > 0 ? n : 1) * sizeof(float), std::align_val_t(64)))) {}
    FloatBuffer(const FloatBuffer&) = delete;
    FloatBuffer& operator=(const FloatBuffer&) = delete;
    ~FloatBuffer() { ::operator delete(p_, std::align_val_t(64)); }
    float* get() const { return p_; }

   private:
    float* p_;
};

/// Software prefetch of a sequential read of n floats, `ahead` floats in front
/// of it: the hardware prefetchers stop at 4 KiB page boundaries, which caps a
/// single core's streaming bandwidth below what it reaches with more requests
/// in flight.
class StreamPrefetch {
   public:
    StreamPrefetch() = default;
    StreamPrefetch(const float* base, size_t n, size_t ahead)
            : base_(base), n_(n), ahead_(ahead) {}

    /// Reading has reached float pos: prefetch every line up to pos + ahead.
    void advance_to(size_t pos) {
        size_t target = pos < n_ && n_ - pos > ahead_ ? pos + ahead_ : n_;
        for (; next_ < target; next_ += kLineFloats) {
            __builtin_prefetch(base_ + next_, 0, 3);
        }
    }

   private:
    static constexpr size_t kLineFloats = 64 / sizeof(float);
    const float* base_ = nullptr;
    size_t n_ = 0;
    size_t ahead_ = 0;
    size_t next_ = 0;
};

template <bool kSmaller>
inline bool better(float dis, float threshold) {
    return kSmaller ? dis < threshold : dis > threshold;
}

/// Beats or ties the threshold; false for NaN like better().
template <bool kSmaller>
inline bool not_worse(float dis, float threshold) {
    return kSmaller ? dis <= threshold : dis >= threshold;
}

struct L2Op {
    static VF step(VF acc, VF a, VF b) {
        VF t = a - b;
        return t * t + acc;
    }
};

struct IPOp {
    static VF step(VF acc, VF a, VF b) { return a * b + acc; }
};

/// Sum over the d components of Op::step: four accumulators hide the FMA
/// latency on long vectors; the tail is one masked (zero-padded) load.
template <class Op>
inline float reduce_pair(const float* x, const float* y, size_t d) {
    VF a0 = {}, a1 = {}, a2 = {}, a3 = {};
    size_t i = 0;
    for (; i + 4 * kW <= d; i += 4 * kW) {
        a0 = Op::step(a0, vload(x + i), vload(y + i));
        a1 = Op::step(a1, vload(x + i + kW), vload(y + i + kW));
        a2 = Op::step(a2, vload(x + i + 2 * kW), vload(y + i + 2 * kW));
        a3 = Op::step(a3, vload(x + i + 3 * kW), vload(y + i + 3 * kW));
    }
    for (; i + kW <= d; i += kW) {
        a0 = Op::step(a0, vload(x + i), vload(y + i));
    }
    if (i < d) {
        a1 = Op::step(a1, vload_partial(x + i, d - i), vload_partial(y + i, d - i));
    }
    return vsum((a0 + a1) + (a2 + a3));
}

/// reduce_pair of one x against four rows at once: each x vector is loaded
/// once for the four, and the four rows' loads are in flight together. Every
/// row goes through exactly reduce_pair's operations, so the results are
/// bitwise those of four reduce_pair calls (graph searches must not depend on
/// how their distances were batched).
///
/// `next` (or null): four rows the caller computes next. Each step requests
/// the lines of theirs at the offset it reads in the current rows, so those
/// rows arrive while these are computed: memory requests then flow at the
/// rate rows are consumed, where prefetching whole rows at once would be a
/// burst that the core's few outstanding-miss slots cannot take.
template <class Op>
inline void reduce_pair_4(const float* x, const float* const* y, size_t d, float* out,
                          const float* const* next) {
    VF a[4][4] = {};
    // copied once: read through the pointer, they were reloaded every step
    const float* ahead[4] = {};
    if (next) {
        std::copy(next, next + 4, ahead);
    }
    size_t i = 0;
    for (; i + 4 * kW <= d; i += 4 * kW) {
        if (next) {
#pragma GCC unroll 4
            for (size_t r = 0; r < 4; r++) {
                const char* line = reinterpret_cast<const char*>(ahead[r] + i);
                for (size_t b = 0; b < 4 * kW * sizeof(float); b += 64) {
                    __builtin_prefetch(line + b);
                }
            }
        }
#pragma GCC unroll 4
        for (size_t u = 0; u < 4; u++) {
            VF xu = vload(x + i + u * kW);
#pragma GCC unroll 4
            for (size_t r = 0; r < 4; r++) {
                a[r][u] = Op::step(a[r][u], xu, vload(y[r] + i + u * kW));
            }
        }
    }
    for (; i + kW <= d; i += kW) {
        VF xi = vload(x + i);
#pragma GCC unroll 4
        for (size_t r = 0; r < 4; r++) {
            a[r][0] = Op::step(a[r][0], xi, vload(y[r] + i));
        }
    }
    if (i < d) {
        VF xi = vload_partial(x + i, d - i);
#pragma GCC unroll 4
        for (size_t r = 0; r < 4; r++) {
            a[r][1] = Op::step(a[r][1], xi, vload_partial(y[r] + i, d - i));
        }
    }
#pragma GCC unroll 4
    for (size_t r = 0; r < 4; r++) {
        out[r] = vsum((a[r][0] + a[r][1]) + (a[r][2] + a[r][3]));
    }
}

float L2sqr(const float* x, const float* y, size_t d) {
    return reduce_pair<L2Op>(x, y, d);
}

void L2sqr_batch_4(const float* x, const float* const* y, const float* const* next, size_t d, float* dis) {
    reduce_pair_4<L2Op>(x, y, d, dis, next);
}

void inner_product_batch_4(const float* x, const float* const* y, const float* const* next, size_t d, float* ip) {
    reduce_pair_4<IPOp>(x, y, d, ip, next);
}

float inner_product(const float* x, const float* y, size_t d) {
    return reduce_pair<IPOp>(x, y, d);
}

float norm_L2sqr(const float* x, size_t d) {
    return reduce_pair<IPOp>(x, x, d);
}

/// How far ahead (4 KiB) sequential row reads are prefetched.
constexpr size_t kRowsPrefetchFloats = 1024;

/// Rows one after the other (an inverted list, say), prefetched a few KiB
/// ahead: the rows are usually cold, and one core then keeps more memory
/// requests in flight than the hardware prefetcher alone would.
template <class Op>
void pair_ny(float* out, const float* x, const float* y, size_t d, size_t ny) {
    StreamPrefetch prefetch(y, ny * d, kRowsPrefetchFloats);
    for (size_t j = 0; j < ny; j++) {
        prefetch.advance_to(j * d);
        out[j] = reduce_pair<Op>(x, y + j * d, d);
    }
}

void L2sqr_ny(float* dis, const float* x, const float* y, size_t d, size_t ny) {
    pair_ny<L2Op>(dis, x, y, d, ny);
}

void inner_products_ny(float* ip, const float* x, const float* y, size_t d, size_t ny) {
    pair_ny<IPOp>(ip, x, y, d, ny);
}

/*********************************************************** scan_rows */

// scan_rows reads the rows as this many sequential streams (contiguous
// quarters of the range), each prefetched kRowsPrefetchFloats ahead: one core
// then keeps more memory requests in flight (measured: 30 ms instead of 45 ms
// for one query over 1M x 128 floats).
constexpr size_t kRowStreams = 4;

template <class Op, bool kSmaller>
void scan_rows_impl(const ScanArgs& a, ScanSink& sink) {
    FloatBuffer thr(a.nx);
    for (size_t q = 0; q < a.nx; q++) {
        thr.get()[q] = sink.threshold(q);
    }
    const size_t seg = (a.ny + kRowStreams - 1) / kRowStreams;
    StreamPrefetch prefetch[kRowStreams];
    for (size_t s = 0; s < kRowStreams && s * seg < a.ny; s++) {
        size_t rows = a.ny - s * seg < seg ? a.ny - s * seg : seg;
        prefetch[s] = StreamPrefetch(a.y + s * seg * a.d, rows * a.d, kRowsPrefetchFloats);
    }
    for (size_t i = 0; i < seg; i++) {
        for (size_t s = 0; s < kRowStreams; s++) {
            const size_t j = s * seg + i;
            if (j >= a.ny) {
                break; // the last stream is the shortest
            }
            prefetch[s].advance_to((i + 1) * a.d);
            const float* yj = a.y + j * a.d;
            for (size_t q = 0; q < a.nx; q++) {
                float dis = reduce_pair<Op>(a.x + q * a.d, yj, a.d);
                // Rows come out of order: ties go to the sink, which breaks them.
                if (not_worse<kSmaller>(dis, thr.get()[q])) {
                    thr.get()[q] = sink.add(q, dis, j);
                }
            }
        }
    }
}

void scan_rows(const ScanArgs& a, ScanSink& sink) {
    if (a.metric == METRIC_L2) {
        scan_rows_impl<L2Op, true>(a, sink);
    } else {
        scan_rows_impl<IPOp, false>(a, sink);
    }
}

/*********************************************************** scan_blocked */

// Database rows per block: the block stays in L2 while every query block
// of the scan passes over it.
constexpr size_t kDbBlockBytes = 256 * 1024;

/// One query block against one block of database rows.
struct TileContext {
    const float* qp;  ///< packed queries: component k of lane l at qp[k * kQB + l]
    const float* qn;  ///< |x|^2 per lane (L2)
    float* thr;       ///< threshold per lane; NaN for lanes past the last query
    const float* y;   ///< first row of the block
    const float* yn;  ///< |y|^2 of the block's rows (L2)
    size_t d;
    size_t q0;        ///< query of lane 0
    size_t j0;        ///< scan row of the block's first row
    ScanSink* sink;
};

/// Slow path of a tile, taken when some distance beats its lane's threshold:
/// offers the lanes that (still) beat it, rows in increasing order.
template <bool kL2>
__attribute__((noinline)) void tile_hits(
        const TileContext& t,
        const float* dis,
        size_t rows,
        size_t j) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t v = 0; v < kQV; v++) {
            const float* dv = dis + r * kQB + v * kW;
            VF th = vload(t.thr + v * kW);
            uint32_t m = kL2 ? vlt(vload(dv), th) : vgt(vload(dv), th);
            for (; m; m &= m - 1) {
                size_t l = v * kW + size_t(__builtin_ctz(m));
                if (better<kL2>(dis[r * kQB + l], t.thr[l])) {
                    t.thr[l] = t.sink->add(t.q0 + l, dis[r * kQB + l], t.j0 + j + r);
                }
            }
        }
    }
}

/// R rows j.. of the block against the kQB queries: broadcast FMAs into R x kQV
/// accumulators, one vector compare per accumulator, no memory traffic for
/// distances unless a threshold is beaten. Each lane sums its d products in
/// order, so a pair's distance does not depend on R or on the tile position.
template <size_t R, bool kL2>
void tile_kernel(const TileContext& t, size_t j) {
    const size_t d = t.d;
    const float* yr = t.y + j * d;
    const float* qp = t.qp;
    // The first product initialises the accumulators (d >= 1).
    VF acc[R][kQV];
    for (size_t r = 0; r < R; r++) {
        VF b = vset1(yr[r * d]);
        for (size_t v = 0; v < kQV; v++) {
            acc[r][v] = vload(qp + v * kW) * b;
        }
    }
    qp += kQB;
    for (size_t k = 1; k < d; k++, qp += kQB) {
        VF q[kQV];
        for (size_t v = 0; v < kQV; v++) {
            q[v] = vload(qp + v * kW);
        }
        for (size_t r = 0; r < R; r++) {
            VF b = vset1(yr[r * d + k]);
            for (size_t v = 0; v < kQV; v++) {
                acc[r][v] = q[v] * b + acc[r][v];
            }
        }
    }
    uint32_t hit = 0;
    for (size_t r = 0; r < R; r++) {
        for (size_t v = 0; v < kQV; v++) {
            VF th = vload(t.thr + v * kW);
            if (kL2) {
                VF norms = vload(t.qn + v * kW) + t.yn[j + r];
                acc[r][v] = vclamp0(acc[r][v] * -2.0f + norms);
                hit |= vlt(acc[r][v], th);
            } else {
                hit |= vgt(acc[r][v], th);
            }
        }
    }
    if (hit) {
        alignas(64) float dis[R * kQB];
        for (size_t r = 0; r < R; r++) {
            for (size_t v = 0; v < kQV; v++) {
                vstore(dis + r * kQB + v * kW, acc[r][v]);
            }
        }
        tile_hits<kL2>(t, dis, R, j);
    }
}

using TileFn = void (*)(const TileContext&, size_t);

/// The last rows - 1 < kNY rows of a block.
template <bool kL2, size_t... R>
void tile_tail(const TileContext& t, size_t j, size_t rows, std::index_sequence<R...>) {
    static constexpr TileFn kTiles[] = {&tile_kernel<R + 1, kL2>...};
    kTiles[rows - 1](t, j);
}

template <bool kL2>
void scan_blocked_impl(const ScanArgs& a, ScanSink& sink) {
    const size_t d = a.d;
    const size_t nqb = (a.nx + kQB - 1) / kQB;
    FloatBuffer qpack(nqb * kQB * d);
    FloatBuffer qnorm(nqb * kQB);
    FloatBuffer thr(kQB);
    for (size_t q = 0; q < nqb * kQB; q++) {
        float* dst = qpack.get() + (q / kQB) * kQB * d + q % kQB;
        if (q < a.nx) {
            const float* src = a.x + q * d;
            for (size_t k = 0; k < d; k++) {
                dst[k * kQB] = src[k];
            }
            qnorm.get()[q] = norm_L2sqr(src, d);
        } else {
            for (size_t k = 0; k < d; k++) {
                dst[k * kQB] = 0.0f;
            }
            qnorm.get()[q] = 0.0f;
        }
    }

    size_t block_rows = kDbBlockBytes / (d * sizeof(float)) / kNY * kNY;
    block_rows = block_rows > kNY ? block_rows : kNY;
    const bool own_norms = kL2 && !a.y_norm2;
    FloatBuffer ynorm(own_norms ? block_rows : 0);

    for (size_t j0 = 0; j0 < a.ny; j0 += block_rows) {
        const size_t rows = a.ny - j0 < block_rows ? a.ny - j0 : block_rows;
        TileContext t;
        t.y = a.y + j0 * d;
        t.yn = nullptr;
        if (kL2) {
            if (own_norms) {
                for (size_t r = 0; r < rows; r++) {
                    ynorm.get()[r] = norm_L2sqr(t.y + r * d, d);
                }
                t.yn = ynorm.get();
            } else {
                t.yn = a.y_norm2 + j0;
            }
        }
        t.d = d;
        t.thr = thr.get();
        t.j0 = j0;
        t.sink = &sink;
        // The last query block brings the next block of rows into cache.
        const size_t next_rows = a.ny - j0 - rows;
        StreamPrefetch prefetch(
                t.y + rows * d, (next_rows < block_rows ? next_rows : block_rows) * d, 0);
        for (size_t qb = 0; qb < nqb; qb++) {
            t.qp = qpack.get() + qb * kQB * d;
            t.qn = qnorm.get() + qb * kQB;
            t.q0 = qb * kQB;
            for (size_t l = 0; l < kQB; l++) {
                t.thr[l] = t.q0 + l < a.nx ? sink.threshold(t.q0 + l)
                                           : std::numeric_limits<float>::quiet_NaN();
            }
            const bool last = qb + 1 == nqb;
            size_t j = 0;
            for (; j + kNY <= rows; j += kNY) {
                if (last) {
                    prefetch.advance_to((j + kNY) * d);
                }
                tile_kernel<kNY, kL2>(t, j);
            }
            if (j < rows) {
                tile_tail<kL2>(t, j, rows - j, std::make_index_sequence<kNY - 1>());
            }
        }
    }
}

void scan_blocked(const ScanArgs& a, ScanSink& sink) {
    if (a.metric == METRIC_L2) {
        scan_blocked_impl<true>(a, sink);
    } else {
        scan_blocked_impl<false>(a, sink);
    }
}

constexpr KernelTable kTable = {
        kLevel,
        &L2sqr,
        &inner_product,
        &norm_L2sqr,
        &L2sqr_ny,
        &inner_products_ny,
        &L2sqr_batch_4,
        &inner_product_batch_4,
        &scan_rows,
        &scan_blocked,
        kQB,
};

} // namespace
} // namespace FAISSLIKE_KERNEL_NS

#define FAISSLIKE_KERNELS_GETTER2(ns) kernels_##ns
#define FAISSLIKE_KERNELS_GETTER(ns) FAISSLIKE_KERNELS_GETTER2(ns)

const KernelTable& FAISSLIKE_KERNELS_GETTER(FAISSLIKE_KERNEL_NS)() {
    return FAISSLIKE_KERNEL_NS::kTable;
}

} // namespace faisslike
