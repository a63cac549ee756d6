#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

struct ProductQuantizer;
struct ScalarQuantizer;

/// Distances between one query and stored vectors, and between two stored
/// vectors, addressed by row number (Faiss's DistanceComputer). Values are the
/// metric's own: squared L2 distances, or inner products (larger is closer)
/// for METRIC_INNER_PRODUCT. Graph indexes (HNSW) walk with one of these per
/// thread; an instance is not thread-safe. It reads the storage in place, so
/// the storage must not grow or shrink while it is in use.
struct DistanceComputer {
    virtual ~DistanceComputer() = default;

    /// Makes x (d floats) the query; x must stay valid until the next call.
    virtual void set_query(const float* x) = 0;

    /// Query to stored vector i.
    virtual float operator()(idx_t i) = 0;

    /// dis[j] = (*this)(ids[j]) for j < n: one call per graph expansion, so
    /// implementations can prefetch the next vectors while computing one.
    virtual void distances_batch(size_t n, const int32_t* ids, float* dis);

    /// Stored vector i to stored vector j.
    virtual float symmetric_dis(idx_t i, idx_t j) = 0;
};

/// Over raw vectors (IndexFlat's storage): xb holds the rows, d floats each.
/// METRIC_L2 or METRIC_INNER_PRODUCT. The caller owns the result.
DistanceComputer* make_flat_distance_computer(const float* xb, size_t d, MetricType metric);

/// Over product-quantizer codes (IndexPQ's storage), code_size bytes per row.
/// Query distances are asymmetric (exact query, table lookups on the codes).
/// Stored-to-stored distances read sdc_table when it is not null (see
/// compute_pq_sdc_table), else decode both codes.
DistanceComputer* make_pq_distance_computer(
        const ProductQuantizer& pq,
        const uint8_t* codes,
        MetricType metric,
        const float* sdc_table);

/// Symmetric distance table of a product quantizer: entry
/// (m * ksub + i) * ksub + j is the squared distance (L2) or the inner product
/// (METRIC_INNER_PRODUCT) between centroids i and j of sub-quantizer m, so the
/// distance between two codes is a sum of M lookups. M * ksub^2 floats; empty
/// when ksub > 256, where such a table would be too large to be worth it.
std::vector<float> compute_pq_sdc_table(const ProductQuantizer& pq, MetricType metric);

/// Over scalar-quantizer codes (IndexScalarQuantizer's storage), code_size
/// bytes per row. Query distances are computed on the codes; stored-to-stored
/// distances decode both vectors.
DistanceComputer* make_sq_distance_computer(
        const ScalarQuantizer& sq,
        const uint8_t* codes,
        MetricType metric);

} // namespace faisslike
