"""The outputs of stage 1: :class:`PreparedCorpus`, its columns, and writing and reading it.

``data/interim/`` below the output folder holds ``documents.parquet`` (one row per kept
paragraph), ``removed.csv``, ``altered.csv``, ``articles.csv`` and
``sources.csv``; :mod:`zhtopics.ingest` describes what each records. Texts are as written
(after markup stripping); ``documents.parquet``'s schema metadata records the normaliser
that duplicate detection used and segmentation uses
(:data:`~zhtopics.ingest.normalize.RECORD_KEY`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pandas as pd

from zhtopics.atomic import atomic_path, write_csv
from zhtopics.ingest.normalize import RECORD_KEY
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
    """The outputs of stage 1 as tables, and the normaliser's record
    (:meth:`~zhtopics.ingest.normalize.TextNormalizer.record`)."""

    documents: pd.DataFrame
    removed: pd.DataFrame
    articles: pd.DataFrame
    sources: pd.DataFrame
    altered: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALTERED_COLUMNS))
    normalization: dict | None = None


def write_prepared(prepared: PreparedCorpus, paths: OutputPaths) -> None:
    """Write the stage-1 tables to ``data/interim/`` below the output folder (each file atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths.interim.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(prepared.documents, preserve_index=False)
    if prepared.normalization is not None:
        metadata = {**(table.schema.metadata or {}), RECORD_KEY: json.dumps(prepared.normalization, sort_keys=True)}
        table = table.replace_schema_metadata(metadata)
    with atomic_path(paths.documents) as temporary:
        pq.write_table(table, temporary)
    for table, path in (
        (prepared.removed, paths.removed),
        (prepared.articles, paths.articles),
        (prepared.sources, paths.sources),
        (prepared.altered, paths.altered),
    ):
        write_csv(table, path)
    logger.info(
        "wrote %s (%d documents), removed.csv (%d rows) and altered.csv (%d rows)",
        paths.documents,
        len(prepared.documents),
        len(prepared.removed),
        len(prepared.altered),
    )
