// faisslike's side of bench_ivf_vs_faiss.py: loads training, base and query
// vectors from files the script wrote, builds the index of a factory string
// (IVF1024,Flat, IVF1024,PQ16, ...), trains and fills it, and prints one JSON
// line with the train and add times, the serialized bytes per vector and, for
// each nprobe, the batch-search throughput and single-query latency,
// timed exactly as the script times the real Faiss (wall clock, and process
// CPU time, which a busy machine disturbs less). The ids found at each nprobe
// are written to <ids-prefix><nprobe>.npy for the script's recall computation.

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <faisslike/IVFlib.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>
#include <faisslike/utils/simd_levels.h>

#include "bench_common.h"
#include "vector_io.h"

namespace {

using faisslike::bench::cpu_seconds;
using faisslike::bench::seconds_since;

struct Options {
    std::string train, base, query, ids_prefix, metric = "l2", nprobes = "1,4,16,64";
    std::string factory = "IVF1024,PQ16";
    int k = 10, threads = 1, reps = 3, single_queries = 200;
};

Options parse(int argc, char** argv) {
    Options o;
    faisslike::bench::parse_key_values(argc, argv, [&](const std::string& key, const std::string& value) {
        if (key == "--train") o.train = value;
        else if (key == "--base") o.base = value;
        else if (key == "--query") o.query = value;
        else if (key == "--ids-prefix") o.ids_prefix = value;
        else if (key == "--metric") o.metric = value;
        else if (key == "--nprobe") o.nprobes = value;
        else if (key == "--factory") o.factory = value;
        else if (key == "--k") o.k = std::atoi(value.c_str());
        else if (key == "--threads") o.threads = std::atoi(value.c_str());
        else if (key == "--reps") o.reps = std::atoi(value.c_str());
        else if (key == "--single-queries") o.single_queries = std::atoi(value.c_str());
        else return false;
        return true;
    });
    if (o.train.empty() || o.base.empty() || o.query.empty()) {
        throw faisslike::FaisslikeException(
                "usage: bench_ivf_e2e --train T.npy --base B.npy --query Q.npy "
                "[--factory IVF1024,PQ16] [--nprobe 1,4,16] [--k K] [--threads T] [--reps R] "
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

    std::unique_ptr<Index> owned(index_factory(int(xb.d), o.factory.c_str(), metric));
    Index& index = *owned;
    IndexIVF& ivf = *extract_index_ivf(owned.get());
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    index.train(xt.n, xt.values.data());
    double train_s = seconds_since(t0), train_cpu_s = cpu_seconds() - c0;
    t0 = std::chrono::steady_clock::now();
    c0 = cpu_seconds();
    index.add(xb.n, xb.values.data());
    double add_s = seconds_since(t0), add_cpu_s = cpu_seconds() - c0;
    const double bytes_per_vector = double(serialize_index(owned.get()).size()) / double(xb.n);

    const size_t nq = xq.n, k = size_t(o.k);
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    std::ostringstream runs;
    std::stringstream list(o.nprobes);
    std::string item;
    while (std::getline(list, item, ',')) {
        ivf.nprobe = size_t(std::atoi(item.c_str()));
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
        runs << (runs.tellp() > 0 ? ", " : "") << "{\"nprobe\": " << ivf.nprobe
             << ", \"batch_qps\": " << double(nq) / best
             << ", \"batch_cpu_qps\": " << double(nq) / best_cpu
             << ", \"single_median_ms\": " << median * 1e3 << "}";
    }
    std::printf(
            "{\"library\": \"faisslike\", \"simd\": \"%s\", \"threads\": %d, \"train_s\": %.6f, "
            "\"train_cpu_s\": %.6f, \"add_s\": %.6f, \"add_cpu_s\": %.6f, \"bytes_per_vector\": %.2f, "
            "\"runs\": [%s]}\n",
            simd_level_name(active_simd_level()), o.threads, train_s, train_cpu_s, add_s, add_cpu_s,
            bytes_per_vector,
            runs.str().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ivf_e2e: error: %s\n", e.what());
    return 1;
}
