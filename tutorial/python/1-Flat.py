"""Faiss's introduction, part 1: exact search with IndexFlatL2.

Written for faisslike; replacing the import by `import faiss` runs it
unchanged on Faiss. The 14,504 x 768 vectors stand in for the sentence
embeddings of the original tutorial (see sentence_data.py).
"""

import time

import numpy as np

import faisslike as faiss
from sentence_data import make_paraphrases, make_sentence_embeddings

sentence_embeddings = make_sentence_embeddings()
d = sentence_embeddings.shape[1]
print("data:", sentence_embeddings.shape)

# A flat index compares each query with every stored vector: exact results,
# nothing to train.
index = faiss.IndexFlatL2(d)
print("is_trained:", index.is_trained)

index.add(sentence_embeddings)
print("ntotal:", index.ntotal)

# The queries are paraphrases of four stored sentences; each should find its
# original first.
originals = np.array([10, 4200, 7460, 14000])
xq = make_paraphrases(sentence_embeddings, originals)
k = 4
start = time.perf_counter()
D, I = index.search(xq, k)
print("search (k=%d): %.1f ms" % (k, 1000 * (time.perf_counter() - start)))
print("I =\n", I)
print("D =\n", D)
assert (I[:, 0] == originals).all()
assert (np.diff(D, axis=1) >= 0).all()

# A flat index stores the vectors themselves: reconstruct gives them back.
vecs = np.zeros((k, d), dtype="float32")
for i, val in enumerate(I[0].tolist()):
    vecs[i, :] = index.reconstruct(val)
print("reconstructed neighbours of query 0:", vecs[:, :5])
assert np.array_equal(vecs, sentence_embeddings[I[0]])
assert np.array_equal(index.reconstruct_n(0, 3), sentence_embeddings[:3])
