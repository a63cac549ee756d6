#pragma once

#include <cstdint>
#include <vector>

#include <faisslike/Index.h>

namespace faisslike {

/// k-means settings, with Faiss's names and defaults.
struct ClusteringParameters {
    int niter = 25;               ///< iterations per run
    int nredo = 1;                ///< runs with different seeds; the best objective is kept
    bool verbose = false;
    bool spherical = false;       ///< normalise centroids after each iteration (for IP)
    bool int_centroids = false;   ///< round centroid coordinates to integers
    bool update_index = false;    ///< re-train the assignment index each iteration
    bool frozen_centroids = false; ///< keep the initial centroids given in `centroids` fixed
    int min_points_per_centroid = 39;  ///< warn below this many points per centroid
    int max_points_per_centroid = 256; ///< sub-sample above this many points per centroid
    int seed = 1234;
    size_t decode_block_size = 32768;
    bool check_input_data_for_NaNs = true;
};

/// Statistics of one k-means iteration.
struct ClusteringIterationStats {
    float obj;               ///< sum of squared distances (L2) or of similarities (IP)
    double time;             ///< seconds since the start of training
    double time_search;      ///< seconds spent assigning points so far
    double imbalance_factor; ///< 1 = perfectly balanced clusters
    int nsplit;              ///< empty clusters split this iteration
};

/// k-means clustering (Faiss's Clustering). Points are assigned to centroids
/// by searching an Index that holds the centroids (an IndexFlatL2 by default,
/// whose batched search runs on the blocked SIMD / BLAS kernels).
struct Clustering : ClusteringParameters {
    size_t d; ///< dimension
    size_t k; ///< number of centroids
    /// k * d after train. Centroids put here before train are the first
    /// initial ones (as in Faiss); with frozen_centroids they stay unchanged.
    std::vector<float> centroids;
    std::vector<ClusteringIterationStats> iteration_stats;

    Clustering(int d, int k);
    Clustering(int d, int k, const ClusteringParameters& cp);
    virtual ~Clustering() = default;

    /// Trains on n points. `index` is used (and left holding the centroids) for
    /// the assignment; its metric decides L2 or inner-product clustering.
    /// Weights, if given, weigh each point in the centroid updates. Centroids
    /// already in `centroids` (a previous result, or set by the caller) are
    /// the first starting centroids, as in Faiss; random training points
    /// start the others.
    virtual void train(
            idx_t n,
            const float* x,
            Index& index,
            const float* x_weights = nullptr);

    /// Normalises / rounds the centroids as spherical / int_centroids ask.
    void post_process_centroids();
};

/// Simplified interface: trains k centroids of dimension d on n points with
/// niter = 25 and writes them to `centroids` (k * d floats). Returns the
/// final objective (sum of squared distances to the nearest centroid).
float kmeans_clustering(size_t d, size_t n, size_t k, const float* x, float* centroids);

} // namespace faisslike
