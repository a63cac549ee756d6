"""Reference computations shared by the Python tests (numpy only)."""

import numpy as np


def clustered(n, d, seed, nclusters=20):
    """n float32 vectors around nclusters random centres (so that IVF and
    graph indexes have structure to exploit), seeded."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(nclusters, d)) * 4
    x = centres[rng.integers(0, nclusters, n)] + rng.normal(size=(n, d))
    return x.astype(np.float32)


def brute_force(xq, xb, k, metric="L2"):
    """Exact (D, I) computed with numpy in float64: the reference results."""
    xq = xq.astype(np.float64)
    xb = xb.astype(np.float64)
    if metric == "L2":
        dis = (xq**2).sum(1)[:, None] + (xb**2).sum(1)[None, :] - 2 * xq @ xb.T
        order = np.argsort(dis, axis=1, kind="stable")[:, :k]
    else:
        dis = xq @ xb.T
        order = np.argsort(-dis, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(dis, order, axis=1), order


def recall_at(I, gt, k):
    """Fraction of the true k nearest neighbours found in I[:, :k]."""
    hits = sum(len(set(I[i, :k]) & set(gt[i, :k])) for i in range(len(gt)))
    return hits / (len(gt) * k)


def assert_same_knn(D, I, D_ref, I_ref, rtol=1e-4):
    """D and I are the k-NN results D_ref, I_ref up to float rounding: the
    distances agree, and labels differ only between (near-)tied neighbours."""
    scale = max(1.0, float(np.abs(D_ref).max()))
    np.testing.assert_allclose(D, D_ref, rtol=rtol, atol=rtol * scale)
    differ = I != I_ref
    if differ.any():
        ties = np.abs(D - D_ref)[differ] <= 2 * rtol * scale
        assert ties.all(), "labels differ where distances are not tied"
