"""faisslike: Faiss's Python API over libfaisslike.

``import faisslike as faiss`` runs code written for Faiss unchanged: the same
classes (IndexFlatL2, IndexIVFFlat, IndexHNSWFlat, ...), numpy methods
(``D, I = index.search(xq, k)``), functions (index_factory, write_index,
normalize_L2, knn, Kmeans, ...) and errors (RuntimeError with the C++
message; AssertionError for an array of the wrong dimension).

The classes and functions come from the SWIG module ``swigfaisslike``; the
modules of this package turn its pointer-based methods into numpy ones
(class_wrappers), keep C++ objects alive while others point to them
(lifetime), and add the numpy-level helpers (extra_wrappers). Every C++ call
releases the GIL, so searches in several Python threads run in parallel; and,
as in Faiss, Ctrl-C interrupts a long train, add or search with
KeyboardInterrupt (PythonInterruptCallback, installed at import), leaving the
index as it was before the call.
"""

import inspect as _inspect

# The SWIG module first: the numpy-level functions below replace some of its
# pointer-based ones (deserialize_index, ...).
from .swigfaisslike import *  # noqa: F401,F403

from . import class_wrappers as _class_wrappers
from . import lifetime as _lifetime
from . import swigfaisslike as _swig
from .array_conversions import (  # noqa: F401
    copy_array_to_vector,
    rev_swig_ptr,
    swig_ptr,
    vector_float_to_array,
    vector_to_array,
    vector_to_array_float,
)
from .extra_wrappers import (  # noqa: F401
    Kmeans,
    deserialize_index,
    knn,
    normalize_L2,
    serialize_index,
)

__version__ = "@PROJECT_VERSION@"

# Faiss's other names for some classes.
IDSelectorXor = _swig.IDSelectorXOr
IVFSearchParameters = _swig.SearchParametersIVF
SearchParametersRefine = _swig.IndexRefineSearchParameters

_class_wrappers.handle_Clustering(_swig.Clustering)
_class_wrappers.handle_IDSelectorSubset(_swig.IDSelectorBatch, "int64")
_class_wrappers.handle_IDSelectorSubset(_swig.IDSelectorArray, "int64")
_class_wrappers.handle_IDSelectorSubset(_swig.IDSelectorBitmap, "uint8")

for _cls in list(vars(_swig).values()):
    if not (_inspect.isclass(_cls) and _lifetime.is_wrapped_class(_cls)):
        continue
    if issubclass(_cls, _swig.Index):
        _class_wrappers.handle_Index(_cls)
    if issubclass(_cls, _swig.IndexIVF):
        _class_wrappers.handle_IndexIVF(_cls)
    if issubclass(_cls, _swig.VectorTransform):
        _class_wrappers.handle_VectorTransform(_cls)
    if issubclass(_cls, (_swig.ProductQuantizer, _swig.ScalarQuantizer)):
        _class_wrappers.handle_Quantizer(_cls)
    if issubclass(_cls, _swig.SearchParameters):
        _class_wrappers.handle_SearchParameters(_cls)
    _lifetime.handle_class(_cls)

globals().update(_lifetime.handle_methods())

del _cls
