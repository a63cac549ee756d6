"""Errors raise Faiss's exception types: AssertionError for arrays of the
wrong shape and k <= 0 (checked in Python), RuntimeError for what the C++
library refuses, TypeError / ValueError / AttributeError where Faiss raises
them. faisslike's messages also say what was expected."""

import numpy as np
import pytest


@pytest.fixture
def flat(faiss, dataset):
    index = faiss.IndexFlatL2(dataset["d"])
    index.add(dataset["xb"])
    return index


def test_wrong_dimension(faiss, flat, dataset):
    wrong = np.zeros((3, dataset["d"] + 1), dtype=np.float32)
    for call in (lambda: flat.search(wrong, 1), lambda: flat.add(wrong),
                 lambda: flat.train(wrong), lambda: flat.assign(wrong, 1),
                 lambda: flat.range_search(wrong, 1.0)):
        with pytest.raises(AssertionError):
            call()
    assert flat.ntotal == len(dataset["xb"])


def test_wrong_dimension_message_names_expected(faisslike, dataset):
    index = faisslike.IndexFlatL2(dataset["d"])
    with pytest.raises(AssertionError, match="dimension %d, expected %d" % (dataset["d"] + 1, dataset["d"])):
        index.add(np.zeros((2, dataset["d"] + 1), dtype=np.float32))


def test_one_dimensional_queries(flat, dataset):
    with pytest.raises(ValueError):
        flat.search(dataset["xq"][0], 1)


@pytest.mark.parametrize("k", [0, -1])
def test_k_not_positive(flat, dataset, k):
    with pytest.raises(AssertionError):
        flat.search(dataset["xq"], k)


def test_k_not_integer(flat, dataset):
    with pytest.raises(TypeError):
        flat.search(dataset["xq"], 2.0)


def test_wrong_output_shape(flat, dataset):
    with pytest.raises(AssertionError):
        flat.search(dataset["xq"], 2, D=np.empty((1, 1), dtype=np.float32))


def test_ids_of_wrong_length(faiss, dataset):
    index = faiss.IndexIDMap(faiss.IndexFlatL2(dataset["d"]))
    with pytest.raises(AssertionError):
        index.add_with_ids(dataset["xb"], np.arange(len(dataset["xb"]) - 1))
    assert index.ntotal == 0


def test_untrained_add(faiss, dataset):
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dataset["d"]), dataset["d"], 8)
    with pytest.raises(RuntimeError):
        index.add(dataset["xb"])
    assert index.ntotal == 0


def test_add_with_ids_unsupported(flat, dataset):
    with pytest.raises(RuntimeError, match="add_with_ids not implemented"):
        flat.add_with_ids(dataset["xb"][:2], np.arange(2))


def test_bad_factory_string(faiss):
    with pytest.raises(RuntimeError, match="could not parse"):
        faiss.index_factory(16, "IVF16,NoSuchCode")


def test_missing_file(faiss, tmp_path):
    with pytest.raises(RuntimeError):
        faiss.read_index(str(tmp_path / "missing.index"))


def test_corrupt_serialized_index(faiss):
    with pytest.raises(RuntimeError):
        faiss.deserialize_index(np.zeros(16, dtype=np.uint8))


def test_reconstruct_without_direct_map(faiss, dataset):
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dataset["d"]), dataset["d"], 8)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    with pytest.raises(RuntimeError, match="direct map not initialized"):
        index.reconstruct(3)
    index.make_direct_map()
    np.testing.assert_array_equal(index.reconstruct(3), dataset["xb"][3])


def test_codes_must_be_uint8(flat):
    with pytest.raises(TypeError):
        flat.sa_decode(np.zeros((2, flat.sa_code_size()), dtype=np.float32))


def test_unknown_attribute(faiss, flat):
    with pytest.raises(AttributeError):
        flat.nprobe = 4
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(8), 8, 4)
    with pytest.raises(AttributeError):
        ivf.nprob = 4
    ivf.nprobe = 3
    assert ivf.nprobe == 3


def test_unknown_search_parameter(faiss):
    with pytest.raises(AssertionError):
        faiss.SearchParametersIVF(nprob=3)


def test_normalize_L2_refuses_copies(faiss):
    with pytest.raises(TypeError):
        faiss.normalize_L2(np.ones((2, 4), dtype=np.float64))
    with pytest.raises(ValueError):
        faiss.normalize_L2(np.ones((4, 2), dtype=np.float32).T)


def test_failed_call_leaves_index_usable(faiss, flat, dataset):
    ntotal = flat.ntotal
    with pytest.raises(AssertionError):
        flat.add(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(RuntimeError):
        flat.reconstruct(ntotal + 5)
    assert flat.ntotal == ntotal
    D, I = flat.search(dataset["xq"][:2], 1)
    assert (I >= 0).all()
