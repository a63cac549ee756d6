#pragma once

// Internal (not installed): the table of distance kernels that
// simd_kernels.cpp provides once per instruction set, and the interfaces the
// exact-search scans report their candidates through.
//
// The kernel sources are compiled with -mavx2 / -mavx512f, so they must not
// instantiate templates or inline functions shared with the rest of the
// library (the linker would keep one copy, possibly one the CPU cannot run).
// Heaps, selectors and result lists therefore stay behind ScanSink, whose
// implementations live in distances.cpp.

#include <cstddef>

#include <faisslike/MetricType.h>
#include <faisslike/utils/simd_levels.h>

namespace faisslike {

/// Where a scan sends the (query, database row) pairs that may enter the
/// query's results. A scan offers every candidate strictly better than the
/// query's current threshold (smaller for L2, larger for inner product) and
/// may also offer ties, since it need not visit rows in order; NaN distances
/// are never offered. Sinks therefore break ties on the row and apply strict
/// bounds themselves where the result depends on it.
class ScanSink {
   public:
    /// Threshold of query q when the scan starts.
    virtual float threshold(size_t q) const = 0;
    /// Offers row j at distance dis to query q; returns q's new threshold.
    virtual float add(size_t q, float dis, size_t j) = 0;

   protected:
    ~ScanSink() = default;
};

/// One single-threaded scan: queries x[0, nx) against database rows y[0, ny),
/// both row-major with d >= 1 components.
struct ScanArgs {
    const float* x;
    size_t nx;
    const float* y;
    size_t ny;
    size_t d;
    /// |y_j|^2 of the scanned rows, or null to compute them (L2 only).
    const float* y_norm2;
    /// METRIC_L2 or METRIC_INNER_PRODUCT.
    MetricType metric;
};

struct KernelTable {
    SIMDLevel level;

    float (*L2sqr)(const float* x, const float* y, size_t d);
    float (*inner_product)(const float* x, const float* y, size_t d);
    float (*norm_L2sqr)(const float* x, size_t d);
    void (*L2sqr_ny)(float* dis, const float* x, const float* y, size_t d, size_t ny);
    void (*inner_products_ny)(float* ip, const float* x, const float* y, size_t d, size_t ny);
    /// x against the four rows y[0..3] (anywhere in memory) into out[0..3]:
    /// bitwise the results of four L2sqr / inner_product calls, at one call
    /// and one pass over x (graph searches compute scattered rows). next:
    /// null, or the four rows of the caller's next call, requested from
    /// memory line by line while these are computed.
    void (*L2sqr_batch_4)(const float* x, const float* const* y, const float* const* next, size_t d, float* out);
    void (*inner_product_batch_4)(const float* x, const float* const* y, const float* const* next, size_t d,
                                  float* out);

    /// Few queries: every (query, row) pair with the pair kernels above (L2 as
    /// |x - y|^2), streaming y once as a few prefetched sequential streams.
    void (*scan_rows)(const ScanArgs& args, ScanSink& sink);

    /// Many queries: register tiles of query_block queries x a few rows, L2 as
    /// |x|^2 + |y|^2 - 2 <x, y> clamped at 0, thresholds tested with vector
    /// compares so that the distance matrix never reaches memory; rows are
    /// visited in increasing order, so ties are not offered. Each pair's
    /// distance is computed identically whatever nx, so results do not depend
    /// on how the caller splits the queries or the rows.
    void (*scan_blocked)(const ScanArgs& args, ScanSink& sink);

    /// Queries per register tile of scan_blocked; callers split queries in
    /// multiples of it.
    size_t query_block;
};

const KernelTable& kernels_generic();
const KernelTable& kernels_avx2();
const KernelTable& kernels_avx512();

/// The table of active_simd_level() (simd_levels.cpp).
const KernelTable& active_kernels();

/// The level the value of FAISSLIKE_SIMD selects at first use: the named one,
/// or detected_simd_level() when the value is empty, unknown or names a level
/// this CPU lacks (reported once on stderr rather than failing every call).
SIMDLevel simd_level_from_env(const char* value);

} // namespace faisslike
