#include <faisslike/impl/ScalarQuantizerCodec.h>

#include <faisslike/utils/simd_levels.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define FAISSLIKE_SQ_X86 1
#endif

namespace faisslike {
namespace sq_codec {

uint16_t encode_fp16(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    const uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
    const uint32_t mag = bits & 0x7fffffffu;
    if (mag >= 0x7f800000u) {
        return uint16_t(sign | (mag == 0x7f800000u ? 0x7c00u : 0x7e00u));
    }
    if (mag >= 0x477ff000u) {
        return uint16_t(sign | 0x7c00u); // 65520 and above round to infinity
    }
    const uint32_t exponent = mag >> 23;
    if (exponent < 102) {
        return sign; // below 2^-25, under half of the smallest subnormal half
    }
    // Normal halves keep 10 of the 23 mantissa bits; subnormal halves count
    // units of 2^-24. The first dropped bit rounds up, and a carry out of the
    // mantissa correctly bumps the exponent.
    uint32_t value, dropped;
    if (exponent >= 113) {
        value = ((exponent - 112) << 10) | ((mag >> 13) & 0x3ffu);
        dropped = 13;
    } else {
        dropped = 126 - exponent;
        value = ((mag & 0x7fffffu) | 0x800000u) >> dropped;
    }
    const uint32_t full = exponent >= 113 ? mag : ((mag & 0x7fffffu) | 0x800000u);
    value += (full >> (dropped - 1)) & 1;
    return uint16_t(sign | value);
}

float decode_fp16(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else {
        float x = float(mantissa) * 5.9604644775390625e-8f; // 2^-24, exact
        return sign ? -x : x;
    }
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    return x;
}

namespace {

/*********************************************************** portable */

/// Whether the portable loops should ask for a vectorised reduction: worth it
/// for the byte and bfloat16 formats, a slowdown for the packed and fp16 ones.
template <ComponentKind K>
constexpr bool kSimdReduction = K == ComponentKind::U8 || K == ComponentKind::BF16;

template <ComponentKind K>
void l2_generic(const float* a, const float* s, size_t d, const uint8_t* codes,
                size_t code_size, size_t n, float* dis) {
    for (size_t j = 0; j < n; j++) {
        const uint8_t* code = codes + j * code_size;
        float acc = 0;
        if constexpr (kSimdReduction<K>) {
#pragma omp simd reduction(+ : acc)
            for (size_t i = 0; i < d; i++) {
                float t = a[i] - s[i] * component_value(K, code, i);
                acc += t * t;
            }
        } else {
            for (size_t i = 0; i < d; i++) {
                float t = a[i] - s[i] * component_value(K, code, i);
                acc += t * t;
            }
        }
        dis[j] = acc;
    }
}

template <ComponentKind K>
void ip_generic(const float* w, float base, size_t d, const uint8_t* codes,
                size_t code_size, size_t n, float* dis) {
    for (size_t j = 0; j < n; j++) {
        const uint8_t* code = codes + j * code_size;
        float acc = 0;
        if constexpr (kSimdReduction<K>) {
#pragma omp simd reduction(+ : acc)
            for (size_t i = 0; i < d; i++) {
                acc += w[i] * component_value(K, code, i);
            }
        } else {
            for (size_t i = 0; i < d; i++) {
                acc += w[i] * component_value(K, code, i);
            }
        }
        dis[j] = base + acc;
    }
}

/// The components [i0, d) that a vector loop left over.
template <ComponentKind K>
inline float l2_tail(const float* a, const float* s, const uint8_t* code, size_t i0, size_t d) {
    float acc = 0;
    for (size_t i = i0; i < d; i++) {
        float t = a[i] - s[i] * component_value(K, code, i);
        acc += t * t;
    }
    return acc;
}

template <ComponentKind K>
inline float ip_tail(const float* w, const uint8_t* code, size_t i0, size_t d) {
    float acc = 0;
    for (size_t i = i0; i < d; i++) {
        acc += w[i] * component_value(K, code, i);
    }
    return acc;
}

/// Six-byte group of 8 packed 6-bit components, read without overrunning the
/// code. Two loads combined in registers: a 6-byte copy into a stack word
/// would stall the wide load that follows it.
inline uint64_t load_6bit_group(const uint8_t* p) {
    uint32_t lo;
    uint16_t hi;
    std::memcpy(&lo, p, sizeof(lo));
    std::memcpy(&hi, p + 4, sizeof(hi));
    return lo | (uint64_t(hi) << 32);
}

// Codes are scanned four at a time so that the loads of the query arrays and
// the latency of the accumulations are shared between independent codes.
constexpr size_t kCodesPerStep = 4;

#ifdef FAISSLIKE_SQ_X86

/*********************************************************** AVX2 */

#define FAISSLIKE_SQ_AVX2 __attribute__((target("avx2,fma,f16c")))

/// Components i .. i+7 of a code as floats (i a multiple of 8).
template <ComponentKind K>
FAISSLIKE_SQ_AVX2 inline __m256 load8(const uint8_t* code, size_t i) {
    if constexpr (K == ComponentKind::U8) {
        __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(code + i));
        return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
    } else if constexpr (K == ComponentKind::U4) {
        uint32_t w;
        std::memcpy(&w, code + i / 2, sizeof(w));
        const __m128i b = _mm_cvtsi32_si128(int(w));
        const __m128i mask = _mm_set1_epi8(0x0f);
        __m128i lo = _mm_and_si128(b, mask);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
        return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)));
    } else if constexpr (K == ComponentKind::U6) {
        // 64-bit lane j shifted so that components 2j and 2j+1 land at bit 0 of
        // its low and high 32-bit halves.
        const __m256i v = _mm256_set1_epi64x(int64_t(load_6bit_group(code + i / 8 * 6)));
        __m256i even = _mm256_srlv_epi64(v, _mm256_setr_epi64x(0, 12, 24, 36));
        __m256i odd = _mm256_srlv_epi64(v, _mm256_setr_epi64x(6, 18, 30, 42));
        __m256i both = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
        return _mm256_cvtepi32_ps(_mm256_and_si256(both, _mm256_set1_epi32(0x3f)));
    } else if constexpr (K == ComponentKind::FP16) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code + 2 * i)));
    } else {
        __m256i h = _mm256_cvtepu16_epi32(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(code + 2 * i)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    }
}

FAISSLIKE_SQ_AVX2 inline float hsum8(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

template <ComponentKind K, size_t NC>
FAISSLIKE_SQ_AVX2 inline void l2_avx2_step(const float* a, const float* s, size_t d,
                                           const uint8_t* code, size_t code_size, float* dis) {
    const size_t dv = d & ~size_t(7);
    __m256 acc[NC];
    for (size_t r = 0; r < NC; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < dv; i += 8) {
        const __m256 av = _mm256_loadu_ps(a + i);
        const __m256 sv = _mm256_loadu_ps(s + i);
#pragma GCC unroll 4
        for (size_t r = 0; r < NC; r++) {
            __m256 t = _mm256_fnmadd_ps(sv, load8<K>(code + r * code_size, i), av);
            acc[r] = _mm256_fmadd_ps(t, t, acc[r]);
        }
    }
    for (size_t r = 0; r < NC; r++) {
        dis[r] = hsum8(acc[r]) + l2_tail<K>(a, s, code + r * code_size, dv, d);
    }
}

template <ComponentKind K, size_t NC>
FAISSLIKE_SQ_AVX2 inline void ip_avx2_step(const float* w, float base, size_t d,
                                           const uint8_t* code, size_t code_size, float* dis) {
    const size_t dv = d & ~size_t(7);
    __m256 acc[NC];
    for (size_t r = 0; r < NC; r++) {
        acc[r] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < dv; i += 8) {
        const __m256 wv = _mm256_loadu_ps(w + i);
#pragma GCC unroll 4
        for (size_t r = 0; r < NC; r++) {
            acc[r] = _mm256_fmadd_ps(wv, load8<K>(code + r * code_size, i), acc[r]);
        }
    }
    for (size_t r = 0; r < NC; r++) {
        dis[r] = base + (hsum8(acc[r]) + ip_tail<K>(w, code + r * code_size, dv, d));
    }
}

template <ComponentKind K>
FAISSLIKE_SQ_AVX2 void l2_avx2(const float* a, const float* s, size_t d, const uint8_t* codes,
                               size_t code_size, size_t n, float* dis) {
    size_t j = 0;
    for (; j + kCodesPerStep <= n; j += kCodesPerStep) {
        l2_avx2_step<K, kCodesPerStep>(a, s, d, codes + j * code_size, code_size, dis + j);
    }
    for (; j < n; j++) {
        l2_avx2_step<K, 1>(a, s, d, codes + j * code_size, code_size, dis + j);
    }
}

template <ComponentKind K>
FAISSLIKE_SQ_AVX2 void ip_avx2(const float* w, float base, size_t d, const uint8_t* codes,
                               size_t code_size, size_t n, float* dis) {
    size_t j = 0;
    for (; j + kCodesPerStep <= n; j += kCodesPerStep) {
        ip_avx2_step<K, kCodesPerStep>(w, base, d, codes + j * code_size, code_size, dis + j);
    }
    for (; j < n; j++) {
        ip_avx2_step<K, 1>(w, base, d, codes + j * code_size, code_size, dis + j);
    }
}

/*********************************************************** AVX-512 */

// GCC 12 reports the _mm512_undefined_* placeholders inside its AVX-512
// intrinsics as maybe-uninitialized once they are inlined into a
// target-attribute function (GCC bug 105593, fixed in GCC 13).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define FAISSLIKE_SQ_AVX512 \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

/// Components i .. i+15 of a code as floats (i a multiple of 16).
template <ComponentKind K>
FAISSLIKE_SQ_AVX512 inline __m512 load16(const uint8_t* code, size_t i) {
    if constexpr (K == ComponentKind::U8) {
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(code + i));
        return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
    } else if constexpr (K == ComponentKind::U4) {
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(code + i / 2));
        const __m128i mask = _mm_set1_epi8(0x0f);
        __m128i lo = _mm_and_si128(b, mask);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
        return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)));
    } else if constexpr (K == ComponentKind::U6) {
        const uint8_t* p = code + i / 8 * 6;
        const __m512i v = _mm512_inserti64x4(
                _mm512_castsi256_si512(_mm256_set1_epi64x(int64_t(load_6bit_group(p)))),
                _mm256_set1_epi64x(int64_t(load_6bit_group(p + 6))),
                1);
        __m512i even = _mm512_srlv_epi64(v, _mm512_setr_epi64(0, 12, 24, 36, 0, 12, 24, 36));
        __m512i odd = _mm512_srlv_epi64(v, _mm512_setr_epi64(6, 18, 30, 42, 6, 18, 30, 42));
        __m512i both = _mm512_mask_blend_epi32(0xaaaa, even, _mm512_slli_epi64(odd, 32));
        return _mm512_cvtepi32_ps(_mm512_and_si512(both, _mm512_set1_epi32(0x3f)));
    } else if constexpr (K == ComponentKind::FP16) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(code + 2 * i)));
    } else {
        __m512i h = _mm512_cvtepu16_epi32(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(code + 2 * i)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
    }
}

template <ComponentKind K, size_t NC>
FAISSLIKE_SQ_AVX512 inline void l2_avx512_step(const float* a, const float* s, size_t d,
                                               const uint8_t* code, size_t code_size, float* dis) {
    const size_t dv = d & ~size_t(15);
    __m512 acc[NC];
    for (size_t r = 0; r < NC; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (size_t i = 0; i < dv; i += 16) {
        const __m512 av = _mm512_loadu_ps(a + i);
        const __m512 sv = _mm512_loadu_ps(s + i);
#pragma GCC unroll 4
        for (size_t r = 0; r < NC; r++) {
            __m512 t = _mm512_fnmadd_ps(sv, load16<K>(code + r * code_size, i), av);
            acc[r] = _mm512_fmadd_ps(t, t, acc[r]);
        }
    }
    for (size_t r = 0; r < NC; r++) {
        dis[r] = _mm512_reduce_add_ps(acc[r]) + l2_tail<K>(a, s, code + r * code_size, dv, d);
    }
}

template <ComponentKind K, size_t NC>
FAISSLIKE_SQ_AVX512 inline void ip_avx512_step(const float* w, float base, size_t d,
                                               const uint8_t* code, size_t code_size, float* dis) {
    const size_t dv = d & ~size_t(15);
    __m512 acc[NC];
    for (size_t r = 0; r < NC; r++) {
        acc[r] = _mm512_setzero_ps();
    }
    for (size_t i = 0; i < dv; i += 16) {
        const __m512 wv = _mm512_loadu_ps(w + i);
#pragma GCC unroll 4
        for (size_t r = 0; r < NC; r++) {
            acc[r] = _mm512_fmadd_ps(wv, load16<K>(code + r * code_size, i), acc[r]);
        }
    }
    for (size_t r = 0; r < NC; r++) {
        dis[r] = base + (_mm512_reduce_add_ps(acc[r]) + ip_tail<K>(w, code + r * code_size, dv, d));
    }
}

template <ComponentKind K>
FAISSLIKE_SQ_AVX512 void l2_avx512(const float* a, const float* s, size_t d, const uint8_t* codes,
                                   size_t code_size, size_t n, float* dis) {
    size_t j = 0;
    for (; j + kCodesPerStep <= n; j += kCodesPerStep) {
        l2_avx512_step<K, kCodesPerStep>(a, s, d, codes + j * code_size, code_size, dis + j);
    }
    for (; j < n; j++) {
        l2_avx512_step<K, 1>(a, s, d, codes + j * code_size, code_size, dis + j);
    }
}

template <ComponentKind K>
FAISSLIKE_SQ_AVX512 void ip_avx512(const float* w, float base, size_t d, const uint8_t* codes,
                                   size_t code_size, size_t n, float* dis) {
    size_t j = 0;
    for (; j + kCodesPerStep <= n; j += kCodesPerStep) {
        ip_avx512_step<K, kCodesPerStep>(w, base, d, codes + j * code_size, code_size, dis + j);
    }
    for (; j < n; j++) {
        ip_avx512_step<K, 1>(w, base, d, codes + j * code_size, code_size, dis + j);
    }
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif // FAISSLIKE_SQ_X86

} // namespace

const Kernels& kernels_for(ComponentKind kind) {
    using K = ComponentKind;
    // Indexed by ComponentKind.
    static const Kernels generic[] = {
            {l2_generic<K::U8>, ip_generic<K::U8>},
            {l2_generic<K::U4>, ip_generic<K::U4>},
            {l2_generic<K::U6>, ip_generic<K::U6>},
            {l2_generic<K::FP16>, ip_generic<K::FP16>},
            {l2_generic<K::BF16>, ip_generic<K::BF16>},
    };
    const size_t at = size_t(kind);
#ifdef FAISSLIKE_SQ_X86
    static const Kernels avx2[] = {
            {l2_avx2<K::U8>, ip_avx2<K::U8>},
            {l2_avx2<K::U4>, ip_avx2<K::U4>},
            {l2_avx2<K::U6>, ip_avx2<K::U6>},
            {l2_avx2<K::FP16>, ip_avx2<K::FP16>},
            {l2_avx2<K::BF16>, ip_avx2<K::BF16>},
    };
    static const Kernels avx512[] = {
            {l2_avx512<K::U8>, ip_avx512<K::U8>},
            {l2_avx512<K::U4>, ip_avx512<K::U4>},
            {l2_avx512<K::U6>, ip_avx512<K::U6>},
            {l2_avx512<K::FP16>, ip_avx512<K::FP16>},
            {l2_avx512<K::BF16>, ip_avx512<K::BF16>},
    };
    // The AVX2 fp16 loads need F16C, which the AVX2 level does not imply.
    static const bool has_f16c = [] {
        unsigned eax, ebx, ecx, edx;
        return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
    }();
    switch (active_simd_level()) {
        case SIMDLevel::AVX512:
            return avx512[at];
        case SIMDLevel::AVX2:
            if (kind != K::FP16 || has_f16c) {
                return avx2[at];
            }
            break;
        case SIMDLevel::GENERIC:
            break;
    }
#endif
    return generic[at];
}

} // namespace sq_codec
} // namespace faisslike
