"""Held-out evidence of one sweep run: document completion and agreement over a subsample.

For a run (engine, K, seed) the documents are split by the seed: a share
``selection.heldout.share`` of the documents with at least two tokens is held out, and
the engine is fitted again, same K and seed, on the others (the training split). Then:

- **document completion** (Wallach et al. 2009, "Evaluation methods for topic models"):
  each held-out document's tokens are shuffled (by the seed) and cut in two; the topics
  of the document are inferred from the first part (``selection.heldout.observed`` of
  its tokens) with the engine's own inference, and the second part is scored,
  :meth:`~zhtopics.modeling.engines.base.TopicEngine.completion_log_likelihood`. Words
  that the training split never saw are left out of both parts, so that every engine
  and K of a seed scores the same tokens and the comparison is paired, document by
  document;
- **subsample agreement** (Greene, O'Callaghan and Cunningham 2014, "How many topics?
  Stability analysis for topic models"): the topics fitted on the training split (a
  random subsample of the documents) against the topics fitted on all documents: each
  topic is its ranked list of top words, two lists agree by their average Jaccard
  similarity over the depths 1..t, topics are matched one-to-one (Hungarian matching),
  and the agreement is the mean over the matched pairs (unmatched topics, when the two
  models have different numbers of topics, count 0).

The split depends only on the documents and the seed, so every engine and K of a seed
holds out the same documents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from zhtopics.modeling.data import ModelInput
from zhtopics.modeling.engines import FittedModel, fit, get_engine
from zhtopics.params import HeldoutParams

logger = logging.getLogger(__name__)

#: Columns the held-out evidence appends to a sweep row.
HELDOUT_COLUMNS = ["heldout_ll", "heldout_tokens", "subsample_agreement"]


@dataclass(frozen=True)
class HeldoutSplit:
    """The documents of one seed's split and the two parts of each held-out document.

    Attributes
    ----------
    train_rows : ndarray of int
        Rows of the model input fitted on (documents with tokens, not held out).
    rows : ndarray of int
        Held-out rows that keep at least one token in each part.
    observed, held_out : list of list of str
        Each held-out document's observed part and scored part (training words only).
    """

    train_rows: np.ndarray
    rows: np.ndarray
    observed: list[list[str]]
    held_out: list[list[str]]


def split_documents(data: ModelInput, share: float, max_docs: int, observed: float, seed: int) -> HeldoutSplit:
    """Hold out ``share`` of the documents with at least two tokens, at most ``max_docs``
    (chosen by ``seed``), and cut each held-out document into an observed part (``observed``
    of its tokens) and a scored part."""
    lengths = data.bow.lengths()
    with_tokens = np.flatnonzero(lengths > 0)
    eligible = np.flatnonzero(lengths >= 2)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20141]))
    n_out = min(max(int(round(share * len(eligible))), 1), max_docs, max(len(eligible) - 1, 0))
    held = np.sort(rng.choice(eligible, size=n_out, replace=False)) if n_out else np.zeros(0, dtype=int)
    train_rows = np.setdiff1d(with_tokens, held)
    train_words = _words_of(data, train_rows)
    rows, seen, scored = [], [], []
    for row, tokens in zip(held.tolist(), data.texts_of(held.tolist()), strict=True):
        tokens = [t for t in tokens if t in train_words]
        order = rng.permutation(len(tokens))
        cut = int(np.floor(observed * len(tokens)))
        if cut < 1 or cut >= len(tokens):
            continue
        rows.append(row)
        seen.append([tokens[i] for i in order[:cut]])
        scored.append([tokens[i] for i in order[cut:]])
    return HeldoutSplit(train_rows, np.asarray(rows, dtype=int), seen, scored)


def _words_of(data: ModelInput, rows: np.ndarray) -> set[str]:
    """The words that occur in the given rows."""
    bow = data.bow
    document = np.repeat(np.arange(len(bow)), np.diff(bow.offsets))
    ids = np.unique(np.asarray(bow.ids)[np.isin(document, rows)])
    return {data.dictionary[int(i)] for i in ids}


def average_jaccard(a: list, b: list) -> float:
    """Average Jaccard similarity of two ranked lists over the depths 1..len (Greene et al. 2014).

    >>> average_jaccard(["x", "y"], ["y", "x"])
    0.5
    """
    depth = min(len(a), len(b))
    if depth == 0:
        return 0.0
    values = [len(set(a[:d]) & set(b[:d])) / len(set(a[:d]) | set(b[:d])) for d in range(1, depth + 1)]
    return float(np.mean(values))


def ranking_agreement(a: np.ndarray, b: np.ndarray, topn: int) -> float:
    """Agreement of two topic-word matrices over the same vocabulary: average Jaccard of
    their topics' top ``topn`` words, topics matched one-to-one; unmatched topics count 0."""
    top_a = np.argsort(-a, axis=1, kind="stable")[:, :topn].tolist()
    top_b = np.argsort(-b, axis=1, kind="stable")[:, :topn].tolist()
    similarity = np.array([[average_jaccard(x, y) for y in top_b] for x in top_a])
    rows, cols = linear_sum_assignment(-similarity)
    return float(similarity[rows, cols].sum() / max(len(top_a), len(top_b)))


@dataclass
class HeldoutResult:
    """The held-out evidence of one run: its sweep columns and the per-document scores."""

    row: dict
    documents: pd.DataFrame  # row (of the model input), tokens (scored), ll (nats)


def heldout_evidence(
    data: ModelInput,
    engine: str,
    k: int,
    seed: int,
    engines_params,
    full_topic_word: np.ndarray,
    settings: HeldoutParams,
) -> HeldoutResult:
    """Fit (engine, k, seed) on the seed's training split; score document completion and
    the agreement with the model fitted on all documents (``full_topic_word``).

    Returns
    -------
    HeldoutResult
        ``row``: ``heldout_ll`` (nats per scored token, all held-out documents pooled),
        ``heldout_tokens`` (tokens scored) and ``subsample_agreement``; ``documents``: each
        held-out document's scored tokens and log likelihood.
    """
    split = split_documents(data, settings.share, settings.max_docs, settings.observed, seed)
    training = ModelInput(data.dictionary, data.texts_of(split.train_rows.tolist()))
    fitted: FittedModel = fit(engine, training, k, seed, engines_params)
    scores = get_engine(engine).completion_log_likelihood(fitted, split.observed, split.held_out, seed)
    tokens = np.array([len(part) for part in split.held_out], dtype=np.int64)
    total = int(tokens.sum())
    row = {
        "heldout_ll": round(float(scores.sum() / total), 6) if total else float("nan"),
        "heldout_tokens": total,
        "subsample_agreement": round(ranking_agreement(full_topic_word, fitted.topic_word, settings.agreement_topn), 6),
    }
    documents = pd.DataFrame({"row": split.rows, "tokens": tokens, "ll": scores.astype(np.float64)})
    return HeldoutResult(row, documents)
