// faisslike's side of bench_ivfpq_vs_faiss.py: loads training, base and query
// vectors from files the script wrote, trains and fills an IndexIVFPQ over an
// IndexFlat quantizer, and prints one JSON line with the train and add times
// and, for each nprobe, the batch-search throughput and single-query latency,
// timed exactly as the script times the real Faiss (wall clock, and process
// CPU time, which a busy machine disturbs less). The ids found at each nprobe
// are written to <ids-prefix><nprobe>.npy for the script's recall computation.

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/simd_levels.h>

#include "vector_io.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU seconds used by the process so far (all threads).
double cpu_seconds() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Options {
    std::string train, base, query, ids_prefix, metric = "l2", nprobes = "1,4,16,64";
    int nlist = 1024, M = 16, nbits = 8, k = 10, threads = 1, reps = 3, single_queries = 200;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (key == "--train") o.train = value;
        else if (key == "--base") o.base = value;
        else if (key == "--query") o.query = value;
        else if (key == "--ids-prefix") o.ids_prefix = value;
        else if (key == "--metric") o.metric = value;
        else if (key == "--nprobe") o.nprobes = value;
        else if (key == "--nlist") o.nlist = std::atoi(value.c_str());
        else if (key == "--M") o.M = std::atoi(value.c_str());
        else if (key == "--nbits") o.nbits = std::atoi(value.c_str());
        else if (key == "--k") o.k = std::atoi(value.c_str());
        else if (key == "--threads") o.threads = std::atoi(value.c_str());
        else if (key == "--reps") o.reps = std::atoi(value.c_str());
        else if (key == "--single-queries") o.single_queries = std::atoi(value.c_str());
        else throw faisslike::FaisslikeException("unknown option " + key);
    }
    if (o.train.empty() || o.base.empty() || o.query.empty()) {
        throw faisslike::FaisslikeException(
                "usage: bench_ivfpq_e2e --train T.npy --base B.npy --query Q.npy [--nlist N] "
                "[--M M] [--nbits B] [--nprobe 1,4,16] [--k K] [--threads T] [--reps R] "
                "[--single-queries N] [--metric l2|ip] [--ids-prefix PATH]");
    }
    return o;
}

} // namespace

int main(int argc, char** argv) try {
    using namespace faisslike;
    Options o = parse(argc, argv);
    omp_set_num_threads(o.threads);
    auto xt = tools::read_float_vectors(o.train);
    auto xb = tools::read_float_vectors(o.base);
    auto xq = tools::read_float_vectors(o.query);
    FAISSLIKE_THROW_IF_NOT_MSG(xb.d == xq.d && xt.d == xb.d, "vector dimensions differ");
    const MetricType metric = o.metric == "ip" ? METRIC_INNER_PRODUCT : METRIC_L2;

    IndexFlat quantizer(xb.d, metric);
    IndexIVFPQ index(&quantizer, xb.d, size_t(o.nlist), size_t(o.M), size_t(o.nbits), metric);
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    index.train(xt.n, xt.values.data());
    double train_s = seconds_since(t0), train_cpu_s = cpu_seconds() - c0;
    t0 = std::chrono::steady_clock::now();
    c0 = cpu_seconds();
    index.add(xb.n, xb.values.data());
    double add_s = seconds_since(t0), add_cpu_s = cpu_seconds() - c0;

    const size_t nq = xq.n, k = size_t(o.k);
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    std::ostringstream runs;
    std::stringstream list(o.nprobes);
    std::string item;
    while (std::getline(list, item, ',')) {
        index.nprobe = size_t(std::atoi(item.c_str()));
        index.search(nq, xq.values.data(), k, D.data(), I.data()); // warm-up
        double best = 1e30, best_cpu = 1e30;
        for (int r = 0; r < o.reps; r++) {
            t0 = std::chrono::steady_clock::now();
            c0 = cpu_seconds();
            index.search(nq, xq.values.data(), k, D.data(), I.data());
            best = std::min(best, seconds_since(t0));
            best_cpu = std::min(best_cpu, cpu_seconds() - c0);
        }
        if (!o.ids_prefix.empty()) {
            tools::write_npy(o.ids_prefix + item + ".npy", I.data(), tools::ElementType::int64, nq, k);
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
        runs << (runs.tellp() > 0 ? ", " : "") << "{\"nprobe\": " << index.nprobe
             << ", \"batch_qps\": " << double(nq) / best
             << ", \"batch_cpu_qps\": " << double(nq) / best_cpu
             << ", \"single_median_ms\": " << median * 1e3 << "}";
    }
    std::printf(
            "{\"library\": \"faisslike\", \"simd\": \"%s\", \"threads\": %d, \"train_s\": %.6f, "
            "\"train_cpu_s\": %.6f, \"add_s\": %.6f, \"add_cpu_s\": %.6f, \"runs\": [%s]}\n",
            simd_level_name(active_simd_level()), o.threads, train_s, train_cpu_s, add_s, add_cpu_s,
            runs.str().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ivfpq_e2e: error: %s\n", e.what());
    return 1;
}
