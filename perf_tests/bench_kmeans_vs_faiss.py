#!/usr/bin/env python3
"""k-means training: faisslike beside the real Faiss, same data, same run.

Trains Kmeans(d, k, niter) on the same clustered SIFT-like points with both
libraries' Python modules (faisslike from --faisslike-path, Faiss from the
faiss-cpu package), each in its own process so that neither's OpenMP runtime
disturbs the other, at each thread count. Both sub-sample the training set
to k * max_points_per_centroid (256) points as Faiss does, so the default
1M x 128 with k = 1024 trains on 262,144 points. Prints the wall-clock and
CPU time of each, the ratio faisslike / Faiss (lower is better) and the final
objective (sum of squared distances to the nearest centroid over the
training sample; each library draws its own sample, so these agree only
approximately). Each configuration runs --reps times; the fastest is kept.

    .venv/bin/python perf_tests/bench_kmeans_vs_faiss.py --faisslike-path build/release/python
"""

import argparse
import json
import os
import subprocess
import sys

# Runs in a child process: train and print one JSON line.
CHILD = r"""
import json, sys, time
import numpy as np
module, n, d, k, niter, threads, reps, seed = sys.argv[1:9]
n, d, k, niter, threads, reps, seed = map(int, (n, d, k, niter, threads, reps, seed))
lib = __import__(module)
lib.omp_set_num_threads(threads)
rng = np.random.default_rng(seed)
centres = np.random.default_rng(0).random((2000, d), dtype=np.float32)
x = centres[rng.integers(0, 2000, n)] + rng.standard_normal((n, d), dtype=np.float32) * np.float32(0.05)
x = np.maximum(0, 128 * x).astype(np.float32)
best = best_cpu = float("inf")
for _ in range(reps):
    km = lib.Kmeans(d, k, niter=niter, seed=1234)
    t0, c0 = time.perf_counter(), time.process_time()
    km.train(x)
    best = min(best, time.perf_counter() - t0)
    best_cpu = min(best_cpu, time.process_time() - c0)
print(json.dumps({"s": best, "cpu_s": best_cpu, "obj": float(km.obj[-1])}))
"""


def run(module, args, threads, env):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, module, str(args.n), str(args.d), str(args.k), str(args.niter),
         str(threads), str(args.reps), str(args.seed)],
        check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--faisslike-path", default="build/release/python",
                   help="folder holding the faisslike Python package")
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--k", type=int, default=1024)
    p.add_argument("--niter", type=int, default=10)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()

    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.abspath(args.faisslike_path) + os.pathsep + env.get("PYTHONPATH", "")
    print(f"Kmeans k={args.k} niter={args.niter} on {args.n} x {args.d} "
          f"(both sub-sample to {min(args.n, 256 * args.k)} points); fastest of {args.reps}")
    print(f"{'threads':>7} {'faisslike s':>11} {'Faiss s':>8} {'ratio':>6} {'CPU ratio':>9} "
          f"{'faisslike obj':>14} {'Faiss obj':>12}")
    for threads in (int(t) for t in args.threads.split(",")):
        ours = run("faisslike", args, threads, env)
        ref = run("faiss", args, threads, env)
        print(f"{threads:>7} {ours['s']:>11.2f} {ref['s']:>8.2f} {ours['s'] / ref['s']:>6.2f} "
              f"{ours['cpu_s'] / ref['cpu_s']:>9.2f} {ours['obj']:>14.5g} {ref['obj']:>12.5g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
