"""The numpy methods of the wrapped classes.

The C++ methods take (n, pointer) pairs; the methods here take numpy arrays,
check their shapes, allocate the outputs and return them, exactly as Faiss's
Python methods do (``D, I = index.search(x, k)``). Each one replaces the
SWIG method of the same name, which stays reachable as ``<name>_c`` (Faiss's
convention, used by code that passes ``swig_ptr`` pointers itself).
"""

import operator

import numpy as np

from . import swigfaisslike as _swig
from .array_conversions import (
    as_codes,
    as_count,
    as_ids,
    as_matrix,
    output_array,
    rev_swig_ptr,
    swig_ptr,
)
from .extra_wrappers import deserialize_index, serialize_index
from .lifetime import add_reference


def replace_methods(cls, replacements):
    """Installs each replacement on cls where cls itself defines the C++
    method (subclasses redefine the SWIG methods they override, so each one
    needs its own replacement). The C++ method is kept as <name>_c."""
    for name, replacement in replacements.items():
        original = vars(cls).get(name)
        if original is None or original is replacement:
            continue
        setattr(cls, name + "_c", original)
        setattr(cls, name, replacement)


def _range_result_arrays(res, n):
    """Copies a RangeSearchResult into (lims, D, I) numpy arrays."""
    lims = rev_swig_ptr(res.lims, n + 1).copy()
    nres = int(lims[-1])
    D = rev_swig_ptr(res.distances, nres).copy()
    I = rev_swig_ptr(res.labels, nres).copy()
    return lims, D, I


# Index ---------------------------------------------------------------------


def _index_train(self, x):
    """Trains the index on the vectors x, shape (n, d)."""
    x = as_matrix(x, self.d, "training vectors")
    self.train_c(x.shape[0], swig_ptr(x))


def _index_add(self, x):
    """Adds the vectors x, shape (n, d); they get the ids ntotal .. ntotal + n - 1."""
    x = as_matrix(x, self.d, "vectors")
    self.add_c(x.shape[0], swig_ptr(x))


def _index_add_with_ids(self, x, ids):
    """Adds the vectors x, shape (n, d), with the int64 ids, shape (n,)."""
    x = as_matrix(x, self.d, "vectors")
    ids = as_ids(ids, x.shape[0])
    self.add_with_ids_c(x.shape[0], swig_ptr(x), swig_ptr(ids))


def _index_search(self, x, k, *, params=None, D=None, I=None):
    """The k nearest neighbours of each query in x, shape (n, d).

    Returns D (float32) and I (int64), both (n, k), best first; missing
    results have label -1. params (a SearchParameters) overrides the index's
    search settings for this call only. D and I may be given to receive the
    results in place.
    """
    x = as_matrix(x, self.d, "query vectors")
    k = as_count(k)
    n = x.shape[0]
    D = output_array(D, (n, k), np.float32, "D")
    I = output_array(I, (n, k), np.int64, "I")
    self.search_c(n, swig_ptr(x), k, swig_ptr(D), swig_ptr(I), params)
    return D, I


def _index_search_and_reconstruct(self, x, k, *, params=None, D=None, I=None, R=None):
    """search, plus the stored (reconstructed) vector of every result in R,
    shape (n, k, d); missing results have NaN vectors."""
    x = as_matrix(x, self.d, "query vectors")
    k = as_count(k)
    n = x.shape[0]
    D = output_array(D, (n, k), np.float32, "D")
    I = output_array(I, (n, k), np.int64, "I")
    R = output_array(R, (n, k, self.d), np.float32, "R")
    self.search_and_reconstruct_c(
        n, swig_ptr(x), k, swig_ptr(D), swig_ptr(I), swig_ptr(R), params
    )
    return D, I, R


def _index_assign(self, x, k, labels=None):
    """The labels of the k nearest neighbours of each query, shape (n, k)."""
    x = as_matrix(x, self.d, "query vectors")
    k = as_count(k)
    n = x.shape[0]
    labels = output_array(labels, (n, k), np.int64, "labels")
    self.assign_c(n, swig_ptr(x), swig_ptr(labels), k)
    return labels


def _index_range_search(self, x, thresh, *, params=None):
    """Every stored vector within thresh of each query (L2: distance <
    thresh; inner product: similarity > thresh).

    Returns lims (uint64, n + 1), D (float32) and I (int64): the results of
    query i are D[lims[i]:lims[i+1]] and I[lims[i]:lims[i+1]], unordered.
    """
    x = as_matrix(x, self.d, "query vectors")
    n = x.shape[0]
    res = _swig.RangeSearchResult(n)
    self.range_search_c(n, swig_ptr(x), float(thresh), res, params)
    return _range_result_arrays(res, n)


def _index_remove_ids(self, x):
    """Removes the vectors selected by x, an IDSelector or a 1-D array of
    ids, and returns how many were removed."""
    if isinstance(x, _swig.IDSelector):
        return self.remove_ids_c(x)
    ids = as_ids(x)
    return self.remove_ids_c(_swig.IDSelectorBatch(ids.size, swig_ptr(ids)))


def _index_reconstruct(self, key, x=None):
    """The stored vector with id key (approximate for compressed indexes),
    shape (d,)."""
    x = output_array(x, (self.d,), np.float32, "x")
    self.reconstruct_c(operator.index(key), swig_ptr(x))
    return x


def _index_reconstruct_batch(self, key, x=None):
    """The stored vectors of the ids in key, shape (len(key), d)."""
    key = as_ids(key, what="key")
    x = output_array(x, (key.size, self.d), np.float32, "x")
    self.reconstruct_batch_c(key.size, swig_ptr(key), swig_ptr(x))
    return x


def _index_reconstruct_n(self, n0=0, ni=-1, x=None):
    """The stored vectors n0 .. n0 + ni - 1 (ni = -1: up to ntotal),
    shape (ni, d)."""
    n0, ni = operator.index(n0), operator.index(ni)
    if ni == -1:
        ni = self.ntotal - n0
    x = output_array(x, (ni, self.d), np.float32, "x")
    self.reconstruct_n_c(n0, ni, swig_ptr(x))
    return x


def _index_sa_encode(self, x, codes=None):
    """Standalone codes of the vectors x: uint8, shape (n, sa_code_size())."""
    x = as_matrix(x, self.d, "vectors")
    codes = output_array(codes, (x.shape[0], self.sa_code_size()), np.uint8, "codes")
    self.sa_encode_c(x.shape[0], swig_ptr(x), swig_ptr(codes))
    return codes


def _index_sa_decode(self, codes, x=None):
    """Vectors decoded from standalone codes (uint8, shape (n, sa_code_size()))."""
    codes = as_codes(codes, self.sa_code_size())
    x = output_array(x, (codes.shape[0], self.d), np.float32, "x")
    self.sa_decode_c(codes.shape[0], swig_ptr(codes), swig_ptr(x))
    return x


def _index_getstate(self):
    """Pickling stores the index in its file format."""
    return {"this": serialize_index(self).tobytes()}


def _index_setstate(self, state):
    index = deserialize_index(state["this"])
    # The C++ object's ownership lives in the SWIG handle, which this
    # wrapper takes over.
    self.this = index.this


INDEX_METHODS = {
    "train": _index_train,
    "add": _index_add,
    "add_with_ids": _index_add_with_ids,
    "search": _index_search,
    "search_and_reconstruct": _index_search_and_reconstruct,
    "assign": _index_assign,
    "range_search": _index_range_search,
    "remove_ids": _index_remove_ids,
    "reconstruct": _index_reconstruct,
    "reconstruct_batch": _index_reconstruct_batch,
    "reconstruct_n": _index_reconstruct_n,
    "sa_encode": _index_sa_encode,
    "sa_decode": _index_sa_decode,
}


def handle_Index(cls):
    replace_methods(cls, INDEX_METHODS)
    cls.__getstate__ = _index_getstate
    cls.__setstate__ = _index_setstate


# IndexIVF -------------------------------------------------------------------


def _coarse_assignment(self, n, Iq, Dq):
    Iq = np.ascontiguousarray(Iq, dtype=np.int64)
    if Iq.shape != (n, self.nprobe):
        raise AssertionError(
            "Iq must have shape (n, nprobe) = %s, got %s" % ((n, self.nprobe), Iq.shape)
        )
    if Dq is None:
        Dq = np.zeros(Iq.shape, dtype=np.float32)
    else:
        Dq = np.ascontiguousarray(Dq, dtype=np.float32)
        if Dq.shape != Iq.shape:
            raise AssertionError("Dq must have the shape of Iq %s, got %s" % (Iq.shape, Dq.shape))
    return Iq, Dq


def _ivf_search_preassigned(self, x, k, Iq, Dq, *, params=None, D=None, I=None):
    """search given the coarse assignment: Iq (int64) and Dq (float32, or
    None), shape (n, nprobe), the lists to visit and their distances."""
    x = as_matrix(x, self.d, "query vectors")
    k = as_count(k)
    n = x.shape[0]
    Iq, Dq = _coarse_assignment(self, n, Iq, Dq)
    D = output_array(D, (n, k), np.float32, "D")
    I = output_array(I, (n, k), np.int64, "I")
    self.search_preassigned_c(
        n, swig_ptr(x), k, swig_ptr(Iq), swig_ptr(Dq), swig_ptr(D), swig_ptr(I),
        False, params,
    )
    return D, I


def _ivf_range_search_preassigned(self, x, thresh, Iq, Dq, *, params=None):
    """range_search given the coarse assignment (see search_preassigned)."""
    x = as_matrix(x, self.d, "query vectors")
    n = x.shape[0]
    Iq, Dq = _coarse_assignment(self, n, Iq, Dq)
    res = _swig.RangeSearchResult(n)
    self.range_search_preassigned_c(
        n, swig_ptr(x), float(thresh), swig_ptr(Iq), swig_ptr(Dq), res, False, params
    )
    return _range_result_arrays(res, n)


def handle_IndexIVF(cls):
    replace_methods(
        cls,
        {
            "search_preassigned": _ivf_search_preassigned,
            "range_search_preassigned": _ivf_range_search_preassigned,
        },
    )


# VectorTransform ------------------------------------------------------------


def _vt_train(self, x):
    """Learns the transform from the vectors x, shape (n, d_in)."""
    x = as_matrix(x, self.d_in, "training vectors")
    self.train_c(x.shape[0], swig_ptr(x))


def _vt_apply(self, x):
    """The transformed vectors, shape (n, d_out)."""
    x = as_matrix(x, self.d_in, "vectors")
    y = np.empty((x.shape[0], self.d_out), dtype=np.float32)
    self.apply_noalloc(x.shape[0], swig_ptr(x), swig_ptr(y))
    return y


def _vt_reverse_transform(self, y):
    """Vectors mapped back to the input space, shape (n, d_in)."""
    y = as_matrix(y, self.d_out, "vectors")
    x = np.empty((y.shape[0], self.d_in), dtype=np.float32)
    self.reverse_transform_c(y.shape[0], swig_ptr(y), swig_ptr(x))
    return x


def handle_VectorTransform(cls):
    replace_methods(cls, {"train": _vt_train, "reverse_transform": _vt_reverse_transform})
    # apply() is not wrapped from C++ (it returns a new[] array); Faiss also
    # names it apply_py.
    cls.apply = _vt_apply
    cls.apply_py = _vt_apply


# ProductQuantizer, ScalarQuantizer ------------------------------------------


def _quantizer_train(self, x):
    """Learns the codebooks (or ranges) from the vectors x, shape (n, d)."""
    x = as_matrix(x, self.d, "training vectors")
    self.train_c(x.shape[0], swig_ptr(x))


def _quantizer_compute_codes(self, x):
    """The codes of the vectors x: uint8, shape (n, code_size)."""
    x = as_matrix(x, self.d, "vectors")
    codes = np.empty((x.shape[0], self.code_size), dtype=np.uint8)
    self.compute_codes_c(swig_ptr(x), swig_ptr(codes), x.shape[0])
    return codes


def _quantizer_decode(self, codes):
    """The vectors of codes (uint8, shape (n, code_size)), shape (n, d)."""
    codes = as_codes(codes, self.code_size)
    x = np.empty((codes.shape[0], self.d), dtype=np.float32)
    self.decode_c(swig_ptr(codes), swig_ptr(x), codes.shape[0])
    return x


def handle_Quantizer(cls):
    replace_methods(
        cls,
        {
            "train": _quantizer_train,
            "compute_codes": _quantizer_compute_codes,
            "decode": _quantizer_decode,
        },
    )


# Clustering -----------------------------------------------------------------


def _clustering_train(self, x, index, weights=None):
    """k-means on the vectors x, shape (n, d), assigning with index (which is
    left holding the centroids); weights, shape (n,), weigh the points."""
    x = as_matrix(x, self.d, "training vectors")
    n = x.shape[0]
    if weights is None:
        self.train_c(n, swig_ptr(x), index)
        return
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    if weights.shape != (n,):
        raise AssertionError("weights must have shape (%d,), got %s" % (n, weights.shape))
    self.train_c(n, swig_ptr(x), index, swig_ptr(weights))


def handle_Clustering(cls):
    replace_methods(cls, {"train": _clustering_train})


# Selectors and search parameters --------------------------------------------


def handle_IDSelectorSubset(cls, dtype):
    """IDSelectorBatch, IDSelectorArray and IDSelectorBitmap also take one
    numpy array (ids, or the bitmap bytes) instead of (n, pointer). The
    array, or the converted copy, is kept with the selector: the Array and
    Bitmap selectors point into it."""
    swig_init = cls.__init__

    def __init__(self, *args):
        if len(args) == 1:
            (subset,) = args
            subset = np.ascontiguousarray(subset, dtype=dtype).ravel()
            swig_init(self, subset.size, swig_ptr(subset))
            add_reference(self, subset)
        else:
            swig_init(self, *args)

    cls.__init__ = __init__


def handle_SearchParameters(cls):
    """SearchParameters classes take their fields as keyword arguments, as in
    Faiss: SearchParametersIVF(nprobe=10, sel=selector)."""
    swig_init = cls.__init__

    def __init__(self, **fields):
        swig_init(self)
        for name, value in fields.items():
            if not hasattr(type(self), name):
                raise AssertionError(
                    "%s has no field %r" % (type(self).__name__, name)
                )
            setattr(self, name, value)

    cls.__init__ = __init__
