"""Label-free measures of a topic model: coherence, diversity and stability across seeds.

- coherence ``c_v``, ``c_npmi`` and ``u_mass`` of each topic's top words (gensim
  ``CoherenceModel`` on the training texts or a fixed sample of them);
- ``diversity``: the share of unique words among all topics' top words;
- ``stability``: for each pair of seeds the topics are aligned one-to-one by Hungarian
  matching (scipy ``linear_sum_assignment``) on the cosine similarity of their word
  distributions; stability is the mean matched similarity over topics and pairs (1.0:
  every seed finds the same topics).
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
from scipy.optimize import linear_sum_assignment

from zhtopics.modeling.data import ModelInput

logger = logging.getLogger(__name__)

COHERENCE_MEASURES = ("c_v", "c_npmi", "u_mass")


def coherence(topics: list[list[str]], data: ModelInput, measure: str) -> float:
    """Mean coherence of the topics' word lists with gensim ``CoherenceModel``.

    ``data`` is the reference corpus: :meth:`ModelInput.reference` (documents with tokens,
    or a fixed sample of them for large corpora)."""
    from gensim.models import CoherenceModel

    rows = range(data.n_docs)
    model = CoherenceModel(
        topics=topics,
        texts=data.texts_of(rows),
        corpus=list(data.bow),
        dictionary=data.dictionary,
        coherence=measure,
        topn=len(topics[0]),
        processes=1,
    )
    return float(model.get_coherence())


def topic_diversity(topic_word: np.ndarray, topn: int = 25) -> float:
    """Share of distinct words among all topics' top ``topn`` words (1.0: no word shared)."""
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :topn]
    return len(np.unique(top)) / top.size


def matched_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """Align the topics of two models one-to-one and return their mean cosine similarity.

    Parameters
    ----------
    a, b : ndarray, shape (k_a, n_terms) and (k_b, n_terms)
        Topic-word matrices of two models over the same vocabulary (a mixture engine may
        keep different numbers of topics under different seeds).

    Returns
    -------
    similarity : float
        Mean cosine similarity of matched topic pairs (Hungarian matching); with
        ``k_a != k_b`` the unmatched topics count 0 (the sum is divided by the larger k).
    matching : ndarray of int
        ``matching[i]`` is the topic of ``b`` matched to topic ``i`` of ``a`` (−1: none).
    """
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    similarity = an @ bn.T
    rows, cols = linear_sum_assignment(-similarity)
    matching = np.full(a.shape[0], -1, dtype=int)
    matching[rows] = cols
    return float(similarity[rows, cols].sum() / max(a.shape[0], b.shape[0])), matching


def stability(topic_words: list[np.ndarray]) -> dict:
    """Mean matched similarity over all pairs of runs (same engine and K, different seeds).

    Returns
    -------
    dict
        ``stability`` (mean over pairs), ``stability_sd``, ``pairs``, and ``typicality``:
        each run's mean similarity to the others (the most typical run is the medoid).
    """
    n = len(topic_words)
    pair_similarity = np.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        pair_similarity[i, j] = pair_similarity[j, i] = matched_similarity(topic_words[i], topic_words[j])[0]
    values = [pair_similarity[i, j] for i, j in itertools.combinations(range(n), 2)]
    typicality = (pair_similarity.sum(axis=1) - 1) / max(n - 1, 1)
    return {
        "stability": float(np.mean(values)) if values else float("nan"),
        "stability_sd": float(np.std(values)) if values else float("nan"),
        "pairs": len(values),
        "typicality": typicality.tolist(),
    }
