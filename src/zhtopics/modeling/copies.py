"""Articles that are excerpts or near-copies of another, found in stage 1's records.

Stage 1 keeps each paragraph once: every exact or near duplicate is removed and recorded in
``data/interim/removed.csv`` with ``duplicate_of``, the ``doc_id`` of the copy it kept.
Two articles share a paragraph when one holds a copy of a paragraph kept in the other.
For each article, its *copied share* with another article is the share of its paragraphs
that the other also has. An article is a copy of another (``copy_of``) when that share is
at least ``prevalence.copy_min_share`` and larger than the other article's share with it
(an excerpt shares all of itself, the full text only part of itself); of two articles
sharing equal parts, the later one is the copy. A copy is shown as such and not counted
as a separate voice.

In the seed, a04 (微信电商走不通的八个理由) is 11 paragraphs copied word for word from a09,
and a05 one journal-abstract paragraph nearly equal to a09's last one: both are copies of a09.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

#: Columns added at the end of ``article_topics.csv`` (and ``guided_article_topics.csv``).
COPY_COLUMNS = ["copy_of", "copied_share"]


def shared_paragraphs(documents: pd.DataFrame, removed: pd.DataFrame | None) -> pd.DataFrame:
    """How many paragraphs of each article another article also has.

    Parameters
    ----------
    documents : DataFrame
        The kept paragraphs: ``doc_id``, ``article_id``.
    removed : DataFrame or None
        ``removed.csv``: ``article_id`` and ``duplicate_of`` of every removed copy.

    Returns
    -------
    DataFrame
        ``article_id``, ``other``, ``shared``: the paragraphs of ``article_id`` that ``other``
        holds too (its removed copies kept in ``other``, and its kept paragraphs with a copy
        removed from ``other``). Copies within one article are not counted.
    """
    empty = pd.DataFrame({"article_id": [], "other": [], "shared": []}).astype({"shared": "int64"})
    if removed is None or "duplicate_of" not in removed.columns:
        return empty
    copies = removed.dropna(subset=["duplicate_of"])
    if copies.empty:
        return empty
    owner = dict(zip(documents["doc_id"].astype(str), documents["article_id"].astype(str)))
    kept = copies["duplicate_of"].astype(str)
    pairs = pd.DataFrame(
        {"copy": copies["article_id"].astype(str).to_numpy(), "keeper": kept.map(owner).to_numpy(), "doc": kept}
    )
    unknown = pairs["keeper"].isna()
    if unknown.any():
        logger.warning("%d duplicates name a kept paragraph that is not in documents.parquet: ignored", unknown.sum())
    pairs = pairs[~unknown & (pairs["copy"] != pairs["keeper"])]
    # the copy's removed paragraphs, which the keeper's article holds
    removed_side = pairs.groupby(["copy", "keeper"]).size().rename("shared").reset_index()
    removed_side.columns = ["article_id", "other", "shared"]
    # the keeper's paragraphs that have a copy in the other article (each counted once)
    kept_side = pairs.drop_duplicates(["doc", "copy"]).groupby(["keeper", "copy"]).size().rename("shared").reset_index()
    kept_side.columns = ["article_id", "other", "shared"]
    both = pd.concat([removed_side, kept_side], ignore_index=True)
    return both.groupby(["article_id", "other"], as_index=False, sort=True)["shared"].sum()


def find_copies(paragraphs: pd.Series, shared: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """Which article copies which, from the paragraphs they share.

    Parameters
    ----------
    paragraphs : Series
        Paragraphs of each article (index ``article_id``, in the articles' order: of two
        articles sharing equal parts, the later is the copy).
    shared : DataFrame
        From :func:`shared_paragraphs`.
    min_share : float
        ``prevalence.copy_min_share``.

    Returns
    -------
    DataFrame
        Indexed by ``article_id`` in the order of ``paragraphs``: ``copy_of`` (the article it
        copies, or empty) and ``copied_share`` (the share of its paragraphs held by
        ``copy_of``; for an article that copies none, the largest share held by any other
        article, 0 when none).
    """
    if not 0 < min_share <= 1:
        raise ZhtopicsError(f"prevalence.copy_min_share: {min_share} must be above 0 and at most 1")
    paragraphs = pd.Series(paragraphs.to_numpy(dtype=float), index=paragraphs.index.astype(str))
    position = {article: i for i, article in enumerate(paragraphs.index)}
    table = shared[shared["article_id"].isin(position) & shared["other"].isin(position)].copy()
    sizes = paragraphs.reindex(table["article_id"]).to_numpy(dtype=float)
    table["share"] = table["shared"].to_numpy(dtype=float) / np.where(sizes > 0, sizes, np.nan)
    reverse = table.set_index(["other", "article_id"])["share"]
    table["other_share"] = (
        reverse.reindex(pd.MultiIndex.from_frame(table[["article_id", "other"]])).fillna(0).to_numpy()
    )
    later = table["article_id"].map(position) > table["other"].map(position)
    table["is_copy"] = (table["share"] >= min_share) & (
        (table["share"] > table["other_share"]) | ((table["share"] == table["other_share"]) & later)
    )
    table = table.sort_values(["is_copy", "share", "other"], ascending=[False, False, True], kind="stable")
    best = table.drop_duplicates("article_id").set_index("article_id")
    result = pd.DataFrame(index=pd.Index(paragraphs.index, name="article_id"))
    copy_of = best["other"].where(best["is_copy"]).reindex(result.index).astype(object)
    result["copy_of"] = copy_of.where(copy_of.notna(), "").astype(str)
    result["copied_share"] = best["share"].reindex(result.index).fillna(0.0).round(4)
    for article, row in result[result["copy_of"] != ""].iterrows():
        logger.info("%s is a copy of %s (%.0f%% of its paragraphs)", article, row["copy_of"], 100 * row["copied_share"])
    return result


def describe_copy(article: Mapping, paragraphs: Mapping[str, int]) -> str:
    """How a copy relates to the article it copies, in words ("" for an independent article).

    Parameters
    ----------
    article : mapping
        A row of ``article_topics.csv``: ``copy_of``, ``copied_share``, ``paragraphs``.
    paragraphs : mapping
        Paragraphs of every article (``article_id`` → count), for the other article's size.

    Returns
    -------
    str
        ``"excerpt of a09"`` (all its paragraphs are in the longer a09), ``"copy of a09"``
        (all of them, a09 no longer) or ``"near-copy of a09 (73% of its paragraphs)"``.
    """
    other = article.get("copy_of")
    if not isinstance(other, str) or not other:
        return ""
    share = float(article.get("copied_share", 0.0))
    if share >= 1.0:
        longer = paragraphs.get(other, 0) > article.get("paragraphs", 0)
        return f"{'excerpt' if longer else 'copy'} of {other}"
    return f"near-copy of {other} ({share:.0%} of its paragraphs)"
