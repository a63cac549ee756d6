"""IVF indexes: search settings (attributes and SearchParametersIVF),
selectors, ids, direct maps, inverted lists and coarse assignment."""

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force, recall_at

NLIST = 16


@pytest.fixture
def ivf(faiss, dataset):
    quantizer = faiss.IndexFlatL2(dataset["d"])
    index = faiss.IndexIVFFlat(quantizer, dataset["d"], NLIST)
    assert not index.is_trained
    index.train(dataset["xt"])
    assert index.is_trained and index.quantizer.ntotal == NLIST
    index.add(dataset["xb"])
    return index


def test_all_lists_give_exact_results(ivf, dataset):
    ivf.nprobe = NLIST
    assert ivf.nprobe == NLIST
    D, I = ivf.search(dataset["xq"], 10)
    assert_same_knn(D, I, *brute_force(dataset["xq"], dataset["xb"], 10))


def test_nprobe_trades_recall(ivf, dataset):
    _, gt = brute_force(dataset["xq"], dataset["xb"], 10)
    recalls = []
    for nprobe in (1, 4, NLIST):
        ivf.nprobe = nprobe
        recalls.append(recall_at(ivf.search(dataset["xq"], 10)[1], gt, 10))
    assert recalls[0] <= recalls[1] <= recalls[2] == 1.0


def test_search_parameters_override_per_call(faiss, ivf, dataset):
    ivf.nprobe = 1
    params = faiss.SearchParametersIVF(nprobe=NLIST)
    assert params.nprobe == NLIST
    D, I = ivf.search(dataset["xq"], 10, params=params)
    assert_same_knn(D, I, *brute_force(dataset["xq"], dataset["xb"], 10))
    assert ivf.nprobe == 1
    assert faiss.IVFSearchParameters is faiss.SearchParametersIVF


@pytest.mark.parametrize("kind", ["batch", "array", "range", "bitmap", "not", "and", "or"])
def test_selectors_filter_search(faiss, ivf, dataset, kind):
    xb, xq = dataset["xb"], dataset["xq"]
    n = len(xb)
    every_third = np.arange(0, n, 3)
    if kind == "batch":
        sel, keep = faiss.IDSelectorBatch(every_third), every_third
    elif kind == "array":
        sel, keep = faiss.IDSelectorArray(every_third), every_third
    elif kind == "range":
        sel, keep = faiss.IDSelectorRange(100, 900), np.arange(100, 900)
    elif kind == "bitmap":
        mask = np.zeros(n, dtype=bool)
        mask[every_third] = True
        sel, keep = faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little")), every_third
    elif kind == "not":
        sel = faiss.IDSelectorNot(faiss.IDSelectorRange(0, n // 2))
        keep = np.arange(n // 2, n)
    elif kind == "and":
        sel = faiss.IDSelectorAnd(faiss.IDSelectorRange(0, n // 2), faiss.IDSelectorBatch(every_third))
        keep = every_third[every_third < n // 2]
    else:
        sel = faiss.IDSelectorOr(faiss.IDSelectorRange(0, 10), faiss.IDSelectorBatch(every_third))
        keep = np.union1d(np.arange(10), every_third)
    params = faiss.SearchParametersIVF(nprobe=NLIST, sel=sel)
    D, I = ivf.search(xq, 5, params=params)
    D_ref, I_ref = brute_force(xq, xb[keep], 5)
    assert_same_knn(D, I, D_ref, keep[I_ref])


def test_add_with_ids_and_remove(faiss, dataset):
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dataset["d"]), dataset["d"], NLIST)
    index.train(dataset["xt"])
    xb = dataset["xb"]
    ids = np.arange(len(xb), dtype=np.int64) * 2 + 1000
    index.add_with_ids(xb, ids)
    index.nprobe = NLIST
    D, I = index.search(dataset["xq"], 5)
    D_ref, I_ref = brute_force(dataset["xq"], xb, 5)
    assert_same_knn(D, I, D_ref, ids[I_ref])

    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    np.testing.assert_array_equal(index.reconstruct(int(ids[17])), xb[17])
    assert index.remove_ids(ids[:100]) == 100
    assert index.ntotal == len(xb) - 100
    D, I = index.search(dataset["xq"], 5)
    assert not np.isin(I, ids[:100]).any()
    with pytest.raises(RuntimeError):
        index.reconstruct(int(ids[0]))


def test_inverted_lists(faiss, ivf, dataset):
    invlists = ivf.invlists
    sizes = [invlists.list_size(l) for l in range(ivf.nlist)]
    assert sum(sizes) == ivf.ntotal
    ids = np.concatenate([
        faiss.rev_swig_ptr(invlists.get_ids(l), sizes[l]).copy() for l in range(ivf.nlist) if sizes[l]
    ])
    np.testing.assert_array_equal(np.sort(ids), np.arange(ivf.ntotal))
    # Each vector sits in the list of its nearest centroid.
    _, assign = ivf.quantizer.search(dataset["xb"], 1)
    for l in range(ivf.nlist):
        if sizes[l]:
            list_ids = faiss.rev_swig_ptr(invlists.get_ids(l), sizes[l])
            assert (assign[list_ids, 0] == l).all()


def test_search_preassigned(ivf, dataset):
    xq = dataset["xq"]
    ivf.nprobe = 4
    Dq, Iq = ivf.quantizer.search(xq, ivf.nprobe)
    D, I = ivf.search_preassigned(xq, 5, Iq, Dq)
    D_ref, I_ref = ivf.search(xq, 5)
    assert_same_knn(D, I, D_ref, I_ref)


def test_extract_index_ivf(faiss, dataset):
    index = faiss.index_factory(dataset["d"], "PCA16,IVF16,Flat")
    index.train(dataset["xt"])
    ivf = faiss.extract_index_ivf(index)
    assert isinstance(ivf, faiss.IndexIVF)
    assert ivf.nlist == 16 and ivf.d == 16
    ivf.nprobe = 16
    index.add(dataset["xb"])
    assert ivf.ntotal == len(dataset["xb"])
    with pytest.raises(RuntimeError):
        faiss.extract_index_ivf(faiss.IndexFlatL2(4))


def check_exact_over_decoded(index, dataset):
    """With every list probed, a compressed IVF index returns the exact
    nearest neighbours among its own decoded vectors, at their distances:
    a check of the search that does not depend on the data's difficulty."""
    index.nprobe = index.nlist
    decoded = index.reconstruct_n(0, index.ntotal)
    D, I = index.search(dataset["xq"], 10)
    assert_same_knn(D, I, *brute_force(dataset["xq"], decoded, 10), rtol=2e-3)
    return decoded


@pytest.mark.parametrize("factory", ["IVF16,PQ8np", "IVF16,PQ8x4np", "IVF16,SQ8", "IVF16,SQfp16"])
def test_compressed_ivf_search(faiss, dataset, factory):
    index = faiss.index_factory(dataset["d"], factory)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    decoded = check_exact_over_decoded(index, dataset)
    # The codes approximate the vectors.
    error = ((decoded - dataset["xb"]) ** 2).sum(1).mean()
    spread = ((dataset["xb"] - dataset["xb"].mean(0)) ** 2).sum(1).mean()
    assert error < 0.8 * spread


def test_ivfpq_constructor(faiss, dataset):
    d = dataset["d"]
    index = faiss.IndexIVFPQ(faiss.IndexFlatL2(d), d, NLIST, 8, 4)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    assert index.pq.M == 8 and index.pq.nbits == 4 and index.code_size == 4
    check_exact_over_decoded(index, dataset)
    codes = index.sa_encode(dataset["xq"])
    assert codes.shape == (len(dataset["xq"]), index.sa_code_size())
    assert index.sa_decode(codes).shape == dataset["xq"].shape


def test_ivf_scalar_quantizer_constructor(faiss, dataset):
    d = dataset["d"]
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatL2(d), d, NLIST, faiss.ScalarQuantizer.QT_8bit)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    check_exact_over_decoded(index, dataset)


def test_range_search_with_all_lists_is_exact(ivf, dataset):
    xq, xb = dataset["xq"], dataset["xb"]
    dis, order = brute_force(xq, xb, len(xb))
    radius = float(np.median(dis[:, 20]))
    ivf.nprobe = NLIST
    lims, D, I = ivf.range_search(xq, radius)
    for q in range(len(xq)):
        got = set(I[lims[q]:lims[q + 1]])
        sure = set(order[q][dis[q] < radius * (1 - 1e-4)])
        possible = set(order[q][dis[q] < radius * (1 + 1e-4)])
        assert sure <= got <= possible


@pytest.mark.parametrize("metric", ["L2", "IP"])
def test_coarse_kmeans_defaults(faiss, metric):
    """The coarse quantizer's k-means settings are Faiss's: 10 iterations
    (not Clustering's 25), spherical for inner product."""
    m = faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT
    index = faiss.IndexIVFFlat(faiss.IndexFlat(16, m), 16, 8, m)
    assert index.cp.niter == 10
    assert index.cp.spherical == (metric == "IP")
    assert faiss.ClusteringParameters().niter == 25
    assert faiss.index_factory(16, "IVF8,PQ4", m).cp.niter == 10
