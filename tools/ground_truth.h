#pragma once

// Exact ground truth and the recall measure reported by `faisslike bench`.

#include <cstddef>
#include <cstdint>
#include <string>

#include <faisslike/MetricType.h>

#include "vector_io.h"

namespace faisslike::tools {

/// The exact k nearest base rows of every query (knn_L2sqr or
/// knn_inner_product), computed in blocks of queries so progress can be shown.
Matrix<int64_t> exact_neighbors(
        const Matrix<float>& base,
        const Matrix<float>& queries,
        size_t k,
        MetricType metric,
        bool quiet);

/// Checks that ground truth read from `path` fits the data: at least nq rows
/// and every nearest-neighbour id a row of the nb base vectors.
void check_ground_truth(const Matrix<int64_t>& gt, size_t nq, size_t nb, const std::string& path);

/// R@k as Faiss and ann-benchmarks define it: the fraction of the nq queries
/// whose true nearest neighbour (column 0 of gt) is among the first k of their
/// result_k labels.
double recall_at(
        const Matrix<int64_t>& gt,
        const idx_t* labels,
        size_t nq,
        size_t result_k,
        size_t k);

} // namespace faisslike::tools
