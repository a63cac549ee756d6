"""write_index / read_index, serialize_index / deserialize_index through
the Python API, and files exchanged with the real Faiss."""

import numpy as np
import pytest

FACTORIES = ["Flat", "IVF16,Flat", "IVF16,SQ8", "PQ8x4np", "HNSW16", "IDMap2,Flat", "PCA16,IVF16,Flat"]


def same_class(loaded, index):
    """The file keeps the class, or makes it more specific (an IndexFlat of
    metric L2 is stored, and read back, as an IndexFlatL2)."""
    return type(index).__name__ in [cls.__name__ for cls in type(loaded).__mro__]


def build(module, description, dataset):
    index = module.index_factory(dataset["d"], description)
    index.train(dataset["xt"])
    if isinstance(index, module.IndexIDMap):
        index.add_with_ids(dataset["xb"], np.arange(len(dataset["xb"])) * 7)
    else:
        index.add(dataset["xb"])
    return index


@pytest.mark.parametrize("description", FACTORIES)
def test_file_round_trip(faiss, dataset, tmp_path, description):
    index = build(faiss, description, dataset)
    path = str(tmp_path / "index.faiss")
    faiss.write_index(index, path)
    loaded = faiss.read_index(path)
    assert same_class(loaded, index) and loaded.ntotal == index.ntotal
    np.testing.assert_array_equal(loaded.search(dataset["xq"], 5)[1], index.search(dataset["xq"], 5)[1])


def test_serialize_round_trip(faiss, dataset):
    index = build(faiss, "IVF16,Flat", dataset)
    data = faiss.serialize_index(index)
    assert data.dtype == np.uint8 and data.ndim == 1
    loaded = faiss.deserialize_index(data)
    assert isinstance(loaded, faiss.IndexIVFFlat)
    np.testing.assert_array_equal(faiss.serialize_index(loaded), data)


def test_deserialize_from_bytes(faisslike, dataset):
    index = build(faisslike, "Flat", dataset)
    loaded = faisslike.deserialize_index(faisslike.serialize_index(index).tobytes())
    assert loaded.ntotal == index.ntotal


@pytest.mark.parametrize("description", FACTORIES)
@pytest.mark.parametrize("writer", ["faisslike", "faiss"])
def test_files_exchanged_with_faiss(faisslike, dataset, tmp_path, description, writer):
    """A file written by one library loads in the other with the same results."""
    faiss = pytest.importorskip("faiss", reason="faiss-cpu (the reference) is not installed")
    source, target = (faisslike, faiss) if writer == "faisslike" else (faiss, faisslike)
    index = build(source, description, dataset)
    path = str(tmp_path / "index.faiss")
    source.write_index(index, path)
    loaded = target.read_index(path)
    assert same_class(loaded, index)
    for ivf in (source.try_extract_index_ivf(index), target.try_extract_index_ivf(loaded)):
        if ivf is not None:
            ivf.nprobe = 4
    D, I = index.search(dataset["xq"], 5)
    D2, I2 = loaded.search(dataset["xq"], 5)
    np.testing.assert_allclose(D2, D, rtol=1e-4, atol=1e-3)
    assert (I2 == I).mean() > 0.98
