#include <faisslike/utils/simd_levels.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <strings.h>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/simd_kernels.h>

namespace faisslike {

namespace {

bool cpu_supports(SIMDLevel level) {
    switch (level) {
        case SIMDLevel::GENERIC:
            return true;
#if defined(__x86_64__) || defined(__i386__)
        // libgcc also checks that the OS saves the vector registers (XCR0).
        case SIMDLevel::AVX2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case SIMDLevel::AVX512:
            return __builtin_cpu_supports("avx512f") &&
                    __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") &&
                    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
        default:
            return false;
    }
}

const KernelTable& table_of(SIMDLevel level) {
    switch (level) {
        case SIMDLevel::AVX512:
            return kernels_avx512();
        case SIMDLevel::AVX2:
            return kernels_avx2();
        default:
            return kernels_generic();
    }
}

std::atomic<const KernelTable*>& active_table() {
    static std::atomic<const KernelTable*> table{
            &table_of(simd_level_from_env(std::getenv("FAISSLIKE_SIMD")))};
    return table;
}

} // namespace

SIMDLevel simd_level_from_env(const char* value) {
    SIMDLevel best = detected_simd_level();
    if (!value || !*value) {
        return best;
    }
    for (SIMDLevel level : {SIMDLevel::GENERIC, SIMDLevel::AVX2, SIMDLevel::AVX512}) {
        if (strcasecmp(value, simd_level_name(level)) == 0) {
            if (cpu_supports(level)) {
                return level;
            }
            std::fprintf(
                    stderr,
                    "faisslike: FAISSLIKE_SIMD=%s is not supported by this CPU; using %s\n",
                    value,
                    simd_level_name(best));
            return best;
        }
    }
    std::fprintf(
            stderr,
            "faisslike: FAISSLIKE_SIMD=%s is not one of generic, avx2, avx512; using %s\n",
            value,
            simd_level_name(best));
    return best;
}

const char* simd_level_name(SIMDLevel level) {
    switch (level) {
        case SIMDLevel::GENERIC:
            return "generic";
        case SIMDLevel::AVX2:
            return "avx2";
        case SIMDLevel::AVX512:
            return "avx512";
    }
    return "unknown";
}

SIMDLevel detected_simd_level() {
    static const SIMDLevel level = cpu_supports(SIMDLevel::AVX512) ? SIMDLevel::AVX512
            : cpu_supports(SIMDLevel::AVX2)                        ? SIMDLevel::AVX2
                                                                   : SIMDLevel::GENERIC;
    return level;
}

std::vector<SIMDLevel> supported_simd_levels() {
    std::vector<SIMDLevel> levels;
    for (SIMDLevel level : {SIMDLevel::GENERIC, SIMDLevel::AVX2, SIMDLevel::AVX512}) {
        if (cpu_supports(level)) {
            levels.push_back(level);
        }
    }
    return levels;
}

SIMDLevel active_simd_level() {
    return active_kernels().level;
}

void set_simd_level(SIMDLevel level) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            cpu_supports(level),
            "SIMD level %s is not supported by this CPU (best available: %s)",
            simd_level_name(level),
            simd_level_name(detected_simd_level()));
    active_table().store(&table_of(level), std::memory_order_release);
}

const KernelTable& active_kernels() {
    return *active_table().load(std::memory_order_acquire);
}

} // namespace faisslike
