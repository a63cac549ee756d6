// faisslike's side of bench_flat_vs_faiss.py: loads base and query vectors from
// files the script wrote, builds an IndexFlat, and prints one JSON line with the
// batch-search throughput and the single-query latency, timed exactly as the
// script times the real Faiss.

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/simd_levels.h>

#include "bench_common.h"
#include "vector_io.h"

namespace {

using faisslike::bench::seconds_since;

struct Options {
    std::string base, query, ids_out, metric = "l2";
    int k = 10, threads = 1, reps = 3, single_queries = 100;
};

Options parse(int argc, char** argv) {
    Options o;
    faisslike::bench::parse_key_values(argc, argv, [&](const std::string& key, const std::string& value) {
        if (key == "--base") o.base = value;
        else if (key == "--query") o.query = value;
        else if (key == "--ids-out") o.ids_out = value;
        else if (key == "--metric") o.metric = value;
        else if (key == "--k") o.k = std::atoi(value.c_str());
        else if (key == "--threads") o.threads = std::atoi(value.c_str());
        else if (key == "--reps") o.reps = std::atoi(value.c_str());
        else if (key == "--single-queries") o.single_queries = std::atoi(value.c_str());
        else return false;
        return true;
    });
    if (o.base.empty() || o.query.empty()) {
        throw faisslike::FaisslikeException(
                "usage: bench_flat_e2e --base B.npy --query Q.npy [--k K] [--threads T] "
                "[--reps R] [--single-queries N] [--metric l2|ip] [--ids-out I.npy]");
    }
    return o;
}

} // namespace

int main(int argc, char** argv) try {
    using namespace faisslike;
    Options o = parse(argc, argv);
    omp_set_num_threads(o.threads);
    auto xb = tools::read_float_vectors(o.base);
    auto xq = tools::read_float_vectors(o.query);
    FAISSLIKE_THROW_IF_NOT_MSG(xb.d == xq.d, "base and query dimensions differ");

    IndexFlat index(xb.d, o.metric == "ip" ? METRIC_INNER_PRODUCT : METRIC_L2);
    auto t0 = std::chrono::steady_clock::now();
    index.add(xb.n, xb.values.data());
    double add_s = seconds_since(t0);

    const size_t nq = xq.n, k = size_t(o.k);
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    index.search(nq, xq.values.data(), k, D.data(), I.data()); // warm-up
    double best_batch = 1e30;
    for (int r = 0; r < o.reps; r++) {
        t0 = std::chrono::steady_clock::now();
        index.search(nq, xq.values.data(), k, D.data(), I.data());
        best_batch = std::min(best_batch, seconds_since(t0));
    }
    if (!o.ids_out.empty()) {
        tools::write_npy(o.ids_out, I.data(), tools::ElementType::int64, nq, k);
    }

    const size_t nsingle = std::min(nq, size_t(o.single_queries));
    std::vector<double> latencies;
    for (size_t q = 0; q < nsingle; q++) {
        t0 = std::chrono::steady_clock::now();
        index.search(1, xq.row(q), k, D.data(), I.data());
        latencies.push_back(seconds_since(t0));
    }
    std::sort(latencies.begin(), latencies.end());
    double median = latencies.empty() ? 0 : latencies[latencies.size() / 2];

    std::printf(
            "{\"library\": \"faisslike\", \"simd\": \"%s\", \"threads\": %d, \"nb\": %zu, "
            "\"nq\": %zu, \"d\": %zu, \"k\": %zu, \"add_s\": %.6f, \"batch_s\": %.6f, "
            "\"batch_qps\": %.3f, \"single_median_ms\": %.6f}\n",
            simd_level_name(active_simd_level()), o.threads, xb.n, nq, xb.d, k, add_s,
            best_batch, double(nq) / best_batch, median * 1e3);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_flat_e2e: error: %s\n", e.what());
    return 1;
}
