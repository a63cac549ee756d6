"""The numpy methods of Index on exact (flat) indexes, against numpy."""

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force


@pytest.mark.parametrize("metric", ["L2", "IP"])
def test_search_matches_brute_force(faiss, dataset, metric):
    d, xb, xq = dataset["d"], dataset["xb"], dataset["xq"]
    index = faiss.IndexFlatL2(d) if metric == "L2" else faiss.IndexFlatIP(d)
    assert index.is_trained and index.ntotal == 0 and index.d == d
    index.add(xb)
    assert index.ntotal == len(xb)
    D, I = index.search(xq, 10)
    assert D.dtype == np.float32 and I.dtype == np.int64 and D.shape == I.shape == (len(xq), 10)
    assert_same_knn(D, I, *brute_force(xq, xb, 10, metric))


def test_metric_constants_and_generic_flat(faiss, dataset):
    assert faiss.METRIC_INNER_PRODUCT == 0 and faiss.METRIC_L2 == 1
    index = faiss.IndexFlat(dataset["d"], faiss.METRIC_INNER_PRODUCT)
    assert index.metric_type == faiss.METRIC_INNER_PRODUCT
    index.add(dataset["xb"])
    D, I = index.search(dataset["xq"], 5)
    assert_same_knn(D, I, *brute_force(dataset["xq"], dataset["xb"], 5, "IP"))


def test_missing_results_are_padded(faiss):
    index = faiss.IndexFlatL2(4)
    index.add(np.eye(4, dtype=np.float32)[:3])
    D, I = index.search(np.zeros((2, 4), dtype=np.float32), 5)
    assert (I[:, 3:] == -1).all() and (I[:, :3] >= 0).all()
    assert (D[:, 3:] > 1e30).all()


def test_inputs_are_converted(faiss, dataset):
    """float64, integer and non-contiguous inputs are converted, as in Faiss."""
    d, xb, xq = dataset["d"], dataset["xb"], dataset["xq"]
    index = faiss.IndexFlatL2(d)
    index.add(xb.astype(np.float64))
    D_ref, I_ref = index.search(xq, 3)
    D, I = index.search(xq.astype(np.float64), 3)
    np.testing.assert_array_equal(I, I_ref)
    wide = np.zeros((len(xq), 2 * d), dtype=np.float32)
    wide[:, ::2] = xq
    D, I = index.search(wide[:, ::2], 3)
    np.testing.assert_array_equal(I, I_ref)
    rounded = np.round(xq).astype(np.int32)
    np.testing.assert_array_equal(index.search(rounded, 3)[1], index.search(rounded.astype(np.float32), 3)[1])


def test_search_into_given_arrays(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"])
    xq = dataset["xq"]
    D = np.empty((len(xq), 4), dtype=np.float32)
    I = np.empty((len(xq), 4), dtype=np.int64)
    D2, I2 = index.search(xq, 4, D=D, I=I)
    assert D2 is D and I2 is I
    assert_same_knn(D, I, *brute_force(xq, dataset["xb"], 4))


def test_search_with_selector(faiss, dataset):
    xb, xq = dataset["xb"], dataset["xq"]
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(xb)
    subset = np.arange(0, len(xb), 3)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(subset))
    D, I = index.search(xq, 5, params=params)
    D_ref, I_ref = brute_force(xq, xb[subset], 5)
    assert_same_knn(D, I, D_ref, subset[I_ref])


def test_range_search(faiss, dataset):
    xb, xq = dataset["xb"], dataset["xq"]
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(xb)
    dis, _ = brute_force(xq, xb, len(xb))
    radius = float(np.median(dis[:, 20]))
    lims, D, I = index.range_search(xq, radius)
    assert lims.dtype == np.uint64 and lims.shape == (len(xq) + 1,)
    assert D.dtype == np.float32 and I.dtype == np.int64 and len(D) == len(I) == lims[-1]
    full = brute_force(xq, xb, len(xb))
    for q in range(len(xq)):
        got = set(I[lims[q]:lims[q + 1]])
        sure = set(full[1][q][full[0][q] < radius * (1 - 1e-4)])
        possible = set(full[1][q][full[0][q] < radius * (1 + 1e-4)])
        assert sure <= got <= possible


def test_assign(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"])
    labels = index.assign(dataset["xq"], 3)
    np.testing.assert_array_equal(labels, index.search(dataset["xq"], 3)[1])


def test_reconstruct(faiss, dataset):
    xb = dataset["xb"]
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(xb)
    np.testing.assert_array_equal(index.reconstruct(7), xb[7])
    np.testing.assert_array_equal(index.reconstruct_n(10, 5), xb[10:15])
    np.testing.assert_array_equal(index.reconstruct_n(), xb)
    np.testing.assert_array_equal(index.reconstruct_batch(np.array([3, 1, 4])), xb[[3, 1, 4]])
    with pytest.raises(RuntimeError):
        index.reconstruct(len(xb))


def test_search_and_reconstruct(faiss, dataset):
    xb, xq = dataset["xb"], dataset["xq"]
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(xb)
    D, I, R = index.search_and_reconstruct(xq, 3)
    assert R.shape == (len(xq), 3, dataset["d"])
    np.testing.assert_array_equal(R, xb[I])


@pytest.mark.parametrize("as_selector", [False, True])
def test_remove_ids_compacts(faiss, dataset, as_selector):
    xb = dataset["xb"][:100]
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(xb)
    removed = np.array([5, 50, 99])
    arg = faiss.IDSelectorBatch(removed) if as_selector else removed
    assert index.remove_ids(arg) == 3
    assert index.ntotal == 97
    np.testing.assert_array_equal(index.reconstruct_n(0, 97), np.delete(xb, removed, axis=0))
    assert index.remove_ids(faiss.IDSelectorRange(0, 10)) == 10


def test_standalone_codec(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    x = dataset["xq"]
    codes = index.sa_encode(x)
    assert codes.dtype == np.uint8 and codes.shape == (len(x), index.sa_code_size())
    np.testing.assert_array_equal(index.sa_decode(codes), x)


def test_reset_and_idmap(faiss, dataset):
    xb, xq = dataset["xb"], dataset["xq"]
    ids = np.arange(len(xb)) * 10 + 7
    for index in (faiss.IndexIDMap(faiss.IndexFlatL2(dataset["d"])),
                  faiss.IndexIDMap2(faiss.IndexFlatL2(dataset["d"]))):
        index.add_with_ids(xb, ids)
        D, I = index.search(xq, 5)
        D_ref, I_ref = brute_force(xq, xb, 5)
        assert_same_knn(D, I, D_ref, ids[I_ref])
        np.testing.assert_array_equal(faiss.vector_to_array(index.id_map), ids)
        assert index.remove_ids(ids[:10]) == 10 and index.ntotal == len(xb) - 10
        index.reset()
        assert index.ntotal == 0
    index.add_with_ids(xb[:3], np.array([100, 200, 300]))
    np.testing.assert_array_equal(index.reconstruct(200), xb[1])
