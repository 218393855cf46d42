"""The items of the validation kit, drawn reproducibly from a run's model (pure functions).

- :func:`word_intrusion_items`: Chang et al. (2009) word intrusion. A topic's ``top_words``
  most probable words plus one *intruder*: a word among the top ``intruder_top`` words of
  another topic whose probability in this topic is low (its rank in this topic lies in
  the lowest ``intruder_low_quantile`` of the vocabulary), shuffled. A coherent topic
  makes the intruder easy to spot.
- :func:`topic_intrusion_items`: Chang et al. (2009) topic intrusion. A document with its
  ``top_topics`` largest topics plus one topic drawn among those below the document's
  median share, shuffled. A model whose shares fit the text makes the intruder easy.
- :func:`stratified_sample`: documents for the coding sheet, the same number from each
  dominant topic where it has enough (the rest from the other topics), and within a
  topic drawn from each group in turn, so that small topics and groups are coded too.

Every function takes a ``numpy.random.Generator``: the same seed gives the same items.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from zhtopics.errors import ZhtopicsError
from zhtopics.params import TopicIntrusionParams, WordIntrusionParams

logger = logging.getLogger(__name__)


def word_intrusion_items(
    topic_word: np.ndarray, words: list[str], params: WordIntrusionParams, rng: np.random.Generator
) -> list[dict]:
    """Word-intrusion items: for each topic, ``items_per_topic`` items with distinct intruders.

    Parameters
    ----------
    topic_word : ndarray, shape (k, V)
        P(word | topic).
    words : list of str
        Column j's word.
    params : WordIntrusionParams
    rng : numpy.random.Generator

    Returns
    -------
    list of dict
        ``topic``, ``options`` (the shuffled words), ``answer`` (the intruder's position,
        1-based), ``intruder``, ``intruder_topic``.
    """
    k, v = topic_word.shape
    if k < 2:
        raise ZhtopicsError("word intrusion needs a model with at least 2 topics")
    order = np.argsort(-topic_word, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(k)[:, None], order] = np.arange(v)
    low_rank = int(np.floor((1 - params.intruder_low_quantile) * v))
    items = []
    for topic in range(k):
        top = order[topic, : params.top_words]
        candidates = sorted(
            {
                int(w): other
                for other in range(k)
                if other != topic
                for w in order[other, : params.intruder_top]
                if rank[topic, w] >= low_rank and w not in top
            }.items()
        )
        if not candidates:
            logger.warning("word intrusion: topic %d has no intruder candidate; left out", topic)
            continue
        picks = rng.choice(len(candidates), size=min(params.items_per_topic, len(candidates)), replace=False)
        for pick in sorted(picks.tolist()):
            intruder, intruder_topic = candidates[pick]
            options = [*(int(w) for w in top), intruder]
            permutation = rng.permutation(len(options))
            shown = [words[options[i]] for i in permutation]
            items.append(
                {
                    "topic": topic,
                    "options": shown,
                    "answer": int(np.flatnonzero(permutation == len(options) - 1)[0]) + 1,
                    "intruder": words[intruder],
                    "intruder_topic": intruder_topic,
                }
            )
    return items


def topic_intrusion_items(
    doc_topic: np.ndarray, rows: np.ndarray, params: TopicIntrusionParams, rng: np.random.Generator
) -> list[dict]:
    """Topic-intrusion items for the documents ``rows`` of ``doc_topic``.

    Returns
    -------
    list of dict
        ``row``, ``options`` (topic numbers, shuffled), ``shares`` (the document's share of
        each option), ``answer`` (the intruder's position, 1-based), ``intruder``.
    """
    k = doc_topic.shape[1]
    top_n = min(params.top_topics, k - 1)
    if top_n < 1:
        raise ZhtopicsError("topic intrusion needs a model with at least 2 topics")
    items = []
    for row in rows:
        shares = doc_topic[row]
        order = np.argsort(-shares, kind="stable")
        top, rest = order[:top_n], order[top_n:]
        low = rest[shares[rest] <= np.median(shares)]
        intruder = int(rng.choice(low if len(low) else rest[-1:]))
        options = [*(int(t) for t in top), intruder]
        permutation = rng.permutation(len(options))
        shown = [options[i] for i in permutation]
        items.append(
            {
                "row": int(row),
                "options": shown,
                "shares": [float(shares[t]) for t in shown],
                "answer": int(np.flatnonzero(permutation == len(options) - 1)[0]) + 1,
                "intruder": intruder,
            }
        )
    return items


def stratified_sample(strata: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """Rows to sample, stratified by ``topic`` and, within a topic, by ``group``.

    Parameters
    ----------
    strata : pandas.DataFrame
        One row per eligible document: ``row`` (its position), ``topic`` (dominant topic)
        and ``group``.
    n : int
        Documents wanted (fewer when there are fewer).

    Returns
    -------
    ndarray of int
        The sampled rows, grouped by topic in topic order.

    Notes
    -----
    Each topic gets ``n // topics`` documents (one more for the first ``n % topics``);
    what a small topic cannot give goes to the others in turn. Within a topic the groups
    are visited in turn (a random order of groups, then of each group's documents).
    """
    queues = {}
    for topic, frame in strata.groupby("topic", sort=True):
        groups = [rng.permutation(g["row"].to_numpy()).tolist() for _, g in frame.groupby("group", sort=True)]
        groups = [groups[i] for i in rng.permutation(len(groups))]
        interleaved = [
            doc for turn in range(max(map(len, groups))) for doc in (g[turn] for g in groups if turn < len(g))
        ]
        queues[topic] = interleaved
    wanted = min(n, len(strata))
    taken = {topic: 0 for topic in queues}
    while sum(taken.values()) < wanted:
        for topic in queues:
            if taken[topic] < len(queues[topic]) and sum(taken.values()) < wanted:
                taken[topic] += 1
    return np.array([row for topic in queues for row in queues[topic][: taken[topic]]], dtype=np.int64)
