"""The outputs of stage 1: :class:`PreparedCorpus`, its columns, and writing and reading it.

``data/interim/`` below the output folder holds ``documents.parquet`` (one row per kept
paragraph), ``removed.csv``, ``altered.csv``, ``articles.csv`` and
``sources.csv``; :mod:`zhtopics.ingest` describes what each records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from zhtopics.atomic import atomic_path, write_csv
from zhtopics.paths import OutputPaths

logger = logging.getLogger(__name__)

ALTERED_COLUMNS = ["source_file", "lines", "doc_id", "reason", "original"]
DOCUMENT_COLUMNS = [
    "doc_id",
    "article_id",
    "article_title",
    "position",
    "text",
    "n_chars",
    "source_file",
    "source_lines",
    "line_joins",
    "duplicates",
]
REMOVED_COLUMNS = ["source_file", "lines", "article_id", "doc_id", "reason", "duplicate_of", "text"]
SOURCE_COUNTS = ("bytes", "replaced_bytes", "articles", "paragraphs", "removed_lines", "altered")


@dataclass
class PreparedCorpus:
    """The outputs of stage 1 as tables."""

    documents: pd.DataFrame
    removed: pd.DataFrame
    articles: pd.DataFrame
    sources: pd.DataFrame
    altered: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALTERED_COLUMNS))


def write_prepared(prepared: PreparedCorpus, paths: OutputPaths) -> None:
    """Write the stage-1 tables to ``data/interim/`` below the output folder (each file atomically)."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    with atomic_path(paths.documents) as temporary:
        prepared.documents.to_parquet(temporary, index=False)
    for table, path in (
        (prepared.removed, paths.removed),
        (prepared.articles, paths.articles),
        (prepared.sources, paths.sources),
        (prepared.altered, paths.altered),
    ):
        write_csv(table, path)
    logger.info(
        "wrote %s (%d paragraphs), removed.csv (%d rows) and altered.csv (%d rows)",
        paths.documents,
        len(prepared.documents),
        len(prepared.removed),
        len(prepared.altered),
    )
