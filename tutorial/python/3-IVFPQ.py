"""Faiss's introduction, part 3: compressed vectors with IndexIVFPQ.

On top of the IVF cells, each vector is stored as m = 8 product-quantizer
codes of 8 bits: 8 bytes instead of 3,072. Distances become approximate.
Written for faisslike; replacing the import by `import faiss` runs it
unchanged on Faiss.
"""

import time

import numpy as np

import faisslike as faiss
from sentence_data import make_paraphrases, make_sentence_embeddings

sentence_embeddings = make_sentence_embeddings()
d = sentence_embeddings.shape[1]
k = 4
originals = np.arange(0, 14504, 29)
xq = make_paraphrases(sentence_embeddings, originals)

nlist = 50
m = 8     # sub-vectors per vector
bits = 8  # bits per sub-vector code
quantizer = faiss.IndexFlatL2(d)
index = faiss.IndexIVFPQ(quantizer, d, nlist, m, bits)
print("is_trained before train:", index.is_trained)

start = time.perf_counter()
index.train(sentence_embeddings)
print("train: %.2f s" % (time.perf_counter() - start))
index.add(sentence_embeddings)
print("ntotal:", index.ntotal)

index.nprobe = 10
start = time.perf_counter()
D, I = index.search(xq, k)
elapsed = time.perf_counter() - start
found = (I == originals[:, None]).any(axis=1).mean()
print("nprobe=10: %.1f ms for %d queries, original in the top %d for %.1f%%"
      % (1000 * elapsed, len(xq), k, 100 * found))
print("I[:4] =\n", I[:4])
assert found > 0.8

# The codes give an approximation of the vectors back.
index.make_direct_map()
vec = index.reconstruct(int(originals[0]))
error = np.linalg.norm(vec - sentence_embeddings[originals[0]])
print("relative reconstruction error: %.3f" % (error / np.linalg.norm(sentence_embeddings[originals[0]])))
