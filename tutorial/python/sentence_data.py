"""Generated stand-in for the sentence embeddings of Faiss's introductory
tutorial (14,504 sentences embedded in 768 dimensions by a BERT model).

Real sentence embeddings are not isotropic: they share a common direction
(any two sentences have a positive similarity), a handful of dimensions have
a much larger scale than the rest, and sentences cluster by topic, with
variation along a few dozen directions within a topic. The generator
reproduces that shape with numpy alone, from a fixed seed, so the tutorials
need no download and give the same data everywhere.
"""

import numpy as np

NUM_SENTENCES = 14504
DIM = 768


def make_sentence_embeddings(n=NUM_SENTENCES, d=DIM, n_topics=120, seed=1234):
    """n float32 vectors of dimension d shaped like sentence embeddings."""
    rng = np.random.default_rng(seed)
    scale = rng.lognormal(mean=-1.2, sigma=0.4, size=d)
    scale[rng.choice(d, size=6, replace=False)] *= 8.0
    common = rng.normal(0.0, 1.0, size=d) * scale
    topics = rng.normal(0.0, 1.0, size=(n_topics, d)) * scale
    # Topic sizes follow a Zipf-like law, as subjects in a corpus do.
    weights = 1.0 / np.arange(1, n_topics + 1)
    topic_of = rng.choice(n_topics, size=n, p=weights / weights.sum())
    styles = rng.normal(0.0, 1.0, size=(32, d)) * scale
    style_strength = rng.normal(0.0, 1.0, size=(n, 32)) / np.sqrt(np.arange(1, 33))
    noise = rng.normal(0.0, 1.0, size=(n, d)) * scale
    x = common + 0.7 * topics[topic_of] + 0.35 * style_strength @ styles + 0.25 * noise
    return x.astype(np.float32)


def make_paraphrases(xb, ids, strength=0.15, seed=99):
    """Queries that say the same as the sentences xb[ids] in other words:
    each is its original moved by a small random perturbation."""
    rng = np.random.default_rng(seed)
    originals = xb[ids]
    spread = originals.std(axis=0)
    noise = rng.normal(0.0, 1.0, size=originals.shape) * spread * strength
    return (originals + noise).astype(np.float32)
