"""OPQMatrix and the "OPQ<M>[_<d>]" factory prefix through the numpy API.

The shared tests run with faisslike and with the real Faiss and make the same
assertions. OPQ training is random in both (and differently so), so they
compare behaviours (orthonormality, error reduction, recall), never numbers;
test_same_behaviour_as_faiss puts the two side by side.
"""

import numpy as np
import pytest

from helpers import brute_force, recall_at


def anisotropic(n, d, seed, offset=0.0):
    """Standard deviation 0.8^j along axis j: the variance sits in the first
    PQ sub-spaces, the case OPQ is for."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * 0.8 ** np.arange(d) + offset).astype(np.float32)


def opq_of(faiss, index):
    return faiss.downcast_VectorTransform(index.chain.at(0))


def factory(faiss, d, description, niter=10):
    """index_factory with fewer OPQ iterations than the default 50 (Faiss's
    training takes tens of seconds on a small machine otherwise)."""
    index = faiss.index_factory(d, description)
    if isinstance(index, faiss.IndexPreTransform) and isinstance(opq_of(faiss, index), faiss.OPQMatrix):
        opq_of(faiss, index).niter = niter
    return index


def reconstruction_error(index, xt, x):
    index.train(xt)
    index.add(x)
    return float(((index.reconstruct_n(0, len(x)) - x) ** 2).sum(1).mean())


def test_fields_and_defaults(faiss):
    opq = faiss.OPQMatrix(64, 16)
    assert (opq.d_in, opq.d_out, opq.M) == (64, 64, 16)
    assert (opq.niter, opq.niter_pq, opq.niter_pq_0) == (50, 4, 40)
    assert opq.max_train_points == 256 * 256
    assert not opq.verbose and not opq.is_trained
    assert opq.pq is None
    assert faiss.OPQMatrix(64, 8, 32).d_out == 32
    opq.niter = 7
    assert opq.niter == 7


def test_rotation_is_orthonormal(faiss):
    d = 32
    x = anisotropic(2000, d, 1)
    opq = faiss.OPQMatrix(d, 8)
    opq.niter = 5
    opq.train(x)
    assert opq.is_trained and opq.is_orthonormal
    A = faiss.vector_to_array(opq.A).reshape(d, d)
    np.testing.assert_allclose(A @ A.T, np.eye(d), atol=1e-4)
    y = opq.apply(x[:20])
    np.testing.assert_allclose(y, x[:20] @ A.T, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(opq.apply_py(x[:20]), y)
    np.testing.assert_allclose(opq.reverse_transform(y), x[:20], atol=1e-4)


def test_lowers_pq_error_on_anisotropic_data(faiss):
    d = 32
    xt = anisotropic(3000, d, 2, offset=3.0)
    x = anisotropic(1000, d, 3, offset=3.0)
    err_pq = reconstruction_error(faiss.index_factory(d, "PQ8np"), xt, x)
    err_opq = reconstruction_error(factory(faiss, d, "OPQ8,PQ8np"), xt, x)
    # About 0.29x with 10 iterations, with either library.
    assert err_opq < 0.4 * err_pq, (err_opq, err_pq)


def test_output_dimension(faiss):
    d = 32
    xt = anisotropic(3000, d, 4)
    x = anisotropic(500, d, 5)
    # Fewer output dimensions: a projection that keeps the variance.
    index = factory(faiss, d, "OPQ4_16,PQ4np")
    assert index.index.d == 16
    err_opq = reconstruction_error(index, xt, x)
    A = faiss.vector_to_array(opq_of(faiss, index).A).reshape(16, d)
    np.testing.assert_allclose(A @ A.T, np.eye(16), atol=1e-4)
    err_random = reconstruction_error(faiss.index_factory(d, "RR16,PQ4np"), xt, x)
    assert err_opq < 0.25 * err_random, (err_opq, err_random)
    # More output dimensions: orthonormal columns, exactly invertible.
    opq = faiss.OPQMatrix(16, 4, 24)
    opq.niter = 3
    xs = np.ascontiguousarray(xt[:, :16])
    opq.train(xs)
    y = opq.apply(xs[:10])
    assert y.shape == (10, 24)
    np.testing.assert_allclose(opq.reverse_transform(y), xs[:10], atol=1e-4)


def test_raises_ivf_pq_recall(faiss):
    d = 32
    xt, xb, xq = anisotropic(3000, d, 12), anisotropic(2000, d, 13), anisotropic(50, d, 14)
    _, gt = brute_force(xq, xb, 10)
    recall = {}
    for description in ("IVF16,PQ8np", "OPQ8,IVF16,PQ8np"):
        index = factory(faiss, d, description)
        index.train(xt)
        index.add(xb)
        faiss.extract_index_ivf(index).nprobe = 16
        recall[description] = recall_at(index.search(xq, 10)[1], gt, 10)
    # About 0.66 -> 0.87 with either library.
    assert recall["OPQ8,IVF16,PQ8np"] > 0.8, recall
    assert recall["OPQ8,IVF16,PQ8np"] > recall["IVF16,PQ8np"] + 0.1, recall


def test_user_product_quantizer(faiss):
    d = 32
    x = anisotropic(2000, d, 6)
    pq = faiss.ProductQuantizer(d, 8, 6)
    opq = faiss.OPQMatrix(d, 8)
    opq.niter = 4
    opq.pq = pq
    assert opq.pq is not None and opq.pq.ksub == 64
    opq.train(x)
    assert pq.centroids.size() == d * 64
    # It learnt the rotated (centred) data: it encodes it better than the raw data.
    xc = x - x.mean(0)

    def error(v):
        return ((pq.decode(pq.compute_codes(v)) - v) ** 2).sum(1).mean()

    assert error(opq.apply(xc)) < 0.5 * error(xc)


def test_downcast_and_files(faiss):
    d = 32
    index = factory(faiss, d, "OPQ8,PQ8np", niter=2)
    assert isinstance(opq_of(faiss, index), faiss.OPQMatrix)
    xt = anisotropic(1000, d, 7)
    index.train(xt)
    index.add(xt)
    # Files keep the rotation as a plain LinearTransform.
    loaded = faiss.deserialize_index(faiss.serialize_index(index))
    vt = opq_of(faiss, loaded)
    assert type(vt) is faiss.LinearTransform
    np.testing.assert_array_equal(faiss.vector_to_array(vt.A), faiss.vector_to_array(opq_of(faiss, index).A))
    np.testing.assert_array_equal(loaded.search(xt[:10], 5)[1], index.search(xt[:10], 5)[1])


def test_bad_input(faiss):
    x = anisotropic(1000, 16, 8)
    with pytest.raises(RuntimeError):
        faiss.OPQMatrix(30, 16).train(anisotropic(1000, 30, 8))  # 30 % 16 != 0
    opq = faiss.OPQMatrix(16, 4)
    opq.niter = 2
    with pytest.raises(RuntimeError):
        opq.train(x[:100])  # fewer vectors than the 256 centroids per sub-quantizer
    x[500, 3] = np.nan
    with pytest.raises(RuntimeError):
        opq.train(x)


def test_faisslike_errors_are_early_and_clear(faisslike):
    with pytest.raises(RuntimeError, match="positive multiple of M"):
        faisslike.OPQMatrix(30, 16)
    with pytest.raises(RuntimeError, match="OPQ16"):
        faisslike.index_factory(30, "OPQ16,IVF16,Flat")
    with pytest.raises(RuntimeError, match="could not parse index string.*OPQ16x"):
        faisslike.index_factory(32, "OPQ16x,IVF16,Flat")
    opq = faisslike.OPQMatrix(16, 4)
    with pytest.raises(RuntimeError, match="at least 256"):
        opq.train(anisotropic(100, 16, 9))
    assert not opq.is_trained


def test_same_behaviour_as_faiss(faisslike):
    faiss = pytest.importorskip("faiss")
    d = 32
    xt = anisotropic(3000, d, 10, offset=1.0)
    x = anisotropic(1000, d, 11, offset=1.0)
    errors = {}
    for module in (faisslike, faiss):
        errors[module.__name__] = [
            reconstruction_error(factory(module, d, description), xt, x)
            for description in ("OPQ8,PQ8np", "OPQ4_16,PQ4np")
        ]
    # The same algorithm: the same quality up to the randomness of training.
    np.testing.assert_allclose(errors["faisslike"], errors["faiss"], rtol=0.15)
