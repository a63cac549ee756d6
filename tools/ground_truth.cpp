#include "ground_truth.h"

#include <algorithm>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/distances.h>

#include "progress.h"

namespace faisslike::tools {

namespace {

// Large enough for the BLAS path to run at full speed, small enough that the
// progress bar moves.
constexpr size_t kQueryBlock = 1024;

} // namespace

Matrix<int64_t> exact_neighbors(
        const Matrix<float>& base,
        const Matrix<float>& queries,
        size_t k,
        MetricType metric,
        bool quiet) {
    FAISSLIKE_THROW_IF_NOT_MSG(base.d == queries.d, "base and queries differ in dimension");
    Matrix<int64_t> gt;
    gt.n = queries.n;
    gt.d = k;
    gt.values.resize(queries.n * k);
    std::vector<float> distances(std::min(kQueryBlock, queries.n) * k);
    Progress progress("ground truth", queries.n, quiet);
    for (size_t q0 = 0; q0 < queries.n; q0 += kQueryBlock) {
        size_t nq = std::min(kQueryBlock, queries.n - q0);
        idx_t* labels = gt.values.data() + q0 * k;
        if (metric == METRIC_INNER_PRODUCT) {
            knn_inner_product(
                    queries.row(q0), base.values.data(), base.d, nq, base.n, k, distances.data(),
                    labels);
        } else {
            knn_L2sqr(
                    queries.row(q0), base.values.data(), base.d, nq, base.n, k, distances.data(),
                    labels);
        }
        progress.update(q0 + nq);
    }
    progress.finish(
            "exact " + std::to_string(k) + "-NN of " + std::to_string(queries.n) +
            " queries among " + std::to_string(base.n) + " vectors");
    return gt;
}

void check_ground_truth(const Matrix<int64_t>& gt, size_t nq, size_t nb, const std::string& path) {
    if (gt.n < nq) {
        throw FaisslikeException(
                path + ": has ground truth for " + std::to_string(gt.n) +
                " queries, fewer than the " + std::to_string(nq) + " queries used");
    }
    for (size_t q = 0; q < nq; q++) {
        int64_t id = gt.row(q)[0];
        if (id < 0 || uint64_t(id) >= nb) {
            throw FaisslikeException(
                    path + ": nearest neighbour " + std::to_string(id) + " of query " +
                    std::to_string(q) + " is not a row of the " + std::to_string(nb) +
                    " base vectors; does the ground truth belong to this base (and --nb)?");
        }
    }
}

double recall_at(
        const Matrix<int64_t>& gt,
        const idx_t* labels,
        size_t nq,
        size_t result_k,
        size_t k) {
    FAISSLIKE_THROW_IF_NOT_MSG(k <= result_k, "recall_at: k exceeds the number of results");
    FAISSLIKE_THROW_IF_NOT_MSG(gt.n >= nq && gt.d >= 1, "recall_at: ground truth too small");
    if (nq == 0) {
        return 0.0;
    }
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        const idx_t* row = labels + q * result_k;
        if (std::find(row, row + k, gt.row(q)[0]) != row + k) {
            hits++;
        }
    }
    return double(hits) / double(nq);
}

} // namespace faisslike::tools
