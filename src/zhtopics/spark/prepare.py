"""Stage 1 as Spark jobs: a table read by Spark, cleaned per row, exact duplicates removed.

:func:`run_prepare_spark` is stage ``prepare``'s Spark function (``pipeline.STAGES``). A
single UTF-8 ``.csv``, ``.parquet`` or ``.jsonl`` table is read by Spark's own readers
(every column as text, rows numbered in input order); every other input (``.txt`` files and
folders, ``.tsv``, ``.xlsx``, another encoding, ``--id-column`` or ``--group-column``) is read
by the single-machine stage on the driver, whose files the Spark stage 2 then reads.

What it writes is what stage 1 writes on one machine: ``documents.parquet`` (same
columns, ids ``a01-p0001`` ..., the normaliser's record), ``removed.csv`` (missing, empty,
too short, exact duplicates with the document kept in their place), ``altered.csv``,
``articles.csv``, ``sources.csv``; plus ``spark_documents.parquet/`` (the same documents
as Parquet parts with their input row) for the Spark stage 2.

Near duplicates: one machine searches them (``corpus.duplicates.near``) only up to
``corpus.duplicates.max_docs`` paragraphs, because the MinHash search of
:mod:`zhtopics.ingest.dedup` holds every key in memory. A table of at most that many rows
is therefore read by the single-machine stage on the driver (near duplicates included,
the same files as one machine); above it Spark removes exact duplicates only, with a
warning, as one machine would then.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from zhtopics.atomic import write_csv
from zhtopics.errors import InputError
from zhtopics.ingest.files import _input_files
from zhtopics.ingest.normalize import RECORD_KEY, TextNormalizer
from zhtopics.ingest.prepared import ALTERED_COLUMNS, DOCUMENT_COLUMNS, REMOVED_COLUMNS
from zhtopics.ingest.store import KEPT
from zhtopics.ingest.tables import _table_column
from zhtopics.spark import files
from zhtopics.spark.session import spark_session
from zhtopics.spark.workers import CLEAN_SCHEMA, DROP_REASONS, clean_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from zhtopics.params import CorpusParams
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)

#: The table formats Spark reads itself.
SPARK_FORMATS = (".csv", ".parquet", ".jsonl")
_UTF8_SNIFF = 1 << 20


class DriverFallback(Exception):
    """Raised when Spark finds what only the single-machine reader records (e.g. JSON Lines
    with broken lines): stage 1 then runs on the driver."""


def spark_readable(path: Path, params: CorpusParams) -> bool:
    """Whether Spark reads ``path`` itself: one UTF-8 table of :data:`SPARK_FORMATS`, no id or
    group column (those tables go through the single-machine reader, which numbers ids and
    articles as one machine does)."""
    if not path.is_file() or path.suffix.lower() not in SPARK_FORMATS:
        return False
    if params.id_column is not None or params.group_column is not None or params.sheet is not None:
        return False
    if path.suffix.lower() == ".parquet":
        return True
    if params.encoding not in (None, "auto", "utf-8", "utf8"):
        return False
    head = path.read_bytes()[:_UTF8_SNIFF]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end is still UTF-8
        if error.start < len(head) - 4:
            return False
    return True


def read_table(spark: SparkSession, path: Path) -> DataFrame:
    """The table as Spark reads it, every column as text, with ``row`` (0-based input order).

    Raises
    ------
    InputError
        For an empty file or one without columns.
    """
    from pyspark.sql import functions as F

    if path.stat().st_size == 0:
        raise InputError(path, "empty file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = spark.read.option("header", True).option("multiLine", True).option("escape", '"')
        frame = reader.option("encoding", "UTF-8").csv(str(path))
    elif suffix == ".parquet":
        frame = spark.read.parquet(str(path))
    else:
        frame = spark.read.json(str(path))
    names = [name.lstrip("\ufeff") for name in frame.columns]
    if not names:
        raise InputError(path, "no rows: the file holds only blank lines")
    frame = frame.select(*[F.col(f"`{old}`").cast("string").alias(new) for old, new in zip(frame.columns, names)])
    return number_rows(frame)


def number_rows(frame: DataFrame) -> DataFrame:
    """``frame`` with ``row``: each row's 0-based position in the input as read.

    RDD ``zipWithIndex`` without the trip through Python: one small job counts each
    partition's rows, and a row's number is its partition's offset plus its position in
    the partition (both from ``monotonically_increasing_id``). Deterministic for the same
    files and split settings.
    """
    from pyspark.sql import functions as F

    tagged = frame.withColumn("_id", F.monotonically_increasing_id()).withColumn("_part", F.spark_partition_id())
    counts = dict(tagged.groupBy("_part").count().collect())
    offsets, total = [], 0
    for part in range(max(counts, default=-1) + 1):
        offsets.append(total)
        total += counts.get(part, 0)
    offset = F.element_at(F.array(*[F.lit(o) for o in offsets or [0]]).cast("array<long>"), F.col("_part") + 1)
    position = F.col("_id") - F.shiftleft(F.col("_part").cast("long"), 33)
    return tagged.withColumn("row", offset + position).drop("_id", "_part")


def prepare_spark(spark: SparkSession, path: Path, params: CorpusParams, paths, partitions: int) -> dict:
    """Stage 1 of one table in Spark (module docstring); returns counts for the console."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    table = read_table(spark, path)
    columns = [name for name in table.columns if name != "row"]
    text_column = _table_column(path, columns, params.text_column)
    if "_corrupt_record" in columns:  # lines that are not JSON objects: the driver records them as one machine does
        raise DriverFallback(f"{path.name} has lines that are not JSON objects")
    table = table.repartition(partitions, "row").sortWithinPartitions("row").persist()
    n_rows = table.count()
    if n_rows == 0:
        raise InputError(path, "no rows")
    if params.duplicates.near and n_rows <= params.duplicates.max_docs:
        # one machine searches near duplicates up to this size: so does the driver, with its code
        table.unpersist()
        raise DriverFallback(
            f"{n_rows} rows <= corpus.duplicates.max_docs ({params.duplicates.max_docs}): "
            "near duplicates are searched as on one machine"
        )
    if params.duplicates.near:
        logger.warning(
            "--spark: exact duplicates only: %d rows > corpus.duplicates.max_docs (%d), where one machine "
            "stops searching near duplicates too",
            n_rows,
            params.duplicates.max_docs,
        )
    cleaned = table.select("row", text_column).mapInPandas(
        partial(clean_rows, params=params, text_column=text_column), CLEAN_SCHEMA
    )
    width = max(3, len(str(n_rows)))
    cleaned = cleaned.withColumn(
        "doc_id", F.concat(F.lit("a01-p"), F.lpad((F.col("row") + 1).cast("string"), width, "0"))
    )
    cleaned = cleaned.persist()
    # exact duplicates: the first of each key is kept, as corpus.duplicates.keep does in one article
    kept = cleaned.filter(F.col("drop") == KEPT).withColumn("keeper_row", F.min("row").over(Window.partitionBy("key")))
    copies = kept.filter(F.col("row") != F.col("keeper_row"))
    keepers = kept.filter(F.col("row") == F.col("keeper_row"))
    copy_lists = (
        copies.groupBy("keeper_row")
        .agg(F.sort_array(F.collect_list(F.struct("row", "doc_id"))).alias("copies"))
        .select(F.col("keeper_row").alias("row"), F.concat_ws("; ", F.col("copies.doc_id")).alias("duplicates"))
    )
    extras = [name for name in columns if name != text_column]
    used = set(DOCUMENT_COLUMNS)
    renamed = {}
    for name in extras:
        new = name
        while new in used:
            new = f"input_{new}"
        renamed[name], _ = new, used.add(new)
    documents = (
        keepers.join(copy_lists, "row", "left")
        .join(table.select("row", *[F.col(f"`{c}`").alias(renamed[c]) for c in extras]), "row", "left")
        .select(
            "row",
            "doc_id",
            F.lit("a01").alias("article_id"),
            F.lit(path.stem).alias("article_title"),
            (F.col("row") + 1).alias("position"),
            "text",
            "n_chars",
            F.lit(path.name).alias("source_file"),
            F.concat(F.lit("row "), (F.col("row") + 1).cast("string")).alias("source_lines"),
            F.lit("").alias("line_joins"),
            F.coalesce(F.col("duplicates"), F.lit("")).alias("duplicates"),
            *[renamed[c] for c in extras],
        )
    )
    files.write_ordered(documents, paths.spark_documents, "row", partitions)
    normalization = {**TextNormalizer(params.opencc).record(), "hashtags": params.social.hashtags}
    n_documents = files.single_file(
        paths.spark_documents,
        paths.documents,
        columns=[*DOCUMENT_COLUMNS, *[renamed[c] for c in extras]],
        metadata={RECORD_KEY: normalization},
    )
    removed = _removed(cleaned, copies, path, params)
    altered = (
        cleaned.filter(F.col("altered_reason").isNotNull())
        .orderBy("row")
        .select("row", "doc_id", "altered_reason", "original")
        .toPandas()
    )
    altered = pd.DataFrame(
        {
            "source_file": path.name,
            "lines": [f"row {row + 1}" for row in altered["row"]],
            "doc_id": altered["doc_id"],
            "reason": altered["altered_reason"],
            "original": altered["original"],
        },
        columns=ALTERED_COLUMNS,
    )
    with_text = int(cleaned.filter(F.col("drop") == KEPT).count())
    cleaned.unpersist()
    table.unpersist()
    if n_documents == 0:
        raise InputError(path, f"no paragraph has text ({len(removed)} rows removed: see why in removed.csv)")
    articles = pd.DataFrame(
        [
            {
                "article_id": "a01",
                "article_title": path.stem,
                "source_file": path.name,
                "first_line": "row 1",
                "paragraphs": with_text,
                "paragraphs_kept": n_documents,
                "duplicates_elsewhere": with_text - n_documents,
            }
        ]
    )
    sources = pd.DataFrame([_source_row(path, n_rows, len(altered))])
    write_csv(removed, paths.removed)
    write_csv(articles, paths.articles)
    write_csv(sources, paths.sources)
    write_csv(altered, paths.altered)
    return {"rows": n_rows, "documents": n_documents, "removed": len(removed), "altered": len(altered)}


def _removed(cleaned: DataFrame, copies: DataFrame, path: Path, params: CorpusParams) -> pd.DataFrame:
    """``removed.csv``: rows without enough text (in input order), then the exact duplicates."""
    from pyspark.sql import functions as F

    dropped = cleaned.filter(F.col("drop") != KEPT).orderBy("row").select("row", "doc_id", "drop", "text").toPandas()
    reasons = {code: reason.format(params.min_chars) for code, reason in DROP_REASONS.items()}
    keeper_ids = cleaned.select(F.col("row").alias("keeper_row"), F.col("doc_id").alias("duplicate_of"))
    duplicates = (
        copies.join(keeper_ids, "keeper_row").orderBy("row").select("row", "doc_id", "duplicate_of", "text").toPandas()
    )
    return pd.DataFrame(
        {
            "source_file": path.name,
            "lines": [f"row {row + 1}" for row in [*dropped["row"], *duplicates["row"]]],
            "article_id": "a01",
            "doc_id": [*dropped["doc_id"], *duplicates["doc_id"]],
            "reason": [reasons[int(code)] for code in dropped["drop"]]
            + [f"exact duplicate of {keeper}" for keeper in duplicates["duplicate_of"]],
            "duplicate_of": [None] * len(dropped) + list(duplicates["duplicate_of"]),
            "text": [*dropped["text"], *duplicates["text"]],
        },
        columns=REMOVED_COLUMNS,
    )


def _source_row(path: Path, rows: int, altered: int) -> dict:
    """``sources.csv``'s row of the table (as :class:`zhtopics.ingest.build._CorpusBuilder` writes it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {
        "source_file": path.name,
        "path": str(path),
        "format": f"table:{path.suffix.lower()[1:]}",
        "encoding": "utf-8" if path.suffix.lower() != ".parquet" else "",
        "bytes": path.stat().st_size,
        "sha256": digest.hexdigest(),
        "status": "ok",
        "problem": "",
        "replaced_bytes": 0,
        "articles": 1,
        "paragraphs": rows,
        "removed_lines": 0,
        "altered": altered,
    }


def run_prepare_spark(context: StageContext) -> list[str]:
    """Stage ``prepare`` in Spark mode: Spark reads the table (:func:`spark_readable`), else the
    single-machine stage reads the input on the driver."""
    from zhtopics.ingest.stage import run_prepare

    paths, params = context.paths, context.params
    _input_files(context.input)  # a missing or unsupported input: the same one-line error
    counts = None
    if spark_readable(Path(context.input), params.corpus):
        spark = spark_session(params.spark, paths.cache / "spark")
        paths.interim.mkdir(parents=True, exist_ok=True)
        try:
            counts = prepare_spark(spark, Path(context.input), params.corpus, paths, params.spark.partitions)
        except DriverFallback as reason:
            logger.warning("--spark: %s: read on the driver instead", reason)
    if counts is None:
        logger.info("--spark: %s is read on the driver by the single-machine stage 1", context.input)
        lines = run_prepare(context)
        shutil.rmtree(paths.spark_documents, ignore_errors=True)  # the Spark stage 2 reads documents.parquet
        return [*lines, "(read on the driver: the Spark stage 2 reads these files)"]
    return [
        f"read {Path(context.input).name} with Spark ({params.spark.master}): {counts['rows']} rows",
        f"wrote {paths.documents} ({counts['documents']} documents) and {paths.removed} "
        f"({counts['removed']} removals with reasons)",
    ]
