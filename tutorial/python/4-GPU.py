"""Faiss's introduction, part 4: the same searches on a GPU.

Needs a build with the GPU library (FAISSLIKE_ENABLE_GPU) and a CUDA device;
without one it says so and exits. Written for faisslike; replacing the import
by `import faiss` runs it unchanged on a GPU build of Faiss.
"""

import os
import sys
import tempfile

import numpy as np

import faisslike as faiss

if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() == 0:
    print("4-GPU: no GPU support or no CUDA device here; nothing to run")
    sys.exit(0)

d = 64
nb = 100000
nq = 10000
rng = np.random.default_rng(1234)
xb = rng.random((nb, d), dtype=np.float32)
xb[:, 0] += np.arange(nb) / 1000.0
xq = rng.random((nq, d), dtype=np.float32)
xq[:, 0] += np.arange(nq) / 1000.0

res = faiss.StandardGpuResources()  # one per thread using the GPU

# A CPU index moved to the GPU.
index_flat = faiss.IndexFlatL2(d)
gpu_index_flat = faiss.index_cpu_to_gpu(res, 0, index_flat)
gpu_index_flat.add(xb)
print("ntotal: %d" % gpu_index_flat.ntotal)

k = 4
D, I = gpu_index_flat.search(xq, k)
print(I[:5])

# IVF on the GPU.
nlist = 100
quantizer = faiss.IndexFlatL2(d)
index_ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_L2)
gpu_index_ivf = faiss.index_cpu_to_gpu(res, 0, index_ivf)
gpu_index_ivf.train(xb)
gpu_index_ivf.add(xb)
gpu_index_ivf.nprobe = 10
D, I = gpu_index_ivf.search(xq, k)
print(I[-5:])

# Back on the CPU, e.g. to save it (write_index of the GPU index itself
# writes the same CPU form).
cpu_index = faiss.index_gpu_to_cpu(gpu_index_ivf)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "4-GPU.index")
    faiss.write_index(cpu_index, path)
    print("written and read back:", faiss.read_index(path).ntotal, "vectors")
