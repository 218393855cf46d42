"""Is tweetopic's DMM usable as the ``dmm`` engine? The evidence behind rejecting it.

tweetopic cannot be installed beside zhtopics' pins (see ``requirements``), so this script
runs in a scratch virtual environment of its own, with only numpy and tweetopic::

    python3.11 -m venv /tmp/tw && /tmp/tw/bin/pip install tweetopic
    /tmp/tw/bin/python benchmarks/tweetopic_check.py --out benchmarks/results/tweetopic_check.json

It records:

- ``requirements``: tweetopic's declared dependencies (``importlib.metadata``), against
  zhtopics' pins of numpy and scikit-learn;
- ``exact_posterior``: on a six-document corpus with two clusters, the distribution of
  tweetopic's Gibbs chain (its own ``_sampling_step``, 50,000 sweeps) against the exact
  posterior of the collapsed DMM, enumerated over all 2^6 assignments (total variation
  distance; zhtopics' sampler is checked the same way in ``tests/modeling/test_dmm.py``);
- ``long_documents``: two planted topics, documents of 60 to 600 tokens: the share of
  documents whose predicted distribution is exactly uniform (every cluster's probability
  underflowed: tweetopic computes ``exp`` of the log conditional without subtracting its
  maximum) and the agreement of the fitted clusters with the planted ones;
- ``reproducible``: two fits under the same ``random_state`` give the same counts;
- ``speed``: seconds of one fit on 10^5 documents of 15–25 tokens, K = 20, 30 sweeps.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np

PINS = {"numpy": "2.4.6", "scikit-learn": "1.9.1"}  # requirements.lock, for the record
DOCS = [[0, 0, 1], [0, 1], [2, 3, 3], [3, 2], [1, 2], [3, 3, 3, 0]]


def _bow(documents: list[list[int]], n_words: int) -> np.ndarray:
    matrix = np.zeros((len(documents), n_words), dtype=np.int64)
    for row, words in enumerate(documents):
        np.add.at(matrix[row], words, 1)
    return matrix


def exact_posterior(alpha: float, beta: float, k: int, n_words: int) -> tuple[list[tuple], np.ndarray]:
    """Every assignment of :data:`DOCS` to ``k`` clusters and its collapsed posterior."""
    states = list(itertools.product(range(k), repeat=len(DOCS)))
    log_p = []
    for z in states:
        total = 0.0
        for cluster in range(k):
            words = [w for d, c in zip(DOCS, z) if c == cluster for w in d]
            total += math.lgamma(sum(c == cluster for c in z) + alpha) - math.lgamma(len(words) + n_words * beta)
            total += sum(math.lgamma(words.count(w) + beta) for w in range(n_words))
        log_p.append(total)
    p = np.exp(np.array(log_p) - max(log_p))
    return states, p / p.sum()


def check_exact_posterior(sweeps: int = 50_000) -> dict:
    import scipy.sparse as sparse
    from tweetopic._dmm import _sampling_step, init_clusters
    from tweetopic._doc import init_doc_words
    from tweetopic.utils import set_numba_seed

    alpha, beta, k, n_words = 0.5, 0.5, 2, 4
    states, exact = exact_posterior(alpha, beta, k, n_words)
    matrix = sparse.csr_matrix(_bow(DOCS, n_words))
    width = int(np.max(np.diff(matrix.indptr)))
    words, counts = init_doc_words(matrix.tolil(), max_unique_words=width)
    set_numba_seed(0)
    z = np.zeros(len(DOCS), dtype=np.int64)
    docs, tokens, cluster_word = np.zeros(k), np.zeros(k), np.zeros((k, n_words))
    init_clusters(cluster_word, tokens, docs, z, words, counts, width)
    index = {state: i for i, state in enumerate(states)}
    frequency = np.zeros(len(states))
    lengths = counts.sum(axis=1)
    prediction = np.empty(k)
    for _ in range(sweeps):
        _sampling_step(
            alpha, beta, k, n_words, len(DOCS), words, counts, z, docs, tokens, cluster_word, width, prediction, lengths
        )
        frequency[index[tuple(int(c) for c in z)]] += 1
    frequency /= sweeps
    return {
        "documents": DOCS,
        "alpha": alpha,
        "beta": beta,
        "k": k,
        "sweeps": sweeps,
        "total_variation": round(float(0.5 * np.abs(frequency - exact).sum()), 4),
        "note": "Monte Carlo error alone gives about 0.01 at this length (zhtopics' sampler: see test_dmm.py)",
    }


def planted(n_docs: int, n_words: int, k: int, lengths: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_docs`` one-topic documents: 90% of the words from the topic's own block, 10% from anywhere."""
    rng = np.random.default_rng(seed)
    block = n_words // k
    topic = rng.integers(0, k, n_docs)
    phi = rng.dirichlet(np.ones(block), size=k)
    matrix = np.zeros((n_docs, n_words), dtype=np.int32)
    for row in range(n_docs):
        n = int(rng.integers(*lengths, endpoint=True))
        own = rng.random(n) < 0.9
        words = np.where(own, topic[row] * block + rng.choice(block, n, p=phi[topic[row]]), rng.integers(0, n_words, n))
        np.add.at(matrix[row], words, 1)
    return topic, matrix


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised mutual information (arithmetic mean), numpy only."""
    a, b = np.unique(a, return_inverse=True)[1], np.unique(b, return_inverse=True)[1]
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    p = table / len(a)
    pa, pb = p.sum(axis=1), p.sum(axis=0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    ha, hb = -(pa[pa > 0] * np.log(pa[pa > 0])).sum(), -(pb[pb > 0] * np.log(pb[pb > 0])).sum()
    return mi / ((ha + hb) / 2) if ha + hb > 0 else 1.0


def check_long_documents() -> list[dict]:
    from tweetopic import DMM

    rows = []
    for length in (60, 200, 600):
        topic, matrix = planted(400, 500, 2, (length, length), seed=1)
        model = DMM(n_components=4, n_iterations=30, alpha=0.1, beta=0.1, random_state=1).fit(matrix)
        proba = model.transform(matrix)
        uniform = np.isclose(proba, 1 / proba.shape[1]).all(axis=1)
        rows.append(
            {
                "tokens_per_document": length,
                "share_of_uniform_rows": round(float(uniform.mean()), 4),
                "nmi_with_planted": round(agreement(topic, proba.argmax(axis=1)), 4),
                "occupied_clusters": int((model.cluster_doc_count > 0).sum()),
            }
        )
    return rows


def check_reproducible() -> dict:
    from tweetopic import DMM

    _, matrix = planted(2000, 500, 5, (15, 25), seed=2)
    first = DMM(n_components=10, n_iterations=20, random_state=3).fit(matrix)
    second = DMM(n_components=10, n_iterations=20, random_state=3).fit(matrix)
    return {
        "same_counts_same_seed": bool(np.array_equal(first.components_, second.components_)),
        "note": "seeding calls np.random.seed (the global numpy state) as a side effect",
    }


def check_speed() -> dict:
    from tweetopic import DMM

    topic, matrix = planted(100_000, 2000, 20, (15, 25), seed=0)
    warm = DMM(n_components=20, n_iterations=1, random_state=1)
    warm.fit(matrix[:1000])  # numba compilation outside the clock
    started = time.perf_counter()
    model = DMM(n_components=20, n_iterations=30, random_state=1).fit(matrix)
    seconds = time.perf_counter() - started
    return {
        "documents": 100_000,
        "k": 20,
        "iterations": 30,
        "seconds": round(seconds, 2),
        "occupied_clusters": int((model.cluster_doc_count > 0).sum()),
        "nmi_with_planted": round(agreement(topic, model.predict(matrix)), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    result = {
        "python": platform.python_version(),
        "versions": {name: metadata.version(name) for name in ("tweetopic", "numpy", "numba", "scikit-learn")},
        "requirements": {"tweetopic": metadata.requires("tweetopic"), "zhtopics_pins": PINS},
        "exact_posterior": check_exact_posterior(),
        "long_documents": check_long_documents(),
        "reproducible": check_reproducible(),
    }
    if not args.skip_speed:
        result["speed"] = check_speed()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
