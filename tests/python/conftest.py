"""Shared fixtures of the Python tests.

Most tests take the ``faiss`` fixture, which runs them twice: once with
faisslike and once with the real Faiss (the faiss-cpu package) when it is
installed. Both runs make the same assertions, so any behaviour of
faisslike's Python API that differs from Faiss's fails a test. Tests of
what only faisslike has take the ``faisslike`` fixture.

faisslike must be importable: run the tests through scripts/run_tests.sh,
or put build/<preset>/python on PYTHONPATH (or pip install it) first.
"""

import importlib
import os

import pytest

from helpers import clustered

# These tests check the bindings, not parallel speed-ups (the C++ tests cover
# the parallel code). On a busy two-core machine, OpenMP barriers between the
# many small parallel regions of k-means cost more than the work itself, so
# the OpenMP runtimes start with one thread unless told otherwise; the
# threading tests raise it where they need it.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _import_faisslike():
    try:
        return importlib.import_module("faisslike")
    except ImportError as e:
        raise ImportError(
            "the faisslike Python package is not importable: build it (target "
            "swigfaisslike) and put build/<preset>/python on PYTHONPATH, or "
            "pip install build/<preset>/python"
        ) from e


@pytest.fixture(params=["faisslike", "faiss"])
def faiss(request):
    """The module under test: faisslike, then the real Faiss for reference."""
    if request.param == "faisslike":
        return _import_faisslike()
    return pytest.importorskip("faiss", reason="faiss-cpu (the reference) is not installed")


@pytest.fixture
def faisslike():
    return _import_faisslike()


@pytest.fixture(scope="session")
def dataset():
    """A small train / database / query split: d = 32."""
    d = 32
    return {
        "d": d,
        "xt": clustered(2000, d, seed=1),
        "xb": clustered(2000, d, seed=2),
        "xq": clustered(50, d, seed=3),
    }
