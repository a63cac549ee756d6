#include <faisslike/utils/random.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

namespace {

// Output is generated in fixed blocks, each from its own seeded stream, so the
// result does not depend on how the blocks are spread over threads.
constexpr size_t kBlock = 1 << 16;

std::mt19937_64 block_rng(int64_t seed, size_t block) {
    std::seed_seq seq{uint64_t(seed), uint64_t(block), uint64_t(0x9e3779b97f4a7c15ULL)};
    return std::mt19937_64(seq);
}

} // namespace

void float_rand(float* x, size_t n, int64_t seed) {
    size_t nblock = (n + kBlock - 1) / kBlock;
#pragma omp parallel for if (nblock > 1)
    for (size_t b = 0; b < nblock; b++) {
        auto rng = block_rng(seed, b);
        std::uniform_real_distribution<float> dist(0.0f, 1.0f);
        size_t end = std::min(n, (b + 1) * kBlock);
        for (size_t i = b * kBlock; i < end; i++) {
            x[i] = dist(rng);
        }
    }
}

void float_randn(float* x, size_t n, int64_t seed) {
    size_t nblock = (n + kBlock - 1) / kBlock;
#pragma omp parallel for if (nblock > 1)
    for (size_t b = 0; b < nblock; b++) {
        auto rng = block_rng(seed, b);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        size_t end = std::min(n, (b + 1) * kBlock);
        for (size_t i = b * kBlock; i < end; i++) {
            x[i] = dist(rng);
        }
    }
}

void rand_perm(int* perm, size_t n, int64_t seed) {
    for (size_t i = 0; i < n; i++) {
        perm[i] = int(i);
    }
    std::mt19937_64 rng = block_rng(seed, 0);
    std::shuffle(perm, perm + n, rng);
}

void float_clustered(
        float* x,
        size_t n,
        size_t d,
        size_t nclusters,
        float spread,
        int64_t seed) {
    FAISSLIKE_THROW_IF_NOT_MSG(nclusters > 0, "float_clustered: nclusters must be > 0");
    FAISSLIKE_THROW_IF_NOT_MSG(spread >= 0, "float_clustered: spread must be >= 0");
    std::vector<float> centres(nclusters * d);
    float_rand(centres.data(), centres.size(), seed);
    float_randn(x, n * d, seed + 1);
    // Centres uniform in [0,1)^d are about sqrt(d/6) apart; noise is relative to that.
    float sigma = spread * std::sqrt(float(d) / 6.0f);
    std::vector<uint32_t> owner(n);
    {
        std::mt19937_64 rng = block_rng(seed + 2, 0);
        std::uniform_int_distribution<uint32_t> pick(0, uint32_t(nclusters - 1));
        for (auto& o : owner) {
            o = pick(rng);
        }
    }
#pragma omp parallel for if (n > 4096)
    for (int64_t i = 0; i < int64_t(n); i++) {
        const float* c = centres.data() + size_t(owner[i]) * d;
        float* v = x + size_t(i) * d;
        for (size_t j = 0; j < d; j++) {
            v[j] = std::max(0.0f, 128.0f * (c[j] + sigma * v[j] / std::sqrt(float(d))));
        }
    }
}

} // namespace faisslike
