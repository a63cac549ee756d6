"""reverse_index_factory: the factory string of an index's structure.

faisslike has it as faiss.reverse_index_factory (as Faiss's C++ bindings
do); faiss-cpu 1.15 has it in faiss.contrib.factory_tools, which the shared
tests use for the reference run.
"""

import importlib

import numpy as np
import pytest

# (factory string, the structure's canonical string)
CASES = [
    ("Flat", "Flat"),
    ("PQ8np", "PQ8x8"),
    ("PQ4x10np", "PQ4x10"),
    ("SQ4", "SQ4"),
    ("SQ6", "SQ6"),
    ("SQ8", "SQ8"),
    ("SQfp16", "SQfp16"),
    ("SQbf16", "SQbf16"),
    ("SQ8_direct", "SQ8_direct"),
    ("SQ8_direct_signed", "SQ8_direct_signed"),
    ("IVF16,Flat", "IVF16,Flat"),
    ("IVF2k,Flat", "IVF2048,Flat"),
    ("IVF16,PQ8x4np", "IVF16,PQ8x4"),
    ("IVF16,SQ8", "IVF16,SQ8"),
    ("IVF16_HNSW8,SQfp16", "IVF16_HNSW8,SQfp16"),
    ("HNSW16", "HNSW16"),
    ("HNSW16_PQ8", "HNSW16,PQ8x8"),
    ("HNSW16_SQ8", "HNSW16,SQ8"),
    ("OPQ8,PQ8np", "OPQ8_32,PQ8x8"),
    ("OPQ8_16,IVF16,PQ8np", "OPQ8_16,IVF16,PQ8x8"),
    ("PCA16,Flat", "PCA16,Flat"),
    ("PCAR16,IVF16,SQ8", "PCAR16,IVF16,SQ8"),
    ("IDMap,Flat", "IDMap,Flat"),
    ("IDMap2,OPQ8,IVF16,PQ8np", "IDMap2,OPQ8_32,IVF16,PQ8x8"),
    ("IVF16,Flat,RFlat", "IVF16,Flat,Refine(Flat)"),
    ("IVF16,PQ8np,Refine(SQfp16)", "IVF16,PQ8x8,Refine(SQfp16)"),
]


def reverse_index_factory(module):
    try:
        return importlib.import_module(module.__name__ + ".contrib.factory_tools").reverse_index_factory
    except ImportError:
        return module.reverse_index_factory


@pytest.mark.parametrize("description,expected", CASES)
def test_canonical_string_and_round_trip(faiss, description, expected):
    reverse = reverse_index_factory(faiss)
    index = faiss.index_factory(32, description)
    assert reverse(index) == expected
    # The string builds the same structure: the untrained indexes write the same bytes.
    rebuilt = faiss.index_factory(32, expected)
    assert reverse(rebuilt) == expected
    np.testing.assert_array_equal(faiss.serialize_index(rebuilt), faiss.serialize_index(index))


def test_ivf_over_a_custom_quantizer(faiss):
    quantizer = faiss.IndexPQ(16, 4, 8)
    index = faiss.IndexIVFFlat(quantizer, 16, 32)
    assert reverse_index_factory(faiss)(index) == "IVF32(PQ4x8),Flat"


def test_faisslike_names_whitened_pca_and_refuses_the_rest(faisslike):
    index = faisslike.index_factory(32, "PCAW16,Flat")
    assert faisslike.reverse_index_factory(index) == "PCAW16,Flat"
    for description in ("RR16,Flat", "L2norm,Flat", "PCA16,RR16,Flat"):
        with pytest.raises(RuntimeError, match="reverse_index_factory"):
            faisslike.reverse_index_factory(faisslike.index_factory(32, description))
    # An OPQ rotation read from a file is a plain LinearTransform (as in Faiss).
    opq = faisslike.index_factory(32, "OPQ8,Flat")
    loaded = faisslike.deserialize_index(faisslike.serialize_index(opq))
    with pytest.raises(RuntimeError, match="LinearTransform"):
        faisslike.reverse_index_factory(loaded)
