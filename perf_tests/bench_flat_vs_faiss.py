#!/usr/bin/env python3
"""End-to-end flat search benchmark: faisslike beside the real Faiss, same data, same run.

Generates clustered SIFT-like data (default 1M x 128, 1000 queries), writes it to .npy
files, times the real Faiss (the faiss-cpu package) in this process and faisslike
through its bench_flat_e2e program, at each thread count, and prints the ratios
(QPS faisslike / Faiss: higher is better; latency faisslike / Faiss: lower is better).
Both use best-of-N batch timing after a warm-up and the median single-query latency.
It also checks that both return the same neighbours (ties aside).

    .venv/bin/python perf_tests/bench_flat_vs_faiss.py --binary build/release/perf_tests/bench_flat_e2e
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def clustered(n, d, nclusters, seed):
    rng = np.random.default_rng(seed)
    centres = rng.random((nclusters, d), dtype=np.float32)
    owner = rng.integers(0, nclusters, n)
    noise = rng.standard_normal((n, d), dtype=np.float32) * np.float32(0.3 / np.sqrt(6))
    return np.maximum(0, 128 * (centres[owner] + noise)).astype(np.float32)


def time_faiss(faiss, xb, xq, k, threads, reps, single_queries, metric):
    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(xb.shape[1]) if metric == "ip" else faiss.IndexFlatL2(xb.shape[1])
    index.add(xb)
    index.search(xq, k)  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        _, ids = index.search(xq, k)
        best = min(best, time.perf_counter() - t0)
    latencies = []
    for q in range(min(single_queries, len(xq))):
        one = xq[q : q + 1]
        t0 = time.perf_counter()
        index.search(one, k)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return {
        "batch_qps": len(xq) / best,
        "single_median_ms": 1e3 * latencies[len(latencies) // 2],
        "ids": ids,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="path of the bench_flat_e2e program")
    p.add_argument("--nb", type=int, default=1_000_000)
    p.add_argument("--nq", type=int, default=1000)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--single-queries", type=int, default=100)
    p.add_argument("--metric", choices=["l2", "ip"], default="l2")
    args = p.parse_args()

    import faiss

    xb = clustered(args.nb, args.d, 1000, 1)
    xq = clustered(args.nq, args.d, 1000, 2)
    rows = []
    with tempfile.TemporaryDirectory(prefix="faisslike-bench-") as tmp:
        base, query, ids_out = (os.path.join(tmp, f) for f in ("base.npy", "query.npy", "ids.npy"))
        np.save(base, xb)
        np.save(query, xq)
        for threads in (int(t) for t in args.threads.split(",")):
            ref = time_faiss(faiss, xb, xq, args.k, threads, args.reps, args.single_queries, args.metric)
            out = subprocess.run(
                [args.binary, "--base", base, "--query", query, "--k", str(args.k),
                 "--threads", str(threads), "--reps", str(args.reps), "--metric", args.metric,
                 "--single-queries", str(args.single_queries), "--ids-out", ids_out],
                check=True, capture_output=True, text=True)
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            ids = np.load(ids_out)
            agree = float(np.mean([len(set(a) & set(b)) / args.k for a, b in zip(ids, ref["ids"])]))
            rows.append((threads, ours, ref, agree))

    print(f"IndexFlat{'L2' if args.metric == 'l2' else 'IP'} {args.nb} x {args.d}, "
          f"{args.nq} queries, k={args.k}; faiss-cpu {faiss.__version__}; "
          f"faisslike kernels: {rows[0][1]['simd']}")
    print(f"{'threads':>7} {'faisslike QPS':>14} {'Faiss QPS':>10} {'QPS ratio':>9} "
          f"{'faisslike 1q ms':>15} {'Faiss 1q ms':>11} {'latency ratio':>13} {'same ids':>8}")
    for threads, ours, ref, agree in rows:
        print(f"{threads:>7} {ours['batch_qps']:>14.1f} {ref['batch_qps']:>10.1f} "
              f"{ours['batch_qps'] / ref['batch_qps']:>9.2f} {ours['single_median_ms']:>15.3f} "
              f"{ref['single_median_ms']:>11.3f} "
              f"{ours['single_median_ms'] / ref['single_median_ms']:>13.2f} {agree:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
