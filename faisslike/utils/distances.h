#pragma once

// Distance kernels and exact k-nearest-neighbour search over raw arrays.
// Every function dispatches at run time to the best SIMD variant the CPU has
// (see simd_levels.h). Arrays are row-major; ids returned are row numbers of y.

#include <cstddef>

#include <faisslike/MetricType.h>

namespace faisslike {

struct IDSelector;
struct RangeSearchResult;

/// Squared L2 distance, inner product and squared norm of d-dimensional vectors.
float fvec_L2sqr(const float* x, const float* y, size_t d);
float fvec_inner_product(const float* x, const float* y, size_t d);
float fvec_norm_L2sqr(const float* x, size_t d);

/// norms[i] = |x_i|^2 for nx vectors.
void fvec_norms_L2sqr(float* norms, const float* x, size_t d, size_t nx);

/// Scales each of the nx vectors to unit L2 norm in place (zero vectors stay zero).
void fvec_renorm_L2(size_t d, size_t nx, float* x);

/// dis[j] = |x - y_j|^2 and ip[j] = <x, y_j> for ny vectors y_j.
void fvec_L2sqr_ny(float* dis, const float* x, const float* y, size_t d, size_t ny);
void fvec_inner_products_ny(float* ip, const float* x, const float* y, size_t d, size_t ny);

/// Exact k-NN of nx queries x among ny vectors y: distances and indexes are nx * k,
/// best first, padded with -1 / +FLT_MAX (L2) or -1 / -FLT_MAX (IP).
/// y_norm2 (optional) holds |y_j|^2 when the caller has them cached.
/// sel (optional) restricts the candidates to the row numbers it selects.
/// Parallel over queries (or over y when there are few queries) with OpenMP.
void knn_L2sqr(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        size_t k,
        float* distances,
        idx_t* indexes,
        const float* y_norm2 = nullptr,
        const IDSelector* sel = nullptr);

void knn_inner_product(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        size_t k,
        float* distances,
        idx_t* indexes,
        const IDSelector* sel = nullptr);

/// All y_j with |x - y_j|^2 < radius (L2) or <x, y_j> > radius (IP).
/// The result is replaced only once the search has completed.
void range_search_L2sqr(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        float radius,
        RangeSearchResult* result,
        const IDSelector* sel = nullptr);

void range_search_inner_product(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        float radius,
        RangeSearchResult* result,
        const IDSelector* sel = nullptr);

} // namespace faisslike
