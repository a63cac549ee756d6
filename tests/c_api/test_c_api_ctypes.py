#!/usr/bin/env python3
"""Drives libfaisslike_c through ctypes, as FFI bindings do, against numpy.

Usage: test_c_api_ctypes.py LIBFAISSLIKE_C SCRATCH_DIR
Exits 77 (skipped) without numpy, or when the library is built with
sanitizers (it then cannot be loaded into an uninstrumented python).
"""

import ctypes
import os
import sys

SKIP = 77

METRIC_INNER_PRODUCT = 0
METRIC_L2 = 1
FAISS_EXCEPT = -2

c_idx_p = ctypes.POINTER(ctypes.c_int64)
c_float_p = ctypes.POINTER(ctypes.c_float)
c_size_p = ctypes.POINTER(ctypes.c_size_t)
handle = ctypes.c_void_p


def load(path):
    lib = ctypes.CDLL(path)
    signatures = {
        "faiss_get_last_error": (ctypes.c_char_p, []),
        "faiss_index_factory": (ctypes.c_int, [ctypes.POINTER(handle), ctypes.c_int,
                                               ctypes.c_char_p, ctypes.c_int]),
        "faiss_IndexFlatIP_new_with": (ctypes.c_int, [ctypes.POINTER(handle), ctypes.c_int64]),
        "faiss_IndexIDMap_new": (ctypes.c_int, [ctypes.POINTER(handle), handle]),
        "faiss_IndexIDMap_set_own_fields": (None, [handle, ctypes.c_int]),
        "faiss_Index_d": (ctypes.c_int, [handle]),
        "faiss_Index_ntotal": (ctypes.c_int64, [handle]),
        "faiss_Index_is_trained": (ctypes.c_int, [handle]),
        "faiss_Index_metric_type": (ctypes.c_int, [handle]),
        "faiss_Index_train": (ctypes.c_int, [handle, ctypes.c_int64, c_float_p]),
        "faiss_Index_add": (ctypes.c_int, [handle, ctypes.c_int64, c_float_p]),
        "faiss_Index_add_with_ids": (ctypes.c_int, [handle, ctypes.c_int64, c_float_p, c_idx_p]),
        "faiss_Index_search": (ctypes.c_int, [handle, ctypes.c_int64, c_float_p, ctypes.c_int64,
                                              c_float_p, c_idx_p]),
        "faiss_Index_range_search": (ctypes.c_int, [handle, ctypes.c_int64, c_float_p,
                                                    ctypes.c_float, handle]),
        "faiss_Index_free": (None, [handle]),
        "faiss_IndexIVF_cast": (handle, [handle]),
        "faiss_IndexIVF_set_nprobe": (None, [handle, ctypes.c_size_t]),
        "faiss_IndexIVF_nprobe": (ctypes.c_size_t, [handle]),
        "faiss_RangeSearchResult_new": (ctypes.c_int, [ctypes.POINTER(handle), ctypes.c_int64]),
        "faiss_RangeSearchResult_lims": (None, [handle, ctypes.POINTER(c_size_p)]),
        "faiss_RangeSearchResult_labels": (None, [handle, ctypes.POINTER(c_idx_p),
                                                  ctypes.POINTER(c_float_p)]),
        "faiss_RangeSearchResult_free": (None, [handle]),
        "faiss_write_index_fname": (ctypes.c_int, [handle, ctypes.c_char_p]),
        "faiss_read_index_fname": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_int,
                                                  ctypes.POINTER(handle)]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class Api:
    def __init__(self, lib):
        self.lib = lib

    def __getattr__(self, name):
        fn = getattr(self.lib, "faiss_" + name)
        if fn.restype is not ctypes.c_int or name in ("Index_d", "Index_is_trained",
                                                       "Index_metric_type"):
            return fn

        def checked(*args):
            rc = fn(*args)
            if rc != 0:
                raise RuntimeError("faiss_%s: %d: %s" % (name, rc, self.last_error()))
        return checked

    def last_error(self):
        msg = self.lib.faiss_get_last_error()
        return msg.decode() if msg else None


def fptr(a):
    return a.ctypes.data_as(c_float_p)


def iptr(a):
    return a.ctypes.data_as(c_idx_p)


def search(api, np, index, xq, k):
    dis = np.empty((len(xq), k), dtype=np.float32)
    lab = np.empty((len(xq), k), dtype=np.int64)
    api.Index_search(index, len(xq), fptr(xq), k, fptr(dis), iptr(lab))
    return dis, lab


def brute_force(np, xb, xq, k, metric):
    if metric == METRIC_L2:
        d = ((xq[:, None, :].astype(np.float64) - xb[None, :, :]) ** 2).sum(-1)
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
    else:
        d = xq.astype(np.float64) @ xb.T.astype(np.float64)
        order = np.argsort(-d, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, order, axis=1), order, d


def check_knn(np, dis, lab, xb, xq, k, metric, ids=None):
    tdis, _, full = brute_force(np, xb, xq, k, metric)
    assert np.allclose(dis, tdis, rtol=1e-4, atol=1e-4), "distances differ from numpy"
    rows = lab if ids is None else np.searchsorted(ids, lab)
    if ids is not None:
        assert (ids[rows] == lab).all(), "labels are not the ids given"
    # Each label's exact distance is the one returned (ties may order differently).
    exact = np.take_along_axis(full, rows, axis=1)
    assert np.allclose(dis, exact, rtol=1e-4, atol=1e-4), "labels do not match distances"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    if os.environ.get("FAISSLIKE_C_API_SANITIZED") == "1":
        print("skipped: the library is built with sanitizers")
        return SKIP
    try:
        import numpy as np
    except ImportError:
        print("skipped: numpy is not installed")
        return SKIP

    api = Api(load(sys.argv[1]))
    scratch = sys.argv[2]
    os.makedirs(scratch, exist_ok=True)
    rng = np.random.default_rng(5)
    d, nb, nq, k = 24, 3000, 25, 7
    xb = rng.random((nb, d), dtype=np.float32)
    xq = rng.random((nq, d), dtype=np.float32)

    assert api.last_error() is None

    # IVF through the factory, every list probed: exact.
    ivf = handle()
    api.index_factory(ctypes.byref(ivf), d, b"IVF32,Flat", METRIC_L2)
    assert api.Index_d(ivf) == d and not api.Index_is_trained(ivf)
    api.Index_train(ivf, nb, fptr(xb))
    api.Index_add(ivf, nb, fptr(xb))
    assert api.Index_ntotal(ivf) == nb
    assert api.IndexIVF_cast(ivf) == ivf.value
    api.IndexIVF_set_nprobe(ivf, 32)
    assert api.IndexIVF_nprobe(ivf) == 32
    dis, lab = search(api, np, ivf, xq, k)
    check_knn(np, dis, lab, xb, xq, k, METRIC_L2)

    # Written and read back: the same answers.
    path = os.path.join(scratch, "ctypes_ivf.index").encode()
    api.write_index_fname(ivf, path)
    back = handle()
    api.read_index_fname(path, 0, ctypes.byref(back))
    api.IndexIVF_set_nprobe(back, 32)
    dis2, lab2 = search(api, np, back, xq, k)
    assert (lab2 == lab).all() and (dis2 == dis).all()
    api.Index_free(back)
    os.remove(path)

    # Range search: the hits of each query are those numpy finds.
    radius = float(np.quantile(brute_force(np, xb, xq, 1, METRIC_L2)[2], 0.01))
    rsr = handle()
    api.RangeSearchResult_new(ctypes.byref(rsr), nq)
    api.Index_range_search(ivf, nq, fptr(xq), radius, rsr)
    lims = c_size_p()
    labels = c_idx_p()
    distances = c_float_p()
    api.RangeSearchResult_lims(rsr, ctypes.byref(lims))
    api.RangeSearchResult_labels(rsr, ctypes.byref(labels), ctypes.byref(distances))
    full = brute_force(np, xb, xq, 1, METRIC_L2)[2]
    for q in range(nq):
        found = sorted(labels[i] for i in range(lims[q], lims[q + 1]))
        expected = sorted(np.nonzero(full[q] < radius)[0].tolist())
        assert found == expected, "range search of query %d differs" % q
    assert lims[nq] > 0
    api.RangeSearchResult_free(rsr)
    api.Index_free(ivf)

    # Inner product with caller-chosen ids.
    flat = handle()
    api.IndexFlatIP_new_with(ctypes.byref(flat), d)
    idmap = handle()
    api.IndexIDMap_new(ctypes.byref(idmap), flat)
    api.IndexIDMap_set_own_fields(idmap, 1)
    ids = (np.arange(nb, dtype=np.int64) * 11 + 5)
    api.Index_add_with_ids(idmap, nb, fptr(xb), iptr(ids))
    assert api.Index_metric_type(idmap) == METRIC_INNER_PRODUCT
    dis, lab = search(api, np, idmap, xq, k)
    check_knn(np, dis, lab, xb, xq, k, METRIC_INNER_PRODUCT, ids=ids)
    api.Index_free(idmap)

    # A failure: an error code and the library's message, nothing raised.
    bad = handle()
    rc = api.lib.faiss_index_factory(ctypes.byref(bad), d, b"IVF32,Nope", METRIC_L2)
    assert rc == FAISS_EXCEPT, rc
    assert "could not parse index string" in api.last_error(), api.last_error()
    assert bad.value is None
    rc = api.lib.faiss_Index_search(None, 1, fptr(xq), k, fptr(dis), iptr(lab))
    assert rc == FAISS_EXCEPT and "index is NULL" in api.last_error()

    print("ctypes: IVF, range search, IDMap/IP, I/O and errors match numpy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
