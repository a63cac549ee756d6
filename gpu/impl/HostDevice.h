#pragma once

// The kernel logic of libfaisslike_gpu is written once, as __host__ __device__
// code: nvcc compiles it into the CUDA kernels, and the plain host compiler
// compiles the same headers into test binaries that play the grid on the CPU
// (tests/gpu/host_grid.h), so every kernel is checked where no GPU exists.

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define FAISSLIKE_HD __host__ __device__
#else
#define FAISSLIKE_HD
#endif

namespace faisslike {
namespace gpu {
namespace kernels {

/// A grid of up to two dimensions; x is the large one (queries, rows).
struct Grid {
    unsigned x = 1;
    unsigned y = 1;
};

/// The largest y extent CUDA accepts; drivers check it before launching.
constexpr unsigned kMaxGridY = 65535;

/// Shared-memory add that is atomic among the threads of a block on the
/// device; on the host harness threads run one after the other.
FAISSLIKE_HD inline uint32_t shared_atomic_add(uint32_t* p, uint32_t v) {
#if defined(__CUDA_ARCH__)
    return atomicAdd(reinterpret_cast<unsigned int*>(p), v);
#else
    const uint32_t old = *p;
    *p = old + v;
    return old;
#endif
}

FAISSLIKE_HD inline uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t u;
    std::memcpy(&u, &f, sizeof(u));
    return u;
#endif
}

FAISSLIKE_HD inline float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
#endif
}

template <class T>
FAISSLIKE_HD inline T hd_min(T a, T b) {
    return b < a ? b : a;
}

template <class T>
FAISSLIKE_HD inline T hd_max(T a, T b) {
    return a < b ? b : a;
}

/// Largest finite float, the padding distance of missing L2 results
/// (FLT_MAX, spelled out so that no host header is needed on the device).
constexpr float kFloatMax = 3.402823466e+38f;

} // namespace kernels
} // namespace gpu
} // namespace faisslike
