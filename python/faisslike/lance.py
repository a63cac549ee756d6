"""faisslike indexes over Lance datasets (pylance), queried as Lance queries.

    import lance, faisslike.lance as fl
    ds = lance.dataset("/data/sift.lance")
    fl.create_index(ds, "vector", "IVF_PQ", num_partitions=256, num_sub_vectors=16)
    tbl = fl.search(ds, nearest={"column": "vector", "q": q, "k": 10, "nprobes": 20,
                                 "refine_factor": 5},
                    where="revenue > 50", prefilter=True, columns=["item_id", "revenue"])

The index is built from the dataset's rows, with Lance's ``_rowid`` as the
ids, and stored as an *index bundle* (faisslike/table/index_bundle.h): one
Lance dataset per table, in ``<parent>/<dataset name>.faisslike/<index name>/``
beside the dataset (not inside it: Lance owns ``<name>.lance/``), plus
``faisslike.json`` describing how it maps onto the dataset. ``search`` returns
what ``dataset.to_table(nearest=..., filter=..., columns=...)`` returns: a
pyarrow Table of the requested columns then ``_distance`` (then ``_rowid``
with ``with_row_id=True``; ``query_index`` first for a batch of queries),
rows by ascending ``(_distance, _rowid)``.

Distances are those Lance reports (checked against pylance 14.0.2):
``l2`` squared L2; ``dot`` 1 - x.q; ``cosine`` 1 - cos for IVF_FLAT /
IVF_HNSW_FLAT and after refine, but for quantized indexes (PQ, SQ) without
refine the squared L2 between unit vectors (about 2 (1 - cos)), as Lance does.

Index types (Lance name -> faisslike structure):

=================  ==============================================================
IVF_FLAT           IndexIVFFlat
IVF_PQ             IndexIVFPQ; residual encoding for l2 / cosine, none for dot (as Lance)
IVF_SQ             IndexIVFScalarQuantizer, 8 bits, no residual (as Lance); per-dimension
                   ranges where Lance uses one global range
IVF_HNSW_{FLAT,PQ,SQ}
                   As Lance: one HNSW graph *per IVF partition* over the
                   partition's codes. num_partitions == 1 (Lance's default for
                   these types): IndexHNSW{Flat,PQ,SQ}, one graph over all
                   vectors; num_partitions > 1: IndexIVFHNSW (factory
                   "IVF{n},HNSW{m}_{Flat,SQ8,PQ{M}x{nbits}}"): search probes
                   ``nprobes`` partitions and walks each one's graph with
                   ``ef``. Bundles saved before IndexIVFHNSW existed (an IVF
                   whose coarse quantizer was an HNSW graph) still load.
=================  ==============================================================

Lance's own IVF_PQ files: :func:`read_lance_ivf_pq` reads an index Lance
built into an IndexIVFPQ (same centroids, codebook, codes, row ids), and
:func:`write_lance_ivf_pq` gives a faisslike IVF_PQ model to Lance's builder
so Lance writes an index with faisslike's lists and codes; either side then
serves the other's index.

Datasets that changed after the index was built. The index records the
dataset version and fragments it was built from; searching another version
works as Lance does (checked against pylance 14.0.2 with its own index):

* rows deleted since (or moved by an update) are excluded *inside* the index
  search (an IDSelector, combined with the ``where`` selector when
  prefiltering), so k results still come back when k rows remain;
* rows the index does not hold (appended; updated, since a Lance update is a
  delete plus an append) are searched exactly and merged: as in Lance, the
  index's k candidates (k * refine_factor, refined to k) are then re-ranked
  with exact distances, the best k of both kept by ``(_distance, _rowid)``;
  a prefilter ``where`` applies to them too, a postfilter afterwards;
* ``search(..., fast_search=True)`` (Lance's ``to_table``/``scanner`` flag)
  skips them: index only, deletions still masked.

This is worked out once per dataset uri and version (one scan of ``_rowid``
and of the vectors of the unindexed fragments, kept on the LanceIndex); an
unchanged dataset costs nothing. A fragment counts as indexed when it has
the id of one the index was built from and the same data files for the
column (read from the build version while it exists; Lance's data files are
immutable and fragment ids never reused). It relies on pylance's ``_rowid``:
without stable row ids the row address ``fragment << 32 | offset``, kept by
deletes elsewhere, new for appended and updated rows; with stable row ids
(``enable_stable_row_ids=True``) a counter that an updated row keeps while it
moves to a new fragment. Both are handled: a moved row is served by the
flat search, its old entry excluded (Lance instead keeps such a row in its
index when the vector column did not change, so without refine and without
other new fragments its ``_distance`` is the index's, ours exact). After a
compaction every rewritten row is flat-searched (correct, slower): rebuild
the index, as after many appends. :func:`read_lance_ivf_pq` records the
version and fragments Lance's index covers, so it answers the same way.

Probing follows Lance's: ``nprobes`` fixes the partitions searched;
``minimum_nprobes`` (default 20) are always searched and, while a query has
fewer than k results (a selective prefilter, small partitions), more
partitions in centroid order up to ``maximum_nprobes`` (default all). Lance
adds them a batch at a time; faisslike doubles the count, so it may search a
few more partitions than Lance does, never fewer. Not reproduced: Lance's
``search_effort`` policy.
"""

import json
import os
import shutil
import sys
import time
import uuid

import numpy as np

try:
    import lance as _lance
    import pyarrow as pa
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "faisslike.lance needs pylance and pyarrow: pip install pylance pyarrow"
    ) from _e

from . import swigfaisslike as _swig
from . import table as _table
from .array_conversions import copy_array_to_vector, rev_swig_ptr, swig_ptr, vector_to_array
from .extra_wrappers import normalize_L2

__all__ = [
    "INDEX_TYPES",
    "LanceIndex",
    "bundle_uri",
    "create_index",
    "load_bundle",
    "open_index",
    "read_lance_ivf_pq",
    "save_bundle",
    "search",
    "write_lance_ivf_pq",
]

INDEX_TYPES = ("IVF_FLAT", "IVF_PQ", "IVF_SQ", "IVF_HNSW_FLAT", "IVF_HNSW_PQ", "IVF_HNSW_SQ")

# Lance's build defaults (lance.md §3): rows per partition when
# num_partitions is not given, training sample per centroid, k-means
# iterations, HNSW graph parameters.
_TARGET_PARTITION_SIZE = {"IVF_FLAT": 4096, "IVF_PQ": 8192, "IVF_SQ": 8192}
_TARGET_PARTITION_SIZE_HNSW = 1 << 20
_MAX_PARTITIONS = 4096
SAMPLE_RATE = 256
MAX_ITERS = 50
HNSW_M = 20
HNSW_EF_CONSTRUCTION = 150
# Lists probed when a query gives no nprobes (LanceDB's default; pylance 14
# instead adapts the number with its search_effort policy).
DEFAULT_NPROBES = 20

_METRICS = {"l2": "l2", "euclidean": "l2", "cosine": "cosine", "dot": "dot"}
_INFO_FILE = "faisslike.json"
_ROWID_TABLE = "rowid_map"


def _metric_name(metric):
    name = _METRICS.get(str(metric).lower())
    if name is None:
        raise ValueError("metric must be 'l2', 'cosine' or 'dot', not %r" % (metric,))
    return name


def _dataset(dataset):
    return _lance.dataset(dataset) if isinstance(dataset, (str, os.PathLike)) else dataset


def bundle_uri(dataset, name):
    """Where the bundle of index ``name`` of ``dataset`` lives:
    ``<parent>/<dataset name>.faisslike/<name>``, beside the dataset."""
    uri = str(_dataset(dataset).uri).rstrip("/")
    stem = uri[: -len(".lance")] if uri.endswith(".lance") else uri
    return "%s.faisslike/%s" % (stem, name)


def _vectors(array, d=None):
    """A (n, d) float32 numpy array from a fixed_size_list array (a copy only
    where the values are not float32 already)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    width = array.type.list_size
    if d is not None and width != d:
        raise ValueError("vector column has dimension %d, the index %d" % (width, d))
    values = array.flatten().to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(values, dtype=np.float32).reshape(-1, width)


# Bundles ------------------------------------------------------------------


def save_bundle(index, uri, info=None, rowids=None, replace=False):
    """Writes ``index`` as its bundle: one Lance dataset per table,
    ``<uri>/<table>.lance``, and ``<uri>/faisslike.json`` (written last, so
    a bundle without it is incomplete). ``rowids`` (int64, one per stored
    vector in label order) is saved as ``rowid_map.lance`` for indexes that
    number their vectors themselves. ``info`` is extra JSON content. Local
    paths only. Returns the JSON content."""
    if os.path.exists(uri):
        if not replace:
            raise FileExistsError("index bundle %s exists (pass replace=True)" % uri)
        shutil.rmtree(uri)
    os.makedirs(uri)
    tables = _table.export_index_bundle(index)
    for name, stream in tables.items():
        _lance.write_dataset(pa.RecordBatchReader.from_stream(stream), os.path.join(uri, name + ".lance"))
    content = dict(info or {})
    content.update(format=1, tables=sorted(tables), uuid=str(uuid.uuid4()), ntotal=int(index.ntotal))
    if rowids is not None:
        rowids = np.asarray(rowids, dtype=np.int64)
        if len(rowids) != index.ntotal:
            raise ValueError("rowids has %d entries for %d vectors" % (len(rowids), index.ntotal))
        _lance.write_dataset(pa.table({"id": rowids}), os.path.join(uri, _ROWID_TABLE + ".lance"))
        content["rowid_map"] = _ROWID_TABLE
    with open(os.path.join(uri, _INFO_FILE), "w") as f:
        json.dump(content, f, indent=1)
    return content


def _read_info(uri):
    path = os.path.join(uri, _INFO_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError("no faisslike index bundle at %s (%s missing)" % (uri, _INFO_FILE))
    with open(path) as f:
        return json.load(f)


def load_bundle(uri):
    """The index stored by :func:`save_bundle` at ``uri``; its search results
    are bit-identical to the saved index's."""
    info = _read_info(uri)
    tables = {name: _lance.dataset(os.path.join(uri, name + ".lance")) for name in info["tables"]}
    return _table.import_index_bundle(tables)


# Index over a dataset -----------------------------------------------------


class LanceIndex:
    """A faisslike index over a Lance dataset's column: the index, its
    description (``info``: column, index_type, metric, ...) and, for indexes
    that number their vectors 0..n-1 (HNSW), the ``_rowid`` of each."""

    def __init__(self, index, info, rowids=None, uri=None):
        self.index = index
        self.info = info
        self.rowids = rowids
        self.uri = uri

    column = property(lambda self: self.info["column"])
    metric = property(lambda self: self.info["metric"])
    index_type = property(lambda self: self.info["index_type"])

    def labels_to_rowids(self, labels):
        labels = np.asarray(labels, dtype=np.int64)
        if self.rowids is None:
            return labels
        out = np.full(labels.shape, -1, dtype=np.int64)
        found = labels >= 0
        out[found] = self.rowids[labels[found]]
        return out

    def selector(self, rowids):
        """An IDSelector over the index's labels keeping the given rows."""
        rowids = np.asarray(rowids, dtype=np.int64)
        if self.rowids is None:
            return _swig.IDSelectorBatch(rowids)
        # HNSW labels are positions: a bitmap over them.
        order = np.argsort(self.rowids, kind="stable")
        sorted_ids = self.rowids[order]
        pos = np.searchsorted(sorted_ids, rowids)
        found = pos < len(sorted_ids)
        found[found] = sorted_ids[pos[found]] == rowids[found]
        labels = order[pos[found]]
        bitmap = np.zeros((self.index.ntotal + 7) // 8, dtype=np.uint8)
        np.bitwise_or.at(bitmap, labels >> 3, (1 << (labels & 7)).astype(np.uint8))
        return _swig.IDSelectorBitmap(bitmap)

    def __repr__(self):
        return "<LanceIndex %s %s on %r, %d vectors, %s>" % (
            self.index_type,
            self.metric,
            self.column,
            self.index.ntotal,
            type(self.index).__name__,
        )


_open_cache = {}


def open_index(dataset, name=None, column="vector"):
    """The index ``name`` (default ``<column>_idx``, Lance's default name)
    of ``dataset``, loaded from its bundle (cached while the bundle is
    unchanged)."""
    uri = bundle_uri(dataset, name or column + "_idx")
    info = _read_info(uri)
    cached = _open_cache.get(uri)
    if cached is not None and cached.info.get("uuid") == info.get("uuid"):
        return cached
    index = load_bundle(uri)
    rowids = None
    if info.get("rowid_map"):
        rowids = _lance.dataset(os.path.join(uri, info["rowid_map"] + ".lance")).to_table()["id"]
        rowids = rowids.to_numpy()
    loaded = LanceIndex(index, info, rowids, uri)
    _open_cache[uri] = loaded
    return loaded


def _default_num_partitions(index_type, num_rows):
    target = _TARGET_PARTITION_SIZE.get(index_type, _TARGET_PARTITION_SIZE_HNSW)
    return int(min(_MAX_PARTITIONS, max(1, num_rows // target)))


def _default_num_sub_vectors(d):
    # LanceDB's rule: d/16, else d/8, else 1 (pylance requires the argument).
    for div in (16, 8):
        if d % div == 0:
            return d // div
    return 1


def _factory_string(index_type, nlist, num_sub_vectors, num_bits, m):
    kind = index_type.rsplit("_", 1)[1]
    code = {"FLAT": "Flat", "SQ": "SQ8"}.get(kind) or "PQ%dx%d" % (num_sub_vectors, num_bits)
    if index_type.startswith("IVF_HNSW"):
        if nlist == 1:
            return "HNSW%d" % m if code == "Flat" else "HNSW%d_%s" % (m, code)
        return "IVF%d,HNSW%d_%s" % (nlist, m, code)
    return "IVF%d,%s" % (nlist, code)


class _Progress:
    """Progress lines on stderr (progress=True), or events to a callable."""

    def __init__(self, progress):
        self.callback = progress if callable(progress) else None
        self.enabled = bool(progress)
        self.start = time.time()

    def __call__(self, stage, message, **fields):
        if self.callback is not None:
            self.callback(dict(stage=stage, message=message, **fields))
        elif self.enabled:
            print("[faisslike %7.2fs] %s" % (time.time() - self.start, message), file=sys.stderr, flush=True)


def create_index(
    dataset,
    column="vector",
    index_type="IVF_PQ",
    name=None,
    metric="l2",
    replace=False,
    num_partitions=None,
    num_sub_vectors=None,
    num_bits=8,
    m=HNSW_M,
    ef_construction=HNSW_EF_CONSTRUCTION,
    sample_rate=SAMPLE_RATE,
    max_iters=MAX_ITERS,
    seed=0,
    batch_size=65536,
    progress=True,
):
    """Builds a faisslike index over ``dataset[column]`` and stores its bundle
    beside the dataset (see :func:`bundle_uri`). Returns a :class:`LanceIndex`.

    Parameters follow ``LanceDataset.create_index``: ``index_type`` one of
    :data:`INDEX_TYPES`; ``metric`` "l2", "cosine" or "dot";
    ``num_partitions`` (default Lance's: rows / 8192 for IVF_PQ and IVF_SQ,
    / 4096 for IVF_FLAT, / 2^20 for IVF_HNSW_*, within [1, 4096]);
    ``num_sub_vectors`` (default d/16, else d/8, else 1); ``num_bits`` 4 or 8;
    HNSW ``m`` and ``ef_construction``. Training uses ``sample_rate`` rows per
    centroid (seeded: the same dataset gives the same index) and
    ``max_iters`` k-means iterations. ``progress``: True prints Lance-style
    progress lines to stderr, a callable receives them as dicts.

    The ids stored are Lance's ``_rowid`` values (row addresses), so results
    map back with ``dataset._take_rows``. For cosine the vectors are
    normalized and indexed with L2, as Lance does. See the module docstring
    for how each IVF_HNSW_* type maps onto faisslike.
    """
    ds = _dataset(dataset)
    index_type = str(index_type).upper()
    if index_type not in INDEX_TYPES:
        raise ValueError("index_type must be one of %s, not %r" % (", ".join(INDEX_TYPES), index_type))
    metric = _metric_name(metric)
    name = name or column + "_idx"
    uri = bundle_uri(ds, name)
    if os.path.exists(uri) and not replace:
        raise ValueError("index %r already exists at %s (pass replace=True)" % (name, uri))
    field = ds.schema.field(column)
    vtype = field.type
    if not pa.types.is_fixed_size_list(vtype) or not pa.types.is_floating(vtype.value_type):
        raise TypeError("column %r must be a fixed_size_list of floats, got %s" % (column, vtype))
    d = vtype.list_size
    num_rows = ds.count_rows()
    nlist = int(num_partitions or _default_num_partitions(index_type, num_rows))
    if index_type.endswith("PQ"):
        num_sub_vectors = int(num_sub_vectors or _default_num_sub_vectors(d))
        if d % num_sub_vectors:
            raise ValueError("num_sub_vectors=%d does not divide the dimension %d" % (num_sub_vectors, d))
        if num_bits not in (4, 8):
            raise ValueError("num_bits must be 4 or 8, not %r" % (num_bits,))
    if num_rows < nlist:
        raise ValueError("num_partitions=%d exceeds the %d rows of the dataset" % (nlist, num_rows))

    report = _Progress(progress)
    factory = _factory_string(index_type, nlist, num_sub_vectors, num_bits, m)
    faiss_metric = _swig.METRIC_INNER_PRODUCT if metric == "dot" else _swig.METRIC_L2
    index = _swig.index_factory(d, factory, faiss_metric)
    ivf = _swig.try_extract_index_ivf(index)
    if isinstance(index, _swig.IndexIVFHNSW):
        index.efConstruction = ef_construction
    if ivf is not None:
        ivf = _swig.downcast_index(ivf)
        ivf.cp.niter = max_iters
        ivf.cp.seed = seed
        # Lance encodes residuals only for IVF_PQ with l2 / cosine.
        ivf.by_residual = index_type.endswith("PQ") and metric != "dot"
    if index_type.endswith("PQ"):
        owner = ivf if ivf is not None else index
        pq = owner.pq if hasattr(owner, "pq") else _swig.downcast_index(owner.storage).pq
        pq.cp.niter = max_iters
        pq.cp.seed = seed
    if hasattr(index, "hnsw"):
        index.hnsw.efConstruction = ef_construction
    report("start", "Building %s (%s, metric %s) over %d rows of %r, d=%d"
           % (index_type, factory, metric, num_rows, column, d))

    if not index.is_trained:
        ntrain = sample_rate * nlist if ivf is not None else 0
        if index_type.endswith("PQ"):
            ntrain = max(ntrain, sample_rate * (1 << num_bits))
        elif index_type.endswith("SQ"):
            ntrain = max(ntrain, sample_rate * 256)  # the value range
        ntrain = min(num_rows, max(ntrain, nlist))
        rows = np.sort(np.random.default_rng(seed).choice(num_rows, ntrain, replace=False))
        if ivf is not None:
            report("sample", "Sample %d out of %d to train kmeans of %d dim, %d clusters"
                   % (ntrain, num_rows, d, nlist), num_rows=num_rows, sample=ntrain)
        xt = _vectors(ds.take(rows, columns=[column])[column], d)
        xt = xt[np.isfinite(xt).all(1)]
        if metric == "cosine":
            normalize_L2(xt)
        index.train(xt)
        report("train", "Trained on %d vectors" % len(xt))

    positional = ivf is None  # HNSW numbers its vectors; _rowid kept aside
    rowids = []
    added = 0
    scanner = ds.scanner(columns=[column], with_row_id=True, batch_size=batch_size)
    for batch in scanner.to_reader():
        vectors = batch.column(column)
        if vectors.null_count:
            # Lance skips null vectors (filter_nan=True); so does the index.
            batch = batch.filter(vectors.is_valid())
        if batch.num_rows == 0:
            continue
        ids = batch.column("_rowid")
        if metric == "cosine" or vtype.value_type != pa.float32():
            x = _vectors(batch.column(column), d)
            if metric == "cosine":
                x = np.array(x)  # may be a read-only view of Lance's buffer
                normalize_L2(x)
            if positional:
                index.add(x)
            else:
                index.add_with_ids(x, ids.to_numpy().astype(np.int64))
        else:
            # Straight from Lance's buffers, no copy.
            _table.add_from_arrow(
                index, pa.Table.from_batches([batch]), column,
                id_column=None if positional else "_rowid",
                id_mode="never" if positional else "always",
            )
        if positional:
            rowids.append(ids.to_numpy().astype(np.int64))
        added += batch.num_rows
        report("add", "Added %d / %d vectors" % (added, num_rows), added=added, num_rows=num_rows)

    info = {
        "column": column,
        "index_type": index_type,
        "metric": metric,
        "factory": factory,
        "num_partitions": nlist,
        "num_sub_vectors": num_sub_vectors if index_type.endswith("PQ") else None,
        "num_bits": num_bits if index_type.endswith("PQ") else None,
        "dataset_version": ds.version,
        "fragment_ids": [f.fragment_id for f in ds.get_fragments()],
    }
    rowid_array = np.concatenate(rowids) if positional and rowids else (
        np.zeros(0, np.int64) if positional else None)
    info = save_bundle(index, uri, info=info, rowids=rowid_array, replace=replace)
    report("save", "Saved index bundle to %s" % uri, uri=uri)
    result = LanceIndex(index, info, rowid_array, uri)
    _open_cache[uri] = result
    return result


# Search -------------------------------------------------------------------


def _exact_distances(metric, q, x):
    """Lance's exact distances between q (d,) and the rows of x (n, d)."""
    q = q.astype(np.float32)
    if metric == "l2":
        diff = x - q
        return np.einsum("ij,ij->i", diff, diff)
    if metric == "dot":
        return 1.0 - x @ q
    norms = np.linalg.norm(x, axis=1) * np.linalg.norm(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - (x @ q) / norms


def _reported_distances(lance_index, D):
    """The index's distances as Lance reports them without refine."""
    metric = lance_index.metric
    if metric == "dot":
        return 1.0 - D
    if metric == "cosine" and lance_index.index_type.endswith("FLAT"):
        return D / 2  # |a - b|^2 = 2 (1 - cos) for unit vectors
    return D


def _take(ds, rowids, columns):
    """The rows with these _rowid values, in that order (repeats allowed)."""
    if len(rowids) == 0:
        schema = ds.schema
        names = schema.names if columns is None else columns
        return pa.schema([schema.field(c) for c in names]).empty_table()
    unique, inverse = np.unique(rowids, return_inverse=True)
    rows = ds._take_rows(unique.astype(np.uint64).tolist(), columns=columns)
    return rows.take(pa.array(inverse))


# Dataset changes since the index was built ---------------------------------
#
# The index holds the rows of the dataset version it was built from
# (info["dataset_version"], info["fragment_ids"]). Lance data files are
# immutable: a delete adds a deletion file, an append or an update (delete +
# append) adds fragments, a compaction rewrites fragments under new ids. A
# current fragment is therefore "indexed" when it has the id of a fragment
# the index was built from *and* the same data files for the vector column
# (a restore followed by an append may reuse a fragment id; a column rewrite
# changes the files); its live rows whose _rowid the index holds are served
# by the index. Every other label of the index is excluded from the index
# search (deleted or moved rows), and the live rows of the other fragments
# are flat-searched. With stable row ids an updated row keeps its _rowid but
# moves to a new fragment, so the same rule covers it.


class _Drift:
    """What the index misses at one dataset version: ``exclude`` (an
    IDSelector keeping the index's labels that are still live and unchanged,
    or None), ``ids`` / ``x`` (_rowid and vectors of the live rows the index
    does not hold; nulls dropped), ``unindexed_fragments`` (Lance's trigger
    for merging with a flat search)."""

    def __init__(self, exclude, n_excluded, ids, x, unindexed_fragments):
        self.exclude = exclude
        self.n_excluded = n_excluded
        self.ids = ids
        self.x = x
        self.unindexed_fragments = unindexed_fragments


_DRIFT_CACHE_SIZE = 4  # dataset versions remembered per index


def _indexed_rowids(li):
    """The sorted _rowid values the index holds (cached on the LanceIndex);
    None when they cannot be listed."""
    cached = getattr(li, "_indexed_rowids", None)
    if cached is not None:
        return cached
    if li.rowids is not None:
        ids = np.unique(np.asarray(li.rowids, dtype=np.int64))
    else:
        ivf = _swig.try_extract_index_ivf(li.index)
        if ivf is None:
            return None
        invlists = _swig.downcast_index(ivf).invlists
        parts = []
        for l in range(invlists.nlist):
            n = invlists.list_size(l)
            if n:
                parts.append(rev_swig_ptr(invlists.get_ids(l), n).copy())
        ids = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    li._indexed_rowids = ids
    return ids


def _vector_files(fragment, field_id):
    return tuple(sorted(f.path for f in fragment.data_files() if field_id in f.fields))


def _drift(ds, li):
    """The :class:`_Drift` of ``ds`` relative to the index ``li``, or None
    when the index covers the dataset exactly (nothing deleted, nothing
    added): then the search is the index's alone. Cached per dataset uri and
    version on the LanceIndex, so only the first query of a version pays."""
    built_version = li.info.get("dataset_version")
    version = ds.version
    if built_version is None or version == built_version:
        return None
    key = (str(ds.uri), version)
    states = li.__dict__.setdefault("_drift_states", {})
    if key in states:
        return states[key]
    state = _compute_drift(ds, li, built_version)
    if len(states) >= _DRIFT_CACHE_SIZE:
        states.pop(next(iter(states)))
    states[key] = state
    return state


def _compute_drift(ds, li, built_version):
    indexed = _indexed_rowids(li)
    if indexed is None:
        return None  # cannot tell which rows the index holds: index only
    column = li.column
    field_id = ds.lance_schema.field(column).id()
    built_ids = set(li.info.get("fragment_ids") or ())
    try:
        built = {f.fragment_id: f for f in ds.checkout_version(built_version).get_fragments()
                 if f.fragment_id in built_ids}
    except Exception:  # that version was cleaned up: compare fragment ids only
        built = None
    current = ds.get_fragments()
    covered, unindexed, same_deletions = [], [], built is not None
    for f in current:
        if f.fragment_id not in built_ids:
            unindexed.append(f)
            continue
        if built is not None:
            old = built.get(f.fragment_id)
            if old is None or _vector_files(old, field_id) != _vector_files(f, field_id):
                unindexed.append(f)
                continue
            same_deletions &= old.deletion_file() == f.deletion_file()
        covered.append(f)
    # The index's rows are all still live when every fragment it was built
    # from is still there, unchanged, without new deletions.
    if same_deletions and len(covered) == len(built_ids):
        excluded = np.zeros(0, np.int64)
    elif covered:
        live = ds.scanner(columns=[], with_row_id=True, fragments=covered).to_table()["_rowid"]
        live = live.to_numpy().astype(np.int64)
        excluded = indexed[~np.isin(indexed, live)]
    else:
        excluded = indexed
    if len(excluded) == 0 and not unindexed:
        return None
    exclude = None
    if len(excluded):
        # Keep the labels whose rows are live: Not(excluded), mapped to
        # positions for indexes that number their vectors (HNSW).
        exclude = _swig.IDSelectorNot(li.selector(excluded))
    ids = np.zeros(0, np.int64)
    x = np.zeros((0, ds.schema.field(column).type.list_size), np.float32)
    if unindexed:
        tbl = ds.scanner(columns=[column], with_row_id=True, fragments=unindexed).to_table()
        vectors = tbl[column]
        if vectors.null_count:  # Lance's flat search drops null vectors
            tbl = tbl.filter(vectors.is_valid())
        if tbl.num_rows:
            ids = tbl["_rowid"].to_numpy().astype(np.int64)
            x = _vectors(tbl[column])
    return _Drift(exclude, len(excluded), ids, x, len(unindexed))


def _flat_rows(metric, Q, k, ids, x, allowed=None):
    """Exact top k of each query over the rows (ids, x), Lance's order;
    only the rows in ``allowed`` when given."""
    if allowed is not None:
        keep = np.isin(ids, allowed)
        ids, x = ids[keep], x[keep]
    out_ids = np.full((len(Q), k), -1, dtype=np.int64)
    out_d = np.full((len(Q), k), np.inf, dtype=np.float32)
    if len(ids) == 0:
        return out_ids, out_d
    for i, q in enumerate(Q):
        dist = _exact_distances(metric, q, x)
        order = np.lexsort((ids, dist))[:k]
        out_ids[i, : len(order)] = ids[order]
        out_d[i, : len(order)] = dist[order]
    return out_ids, out_d


def _merge(a_ids, a_d, b_ids, b_d, k):
    """The best k of two (nq, *) result sets by (_distance, _rowid); -1
    padded."""
    ids = np.concatenate([a_ids, b_ids], axis=1)
    dist = np.concatenate([a_d, b_d], axis=1).astype(np.float32)
    out_ids = np.full((len(ids), k), -1, dtype=np.int64)
    out_d = np.full((len(ids), k), np.inf, dtype=np.float32)
    for i in range(len(ids)):
        valid = ids[i] >= 0
        ids_i, d_i = ids[i][valid], dist[i][valid]
        order = np.lexsort((ids_i, d_i))[:k]
        out_ids[i, : len(order)] = ids_i[order]
        out_d[i, : len(order)] = d_i[order]
    return out_ids, out_d


def search(
    dataset,
    nearest,
    where=None,
    columns=None,
    prefilter=False,
    with_row_id=False,
    index=None,
    name=None,
    fast_search=False,
):
    """A Lance vector query answered by a faisslike index; returns a pyarrow
    Table like ``dataset.to_table(nearest=..., filter=where, columns=...,
    prefilter=..., with_row_id=...)``.

    ``nearest``: ``column`` (default "vector"), ``q`` (one vector, or a 2-D
    batch: then an int32 ``query_index`` column comes first), ``k`` (10),
    ``nprobes`` (partitions searched), or ``minimum_nprobes`` (default 20)
    and ``maximum_nprobes`` (default all: more partitions are searched while
    a query has fewer than k results), ``refine_factor`` r (fetch k*r candidates, re-rank them
    with exact distances over the dataset's own vectors), ``ef`` (HNSW beam;
    default 1.5*k*r, must be >= k), ``use_index`` (False: exact search over
    the whole column), ``metric`` (must be the index's).

    ``where``: a Lance SQL filter, evaluated by Lance on the dataset. With
    ``prefilter=True`` its rows become an IDSelector inside the index search
    (k results whenever k rows match); otherwise the k results are filtered
    afterwards (fewer may remain), as in Lance.

    ``index``: a :class:`LanceIndex`; default the one named ``name``
    (default ``<column>_idx``) beside the dataset.

    When the dataset changed since the index was built (another version),
    deleted rows are excluded inside the index search and rows the index
    does not hold (appended, updated) are flat-searched and merged, as Lance
    does; ``fast_search=True`` (Lance's to_table/scanner flag) skips that
    flat search. See the module docstring.
    """
    ds = _dataset(dataset)
    nearest = dict(nearest)
    column = nearest.pop("column", "vector")
    q = np.asarray(nearest.pop("q"), dtype=np.float32)
    batch = q.ndim == 2
    k = int(nearest.pop("k", 10))
    if k <= 0:
        raise ValueError("k must be > 0, got %d" % k)
    nprobes = _probe_range(nearest.pop("nprobes", None), nearest.pop("minimum_nprobes", None),
                           nearest.pop("maximum_nprobes", None))
    refine = nearest.pop("refine_factor", None)
    if refine is not None and int(refine) < 1:
        raise ValueError("refine_factor must be 1 or more, got %r" % (refine,))
    r = int(refine or 1)
    ef = nearest.pop("ef", None)
    ef = int(ef) if ef is not None else int(1.5 * k * r)
    if ef < k:
        raise ValueError("ef (%d) must be >= k (%d)" % (ef, k))
    use_index = nearest.pop("use_index", True)
    asked_metric = nearest.pop("metric", None)
    if nearest:
        raise ValueError("unsupported nearest keys: %s" % ", ".join(sorted(nearest)))

    d = ds.schema.field(column).type.list_size
    Q = q.reshape(-1, d)
    allowed = None
    if where is not None:
        allowed = ds.to_table(columns=[], filter=where, with_row_id=True)["_rowid"]
        allowed = allowed.to_numpy().astype(np.int64)

    if not use_index:
        metric = _metric_name(asked_metric or "l2")
        rowids, dists = _flat_search(ds, column, metric, Q, k, allowed)
    else:
        li = index if index is not None else open_index(ds, name, column)
        if li.column != column:
            raise ValueError("index %r is on column %r, not %r" % (li.info.get("name"), li.column, column))
        if asked_metric is not None and _metric_name(asked_metric) != li.metric:
            # Lance silently uses the index's metric (lance#5608); refuse instead.
            raise ValueError("the index uses metric %r; %r was asked" % (li.metric, asked_metric))
        drift = _drift(ds, li)
        rowids, dists = _index_search(ds, li, Q, k, r if refine else None, nprobes, ef,
                                      allowed if prefilter else None,
                                      exclude=drift.exclude if drift is not None else None)
        if drift is not None and drift.unindexed_fragments and not fast_search:
            # Lance (knn_combined): the index's k candidates are re-ranked
            # with exact distances, merged with an exact search of the rows
            # it does not hold (the where filter applied to them when
            # prefiltering), best k kept.
            if not refine:
                rowids, dists = _refine(ds, li.column, li.metric, Q, rowids, k)
            flat = _flat_rows(li.metric, Q, k, drift.ids, drift.x, allowed if prefilter else None)
            rowids, dists = _merge(rowids, dists, flat[0], flat[1], k)
        if allowed is not None and not prefilter:
            keep = np.isin(rowids, allowed) & (rowids >= 0)
            rowids = np.where(keep, rowids, -1)

    # Lance's order: ascending _distance, ties by ascending _rowid.
    query_index, flat_ids, flat_d = [], [], []
    for i in range(len(Q)):
        valid = rowids[i] >= 0
        ids_i, d_i = rowids[i][valid], dists[i][valid]
        order = np.lexsort((ids_i, d_i))
        flat_ids.append(ids_i[order])
        flat_d.append(d_i[order])
        query_index.append(np.full(len(order), i, dtype=np.int32))
    flat_ids = np.concatenate(flat_ids)
    distance = pa.array(np.concatenate(flat_d).astype(np.float32))
    if columns is not None and len(columns) == 0:
        table = pa.table({"_distance": distance})  # Lance cannot take zero columns
    else:
        table = _take(ds, flat_ids, columns).append_column("_distance", distance)
    if with_row_id:
        table = table.append_column("_rowid", pa.array(flat_ids.astype(np.uint64)))
    if batch:
        table = table.add_column(0, pa.field("query_index", pa.int32(), nullable=False),
                                 pa.array(np.concatenate(query_index)))
    return table


def _probe_range(nprobes, minimum, maximum):
    """(partitions always searched, most searched or None for all), from
    Lance's nprobes / minimum_nprobes / maximum_nprobes."""
    if nprobes is not None:
        minimum = maximum = nprobes
    low = int(minimum) if minimum is not None else DEFAULT_NPROBES
    high = int(maximum) if maximum is not None else None
    if low < 1:
        raise ValueError("nprobes must be >= 1, got %d" % low)
    if high is not None and high < low:
        raise ValueError("maximum_nprobes (%d) must be >= minimum_nprobes (%d)" % (high, low))
    return low, high


def _index_search(ds, li, Q, k, refine, nprobes, ef, allowed, exclude=None):
    """(rowids, distances) of shape (nq, k), -1 padded, Lance's distances.
    ``nprobes``: (minimum, maximum or None) partitions, see _probe_range.
    ``exclude``: an IDSelector of the labels still live (see _drift)."""
    index = li.index
    metric = li.metric
    Qs = Q.copy()
    if metric == "cosine":
        normalize_L2(Qs)
    kk = k * refine if refine else k
    sel = li.selector(allowed) if allowed is not None else None
    if exclude is not None:
        sel = exclude if sel is None else _swig.IDSelectorAnd(sel, exclude)
    ivf = _swig.try_extract_index_ivf(index)

    def search_with(nprobe, queries):
        if ivf is None:
            params = _swig.SearchParametersHNSW(efSearch=max(ef, kk))
        elif isinstance(index, _swig.IndexIVFHNSW):
            params = _swig.SearchParametersIVFHNSW(nprobe=nprobe, efSearch=max(ef, kk))
        else:
            params = _swig.SearchParametersIVF(nprobe=nprobe)
        if ivf is not None and li.info.get("hnsw_coarse"):  # bundles saved before IndexIVFHNSW
            params.quantizer_params = _swig.SearchParametersHNSW(efSearch=max(ef, nprobe))
        if sel is not None:
            params.sel = sel
        return index.search(queries, kk, params=params)

    if ivf is None:
        D, I = search_with(0, Qs)
    else:
        # Lance's late search: more partitions while results are missing.
        nlist = _swig.downcast_index(ivf).nlist
        nprobe = min(nprobes[0], nlist)
        most = min(nprobes[1] or nlist, nlist)
        D, I = search_with(nprobe, Qs)
        short = np.flatnonzero((I >= 0).sum(axis=1) < kk)
        while len(short) and nprobe < most:
            nprobe = min(2 * nprobe, most)
            D[short], I[short] = search_with(nprobe, Qs[short])
            short = short[(I[short] >= 0).sum(axis=1) < kk]
    rowids = li.labels_to_rowids(I)
    if refine:
        return _refine(ds, li.column, metric, Q, rowids, k)
    return rowids, _reported_distances(li, D)


def _refine(ds, column, metric, Q, rowids, k):
    """Lance's refine: exact distances over the dataset's vectors of the
    candidates, best k kept."""
    nq = len(Q)
    out_ids = np.full((nq, k), -1, dtype=np.int64)
    out_d = np.full((nq, k), np.inf, dtype=np.float32)
    cand = np.unique(rowids[rowids >= 0])
    if len(cand) == 0:
        return out_ids, out_d
    x = _vectors(ds._take_rows(cand.astype(np.uint64).tolist(), columns=[column])[column])
    for i in range(nq):
        ids = rowids[i][rowids[i] >= 0]
        dist = _exact_distances(metric, Q[i], x[np.searchsorted(cand, ids)])
        order = np.lexsort((ids, dist))[:k]
        out_ids[i, : len(order)] = ids[order]
        out_d[i, : len(order)] = dist[order]
    return out_ids, out_d


def _flat_search(ds, column, metric, Q, k, allowed):
    """Exact search over the column (Lance's use_index=False)."""
    tbl = ds.to_table(columns=[column], with_row_id=True)
    ids = tbl["_rowid"].to_numpy().astype(np.int64)
    return _flat_rows(metric, Q, k, ids, _vectors(tbl[column]), allowed)


# Lance's own IVF_PQ index files (lance.md §2.3, §5.5) ----------------------
#
# Reading goes through pylance's LanceFileReader (the Lance 2.x page
# encodings are not reimplemented here) plus a small protobuf decoder for the
# two messages involved (pb::Ivf, pb::Tensor). Writing hands faisslike's
# trained model to Lance's own builder (ivf_centroids / pq_codebook), which
# then skips training and encodes the rows itself: no Lance file is written
# by faisslike, so the result is whatever Lance writes, by construction.


def _pb_fields(buf):
    """(field number, value) of a protobuf message: int for varints, bytes
    for length-delimited fields (the only wire types of pb::Ivf / Tensor
    but loss, a fixed64 double, which is skipped)."""
    buf = bytes(buf)
    pos = 0

    def varint():
        nonlocal pos
        value = shift = 0
        while True:
            byte = buf[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while pos < len(buf):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, varint()
        elif wire == 2:
            n = varint()
            yield field, buf[pos : pos + n]
            pos += n
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError("unsupported protobuf wire type %d in a Lance index file" % wire)


def _packed_varints(data):
    out, value, shift = [], 0, 0
    for byte in bytes(data):
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            out.append(value)
            value = shift = 0
    return out


_TENSOR_DTYPES = {1: np.float16, 2: np.float32, 3: np.float64, 4: np.uint8}


def _pb_tensor(buf):
    fields = dict(_pb_fields(buf))
    dtype = _TENSOR_DTYPES.get(fields.get(1, 0))
    if dtype is None:
        raise ValueError("unsupported Lance tensor data type %d" % fields.get(1, 0))
    shape = _packed_varints(fields.get(2, b""))
    return np.frombuffer(fields.get(3, b""), dtype=dtype).reshape(shape).astype(np.float32)


def _pb_ivf(buf):
    """offsets, lengths and (when present) centroids of a pb::Ivf."""
    offsets, lengths, centroids = [], [], None
    for field, value in _pb_fields(buf):
        if field == 2:
            offsets += _packed_varints(value) if isinstance(value, bytes) else [value]
        elif field == 3:
            lengths += _packed_varints(value) if isinstance(value, bytes) else [value]
        elif field == 4:
            centroids = _pb_tensor(value)
    return np.array(offsets, np.int64), np.array(lengths, np.int64), centroids


def _lance_index_dir(ds, name):
    """(index type, uuid, directory) of the Lance index ``name``."""
    found = [e for e in ds.describe_indices() if e.name == name]
    if not found:
        raise ValueError("dataset has no Lance index named %r" % name)
    segments = found[0].segments
    if len(segments) != 1:
        raise ValueError("Lance index %r has %d segments; run dataset.optimize.optimize_indices() "
                         "to merge them first" % (name, len(segments)))
    uuid_ = str(segments[0].uuid)
    return found[0].index_type, uuid_, os.path.join(str(ds.uri), "_indices", uuid_)


def read_lance_ivf_pq(dataset, name=None, column="vector"):
    """The Lance IVF_PQ index ``name`` (default ``<column>_idx``) of
    ``dataset``, read from Lance's own files into a faisslike IndexIVFPQ
    (same centroids, codebook, codes and row ids; residual encoding as Lance:
    for l2 / cosine, not for dot). Returns a :class:`LanceIndex` that
    :func:`search` takes. Lance's v3 files (pylance 14) are read through
    pylance's LanceFileReader; the legacy v1 format is not supported."""
    from lance.file import LanceFileReader

    ds = _dataset(dataset)
    name = name or column + "_idx"
    index_type, index_uuid, path = _lance_index_dir(ds, name)
    if index_type != "IVF_PQ":
        raise ValueError("Lance index %r is %s; only IVF_PQ is read" % (name, index_type))
    head = LanceFileReader(os.path.join(path, "index.idx"))
    head_md = head.read_all().to_table().schema.metadata
    metric = _metric_name(json.loads(head_md[b"lance:index"])["distance_type"])
    _, _, centroids = _pb_ivf(head.read_global_buffer(int(head_md[b"lance:ivf"])))

    aux = LanceFileReader(os.path.join(path, "auxiliary.idx"))
    table = aux.read_all().to_table()
    md = table.schema.metadata
    storage = json.loads(json.loads(md[b"storage_metadata"])[0])
    offsets, lengths, _ = _pb_ivf(aux.read_global_buffer(int(md[b"lance:ivf"])))
    codebook = _pb_tensor(aux.read_global_buffer(int(storage["codebook_position"])))
    M, nbits, d = storage["num_sub_vectors"], storage["nbits"], storage["dimension"]
    nlist = len(centroids)
    code_size = (M * nbits + 7) // 8

    faiss_metric = _swig.METRIC_INNER_PRODUCT if metric == "dot" else _swig.METRIC_L2
    quantizer = _swig.IndexFlat(d, faiss_metric)
    quantizer.add(np.ascontiguousarray(centroids))
    index = _swig.IndexIVFPQ(quantizer, d, nlist, M, nbits, faiss_metric)
    index.own_fields = False  # Python keeps quantizer alive (see lifetime.py)
    index.by_residual = metric != "dot"
    copy_array_to_vector(np.ascontiguousarray(codebook).ravel(), index.pq.centroids)
    index.is_trained = True
    index.precompute_table()

    rowids = table["_rowid"].to_numpy().astype(np.int64)
    codes = table["__pq_code"].combine_chunks().flatten().to_numpy().reshape(-1, code_size)
    for part in range(nlist):
        start, n = int(offsets[part]), int(lengths[part])
        if n == 0:
            continue
        block = codes[start : start + n]
        if storage.get("transposed"):
            # Stored sub-vector-major: byte s of row i at s * n + i.
            block = block.reshape(-1).reshape(code_size, n).T
        block = np.ascontiguousarray(block, dtype=np.uint8)
        ids = np.ascontiguousarray(rowids[start : start + n])
        index.invlists.add_entries(part, n, swig_ptr(ids), swig_ptr(block))
        index.ntotal = index.ntotal + n
    info = {
        "column": column,
        "index_type": "IVF_PQ",
        "metric": metric,
        "num_partitions": nlist,
        "num_sub_vectors": M,
        "num_bits": nbits,
        "hnsw_coarse": False,
        "source": "lance index %s (%s)" % (name, index_uuid),
    }
    # Where Lance built it from, so that search() masks rows deleted since
    # and flat-searches the fragments it does not cover, as Lance does.
    segment = [e for e in ds.describe_indices() if e.name == name][0].segments[0]
    info["dataset_version"] = int(segment.dataset_version_at_last_update)
    info["fragment_ids"] = [int(f) for f in segment.fragment_ids]
    return LanceIndex(index, info)


def write_lance_ivf_pq(dataset, lance_index, name=None, replace=True):
    """Makes a Lance IVF_PQ index from a faisslike one (a :class:`LanceIndex`
    from :func:`create_index` with index_type IVF_PQ): Lance's builder gets
    faisslike's coarse centroids and PQ codebook (so it trains nothing) and
    encodes the dataset's rows with them. Lance's codes then equal
    faisslike's except at exact ties for l2 / cosine; for dot they differ
    (Lance encodes a sub-vector by largest inner product, faisslike by
    nearest codeword). Returns the dataset with the new index."""
    ds = _dataset(dataset)
    if lance_index.index_type != "IVF_PQ" or lance_index.info.get("hnsw_coarse"):
        raise ValueError("only IVF_PQ indexes with a flat coarse quantizer map onto Lance's IVF_PQ")
    index = _swig.downcast_index(lance_index.index)
    nlist, d = index.nlist, index.d
    pq = index.pq
    if pq.nbits not in (4, 8):
        raise ValueError("Lance's PQ takes 4 or 8 bits per code, not %d" % pq.nbits)
    if index.by_residual != (lance_index.metric != "dot"):
        raise ValueError("Lance encodes residuals exactly for l2 / cosine; this index has by_residual=%s"
                         % index.by_residual)
    centroids = _swig.downcast_index(index.quantizer).reconstruct_n(0, nlist)
    codebook = vector_to_array(pq.centroids).reshape(pq.M, pq.ksub, pq.dsub)
    return ds.create_index(
        lance_index.column,
        "IVF_PQ",
        name=name or lance_index.column + "_idx",
        metric=lance_index.metric,
        replace=replace,
        num_partitions=nlist,
        num_sub_vectors=pq.M,
        num_bits=pq.nbits,
        ivf_centroids=centroids,
        pq_codebook=codebook,
    )
