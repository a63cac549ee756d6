#include <faisslike/utils/distances.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/parallel.h>
#include <faisslike/utils/simd_kernels.h>

namespace faisslike {

/*********************************************************** pair kernels */

float fvec_L2sqr(const float* x, const float* y, size_t d) {
    return active_kernels().L2sqr(x, y, d);
}

float fvec_inner_product(const float* x, const float* y, size_t d) {
    return active_kernels().inner_product(x, y, d);
}

float fvec_norm_L2sqr(const float* x, size_t d) {
    return active_kernels().norm_L2sqr(x, d);
}

namespace {

// Below this many multiply-adds a call stays on the calling thread: waking
// the OpenMP team costs more than it saves.
constexpr size_t kMinParallelWork = size_t(1) << 20;

int threads_for(size_t work, size_t tasks) {
    if (work < kMinParallelWork) {
        return 1;
    }
    size_t nt = size_t(omp_get_max_threads());
    return int(std::max<size_t>(1, std::min(nt, tasks)));
}

/// body(i) for i in [0, n), dynamically scheduled on nt threads; the first
/// exception is rethrown after the region.
template <class F>
void parallel_tasks(size_t n, int nt, F&& body) {
    ParallelExceptions errors;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
    for (int64_t i = 0; i < int64_t(n); i++) {
        errors.run([&] { body(size_t(i)); });
    }
    errors.rethrow_if_failed();
}

void check_nonnull(const void* p, size_t n, const char* what) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            n == 0 || p, "%s is a null pointer but %zu vectors were given", what, n);
}

} // namespace

void fvec_norms_L2sqr(float* norms, const float* x, size_t d, size_t nx) {
    check_nonnull(norms, nx, "norms");
    check_nonnull(x, nx, "x");
    const KernelTable& kt = active_kernels();
    const size_t chunk = 4096;
    parallel_tasks((nx + chunk - 1) / chunk, threads_for(nx * d, nx / chunk), [&](size_t c) {
        for (size_t i = c * chunk; i < std::min(nx, (c + 1) * chunk); i++) {
            norms[i] = kt.norm_L2sqr(x + i * d, d);
        }
    });
}

void fvec_renorm_L2(size_t d, size_t nx, float* x) {
    check_nonnull(x, nx, "x");
    const KernelTable& kt = active_kernels();
    const size_t chunk = 4096;
    parallel_tasks((nx + chunk - 1) / chunk, threads_for(nx * d, nx / chunk), [&](size_t c) {
        for (size_t i = c * chunk; i < std::min(nx, (c + 1) * chunk); i++) {
            float* xi = x + i * d;
            float norm2 = kt.norm_L2sqr(xi, d);
            if (norm2 > 0) { // zero (or NaN) vectors are left as they are
                float inv = 1.0f / std::sqrt(norm2);
                for (size_t j = 0; j < d; j++) {
                    xi[j] *= inv;
                }
            }
        }
    });
}

void fvec_L2sqr_ny(float* dis, const float* x, const float* y, size_t d, size_t ny) {
    check_nonnull(dis, ny, "dis");
    check_nonnull(y, ny, "y");
    check_nonnull(x, ny, "x");
    active_kernels().L2sqr_ny(dis, x, y, d, ny);
}

void fvec_inner_products_ny(float* ip, const float* x, const float* y, size_t d, size_t ny) {
    check_nonnull(ip, ny, "ip");
    check_nonnull(y, ny, "y");
    check_nonnull(x, ny, "x");
    active_kernels().inner_products_ny(ip, x, y, d, ny);
}

/*********************************************************** exact search */

namespace {

// Multiply-adds of one scan call at most (tens of milliseconds on one core):
// a task runs as several calls, with an interrupt poll before each, however
// large the search. Splitting changes no result (see scan_blocked).
constexpr size_t kMaxScanMacs = size_t(1) << 30;

/// Cuts n items of `cost` multiply-adds each into runs of at most
/// kMaxScanMacs (at least `multiple` items, in multiples of it) and calls
/// body(first, count) on each in order.
template <class F>
void for_each_scan_chunk(size_t n, size_t cost, size_t multiple, F&& body) {
    size_t chunk = kMaxScanMacs / std::max<size_t>(cost, 1) / multiple * multiple;
    chunk = std::max(chunk, multiple);
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        body(i0, std::min(chunk, n - i0));
    }
}

/// What a scan task passes before each of its scan calls: it stops the task
/// once another has failed (been interrupted, say), and polls the interrupt
/// callback.
class ScanGate {
   public:
    ScanGate(size_t macs, const ParallelExceptions& errors) : poll_(macs), errors_(errors) {}
    void enter() {
        errors_.stop_if_failed();
        poll_.tick();
    }

   private:
    InterruptPoll poll_;
    const ParallelExceptions& errors_;
};

/// parallel_tasks for scans: body(task, gate), the gate (one per thread)
/// sized for scan calls of `macs` multiply-adds.
template <class F>
void parallel_scans(size_t n, int nt, size_t macs, F&& body) {
    ParallelExceptions errors;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        ScanGate gate(macs, errors);
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < int64_t(n); i++) {
            errors.run([&] { body(size_t(i), gate); });
        }
    }
    errors.rethrow_if_failed();
}

/// Per database row, scan_rows costs about nx * (d/12 + 5) cycles (exact
/// |x - y|^2 pair by pair) and scan_blocked about d + 5 per 32 queries; the
/// measured crossover at d = 128 lies between 8 and 12 queries.
bool few_queries(size_t nx, size_t d) {
    return nx * (d + 64) <= 12 * (d + 5);
}

// Database rows per task when the rows are split between threads: enough to
// amortise packing the queries, few enough to balance the load.
constexpr size_t kMinRowsPerTask = 1024;
constexpr size_t kMaxRowsPerTask = 32768;

// A row split gives every thread results for all queries: at most this much.
constexpr size_t kMaxSplitResultBytes = size_t(64) << 20;

// Queries a task packs when the queries are split (L2-resident, each task
// scanning the whole database).
constexpr size_t kQueryTaskBytes = 256 * 1024;

// Rows of a scan call are a multiple of this when a task's rows are cut.
constexpr size_t kRowChunkMultiple = 256;

/// How one exact search is cut into single-threaded scans. Splitting the
/// database rows balances any number of queries and reads each row once, each
/// thread keeping its own results that are merged at the end; when the rows are
/// too few, or per-thread results too large, the queries are split instead.
/// Either way a pair's distance is computed the same way, so results do not
/// depend on the number of threads.
struct ScanPlan {
    void (*scan)(const ScanArgs&, ScanSink&);
    bool split_rows;
    size_t tasks;
    size_t per_task; ///< rows (split_rows) or queries per task
    int nt;

    ScanPlan(const KernelTable& kt, size_t d, size_t nx, size_t ny, size_t result_bytes) {
        scan = few_queries(nx, d) ? kt.scan_rows : kt.scan_blocked;
        const size_t max_nt = size_t(omp_get_max_threads());
        const size_t rows_per_task = std::clamp(
                (ny + 4 * max_nt - 1) / (4 * max_nt), kMinRowsPerTask, kMaxRowsPerTask);
        const size_t row_tasks = (ny + rows_per_task - 1) / rows_per_task;
        split_rows = max_nt > 1 && row_tasks >= 2 * max_nt &&
                max_nt * nx * result_bytes <= kMaxSplitResultBytes;
        if (split_rows) {
            per_task = rows_per_task;
            tasks = row_tasks;
        } else {
            const size_t qb = kt.query_block;
            const size_t blocks = (nx + qb - 1) / qb;
            const size_t cache_blocks =
                    std::max<size_t>(1, kQueryTaskBytes / (d * sizeof(float) * qb));
            const size_t wanted = std::max(max_nt, (blocks + cache_blocks - 1) / cache_blocks);
            per_task = (blocks + wanted - 1) / wanted * qb;
            tasks = (nx + per_task - 1) / per_task;
        }
        nt = threads_for(nx * ny * d, tasks);
    }
};

template <class C>
class HeapSink final : public ScanSink {
   public:
    HeapSink(size_t k, float* dis, idx_t* ids, idx_t id0, const IDSelector* sel)
            : k_(k), dis_(dis), ids_(ids), id0_(id0), sel_(sel) {}

    void set_id0(idx_t id0) { id0_ = id0; }

    float threshold(size_t q) const override { return dis_[q * k_]; }

    float add(size_t q, float dis, size_t j) override {
        float* qd = dis_ + q * k_;
        idx_t* qi = ids_ + q * k_;
        idx_t id = id0_ + idx_t(j);
        if (!sel_ || sel_->is_member(id)) {
            heap_offer<C>(k_, qd, qi, dis, id);
        }
        return qd[0];
    }

   private:
    size_t k_;
    float* dis_;
    idx_t* ids_;
    idx_t id0_;
    const IDSelector* sel_;
};

/// Narrows [0, ny) to what a range selector allows (Faiss does the same), so
/// that rows outside are not even scanned. Returns the first kept row.
idx_t apply_range_selector(const IDSelector*& sel, const float*& y, const float*& y_norm2,
                           size_t d, size_t& ny) {
    auto range = dynamic_cast<const IDSelectorRange*>(sel);
    if (!range) {
        return 0;
    }
    idx_t lo = std::clamp<idx_t>(range->imin, 0, idx_t(ny));
    idx_t hi = std::clamp<idx_t>(range->imax, lo, idx_t(ny));
    y += size_t(lo) * d;
    if (y_norm2) {
        y_norm2 += lo;
    }
    ny = size_t(hi - lo);
    sel = nullptr;
    return lo;
}

void check_search_args(const float* x, const float* y, size_t d, size_t nx, size_t ny) {
    FAISSLIKE_THROW_IF_NOT_MSG(d > 0, "the dimension d must be > 0");
    check_nonnull(x, nx, "query array x");
    check_nonnull(y, ny, "database array y");
}

template <class C>
void knn_exhaustive(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        size_t k,
        float* distances,
        idx_t* indexes,
        const float* y_norm2,
        const IDSelector* sel,
        MetricType metric) {
    check_search_args(x, y, d, nx, ny);
    FAISSLIKE_THROW_IF_NOT_FMT(k > 0, "k must be > 0 (got %zu)", k);
    check_nonnull(distances, nx, "distances");
    check_nonnull(indexes, nx, "indexes");
    if (nx == 0) {
        return;
    }
    const KernelTable& kt = active_kernels();
    const size_t out_chunk = 1024;
    const int out_nt = threads_for(nx * k * 8, nx / out_chunk);
    const size_t out_tasks = (nx + out_chunk - 1) / out_chunk;
    parallel_tasks(out_tasks, out_nt, [&](size_t c) {
        for (size_t q = c * out_chunk; q < std::min(nx, (c + 1) * out_chunk); q++) {
            heap_heapify<C>(k, distances + q * k, indexes + q * k);
        }
    });

    const idx_t id0 = apply_range_selector(sel, y, y_norm2, d, ny);
    if (auto array = dynamic_cast<const IDSelectorArray*>(sel)) {
        // Few listed rows: compute only those, in increasing order.
        std::vector<idx_t> rows;
        for (size_t i = 0; i < array->n; i++) {
            if (array->ids[i] >= 0 && size_t(array->ids[i]) < ny) {
                rows.push_back(array->ids[i]);
            }
        }
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        auto pair = metric == METRIC_L2 ? kt.L2sqr : kt.inner_product;
        parallel_tasks(nx, threads_for(nx * rows.size() * d, nx), [&](size_t q) {
            for (idx_t j : rows) {
                float dis = pair(x + q * d, y + size_t(j) * d, d);
                heap_offer<C>(k, distances + q * k, indexes + q * k, dis, id0 + j);
            }
        });
    } else if (ny > 0) {
        ScanPlan plan(kt, d, nx, ny, k * (sizeof(float) + sizeof(idx_t)));
        if (plan.split_rows) {
            // Per-thread heaps; each thread takes row ranges in increasing
            // order, so its scans still see rows in increasing order.
            // (Empty heaps, also for threads the runtime might not start.)
            std::vector<float> part_dis(size_t(plan.nt) * nx * k, C::neutral());
            std::vector<idx_t> part_ids(size_t(plan.nt) * nx * k, -1);
            parallel_scans(plan.tasks, plan.nt, std::min(kMaxScanMacs, plan.per_task * nx * d),
                           [&](size_t task, ScanGate& gate) {
                size_t t = size_t(omp_get_thread_num());
                size_t j0 = task * plan.per_task;
                size_t rows = std::min(plan.per_task, ny - j0);
                // Many queries: a few scan calls, each over some of them.
                for_each_scan_chunk(nx, rows * d, kt.query_block, [&](size_t q0, size_t nq) {
                    gate.enter();
                    size_t at = (t * nx + q0) * k;
                    HeapSink<C> sink(k, part_dis.data() + at, part_ids.data() + at,
                                     id0 + idx_t(j0), sel);
                    plan.scan({x + q0 * d, nq, y + j0 * d, rows, d,
                               y_norm2 ? y_norm2 + j0 : nullptr, metric},
                              sink);
                });
            });
            parallel_tasks(out_tasks, out_nt, [&](size_t c) {
                for (size_t q = c * out_chunk; q < std::min(nx, (c + 1) * out_chunk); q++) {
                    // Thread 0's heap is a valid heap already; offer the others to it.
                    std::copy_n(part_dis.data() + q * k, k, distances + q * k);
                    std::copy_n(part_ids.data() + q * k, k, indexes + q * k);
                    for (size_t t = 1; t < size_t(plan.nt); t++) {
                        const float* tdis = part_dis.data() + (t * nx + q) * k;
                        const idx_t* tids = part_ids.data() + (t * nx + q) * k;
                        for (size_t i = 0; i < k; i++) {
                            if (tids[i] >= 0) {
                                heap_offer<C>(k, distances + q * k, indexes + q * k,
                                              tdis[i], tids[i]);
                            }
                        }
                    }
                }
            });
        } else {
            parallel_scans(plan.tasks, plan.nt, std::min(kMaxScanMacs, plan.per_task * ny * d),
                           [&](size_t task, ScanGate& gate) {
                size_t q0 = task * plan.per_task;
                size_t nq = std::min(plan.per_task, nx - q0);
                HeapSink<C> sink(k, distances + q0 * k, indexes + q0 * k, id0, sel);
                // A large database: a few scan calls, each over some of its
                // rows, in increasing order.
                for_each_scan_chunk(ny, nq * d, kRowChunkMultiple, [&](size_t j0, size_t rows) {
                    gate.enter();
                    sink.set_id0(id0 + idx_t(j0));
                    plan.scan({x + q0 * d, nq, y + j0 * d, rows, d,
                               y_norm2 ? y_norm2 + j0 : nullptr, metric},
                              sink);
                });
            });
        }
    }

    parallel_tasks(out_tasks, out_nt, [&](size_t c) {
        for (size_t q = c * out_chunk; q < std::min(nx, (c + 1) * out_chunk); q++) {
            heap_reorder<C>(k, distances + q * k, indexes + q * k);
        }
    });
}

struct RangeHit {
    size_t q;
    float dis;
    idx_t id;
};

class RangeSink final : public ScanSink {
   public:
    RangeSink(MetricType metric, float radius, size_t q0, idx_t id0, const IDSelector* sel,
              std::vector<RangeHit>* hits)
            : l2_(metric == METRIC_L2), radius_(radius), q0_(q0), id0_(id0), sel_(sel),
              hits_(hits) {}

    float threshold(size_t) const override { return radius_; }

    float add(size_t q, float dis, size_t j) override {
        idx_t id = id0_ + idx_t(j);
        bool inside = l2_ ? dis < radius_ : dis > radius_; // scans may offer ties
        if (inside && (!sel_ || sel_->is_member(id))) {
            hits_->push_back({q0_ + q, dis, id});
        }
        return radius_;
    }

   private:
    bool l2_;
    float radius_;
    size_t q0_;
    idx_t id0_;
    const IDSelector* sel_;
    std::vector<RangeHit>* hits_;
};

void range_exhaustive(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        float radius,
        RangeSearchResult* result,
        const IDSelector* sel,
        MetricType metric) {
    check_search_args(x, y, d, nx, ny);
    FAISSLIKE_THROW_IF_NOT_MSG(result, "null RangeSearchResult");
    FAISSLIKE_THROW_IF_NOT_FMT(
            result->nq == nx,
            "RangeSearchResult was made for %zu queries but nx = %zu",
            result->nq,
            nx);
    const float* y_norm2 = nullptr;
    const idx_t id0 = apply_range_selector(sel, y, y_norm2, d, ny);
    RangeSearchHits hits(nx);
    if (nx > 0 && ny > 0) {
        const KernelTable& kt = active_kernels();
        ScanPlan plan(kt, d, nx, ny, 0);
        // Hits per task, sorted by query then row and gathered in task order:
        // each query's hits come out by increasing id whatever the scan order
        // and the number of threads.
        std::vector<std::vector<RangeHit>> task_hits(plan.tasks);
        const size_t task_macs = plan.per_task * (plan.split_rows ? nx : ny) * d;
        parallel_scans(plan.tasks, plan.nt, std::min(kMaxScanMacs, task_macs),
                       [&](size_t task, ScanGate& gate) {
            size_t lo = task * plan.per_task;
            // As in knn_exhaustive: large tasks as a few scan calls.
            if (plan.split_rows) {
                size_t rows = std::min(plan.per_task, ny - lo);
                for_each_scan_chunk(nx, rows * d, kt.query_block, [&](size_t q0, size_t nq) {
                    gate.enter();
                    RangeSink sink(metric, radius, q0, id0 + idx_t(lo), sel, &task_hits[task]);
                    plan.scan({x + q0 * d, nq, y + lo * d, rows, d, nullptr, metric}, sink);
                });
            } else {
                size_t nq = std::min(plan.per_task, nx - lo);
                for_each_scan_chunk(ny, nq * d, kRowChunkMultiple, [&](size_t j0, size_t rows) {
                    gate.enter();
                    RangeSink sink(metric, radius, lo, id0 + idx_t(j0), sel, &task_hits[task]);
                    plan.scan({x + lo * d, nq, y + j0 * d, rows, d, nullptr, metric}, sink);
                });
            }
            std::sort(task_hits[task].begin(), task_hits[task].end(),
                      [](const RangeHit& a, const RangeHit& b) {
                          return a.q != b.q ? a.q < b.q : a.id < b.id;
                      });
        });
        for (const auto& list : task_hits) {
            for (const RangeHit& h : list) {
                hits.add(h.q, h.dis, h.id);
            }
        }
    }
    hits.store(result);
}

} // namespace

void knn_L2sqr(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        size_t k,
        float* distances,
        idx_t* indexes,
        const float* y_norm2,
        const IDSelector* sel) {
    knn_exhaustive<float_maxheap>(
            x, y, d, nx, ny, k, distances, indexes, y_norm2, sel, METRIC_L2);
}

void knn_inner_product(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        size_t k,
        float* distances,
        idx_t* indexes,
        const IDSelector* sel) {
    knn_exhaustive<float_minheap>(
            x, y, d, nx, ny, k, distances, indexes, nullptr, sel, METRIC_INNER_PRODUCT);
}

void range_search_L2sqr(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        float radius,
        RangeSearchResult* result,
        const IDSelector* sel) {
    range_exhaustive(x, y, d, nx, ny, radius, result, sel, METRIC_L2);
}

void range_search_inner_product(
        const float* x,
        const float* y,
        size_t d,
        size_t nx,
        size_t ny,
        float radius,
        RangeSearchResult* result,
        const IDSelector* sel) {
    range_exhaustive(x, y, d, nx, ny, radius, result, sel, METRIC_INNER_PRODUCT);
}

} // namespace faisslike
