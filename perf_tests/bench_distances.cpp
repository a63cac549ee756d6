// Micro-benchmarks of the distance kernels and of exact k-NN search, one set
// per SIMD variant this CPU runs (names carry the variant: .../avx512/...).
//
//   build/<dir>/perf_tests/bench_distances --benchmark_filter=knn_L2sqr

#include <benchmark/benchmark.h>

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include <faisslike/utils/distances.h>
#include <faisslike/utils/random.h>
#include <faisslike/utils/simd_levels.h>

namespace {

using faisslike::idx_t;
using faisslike::SIMDLevel;

std::vector<float> rand_vectors(size_t n, size_t d, int64_t seed) {
    std::vector<float> x(n * d);
    faisslike::float_rand(x.data(), x.size(), seed);
    return x;
}

/// Runs the benchmark body at one SIMD level and thread count, then restores both.
class Setting {
   public:
    Setting(SIMDLevel level, int threads)
            : level_(faisslike::active_simd_level()), threads_(omp_get_max_threads()) {
        faisslike::set_simd_level(level);
        omp_set_num_threads(threads);
    }
    ~Setting() {
        faisslike::set_simd_level(level_);
        omp_set_num_threads(threads_);
    }

   private:
    SIMDLevel level_;
    int threads_;
};

// One pair at a time over 32 KiB of L1-resident rows: the kernel's own speed,
// not the memory's.
template <float (*Pair)(const float*, const float*, size_t)>
void bench_pair(benchmark::State& state, SIMDLevel level) {
    Setting setting(level, 1);
    const size_t d = size_t(state.range(0));
    const size_t n = std::max<size_t>(1, 8192 / d);
    auto x = rand_vectors(1, d, 1);
    auto y = rand_vectors(n, d, 2);
    size_t j = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(Pair(x.data(), y.data() + j * d, d));
        j = j + 1 < n ? j + 1 : 0;
    }
    state.SetItemsProcessed(int64_t(state.iterations()));
    state.SetBytesProcessed(int64_t(state.iterations() * d * sizeof(float)));
}

void bench_L2sqr_ny(benchmark::State& state, SIMDLevel level) {
    Setting setting(level, 1);
    const size_t d = size_t(state.range(0)), ny = 1024;
    auto x = rand_vectors(1, d, 1);
    auto y = rand_vectors(ny, d, 2);
    std::vector<float> dis(ny);
    for (auto _ : state) {
        faisslike::fvec_L2sqr_ny(dis.data(), x.data(), y.data(), d, ny);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(int64_t(state.iterations() * ny));
}

/// Flat search of nq queries in a 100k x 128 database, k = 10; items/s is
/// queries per second.
void bench_knn_L2sqr(benchmark::State& state, SIMDLevel level) {
    const size_t nb = 100000, d = 128, k = 10;
    const size_t nq = size_t(state.range(0));
    Setting setting(level, int(state.range(1)));
    static const std::vector<float> xb = rand_vectors(nb, d, 3);
    auto xq = rand_vectors(nq, d, 4);
    std::vector<float> D(nq * k);
    std::vector<idx_t> I(nq * k);
    for (auto _ : state) {
        faisslike::knn_L2sqr(xq.data(), xb.data(), d, nq, nb, k, D.data(), I.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(int64_t(state.iterations() * nq));
}

void register_all() {
    for (SIMDLevel level : faisslike::supported_simd_levels()) {
        const std::string isa = faisslike::simd_level_name(level);
        benchmark::RegisterBenchmark(
                ("fvec_L2sqr/" + isa).c_str(), bench_pair<faisslike::fvec_L2sqr>, level)
                ->ArgName("d")
                ->Arg(128)
                ->Arg(768);
        benchmark::RegisterBenchmark(
                ("fvec_inner_product/" + isa).c_str(),
                bench_pair<faisslike::fvec_inner_product>,
                level)
                ->ArgName("d")
                ->Arg(128)
                ->Arg(768);
        benchmark::RegisterBenchmark(("fvec_L2sqr_ny/" + isa).c_str(), bench_L2sqr_ny, level)
                ->ArgName("d")
                ->Arg(128);
        benchmark::RegisterBenchmark(
                ("knn_L2sqr/100kx128/k:10/" + isa).c_str(), bench_knn_L2sqr, level)
                ->ArgNames({"nq", "threads"})
                ->ArgsProduct({{1, 1000}, {1, 2}})
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
    }
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
