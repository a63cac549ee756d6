"""Flat codecs (PQ, SQ), HNSW, refine and pre-transform indexes, and
index_factory, through the numpy API."""

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force, recall_at

FACTORY_TYPES = {
    "Flat": "IndexFlat",
    "IVF16,Flat": "IndexIVFFlat",
    "IVF16,PQ8np": "IndexIVFPQ",
    "IVF16,SQ8": "IndexIVFScalarQuantizer",
    "PQ8np": "IndexPQ",
    "SQ8": "IndexScalarQuantizer",
    "HNSW16": "IndexHNSWFlat",
    "HNSW16,PQ8": "IndexHNSWPQ",
    "HNSW16,SQ8": "IndexHNSWSQ",
    "IDMap,Flat": "IndexIDMap",
    "IDMap2,Flat": "IndexIDMap2",
    "PCA16,Flat": "IndexPreTransform",
    "L2norm,Flat": "IndexPreTransform",
    "IVF16,Flat,RFlat": "IndexRefineFlat",
}


@pytest.mark.parametrize("description", sorted(FACTORY_TYPES))
def test_factory_gives_most_derived_class(faiss, description):
    index = faiss.index_factory(32, description)
    assert type(index).__name__ == FACTORY_TYPES[description]
    assert index.d == 32 and index.metric_type == faiss.METRIC_L2
    if description != "HNSW16,PQ8":  # Faiss's factory drops the metric there
        ip = faiss.index_factory(32, description, faiss.METRIC_INNER_PRODUCT)
        assert ip.metric_type == faiss.METRIC_INNER_PRODUCT


@pytest.mark.parametrize("factory", ["PQ8np", "PQ16x4np", "SQ8", "SQ4", "SQfp16"])
def test_flat_codes_search_over_decoded(faiss, dataset, factory):
    """Exhaustive search over codes returns the exact neighbours among the
    decoded vectors, at their distances."""
    index = faiss.index_factory(dataset["d"], factory)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    decoded = index.reconstruct_n(0, index.ntotal)
    np.testing.assert_allclose(decoded, index.sa_decode(index.sa_encode(dataset["xb"])), rtol=1e-5, atol=1e-5)
    D, I = index.search(dataset["xq"], 10)
    assert_same_knn(D, I, *brute_force(dataset["xq"], decoded, 10), rtol=2e-3)


def test_pq_fields(faiss, dataset):
    index = faiss.IndexPQ(dataset["d"], 8, 4)
    assert not index.is_trained and index.pq.M == 8 and index.pq.ksub == 16
    index.train(dataset["xt"])
    assert index.is_trained and index.code_size == index.pq.code_size == 4
    assert faiss.vector_to_array(index.pq.centroids).size == 8 * 16 * 4


@pytest.fixture
def hnsw(faiss, dataset):
    index = faiss.IndexHNSWFlat(dataset["d"], 16)
    index.add(dataset["xb"])
    return index


def test_hnsw_recall_and_efsearch(faiss, hnsw, dataset):
    assert hnsw.hnsw.efConstruction == 40 and hnsw.hnsw.efSearch == 16
    _, gt = brute_force(dataset["xq"], dataset["xb"], 10)
    hnsw.hnsw.efSearch = 128
    assert hnsw.hnsw.efSearch == 128
    D, I = hnsw.search(dataset["xq"], 10)
    assert recall_at(I, gt, 10) > 0.95
    # Returned distances are the true distances of the returned vectors.
    true = ((dataset["xq"][:, None, :] - dataset["xb"][I]) ** 2).sum(-1)
    np.testing.assert_allclose(D, true, rtol=1e-4, atol=1e-3)


def test_hnsw_search_parameters(faiss, hnsw, dataset):
    _, gt = brute_force(dataset["xq"], dataset["xb"], 10)
    hnsw.hnsw.efSearch = 10
    low = recall_at(hnsw.search(dataset["xq"], 10)[1], gt, 10)
    params = faiss.SearchParametersHNSW(efSearch=200)
    high = recall_at(hnsw.search(dataset["xq"], 10, params=params)[1], gt, 10)
    assert high >= low and high > 0.95
    assert hnsw.hnsw.efSearch == 10
    keep = np.arange(0, len(dataset["xb"]), 2)
    params = faiss.SearchParametersHNSW(efSearch=200, sel=faiss.IDSelectorBatch(keep))
    _, I = hnsw.search(dataset["xq"], 10, params=params)
    assert np.isin(I[I >= 0], keep).all()


@pytest.mark.parametrize("ef", [2, 4, 10, 16])
def test_hnsw_beam_below_k_searches_as_faiss(faisslike, dataset, ef):
    """efSearch below k keeps a beam of efSearch (cheaper, lower recall) and
    still returns k results, as Faiss does: the same graph, searched by each
    library, gives the same neighbours."""
    real = pytest.importorskip("faiss", reason="faiss-cpu (the reference) is not installed")
    ours = faisslike.IndexHNSWFlat(dataset["d"], 16)
    ours.add(dataset["xb"])
    theirs = real.deserialize_index(faisslike.serialize_index(ours))
    ours.hnsw.efSearch = theirs.hnsw.efSearch = ef
    k = 20
    D1, I1 = ours.search(dataset["xq"], k)
    D2, I2 = theirs.search(dataset["xq"], k)
    # A walk of efSearch 2 may compute fewer than k nodes for a query: both
    # libraries pad the same way.
    assert (I1 >= 0).mean() > 0.9
    np.testing.assert_array_equal(I1, I2)
    np.testing.assert_allclose(D1, D2, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("storage", ["PQ", "SQ"])
def test_hnsw_compressed_storage(faiss, dataset, storage):
    d = dataset["d"]
    if storage == "PQ":
        index = faiss.IndexHNSWPQ(d, 8, 16, 4)
    else:
        index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, 16)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    index.hnsw.efSearch = 128
    decoded = index.reconstruct_n(0, index.ntotal)
    D, I = index.search(dataset["xq"], 10)
    gt_D, _ = brute_force(dataset["xq"], decoded, 10)
    # Codes tie often: a result counts when its true distance to the decoded
    # vectors is within the exact 10th-nearest distance, whichever tied id it is.
    xq = dataset["xq"]
    hits = 0
    for q in range(len(xq)):
        found = I[q][I[q] >= 0]
        true_d = ((decoded[found] - xq[q]) ** 2).sum(1)
        hits += int((true_d <= gt_D[q, -1] * (1 + 1e-5) + 1e-6).sum())
    assert hits / I.size > 0.6


def test_hnsw_with_ids(faiss, dataset):
    index = faiss.IndexIDMap(faiss.IndexHNSWFlat(dataset["d"], 16))
    ids = np.arange(len(dataset["xb"])) * 3
    index.add_with_ids(dataset["xb"], ids)
    _, I = index.search(dataset["xq"], 5)
    assert np.isin(I, ids).all()


def test_hnsw_remove_ids(faisslike, dataset):
    """faisslike's HNSW supports removal (Faiss's refuses it); ids shift down
    like those of a flat index."""
    xb = dataset["xb"]
    index = faisslike.IndexHNSWFlat(dataset["d"], 16)
    index.add(xb)
    index.hnsw.efSearch = 200
    assert index.remove_ids(np.arange(0, 1000)) == 1000
    assert index.ntotal == len(xb) - 1000
    _, gt = brute_force(dataset["xq"], xb[1000:], 10)
    _, I = index.search(dataset["xq"], 10)
    assert recall_at(I, gt, 10) > 0.9


def test_refine_and_pretransform(faiss, dataset):
    xb, xq = dataset["xb"], dataset["xq"]
    refine = faiss.IndexRefineFlat(faiss.index_factory(dataset["d"], "SQ4"))
    refine.train(dataset["xt"])
    refine.add(xb)
    params = faiss.IndexRefineSearchParameters(k_factor=20)
    D, I = refine.search(xq, 5, params=params)
    D_ref, I_ref = brute_force(xq, xb, 5)
    # Exact re-ranking of many candidates: the exact distances of what it finds.
    true = ((xq[:, None, :] - xb[I]) ** 2).sum(-1)
    np.testing.assert_allclose(D, true, rtol=1e-4, atol=1e-3)
    assert recall_at(I, I_ref, 5) > 0.9

    pca = faiss.PCAMatrix(dataset["d"], 16)
    index = faiss.IndexPreTransform(pca, faiss.IndexFlatL2(16))
    index.train(dataset["xt"])
    index.add(xb)
    D, I = index.search(xq, 5)
    assert_same_knn(D, I, *brute_force(pca.apply(xq), pca.apply(xb), 5))
    assert isinstance(faiss.downcast_VectorTransform(index.chain.at(0)), faiss.PCAMatrix)


def test_ivf_hnsw_per_list_graphs(faisslike, dataset):
    """faisslike's IndexIVFHNSW (a graph per inverted list, Lance's IVF_HNSW):
    built from the factory or over an IVF, tuned per call, written, read,
    filtered and shrunk through the numpy API."""
    d, xb, xq = dataset["d"], dataset["xb"], dataset["xq"]
    index = faisslike.index_factory(d, "IVF16,HNSW16_SQ8")
    assert type(index).__name__ == "IndexIVFHNSW"
    assert type(index.ivf).__name__ == "IndexIVFScalarQuantizer"
    index.train(dataset["xt"])
    index.add(xb)
    # The walks find what a scan of the same lists finds (the codes limit both).
    _, I_scan = index.ivf.search(xq, 10, params=faisslike.SearchParametersIVF(nprobe=8))
    low = faisslike.SearchParametersIVFHNSW(nprobe=1, efSearch=10)
    high = faisslike.SearchParametersIVFHNSW(nprobe=8, efSearch=100)
    _, I_low = index.search(xq, 10, params=low)
    D_high, I_high = index.search(xq, 10, params=high)
    assert recall_at(I_high, I_scan, 10) > 0.95
    assert recall_at(I_high, I_scan, 10) > recall_at(I_low, I_scan, 10)

    back = faisslike.deserialize_index(faisslike.serialize_index(index))
    D_back, I_back = back.search(xq, 10, params=high)
    np.testing.assert_array_equal(I_back, I_high)
    np.testing.assert_array_equal(D_back, D_high)
    assert faisslike.reverse_index_factory(back) == "IVF16,HNSW16_SQ8"

    own = faisslike.IndexIVFHNSW(faisslike.IndexIVFFlat(faisslike.IndexFlatL2(d), d, 8), 8)
    own.train(dataset["xt"])
    own.add_with_ids(xb, np.arange(len(xb)) * 2)
    chosen = np.arange(0, 2 * len(xb), 6)
    _, I_sel = own.search(xq, 5, params=faisslike.SearchParametersIVFHNSW(
        nprobe=8, efSearch=64, sel=faisslike.IDSelectorBatch(chosen)))
    assert np.isin(I_sel[I_sel >= 0], chosen).all()
    assert own.remove_ids(np.arange(0, 1000)) == 500
    _, I_rm = own.search(xq, 10, params=high)
    assert (I_rm >= 1000).all()
