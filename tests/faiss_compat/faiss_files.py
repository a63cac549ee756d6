#!/usr/bin/env python3
"""Cross-checks faisslike's file format against the real Faiss (the faiss-cpu package).

  faiss_files.py write DIR   builds one index per spec with Faiss, writes NAME.faiss plus
                             Faiss's search results (NAME.D.npy, NAME.I.npy) and the data,
                             and lists in results_not_comparable.txt the specs whose search
                             this Faiss version does differently (old HNSW search)
  faiss_files.py check DIR   loads every NAME.faisslike that faisslike wrote back with
                             Faiss and checks that its search results are Faiss's own

The C++ test between the two steps (test_faiss_compat.cpp) reads each NAME.faiss, checks
the search results and that writing it again gives the same bytes, and writes
NAME.faisslike. Exits 77 (reported as skipped) when Faiss is not importable.
"""

import json
import os
import sys

import numpy as np

SKIP = 77
D = 32
NB, NQ, K = 3000, 25, 10

# name -> (factory string, metric, extra setup)
SPECS = {
    "flat_l2": ("Flat", "l2", None),
    "flat_ip": ("Flat", "ip", None),
    "idmap_flat": ("IDMap,Flat", "l2", None),
    "idmap2_flat": ("IDMap2,Flat", "l2", None),
    "ivf_flat": ("IVF16,Flat", "l2", None),
    "ivf_flat_ip": ("IVF16,Flat", "ip", None),
    "ivf_flat_array_map": ("IVF16,Flat", "l2", "direct_map"),
    "ivf_flat_sparse": ("IVF256,Flat", "l2", "few"),
    "pca_ivf_flat": ("PCA16,IVF16,Flat", "l2", None),
    "pcaw_flat": ("PCAW16,Flat", "l2", None),
    "rr_flat": ("RR32,Flat", "l2", None),
    "l2norm_flat": ("L2norm,Flat", "ip", None),
    "ivf_flat_rflat": ("IVF16,Flat,RFlat", "l2", None),
    "idmap_ivf_flat": ("IDMap,IVF16,Flat", "l2", None),
    "pq": ("PQ8np", "l2", None),
    "pq_ip": ("PQ8np", "ip", None),
    "pq_4bit": ("PQ16x4np", "l2", None),
    "pq_10bit": ("PQ4x10np", "l2", None),
    "sq8": ("SQ8", "l2", None),
    "sq4_ip": ("SQ4", "ip", None),
    "sq6": ("SQ6", "l2", None),
    "sqfp16": ("SQfp16", "l2", None),
    "ivf_pq": ("IVF16,PQ8np", "l2", None),
    "ivf_pq_ip": ("IVF16,PQ8np", "ip", None),
    "ivf_pq_direct_map": ("IVF16,PQ8x6np", "l2", "direct_map"),
    "ivf_sq8": ("IVF16,SQ8", "l2", None),
    "ivf_sqfp16_ip": ("IVF16,SQfp16", "ip", None),
    "hnsw_flat": ("HNSW16", "l2", None),
    "hnsw_flat_ip": ("HNSW16", "ip", None),
    "hnsw_sq8": ("HNSW16_SQ8", "l2", None),
    "hnsw_pq": ("HNSW16_PQ8np", "l2", None),
    "ivf_hnsw_flat": ("IVF16_HNSW8,Flat", "l2", None),
    "opq_ivf_pq": ("OPQ8,IVF16,PQ8np", "l2", None),
    "opq_reduce_pq": ("OPQ4_16,PQ4np", "l2", None),
}


def data():
    rng = np.random.default_rng(7)
    centres = rng.random((30, D), dtype=np.float32)
    def draw(n):
        owner = rng.integers(0, 30, n)
        return (100 * (centres[owner] + 0.05 * rng.standard_normal((n, D)))).astype(np.float32)
    return draw(NB), draw(NQ)


def hnsw_search_differs(faiss, spec):
    """Faiss before 1.8 (Debian 12 ships 1.7.3) walks an HNSW graph in a
    different order than later releases: on the same graph, byte for byte,
    its results differ from faisslike's and from newer Faiss's (faisslike
    finds as good or better neighbours). Files and bytes are still compared."""
    major, minor = (int(v) for v in faiss.__version__.split(".")[:2])
    return (major, minor) < (1, 8) and spec.startswith("HNSW")


def write(directory):
    import faiss
    # Small data: one thread avoids OpenMP spin-waits on a loaded machine.
    faiss.omp_set_num_threads(1)
    os.makedirs(directory, exist_ok=True)
    xb, xq = data()
    np.save(os.path.join(directory, "xq.npy"), xq)
    for name, (spec, metric, extra) in SPECS.items():
        m = faiss.METRIC_INNER_PRODUCT if metric == "ip" else faiss.METRIC_L2
        index = faiss.index_factory(D, spec, m)
        if isinstance(index, faiss.IndexPreTransform):
            vt = faiss.downcast_VectorTransform(index.chain.at(0))
            if isinstance(vt, faiss.OPQMatrix):
                vt.niter = 10  # Faiss's default 50 takes a minute here; the file is the same kind
        index.train(xb)
        nadd = 40 if extra == "few" else NB  # few vectors: sparse list table
        if "IDMap" in spec:
            index.add_with_ids(xb[:nadd], np.arange(nadd, dtype=np.int64) * 7 + 3)
        else:
            index.add(xb[:nadd])
        try:
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = 4
            if extra == "direct_map":
                ivf.make_direct_map()
        except RuntimeError:
            pass
        Dist, I = index.search(xq, K)
        faiss.write_index(index, os.path.join(directory, name + ".faiss"))
        np.save(os.path.join(directory, name + ".D.npy"), Dist)
        np.save(os.path.join(directory, name + ".I.npy"), I)
    with open(os.path.join(directory, "results_not_comparable.txt"), "w") as f:
        f.writelines(name + "\n" for name, (spec, _, _) in SPECS.items() if hnsw_search_differs(faiss, spec))
    with open(os.path.join(directory, "specs.json"), "w") as f:
        json.dump({"faiss_version": faiss.__version__, "specs": SPECS, "k": K}, f)
    print(f"wrote {len(SPECS)} indexes with Faiss {faiss.__version__} to {directory}")


def same_results(D1, I1, D2, I2):
    """Equal up to the order of ties and float rounding."""
    if not np.allclose(D1, D2, rtol=1e-4, atol=1e-3):
        return False
    for q in range(len(I1)):
        if not np.array_equal(I1[q], I2[q]) and set(I1[q][:-1]) != set(I2[q][:-1]):
            return False
    return True


def check(directory):
    import faiss
    faiss.omp_set_num_threads(1)
    xq = np.load(os.path.join(directory, "xq.npy"))
    failures, checked = [], 0
    for name in SPECS:
        path = os.path.join(directory, name + ".faisslike")
        if not os.path.exists(path):
            failures.append(f"{name}: faisslike wrote no file")
            continue
        index = faiss.read_index(path)
        Dist, I = index.search(xq, K)
        D_ref = np.load(os.path.join(directory, name + ".D.npy"))
        I_ref = np.load(os.path.join(directory, name + ".I.npy"))
        if not same_results(Dist, I, D_ref, I_ref):
            failures.append(f"{name}: Faiss's search of the faisslike-written file differs")
        checked += 1
    for f in failures:
        print("FAIL", f)
    print(f"checked {checked} faisslike-written files with Faiss {faiss.__version__}")
    return 1 if failures else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        print(__doc__)
        return 2
    try:
        import faiss  # noqa: F401
    except ImportError as e:
        print(f"skipped: the real Faiss is not importable ({e}); run scripts/install_deps.sh")
        return SKIP
    if sys.argv[1] == "write":
        write(sys.argv[2])
        return 0
    return check(sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
