"""Moving data between numpy arrays and the C++ objects.

The wrapped C++ functions take raw pointers; ``swig_ptr`` makes one from a
C-contiguous array without copying it, ``rev_swig_ptr`` views C++ memory as
a numpy array. The ``as_*`` helpers give the numpy methods the argument
handling of Faiss's wrappers: inputs converted to the dtype the C++ side
wants (a copy only when the array is not already C-contiguous of that
dtype), and shapes checked before any C++ code runs, with Faiss's exception
types (AssertionError for a wrong dimension or size) and messages that say
what was expected.
"""

import operator

import numpy as np

from . import swigfaisslike as _swig

swig_ptr = _swig.swig_ptr


def rev_swig_ptr(ptr, n):
    """A numpy view of n items at a C++ pointer (float*, idx_t*, uint8_t*,
    ...). Not a copy: the C++ memory must outlive the array."""
    return np.asarray(_swig.memoryview_from_ptr(ptr, int(n)))


_VECTOR_DTYPES = {
    "Float32Vector": np.float32,
    "Float64Vector": np.float64,
    "Int32Vector": np.int32,
    "Int64Vector": np.int64,
    "UInt8Vector": np.uint8,
    "UInt64Vector": np.uint64,
    "MaybeOwnedUInt8Vector": np.uint8,
}


def _vector_dtype(v):
    try:
        return _VECTOR_DTYPES[type(v).__name__]
    except KeyError:
        raise TypeError(
            "expected a std::vector of numbers (Float32Vector, Int64Vector, ...), "
            "got %s" % type(v).__name__
        ) from None


def vector_to_array(v):
    """Copies a wrapped std::vector (for example ``index.id_map`` or
    ``pca.A``) into a new numpy array of the matching dtype."""
    dtype = _vector_dtype(v)
    n = v.size()
    if n == 0:
        return np.empty(0, dtype=dtype)
    return rev_swig_ptr(v.data(), n).copy()


def copy_array_to_vector(a, v):
    """Replaces the content of a wrapped std::vector with the items of a."""
    a = np.ascontiguousarray(a, dtype=_vector_dtype(v)).ravel()
    v.resize(a.size)
    if a.size:
        rev_swig_ptr(v.data(), a.size)[:] = a


# Faiss's older, typed names for the same conversions.
vector_float_to_array = vector_to_array
vector_to_array_float = vector_to_array


def as_matrix(x, d, what, dtype=np.float32):
    """x as an (n, d) C-contiguous array of dtype. A wrong number of
    dimensions raises ValueError (as unpacking x.shape does in Faiss), a
    wrong row length AssertionError."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(
            "%s must be a 2-D array of shape (n, %d), got shape %s" % (what, d, x.shape)
        )
    if x.shape[1] != d:
        raise AssertionError(
            "%s have dimension %d, expected %d" % (what, x.shape[1], d)
        )
    return np.ascontiguousarray(x, dtype=dtype)


def as_ids(ids, n=None, what="ids"):
    """ids as a 1-D C-contiguous int64 array, of length n when given."""
    if not isinstance(ids, np.ndarray):
        ids = np.asarray(ids)
    if ids.ndim != 1 or (n is not None and ids.shape[0] != n):
        expected = "(%d,)" % n if n is not None else "(n,)"
        raise AssertionError(
            "%s must have shape %s, got %s" % (what, expected, ids.shape)
        )
    return np.ascontiguousarray(ids, dtype=np.int64)


def as_codes(codes, code_size):
    """codes as an (n, code_size) C-contiguous uint8 array. Codes of another
    dtype are refused with TypeError, as in Faiss: whether to cast or to
    reinterpret them is the caller's choice."""
    if not isinstance(codes, np.ndarray) or codes.dtype != np.uint8:
        raise TypeError(
            "codes must be a numpy array of dtype uint8, got %s"
            % getattr(codes, "dtype", type(codes).__name__)
        )
    if codes.ndim != 2 or codes.shape[1] != code_size:
        raise AssertionError(
            "codes must have shape (n, %d), got %s" % (code_size, codes.shape)
        )
    return np.ascontiguousarray(codes)


def as_count(k, what="k"):
    """k as a positive Python int (a float k raises TypeError)."""
    k = operator.index(k)
    if k <= 0:
        raise AssertionError("%s must be > 0, got %d" % (what, k))
    return k


def output_array(out, shape, dtype, what):
    """A new array of that shape and dtype, or the caller's ``out`` after
    checking that the C++ code can write the results into it in place."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError("%s must be a numpy array, got %s" % (what, type(out).__name__))
    if out.shape != tuple(shape):
        raise AssertionError(
            "%s must have shape %s, got %s" % (what, tuple(shape), out.shape)
        )
    if out.dtype != dtype:
        raise TypeError(
            "%s must have dtype %s, got %s" % (what, np.dtype(dtype), out.dtype)
        )
    if not (out.flags.c_contiguous and out.flags.writeable):
        raise ValueError("%s must be a writable C-contiguous array" % what)
    return out
