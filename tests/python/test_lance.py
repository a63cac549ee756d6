"""faisslike.table (Arrow PyCapsule protocol) and faisslike.lance (indexes
over real Lance datasets). Everything is checked against numpy brute force,
round trips, or the real Lance engine (pylance, pinned in requirements-dev.txt)."""

import gc
import importlib

import numpy as np
import pytest

from helpers import clustered

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -r requirements-dev.txt)")
pc = pytest.importorskip("pyarrow.compute")
lance = pytest.importorskip("lance", reason="pylance is not installed (pip install -r requirements-dev.txt)")

D = 32
N = 20000


def _fsl(x):
    return pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(x).ravel()), x.shape[1])


def _exact(metric, q, x):
    """Lance's distances, in float64."""
    q = q.astype(np.float64)
    x = x.astype(np.float64)
    if metric == "l2":
        return ((x - q) ** 2).sum(1)
    if metric == "dot":
        return 1 - x @ q
    return 1 - (x @ q) / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))


def _brute_force(metric, q, x, rowids, k):
    """(rowids, distances) of the k best rows, ties by rowid, as Lance orders them."""
    dist = _exact(metric, q, x)
    order = np.lexsort((rowids, dist))[:k]
    return rowids[order], dist[order]


@pytest.fixture(scope="module")
def fl():
    importlib.import_module("faisslike")
    return importlib.import_module("faisslike.lance")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A SIFT-like Lance dataset (several fragments, so _rowid values are
    row addresses, not positions) with the tutorial's metadata columns."""
    x = clustered(N, D, seed=11, nclusters=50)
    rng = np.random.default_rng(12)
    table = pa.table(
        {
            "item_id": np.arange(N, dtype=np.int64) * 10 + 1,
            "revenue": rng.uniform(0, 1000, N),
            "vector": _fsl(x),
        }
    )
    uri = str(tmp_path_factory.mktemp("lance") / "sift.lance")
    lance.write_dataset(table, uri, max_rows_per_file=7000)
    ds = lance.dataset(uri)
    rowids = ds.to_table(columns=[], with_row_id=True)["_rowid"].to_numpy().astype(np.int64)
    assert rowids.max() >= 1 << 32  # several fragments
    xq = x[rng.choice(N, 20, replace=False)] + rng.normal(size=(20, D)).astype(np.float32) * 0.5
    return {"uri": uri, "x": x, "rowids": rowids, "revenue": table["revenue"].to_numpy(), "xq": xq}


# faisslike.table ----------------------------------------------------------


def test_export_dataset_is_a_table_of_the_stored_vectors(faisslike):
    from faisslike import table

    x = clustered(500, 16, seed=1)
    index = faisslike.IndexIDMap(faisslike.IndexFlatL2(16))
    ids = np.arange(500, dtype=np.int64) * 3 + 7
    index.add_with_ids(x, ids)
    t = pa.table(table.export_dataset(index))
    assert t.column_names == ["id", "vector"]
    np.testing.assert_array_equal(t["id"].to_numpy(), ids)
    np.testing.assert_array_equal(np.stack(t["vector"].to_numpy(zero_copy_only=False)), x)


def test_borrowed_export_keeps_the_index_alive(faisslike):
    from faisslike import table

    x = clustered(300, 8, seed=2)
    index = faisslike.IndexFlatL2(8)
    index.add(x)
    t = pa.table(table.export_dataset(index))  # borrows the index's memory
    del index
    gc.collect()
    np.testing.assert_array_equal(np.stack(t["vector"].to_numpy(zero_copy_only=False)), x)


def test_add_from_arrow_equals_add_with_ids(faisslike, dataset):
    from faisslike import table

    xb, xq, d = dataset["xb"], dataset["xq"], dataset["d"]
    ids = np.arange(len(xb), dtype=np.int64)[::-1] * 5
    quantizer = faisslike.IndexFlatL2(d)
    ref = faisslike.IndexIVFFlat(quantizer, d, 16)
    ref.train(dataset["xt"])
    got = faisslike.clone_index(ref)
    ref.add_with_ids(xb, ids)
    # Several record batches, an extra column, ids under their own name.
    t = pa.table({"label": ids, "other": np.zeros(len(xb)), "emb": _fsl(xb)})
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=333))
    assert table.add_from_arrow(got, reader, column="emb", id_column="label") == len(xb)
    D1, I1 = ref.search(xq, 10)
    D2, I2 = got.search(xq, 10)
    np.testing.assert_array_equal(I1, I2)
    np.testing.assert_array_equal(D1, D2)


def test_add_from_arrow_rejects_bad_input_and_leaves_index_unchanged(faisslike):
    from faisslike import table

    index = faisslike.IndexFlatL2(8)
    with pytest.raises(RuntimeError, match="fixed_size_list<float32, 8>"):
        table.add_from_arrow(index, pa.table({"vector": _fsl(np.zeros((4, 16), np.float32))}))
    with pytest.raises(TypeError, match="Arrow PyCapsule"):
        table.add_from_arrow(index, [1, 2, 3])
    assert index.ntotal == 0


@pytest.mark.parametrize("factory", ["IVF16,PQ8", "IVF16_HNSW8,SQ8", "HNSW16_PQ8", "IVF16,Flat", "IVF16,HNSW8_SQ8",
                                     "IDMap2,PCA16,IVF16,HNSW8_PQ8"])
def test_index_bundle_round_trip_through_pyarrow(faisslike, dataset, factory):
    from faisslike import table

    d = dataset["d"]
    index = faisslike.index_factory(d, factory)
    index.train(dataset["xt"])
    if factory.startswith("IDMap"):
        index.add_with_ids(dataset["xb"], np.arange(len(dataset["xb"])) * 5 + 2)
    else:
        index.add(dataset["xb"])
    streams = table.export_index_bundle(index)
    tables = {name: stream.to_pyarrow() for name, stream in streams.items()}
    # An export object can be read again (each read is a fresh C stream).
    name, stream = next(iter(streams.items()))
    assert stream.to_pyarrow().equals(tables[name])
    back = table.import_index_bundle(tables)
    assert type(back) is type(index)
    D1, I1 = index.search(dataset["xq"], 10)
    D2, I2 = back.search(dataset["xq"], 10)
    np.testing.assert_array_equal(I1, I2)
    np.testing.assert_array_equal(D1, D2)


# faisslike.lance: build, store, reopen ------------------------------------


@pytest.mark.parametrize(
    "index_type,metric,kwargs",
    [
        ("IVF_PQ", "l2", dict(num_partitions=16, num_sub_vectors=8)),
        ("IVF_PQ", "cosine", dict(num_partitions=16, num_sub_vectors=8)),
        ("IVF_PQ", "dot", dict(num_partitions=16, num_sub_vectors=8, num_bits=4)),
        ("IVF_SQ", "l2", dict(num_partitions=16)),
        ("IVF_FLAT", "cosine", dict(num_partitions=16)),
        ("IVF_HNSW_SQ", "l2", dict(m=8, ef_construction=40)),  # one partition -> IndexHNSWSQ
        ("IVF_HNSW_PQ", "dot", dict(num_partitions=8, num_sub_vectors=8, m=8, ef_construction=40)),
        ("IVF_HNSW_SQ", "l2", dict(num_partitions=8, m=8, ef_construction=40)),
        ("IVF_HNSW_FLAT", "cosine", dict(num_partitions=8, m=8, ef_construction=40)),
    ],
)
def test_saved_bundle_gives_identical_results(faisslike, fl, data, index_type, metric, kwargs):
    ds = lance.dataset(data["uri"])
    built = fl.create_index(ds, "vector", index_type, metric=metric, replace=True, progress=False, **kwargs)
    nearest = {"column": "vector", "q": data["xq"], "k": 10, "nprobes": 4}
    before = fl.search(ds, nearest, columns=["item_id"], with_row_id=True, index=built)

    fl._open_cache.clear()  # really read the bundle back from disk
    reopened = lance.dataset(data["uri"])
    loaded = fl.open_index(reopened, column="vector")
    assert type(loaded.index) is type(built.index)
    assert loaded.index is not built.index
    after = fl.search(reopened, nearest, columns=["item_id"], with_row_id=True)
    assert after.equals(before)

    # Results map back to the right rows, ordered as Lance orders them.
    for qi in range(len(data["xq"])):
        rows = after.filter(pc.equal(after["query_index"], qi))
        rowids = rows["_rowid"].to_numpy().astype(np.int64)
        pos = np.searchsorted(data["rowids"], rowids)
        np.testing.assert_array_equal(rows["item_id"].to_numpy(), pos * 10 + 1)
        dist = rows["_distance"].to_numpy()
        assert np.all(np.diff(dist) >= 0)
        assert len(rows) == 10


def test_recall_of_ivf_pq_against_brute_force(fl, data):
    ds = lance.dataset(data["uri"])
    built = fl.create_index(ds, "vector", "IVF_PQ", num_partitions=16, num_sub_vectors=16,
                            replace=True, progress=False, name="recall_idx")
    res = fl.search(ds, {"q": data["xq"], "k": 10, "nprobes": 8, "refine_factor": 5},
                    columns=[], with_row_id=True, index=built)
    hits = 0
    for qi, q in enumerate(data["xq"]):
        gt, _ = _brute_force("l2", q, data["x"], data["rowids"], 10)
        got = res.filter(pc.equal(res["query_index"], qi))["_rowid"].to_numpy().astype(np.int64)
        hits += len(set(gt) & set(got))
    assert hits / (10 * len(data["xq"])) > 0.8


# faisslike.lance: query semantics -----------------------------------------


@pytest.fixture(scope="module")
def flat_index(fl, data):
    """IVF_FLAT probing every partition: exact, so comparable with brute force."""
    ds = lance.dataset(data["uri"])
    return fl.create_index(ds, "vector", "IVF_FLAT", num_partitions=8, replace=True,
                           progress=False, name="flat_idx")


@pytest.mark.parametrize("prefilter", [True, False])
def test_where_filter_equals_brute_force_over_filtered_rows(fl, data, flat_index, prefilter):
    ds = lance.dataset(data["uri"])
    where = "revenue > 900.0"
    keep = data["revenue"] > 900.0
    k = 10
    for q in data["xq"][:8]:
        res = fl.search(ds, {"q": q, "k": k, "nprobes": 8}, where=where, prefilter=prefilter,
                        columns=["revenue"], with_row_id=True, index=flat_index)
        got = res["_rowid"].to_numpy().astype(np.int64)
        assert (res["revenue"].to_numpy() > 900.0).all()
        if prefilter:
            # The selector works inside the search: k rows whenever k match.
            gt, gd = _brute_force("l2", q, data["x"][keep], data["rowids"][keep], k)
            np.testing.assert_array_equal(got, gt)
            np.testing.assert_allclose(res["_distance"].to_numpy(), gd, rtol=1e-4)
        else:
            # Postfilter: the unfiltered top k, minus the rows that fail.
            top, _ = _brute_force("l2", q, data["x"], data["rowids"], k)
            expected = top[np.isin(top, data["rowids"][keep])]
            np.testing.assert_array_equal(got, expected)


def test_selective_prefilter_probes_more_partitions_until_k_rows(fl, data, flat_index):
    """Lance's late search: with minimum_nprobes, partitions are added in
    centroid order while a query has fewer than k results; nprobes fixes
    them; maximum_nprobes caps them."""
    ds = lance.dataset(data["uri"])
    where = "revenue > 998.0"
    keep = data["revenue"] > 998.0
    k = 10
    assert keep.sum() >= k
    fixed_short = 0
    for q in data["xq"]:
        fixed = fl.search(ds, {"q": q, "k": k, "nprobes": 1}, where=where, prefilter=True,
                          columns=[], with_row_id=True, index=flat_index)
        fixed_short += len(fixed) < k
        widened = fl.search(ds, {"q": q, "k": k, "minimum_nprobes": 1}, where=where, prefilter=True,
                            columns=["revenue"], with_row_id=True, index=flat_index)
        assert len(widened) == k
        assert (widened["revenue"].to_numpy() > 998.0).all()
        gt, _ = _brute_force("l2", q, data["x"][keep], data["rowids"][keep], k)
        # The widened search starts with the fixed one's partition: never
        # fewer true neighbours.
        assert len(set(widened["_rowid"].to_numpy().astype(np.int64)) & set(gt)) >= \
            len(set(fixed["_rowid"].to_numpy().astype(np.int64)) & set(gt))
    assert fixed_short > 0  # the filter is selective enough to matter
    with pytest.raises(ValueError, match="maximum_nprobes"):
        fl.search(ds, {"q": data["xq"][0], "minimum_nprobes": 4, "maximum_nprobes": 2}, index=flat_index)
    with pytest.raises(ValueError, match="nprobes"):
        fl.search(ds, {"q": data["xq"][0], "nprobes": 0}, index=flat_index)


def test_ivf_hnsw_is_a_graph_per_partition_and_filters_like_brute_force(faisslike, fl, data):
    """IVF_HNSW_FLAT with several partitions builds IndexIVFHNSW (Lance's
    structure); probing every partition with an ef above any partition's
    size, a prefiltered query returns the brute-force answer over the
    filtered rows, and the result survives a bundle save / reopen / load."""
    ds = lance.dataset(data["uri"])
    # m and ef_construction large enough that every vector is reachable in its partition's graph.
    built = fl.create_index(ds, "vector", "IVF_HNSW_FLAT", num_partitions=8, m=16, ef_construction=100,
                            replace=True, progress=False, name="ivf_hnsw_idx")
    assert isinstance(built.index, faisslike.IndexIVFHNSW)
    assert built.index.efConstruction == 100
    assert built.info["factory"] == "IVF8,HNSW16_Flat"
    keep = data["revenue"] > 900.0
    k = 10
    nearest = {"q": data["xq"][:8], "k": k, "nprobes": 8, "ef": 300}
    res = fl.search(ds, nearest, where="revenue > 900.0", prefilter=True, columns=["revenue"],
                    with_row_id=True, index=built)
    for qi, q in enumerate(data["xq"][:8]):
        rows = res.filter(pc.equal(res["query_index"], qi))
        gt, gd = _brute_force("l2", q, data["x"][keep], data["rowids"][keep], k)
        np.testing.assert_array_equal(rows["_rowid"].to_numpy().astype(np.int64), gt)
        np.testing.assert_allclose(rows["_distance"].to_numpy(), gd, rtol=1e-4)

    fl._open_cache.clear()
    reopened = lance.dataset(data["uri"])
    loaded = fl.open_index(reopened, name="ivf_hnsw_idx", column="vector")
    assert isinstance(loaded.index, faisslike.IndexIVFHNSW)
    again = fl.search(reopened, nearest, where="revenue > 900.0", prefilter=True, columns=["revenue"],
                      with_row_id=True, name="ivf_hnsw_idx")
    assert again.equals(res)

    # ef is the per-partition walk's: a small ef loses recall that a large one has.
    def recall(ef):
        got = fl.search(ds, {"q": data["xq"], "k": k, "nprobes": 2, "ef": ef}, columns=[], with_row_id=True,
                        index=built)
        hits = 0
        for qi, q in enumerate(data["xq"]):
            gt, _ = _brute_force("l2", q, data["x"], data["rowids"], k)
            ids = got.filter(pc.equal(got["query_index"], qi))["_rowid"].to_numpy().astype(np.int64)
            hits += len(set(gt) & set(ids))
        return hits / (k * len(data["xq"]))

    assert recall(10) < recall(200)


@pytest.mark.parametrize("metric", ["l2", "cosine", "dot"])
def test_refine_reports_exact_distances(fl, data, metric):
    ds = lance.dataset(data["uri"])
    built = fl.create_index(ds, "vector", "IVF_PQ", metric=metric, num_partitions=8, num_sub_vectors=8,
                            replace=True, progress=False, name="refine_" + metric)
    q = data["xq"][3]
    res = fl.search(ds, {"q": q, "k": 5, "nprobes": 8, "refine_factor": 4}, columns=["vector"], index=built)
    vectors = np.stack(res["vector"].to_numpy(zero_copy_only=False))
    np.testing.assert_allclose(res["_distance"].to_numpy(), _exact(metric, q, vectors), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("metric", ["l2", "cosine", "dot"])
def test_distances_and_order_as_real_lance_reports_them(fl, data, tmp_path, metric):
    """Exhaustive IVF_FLAT on both sides: the same rows and distances."""
    n = 3000
    uri = str(tmp_path / "small.lance")
    lance.write_dataset(pa.table({"vector": _fsl(data["x"][:n])}), uri, max_rows_per_file=1000)
    ds = lance.dataset(uri)
    ds = ds.create_index("vector", "IVF_FLAT", metric=metric, num_partitions=4)
    ours = fl.create_index(ds, "vector", "IVF_FLAT", metric=metric, num_partitions=4, progress=False)
    for q in data["xq"][:5]:
        nearest = {"column": "vector", "q": q, "k": 10, "nprobes": 4}
        theirs = ds.to_table(nearest=nearest, columns=[], with_row_id=True)
        mine = fl.search(ds, nearest, columns=[], with_row_id=True, index=ours)
        assert mine.column_names == theirs.column_names == ["_distance", "_rowid"]
        np.testing.assert_array_equal(mine["_rowid"].to_numpy(), theirs["_rowid"].to_numpy())
        np.testing.assert_allclose(mine["_distance"].to_numpy(), theirs["_distance"].to_numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_use_index_false_is_brute_force(fl, data):
    ds = lance.dataset(data["uri"])
    q = data["xq"][0]
    res = fl.search(ds, {"q": q, "k": 7, "use_index": False, "metric": "dot"}, columns=[], with_row_id=True)
    gt, gd = _brute_force("dot", q, data["x"], data["rowids"], 7)
    np.testing.assert_array_equal(res["_rowid"].to_numpy().astype(np.int64), gt)
    np.testing.assert_allclose(res["_distance"].to_numpy(), gd, rtol=1e-4, atol=1e-4)


def test_lance_dataset_and_scanner_are_arrow_sources(faisslike, data):
    from faisslike import table

    ds = lance.dataset(data["uri"])
    a = faisslike.IndexIDMap(faisslike.IndexFlatL2(D))
    assert table.add_from_arrow(a, ds, id_column="_rowid") == N
    b = faisslike.IndexIDMap(faisslike.IndexFlatL2(D))
    table.add_from_arrow(b, ds.scanner(columns=["vector"], with_row_id=True), id_column="_rowid")
    Da, Ia = a.search(data["xq"], 5)
    Db, Ib = b.search(data["xq"], 5)
    np.testing.assert_array_equal(Ia, Ib)
    gt, _ = _brute_force("l2", data["xq"][0], data["x"], data["rowids"], 5)
    np.testing.assert_array_equal(Ia[0], gt)


def test_query_errors(fl, data, flat_index):
    ds = lance.dataset(data["uri"])
    q = data["xq"][0]
    with pytest.raises(ValueError, match="ef"):
        fl.search(ds, {"q": q, "k": 10, "ef": 5}, index=flat_index)
    with pytest.raises(ValueError, match="refine_factor"):
        fl.search(ds, {"q": q, "k": 10, "refine_factor": 0}, index=flat_index)
    with pytest.raises(ValueError, match="metric"):
        fl.search(ds, {"q": q, "k": 10, "metric": "cosine"}, index=flat_index)
    with pytest.raises(ValueError, match="index_type"):
        fl.create_index(ds, "vector", "IVF_XYZ", progress=False)
    with pytest.raises(FileNotFoundError, match="no faisslike index bundle"):
        fl.search(ds, {"q": q, "k": 10}, name="missing_idx")


# Lance's own IVF_PQ files --------------------------------------------------


@pytest.fixture(scope="module")
def small(data, tmp_path_factory):
    uri = str(tmp_path_factory.mktemp("lance_small") / "small.lance")
    lance.write_dataset(pa.table({"vector": _fsl(data["x"][:3000])}), uri, max_rows_per_file=1000)
    return uri


@pytest.mark.parametrize("metric", ["l2", "cosine", "dot"])
def test_lance_built_ivf_pq_read_into_faisslike_answers_as_lance(fl, data, small, metric):
    ds = lance.dataset(small).create_index("vector", "IVF_PQ", metric=metric, num_partitions=4,
                                           num_sub_vectors=8, replace=True)
    read = fl.read_lance_ivf_pq(ds)
    assert read.index.ntotal == 3000
    for q in data["xq"][:5]:
        nearest = {"column": "vector", "q": q, "k": 10, "nprobes": 2}
        theirs = ds.to_table(nearest=nearest, columns=[], with_row_id=True)
        mine = fl.search(ds, nearest, columns=[], with_row_id=True, index=read)
        np.testing.assert_array_equal(mine["_rowid"].to_numpy(), theirs["_rowid"].to_numpy())
        np.testing.assert_allclose(mine["_distance"].to_numpy(), theirs["_distance"].to_numpy(),
                                   rtol=1e-4, atol=1e-4)


def test_faisslike_ivf_pq_written_for_lance_has_the_same_codes(faisslike, fl, data, small):
    from faisslike import table

    ds = lance.dataset(small)
    ours = fl.create_index(ds, "vector", "IVF_PQ", num_partitions=4, num_sub_vectors=8,
                           replace=True, progress=False, name="ours_idx")
    # Replaces Lance's own vector_idx, so that Lance's queries use this one.
    ds = fl.write_lance_ivf_pq(ds, ours)
    # Lance answers with it ...
    q = data["xq"][0]
    theirs = ds.to_table(nearest={"column": "vector", "q": q, "k": 10, "nprobes": 4}, columns=[],
                         with_row_id=True)
    assert theirs.num_rows == 10
    # ... and its files hold the lists and codes faisslike made: the decoded
    # vector of every row is the same (same centroids, codebook and codes).
    back = fl.read_lance_ivf_pq(ds)

    def decoded(index):
        t = pa.table(table.export_dataset(index)).sort_by("id")
        return t["id"].to_numpy(), np.stack(t["vector"].to_numpy(zero_copy_only=False))

    ids_a, xa = decoded(ours.index)
    ids_b, xb = decoded(back.index)
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_array_equal(xa, xb)
    mine = fl.search(ds, {"column": "vector", "q": q, "k": 10, "nprobes": 4}, columns=[],
                     with_row_id=True, index=ours)
    np.testing.assert_array_equal(mine["_rowid"].to_numpy(), theirs["_rowid"].to_numpy())


# Dataset changes after the index was built ---------------------------------
#
# Lance finds rows appended after its index was built (flat search of the
# fragments the index does not cover, merged with the index's results) and
# never returns deleted rows; an update is a delete plus an append.

ND = 1500


def _live(ds):
    """(rowids, i, cat, vectors) of the dataset's live rows, by _rowid (with
    stable row ids a moved row keeps its _rowid: the scan order is not
    _rowid order)."""
    t = ds.to_table(columns=["i", "cat", "vector"], with_row_id=True).sort_by("_rowid")
    return (t["_rowid"].to_numpy().astype(np.int64), t["i"].to_numpy(), t["cat"].to_numpy(),
            np.stack(t["vector"].to_numpy(zero_copy_only=False)))


def _changed_dataset(path, stable_row_ids=False):
    """A dataset of ND rows (3 fragments) and, after ``build(ds)`` has made
    the index, the changes: appended rows (some right next to the queries),
    deletions in old and new fragments, vectors replaced by merge_insert,
    another column updated. Returns (uri, build-and-change function, queries)."""
    x = clustered(ND + 300, D, seed=21, nclusters=20)
    rng = np.random.default_rng(22)
    uri = str(path / "drift.lance")

    def table(lo, hi, vectors):
        return pa.table({"i": np.arange(lo, hi, dtype=np.int64), "cat": np.arange(lo, hi) % 7,
                         "vector": _fsl(vectors)})

    lance.write_dataset(table(0, ND, x[:ND]), uri, max_rows_per_file=600,
                        enable_stable_row_ids=stable_row_ids)
    xq = x[rng.choice(ND, 6, replace=False)] + rng.normal(size=(6, D)).astype(np.float32) * 0.3
    appended = x[ND:].copy()
    appended[:4] = xq[:4] + 0.01  # nearest to the first queries
    moved = xq[4:] + 0.02  # rows 12 and 13 get vectors next to the last queries

    def change():
        ds = lance.write_dataset(table(ND, ND + 300, appended), uri, mode="append")
        ds.delete("i % 5 = 0 OR i = 1")  # i = ND + 0 is one of the close appended rows
        new = pa.table({"i": np.array([12, 13], np.int64), "cat": np.array([3, 3]), "vector": _fsl(moved)})
        ds.merge_insert("i").when_matched_update_all().execute(new)
        ds = lance.dataset(uri)
        ds.update({"cat": "cat + 100"}, where="i >= 20 AND i < 40")
        return lance.dataset(uri)

    # Queries at the appended rows, at the replaced vectors, at the old
    # vectors of rows 12 and 13, and anywhere.
    queries = np.vstack([xq, x[[12, 13]], x[rng.choice(ND, 4, replace=False)]]).astype(np.float32)
    return uri, change, queries


def _check_against_brute_force(fl, ds, li, queries, k, metric="l2", where=None, prefilter=False,
                               exact_ids=True, **kw):
    rowids, i_col, cat, X = _live(ds)
    keep = np.ones(len(rowids), bool) if where is None else where(cat)
    res = fl.search(ds, {"q": queries, "k": k, "nprobes": 64, "ef": 300}, columns=["i", "cat"],
                    with_row_id=True, index=li, where=None if where is None else kw["sql"],
                    prefilter=prefilter)
    assert res.column_names == ["query_index", "i", "cat", "_distance", "_rowid"]
    recall = total = 0
    for qi, q in enumerate(queries):
        got = res.filter(pc.equal(res["query_index"], qi))
        ids = got["_rowid"].to_numpy().astype(np.int64)
        # Live rows only, columns read from the current version.
        pos = np.searchsorted(rowids, ids)
        assert np.array_equal(rowids[pos], ids)
        np.testing.assert_array_equal(got["i"].to_numpy(), i_col[pos])
        assert keep[pos].all()
        if prefilter or where is None:
            gt, gd = _brute_force(metric, q, X[keep], rowids[keep], k)
        else:
            top, _ = _brute_force(metric, q, X, rowids, k)
            gt = top[keep[np.searchsorted(rowids, top)]]
        # Merged results carry exact distances, in Lance's order.
        np.testing.assert_allclose(got["_distance"].to_numpy(), _exact(metric, q, X[pos]),
                                   rtol=1e-4, atol=1e-4)
        if exact_ids:
            np.testing.assert_array_equal(ids, gt)
        else:
            assert len(ids) == len(gt)
            recall += len(set(ids) & set(gt))
            total += len(gt)
    if not exact_ids:
        assert recall >= 0.9 * total
    return res


@pytest.mark.parametrize("stable_row_ids", [False, True])
@pytest.mark.parametrize(
    "index_type,kwargs",
    [
        ("IVF_FLAT", dict(num_partitions=4)),  # labels are _rowid values
        ("IVF_HNSW_FLAT", dict(m=16, ef_construction=80)),  # one graph, labels are positions
    ],
)
def test_rows_appended_deleted_updated_after_the_build(fl, tmp_path, index_type, kwargs, stable_row_ids):
    uri, change, queries = _changed_dataset(tmp_path, stable_row_ids)
    li = fl.create_index(lance.dataset(uri), "vector", index_type, progress=False, **kwargs)
    built = set(li.labels_to_rowids(np.arange(li.index.ntotal))) if li.rowids is not None else None
    ds = change()
    assert ds.version != li.info["dataset_version"]
    assert ds.has_stable_row_ids == stable_row_ids
    exact = index_type == "IVF_FLAT"  # every partition probed: exhaustive
    res = _check_against_brute_force(fl, ds, li, queries, 10, exact_ids=exact)
    # The rows next to the queries (appended, or moved there by the update)
    # come first, whatever the index holds; the deleted one never.
    top = {qi: res.filter(pc.equal(res["query_index"], qi))["i"].to_numpy()[0] for qi in range(6)}
    assert top == {0: top[0], 1: ND + 1, 2: ND + 2, 3: ND + 3, 4: 12, 5: 13}
    assert top[0] != ND + 0
    if built is not None:
        assert any(r not in built for r in res["_rowid"].to_numpy().astype(np.int64))
    # With a where clause, prefiltered (k rows whenever k match) or not.
    for prefilter in (True, False):
        _check_against_brute_force(fl, ds, li, queries, 10, where=lambda c: c % 7 < 2,
                                   sql="cat % 7 < 2", prefilter=prefilter, exact_ids=exact)
    _check_against_brute_force(fl, ds, li, queries, 10, where=lambda c: c >= 100,
                               sql="cat >= 100", prefilter=True, exact_ids=exact)


def test_fast_search_skips_the_rows_the_index_does_not_hold(fl, tmp_path):
    uri, change, queries = _changed_dataset(tmp_path)
    li = fl.create_index(lance.dataset(uri), "vector", "IVF_FLAT", num_partitions=4, progress=False)
    ds = change()
    rowids, i_col, cat, X = _live(ds)
    old = (i_col < ND) & ~np.isin(i_col, [12, 13]) & ~((i_col >= 20) & (i_col < 40))
    res = fl.search(ds, {"q": queries, "k": 10, "nprobes": 4}, columns=["i"], with_row_id=True,
                    index=li, fast_search=True)
    for qi, q in enumerate(queries):
        got = res.filter(pc.equal(res["query_index"], qi))
        # Only rows still live and unchanged since the build, k of them.
        gt, gd = _brute_force("l2", q, X[old], rowids[old], 10)
        np.testing.assert_array_equal(got["_rowid"].to_numpy().astype(np.int64), gt)
        np.testing.assert_allclose(got["_distance"].to_numpy(), gd, rtol=1e-4, atol=1e-4)


def test_changes_are_worked_out_once_per_version(fl, tmp_path, monkeypatch):
    uri, change, queries = _changed_dataset(tmp_path)
    ds = lance.dataset(uri)
    li = fl.create_index(ds, "vector", "IVF_FLAT", num_partitions=4, progress=False)
    calls = []
    compute = fl._compute_drift
    monkeypatch.setattr(fl, "_compute_drift", lambda *a: calls.append(a) or compute(*a))
    nearest = {"q": queries[0], "k": 5, "nprobes": 4}
    before = fl.search(ds, nearest, columns=[], with_row_id=True, index=li)
    assert calls == []  # the dataset the index was built from: the index alone
    ds2 = change()
    fl.search(ds2, nearest, index=li)
    fl.search(lance.dataset(uri), nearest, index=li)
    assert len(calls) == 1
    # The old version still answers from the index alone.
    assert fl.search(ds, nearest, columns=[], with_row_id=True, index=li).equals(before)
    # A new version without changes to the rows (a column added) is clean.
    ds3 = lance.dataset(uri, version=li.info["dataset_version"])
    ds3.restore()
    ds3 = lance.dataset(uri)
    assert fl._drift(ds3, li) is None
    assert fl.search(ds3, nearest, columns=[], with_row_id=True, index=li).equals(before)


@pytest.mark.parametrize("metric", ["l2", "cosine"])
def test_changed_dataset_answers_as_lance_with_its_own_index(fl, data, tmp_path, metric):
    """Lance's IVF_PQ read into faisslike, then rows appended and deleted:
    both engines merge the index's candidates with the unindexed rows the
    same way (exact re-rank), so rows and distances agree."""
    uri = str(tmp_path / "lance_own.lance")
    lance.write_dataset(pa.table({"i": np.arange(3000), "vector": _fsl(data["x"][:3000])}), uri,
                        max_rows_per_file=1000)
    ds = lance.dataset(uri).create_index("vector", "IVF_PQ", metric=metric, num_partitions=4,
                                         num_sub_vectors=8)
    read = fl.read_lance_ivf_pq(ds)
    extra = data["x"][3000:3400].copy()
    extra[:3] = data["xq"][:3] + 0.01
    ds = lance.write_dataset(pa.table({"i": np.arange(3000, 3400), "vector": _fsl(extra)}), uri, mode="append")
    ds.delete("i % 4 = 1")
    ds = lance.dataset(uri)
    cases = [(fast, where, prefilter, refine) for fast in (False, True) for refine in (None, 3)
             for where, prefilter in ((None, False), ("i % 3 = 0", True), ("i % 3 = 0", False))]
    for fast_search, where, prefilter, refine in cases:
        # One query at a time, then the batch (query_index first).
        for q in list(data["xq"][:4]) + [data["xq"][:4]]:
            nearest = {"column": "vector", "q": q, "k": 10, "nprobes": 2, "refine_factor": refine}
            theirs = ds.to_table(nearest=nearest, filter=where, prefilter=prefilter, columns=["i"],
                                 with_row_id=True, fast_search=fast_search)
            mine = fl.search(ds, nearest, where=where, prefilter=prefilter, columns=["i"],
                             with_row_id=True, index=read, fast_search=fast_search)
            assert mine.column_names == theirs.column_names
            np.testing.assert_array_equal(mine["_rowid"].to_numpy(), theirs["_rowid"].to_numpy())
            np.testing.assert_allclose(mine["_distance"].to_numpy(), theirs["_distance"].to_numpy(),
                                       rtol=1e-4, atol=1e-4)
            assert (mine["i"].to_numpy() % 4 != 1).all()
            if np.ndim(q) == 2 and where is None:
                # The rows appended next to the queries: found unless fast_search.
                assert (mine["i"].to_numpy() >= 3000).any() != fast_search
