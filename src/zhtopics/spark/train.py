"""Stage ``train`` in Spark mode: one model at the given K, every document's topics in Spark,
then the tables and the model folder of the single-machine stage.

:func:`run_train_spark` is stage ``train``'s Spark function (``pipeline.STAGES``):

1. the tokens of ``spark_tokens.parquet/`` (``doc_id`` = the document's row) and the
   Dictionary's words go to :func:`zhtopics.spark.modeling.fit_topics` (path and engine:
   ``spark_modeling``), at ``--k`` with the first seed of ``sweep.seeds``;
2. every document's topics are written as partitioned Parquet,
   ``results/doc_topics.parquet/`` (doc_id, text, dominant_topic, topic_0 ..., the
   documents' other columns), sorted by the document's row across the parts: any size;
3. for a corpus of at most ``spark.csv_max_documents`` documents, the driver reads them
   back in order and the single-machine code writes the rest of the results contract
   (:func:`zhtopics.modeling.train.write_results`, :func:`~zhtopics.modeling.train.write_model`):
   ``sweep.csv`` (one row: the fitted setting, scored like a sweep run), ``stability.csv``,
   ``model_choice.json``, ``topics.csv``, ``topic_labels.csv``, ``doc_topics.csv``,
   ``article_topics.csv``, ``prevalence_by_group.csv``, ``engine_comparison.csv`` and
   ``models/<engine>_k<K>/``, whose ``manifest.json`` records how the model was fitted
   (``execution.spark``). The model is one seed's: the consensus over seeds of the
   single-machine path is a consensus of one;
4. above ``spark.csv_max_documents`` documents, what needs no doc-topic matrix on the
   driver: ``topics.csv``, ``article_topics.csv`` and ``prevalence_by_group.csv`` computed
   group by group in Spark (:mod:`zhtopics.spark.tables`), ``model_choice.json`` and the
   model folder.

Without ``--k`` (and with more than one K in ``sweep.k``), the engine and K are chosen as on
one machine, on the sample path's sample (:func:`sweep_on_sample`): the project's sweep over
``sweep.engines`` × ``sweep.k`` × ``sweep.seeds``, its selection rule, and the consensus of the
chosen setting's seeds, on ``spark_modeling.sample.docs`` documents collected to the driver.
``sweep.csv`` and ``stability.csv`` are then the sample's sweep, and ``model_choice.json``
says so (``sweep_documents``). On the sample path every document's topics are inferred with
that consensus model (its reference seed's library model); on the MLlib path MLlib fits the
chosen K. Why a sample and not distributed jobs: benchmarks/results/spark_paths.md.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics.atomic import atomic_folder, write_csv, write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.consensus import SeedConsensus, seed_consensus
from zhtopics.modeling.engines import FittedModel, get_engine
from zhtopics.modeling.rules import SweepEvidence, choose, mixture_engines, needs_heldout
from zhtopics.modeling.select import typical_seed
from zhtopics.modeling.sweep import run_sweep, score, stability_table
from zhtopics.modeling.tables import topic_word_table
from zhtopics.modeling.train import _manifest, consensus_of_setting, model_versions, write_model, write_results
from zhtopics.params import params_hash
from zhtopics.spark import files
from zhtopics.spark.modeling import SparkTopicModel, fit_topics, infer_everywhere, sample_input
from zhtopics.spark.session import spark_session
from zhtopics.spark.tables import group_tables
from zhtopics.themes.labels import load_themes, name_topics

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def given_k(context: StageContext) -> int | None:
    """``--k``, or the one K of ``sweep.k``; None when the sweep chooses among several."""
    if context.k is not None:
        return context.k
    ks = context.params.sweep.k_values()
    return ks[0] if len(ks) == 1 else None


@dataclass
class SampleSweep:
    """The choice of engine and K made on the sample (:func:`sweep_on_sample`).

    Attributes
    ----------
    choice : dict
        The selection rule's outcome, plus ``sweep_documents`` (the sample's size) and
        ``documents`` (the corpus').
    runs, stability : DataFrame
        The sample's sweep.csv and stability.csv.
    final : SeedConsensus
        The chosen setting's consensus on the sample; its model is the reference seed's.
    typicality : float
        The reference seed's typicality among the setting's seeds.
    """

    choice: dict
    runs: pd.DataFrame
    stability: pd.DataFrame
    final: SeedConsensus
    typicality: float


def sweep_on_sample(
    spark: SparkSession, tokens: DataFrame, vocabulary: list[str], context: StageContext
) -> SampleSweep:
    """Choose the engine and K with the project's sweep and rule on the sample path's sample.

    The sample is :func:`zhtopics.spark.modeling.sample_input`'s (``spark_modeling.sample.docs``
    documents, drawn with the first seed of ``sweep.seeds``); the sweep's runs are cached in
    the run's sweep cache like one machine's.
    """
    paths, params = context.paths, context.params
    sample, _, total = sample_input(tokens, vocabulary, params.spark_modeling.sample.docs, params.sweep.seeds[0])
    if not len(sample.rows_with_tokens()):
        raise ZhtopicsError("spark_modeling: no sampled document has a token in the vocabulary: nothing to model")
    logger.info(
        "choosing the engine and K on a sample of %d of %d documents (spark_modeling.sample.docs)", sample.n_docs, total
    )
    settings = len(params.sweep.engines) * len(params.sweep.k_values())
    sweep = run_sweep(sample, params, paths.sweep_cache, heldout=needs_heldout(params.selection.rule, settings))
    stability, typicality = stability_table(sweep.topic_words)
    choice = choose(SweepEvidence(sweep.runs, stability, sweep.heldout, mixture_engines()), params.selection)
    seed, typical = typical_seed(typicality, choice["engine"], choice["k"])
    final = consensus_of_setting(sample, params, sweep, choice["engine"], choice["k"], seed)
    choice["topics"] = final.model.k
    choice.update(sweep_documents=sample.n_docs, documents=total)
    return SampleSweep(choice, sweep.runs, stability, final, typical)


def _chosen_model(spark: SparkSession, tokens: DataFrame, vocabulary: list[str], chosen: SampleSweep, context):
    """The model of the sample's choice as :func:`fit_topics` returns one: on the sample path the
    consensus model, shipped for the distributed inference; on the MLlib path MLlib at its K."""
    params = context.params
    engine, k = chosen.choice["engine"], chosen.choice["k"]
    if params.spark_modeling.path != "sample":
        return fit_topics(spark, tokens, vocabulary, k, params.sweep.seeds[0], params.spark_modeling, params.engines)
    fitted = chosen.final.model
    details = {
        "path": "sample",
        "engine": engine,
        "k": fitted.k,
        "k_requested": k,
        "seed": fitted.seed,
        "partitions": params.spark_modeling.partitions,
        "sample_docs": chosen.choice["sweep_documents"],
        "documents": chosen.choice["documents"],
        "engine_params": fitted.params,
        "chosen_by": f"the sweep and rule {params.selection.rule} on the sample",
        "sample_consensus": chosen.final.alignment.summary(),
    }
    doc_topics = infer_everywhere(spark, tokens, fitted, fitted.seed)
    return SparkTopicModel(fitted.topic_word, doc_topics, list(vocabulary), fitted, details)


def doc_topics_frame(model_doc_topics: DataFrame, documents: DataFrame | None, tokens: DataFrame, k: int):
    """doc_topics as Spark rows: ``row``, doc_id, text, dominant_topic (-1 for a document with no
    token in the Dictionary), n_tokens (its tokens in the Dictionary), topic_0 ..., and the
    documents' other columns."""
    from pyspark.sql import functions as F

    topics = [f"topic_{t}" for t in range(k)]
    shares = F.array(*[F.col(c) for c in topics])
    frame = (
        model_doc_topics.withColumnRenamed("doc_id", "row")
        .join(tokens.select("row", "doc_id", "n_in_dictionary"), "row")
        .withColumn(
            "dominant_topic",
            F.when(F.col("n_in_dictionary") > 0, F.array_position(shares, F.array_max(shares)) - 1).otherwise(-1),
        )
    )
    frame = frame.withColumn("n_tokens", F.col("n_in_dictionary"))
    if documents is None:
        return frame.select("row", "doc_id", "dominant_topic", "n_tokens", *topics)
    others = [c for c in documents.columns if c not in ("row", "doc_id", "text")]
    frame = frame.join(documents.drop("doc_id"), "row")
    return frame.select("row", "doc_id", "text", "dominant_topic", "n_tokens", *topics, *others)


def read_doc_topic(paths, k: int) -> np.ndarray:
    """The D x K matrix of ``doc_topics.parquet/`` in document order (streamed part by part)."""
    import pyarrow.parquet as pq

    columns = [f"topic_{t}" for t in range(k)]
    blocks = [
        np.column_stack([batch.column(c).to_numpy() for c in columns])
        for file in files.parts(paths.doc_topics_parquet)
        for batch in pq.ParquetFile(file).iter_batches(batch_size=100_000, columns=columns)
    ]
    return np.vstack(blocks) if blocks else np.zeros((0, k))


def run_train_spark(context: StageContext) -> list[str]:
    """Stage ``train`` in Spark mode (module docstring)."""
    from pyspark.sql import functions as F

    paths, params, run = context.paths, context.params, context.run
    k, seed = given_k(context), params.sweep.seeds[0]
    for path in (paths.spark_tokens, paths.dictionary):
        if not path.exists():
            raise ZhtopicsError(f"{path}: not found; run `zhtopics run --spark MASTER` (stage segment) first")
    spark = spark_session(params.spark, paths.cache / "spark")
    dictionary = run.dictionary
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    tokens = spark.read.parquet(str(paths.spark_tokens))
    started = time.perf_counter()
    model_tokens = tokens.select(F.col("row").alias("doc_id"), "tokens")
    chosen = None
    if k is None:
        chosen = sweep_on_sample(spark, model_tokens, vocabulary, context)
        k = chosen.choice["k"]
        write_csv(chosen.runs, paths.result("sweep"))
        write_csv(chosen.stability, paths.result("stability"))
        model = _chosen_model(spark, model_tokens, vocabulary, chosen, context)
    else:
        model = fit_topics(spark, model_tokens, vocabulary, k, seed, params.spark_modeling, params.engines)
    if model.fitted is not None:
        seed = model.fitted.seed
    kept = model.topic_word.shape[0]
    if paths.spark_documents.exists():
        documents = spark.read.parquet(str(paths.spark_documents))
    else:  # stage 1 ran on the driver (e.g. a group column): its documents.parquet, numbered as the tokens
        documents = spark.read.parquet(str(paths.documents)).join(tokens.select("row", "doc_id"), "doc_id")
    frame = doc_topics_frame(model.doc_topics, documents, tokens, kept)
    paths.results.mkdir(parents=True, exist_ok=True)
    files.write_ordered(frame, paths.doc_topics_parquet, "row", params.spark.partitions)
    seconds = time.perf_counter() - started
    n_docs = int(dictionary.num_docs)
    engine = model.fitted.engine if model.fitted is not None else model.details.get("engine", "mllib")
    details = {**model.details, "master": params.spark.master, "stage_partitions": params.spark.partitions}
    how = (
        f"fitted {engine} at K={k}"
        if chosen is None
        else f"chose {engine} at K={k} by the rule {params.selection.rule} on a sample of "
        f"{chosen.choice['sweep_documents']} documents,"
    )
    if n_docs > params.spark.csv_max_documents:
        return _results_at_scale(spark, model, chosen, context, k, seed, seconds, details, how)
    doc_topic = read_doc_topic(paths, kept)
    data = run.model_input()
    native = model.fitted.native if model.fitted is not None else None
    fitted = FittedModel(
        engine,
        kept,
        seed,
        model.topic_word,
        doc_topic,
        seconds,
        dict(model.fitted.params) if model.fitted is not None else {},
        np.flatnonzero(np.diff(data.bow.offsets) == 0).tolist(),
        native,
        dict(dictionary.token2id),
    )
    row = score(
        fitted, data.reference(params.sweep.coherence_docs), params.sweep.coherence_topn, params.sweep.diversity_topn, k
    )
    if chosen is None:
        runs = pd.DataFrame([row])
        stability, _ = stability_table({(engine, k, seed): model.topic_word})
        write_csv(runs, paths.result("sweep"))
        write_csv(stability, paths.result("stability"))
        choice = choose(SweepEvidence(runs, stability, None, mixture_engines()), params.selection)
        choice["forced_k"] = k
    else:
        runs, choice = chosen.runs, dict(chosen.choice)
        stability = chosen.stability[(chosen.stability["engine"] == engine) & (chosen.stability["k"] == k)]
    choice["topics"] = kept
    choice["execution"] = "spark"
    final = seed_consensus(fitted, [model.topic_word], [doc_topic], [seed], params.train.consensus.min_similarity)
    if chosen is not None and chosen.final.model.k == kept:
        # the topics were found by the sample's seeds; whether each document's topic flips
        # between seeds was measured on the sample only (NaN: not measured)
        final = replace(final, alignment=chosen.final.alignment, agreement=np.full(len(final.agreement), np.nan))
    manifest = {
        **_manifest(data, params, paths, choice, final, row, stability),
        "seed_typicality": 1.0 if chosen is None else round(chosen.typicality, 6),
        "execution": {"spark": details},
    }
    _write_model(final.model, data.dictionary, paths.model_dir(engine, k), manifest)
    write_results(choice, {engine: final}, data, run, runs, params)
    return [
        f"{how} with Spark ({details.get('path', '')} path, {params.spark.partitions} partitions) "
        f"in {seconds:.1f} s; wrote {paths.models}/, {paths.results}/ and {paths.doc_topics_parquet.name}/"
    ]


def _results_at_scale(
    spark: SparkSession, model, chosen: SampleSweep | None, context: StageContext, k, seed, seconds, details, how
) -> list[str]:
    """The results of a corpus above ``spark.csv_max_documents``: what needs no doc-topic matrix
    on the driver. topics.csv, article_topics.csv and prevalence_by_group.csv (computed per
    group in Spark: :mod:`zhtopics.spark.tables`), model_choice.json, sweep.csv and
    stability.csv (when the sweep ran on the sample), and the model folder (its
    ``doc_topic.npy`` holds the sample's documents on the sample path, none on MLlib's)."""
    paths, params, dictionary = context.paths, context.params, context.run.dictionary
    kept = model.topic_word.shape[0]
    engine = model.fitted.engine if model.fitted is not None else model.details.get("engine", "mllib")
    fitted = model.fitted or FittedModel(engine, kept, seed, model.topic_word, np.zeros((0, kept)), seconds, {})
    write_csv(topic_word_table(fitted, dictionary, params.train.topn), paths.result("topics"))
    themes = load_themes(params.themes.file) if params.themes.file is not None else []
    labels = name_topics(model.topic_word, dictionary, themes, params.themes)
    found = chosen is not None and chosen.final.model.k == kept
    labels["seeds_found"] = chosen.final.alignment.seeds_found.astype(int) if found else 1
    labels["seeds"] = len(chosen.final.alignment.seeds) if found else 1
    write_csv(labels, paths.result("topic_labels"))
    stored = spark.read.parquet(str(paths.doc_topics_parquet))
    written = ["topics.csv", "topic_labels.csv"]
    if {"article_id", "article_title", "n_tokens"} <= set(stored.columns):
        articles, by_group = group_tables(stored, kept, params.prevalence)
        write_csv(articles, paths.result("article_topics"))
        write_csv(by_group, paths.result("prevalence_by_group"))
        written += ["article_topics.csv", "prevalence_by_group.csv"]
    choice = {"engine": engine, "k": k, "forced_k": k} if chosen is None else dict(chosen.choice)
    choice.update(topics=kept, execution="spark")
    write_text(paths.result("model_choice"), json.dumps(choice, ensure_ascii=False, indent=2, default=str) + "\n")
    written.append("model_choice.json")
    manifest = {
        "name": paths.model_dir(engine, k).name,
        "role": "chosen",
        "engine": engine,
        "k": k,
        "topics": kept,
        "seed": seed,
        "documents": int(dictionary.num_docs),
        "vocabulary": len(dictionary),
        "doc_topic": "results/doc_topics.parquet/ (doc_topic.npy: the sample's documents, or none)",
        "selection": choice,
        "params_hash": params_hash(params, paths.root),
        "versions": model_versions(),
        "execution": {"spark": details},
    }
    _write_model(fitted, dictionary, paths.model_dir(engine, k), manifest)
    return [
        f"{how} with Spark ({details.get('path', '')}); wrote {paths.doc_topics_parquet}/, "
        f"{paths.model_dir(engine, k)}/ and {', '.join(written)} ({int(dictionary.num_docs)} documents > "
        "spark.csv_max_documents: no doc_topics.csv, and no tables, figures or reports that need it)"
    ]


def _write_model(fitted: FittedModel, dictionary, folder, manifest: dict) -> None:
    """The model folder: with the engine's own file when the engine is a project engine (the
    sample path), else the matrices, the Dictionary and the manifest (MLlib)."""
    try:
        get_engine(fitted.engine)
    except ZhtopicsError:
        with atomic_folder(folder) as temporary:
            np.save(temporary / "topic_word.npy", fitted.topic_word)
            np.save(temporary / "doc_topic.npy", fitted.doc_topic)
            dictionary.save(str(temporary / "dictionary.gensim"))
            (temporary / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
            )
        return
    write_model(fitted, dictionary, folder, manifest)
