"""Threads and signals: C++ calls release the GIL, concurrent searches on
one index agree with sequential ones, and Ctrl-C (KeyboardInterrupt) leaves
the index usable."""

import _thread
import threading
import time

import numpy as np
import pytest

from helpers import clustered


def _timed_search(index, xq, k, times):
    times.append(time.perf_counter())
    index.search(xq, k)
    times.append(time.perf_counter())


def test_search_releases_gil(faiss):
    """While one thread searches, the main thread keeps running Python code.

    With the GIL held during the C++ call, the main thread could not run
    between shortly after the search starts and shortly before it ends."""
    d, nb = 64, 50000
    index = faiss.IndexFlatL2(d)
    index.add(clustered(nb, d, seed=5))
    nq = 500
    for _ in range(6):
        xq = clustered(nq, d, seed=6)
        times, ticks = [], []
        worker = threading.Thread(target=_timed_search, args=(index, xq, 10, times))
        worker.start()
        while worker.is_alive():
            ticks.append(time.perf_counter())
        worker.join()
        start, end = times
        if end - start >= 0.2:
            break
        nq *= 2
    else:
        pytest.skip("could not make a search last long enough to observe")
    ticks = np.array(ticks)
    inside = ((ticks > start + 0.05) & (ticks < end - 0.05)).sum()
    assert inside > 100, "the main thread was blocked during the search"


def test_concurrent_searches_agree(faiss, dataset):
    d = dataset["d"]
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, 16)
    index.train(dataset["xt"])
    index.add(dataset["xb"])
    xq = clustered(400, d, seed=7)
    expected = {nprobe: index.search(xq, 10, params=faiss.SearchParametersIVF(nprobe=nprobe))
                for nprobe in (1, 4, 16)}
    results = {}

    def run(nprobe):
        faiss.omp_set_num_threads(2)  # OpenMP inside each Python thread
        for _ in range(3):
            results[nprobe] = index.search(xq, 10, params=faiss.SearchParametersIVF(nprobe=nprobe))

    threads = [threading.Thread(target=run, args=(nprobe,)) for nprobe in expected]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for nprobe, (D, I) in expected.items():
        np.testing.assert_array_equal(results[nprobe][1], I)
        np.testing.assert_array_equal(results[nprobe][0], D)


def test_keyboard_interrupt_leaves_index_usable(faiss):
    d = 64
    xb = clustered(20000, d, seed=8)
    index = faiss.IndexFlatL2(d)
    index.add(xb)
    xq = clustered(200, d, seed=9)
    far = xb[:100] + 1000  # added while interrupted; never among the results
    expected = index.search(xq, 5)
    timer = threading.Timer(0.05, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            index.search(xq, 5)
            index.add(far)
    timer.join()
    assert index.ntotal >= len(xb) and (index.ntotal - len(xb)) % 100 == 0
    D, I = index.search(xq, 5)
    np.testing.assert_array_equal(I, expected[1])
