"""The group tables of a Spark run too large for the driver: ``article_topics.csv`` and
``prevalence_by_group.csv`` computed group by group in Spark.

Above ``spark.csv_max_documents`` documents the driver does not hold the doc-topic matrix,
so the single-machine :func:`zhtopics.modeling.tables.article_views` cannot run. Here each
group's (article's) documents go to one Python worker (``applyInPandas``), which calls the
single-machine :func:`zhtopics.modeling.prevalence.group_shares` on them: the same
token-weighted shares, the same bootstrap (or its normal approximation above
``prevalence.bootstrap_max_docs`` documents). Only one row per group and topic comes back.

What differs from one machine, on purpose:

- each group's bootstrap draws from its own generator, seeded by ``prevalence.seed`` and
  the group's label, so an interval depends neither on the partitioning nor on the other
  groups (one machine draws every group from one generator: the same distribution, other
  draws);
- the intervals cover the documents only (one model: the Spark run's), not the seeds;
- a paragraph removed as an exact duplicate counts in its kept copy's article only, and
  ``copy_of`` / ``copied_share`` are not computed (one machine counts it in every article
  it occurs in).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics.modeling.prevalence import PREVALENCE_COLUMNS, group_shares, prevalence_table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from zhtopics.params import PrevalenceParams

logger = logging.getLogger(__name__)


def group_seed(seed: int, group: str) -> int:
    """The bootstrap seed of one group: ``prevalence.seed`` and the label's CRC-32."""
    return int(np.random.SeedSequence([seed, zlib.crc32(group.encode("utf-8"))]).generate_state(1)[0])


def _group_rows(k: int, settings: PrevalenceParams):
    """The ``applyInPandas`` function: one group's documents → its prevalence rows."""
    topics = [f"topic_{t}" for t in range(k)]

    def rows(documents: pd.DataFrame) -> pd.DataFrame:
        label = str(documents["article_id"].iloc[0])
        documents = documents.sort_values("row", kind="stable")
        shares = group_shares(
            documents[topics].to_numpy(dtype=float),
            documents["n_tokens"].to_numpy(),
            np.arange(len(documents)),
            [label] * len(documents),
            replace(settings, seed=group_seed(settings.seed, label)),
        )
        table = prevalence_table(shares)
        table["group"] = label
        table["first_row"] = int(documents["row"].iloc[0])
        table["article_title"] = str(documents["article_title"].iloc[0])
        return table

    return rows


def group_tables(doc_topics: DataFrame, k: int, settings: PrevalenceParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``article_topics.csv`` and ``prevalence_by_group.csv`` of a Spark run.

    Parameters
    ----------
    doc_topics : pyspark DataFrame
        ``row``, ``article_id``, ``article_title``, ``n_tokens`` (tokens in the Dictionary)
        and ``topic_0`` .. ``topic_{k-1}``, one row per document.
    k : int
    settings : PrevalenceParams

    Returns
    -------
    article_topics, prevalence : DataFrame
        The single-machine columns (``article_topics`` without ``copy_of`` and
        ``copied_share``), groups in order of their first document.
    """
    schema = (
        "group string, topic long, share double, low double, high double, n_docs long, n_tokens long, "
        "first_row long, article_title string"
    )
    columns = ["row", "article_id", "article_title", "n_tokens", *[f"topic_{t}" for t in range(k)]]
    prevalence = (
        doc_topics.select(*columns)
        .groupBy("article_id")
        .applyInPandas(_group_rows(k, settings), schema=schema)
        .toPandas()
        .sort_values(["first_row", "topic"], kind="stable")
        .reset_index(drop=True)
    )
    logger.info("group shares of %d groups computed in Spark", prevalence["group"].nunique())
    wide = prevalence.pivot(index="group", columns="topic", values="share")
    wide.columns = [f"topic_{t}" for t in wide.columns]
    firsts = prevalence.drop_duplicates("group").set_index("group")
    articles = pd.DataFrame(
        {
            "article_id": firsts.index,
            "article_title": firsts["article_title"].to_numpy(),
            "paragraphs": firsts["n_docs"].to_numpy(),
            "tokens": firsts["n_tokens"].to_numpy(),
        }
    ).join(wide, on="article_id")
    shares = articles[wide.columns].to_numpy()
    articles.insert(4, "dominant_topic", np.where(articles["tokens"] > 0, np.nan_to_num(shares, nan=-1).argmax(1), -1))
    return articles, prevalence[PREVALENCE_COLUMNS]
