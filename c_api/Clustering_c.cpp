#include "Clustering_c.h"

#include <faisslike/Clustering.h>

#include "c_api_impl.h"

using faisslike::Clustering;
using faisslike::ClusteringIterationStats;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

namespace {

faisslike::ClusteringParameters from_c(const FaissClusteringParameters& c) {
    faisslike::ClusteringParameters cp;
    cp.niter = c.niter;
    cp.nredo = c.nredo;
    cp.verbose = c.verbose != 0;
    cp.spherical = c.spherical != 0;
    cp.int_centroids = c.int_centroids != 0;
    cp.update_index = c.update_index != 0;
    cp.frozen_centroids = c.frozen_centroids != 0;
    cp.min_points_per_centroid = c.min_points_per_centroid;
    cp.max_points_per_centroid = c.max_points_per_centroid;
    cp.seed = c.seed;
    cp.decode_block_size = c.decode_block_size;
    return cp;
}

} // namespace

extern "C" {

void faiss_ClusteringParameters_init(FaissClusteringParameters* params) {
    if (!params) {
        return;
    }
    const faisslike::ClusteringParameters cp;
    params->niter = cp.niter;
    params->nredo = cp.nredo;
    params->verbose = cp.verbose;
    params->spherical = cp.spherical;
    params->int_centroids = cp.int_centroids;
    params->update_index = cp.update_index;
    params->frozen_centroids = cp.frozen_centroids;
    params->min_points_per_centroid = cp.min_points_per_centroid;
    params->max_points_per_centroid = cp.max_points_per_centroid;
    params->seed = cp.seed;
    params->decode_block_size = cp.decode_block_size;
}

FAISSLIKE_C_GETTER(Clustering, Clustering, int, niter, niter)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, nredo, nredo)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, verbose, verbose)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, spherical, spherical)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, int_centroids, int_centroids)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, update_index, update_index)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, frozen_centroids, frozen_centroids)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, min_points_per_centroid, min_points_per_centroid)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, max_points_per_centroid, max_points_per_centroid)
FAISSLIKE_C_GETTER(Clustering, Clustering, int, seed, seed)
FAISSLIKE_C_GETTER(Clustering, Clustering, size_t, decode_block_size, decode_block_size)
FAISSLIKE_C_GETTER(Clustering, Clustering, size_t, d, d)
FAISSLIKE_C_GETTER(Clustering, Clustering, size_t, k, k)

FAISSLIKE_C_GETTER(ClusteringIterationStats, ClusteringIterationStats, float, obj, obj)
FAISSLIKE_C_GETTER(ClusteringIterationStats, ClusteringIterationStats, double, time, time)
FAISSLIKE_C_GETTER(ClusteringIterationStats, ClusteringIterationStats, double, time_search, time_search)
FAISSLIKE_C_GETTER(ClusteringIterationStats, ClusteringIterationStats, double, imbalance_factor,
                   imbalance_factor)
FAISSLIKE_C_GETTER(ClusteringIterationStats, ClusteringIterationStats, int, nsplit, nsplit)

void faiss_Clustering_centroids(FaissClustering* clustering, float** centroids, size_t* size) {
    Clustering* c = faisslike_c::as<Clustering>(clustering);
    if (centroids) {
        *centroids = c && !c->centroids.empty() ? c->centroids.data() : nullptr;
    }
    if (size) {
        *size = c ? c->centroids.size() : 0;
    }
}

void faiss_Clustering_iteration_stats(
        FaissClustering* clustering,
        FaissClusteringIterationStats** iteration_stats,
        size_t* size) {
    Clustering* c = faisslike_c::as<Clustering>(clustering);
    if (iteration_stats) {
        *iteration_stats = c && !c->iteration_stats.empty()
                ? faisslike_c::handle<FaissClusteringIterationStats>(c->iteration_stats.data())
                : nullptr;
    }
    if (size) {
        *size = c ? c->iteration_stats.size() : 0;
    }
}

int faiss_Clustering_new(FaissClustering** p_clustering, int d, int k) {
    return guarded(__func__, [&] {
        put(p_clustering, std::make_unique<Clustering>(d, k), "p_clustering");
    });
}

int faiss_Clustering_new_with_params(
        FaissClustering** p_clustering,
        int d,
        int k,
        const FaissClusteringParameters* cp) {
    return guarded(__func__, [&] {
        faisslike_c::require(cp, "cp");
        put(p_clustering, std::make_unique<Clustering>(d, k, from_c(*cp)), "p_clustering");
    });
}

int faiss_Clustering_train(FaissClustering* clustering, idx_t n, const float* x, FaissIndex* index) {
    return guarded(__func__, [&] {
        auto& c = get<Clustering>(clustering, "clustering");
        c.train(n, x, get<faisslike::Index>(index, "index"));
    });
}

void faiss_Clustering_free(FaissClustering* clustering) {
    delete faisslike_c::root(clustering);
}

int faiss_kmeans_clustering(
        size_t d,
        size_t n,
        size_t k,
        const float* x,
        float* centroids,
        float* q_error) {
    return guarded(__func__, [&] {
        float error = faisslike::kmeans_clustering(d, n, k, x, centroids);
        if (q_error) {
            *q_error = error;
        }
    });
}

} // extern "C"
