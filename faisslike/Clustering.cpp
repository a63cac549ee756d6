#include <faisslike/Clustering.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/random.h>

namespace faisslike {

namespace {

double elapsed_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// New centroid = weighted mean of its points. Threads own disjoint centroid
/// ranges, so no synchronisation is needed and results do not depend on the
/// thread count. Returns the number of points of each centroid in hassign.
void compute_centroids(
        size_t d,
        size_t k,
        size_t n,
        const float* x,
        const idx_t* assign,
        const float* weights,
        float* hassign,
        float* centroids) {
    std::fill(centroids, centroids + k * d, 0.0f);
    std::fill(hassign, hassign + k, 0.0f);
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), rank = omp_get_thread_num();
        size_t c0 = k * rank / nt, c1 = k * (rank + 1) / nt;
        // Accumulate in double: sums of hundreds of SIFT-scale values lose bits in float.
        std::vector<double> acc((c1 - c0) * d, 0.0);
        for (size_t i = 0; i < n; i++) {
            idx_t c = assign[i];
            if (c < idx_t(c0) || c >= idx_t(c1)) {
                continue;
            }
            double w = weights ? weights[i] : 1.0;
            hassign[c] += float(w);
            double* a = acc.data() + (c - c0) * d;
            const float* xi = x + i * d;
            for (size_t j = 0; j < d; j++) {
                a[j] += w * xi[j];
            }
        }
        for (size_t c = c0; c < c1; c++) {
            if (hassign[c] == 0) {
                continue;
            }
            double inv = 1.0 / hassign[c];
            for (size_t j = 0; j < d; j++) {
                centroids[c * d + j] = float(acc[(c - c0) * d + j] * inv);
            }
        }
    }
}

/// Gives each empty centroid from first_free on half of a populous one: the
/// empty centroid takes a slightly perturbed copy of a centroid chosen with
/// probability proportional to its size, and the two share its points. The
/// centroids before first_free are frozen: never refilled (a donor among them
/// is restored by the caller). Returns the number of splits.
int split_empty_clusters(
        size_t d,
        size_t k,
        size_t first_free,
        size_t n,
        float* hassign,
        float* centroids,
        std::mt19937_64& rng) {
    const float kEps = 1.0f / 1024;
    int nsplit = 0;
    for (size_t ci = first_free; ci < k; ci++) {
        if (hassign[ci] != 0) {
            continue;
        }
        size_t cj;
        for (;;) {
            // A point drawn uniformly lands in cluster cj with probability |cj| / n.
            float r = std::uniform_real_distribution<float>(0, float(n))(rng);
            float cum = 0;
            for (cj = 0; cj + 1 < k; cj++) {
                cum += hassign[cj];
                if (r < cum) {
                    break;
                }
            }
            if (hassign[cj] > 1) {
                break;
            }
        }
        std::memcpy(centroids + ci * d, centroids + cj * d, sizeof(float) * d);
        for (size_t j = 0; j < d; j++) {
            float sign = j % 2 == 0 ? 1.0f : -1.0f;
            centroids[ci * d + j] *= 1 + sign * kEps;
            centroids[cj * d + j] *= 1 - sign * kEps;
        }
        hassign[ci] = hassign[cj] / 2;
        hassign[cj] -= hassign[ci];
        nsplit++;
    }
    return nsplit;
}

/// Undoes a train() that throws (interrupted, out of memory): the centroids
/// go back to what they were and the assignment index, half-trained by
/// then, is emptied.
class TrainRollback {
   public:
    TrainRollback(std::vector<float>& centroids, Index& index)
            : centroids_(centroids), saved_(centroids), index_(index) {}
    TrainRollback(const TrainRollback&) = delete;
    TrainRollback& operator=(const TrainRollback&) = delete;
    ~TrainRollback() {
        if (armed_) {
            centroids_.swap(saved_);
            index_.reset();
        }
    }
    void dismiss() { armed_ = false; }

   private:
    std::vector<float>& centroids_;
    std::vector<float> saved_;
    Index& index_;
    bool armed_ = true;
};

} // namespace

Clustering::Clustering(int d, int k) : Clustering(d, k, ClusteringParameters()) {}

Clustering::Clustering(int d, int k, const ClusteringParameters& cp)
        : ClusteringParameters(cp), d(d), k(k) {
    FAISSLIKE_THROW_IF_NOT_FMT(d > 0 && k > 0, "Clustering: d = %d and k = %d must be > 0", d, k);
}

void Clustering::post_process_centroids() {
    if (spherical) {
        fvec_renorm_L2(d, k, centroids.data());
    }
    if (int_centroids) {
        for (auto& c : centroids) {
            c = std::round(c);
        }
    }
}

void Clustering::train(idx_t n_in, const float* x_in, Index& index, const float* weights_in) {
    FAISSLIKE_THROW_IF_NOT_MSG(n_in >= 0 && (n_in == 0 || x_in), "Clustering: invalid training set");
    FAISSLIKE_THROW_IF_NOT_FMT(
            size_t(n_in) >= k,
            "Number of training points (%lld) should be at least as large as number "
            "of clusters (%zu)",
            (long long)n_in,
            k);
    FAISSLIKE_THROW_IF_NOT_FMT(
            size_t(index.d) == d,
            "Clustering: assignment index has dimension %d, clustering %zu",
            index.d,
            d);
    FAISSLIKE_THROW_IF_NOT_MSG(niter >= 0 && nredo >= 1, "Clustering: niter >= 0 and nredo >= 1 required");
    const size_t n_total = size_t(n_in);
    if (check_input_data_for_NaNs) {
        for (size_t i = 0; i < n_total * d; i++) {
            FAISSLIKE_THROW_IF_NOT_FMT(
                    std::isfinite(x_in[i]),
                    "Clustering: training vector %zu has a NaN or infinite component",
                    i / d);
        }
    }
    // Centroids already in `centroids` are the first initial ones (kept fixed
    // with frozen_centroids); the others start at random training points.
    FAISSLIKE_THROW_IF_NOT_FMT(
            centroids.size() % d == 0 && centroids.size() / d <= k,
            "Clustering: %zu floats of initial centroids given; expected a multiple of d = %zu, "
            "at most k * d = %zu",
            centroids.size(), d, k * d);
    const size_t n_input_centroids = centroids.size() / d;
    const size_t k_frozen = frozen_centroids ? n_input_centroids : 0;
    for (size_t i = 0; check_input_data_for_NaNs && i < centroids.size(); i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(std::isfinite(centroids[i]),
                                   "Clustering: initial centroid %zu has a NaN or infinite component", i / d);
    }
    auto start = std::chrono::steady_clock::now();

    // Sub-sample: more than max_points_per_centroid points per centroid adds
    // time, not quality.
    std::vector<float> sample;
    std::vector<float> sample_weights;
    const float* x = x_in;
    const float* weights = weights_in;
    size_t n = n_total;
    size_t max_points = k * size_t(std::max(1, max_points_per_centroid));
    if (n_total > max_points) {
        if (verbose) {
            std::printf(
                    "Sampling %zu of %zu vectors to train %zu centroids of dim %zu\n",
                    max_points, n_total, k, d);
        }
        std::vector<int> perm(n_total);
        rand_perm(perm.data(), n_total, seed + 1);
        n = max_points;
        sample.resize(n * d);
        if (weights_in) {
            sample_weights.resize(n);
        }
        for (size_t i = 0; i < n; i++) {
            std::memcpy(sample.data() + i * d, x_in + size_t(perm[i]) * d, sizeof(float) * d);
            if (weights_in) {
                sample_weights[i] = weights_in[perm[i]];
            }
        }
        x = sample.data();
        weights = weights_in ? sample_weights.data() : nullptr;
    } else if (n_total < k * size_t(min_points_per_centroid) && verbose) {
        std::printf(
                "WARNING clustering %zu points to %zu centroids: please provide at "
                "least %zu training points\n",
                n_total, k, k * size_t(min_points_per_centroid));
    }
    if (verbose) {
        std::printf("Clustering %zu points in %zuD to %zu clusters, redo %d times, %d iterations\n",
                    n, d, k, nredo, niter);
        if (n_input_centroids > 0) {
            std::printf("  Using %zu centroids provided as input (%sfrozen)\n", n_input_centroids,
                        frozen_centroids ? "" : "not ");
        }
    }

    const bool ip = index.metric_type == METRIC_INNER_PRODUCT;
    TrainRollback rollback(centroids, index);
    const std::vector<float> initial_centroids = centroids;
    auto restore_frozen = [&] {
        std::copy(initial_centroids.begin(), initial_centroids.begin() + k_frozen * d, centroids.begin());
    };
    std::vector<float> best_centroids;
    std::vector<ClusteringIterationStats> best_stats;
    float best_obj = ip ? -HUGE_VALF : HUGE_VALF;
    std::vector<idx_t> assign(n);
    std::vector<float> dis(n);
    std::vector<float> hassign(k);
    double time_search = 0;

    for (int redo = 0; redo < nredo; redo++) {
        std::vector<ClusteringIterationStats> stats;
        std::mt19937_64 rng(uint64_t(seed) + uint64_t(redo) * 15486557ULL);
        // The given centroids, then distinct training points chosen at random.
        centroids = initial_centroids;
        centroids.resize(k * d);
        if (n_input_centroids < k) {
            std::vector<int> perm(n);
            rand_perm(perm.data(), n, int64_t(seed) + 15486557LL * redo);
            for (size_t c = n_input_centroids; c < k; c++) {
                std::memcpy(centroids.data() + c * d, x + size_t(perm[c - n_input_centroids]) * d,
                            sizeof(float) * d);
            }
        }
        post_process_centroids();
        restore_frozen();
        index.reset();
        index.add(k, centroids.data());

        float obj = 0;
        for (int iter = 0; iter < niter; iter++) {
            InterruptCallback::check();
            auto t0 = std::chrono::steady_clock::now();
            index.search(n, x, 1, dis.data(), assign.data());
            time_search += elapsed_since(t0);
            double sum = 0;
            for (size_t i = 0; i < n; i++) {
                sum += dis[i];
            }
            obj = float(sum);
            int nsplit = 0;
            if (k_frozen < k) {
                compute_centroids(d, k, n, x, assign.data(), weights, hassign.data(), centroids.data());
                nsplit = split_empty_clusters(d, k, k_frozen, n, hassign.data(), centroids.data(), rng);
                post_process_centroids();
                restore_frozen();
            }
            double sq = 0, tot = 0;
            std::vector<double> counts(k, 0);
            for (size_t i = 0; i < n; i++) {
                counts[assign[i]] += 1;
            }
            for (double c : counts) {
                sq += c * c;
                tot += c;
            }
            stats.push_back({obj, elapsed_since(start), time_search,
                             sq * double(k) / (tot * tot), nsplit});
            if (verbose) {
                std::printf("  Iteration %d (%.2f s, search %.2f s): objective=%g imbalance=%.3f nsplit=%d\n",
                            iter, stats.back().time, time_search, obj,
                            stats.back().imbalance_factor, nsplit);
                std::fflush(stdout);
            }
            index.reset();
            if (update_index) {
                index.train(k, centroids.data());
            }
            index.add(k, centroids.data());
        }
        if (verbose && nredo > 1) {
            std::printf("Objective of run %d: %g\n", redo, obj);
        }
        bool better = ip ? obj > best_obj : obj < best_obj;
        if (redo == 0 || better) {
            best_obj = obj;
            best_centroids = centroids;
            best_stats = stats;
        }
    }
    centroids.swap(best_centroids);
    index.reset();
    index.add(k, centroids.data());
    iteration_stats.insert(iteration_stats.end(), best_stats.begin(), best_stats.end());
    rollback.dismiss();
}

float kmeans_clustering(size_t d, size_t n, size_t k, const float* x, float* centroids) {
    Clustering clus{int(d), int(k)};
    IndexFlatL2 index{idx_t(d)};
    clus.train(idx_t(n), x, index);
    std::memcpy(centroids, clus.centroids.data(), sizeof(float) * d * k);
    return clus.iteration_stats.empty() ? 0.0f : clus.iteration_stats.back().obj;
}

} // namespace faisslike
