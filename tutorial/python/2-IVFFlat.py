"""Faiss's introduction, part 2: a faster, approximate search with IndexIVFFlat.

The vectors are split into nlist cells around k-means centroids; a query
visits only the nprobe cells nearest to it. Written for faisslike; replacing
the import by `import faiss` runs it unchanged on Faiss.
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
quantizer = faiss.IndexFlatL2(d)
index = faiss.IndexIVFFlat(quantizer, d, nlist)
print("is_trained before train:", index.is_trained)

start = time.perf_counter()
index.train(sentence_embeddings)
print("train: %.2f s" % (time.perf_counter() - start))
print("is_trained after train:", index.is_trained)

index.add(sentence_embeddings)
print("ntotal:", index.ntotal)


def search(index):
    start = time.perf_counter()
    D, I = index.search(xq, k)
    elapsed = time.perf_counter() - start
    found = (I[:, 0] == originals).mean()
    print("nprobe=%d: %.1f ms for %d queries, original found first for %.1f%%"
          % (index.nprobe, 1000 * elapsed, len(xq), 100 * found))
    return found


# nprobe = 1 (the default) visits one cell: fast, and it misses the
# neighbours that fall in another cell.
found_1 = search(index)
# More cells, more of the exact results.
index.nprobe = 10
found_10 = search(index)
assert found_10 >= found_1 and found_10 > 0.9

# The inverted lists do not know where each id is stored, so reconstruct
# needs a direct map.
try:
    index.reconstruct(7460)
except RuntimeError as e:
    print("reconstruct without a direct map: RuntimeError:", e)
else:
    raise AssertionError("reconstruct should need make_direct_map()")

index.make_direct_map()
vec = index.reconstruct(7460)
print("reconstruct(7460)[:5] =", vec[:5])
assert np.array_equal(vec, sentence_embeddings[7460])
