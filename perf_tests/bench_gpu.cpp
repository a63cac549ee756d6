// GPU search throughput next to the same work on the CPU index: flat (L2),
// IVFFlat and IVFPQ, queries per second for a batch of queries. Runs on a GPU
// machine; without a device it says so and exits.
//
//   bench_gpu [--nb N] [--nq N] [--d D] [--k K] [--nlist L] [--nprobe P] [--M M]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/gpu/GpuCloner.h>
#include <faisslike/gpu/StandardGpuResources.h>
#include <faisslike/gpu/utils/DeviceUtils.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/random.h>

using faisslike::idx_t;

namespace {

struct Options {
    idx_t nb = 1000000, nq = 10000;
    int d = 128, k = 10, nlist = 1024, nprobe = 16, M = 16;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const long long v = std::atoll(argv[i + 1]);
        if (key == "--nb") o.nb = v;
        else if (key == "--nq") o.nq = v;
        else if (key == "--d") o.d = int(v);
        else if (key == "--k") o.k = int(v);
        else if (key == "--nlist") o.nlist = int(v);
        else if (key == "--nprobe") o.nprobe = int(v);
        else if (key == "--M") o.M = int(v);
        else throw faisslike::FaisslikeException("unknown option " + key);
    }
    return o;
}

/// Best of three runs of a batch search, in queries per second.
double qps(const faisslike::Index& index, const Options& o, const std::vector<float>& xq) {
    std::vector<float> D(size_t(o.nq) * o.k);
    std::vector<idx_t> I(size_t(o.nq) * o.k);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        const auto t0 = std::chrono::steady_clock::now();
        index.search(o.nq, xq.data(), o.k, D.data(), I.data());
        const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(o.nq) / s);
    }
    return best;
}

void report(const char* what, const faisslike::Index& cpu, const faisslike::Index& gpu,
            const Options& o, const std::vector<float>& xq) {
    const double c = qps(cpu, o, xq), g = qps(gpu, o, xq);
    std::printf("%-10s  CPU %12.0f QPS   GPU %12.0f QPS   GPU/CPU %6.2fx\n", what, c, g, g / c);
}

} // namespace

int main(int argc, char** argv) try {
    const Options o = parse(argc, argv);
    if (faisslike::gpu::getNumDevices() == 0) {
        std::printf("bench_gpu: no CUDA device on this machine; nothing to measure\n");
        return 0;
    }
    std::printf("nb %lld  nq %lld  d %d  k %d  (IVF: nlist %d nprobe %d, PQ M %d)\n",
                (long long)o.nb, (long long)o.nq, o.d, o.k, o.nlist, o.nprobe, o.M);
    std::vector<float> xb(size_t(o.nb) * o.d), xq(size_t(o.nq) * o.d);
    faisslike::float_randn(xb.data(), xb.size(), 1);
    faisslike::float_randn(xq.data(), xq.size(), 2);
    faisslike::gpu::StandardGpuResources res;

    faisslike::IndexFlatL2 flat(o.d);
    flat.add(o.nb, xb.data());
    std::unique_ptr<faisslike::Index> gflat(faisslike::gpu::index_cpu_to_gpu(&res, 0, &flat));
    report("Flat", flat, *gflat, o, xq);

    faisslike::IndexFlatL2 q1(o.d), q2(o.d);
    faisslike::IndexIVFFlat ivf(&q1, size_t(o.d), size_t(o.nlist));
    const idx_t nt = std::min<idx_t>(o.nb, idx_t(o.nlist) * 64);
    ivf.train(nt, xb.data());
    ivf.add(o.nb, xb.data());
    ivf.nprobe = size_t(o.nprobe);
    std::unique_ptr<faisslike::Index> givf(faisslike::gpu::index_cpu_to_gpu(&res, 0, &ivf));
    report("IVFFlat", ivf, *givf, o, xq);

    faisslike::IndexIVFPQ ivfpq(&q2, size_t(o.d), size_t(o.nlist), size_t(o.M), 8);
    ivfpq.train(std::min<idx_t>(o.nb, std::max<idx_t>(nt, 256 * 64)), xb.data());
    ivfpq.add(o.nb, xb.data());
    ivfpq.nprobe = size_t(o.nprobe);
    faisslike::gpu::GpuClonerOptions co;
    co.usePrecomputed = true;
    std::unique_ptr<faisslike::Index> gpq(faisslike::gpu::index_cpu_to_gpu(&res, 0, &ivfpq, &co));
    report("IVFPQ", ivfpq, *gpq, o, xq);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu: %s\n", e.what());
    return 1;
}
