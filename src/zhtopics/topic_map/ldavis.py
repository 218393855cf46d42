"""The LDAvis data of a topic model: pyLDAvis's ``prepare`` in the model's own topic order.

- :func:`prepare_topic_map` runs ``pyLDAvis.prepare`` with topic numbers 0..K-1 in the
  model's row order (the numbers of ``results/topics.csv`` and ``topic_labels.csv``).
- :func:`pcoa` is its reproducible layout (principal coordinates of the topics'
  Jensen-Shannon divergences).
- :func:`prepared_dict` is the JSON-ready dict of the prepared data that a page embeds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

#: Floor for topic-word probabilities: LDAvis takes their logarithm, and log(0) would put
#: -Infinity (not valid JSON) into the page.
MIN_PROBABILITY = 1e-12


def _js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (natural log), LDAvis's distance between two topics."""
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q)) ** 2


def pcoa(distributions: np.ndarray) -> np.ndarray:
    """Topic coordinates by principal coordinate analysis of Jensen-Shannon divergences.

    The same method as pyLDAvis's ``mds="pcoa"`` (``js_PCoA``), made reproducible: the
    symmetric eigensolver (``eigh``; ``eig`` may return complex values for a matrix that
    is symmetric only up to rounding) and a fixed sign per axis (the coordinate of largest
    absolute value is positive), which LAPACK leaves arbitrary.

    Parameters
    ----------
    distributions : ndarray, shape (K, V)
        One probability distribution per row.

    Returns
    -------
    ndarray, shape (K, 2)
    """
    from scipy.spatial.distance import pdist, squareform

    distributions = np.asarray(distributions, dtype=np.float64)
    n = distributions.shape[0]
    coordinates = np.zeros((n, 2))
    if n < 2:
        return coordinates
    squared = squareform(pdist(distributions, metric=_js_divergence)) ** 2
    centring = np.eye(n) - np.full((n, n), 1.0 / n)
    inner = -centring @ squared @ centring / 2
    values, vectors = np.linalg.eigh((inner + inner.T) / 2)
    order = np.argsort(values, kind="stable")[::-1][:2]
    values = np.clip(values[order], 0.0, None)
    axes = vectors[:, order] * np.sqrt(values)
    for j in range(axes.shape[1]):
        if axes[np.argmax(np.abs(axes[:, j])), j] < 0:
            axes[:, j] = -axes[:, j]
    coordinates[:, : axes.shape[1]] = axes
    return coordinates


def prepare_topic_map(
    topic_word: np.ndarray,
    doc_topic: np.ndarray,
    doc_lengths: Sequence[int],
    vocab: Sequence[str],
    term_frequency: Sequence[float],
    *,
    terms: int = 30,
    lambda_step: float = 0.01,
):
    """The LDAvis data of a model, with topic numbers 0..K-1 in the order of its rows.

    Runs ``pyLDAvis.prepare`` with ``sort_topics=False`` and ``start_index=0`` (so topic
    ``i`` of the map is row ``i`` of ``topic_word``, as in ``results/topics.csv``), the
    reproducible :func:`pcoa` layout and one process (``n_jobs=1``: the computation takes
    a fraction of a second; worker processes would take longer to start).

    Parameters
    ----------
    topic_word : ndarray, shape (K, V)
        Topic-word probabilities (rows sum to 1; column ``j`` is word ``vocab[j]``).
        Probabilities below :data:`MIN_PROBABILITY` are raised to it (rows renormalised).
    doc_topic : ndarray, shape (D, K)
        Document-topic probabilities, rows in document order.
    doc_lengths : sequence of int, length D
        Tokens of each document in the vocabulary. Documents of length 0 carry no
        information and are left out (their topic rows may be anything, even NaN).
    vocab : sequence of str, length V
    term_frequency : sequence of float, length V
        Corpus frequency of each word. (pyLDAvis only checks its length: it draws the
        model's own estimate, the topic-word matrix weighted by topic sizes.)
    terms : int
        Terms in the bar chart (LDAvis's ``R``; the chart shows at most 30).
    lambda_step : float
        Grid step of the relevance slider.

    Returns
    -------
    pyLDAvis.PreparedData

    Raises
    ------
    ZhtopicsError
        If the shapes disagree, there are fewer than two topics, or no document has tokens.
    """
    import pyLDAvis

    topic_word = np.asarray(topic_word, dtype=np.float64)
    doc_topic = np.asarray(doc_topic, dtype=np.float64)
    doc_lengths = np.asarray(doc_lengths, dtype=np.int64)
    vocab = [str(word) for word in vocab]
    term_frequency = np.asarray(term_frequency, dtype=np.float64)
    if topic_word.ndim != 2 or doc_topic.ndim != 2:
        raise ZhtopicsError("topic map: topic_word and doc_topic must be matrices")
    k, v = topic_word.shape
    problems = []
    if doc_topic.shape[1] != k:
        problems.append(f"doc_topic has {doc_topic.shape[1]} topics, topic_word {k}")
    if len(doc_lengths) != doc_topic.shape[0]:
        problems.append(f"{len(doc_lengths)} document lengths for {doc_topic.shape[0]} doc_topic rows")
    if len(vocab) != v or len(term_frequency) != v:
        problems.append(f"{len(vocab)} words and {len(term_frequency)} frequencies for {v} topic_word columns")
    if problems:
        raise ZhtopicsError("topic map: inputs disagree: " + "; ".join(problems))
    if k < 2:
        raise ZhtopicsError(f"topic map: needs at least 2 topics, the model has {k}")
    keep = doc_lengths > 0
    if not keep.any():
        raise ZhtopicsError("topic map: no document has tokens in the dictionary")
    if not keep.all():
        logger.info("topic map: %d of %d documents have no tokens and are left out", (~keep).sum(), len(keep))
    doc_topic = doc_topic[keep]
    doc_topic = doc_topic / doc_topic.sum(axis=1, keepdims=True)
    topic_word = np.maximum(topic_word, MIN_PROBABILITY)
    topic_word = topic_word / topic_word.sum(axis=1, keepdims=True)
    return pyLDAvis.prepare(
        topic_word,
        doc_topic,
        doc_lengths[keep],
        vocab,
        term_frequency,
        R=terms,
        lambda_step=lambda_step,
        mds=pcoa,
        n_jobs=1,
        sort_topics=False,
        start_index=0,
    )


def prepared_dict(prepared) -> dict:
    """The JSON-ready dict of a PreparedData, numbers rounded (smaller, stable page)."""
    coordinates = prepared.topic_coordinates.round({"x": 6, "y": 6, "Freq": 6})
    info = prepared.topic_info.round({"Freq": 4, "Total": 4, "logprob": 4, "loglift": 4})
    tokens = prepared.token_table.round({"Freq": 6})
    return {
        "mdsDat": coordinates.to_dict(orient="list"),
        "tinfo": info.to_dict(orient="list"),
        "token.table": tokens.to_dict(orient="list"),
        "R": int(prepared.R),
        "lambda.step": float(prepared.lambda_step),
        "plot.opts": dict(prepared.plot_opts),
        "topic.order": [int(t) for t in prepared.topic_order],
    }
