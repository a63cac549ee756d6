#!/usr/bin/env python3
"""End-to-end IVF benchmark: faisslike beside the real Faiss, same data, same run.

Generates clustered SIFT-like data (default IVF1024,PQ16 on 500k x 128, 100k
training vectors, 1000 queries), writes it to .npy files, then for each thread
count builds the index of the same factory string (--factory IVF1024,Flat,
IVF1024,PQ16, IVF1024,PQ48, IVF1024,SQ8, ...) in Faiss (the faiss-cpu
package) in this process and in faisslike through its bench_ivf_e2e program,
trains, fills and searches both, and prints the ratios: train and add time
(faisslike / Faiss: lower is better), batch QPS at each nprobe (faisslike /
Faiss: higher is better) with both recalls@k against the exact neighbours,
the QPS ratio at equal recall (each library at its smallest swept nprobe
reaching each --recall-targets value), and the serialized bytes per vector.
Each time is taken on the wall clock and as process CPU time: on a machine
shared with other work the CPU-time ratios of single-thread runs are the
steadier ones (with more threads, CPU time also counts OpenMP spin-waiting).

    .venv/bin/python perf_tests/bench_ivf_vs_faiss.py --binary build/release/perf_tests/bench_ivf_e2e \
        --factory IVF1024,Flat --nb 1000000
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
    centres = np.random.default_rng(0).random((nclusters, d), dtype=np.float32)
    owner = rng.integers(0, nclusters, n)
    noise = rng.standard_normal((n, d), dtype=np.float32) * np.float32(0.3 / np.sqrt(6))
    return np.maximum(0, 128 * (centres[owner] + noise)).astype(np.float32)


def recall(ids, gt, k):
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(ids, gt)]))


def time_faiss(faiss, xt, xb, xq, args, threads):
    faiss.omp_set_num_threads(threads)
    d = xb.shape[1]
    ip = args.metric == "ip"
    metric = faiss.METRIC_INNER_PRODUCT if ip else faiss.METRIC_L2
    index = faiss.index_factory(d, args.factory, metric)
    ivf = faiss.extract_index_ivf(index)
    t0, c0 = time.perf_counter(), time.process_time()
    index.train(xt)
    train_s, train_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    index.add(xb)
    add_s, add_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    bytes_per_vector = faiss.serialize_index(index).size / len(xb)
    runs = []
    for nprobe in args.nprobe:
        ivf.nprobe = nprobe
        index.search(xq, args.k)  # warm-up
        best = best_cpu = float("inf")
        for _ in range(args.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            _, ids = index.search(xq, args.k)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        latencies = []
        for q in range(min(args.single_queries, len(xq))):
            t0 = time.perf_counter()
            index.search(xq[q : q + 1], args.k)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        runs.append({"nprobe": nprobe, "batch_qps": len(xq) / best, "batch_cpu_qps": len(xq) / best_cpu,
                     "single_median_ms": 1e3 * latencies[len(latencies) // 2], "ids": ids})
    return {"train_s": train_s, "train_cpu_s": train_cpu_s, "add_s": add_s, "add_cpu_s": add_cpu_s,
            "bytes_per_vector": bytes_per_vector, "runs": runs}


def first_reaching(runs, gt, k, target):
    """The first run (smallest nprobe) whose recall@k reaches target, or None."""
    for run in runs:
        if recall(run["ids"], gt, k) >= target:
            return run
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="path of the bench_ivf_e2e program")
    p.add_argument("--factory", default="IVF1024,PQ16", help="index_factory string of an IVF index")
    p.add_argument("--recall-targets", default="0.90,0.95")
    p.add_argument("--nb", type=int, default=500_000)
    p.add_argument("--nt", type=int, default=100_000, help="training vectors")
    p.add_argument("--nq", type=int, default=1000)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--nprobe", default="1,2,4,8,16,32,64,128")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--single-queries", type=int, default=200)
    p.add_argument("--metric", choices=["l2", "ip"], default="l2")
    args = p.parse_args()
    args.nprobe = [int(v) for v in args.nprobe.split(",")]

    import faiss

    xt = clustered(args.nt, args.d, 1000, 1)
    xb = clustered(args.nb, args.d, 1000, 2)
    xq = clustered(args.nq, args.d, 1000, 3)
    exact = faiss.IndexFlatIP(args.d) if args.metric == "ip" else faiss.IndexFlatL2(args.d)
    exact.add(xb)
    _, gt = exact.search(xq, args.k)

    rows = []
    with tempfile.TemporaryDirectory(prefix="faisslike-bench-") as tmp:
        paths = {name: os.path.join(tmp, name + ".npy") for name in ("train", "base", "query")}
        np.save(paths["train"], xt)
        np.save(paths["base"], xb)
        np.save(paths["query"], xq)
        prefix = os.path.join(tmp, "ids_nprobe")
        for threads in (int(t) for t in args.threads.split(",")):
            ref = time_faiss(faiss, xt, xb, xq, args, threads)
            out = subprocess.run(
                [args.binary, "--train", paths["train"], "--base", paths["base"],
                 "--query", paths["query"], "--factory", args.factory, "--k", str(args.k),
                 "--nprobe", ",".join(map(str, args.nprobe)), "--threads", str(threads),
                 "--reps", str(args.reps), "--single-queries", str(args.single_queries),
                 "--metric", args.metric, "--ids-prefix", prefix],
                check=True, capture_output=True, text=True)
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            for run in ours["runs"]:
                run["ids"] = np.load(f"{prefix}{run['nprobe']}.npy")
            rows.append((threads, ours, ref))

    print(f"{args.factory} {args.metric.upper()} on {args.nb} x {args.d} "
          f"(trained on {args.nt}), {args.nq} queries, k={args.k}; faiss-cpu {faiss.__version__}; "
          f"faisslike kernels: {rows[0][1]['simd']}")
    print("ratios: time faisslike / Faiss (lower is better), QPS faisslike / Faiss (higher is better)")
    for threads, ours, ref in rows:
        print(f"\nthreads={threads}:")
        for what in ("train", "add"):
            o, f, oc, fc = ours[what + "_s"], ref[what + "_s"], ours[what + "_cpu_s"], ref[what + "_cpu_s"]
            print(f"  {what:>5}: {o:.2f} s vs {f:.2f} s (ratio {o / f:.2f}); "
                  f"CPU {oc:.2f} s vs {fc:.2f} s (ratio {oc / fc:.2f})")
        print(f"{'nprobe':>6} {'faisslike QPS':>13} {'Faiss QPS':>10} {'QPS ratio':>9} {'CPU ratio':>9} "
              f"{'faisslike R@k':>13} {'Faiss R@k':>9} {'faisslike 1q ms':>15} {'Faiss 1q ms':>11}")
        for o, f in zip(ours["runs"], ref["runs"]):
            print(f"{o['nprobe']:>6} {o['batch_qps']:>13.1f} {f['batch_qps']:>10.1f} "
                  f"{o['batch_qps'] / f['batch_qps']:>9.2f} {o['batch_cpu_qps'] / f['batch_cpu_qps']:>9.2f} "
                  f"{recall(o['ids'], gt, args.k):>13.3f} {recall(f['ids'], gt, args.k):>9.3f} "
                  f"{o['single_median_ms']:>15.3f} {f['single_median_ms']:>11.3f}")
        for target in (float(t) for t in args.recall_targets.split(",")):
            o, f = (first_reaching(r["runs"], gt, args.k, target) for r in (ours, ref))
            if o is None or f is None:
                print(f"  R@{args.k} >= {target}: not reached by "
                      f"{' and '.join(n for n, r in (('faisslike', o), ('Faiss', f)) if r is None)} "
                      f"within the swept nprobe")
                continue
            print(f"  R@{args.k} >= {target}: faisslike nprobe {o['nprobe']} {o['batch_qps']:.1f} QPS, "
                  f"Faiss nprobe {f['nprobe']} {f['batch_qps']:.1f} QPS: ratio {o['batch_qps'] / f['batch_qps']:.2f} "
                  f"(CPU {o['batch_cpu_qps'] / f['batch_cpu_qps']:.2f})")
        print(f"  bytes per vector (serialized): faisslike {ours['bytes_per_vector']:.1f}, "
              f"Faiss {ref['bytes_per_vector']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
