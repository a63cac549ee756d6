"""The GPU part of the Python API (builds with libfaisslike_gpu). Without a
device only the error behaviour is checked; the rest skips with the reason.
With the real Faiss (faiss-cpu, no GPU) the tests skip."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_same_knn


def require_gpu(faiss):
    if not hasattr(faiss, "StandardGpuResources"):
        pytest.skip("%s is built without GPU support" % faiss.__name__)
    if faiss.get_num_gpus() == 0:
        pytest.skip("no CUDA device")


def test_without_device_errors_are_runtime_errors(faisslike):
    if not hasattr(faisslike, "StandardGpuResources"):
        pytest.skip("faisslike is built without GPU support")
    if faisslike.get_num_gpus() > 0:
        pytest.skip("a device is present")
    res = faisslike.StandardGpuResources()  # needs no device until used
    res.setTempMemory(1 << 20)
    with pytest.raises(RuntimeError, match="device"):
        faisslike.index_cpu_to_gpu(res, 0, faisslike.IndexFlatL2(8))
    with pytest.raises(RuntimeError, match="device"):
        faisslike.GpuIndexFlatL2(res, 8)
    with pytest.raises(RuntimeError, match="no CUDA device"):
        faisslike.index_cpu_to_all_gpus(faisslike.IndexFlatL2(8))


def test_indexes_match_cpu(faiss, dataset):
    require_gpu(faiss)
    d, xt, xb, xq = dataset["d"], dataset["xt"], dataset["xb"], dataset["xq"]
    res = faiss.StandardGpuResources()
    flat = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, 16)
    ivfpq = faiss.IndexIVFPQ(faiss.IndexFlatL2(d), d, 16, 8, 8)
    for cpu in (flat, ivf, ivfpq):
        cpu.train(xt)
        cpu.add(xb)
        if cpu is not flat:
            cpu.nprobe = 4
        gpu = faiss.index_cpu_to_gpu(res, 0, cpu)
        if cpu is not flat:
            gpu.nprobe = 4
        D, I = gpu.search(xq, 10)
        D_ref, I_ref = cpu.search(xq, 10)
        assert_same_knn(D, I, D_ref, I_ref, rtol=1e-3)
        back = faiss.index_gpu_to_cpu(gpu)
        assert back.ntotal == cpu.ntotal
        # A GPU index is written as its CPU form.
        data = faiss.serialize_index(gpu)
        assert np.array_equal(data, faiss.serialize_index(back))


def test_tutorial_4_gpu(faisslike):
    tutorial = Path(__file__).resolve().parents[2] / "tutorial" / "python" / "4-GPU.py"
    package_parent = str(Path(faisslike.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    run = subprocess.run([sys.executable, str(tutorial)], cwd=tutorial.parent, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    if "nothing to run" in run.stdout:
        pytest.skip(run.stdout.strip())
    assert "ntotal: 100000" in run.stdout
