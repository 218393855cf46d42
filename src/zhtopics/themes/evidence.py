"""Evidence for a topic: the paragraphs that carry it most, from different articles where possible."""

from __future__ import annotations

import numpy as np
import pandas as pd

EVIDENCE_COLUMNS = ["topic", "rank", "doc_id", "share", "article_id", "article_title", "text"]


def _spread(candidates: pd.DataFrame) -> pd.DataFrame:
    """Order paragraphs round by round over their articles: first the best paragraph of
    each article (highest share first), then the second best of each, and so on."""
    ordered = candidates.sort_values(["share", "doc_id"], ascending=[False, True], kind="stable")
    ordered = ordered.assign(round=ordered.groupby("group", sort=False).cumcount())
    return ordered.sort_values(["round", "share", "doc_id"], ascending=[True, False, True], kind="stable")


def topic_evidence(doc_topics: pd.DataFrame, k: int, per_topic: int) -> pd.DataFrame:
    """``per_topic`` evidence paragraphs of each topic, spread over articles.

    The rule, for topic ``t``, among the paragraphs with tokens:

    1. First the paragraphs whose dominant topic is ``t`` (``dominant_topic``; the argmax
       of the shares when the table has no such column) and whose assignment does not flip
       between seeds (``flips_between_seeds`` false, when the table has it).
    2. Among them, one paragraph per article before a second one from any article: the
       best paragraph (highest share of ``t``) of each article, highest share first; then
       the second best of each article; and so on. Articles are told apart by their title
       (two ids under one title, e.g. a repost, count as one article), or by
       ``article_id`` where the title is empty; without either, each paragraph is its own
       article (plain share order).
    3. When these are fewer than ``per_topic``, the other paragraphs fill up, ordered the
       same way (one per article first, highest share first).

    Ties are broken by ``doc_id``. Only the share, id and article columns are sorted, so
    the memory needed is a few numbers per document, not a copy of the table with its texts.

    Parameters
    ----------
    doc_topics : DataFrame
        ``results/doc_topics.csv`` (at least doc_id, text, n_tokens, topic_0..k-1).
    k : int
    per_topic : int
        ``themes.evidence_per_topic``.

    Returns
    -------
    DataFrame
        :data:`EVIDENCE_COLUMNS`, rank 1 first within each topic.
    """
    usable = doc_topics.index[doc_topics["n_tokens"].to_numpy() > 0]
    columns = [f"topic_{t}" for t in range(k)]
    shares = doc_topics.loc[usable, columns].to_numpy()
    if "dominant_topic" in doc_topics.columns:
        dominant = doc_topics.loc[usable, "dominant_topic"].to_numpy()
    else:
        dominant = shares.argmax(axis=1) if len(usable) else np.zeros(0, dtype=int)
    stable = np.ones(len(usable), dtype=bool)
    if "flips_between_seeds" in doc_topics.columns:
        stable = ~doc_topics.loc[usable, "flips_between_seeds"].fillna(False).astype(bool).to_numpy()
    doc_ids = doc_topics.loc[usable, "doc_id"].astype(str).to_numpy()
    groups = doc_topics.loc[usable, "article_id" if "article_id" in doc_topics.columns else "doc_id"].astype(str)
    if "article_title" in doc_topics.columns:
        titles = doc_topics.loc[usable, "article_title"].fillna("").astype(str)
        groups = titles.where(titles.str.strip() != "", groups)
    groups = groups.to_numpy()
    rows = []
    for topic in range(k):
        first = (dominant == topic) & stable
        base = pd.DataFrame({"share": shares[:, topic], "doc_id": doc_ids, "group": groups}, index=usable)
        chosen = _spread(base[first]).head(per_topic)
        if len(chosen) < per_topic:
            chosen = pd.concat([chosen, _spread(base[~first]).head(per_topic - len(chosen))])
        for rank, (index, share) in enumerate(chosen["share"].items(), start=1):
            row = doc_topics.loc[index]
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "doc_id": row["doc_id"],
                    "share": round(float(share), 4),
                    "article_id": row.get("article_id", ""),
                    "article_title": row.get("article_title", ""),
                    "text": row["text"],
                }
            )
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
