"""Module-level functions and classes of Faiss's Python API that take numpy
arrays: normalize_L2, knn, Kmeans, serialize_index / deserialize_index."""

import operator

import numpy as np

from . import swigfaisslike as _swig
from .array_conversions import as_matrix, copy_array_to_vector, swig_ptr, vector_to_array


def normalize_L2(x):
    """Scales each row of x to unit L2 norm, in place (zero rows stay zero).

    As in Faiss, x must be a writable, C-contiguous float32 array of shape
    (n, d): a converted copy would leave the caller's array unchanged.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float32:
        raise TypeError(
            "normalize_L2 works in place on a float32 numpy array, got %s"
            % getattr(x, "dtype", type(x).__name__)
        )
    if x.ndim != 2:
        raise IndexError("normalize_L2 expects shape (n, d), got %s" % (x.shape,))
    if not x.flags.c_contiguous:
        raise ValueError("array is not C-contiguous")
    if not x.flags.writeable:
        raise ValueError("normalize_L2: the array is read-only")
    _swig.fvec_renorm_L2(x.shape[1], x.shape[0], swig_ptr(x))


def knn(xq, xb, k, metric=_swig.METRIC_L2, metric_arg=0.0):
    """Exact k nearest neighbours of the rows of xq among the rows of xb,
    without building an index. Returns D (float32) and I (int64), (nq, k).

    metric is METRIC_L2 (squared distances, ascending) or
    METRIC_INNER_PRODUCT (similarities, descending). metric_arg is accepted
    for Faiss's signature; neither metric uses it.
    """
    xq = np.ascontiguousarray(xq, dtype=np.float32)
    xb = np.ascontiguousarray(xb, dtype=np.float32)
    nq, d = xq.shape
    nb, db = xb.shape
    if db != d:
        raise AssertionError("xq has dimension %d but xb has %d" % (d, db))
    k = operator.index(k)
    D = np.empty((nq, k), dtype=np.float32)
    I = np.empty((nq, k), dtype=np.int64)
    if k == 0 or nq == 0:
        return D, I
    if metric == _swig.METRIC_L2:
        kernel = _swig.knn_L2sqr
    elif metric == _swig.METRIC_INNER_PRODUCT:
        kernel = _swig.knn_inner_product
    else:
        raise RuntimeError(
            "knn: metric %d is not supported (use METRIC_L2 or METRIC_INNER_PRODUCT)" % metric
        )
    kernel(swig_ptr(xq), swig_ptr(xb), d, nq, nb, k, swig_ptr(D), swig_ptr(I))
    return D, I


def serialize_index(index):
    """The bytes of write_index(index), as a uint8 numpy array."""
    writer = _swig.VectorIOWriter()
    _swig.write_index(index, writer)
    return vector_to_array(writer.data)


def deserialize_index(data, io_flags=0):
    """The index whose write_index bytes are data (a uint8 numpy array, as
    serialize_index returns, or any bytes-like object). Read in place, with
    no copy of data."""
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise TypeError("serialized index must be a uint8 array, got %s" % data.dtype)
        data = np.ascontiguousarray(data).ravel()
    else:
        data = np.frombuffer(data, dtype=np.uint8)
    return _swig.deserialize_index_c(swig_ptr(data), data.size, io_flags)


class Kmeans:
    """k-means clustering with Faiss's Python interface.

    Kmeans(d, k, niter=25, verbose=False, spherical=False, seed=1234, ...):
    every keyword except gpu names a ClusteringParameters field. After
    train(x), ``centroids`` holds the (k, d) centroids, ``obj`` the objective
    after each iteration, ``iteration_stats`` per-iteration statistics, and
    ``index`` (IndexFlatL2, or IndexFlatIP when spherical) the centroids,
    ready to assign vectors with index.search(x, 1).

    gpu is accepted for compatibility; these bindings have no GPU support, so
    clustering runs on the CPU (as with Faiss's CPU-only package).
    """

    def __init__(self, d, k, **kwargs):
        self.d = d
        self.k = int(k)
        self.gpu = False
        self.cp = _swig.ClusteringParameters()
        for name, value in kwargs.items():
            if name == "gpu":
                continue
            getattr(self.cp, name)  # AttributeError for a field that does not exist
            setattr(self.cp, name, value)
        self.index = _swig.IndexFlatIP(d) if self.cp.spherical else _swig.IndexFlatL2(d)
        self.reset()

    def reset(self, k=None):
        """Forgets the last clustering (and changes k when given)."""
        if k is not None:
            self.k = int(k)
        self.centroids = None
        self.obj = None
        self.iteration_stats = None

    def train(self, x, weights=None, init_centroids=None):
        """Clusters the rows of x, shape (n, d), optionally weighted (shape
        (n,)), and returns the final objective.

        init_centroids, shape (k, d), start the iterations (and stay fixed
        when the frozen_centroids parameter is set). Unlike Faiss, fewer than
        k of them are refused (RuntimeError).
        """
        x = as_matrix(x, self.d, "training vectors")
        clus = _swig.Clustering(self.d, self.k, self.cp)
        if init_centroids is not None:
            copy_array_to_vector(as_matrix(init_centroids, self.d, "init_centroids"), clus.centroids)
        clus.train(x, self.index, weights)
        self.centroids = vector_to_array(clus.centroids).reshape(self.k, self.d)
        stats = clus.iteration_stats
        stats = [stats.at(i) for i in range(stats.size())]
        self.obj = np.array([st.obj for st in stats])
        fields = ("obj", "time", "time_search", "imbalance_factor", "nsplit")
        self.iteration_stats = [{f: getattr(st, f) for f in fields} for st in stats]
        return float(self.obj[-1]) if self.obj.size else 0.0

    def assign(self, x):
        """Distance to and number of the nearest centroid of each row of x."""
        if self.centroids is None:
            raise AssertionError("Kmeans: train before assigning")
        self.index.reset()
        self.index.add(self.centroids)
        D, I = self.index.search(x, 1)
        return D.ravel(), I.ravel()
