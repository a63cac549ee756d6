#pragma once

// Building blocks of ScalarQuantizer: the scalar conversions of its component
// formats and the distance kernels that scan codes without decoding them.
//
// Every scalar-quantizer code decodes component-wise to x_i = o_i + s_i * v_i,
// where v_i is the raw component value (an integer level for the 4/6/8-bit
// formats, the float itself for fp16/bf16, with o = 0 and s = 1). A query is
// folded into that form once, so the scans need no per-code decoding:
//   L2: |q - x|^2  = sum_i (a_i - s_i v_i)^2      with a_i = q_i - o_i
//   IP: <q, x>     = base + sum_i w_i v_i         with w_i = q_i s_i, base = <q, o>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace faisslike {
namespace sq_codec {

/// How the components of a code are stored.
enum class ComponentKind {
    U8,   ///< one byte per component
    U4,   ///< 4 bits per component, two per byte, low nibble first
    U6,   ///< 6 bits per component, packed LSB-first (4 components in 3 bytes)
    FP16, ///< IEEE 754 half precision
    BF16, ///< bfloat16 (the upper half of a float)
};

/// IEEE half precision from float, rounding to nearest with ties away from
/// zero, as Faiss's portable converter does (the one in the faiss-cpu wheels;
/// a Faiss built with -mf16c rounds ties to even instead); values from 65520
/// up give infinity, NaN gives a quiet NaN.
uint16_t encode_fp16(float x);
float decode_fp16(uint16_t h);

/// bfloat16 as Faiss rounds it: add half of the dropped part, then truncate.
inline uint16_t encode_bf16(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    return uint16_t((bits + 0x8000u) >> 16);
}

inline float decode_bf16(uint16_t h) {
    uint32_t bits = uint32_t(h) << 16;
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    return x;
}

/// Raw value v_i of component i of a code.
inline float component_value(ComponentKind kind, const uint8_t* code, size_t i) {
    switch (kind) {
        case ComponentKind::U8:
            return float(code[i]);
        case ComponentKind::U4:
            return float((code[i / 2] >> ((i & 1) * 4)) & 0xf);
        case ComponentKind::U6: {
            size_t bit = i * 6;
            unsigned word = code[bit / 8] | (unsigned(code[bit / 8 + ((bit % 8) > 2)]) << 8);
            return float((word >> (bit % 8)) & 0x3f);
        }
        case ComponentKind::FP16: {
            uint16_t h;
            std::memcpy(&h, code + 2 * i, sizeof(h));
            return decode_fp16(h);
        }
        case ComponentKind::BF16: {
            uint16_t h;
            std::memcpy(&h, code + 2 * i, sizeof(h));
            return decode_bf16(h);
        }
    }
    return 0;
}

/// Scans n codes stored code_size bytes apart, d components each.
struct Kernels {
    /// dis[j] = sum_i (a_i - s_i v_ij)^2
    void (*l2)(const float* a, const float* s, size_t d, const uint8_t* codes,
               size_t code_size, size_t n, float* dis);
    /// dis[j] = base + sum_i w_i v_ij
    void (*ip)(const float* w, float base, size_t d, const uint8_t* codes,
               size_t code_size, size_t n, float* dis);
};

/// The kernels for `kind` at the active SIMD level (see utils/simd_levels.h).
const Kernels& kernels_for(ComponentKind kind);

} // namespace sq_codec
} // namespace faisslike
