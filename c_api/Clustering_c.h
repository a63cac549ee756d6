/*
 * faisslike C API: k-means clustering.
 */

#ifndef FAISS_CLUSTERING_C_H
#define FAISS_CLUSTERING_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The k-means settings (Faiss's layout; booleans as ints). */
typedef struct FaissClusteringParameters {
    int niter; /* iterations per run */
    int nredo; /* runs with different seeds; the best objective is kept */

    int verbose;
    int spherical;        /* normalise the centroids (inner product) */
    int int_centroids;    /* round the centroid coordinates */
    int update_index;     /* re-train the assignment index each iteration */
    int frozen_centroids; /* keep the initial centroids given */

    int min_points_per_centroid; /* warn below this many points per centroid */
    int max_points_per_centroid; /* sub-sample above this many */

    int seed;
    size_t decode_block_size; /* vectors decoded at a time */
} FaissClusteringParameters;

/* Fills params with the defaults (niter 25, nredo 1, seed 1234, ...). */
void faiss_ClusteringParameters_init(FaissClusteringParameters* params);

FAISS_DECLARE_CLASS(Clustering)

FAISS_DECLARE_GETTER(Clustering, int, niter)
FAISS_DECLARE_GETTER(Clustering, int, nredo)
FAISS_DECLARE_GETTER(Clustering, int, verbose)
FAISS_DECLARE_GETTER(Clustering, int, spherical)
FAISS_DECLARE_GETTER(Clustering, int, int_centroids)
FAISS_DECLARE_GETTER(Clustering, int, update_index)
FAISS_DECLARE_GETTER(Clustering, int, frozen_centroids)

FAISS_DECLARE_GETTER(Clustering, int, min_points_per_centroid)
FAISS_DECLARE_GETTER(Clustering, int, max_points_per_centroid)

FAISS_DECLARE_GETTER(Clustering, int, seed)
FAISS_DECLARE_GETTER(Clustering, size_t, decode_block_size)

FAISS_DECLARE_GETTER(Clustering, size_t, d)
FAISS_DECLARE_GETTER(Clustering, size_t, k)

/* Statistics of one iteration. */
FAISS_DECLARE_CLASS(ClusteringIterationStats)
FAISS_DECLARE_GETTER(ClusteringIterationStats, float, obj)
FAISS_DECLARE_GETTER(ClusteringIterationStats, double, time)
FAISS_DECLARE_GETTER(ClusteringIterationStats, double, time_search)
FAISS_DECLARE_GETTER(ClusteringIterationStats, double, imbalance_factor)
FAISS_DECLARE_GETTER(ClusteringIterationStats, int, nsplit)

/* The centroids in place (*size = k * d after training); either pointer
 * may be NULL. */
void faiss_Clustering_centroids(
        FaissClustering* clustering,
        float** centroids,
        size_t* size);

/* The statistics of the first iteration in place, and how many there are. */
void faiss_Clustering_iteration_stats(
        FaissClustering* clustering,
        FaissClusteringIterationStats** iteration_stats,
        size_t* size);

/* k centroids of dimension d, with the default parameters. */
int faiss_Clustering_new(FaissClustering** p_clustering, int d, int k);

int faiss_Clustering_new_with_params(
        FaissClustering** p_clustering,
        int d,
        int k,
        const FaissClusteringParameters* cp);

/* Trains on n points; index does the assignment (an IndexFlatL2 or
 * IndexFlatIP of dimension d, whose metric decides the clustering) and is
 * left holding the centroids. */
int faiss_Clustering_train(
        FaissClustering* clustering,
        idx_t n,
        const float* x,
        FaissIndex* index);

void faiss_Clustering_free(FaissClustering* clustering);

/* k centroids (k * d floats) of n points with 25 iterations; *q_error (may
 * be NULL) gets the final sum of squared distances. */
int faiss_kmeans_clustering(
        size_t d,
        size_t n,
        size_t k,
        const float* x,
        float* centroids,
        float* q_error);

#ifdef __cplusplus
}
#endif

#endif
