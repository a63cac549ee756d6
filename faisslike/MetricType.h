#pragma once

#include <cstdint>

namespace faisslike {

/// Vector ids and counts. Signed 64-bit as in Faiss; -1 marks "no result".
using idx_t = int64_t;

/// Distance measures. The numeric values are Faiss's: they appear in index files
/// and in the C API, so they must never change.
enum MetricType {
    METRIC_INNER_PRODUCT = 0, ///< larger is more similar
    METRIC_L2 = 1,            ///< squared Euclidean distance
    METRIC_L1 = 2,
    METRIC_Linf = 3,
    METRIC_Lp = 4,
};

/// True when larger values mean closer (results sorted in decreasing order).
inline bool is_similarity_metric(MetricType metric) {
    return metric == METRIC_INNER_PRODUCT;
}

const char* metric_name(MetricType metric);

} // namespace faisslike
