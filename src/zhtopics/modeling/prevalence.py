"""Topic shares per group of documents, with a bootstrap interval (``results/prevalence_by_group.csv``).

A group is an article of the seed corpus (or a value of ``corpus.group_column``): its share
of topic *t* is the token-weighted mean of its documents' shares of *t*, the same number
as in ``article_topics.csv``. A document may belong to several groups (a paragraph kept
once and repeated in other articles counts in each of them).

The interval is a percentile bootstrap over each group's documents: the documents are
resampled with replacement ``draws`` times and the share recomputed; ``low`` and ``high``
are the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled shares.
With several seeds' models (their topics aligned, e.g. by a consensus), each resample also
draws one of the models, so that the interval covers the disagreement between seeds too.
A group of one document has no interval from one model (every resample is the same
document): ``low`` and ``high`` are left empty rather than a width of zero.

Written here rather than with :func:`scipy.stats.bootstrap`, which bootstraps one sample
at a time: this resamples every group in one pass per draw (thousands of groups cost
little more than one), weights by tokens, lets documents belong to several groups and
draws the model as well.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

#: Columns of ``results/prevalence_by_group.csv`` (the results contract).
PREVALENCE_COLUMNS = ["group", "topic", "share", "low", "high", "n_docs", "n_tokens"]
#: At most this many resampled shares (draws × groups × topics) are held at once; more
#: groups are bootstrapped block by block.
_BLOCK_VALUES = 10_000_000


@dataclass(frozen=True)
class GroupShares:
    """Shares of each group (rows, in the order of ``groups``) per topic (columns).

    Attributes
    ----------
    groups : list
        The group labels.
    share, low, high : ndarray
        G × K: the token-weighted share and the bootstrap interval (NaN where undefined).
    n_docs, n_tokens : ndarray
        G: the documents and tokens each group rests on.
    """

    groups: list
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_docs: np.ndarray
    n_tokens: np.ndarray


def check_interval_settings(draws: int, level: float) -> None:
    """One-line errors for ``prevalence.draws`` and ``prevalence.level`` out of range."""
    if draws < 1:
        raise ZhtopicsError(f"prevalence.draws: {draws} must be at least 1")
    if not 0 < level < 1:
        raise ZhtopicsError(f"prevalence.level: {level} must be between 0 and 1 (e.g. 0.95)")


def _as_models(doc_topic: np.ndarray) -> np.ndarray:
    """D × K (one model) or S × D × K (several seeds' models, topics aligned) → S × D × K."""
    theta = np.asarray(doc_topic, dtype=float)
    if theta.ndim == 2:
        theta = theta[None]
    if theta.ndim != 3:
        raise ZhtopicsError(
            f"doc_topic: expected documents × topics (or seeds × documents × topics), got {theta.shape}"
        )
    return theta


def _group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of consecutive runs of rows beginning at ``starts`` (every run non-empty)."""
    return np.add.reduceat(values, starts, axis=0) if len(values) else np.zeros((0, *values.shape[1:]))


def _bootstrap_block(
    weighted: np.ndarray, weights: np.ndarray, sizes: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Resampled shares (draws × G × K) of the groups of one block.

    ``weighted`` is S × M × K (each membership's token weight times its topic shares, under
    each model), ``weights`` M, memberships sorted by group with ``sizes`` per group."""
    n_models, members, k = weighted.shape
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    out = np.empty((draws, len(sizes), k))
    with np.errstate(invalid="ignore", divide="ignore"):
        for draw in range(draws):
            model = rng.integers(n_models) if n_models > 1 else 0
            picked = starts[owner] + np.floor(rng.random(members) * sizes[owner]).astype(np.int64)
            totals = _group_sums(weights[picked], starts)
            out[draw] = _group_sums(weighted[model, picked], starts) / totals[:, None]
    return out


def group_shares(
    doc_topic: np.ndarray,
    n_tokens: np.ndarray,
    rows: np.ndarray,
    groups: np.ndarray | list,
    draws: int,
    level: float,
    seed: int,
) -> GroupShares:
    """Token-weighted topic shares of groups of documents, with bootstrap intervals.

    Parameters
    ----------
    doc_topic : ndarray
        D × K topic shares of the documents, or S × D × K for S seeds' models whose topics
        are aligned (topic *t* is the same topic in every model).
    n_tokens : ndarray
        D: each document's tokens in the Dictionary (its weight; 0 for an empty document).
    rows, groups : array-like
        The memberships, one pair per (document, group): the document's row in
        ``doc_topic`` and the group's label. Groups are returned in order of first appearance.
    draws : int
        Bootstrap resamples (``prevalence.draws``).
    level : float
        Coverage of the interval, e.g. 0.95 (``prevalence.level``).
    seed : int
        Seed of the resampling (``prevalence.seed``): the same inputs give the same intervals.

    Returns
    -------
    GroupShares
        A group whose documents have no token has NaN shares; a group of one document
        (from one model) has NaN ``low`` and ``high``.
    """
    check_interval_settings(draws, level)
    theta = _as_models(doc_topic)
    weights = np.asarray(n_tokens, dtype=float)
    rows = np.asarray(rows, dtype=np.int64)
    if weights.shape != (theta.shape[1],):
        raise ZhtopicsError(f"n_tokens: {weights.shape[0]} documents but doc_topic has {theta.shape[1]}")
    if len(rows) != len(groups):
        raise ZhtopicsError(f"{len(rows)} membership rows but {len(groups)} group labels")
    codes, labels = pd.factorize(pd.Series(groups, dtype=object), sort=False)
    order = np.argsort(codes, kind="stable")
    rows, codes = rows[order], codes[order]
    sizes = np.bincount(codes, minlength=len(labels)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    member_weights = weights[rows]
    weighted = member_weights[None, :, None] * theta[:, rows, :]
    totals = _group_sums(member_weights, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = _group_sums(weighted.mean(axis=0), starts) / totals[:, None]
    n_groups, k = share.shape
    low, high = np.full_like(share, np.nan), np.full_like(share, np.nan)
    rng = np.random.default_rng(seed)
    per_block = max(1, _BLOCK_VALUES // max(1, draws * k))
    quantiles = [50 * (1 - level), 50 * (1 + level)]
    for first in range(0, n_groups, per_block):
        block = slice(first, min(first + per_block, n_groups))
        members = slice(starts[block][0], starts[block][-1] + sizes[block][-1])
        resampled = _bootstrap_block(weighted[:, members], member_weights[members], sizes[block], draws, rng)
        defined = np.isfinite(resampled).any(axis=0)
        bounds = np.full((2, *defined.shape), np.nan)
        if defined.any():
            bounds[:, defined] = np.nanpercentile(resampled[:, defined], quantiles, axis=0)
        low[block], high[block] = bounds
    single = (sizes < 2) & (theta.shape[0] == 1)
    low[single], high[single] = np.nan, np.nan
    logger.debug("bootstrapped %d groups × %d topics, %d draws", n_groups, k, draws)
    return GroupShares(list(labels), share, low, high, sizes, totals.round().astype(np.int64))


def prevalence_table(shares: GroupShares, topics: list[int] | None = None) -> pd.DataFrame:
    """``results/prevalence_by_group.csv``: one row per group and topic (:data:`PREVALENCE_COLUMNS`).

    Parameters
    ----------
    shares : GroupShares
        From :func:`group_shares`.
    topics : list of int, optional
        The topic numbers of the columns (default 0 … K-1).
    """
    n_groups, k = shares.share.shape
    topics = list(range(k)) if topics is None else list(topics)
    table = pd.DataFrame(
        {
            "group": np.repeat(np.asarray(shares.groups, dtype=object), k),
            "topic": np.tile(topics, n_groups),
            "share": shares.share.ravel(),
            "low": shares.low.ravel(),
            "high": shares.high.ravel(),
            "n_docs": np.repeat(shares.n_docs, k),
            "n_tokens": np.repeat(shares.n_tokens, k),
        }
    )
    table[["share", "low", "high"]] = table[["share", "low", "high"]].round(6)
    return table[PREVALENCE_COLUMNS]
