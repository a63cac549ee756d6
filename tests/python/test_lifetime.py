"""Objects that C++ objects point to stay alive as long as needed, whatever
Python does with its own names for them; objects returned by index_factory,
read_index, clone_index and deserialize_index belong to Python."""

import gc
import pickle
import weakref

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force


def test_quantizer_outlives_its_name(faiss, dataset):
    d = dataset["d"]
    quantizer = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quantizer, d, 8)
    del quantizer
    gc.collect()
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    index.nprobe = 8
    assert index.quantizer.ntotal == 8
    D, I = index.search(dataset["xq"], 5)
    assert_same_knn(D, I, *brute_force(dataset["xq"], dataset["xb"], 5))


def test_wrapped_index_outlives_its_name(faiss, dataset):
    index = faiss.IndexIDMap2(faiss.IndexFlatL2(dataset["d"]))
    pre = faiss.IndexPreTransform(faiss.NormalizationTransform(dataset["d"]), faiss.IndexFlatIP(dataset["d"]))
    refine = faiss.IndexRefineFlat(faiss.IndexFlatL2(dataset["d"]))
    gc.collect()
    ids = np.arange(len(dataset["xb"])) + 5
    index.add_with_ids(dataset["xb"], ids)
    pre.add(dataset["xb"])
    refine.add(dataset["xb"])
    D, I = index.search(dataset["xq"], 3)
    D_ref, I_ref = brute_force(dataset["xq"], dataset["xb"], 3)
    assert_same_knn(D, I, D_ref, ids[I_ref])
    assert_same_knn(*refine.search(dataset["xq"], 3), D_ref, I_ref)
    xn = dataset["xb"] / np.linalg.norm(dataset["xb"], axis=1, keepdims=True)
    qn = dataset["xq"] / np.linalg.norm(dataset["xq"], axis=1, keepdims=True)
    assert_same_knn(*pre.search(dataset["xq"], 3), *brute_force(qn, xn, 3, "IP"))


def test_selectors_outlive_their_names(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"])
    keep = np.arange(100, 200)
    sel = faiss.IDSelectorNot(faiss.IDSelectorNot(faiss.IDSelectorArray(keep.copy())))
    params = faiss.SearchParameters()
    params.sel = sel
    del sel
    gc.collect()
    np.zeros(10**6)  # reuse freed memory, if any was freed
    D, I = index.search(dataset["xq"], 4, params=params)
    D_ref, I_ref = brute_force(dataset["xq"], dataset["xb"][keep], 4)
    assert_same_knn(D, I, D_ref, keep[I_ref])


def test_assigned_object_keeps_python_ownership(faiss):
    """Assigning a wrapped object to a pointer field neither frees it early
    nor makes Python forget to free it."""
    params = faiss.SearchParametersIVF()
    sel = faiss.IDSelectorRange(0, 10)
    params.sel = sel
    assert sel.thisown
    params.sel = faiss.IDSelectorRange(5, 6)
    gc.collect()
    assert params.sel.is_member(5) and not params.sel.is_member(6)


def test_field_views_keep_their_owner(faisslike, dataset):
    """A sub-object read from an index (its quantizer, HNSW graph, ...) keeps
    the index alive: in Faiss, `q = index.quantizer; del index` dangles."""
    index = faisslike.IndexIVFFlat(faisslike.IndexFlatL2(dataset["d"]), dataset["d"], 4)
    index.train(dataset["xt"])
    alive = weakref.ref(index)
    quantizer = index.quantizer
    del index
    gc.collect()
    assert alive() is not None
    assert quantizer.ntotal == 4
    del quantizer
    gc.collect()
    assert alive() is None


def test_factory_results_are_owned_by_python(faiss, dataset, tmp_path):
    index = faiss.index_factory(dataset["d"], "IVF8,Flat")
    assert index.thisown
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    path = str(tmp_path / "ivf.index")
    faiss.write_index(index, path)
    for copy in (faiss.read_index(path), faiss.clone_index(index),
                 faiss.deserialize_index(faiss.serialize_index(index))):
        assert copy.thisown
        assert type(copy) is type(index)
        copy.nprobe = index.nprobe = 8
        np.testing.assert_array_equal(copy.search(dataset["xq"], 5)[1], index.search(dataset["xq"], 5)[1])


def test_clone_is_independent(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"][:10])
    copy = faiss.clone_index(index)
    copy.add(dataset["xb"][10:20])
    del index
    gc.collect()
    assert copy.ntotal == 20


def test_downcast_index(faiss, dataset):
    index = faiss.index_factory(dataset["d"], "IVF8,Flat")
    base = faiss.downcast_index(index)
    assert isinstance(base, faiss.IndexIVFFlat)
    assert isinstance(faiss.downcast_index(index.quantizer), faiss.IndexFlat)


def test_pickle_round_trip(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"])
    copy = pickle.loads(pickle.dumps(index))
    assert type(copy) is type(index) and copy.ntotal == index.ntotal
    np.testing.assert_array_equal(copy.search(dataset["xq"], 3)[1], index.search(dataset["xq"], 3)[1])
    del index
    gc.collect()
    assert copy.ntotal == len(dataset["xb"])


@pytest.mark.parametrize("own", [False, True])
def test_replace_invlists(faisslike, dataset, own):
    d = dataset["d"]
    index = faisslike.IndexIVFFlat(faisslike.IndexFlatL2(d), d, 4)
    index.train(dataset["xt"])
    invlists = faisslike.ArrayInvertedLists(4, index.code_size)
    index.replace_invlists(invlists, own)
    del invlists
    gc.collect()
    index.add(dataset["xb"])
    assert index.invlists.compute_ntotal() == len(dataset["xb"])
