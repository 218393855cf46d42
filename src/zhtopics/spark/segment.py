"""Stage 2 as Spark jobs: segment in the workers, the vocabulary, the bags of words.

:func:`run_segment_spark` is stage ``segment``'s Spark function (``pipeline.STAGES``):

1. the documents (``spark_documents.parquet/``, or ``documents.parquet`` when stage 1 ran
   on the driver) are hash-partitioned by their row into ``spark.partitions`` partitions,
   sorted within each, and segmented by ``mapInPandas``
   (:func:`zhtopics.spark.workers.segment_rows`: the single-machine segmenter, one per
   Python worker) into ``spark_segmented.parquet/`` with the tally of what the filters
   removed;
2. Spark counts each word's document and collection frequency; the driver keeps the
   vocabulary with gensim's ``filter_extremes`` semantics (:mod:`zhtopics.spark.vocabulary`);
3. ``spark_tokens.parquet/`` holds every document's tokens in row order with
   ``n_tokens`` and ``n_in_dictionary``: what the Spark train stage reads;
4. for a corpus of at most ``spark.csv_max_documents`` documents, the driver streams it
   into the files stage 2 writes on one machine (``tokens.parquet``, the Dictionary,
   ``corpus.mm``, the flat bag-of-words arrays, the filter tables and the summary) with
   the single-machine code, so that themes, figures and reports read them unchanged.

Phrases (``segment.phrases.enabled``) are not available in Spark mode.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from functools import partial
from typing import TYPE_CHECKING

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest.normalize import TextNormalizer
from zhtopics.params import params_to_dict
from zhtopics.segment.segmenter import Segmenter
from zhtopics.segment.stage import BATCH_DOCUMENTS, _summary, _write_dictionary_and_summaries, _write_tokens_and_bows
from zhtopics.segment.tables import token_filter_by_tag_table, token_filter_table
from zhtopics.spark import files
from zhtopics.spark.prepare import number_rows
from zhtopics.spark.session import spark_session
from zhtopics.spark.vocabulary import build_dictionary, filter_extremes
from zhtopics.spark.workers import SEGMENT_SCHEMA, VOCABULARY_SCHEMA, count_in_vocabulary, segment_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from zhtopics.params import Params
    from zhtopics.paths import OutputPaths
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def read_documents(spark: SparkSession, paths: OutputPaths) -> tuple[DataFrame, dict]:
    """The documents (``row``, ``doc_id``, ``text``) and the normaliser's record of stage 1."""
    import pyarrow.parquet as pq

    if not paths.documents.exists():
        raise ZhtopicsError(f"{paths.documents}: not found; run `zhtopics prepare` first")
    record = TextNormalizer.read_record(pq.read_schema(paths.documents).metadata)
    if paths.spark_documents.exists():
        return spark.read.parquet(str(paths.spark_documents)).select("row", "doc_id", "text"), record
    frame = number_rows(spark.read.parquet(str(paths.documents)).select("doc_id", "text"))
    return frame.select("row", "doc_id", "text"), record


def segment_spark(spark: SparkSession, paths: OutputPaths, params: Params) -> dict:
    """Stage 2 in Spark (module docstring); returns the summary (``segment_summary.json``)."""
    from pyspark.sql import functions as F

    seg, partitions = params.segment, params.spark.partitions
    if seg.phrases.enabled:
        raise ZhtopicsError("segment.phrases.enabled: phrases are not available with --spark (set it to false)")
    paths.processed.mkdir(parents=True, exist_ok=True)
    documents, record = read_documents(spark, paths)
    documents = documents.repartition(partitions, "row").sortWithinPartitions("row")
    # 1. segment in the workers, to disk (read twice below)
    segmented = documents.mapInPandas(partial(segment_rows, params=seg, record=record), SEGMENT_SCHEMA)
    segmented.write.mode("overwrite").parquet(str(paths.spark_segmented))
    segmented = spark.read.parquet(str(paths.spark_segmented))
    tokens = segmented.filter(F.col("row") >= 0).select("row", "doc_id", "tokens")
    tally_rows = (
        segmented.filter(F.col("row") < 0)
        .groupBy("reason", "tag", "token")
        .agg(F.sum("count").alias("count"))
        .orderBy("token", "tag", F.coalesce("reason", F.lit("")))
        .collect()
    )
    tally = Counter({(row["reason"], row["tag"], row["token"]): int(row["count"]) for row in tally_rows})
    # 2. frequencies → the vocabulary
    n_docs = tokens.count()
    occurrences = tokens.select("row", F.explode("tokens").alias("token"))
    frequencies = (
        occurrences.groupBy("token").agg(F.countDistinct("row").alias("df"), F.count("*").alias("cf")).toPandas()
    )
    fe = seg.filter_extremes
    kept = filter_extremes(frequencies, n_docs, fe.no_below, fe.no_above, fe.keep_n)
    dictionary = build_dictionary(kept, n_docs, int(frequencies["cf"].sum()), int(frequencies["df"].sum()))
    # 3. every document's tokens with their counts, in row order
    vocabulary = spark.sparkContext.broadcast(frozenset(kept["token"]))
    counted = tokens.mapInPandas(partial(count_in_vocabulary, vocabulary=vocabulary), VOCABULARY_SCHEMA)
    files.write_ordered(counted, paths.spark_tokens, "row", partitions)
    totals = spark.read.parquet(str(paths.spark_tokens)).agg(F.sum("n_tokens"), F.sum("n_in_dictionary")).first()
    summary = {
        "documents": n_docs,
        "tokens_kept": int(totals[0] or 0),
        "tokens_in_dictionary": int(totals[1] or 0),
        "vocabulary_before_filter_extremes": len(frequencies),
        "vocabulary": len(dictionary),
    }
    # 4. the single-machine files, streamed by the driver (a corpus of csv_max_documents at most)
    if n_docs <= params.spark.csv_max_documents:
        return _single_machine_files(paths, params, dictionary, tally, len(frequencies), n_docs)
    logger.warning(
        "%d documents > spark.csv_max_documents: tokens.parquet, corpus.mm and the bag-of-words arrays are not "
        "written (themes, figures and reports need them)",
        n_docs,
    )
    summary["params"] = _recorded_params(params, paths)
    summary["execution"] = {"spark": {"partitions": params.spark.partitions}}
    _write_dictionary_and_summaries(dictionary, _filter_tables(tally, params), summary, paths)
    return summary


def _recorded_params(params: Params, paths: OutputPaths) -> dict:
    recorded = params_to_dict(params.segment, paths.root)
    return {key: value for key, value in recorded.items() if key not in ("processes", "chunk_size")}


def _filter_tables(tally: Counter, params: Params) -> tuple:
    """token_filter.csv and token_filter_by_tag.csv from the workers' tally."""
    return token_filter_table(tally), token_filter_by_tag_table(tally, Segmenter(params.segment))


def _single_machine_files(paths: OutputPaths, params: Params, dictionary, tally: Counter, before: int, n_docs: int):
    """Stage 2's one-machine files from ``spark_tokens.parquet/``, with the single-machine code."""
    seg = params.segment
    unjoined = paths.processed / ".tokens-unfiltered.parquet"
    try:
        files.single_file(paths.spark_tokens, unjoined, columns=["doc_id", "tokens"])
        counts, empty = _write_tokens_and_bows(unjoined, None, dictionary, paths, BATCH_DOCUMENTS, seg.write_mm)
    finally:
        unjoined.unlink(missing_ok=True)
    summary = _summary(n_docs, counts["kept"], counts["in_dictionary"], before, dictionary, seg, empty)
    summary["params"] = _recorded_params(params, paths)
    summary["execution"] = {"spark": {"partitions": params.spark.partitions}}
    _write_dictionary_and_summaries(dictionary, _filter_tables(tally, params), summary, paths)
    return summary


def run_segment_spark(context: StageContext) -> list[str]:
    """Stage ``segment`` in Spark mode (module docstring)."""
    paths, params = context.paths, context.params
    spark = spark_session(params.spark, paths.cache / "spark")
    shutil.rmtree(paths.spark_segmented, ignore_errors=True)
    summary = segment_spark(spark, paths, params)
    return [
        f"segmented with Spark ({params.spark.master}, {params.spark.partitions} partitions): wrote "
        f"{paths.processed}/: {summary['documents']} documents, {summary['tokens_in_dictionary']} tokens, "
        f"vocabulary {summary['vocabulary']}"
    ]
