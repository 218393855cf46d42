"""The results tables of a fitted model (the results contract: names and columns stay).

- ``topics.csv``: :func:`topic_word_table`;
- ``doc_topics.csv``: :func:`doc_topics_table`, written in pieces by :func:`write_doc_topics`;
- ``article_topics.csv``: :func:`article_topics_table` over :func:`paragraph_occurrences`,
  with the copies of :mod:`zhtopics.modeling.copies` (columns ``copy_of``, ``copied_share``);
- ``prevalence_by_group.csv``: :mod:`zhtopics.modeling.prevalence` over the same
  occurrences (both from :func:`article_views`);
- ``prevalence_by_time.csv``: the same over periods (:func:`time_view`, the periods from
  :mod:`zhtopics.modeling.periods`);
- ``engine_comparison.csv``: :func:`engine_comparison_table`.

All are pure functions of their inputs except :func:`write_doc_topics`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from zhtopics.atomic import atomic_path
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.copies import find_copies, shared_paragraphs
from zhtopics.modeling.engines import FittedModel
from zhtopics.modeling.periods import Dating
from zhtopics.modeling.prevalence import group_shares, prevalence_table
from zhtopics.modeling.select import summarise_settings
from zhtopics.params import PrevalenceParams

logger = logging.getLogger(__name__)


def topic_word_table(fitted: FittedModel, dictionary: Dictionary, topn: int = 30) -> pd.DataFrame:
    """Long table of each topic's top words: topic, rank, word, weight (the results contract)."""
    rows = []
    order = np.argsort(-fitted.topic_word, axis=1, kind="stable")[:, :topn]
    for topic, ids in enumerate(order):
        for rank, word_id in enumerate(ids, start=1):
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "word": dictionary[int(word_id)],
                    "weight": round(float(fitted.topic_word[topic, word_id]), 6),
                }
            )
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])


def doc_topics_table(
    fitted: FittedModel,
    documents: pd.DataFrame,
    tokens: pd.DataFrame,
    rows: slice = slice(None),
    dominant: np.ndarray | None = None,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``results/doc_topics.csv``: doc_id, text, dominant_topic, topic_0..K-1, then every
    other column of the documents table (article_id, article_title, input metadata), then
    the columns of ``extra`` (one row per document: the consensus's seed agreement).

    Documents without tokens have uniform shares and ``dominant_topic`` -1. ``dominant``
    (one per document) replaces the argmax of the shares (the consensus's vote of the
    seeds). ``rows`` selects a range of documents (the table is written in pieces for
    large corpora).
    """
    if documents["doc_id"].astype(str).tolist() != tokens["doc_id"].astype(str).tolist():
        raise ZhtopicsError("documents.parquet and tokens.parquet disagree on the documents: rerun `zhtopics segment`")
    start, stop, _ = rows.indices(len(documents))
    doc_topic = fitted.doc_topic[start:stop]
    shares = pd.DataFrame(np.round(doc_topic, 6), columns=[f"topic_{i}" for i in range(fitted.k)])
    dominant = doc_topic.argmax(axis=1) if dominant is None else np.array(dominant[start:stop])
    empty = np.asarray(fitted.empty_docs, dtype=np.int64)
    dominant[empty[(empty >= start) & (empty < stop)] - start] = -1
    part = documents.iloc[start:stop]
    table = pd.concat(
        [
            part[["doc_id", "text"]].reset_index(drop=True),
            pd.DataFrame({"dominant_topic": dominant, "n_tokens": tokens["n_in_dictionary"].to_numpy()[start:stop]}),
            shares,
            part.drop(columns=["doc_id", "text"]).reset_index(drop=True),
            *([] if extra is None else [extra.iloc[start:stop].reset_index(drop=True)]),
        ],
        axis=1,
    )
    return table


def write_doc_topics(
    fitted: FittedModel,
    documents: pd.DataFrame,
    tokens: pd.DataFrame,
    path: Path,
    rows_per_piece: int = 100_000,
    dominant: np.ndarray | None = None,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Write :func:`doc_topics_table` to ``path`` (atomically, ``rows_per_piece`` documents at
    a time, so that a million documents are never one table in memory); return the columns
    the article profiles need (doc_id, n_tokens, topic_*)."""
    with atomic_path(path) as temporary:
        for start in range(0, len(documents), rows_per_piece):
            rows = slice(start, start + rows_per_piece)
            piece = doc_topics_table(fitted, documents, tokens, rows, dominant, extra)
            piece.to_csv(temporary, index=False, header=start == 0, mode="w" if start == 0 else "a")
    shares = pd.DataFrame(np.round(fitted.doc_topic, 6), columns=[f"topic_{i}" for i in range(fitted.k)])
    return pd.concat(
        [
            pd.DataFrame(
                {"doc_id": documents["doc_id"].astype(str).to_numpy(), "n_tokens": tokens["n_in_dictionary"].to_numpy()}
            ),
            shares,
        ],
        axis=1,
    )


def paragraph_occurrences(documents: pd.DataFrame, removed: pd.DataFrame | None) -> pd.DataFrame:
    """Every place a kept paragraph occurs: its own article, plus the articles where a
    duplicate of it was removed. Columns doc_id (the kept paragraph), article_id."""
    own = documents[["doc_id", "article_id"]].astype(str)
    if removed is None or "duplicate_of" not in removed.columns:
        return own
    copies = removed.dropna(subset=["duplicate_of"])[["duplicate_of", "article_id"]]
    copies = copies.rename(columns={"duplicate_of": "doc_id"}).astype(str)
    return pd.concat([own, copies], ignore_index=True)


def article_topics_table(
    doc_topics: pd.DataFrame, k: int, occurrences: pd.DataFrame, articles: pd.DataFrame
) -> pd.DataFrame:
    """``results/article_topics.csv``: each article's topic shares, token-weighted over all its
    paragraphs (including those kept once in another article as duplicates)."""
    columns = [f"topic_{i}" for i in range(k)]
    merged = occurrences.merge(doc_topics[["doc_id", "n_tokens", *columns]].astype({"doc_id": str}), on="doc_id")
    weighted = merged[columns].mul(merged["n_tokens"], axis=0)
    weighted["article_id"] = merged["article_id"]
    sums = weighted.groupby("article_id")[columns].sum()
    counts = merged.groupby("article_id").agg(paragraphs=("doc_id", "count"), tokens=("n_tokens", "sum"))
    shares = sums.div(sums.sum(axis=1).replace(0, np.nan), axis=0).round(6)
    table = counts.join(shares).reset_index()
    table["dominant_topic"] = table[columns].fillna(-1).to_numpy().argmax(axis=1)
    table.loc[table["tokens"] == 0, "dominant_topic"] = -1
    titles = articles[["article_id", "article_title"]].astype(str)
    table = titles.merge(table, on="article_id", how="inner")
    return table[["article_id", "article_title", "paragraphs", "tokens", "dominant_topic", *columns]]


def article_views(
    doc_topics: pd.DataFrame,
    k: int,
    documents: pd.DataFrame,
    removed: pd.DataFrame | None,
    articles: pd.DataFrame,
    settings: PrevalenceParams,
    doc_topic: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The article tables of a model: ``article_topics.csv`` and ``prevalence_by_group.csv``.

    Parameters
    ----------
    doc_topics : DataFrame
        doc_id, n_tokens, topic_0 … topic_{K-1} of every document (the model's shares).
    k : int
        The number of topics.
    documents, removed, articles : DataFrame
        Stage 1's tables (``removed`` may be None).
    settings : PrevalenceParams
        ``prevalence``: the bootstrap (draws, level, seed) and ``copy_min_share``.
    doc_topic : ndarray, optional
        S × D × K shares of several seeds' aligned models, for intervals across seeds too
        (default: the shares of ``doc_topics``). The shares themselves stay those of
        ``doc_topics`` (the consensus), so that they equal ``article_topics.csv``'s.

    Returns
    -------
    article_topics : DataFrame
        :func:`article_topics_table` with ``copy_of`` and ``copied_share`` at the end.
    prevalence : DataFrame
        One row per article and topic (group = article_id), articles in the same order.
    """
    occurrences = paragraph_occurrences(documents, removed)
    table = article_topics_table(doc_topics, k, occurrences, articles)
    copies = find_copies(
        table.set_index("article_id")["paragraphs"], shared_paragraphs(documents, removed), settings.copy_min_share
    )
    table = table.join(copies, on="article_id")
    columns = [f"topic_{i}" for i in range(k)]
    rows = pd.Index(doc_topics["doc_id"].astype(str)).get_indexer(occurrences["doc_id"].astype(str))
    known = (rows >= 0) & occurrences["article_id"].isin(table["article_id"]).to_numpy()
    shares = group_shares(
        doc_topics[columns].to_numpy(dtype=float) if doc_topic is None else doc_topic,
        doc_topics["n_tokens"].to_numpy(),
        rows[known],
        occurrences["article_id"].to_numpy()[known],
        settings,
        point=None if doc_topic is None else doc_topics[columns].to_numpy(dtype=float),
    )
    prevalence = prevalence_table(shares)
    order = {article: i for i, article in enumerate(table["article_id"])}
    prevalence = prevalence.sort_values("group", key=lambda g: g.map(order), kind="stable").reset_index(drop=True)
    return table, prevalence


def time_view(
    doc_topics: pd.DataFrame,
    k: int,
    dating: Dating,
    settings: PrevalenceParams,
    doc_topic: np.ndarray | None = None,
) -> pd.DataFrame:
    """``prevalence_by_time.csv``: one row per period and topic, periods in time order.

    Parameters
    ----------
    doc_topics : DataFrame
        doc_id, n_tokens, topic_0 … topic_{K-1} of every document.
    k : int
        The number of topics.
    dating : Dating
        The documents' periods (:func:`zhtopics.modeling.periods.corpus_dating`).
    settings : PrevalenceParams
        ``prevalence``: the bootstrap (draws, level, seed), as for the groups.
    doc_topic : ndarray, optional
        S × D × K shares of several seeds' aligned models, for intervals across seeds too
        (default: those of ``doc_topics``, which give the shares in either case).
    """
    columns = [f"topic_{i}" for i in range(k)]
    rows = pd.Index(doc_topics["doc_id"].astype(str)).get_indexer(dating.doc_ids)
    known = rows >= 0
    order = np.argsort(np.asarray(dating.periods[known], dtype=str), kind="stable")
    shares = group_shares(
        doc_topics[columns].to_numpy(dtype=float) if doc_topic is None else doc_topic,
        doc_topics["n_tokens"].to_numpy(),
        rows[known][order],
        np.asarray(dating.periods[known], dtype=str)[order],
        settings,
        point=None if doc_topic is None else doc_topics[columns].to_numpy(dtype=float),
    )
    return prevalence_table(shares, key="period")


def engine_comparison_table(choice: dict, models: dict[str, FittedModel], runs: pd.DataFrame) -> pd.DataFrame:
    """Every engine at the chosen K: the final seed's scores beside the mean over seeds."""
    settings = summarise_settings(
        runs, pd.DataFrame(choice["settings"])[["engine", "k", "stability"]], choice["metric"]
    )
    rows = []
    for engine, fitted in models.items():
        run = runs[(runs["engine"] == engine) & (runs["k"] == fitted.k) & (runs["seed"] == fitted.seed)].iloc[0]
        setting = settings[(settings["engine"] == engine) & (settings["k"] == fitted.k)].iloc[0]
        rows.append(
            {
                "engine": engine,
                "k": fitted.k,
                "seed": fitted.seed,
                "chosen": engine == choice["engine"],
                "c_v": run["c_v"],
                "c_npmi": run["c_npmi"],
                "u_mass": run["u_mass"],
                "diversity": run["diversity"],
                f"{choice['metric']}_mean_over_seeds": setting["metric_mean"],
                f"{choice['metric']}_sd_over_seeds": setting["metric_sd"],
                "stability": setting["stability"],
                "seconds_mean_over_seeds": setting["seconds"],
            }
        )
    return pd.DataFrame(rows)
