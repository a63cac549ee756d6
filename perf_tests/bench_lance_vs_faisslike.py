"""Lance's own IVF_PQ (or IVF_HNSW_SQ / IVF_HNSW_PQ / IVF_HNSW_FLAT) against
faisslike.lance's at equal parameters, on the same Lance dataset: recall@10
and per-query latency (a benchmark, not a test).

    PYTHONPATH=build/release/python .venv/bin/python perf_tests/bench_lance_vs_faisslike.py \
        [--data /work/shared/data/siftsmall] [--partitions 32] [--sub-vectors 16] \
        [--index-type IVF_HNSW_SQ --ef 20,80 --refine 0]

Data: siftsmall (10k x 128, texmex ground truth) when present, otherwise
SIFT-like clustered vectors with exact ground truth. Each query runs alone
(one vector per call, as an application issues them); latencies are the
median over the queries. Three rows per setting: Lance
(``dataset.to_table(nearest=...)``), faisslike.lance.search (the same query
answered end to end: index search, Lance's take of the columns, the table),
and the bare faisslike index search underneath it.

On a shared two-core machine run it with OMP_NUM_THREADS=1: one query per
call leaves nothing to parallelise, and OpenMP barriers on busy cores then
cost milliseconds per search.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa

import lance
import faisslike
import faisslike.lance as fl


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].view(dtype).copy()


def load(data_dir):
    if data_dir and os.path.exists(os.path.join(data_dir, "siftsmall_base.fvecs")):
        xb = read_vecs(os.path.join(data_dir, "siftsmall_base.fvecs"), np.float32)
        xq = read_vecs(os.path.join(data_dir, "siftsmall_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(data_dir, "siftsmall_groundtruth.ivecs"), np.int32)
        return "siftsmall", xb, xq, gt[:, :10]
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(100, 128)) * 30
    xb = (centres[rng.integers(0, 100, 20000)] + rng.normal(size=(20000, 128)) * 10).astype(np.float32)
    xq = (centres[rng.integers(0, 100, 100)] + rng.normal(size=(100, 128)) * 10).astype(np.float32)
    dis = (xq**2).sum(1)[:, None] + (xb**2).sum(1)[None] - 2 * xq @ xb.T
    return "sift-like 20k", xb, xq, np.argsort(dis, axis=1)[:, :10]


def recall(results, gt):
    return np.mean([len(set(r) & set(g)) / len(g) for r, g in zip(results, gt)])


def timed(fn, queries):
    out, times = [], []
    for q in queries:
        t0 = time.perf_counter()
        out.append(fn(q))
        times.append(time.perf_counter() - t0)
    return out, 1e3 * statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/shared/data/siftsmall")
    ap.add_argument("--partitions", type=int, default=32)
    ap.add_argument("--sub-vectors", type=int, default=16)
    ap.add_argument("--nprobes", default="1,4,16")
    ap.add_argument("--refine", default="0,5")
    ap.add_argument("--index-type", default="IVF_PQ", help="IVF_PQ, IVF_HNSW_SQ, IVF_HNSW_PQ or IVF_HNSW_FLAT")
    ap.add_argument("--ef", default="0", help="HNSW ef values (IVF_HNSW_*; 0: Lance's default)")
    args = ap.parse_args()
    hnsw = args.index_type.startswith("IVF_HNSW")
    build_args = {"num_partitions": args.partitions}
    if args.index_type.endswith("PQ"):
        build_args["num_sub_vectors"] = args.sub_vectors

    name, xb, xq, gt = load(args.data)
    n, d = xb.shape
    tmp = tempfile.mkdtemp(prefix="bench_lance_")
    try:
        uri = os.path.join(tmp, "sift.lance")
        rng = np.random.default_rng(1)
        table = pa.table(
            {
                "item_id": np.arange(n, dtype=np.int64),
                "revenue": rng.uniform(0, 1000, n),
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(xb.ravel()), d),
            }
        )
        ds = lance.write_dataset(table, uri)
        print("data: %s, %d x %d, %d queries; %s %s; %s; faisslike OpenMP threads %d"
              % (name, n, d, len(xq), args.index_type, build_args, "lance " + lance.__version__,
                 faisslike.omp_get_max_threads()))

        t0 = time.perf_counter()
        ds = ds.create_index("vector", args.index_type, **build_args)
        t_lance = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = fl.create_index(ds, "vector", args.index_type, progress=False, **build_args)
        t_ours = time.perf_counter() - t0
        print("build: lance %.2f s, faisslike %.2f s (training, add, bundle written as Lance datasets)"
              % (t_lance, t_ours))

        print("%-8s %-5s %-7s %-22s %10s %12s" % ("nprobes", "ef", "refine", "engine", "recall@10", "median ms"))
        settings = [(p, e, r) for p in [int(v) for v in args.nprobes.split(",")]
                    for e in ([int(v) for v in args.ef.split(",")] if hnsw else [0])
                    for r in [int(v) for v in args.refine.split(",")]]
        for nprobes, ef, refine in settings:
            nearest = {"column": "vector", "k": 10, "nprobes": nprobes}
            if refine:
                nearest["refine_factor"] = refine
            if ef:
                nearest["ef"] = ef

            def lance_query(q):
                t = ds.to_table(nearest=dict(nearest, q=q), columns=["item_id"],
                                disable_scoring_autoprojection=True)
                return t["item_id"].to_numpy()

            def ours_query(q):
                t = fl.search(ds, dict(nearest, q=q), columns=["item_id"], index=ours)
                return t["item_id"].to_numpy()

            if hnsw:
                # faisslike.lance's default ef when none is given: 1.5 k (refine included).
                params = faisslike.SearchParametersIVFHNSW(
                    nprobe=nprobes, efSearch=ef or int(1.5 * 10 * (refine or 1)))
            else:
                params = faisslike.SearchParametersIVF(nprobe=nprobes)

            def core_query(q):
                _, labels = ours.index.search(q[None], 10 * (refine or 1), params=params)
                return labels[0]

            rows = [("lance", lance_query), ("faisslike.lance.search", ours_query)]
            for engine, fn in rows:
                res, ms = timed(fn, xq)
                print("%-8d %-5s %-7s %-22s %10.3f %12.3f"
                      % (nprobes, ef or "-", refine or "-", engine, recall(res, gt), ms))
            _, ms = timed(core_query, xq)
            print("%-8d %-5s %-7s %-22s %10s %12.3f"
                  % (nprobes, ef or "-", refine or "-", "faisslike index only", "", ms))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
