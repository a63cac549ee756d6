#!/usr/bin/env python3
"""HNSW: faisslike against Faiss (faiss-cpu) and hnswlib, same data, same run.

Builds HNSW<M> with efConstruction 40 in the three libraries at each thread
count, sweeps efSearch, and prints per library: build time, the QPS at which
10-recall@10 (the fraction of the true 10 nearest neighbours found) first
reaches the target, and the memory per vector, with the ratios faisslike /
Faiss and faisslike / hnswlib.

faisslike is driven through its CLI (`faisslike bench --json --ef LIST`), the
other two through their Python modules; all three search all queries in one
batched call. Each efSearch is searched --reps times and the fastest run is
kept, which is what a shared, noisy machine allows. With --rounds R the
libraries' sweeps take turns R times over the built indexes (faiss, hnswlib,
faisslike, faiss, ...) and each setting keeps its fastest run of all rounds:
a slow spell of the machine then falls on every library's samples, not on
whichever library happened to be searching.

Memory per vector is counted the same way for the three: the bytes of the
structures each library keeps per vector (vectors, links, offsets, levels,
and for hnswlib its per-element lock, label and label map), not the process
RSS. Faiss's and hnswlib's are also shown as measured RSS growth.

Times are given twice: by the wall clock, and by the processor time (all
threads, divided by the thread count for builds; QPS as queries per CPU
second times the thread count). On a machine shared with other jobs the wall
clock swings with their load; the processor time is what the work costs.

Data: --data synthetic (default; clustered points of a low-dimensional space
embedded in d dimensions plus noise, SIFT-like), --data fmnist (Fashion-MNIST,
60k x 784, real) or --data siftsmall (10k x 128, real), read from
/work/shared/data or --data-dir.

With --build-once each library builds its index once, at the largest
--threads count, and searches it at every thread count (at 1M vectors the
builds dominate the run time); the tables say so in their headings.

Example:
  .venv/bin/python perf_tests/bench_hnsw_vs_faiss.py --nb 200000 --threads 1,2
  .venv/bin/python perf_tests/bench_hnsw_vs_faiss.py --nb 1000000 --threads 1,2 --build-once
  .venv/bin/python perf_tests/bench_hnsw_vs_faiss.py --nb 200000 --d 768 --threads 1,2 --build-once --rounds 2
"""

import argparse
import glob
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import faiss
except ImportError:  # pragma: no cover - reported below
    faiss = None
try:
    import hnswlib
except ImportError:  # pragma: no cover - reported below
    hnswlib = None


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def synthetic(nb, nq, d, seed):
    """Clusters in a 24-dimensional latent space, mapped linearly to d
    dimensions with a little isotropic noise: a low intrinsic dimension, as
    in real embeddings and SIFT (isotropic noise in all d dimensions would
    make every method look poor)."""
    rng = np.random.default_rng(seed)
    latent, nclusters = 24, 1000
    centres = rng.normal(0, 1, (nclusters, latent)).astype("float32")
    mix = rng.normal(0, 1, (latent, d)).astype("float32") / np.sqrt(latent)

    def draw(n):
        out = np.empty((n, d), dtype="float32")
        for i0 in range(0, n, 100000):
            m = min(100000, n - i0)
            z = centres[rng.integers(0, nclusters, m)] + rng.normal(0, 0.35, (m, latent)).astype("float32")
            out[i0:i0 + m] = z @ mix + rng.normal(0, 0.05, (m, d)).astype("float32")
        return out

    return draw(nb), draw(nq)


def read_vecs(path):
    raw = np.fromfile(path, dtype="uint8")
    d = int(raw[:4].view("int32")[0])
    if path.endswith(".bvecs"):
        return raw.reshape(-1, 4 + d)[:, 4:].astype("float32")
    return raw.reshape(-1, 4 + 4 * d)[:, 4:].copy().view("float32")


def load_data(args):
    if args.data == "synthetic":
        xb, xq = synthetic(args.nb, args.nq, args.d, args.seed)
        return xb, xq, "synthetic %d x %d (24-d latent clusters)" % (args.nb, args.d)
    name = {"fmnist": "fashion-mnist", "siftsmall": "siftsmall"}[args.data]
    ext = "bvecs" if args.data == "fmnist" else "fvecs"
    folder = os.path.join(args.data_dir, name)
    xb = read_vecs(os.path.join(folder, "%s_base.%s" % (name, ext)))
    xq = read_vecs(os.path.join(folder, "%s_query.%s" % (name, ext)))[: args.nq]
    return np.ascontiguousarray(xb), np.ascontiguousarray(xq), "%s %d x %d" % (name, len(xb), xb.shape[1])


def recall(labels, gt, k):
    hits = sum(len(set(labels[i, :k]) & set(gt[i, :k])) for i in range(len(gt)))
    return hits / float(len(gt) * k)


class Timer:
    """Wall time and processor time (all threads) of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def best_time(fn, reps):
    """Fastest wall and processor time over reps calls, and the last result."""
    wall = cpu = float("inf")
    for _ in range(reps):
        with Timer() as t:
            out = fn()
        wall, cpu = min(wall, t.wall), min(cpu, t.cpu)
    return wall, cpu, out


def row(ef, rec, nq, wall, cpu, threads):
    """One efSearch setting: recall, QPS by the wall clock, and QPS by the
    processor time (queries per CPU second times the threads: the rate on
    otherwise idle cores)."""
    return (ef, rec, nq / wall, nq * threads / cpu)


def build_faiss(xb, args, threads):
    """Builds with `threads` threads: the index, the build times, memory and
    RSS per vector."""
    faiss.omp_set_num_threads(threads)
    d = xb.shape[1]
    index = faiss.IndexHNSWFlat(d, args.M)
    index.hnsw.efConstruction = args.efc
    rss0 = rss_bytes()
    with Timer() as build:
        index.add(xb)
    rss = rss_bytes() - rss0
    h = index.hnsw
    structure = (h.neighbors.size() * 4 + h.offsets.size() * 8 + h.levels.size() * 4 + xb.size * 4)
    return index, (build.wall, build.cpu / threads), structure / len(xb), rss / len(xb)


def sweep_faiss(index, xq, gt, args, search_threads):
    """{search threads: rows} of the efSearch sweep."""
    rows = {}
    for t in search_threads:
        faiss.omp_set_num_threads(t)
        rows[t] = []
        for ef in args.ef:
            params = faiss.SearchParametersHNSW()
            params.efSearch = ef
            wall, cpu, (_, labels) = best_time(lambda: index.search(xq, args.k, params=params), args.reps)
            rows[t].append(row(ef, recall(labels, gt, args.k), len(xq), wall, cpu, t))
    return rows


def build_hnswlib(xb, args, threads):
    d = xb.shape[1]
    index = hnswlib.Index(space="l2", dim=d)
    rss0 = rss_bytes()
    index.init_index(max_elements=len(xb), ef_construction=args.efc, M=args.M, random_seed=100)
    index.set_num_threads(threads)
    with Timer() as build:
        index.add_items(xb, np.arange(len(xb)))
    rss = rss_bytes() - rss0
    # hnswlib 0.8 per element: level-0 block (2M links + count, vector, label),
    # upper links pointer, level, a std::mutex, a label-map entry; plus the
    # upper-level link lists (M links + count per level above 0).
    # A node has on average 1 / (M - 1) levels above 0 (P(level >= l) = M^-l).
    per_element = (2 * args.M * 4 + 4) + d * 4 + 8 + 8 + 4 + 40 + 40
    structure = per_element + (args.M * 4 + 4) / (args.M - 1)
    return index, (build.wall, build.cpu / threads), structure, rss / len(xb)


def sweep_hnswlib(index, xq, gt, args, search_threads):
    rows = {}
    for t in search_threads:
        rows[t] = []
        for ef in args.ef:
            index.set_ef(max(ef, args.k))
            wall, cpu, (labels, _) = best_time(lambda: index.knn_query(xq, k=args.k, num_threads=t), args.reps)
            rows[t].append(row(ef, recall(labels, gt, args.k), len(xq), wall, cpu, t))
    return rows


def find_cli(path):
    if path:
        return path
    found = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "build", "*", "tools", "faisslike")),
                   key=os.path.getmtime)
    if not found:
        sys.exit("faisslike CLI not found: build it (cmake --build <dir> --target faisslike_cli) or pass --cli")
    return found[-1]


def run_faisslike(cli, files, args, threads, search_threads, load=False, upper_beam=None):
    """Builds HNSW<M> through the CLI, saves it to files["index"] and sweeps
    it: the build times, {search threads: rows}, memory per vector. With load
    (or upper_beam), searches that saved index instead (the build times are
    then 0), keeping upper_beam nodes on level 1 when given."""
    efs = ",".join(str(ef) for ef in args.ef for _ in range(args.reps))
    cmd = [cli, "bench", "--json", "--quiet", "--base", files["base"], "--query", files["query"], "--gt",
           files["gt"], "--k", str(args.k), "--threads", str(threads), "--ef", efs,
           "--search-threads", ",".join(str(t) for t in search_threads)]
    if load or upper_beam:
        cmd += ["--load-index", files["index"]]
        if upper_beam:
            cmd += ["--upper-beam", str(upper_beam)]
    else:
        cmd += ["--save-index", files["index"], "HNSW%d" % args.M]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    best = {t: {} for t in search_threads}
    build = memory = None
    for line in out.splitlines():
        r = json.loads(line)
        if "error" in r:
            sys.exit("faisslike bench failed: " + r["error"])
        build, memory = (r["build_s"], r["add_cpu_s"] / threads), r["memory_bytes"]
        ef, nq, t = r["ef_search"], r["nq"], r["search_threads"]
        this = row(ef, r["knn_recall_at_%d" % args.k], nq, r["search_s"], r["search_cpu_s"], t)
        best[t][ef] = faster(this, best[t][ef]) if ef in best[t] else this
    nb = np.load(files["base"], mmap_mode="r").shape[0]
    return build, {t: [best[t][ef] for ef in args.ef] for t in search_threads}, memory / nb


def faster(a, b):
    """Two runs of one setting (rows): its faster wall and CPU QPS."""
    return (a[0], a[1], max(a[2], b[2]), max(a[3], b[3]))


def fastest(a, b):
    """Rows of two sweeps of the same settings, each with its faster QPS."""
    return {t: [faster(r, o) for r, o in zip(a[t], b[t])] for t in a}


def qps_at(rows, target, col):
    """QPS (column col of the rows) at the target recall: interpolated in log
    QPS between the two efSearch values around it; None when no setting
    reaches it."""
    prev = None
    for r in rows:
        ef, rec, qps = r[0], r[1], r[col]
        if rec >= target:
            if prev is None or prev[1] >= rec:
                return qps, ef
            f = (target - prev[1]) / (rec - prev[1])
            return float(np.exp(np.log(prev[2]) + f * (np.log(qps) - np.log(prev[2])))), ef
        prev = (ef, rec, qps)
    return None, None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=["synthetic", "fmnist", "siftsmall"], default="synthetic")
    p.add_argument("--data-dir", default="/work/shared/data")
    p.add_argument("--nb", type=int, default=200000)
    p.add_argument("--nq", type=int, default=2000)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--M", type=int, default=32)
    p.add_argument("--efc", type=int, default=40)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ef", default="10,16,24,32,48,64,96,128,192,256")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--build-once", action="store_true",
                   help="build each index once, with the largest --threads count, and search it at every "
                        "thread count (saves the rebuilds at 1M vectors; the build columns then show that one "
                        "build)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--rounds", type=int, default=1,
                   help="search every library's sweep this many times, the libraries taking turns, and keep each "
                        "setting's fastest run (see above)")
    p.add_argument("--target", type=float, default=0.95)
    p.add_argument("--cli", default="", help="path of the faisslike program (default: newest build/*/tools/faisslike)")
    p.add_argument("--upper-beam", type=int, default=0,
                   help="also search faisslike's graph keeping this many nodes on level 1 (HNSW::upper_beam; "
                        "the default search, like Faiss's, keeps 1): an extra row, faisslike-ubN")
    args = p.parse_args()
    args.ef = [int(v) for v in args.ef.split(",")]
    if faiss is None:
        sys.exit("faiss (faiss-cpu) is not installed in this Python")
    if args.efc != 40:
        sys.exit("the faisslike factory builds with efConstruction 40; keep --efc 40")
    cli = find_cli(args.cli)

    xb, xq, description = load_data(args)
    gt_index = faiss.IndexFlatL2(xb.shape[1])
    gt_index.add(xb)
    _, gt = gt_index.search(xq, args.k)
    del gt_index
    print("data: %s, %d queries, HNSW%d, efConstruction %d, 10-recall@10 target %.2f, best of %d x %d round(s)"
          % (description, len(xq), args.M, args.efc, args.target, args.reps, args.rounds))
    print("hnswlib: %s" % ("version " + importlib.metadata.version("hnswlib") if hnswlib else
                           "not installed (pip install hnswlib); skipped"))
    print("faiss: version %s; faisslike: %s" % (faiss.__version__, cli))
    sys.stdout.flush()

    with tempfile.TemporaryDirectory() as tmp:
        files = {"base": os.path.join(tmp, "base.npy"), "query": os.path.join(tmp, "query.npy"),
                 "gt": os.path.join(tmp, "gt.npy"), "index": os.path.join(tmp, "faisslike.index")}
        np.save(files["base"], xb)
        np.save(files["query"], xq)
        np.save(files["gt"], gt.astype("int64"))
        thread_counts = [int(t) for t in args.threads.split(",")]
        if args.build_once:
            # (build threads, search threads): one build at the largest count.
            plan = [(max(thread_counts), thread_counts)]
        else:
            plan = [(t, [t]) for t in thread_counts]
        for build_threads, search_threads in plan:
            # name: (build times, memory, RSS per vector); sweep functions
            built, sweeps = {}, {}
            index, build, mem, rss = build_faiss(xb, args, build_threads)
            built["faiss"] = (build, mem, rss)
            sweeps["faiss"] = lambda index=index: sweep_faiss(index, xq, gt, args, search_threads)
            if hnswlib:
                index, build, mem, rss = build_hnswlib(xb, args, build_threads)
                built["hnswlib"] = (build, mem, rss)
                sweeps["hnswlib"] = lambda index=index: sweep_hnswlib(index, xq, gt, args, search_threads)
            # faisslike's build sweeps too: its rows are its first round's
            build, first_rows, mem = run_faisslike(cli, files, args, build_threads, search_threads)
            built["faisslike"] = (build, mem, None)
            sweeps["faisslike"] = lambda: run_faisslike(cli, files, args, build_threads, search_threads, load=True)[1]
            if args.upper_beam > 1:
                built["faisslike-ub%d" % args.upper_beam] = (build, mem, None)
                sweeps["faisslike-ub%d" % args.upper_beam] = lambda: run_faisslike(
                    cli, files, args, build_threads, search_threads, upper_beam=args.upper_beam)[1]
            rows = {}
            for r in range(args.rounds):
                for name, sweep in sweeps.items():
                    this = first_rows if (r == 0 and name == "faisslike") else sweep()
                    rows[name] = fastest(rows[name], this) if name in rows else this
            for threads in search_threads:
                results = {name: (build, rows[name][threads], mem, rss) for name, (build, mem, rss) in built.items()}
                report(results, args, build_threads, threads)


def report(results, args, build_threads, threads):
    """Prints one thread count's table and ratios."""
    print("\nsearch threads=%d, build threads=%d%s (load average now: %.1f)" % (
        threads, build_threads, " (one build for all thread counts, --build-once)"
        if args.build_once else "", os.getloadavg()[0]))
    print("%-14s %8s %8s %10s %10s %8s %9s %9s" % (
        "library", "build s", "build", "QPS@target", "QPS@target", "efSearch", "B/vector", "RSS B/vec"))
    print("%-14s %8s %8s %10s %10s %8s" % ("", "wall", "CPU/T", "wall", "CPU", ""))
    summary = {}
    lower_bound = False
    for name, (build, rows, mem, rss) in results.items():
        q_wall, ef = qps_at(rows, args.target, 2)
        q_cpu, _ = qps_at(rows, args.target, 3)
        summary[name] = (build, q_wall, q_cpu, mem)
        first = ef is not None and ef == rows[0][0] and rows[0][1] > args.target
        lower_bound = lower_bound or first
        print("%-14s %8.2f %8.2f %10s %10s %8s %9.1f %9s" % (
            name, build[0], build[1], "%.0f" % q_wall if q_wall else "n/a",
            "%.0f" % q_cpu if q_cpu else "n/a", ("%d*" if first else "%d") % ef if ef else "-", mem,
            "%.1f" % rss if rss is not None else "-"))
    if lower_bound:
        print("* the smallest efSearch swept already exceeds the target recall: that library's QPS at the "
              "target is higher than shown (sweep smaller --ef values)")
    print("recall / wall QPS / CPU QPS per efSearch:")
    for name, (build, rows, mem, rss) in results.items():
        print("  %-13s " % name + "  ".join("ef%d:%.3f/%.0f/%.0f" % r for r in rows))
    def ratio(a, b):
        return "%.2fx" % (a / b) if a and b else "n/a"

    for mine in [n for n in summary if n.startswith("faisslike")]:
        me = summary[mine]
        for peer in [n for n in ("faiss", "hnswlib") if n in summary]:
            other = summary[peer]
            print("%s / %-8s QPS at recall %.2f: %s wall, %s CPU   build time: %s wall, %s CPU"
                  "   memory/vector: %.2fx" % (
                      mine, peer, args.target, ratio(me[1], other[1]), ratio(me[2], other[2]),
                      ratio(me[0][0], other[0][0]), ratio(me[0][1], other[0][1]), me[3] / other[3]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
