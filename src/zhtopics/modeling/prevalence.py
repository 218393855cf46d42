"""Topic shares per group of documents, with a bootstrap interval (``results/prevalence_by_group.csv``,
and ``results/prevalence_by_time.csv``, whose groups are periods: :mod:`zhtopics.modeling.periods`).

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
document): ``low`` and ``high`` are left empty rather than a width of zero. Resampling costs
documents × topics × draws; a group of more than ``bootstrap_max_docs`` documents gets the
normal approximation the bootstrap converges to (the delta method for a ratio of sums, plus
the spread between seeds' models), computed in one pass: at that size the interval is a
fraction of a percentage point either way.

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
from zhtopics.params import PrevalenceParams

logger = logging.getLogger(__name__)

#: Columns of ``results/prevalence_by_group.csv`` (the results contract).
PREVALENCE_COLUMNS = ["group", "topic", "share", "low", "high", "n_docs", "n_tokens"]
#: Columns of ``results/prevalence_by_time.csv`` (the results contract; ``n_tokens`` added after).
PREVALENCE_TIME_COLUMNS = ["period", "topic", "share", "low", "high", "n_docs", "n_tokens"]
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


def check_interval_settings(settings: PrevalenceParams) -> None:
    """One-line errors for ``prevalence.draws``, ``level`` and ``bootstrap_max_docs`` out of range."""
    if settings.draws < 1:
        raise ZhtopicsError(f"prevalence.draws: {settings.draws} must be at least 1")
    if not 0 < settings.level < 1:
        raise ZhtopicsError(f"prevalence.level: {settings.level} must be between 0 and 1 (e.g. 0.95)")
    if settings.bootstrap_max_docs < 2:
        raise ZhtopicsError(f"prevalence.bootstrap_max_docs: {settings.bootstrap_max_docs} must be at least 2")


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
    each model), ``weights`` M, memberships sorted by group with ``sizes`` per group. The
    sums run along the last axis of a K × M copy: several times faster than along rows."""
    n_models, members, k = weighted.shape
    by_topic = np.ascontiguousarray(weighted.transpose(0, 2, 1))  # S × K × M
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    owner_start, owner_size = np.repeat(starts, sizes), np.repeat(sizes, sizes)
    out = np.empty((draws, len(sizes), k))
    with np.errstate(invalid="ignore", divide="ignore"):
        for draw in range(draws):
            model = rng.integers(n_models) if n_models > 1 else 0
            picked = owner_start + np.floor(rng.random(members) * owner_size).astype(np.int64)
            totals = np.add.reduceat(weights[picked], starts)
            out[draw] = (np.add.reduceat(np.take(by_topic[model], picked, axis=1), starts, axis=1) / totals).T
    return out


def _bootstrap_intervals(
    weighted: np.ndarray, weights: np.ndarray, sizes: np.ndarray, settings: PrevalenceParams
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals (low, high: G × K) of groups whose memberships are consecutive
    runs of ``sizes`` in ``weighted`` (S × M × K) and ``weights`` (M), block by block."""
    n_groups, k = len(sizes), weighted.shape[2]
    low, high = np.full((n_groups, k), np.nan), np.full((n_groups, k), np.nan)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rng = np.random.default_rng(settings.seed)
    per_block = max(1, _BLOCK_VALUES // max(1, settings.draws * k))
    quantiles = [50 * (1 - settings.level), 50 * (1 + settings.level)]
    for first in range(0, n_groups, per_block):
        block = slice(first, min(first + per_block, n_groups))
        members = slice(starts[block][0], starts[block][-1] + sizes[block][-1])
        resampled = _bootstrap_block(weighted[:, members], weights[members], sizes[block], settings.draws, rng)
        low[block], high[block] = _finite_quantiles(resampled, quantiles)
    return low, high


def _finite_quantiles(values: np.ndarray, percents: list[float]) -> list[np.ndarray]:
    """Percentiles along the first axis over the finite values only (linear interpolation, as
    :func:`numpy.nanpercentile`, whose NaN path is a slow loop over columns); NaN where none."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    count = np.isfinite(values).sum(axis=0)
    result = []
    for percent in percents:
        position = percent / 100 * np.maximum(count - 1, 0)
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(count - 1, 0))
        low = np.take_along_axis(ordered, below[None], axis=0)[0]
        high = np.take_along_axis(ordered, above[None], axis=0)[0]
        result.append(np.where(count > 0, low + (position - below) * (high - low), np.nan))
    return result


def _squared_deviations(model: np.ndarray, weights: np.ndarray, share: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """``(model - weights[:, None] * share[owner]) ** 2`` in one array (no temporaries: at a
    million documents each is a fresh D × K array)."""
    deviations = share[owner]
    deviations *= weights[:, None]
    np.subtract(model, deviations, out=deviations)
    return np.square(deviations, out=deviations)


def _normal_intervals(
    weighted: np.ndarray, weights: np.ndarray, sizes: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """The normal approximation of the same interval (delta method for a ratio of sums; with
    several models, their spread added), for groups too large to resample cheaply."""
    from scipy.stats import norm

    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    totals = _group_sums(weights, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.stack([_group_sums(model, starts) / totals[:, None] for model in weighted])  # S × G × K
        # resampling n documents: Var(sum of w_i (theta_i - R)) = sum of (w_i (theta_i - R))^2
        within = np.stack(
            [
                _group_sums(_squared_deviations(model, weights, share, owner), starts) / totals[:, None] ** 2
                for model, share in zip(weighted, shares)
            ]
        ).mean(axis=0)
    spread = np.sqrt(within + shares.var(axis=0))
    centre = shares.mean(axis=0)
    z = norm.ppf(0.5 + level / 2)
    return np.clip(centre - z * spread, 0.0, 1.0), np.clip(centre + z * spread, 0.0, 1.0)


def group_shares(
    doc_topic: np.ndarray,
    n_tokens: np.ndarray,
    rows: np.ndarray,
    groups: np.ndarray | list,
    settings: PrevalenceParams,
    point: np.ndarray | None = None,
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
    settings : PrevalenceParams
        ``prevalence``: ``draws`` (resamples), ``level`` (e.g. 0.95), ``seed`` (the same
        inputs give the same intervals) and ``bootstrap_max_docs`` (larger groups get the
        normal approximation of the interval, which the bootstrap converges to).
    point : ndarray, optional
        D × K shares the point estimate ``share`` is computed from (e.g. the consensus of
        the seeds' models given as ``doc_topic``); default: the mean over ``doc_topic``'s models.

    Returns
    -------
    GroupShares
        A group whose documents have no token has NaN shares; a group of one document
        (from one model) has NaN ``low`` and ``high``.
    """
    check_interval_settings(settings)
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
    every_row_once = len(rows) == theta.shape[1] and np.array_equal(rows, np.arange(len(rows)))
    weighted = member_weights[None, :, None] * (theta if every_row_once else theta[:, rows, :])
    totals = _group_sums(member_weights, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        if point is not None:
            centre = member_weights[:, None] * np.asarray(point)[rows]
        else:  # the mean of one model is that model (x / 1 = x): no copy
            centre = weighted[0] if len(weighted) == 1 else weighted.mean(axis=0)
        share = _group_sums(centre, starts) / totals[:, None]
    low, high = np.full_like(share, np.nan), np.full_like(share, np.nan)
    wanted = (sizes >= 2) | (theta.shape[0] > 1)  # one document, one model: no interval
    for chosen, intervals in (
        (wanted & (sizes <= settings.bootstrap_max_docs), _bootstrap_intervals),
        (wanted & (sizes > settings.bootstrap_max_docs), _normal_intervals),
    ):
        if chosen.any():
            argument = settings if intervals is _bootstrap_intervals else settings.level
            if chosen.all():  # no copy of the memberships
                low[chosen], high[chosen] = intervals(weighted, member_weights, sizes, argument)
            else:
                members = np.repeat(chosen, sizes)
                low[chosen], high[chosen] = intervals(
                    weighted[:, members], member_weights[members], sizes[chosen], argument
                )
    low[~np.isfinite(share)], high[~np.isfinite(share)] = np.nan, np.nan
    logger.debug("shares of %d groups × %d topics (%d draws)", *share.shape, settings.draws)
    return GroupShares(list(labels), share, low, high, sizes, totals.round().astype(np.int64))


def prevalence_table(shares: GroupShares, topics: list[int] | None = None, key: str = "group") -> pd.DataFrame:
    """``results/prevalence_by_group.csv``: one row per group and topic (:data:`PREVALENCE_COLUMNS`).

    Parameters
    ----------
    shares : GroupShares
        From :func:`group_shares`.
    topics : list of int, optional
        The topic numbers of the columns (default 0 … K-1).
    key : str
        The name of the first column: ``group``, or ``period`` for ``prevalence_by_time.csv``
        (:data:`PREVALENCE_TIME_COLUMNS`).
    """
    n_groups, k = shares.share.shape
    topics = list(range(k)) if topics is None else list(topics)
    table = pd.DataFrame(
        {
            key: np.repeat(np.asarray(shares.groups, dtype=object), k),
            "topic": np.tile(topics, n_groups),
            "share": shares.share.ravel(),
            "low": shares.low.ravel(),
            "high": shares.high.ravel(),
            "n_docs": np.repeat(shares.n_docs, k),
            "n_tokens": np.repeat(shares.n_tokens, k),
        }
    )
    table[["share", "low", "high"]] = table[["share", "low", "high"]].round(6)
    return table[[key, *PREVALENCE_COLUMNS[1:]]]
