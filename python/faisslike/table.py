"""Indexes as Arrow tables, through the Arrow PyCapsule protocol.

Exports are objects with ``__arrow_c_stream__`` (pyarrow, Lance, Polars,
DuckDB take them without a copy: ``pa.RecordBatchReader.from_stream(obj)``,
``pa.table(obj)``); imports take anything that has ``__arrow_c_stream__``
(pyarrow tables and readers, ...) and also Lance datasets and scanners, which
in pylance 14 offer only ``to_reader()``. No pyarrow or Lance is needed to
use this module: the streams are the Arrow C Stream Interface itself.

Tables and columns follow faisslike/table/ (C++): the dataset table is
``{id int64, vector fixed_size_list<float32, d>}``; an index bundle is the
tables ivf / codebook / auxiliary / index / quantizer / data (and idmap /
transform for IndexIDMap / IndexPreTransform wrappers), laid out like
Lance's own vector index files, and importing it gives an index whose search
results are bit-identical to the original's.
"""

from . import swigfaisslike as _swig

__all__ = [
    "ArrowStream",
    "add_from_arrow",
    "export_dataset",
    "export_index_bundle",
    "import_index_bundle",
    "stream_capsule",
]

_ID_MODES = {"auto": 0, "always": 1, "never": 2}


class ArrowStream:
    """An exported table: implements the Arrow PyCapsule protocol.

    Each ``__arrow_c_stream__()`` call exports the table afresh, so the
    object can be read any number of times (an Arrow C stream itself can be
    read only once). Streams that borrow an index's memory keep the index's
    Python object alive until the consumer releases the last array; the
    index must not be modified meanwhile (as with a numpy view).
    """

    def __init__(self, make_capsule, description):
        self._make_capsule = make_capsule
        self._description = description

    def __arrow_c_stream__(self, requested_schema=None):
        # The protocol lets a producer ignore requested_schema (it is a hint
        # for producers that can cast); the layout here is fixed.
        return self._make_capsule()

    def to_pyarrow(self):
        """The table as a pyarrow.Table (needs pyarrow; no copy of the buffers)."""
        import pyarrow as pa

        return pa.RecordBatchReader.from_stream(self).read_all()

    def __repr__(self):
        return "<faisslike.table.ArrowStream %s>" % self._description


def _keep_alive(index, copy):
    return None if copy else index


def export_dataset(index, vector_column="vector", id_column="id", batch_size=65536, copy=False):
    """The vectors of ``index`` as an Arrow table {id_column int64,
    vector_column fixed_size_list<float32, d>}: the labels search returns and
    the stored vectors (decoded, so approximate, for PQ / SQ codes), in
    storage order (list by list for IVF).

    Raw vectors and ids are borrowed, not copied, unless ``copy`` is true.
    Returns an :class:`ArrowStream`.
    """

    def make():
        return _swig.table_export_dataset_capsule(
            index, _keep_alive(index, copy), vector_column, id_column, int(batch_size)
        )

    return ArrowStream(make, "dataset of %s (%d rows)" % (type(index).__name__, index.ntotal))


def stream_capsule(data, columns=None, with_row_id=False):
    """The "arrow_array_stream" PyCapsule of ``data``: a capsule as is, the
    result of ``data.__arrow_c_stream__()``, or for Lance datasets and
    scanners (which have no ``__arrow_c_stream__`` in pylance 14) that of
    ``to_reader()``. For a Lance dataset, only ``columns`` are read (all when
    None), with ``_rowid`` when ``with_row_id``.
    """
    if type(data).__name__ == "PyCapsule":
        return data
    if hasattr(data, "__arrow_c_stream__"):
        return data.__arrow_c_stream__()
    if hasattr(data, "to_reader"):  # lance.LanceScanner
        return data.to_reader().__arrow_c_stream__()
    if hasattr(data, "scanner"):  # lance.LanceDataset
        reader = data.scanner(columns=columns, with_row_id=with_row_id).to_reader()
        return reader.__arrow_c_stream__()
    raise TypeError(
        "expected an object implementing the Arrow PyCapsule protocol "
        "(__arrow_c_stream__), a Lance dataset or scanner, got %s" % type(data).__name__
    )


def add_from_arrow(index, data, column="vector", id_column=None, id_mode=None):
    """Adds every row of an Arrow table to ``index``; returns the number added.

    ``data``: a pyarrow Table / RecordBatchReader, any object with
    ``__arrow_c_stream__``, a Lance dataset or scanner, or a stream capsule.
    ``column`` must be fixed_size_list<float32, index.d> without nulls.

    Ids: with ``id_column`` given, its values (int64, or uint64 below 2^63
    such as Lance's ``_rowid``) go to add_with_ids. Without it, the first of
    "id", "_rowid" present is used, and plain add() is called when there is
    none or when the ids are those add() would give. ``id_mode`` ("auto",
    "always", "never") overrides that choice.

    The producer's buffers are handed to the index as they are (no copy),
    every batch is checked before anything is added, and the GIL is
    released meanwhile.
    """
    if id_column is None:
        id_columns = ["id", "_rowid"]
        mode = id_mode or "auto"
    else:
        id_columns = [id_column]
        mode = id_mode or "always"
    if mode not in _ID_MODES:
        raise ValueError("id_mode must be one of %s, not %r" % (sorted(_ID_MODES), mode))
    with_row_id = "_rowid" in id_columns and mode != "never"
    columns = None
    if hasattr(data, "scanner") and not hasattr(data, "__arrow_c_stream__"):
        # A Lance dataset: read only the columns used (its _rowid is asked for
        # rather than read as a column).
        present = set(data.schema.names)
        columns = [column] + [c for c in id_columns if c in present and c != column]
    capsule = stream_capsule(data, columns=columns, with_row_id=with_row_id)
    return _swig.table_add_from_stream_capsule(index, capsule, column, id_columns, _ID_MODES[mode])


class _BundleExport:
    """The capsules of one export of a bundle, each handed out once; a table
    asked for again triggers a new export."""

    def __init__(self, index, copy, batch_size, hnsw_distances):
        self._args = (index, _keep_alive(index, copy), int(batch_size), bool(hnsw_distances))
        self._capsules = _swig.table_export_index_bundle_capsules(*self._args)
        self.names = sorted(self._capsules)

    def capsule(self, name):
        if name not in self._capsules:
            self._capsules = _swig.table_export_index_bundle_capsules(*self._args)
        return self._capsules.pop(name)


def export_index_bundle(index, copy=False, batch_size=65536, hnsw_distances=True):
    """The index as a dict {table name: :class:`ArrowStream`}, the tables
    laid out like Lance's vector index files (see faisslike/table/index_bundle.h).

    Codes, ids, raw vectors and centroids are borrowed from the index (kept
    alive by the streams) unless ``copy`` is true. Supported: IndexFlat,
    IndexScalarQuantizer, IndexPQ, IndexIVFFlat / IVFPQ / IVFScalarQuantizer
    (flat or HNSW coarse quantizer), IndexIVFHNSW (a graph per list, Lance's
    IVF_HNSW_*), IndexHNSWFlat / PQ / SQ, IndexRefineFlat, and an IndexIDMap /
    IndexIDMap2 and an IndexPreTransform around any of these.
    """
    export = _BundleExport(index, copy, batch_size, hnsw_distances)
    return {
        name: ArrowStream(
            (lambda name=name: export.capsule(name)), "bundle table %r of %s" % (name, type(index).__name__)
        )
        for name in export.names
    }


def import_index_bundle(tables):
    """Rebuilds an index from {table name: Arrow table} (anything
    :func:`stream_capsule` takes: the result of :func:`export_index_bundle`,
    pyarrow tables, Lance datasets, ...). Search results equal the exported
    index's bit for bit."""
    capsules = {str(name): stream_capsule(data) for name, data in tables.items()}
    return _swig.table_import_index_bundle_capsules(capsules)
