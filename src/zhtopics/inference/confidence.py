"""Which inferred rows to trust: the flags of ``zhtopics infer``'s ``doc_topics.csv``.

A topic model gives every document a distribution over its topics, even a document it has
no evidence about. A row is flagged ``low_confidence`` when any of these holds (the
thresholds are the ``infer`` section of ``params.yaml``):

- ``no known word``: none of its tokens is in the model's vocabulary (the row is uniform);
- ``few known words``: fewer than ``min_known_tokens`` tokens in the vocabulary;
- ``mostly unknown words``: the share of its tokens that the vocabulary knows,
  ``known_share``, is below ``min_known_share``: a text about another subject shares
  only the common words with the corpus, and its row is decided by them;
- ``flat``: the normalised entropy of its row (0 all on one topic, 1 uniform) is above
  ``max_entropy``: the model cannot tell which topic it is.

The measurement behind the defaults is ``benchmarks/infer_confidence.py`` (planted
corpora: held-out documents of the same topics against documents of other words and
against the seed's real paragraphs), written to ``benchmarks/results/infer_confidence.json``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from zhtopics.params import InferParams

logger = logging.getLogger(__name__)


def normalised_entropy(theta: np.ndarray) -> np.ndarray:
    """Entropy of each row divided by log K: 0 for a row on one topic, 1 for a uniform row."""
    k = theta.shape[1]
    if k < 2:
        return np.zeros(len(theta))
    p = np.clip(theta, 1e-300, None)
    return -(theta * np.log(p)).sum(axis=1) / np.log(k)


def confidence_table(theta: np.ndarray, n_tokens: np.ndarray, n_known: np.ndarray, params: InferParams) -> pd.DataFrame:
    """The confidence columns of each row: known_share, top_share, entropy, low_confidence, reason.

    Parameters
    ----------
    theta : ndarray, shape (n_docs, k)
        Inferred topic shares.
    n_tokens, n_known : ndarray, shape (n_docs,)
        Tokens after segmentation, and those of them in the model's vocabulary.
    params : InferParams
        The thresholds.

    Returns
    -------
    pandas.DataFrame
        Columns ``known_share`` (NaN without tokens), ``top_share``, ``entropy``,
        ``low_confidence`` (bool) and ``low_confidence_reason`` ("" when not flagged; the
        reasons joined with "; ").
    """
    n_tokens, n_known = np.asarray(n_tokens), np.asarray(n_known)
    with np.errstate(invalid="ignore", divide="ignore"):
        known_share = np.where(n_tokens > 0, n_known / np.maximum(n_tokens, 1), np.nan)
    entropy = normalised_entropy(theta)
    checks = [
        ("no known word", n_known == 0),
        ("few known words", (n_known > 0) & (n_known < params.min_known_tokens)),
        ("mostly unknown words", (n_known > 0) & (known_share < params.min_known_share)),
        ("flat", (n_known > 0) & (entropy > params.max_entropy)),
    ]
    reasons = ["; ".join(name for name, flagged in checks if flagged[row]) for row in range(len(theta))]
    return pd.DataFrame(
        {
            "known_share": np.round(known_share, 4),
            "top_share": np.round(theta.max(axis=1), 6),
            "entropy": np.round(entropy, 4),
            "low_confidence": [bool(reason) for reason in reasons],
            "low_confidence_reason": reasons,
        }
    )
