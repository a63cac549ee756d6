#pragma once

// Seeded pseudo-random generation: the same seed gives the same numbers on every
// machine and whatever the thread count (each block of output has its own stream).

#include <cstddef>
#include <cstdint>

namespace faisslike {

/// Uniform floats in [0, 1).
void float_rand(float* x, size_t n, int64_t seed);
/// Standard normal floats.
void float_randn(float* x, size_t n, int64_t seed);
/// A random permutation of 0 .. n-1.
void rand_perm(int* perm, size_t n, int64_t seed);

/// n vectors of dimension d drawn around `nclusters` random centres, the shape of
/// real embedding sets (SIFT-like): each vector is a centre plus Gaussian noise
/// of standard deviation `spread` relative to the spacing of the centres.
/// Values are non-negative and scaled to roughly [0, 128], as in SIFT.
void float_clustered(
        float* x,
        size_t n,
        size_t d,
        size_t nclusters,
        float spread,
        int64_t seed);

} // namespace faisslike
