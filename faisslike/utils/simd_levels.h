#pragma once

#include <string>
#include <vector>

namespace faisslike {

/// Instruction-set variants of the distance kernels. One binary carries all of
/// them and picks the best the CPU supports when first used.
enum class SIMDLevel {
    GENERIC = 0, ///< portable C++, any x86-64 (or other) CPU
    AVX2 = 1,    ///< AVX2 + FMA
    AVX512 = 2,  ///< AVX-512 F/DQ/BW/VL
};

const char* simd_level_name(SIMDLevel level);

/// Best level this CPU supports.
SIMDLevel detected_simd_level();

/// Every level this CPU can run, GENERIC first.
std::vector<SIMDLevel> supported_simd_levels();

/// Level used by the kernels now: detected_simd_level(), unless the environment
/// variable FAISSLIKE_SIMD (generic | avx2 | avx512) or set_simd_level chose lower.
SIMDLevel active_simd_level();

/// Forces a level (tests and benchmarks compare variants this way). Throws when
/// the CPU does not support it. Not meant to be called while searches run.
void set_simd_level(SIMDLevel level);

} // namespace faisslike
