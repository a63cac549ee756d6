"""Module-level helpers (normalize_L2, knn, Kmeans, OpenMP threads, vector
and pointer conversions) and the building blocks (transforms, quantizers,
k-means) against numpy."""

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force, clustered


def test_normalize_L2_in_place(faiss, dataset):
    x = dataset["xb"].copy()
    x[3] = 0
    faiss.normalize_L2(x)
    norms = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(np.delete(norms, 3), 1, rtol=1e-5)
    assert (x[3] == 0).all()
    expected = dataset["xb"][5] / np.linalg.norm(dataset["xb"][5])
    np.testing.assert_allclose(x[5], expected, rtol=1e-5)


@pytest.mark.parametrize("metric", ["L2", "IP"])
def test_knn(faiss, dataset, metric):
    m = faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT
    D, I = faiss.knn(dataset["xq"], dataset["xb"], 7, m)
    assert_same_knn(D, I, *brute_force(dataset["xq"], dataset["xb"], 7, metric))
    with pytest.raises(AssertionError):
        faiss.knn(dataset["xq"][:, :5], dataset["xb"], 7)


def test_omp_threads(faiss):
    before = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(3)
        assert faiss.omp_get_max_threads() == 3
    finally:
        faiss.omp_set_num_threads(before)


def test_kmeans(faiss, dataset):
    x = dataset["xt"]
    km = faiss.Kmeans(dataset["d"], 20, niter=10, seed=7)
    obj = km.train(x)
    assert km.centroids.shape == (20, dataset["d"]) and km.centroids.dtype == np.float32
    # At most niter iterations (Faiss stops early once converged).
    assert 1 <= len(km.obj) <= 10 and obj == pytest.approx(km.obj[-1])
    assert km.obj[-1] <= km.obj[0]
    assert len(km.iteration_stats) == len(km.obj) and "imbalance_factor" in km.iteration_stats[0]
    # The objective is the sum of squared distances to the final centroids'
    # previous assignment: recomputing it from the centroids cannot be worse.
    D, I = km.index.search(x, 1)
    assert D.sum() <= km.obj[-1] * (1 + 1e-4)
    D2, I2 = km.assign(x)
    np.testing.assert_array_equal(I2, I.ravel())
    np.testing.assert_array_equal(I.ravel(), brute_force(x, km.centroids, 1)[1].ravel())


def test_kmeans_starts_from_given_centroids(faiss, dataset):
    x = dataset["xt"]
    start = x[::100][:10].copy()
    km = faiss.Kmeans(dataset["d"], 10, niter=1)
    km.train(x, init_centroids=start)
    # One Lloyd step from `start`, by brute force.
    assign = brute_force(x, start, 1)[1].ravel()
    expected = np.array([x[assign == j].mean(0) for j in range(10)])
    np.testing.assert_allclose(km.centroids, expected, rtol=1e-4, atol=1e-4)


def test_spherical_kmeans(faiss, dataset):
    km = faiss.Kmeans(dataset["d"], 8, niter=5, spherical=True)
    km.train(dataset["xt"])
    np.testing.assert_allclose(np.linalg.norm(km.centroids, axis=1), 1, rtol=1e-4)
    assert km.index.metric_type == faiss.METRIC_INNER_PRODUCT
    with pytest.raises(AttributeError):
        faiss.Kmeans(8, 2, no_such_parameter=1)


def test_clustering_object(faiss, dataset):
    d = dataset["d"]
    clus = faiss.Clustering(d, 10)
    clus.niter = 5
    index = faiss.IndexFlatL2(d)
    clus.train(dataset["xt"], index)
    centroids = faiss.vector_to_array(clus.centroids).reshape(10, d)
    assert index.ntotal == 10
    np.testing.assert_array_equal(index.reconstruct_n(0, 10), centroids)
    assert clus.iteration_stats.size() == 5


def test_vectors_and_pointers(faiss):
    v = faiss.Float32Vector()
    faiss.copy_array_to_vector(np.arange(5, dtype=np.float32), v)
    assert v.size() == 5 and v.at(2) == 2
    np.testing.assert_array_equal(faiss.vector_to_array(v), np.arange(5))
    ids = faiss.Int64Vector()
    faiss.copy_array_to_vector(np.array([7, -1, 2**40]), ids)
    np.testing.assert_array_equal(faiss.vector_to_array(ids), [7, -1, 2**40])
    assert faiss.vector_to_array(ids).dtype == np.int64
    x = np.arange(6, dtype=np.float32)
    view = faiss.rev_swig_ptr(faiss.swig_ptr(x), 6)
    view[0] = 42
    assert x[0] == 42


def test_swig_ptr_methods(faiss, dataset):
    """The pointer methods stay reachable as <name>_c, as in Faiss."""
    index = faiss.IndexFlatL2(dataset["d"])
    xb = dataset["xb"]
    index.add_c(len(xb), faiss.swig_ptr(xb))
    xq = dataset["xq"]
    D = np.empty((len(xq), 3), dtype=np.float32)
    I = np.empty((len(xq), 3), dtype=np.int64)
    index.search_c(len(xq), faiss.swig_ptr(xq), 3, faiss.swig_ptr(D), faiss.swig_ptr(I))
    assert_same_knn(D, I, *brute_force(xq, xb, 3))


def test_pca(faiss, dataset):
    x = dataset["xt"]
    pca = faiss.PCAMatrix(dataset["d"], 8)
    pca.train(x)
    y = pca.apply(x)
    assert y.shape == (len(x), 8)
    # The output components are decorrelated and in decreasing variance.
    cov = np.cov(y.T)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0, atol=1e-2 * cov.max())
    assert (np.diff(np.diag(cov)) <= 1e-3 * cov.max()).all()
    # Projecting back then forward gives the same components.
    np.testing.assert_allclose(pca.apply(pca.reverse_transform(y)), y, rtol=1e-3, atol=1e-3)
    assert faiss.vector_to_array(pca.A).shape == (8 * dataset["d"],)


def test_random_rotation(faiss, dataset):
    rr = faiss.RandomRotationMatrix(dataset["d"], dataset["d"])
    rr.init(5)
    y = rr.apply(dataset["xq"])
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(dataset["xq"], axis=1), rtol=1e-4)
    np.testing.assert_allclose(rr.reverse_transform(y), dataset["xq"], rtol=1e-4, atol=1e-4)


def test_product_quantizer(faiss, dataset):
    pq = faiss.ProductQuantizer(dataset["d"], 4, 6)
    pq.train(dataset["xt"])
    codes = pq.compute_codes(dataset["xb"])
    assert codes.shape == (len(dataset["xb"]), pq.code_size) and pq.code_size == 3
    decoded = pq.decode(codes)
    centroids = faiss.vector_to_array(pq.centroids).reshape(4, 64, 8)
    # Each sub-vector is decoded to its nearest centroid.
    for m in range(4):
        sub = dataset["xb"][:, m * 8:(m + 1) * 8]
        nearest = brute_force(sub, centroids[m], 1)[1].ravel()
        np.testing.assert_allclose(decoded[:, m * 8:(m + 1) * 8], centroids[m][nearest], rtol=1e-5, atol=1e-5)


def test_scalar_quantizer(faiss, dataset):
    sq = faiss.ScalarQuantizer(dataset["d"], faiss.ScalarQuantizer.QT_8bit)
    sq.train(dataset["xt"])
    codes = sq.compute_codes(dataset["xb"])
    assert codes.shape == (len(dataset["xb"]), dataset["d"])
    decoded = sq.decode(codes)
    span = dataset["xt"].max(0) - dataset["xt"].min(0)
    inside = (dataset["xb"] >= dataset["xt"].min(0)) & (dataset["xb"] <= dataset["xt"].max(0))
    assert (np.abs(decoded - dataset["xb"])[inside] <= (span / 255 + 1e-5)[np.nonzero(inside)[1]]).all()


def test_float32_input_is_not_copied(faisslike):
    from faisslike.array_conversions import as_matrix

    x = clustered(10, 8, seed=0)
    assert as_matrix(x, 8, "x") is x
    assert as_matrix(x.astype(np.float64), 8, "x") is not x
    assert faisslike.swig_ptr(x) is not None
    with pytest.raises(ValueError):
        faisslike.swig_ptr(np.asfortranarray(x))
