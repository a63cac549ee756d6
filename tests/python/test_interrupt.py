"""Ctrl-C during a long train, add or search: the call raises KeyboardInterrupt
while it runs (Faiss does the same: its Python module also installs a callback
that runs the signal handlers while the C++ code works) and the index stays
usable. faisslike also leaves it exactly as it was before the call, which
Faiss does not promise, so those checks are faisslike's only. The GIL is
released meanwhile, so other Python threads run.

Each workload would last many seconds; SIGINT comes after 0.2 s. Besides the
exception, each test checks that the call really stopped early (the output
it did not reach, or the state it did not commit): a Ctrl-C noticed only
once the call returned would also raise KeyboardInterrupt."""

import contextlib
import os
import signal
import threading
import time

import numpy as np
import pytest

from helpers import assert_same_knn, brute_force, clustered


def _random(n, d, seed):
    return np.random.default_rng(seed).standard_normal((n, d), dtype=np.float32)


@contextlib.contextmanager
def _sigint_after(seconds):
    """Python's default SIGINT handler (KeyboardInterrupt), and a SIGINT to
    this process after `seconds`."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _omp_threads(faiss, n):
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _is_faisslike(faiss):
    return faiss.__name__ == "faisslike"


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_interrupts_flat_search(faiss, threads):
    d, k = 64, 10
    index = faiss.IndexFlatL2(d)
    index.add(_random(20000, d, 1))
    xq = _random(200000, d, 2)  # about 0.5 TFLOP: many seconds
    expected = index.search(xq[:50], k)
    D = np.zeros((len(xq), k), dtype=np.float32)
    I = np.full((len(xq), k), -7, dtype=np.int64)
    with _omp_threads(faiss, threads):
        with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
            index.search(xq, k, D=D, I=I)
    # The last queries were never answered (not even merged into the output).
    assert (I[-1] < 0).all()
    D2, I2 = index.search(xq[:50], k)
    np.testing.assert_array_equal(I2, expected[1])
    np.testing.assert_array_equal(D2, expected[0])


def test_ctrl_c_interrupts_ivf_train(faiss):
    d, nlist = 64, 1024
    xt = _random(100000, d, 3)  # 13 GFLOP per k-means iteration, 25 iterations
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, nlist)
    with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
        index.train(xt)
    assert not index.is_trained
    if _is_faisslike(faiss):
        # No half-trained coarse quantizer is left behind.
        assert index.quantizer.ntotal == 0
    # Still usable: train quickly, then search exactly (all lists probed).
    index.cp.niter = 2
    index.train(xt[:20000])
    assert index.is_trained
    xb, xq = clustered(3000, d, seed=4), clustered(20, d, seed=5)
    index.add(xb)
    index.nprobe = nlist
    D, I = index.search(xq, 5)
    assert_same_knn(D, I, *brute_force(xq, xb, 5))


def test_ctrl_c_interrupts_ivf_add(faiss):
    d, nlist = 64, 4096
    quantizer = faiss.IndexFlatL2(d)
    quantizer.add(_random(nlist, d, 6))  # trained as is: no k-means
    index = faiss.IndexIVFFlat(quantizer, d, nlist)
    assert index.is_trained
    xb = _random(1000, d, 7)
    index.add(xb)
    index.nprobe = 16
    xq = xb[:20] + 0.01
    expected = index.search(xq, 5)
    xadd = _random(200000, d, 8)  # assigning them to lists: 100 GFLOP
    with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
        index.add(xadd)
    assert index.ntotal < len(xb) + len(xadd)  # stopped early
    if _is_faisslike(faiss):
        assert index.ntotal == len(xb)
        D, I = index.search(xq, 5)
        np.testing.assert_array_equal(I, expected[1])
        np.testing.assert_array_equal(D, expected[0])
    ntotal = index.ntotal
    index.add(xb[:10])  # still accepts vectors
    assert index.ntotal == ntotal + 10


def test_ctrl_c_interrupts_hnsw_add(faiss):
    d = 32
    index = faiss.IndexHNSWFlat(d, 16)
    xadd = _random(100000, d, 9)  # a graph of 100k nodes: many seconds
    with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
        index.add(xadd)
    if not _is_faisslike(faiss):
        return  # Faiss keeps the vectors of an interrupted add, half linked
    assert index.ntotal == 0
    assert index.hnsw.entry_point == -1
    xb, xq = clustered(2000, d, seed=10), clustered(20, d, seed=11)
    index.add(xb)
    index.hnsw.efSearch = 64
    _, I = index.search(xq, 1)
    _, gt = brute_force(xq, xb, 1)
    assert (I == gt).mean() >= 0.9


def test_ctrl_c_hnsw_add_into_filled_index_leaves_it_unchanged(faisslike):
    """The old nodes' neighbour lists that the interrupted add had changed are
    put back: the index serialises to the same bytes (faisslike only)."""
    d = 32
    index = faisslike.IndexHNSWFlat(d, 16)
    index.add(_random(2000, d, 17))
    before = faisslike.serialize_index(index)
    with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
        index.add(_random(100000, d, 18))
    np.testing.assert_array_equal(faisslike.serialize_index(index), before)


def test_signal_handler_may_clear_the_callback(faisslike):
    """A handler run by the poll itself turns interrupts off: the call goes on
    to completion (Faiss would deadlock: its poll holds the lock that
    clear_instance takes)."""
    d, k = 64, 10
    index = faisslike.IndexFlatL2(d)
    index.add(_random(20000, d, 19))
    xq = _random(100000, d, 20)
    seen_running = []
    running = [True]

    def handler(signum, frame):
        faisslike.InterruptCallback.clear_instance()
        seen_running.append(running[0])

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGUSR1))
    timer.start()
    try:
        D, I = index.search(xq, k)
        running[0] = False
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGUSR1, previous)
        faisslike.PythonInterruptCallback.reset()
    if seen_running != [True]:
        pytest.skip("the search ended before the signal came")
    D2, I2 = index.search(xq[-50:], k)
    np.testing.assert_array_equal(I[-50:], I2)
    np.testing.assert_array_equal(D[-50:], D2)


def test_timeout_callback_raises_runtime_error(faiss):
    """A callback other than Ctrl-C's interrupts with RuntimeError, as in Faiss;
    PythonInterruptCallback.reset() puts Ctrl-C's back."""
    d = 64
    index = faiss.IndexFlatL2(d)
    index.add(_random(20000, d, 12))
    xq = _random(200000, d, 13)
    I = np.full((len(xq), 1), -7, dtype=np.int64)
    D = np.zeros((len(xq), 1), dtype=np.float32)
    try:
        faiss.TimeoutCallback.reset(0.2)
        with pytest.raises(RuntimeError, match="computation interrupted"):
            index.search(xq, 1, D=D, I=I)
        assert (I[-1] < 0).all()
    finally:
        faiss.PythonInterruptCallback.reset()
    with pytest.raises(KeyboardInterrupt), _sigint_after(0.2):
        index.search(xq, 1, D=D, I=I)


def _ivf_train(faiss):
    d, nlist = 32, 256
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, nlist)
    xt = _random(30000, d, 14)
    return lambda: index.train(xt)


def _ivf_add(faiss):
    d, nlist = 32, 1024
    quantizer = faiss.IndexFlatL2(d)
    quantizer.add(_random(nlist, d, 15))
    index = faiss.IndexIVFFlat(quantizer, d, nlist)
    xb = _random(150000, d, 16)
    return lambda: index.add(xb)


@pytest.mark.parametrize("make_work", [_ivf_train, _ivf_add], ids=["train", "add"])
def test_gil_released(faiss, make_work):
    """While a thread trains or adds, the main thread keeps running Python."""
    work = make_work(faiss)
    times, ticks = [], []

    def run():
        times.append(time.perf_counter())
        work()
        times.append(time.perf_counter())

    worker = threading.Thread(target=run)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    start, end = times
    if end - start < 0.2:
        pytest.skip("the work was too short to observe")
    ticks = np.array(ticks)
    inside = ((ticks > start + 0.05) & (ticks < end - 0.05)).sum()
    assert inside > 100, "the main thread was blocked during the call"
