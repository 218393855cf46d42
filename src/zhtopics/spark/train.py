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
   single-machine path is a consensus of one.

Without ``--k`` (and with more than one K in ``sweep.k``) the Spark mode stops with an
error: the choice of K runs on one machine, or on the sample (``spark_modeling``).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics.atomic import atomic_folder, write_csv
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.consensus import seed_consensus
from zhtopics.modeling.engines import FittedModel, get_engine
from zhtopics.modeling.rules import SweepEvidence, choose, mixture_engines
from zhtopics.modeling.sweep import score, stability_table
from zhtopics.modeling.tables import topic_word_table
from zhtopics.modeling.train import _manifest, write_model, write_results
from zhtopics.spark import files
from zhtopics.spark.modeling import fit_topics
from zhtopics.spark.session import spark_session

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def chosen_k(context: StageContext) -> int:
    """``--k``, or the one K of ``sweep.k``."""
    if context.k is not None:
        return context.k
    ks = context.params.sweep.k_values()
    if len(ks) != 1:
        raise ZhtopicsError(f"--spark fits one K: pass --k (sweep.k gives {len(ks)} values)")
    return ks[0]


def doc_topics_frame(model_doc_topics: DataFrame, documents: DataFrame | None, tokens: DataFrame, k: int):
    """doc_topics as Spark rows: ``row``, doc_id, text, dominant_topic (-1 for a document with no
    token in the Dictionary), topic_0 ..., and the documents' other columns."""
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
    if documents is None:
        return frame.select("row", "doc_id", "dominant_topic", *topics)
    others = [c for c in documents.columns if c not in ("row", "doc_id", "text")]
    frame = frame.join(documents.drop("doc_id"), "row")
    return frame.select("row", "doc_id", "text", "dominant_topic", *topics, *others)


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
    k, seed = chosen_k(context), params.sweep.seeds[0]
    for path in (paths.spark_tokens, paths.dictionary):
        if not path.exists():
            raise ZhtopicsError(f"{path}: not found; run `zhtopics run --spark MASTER` (stage segment) first")
    spark = spark_session(params.spark, paths.cache / "spark")
    dictionary = run.dictionary
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    tokens = spark.read.parquet(str(paths.spark_tokens))
    started = time.perf_counter()
    model = fit_topics(
        spark,
        tokens.select(F.col("row").alias("doc_id"), "tokens"),
        vocabulary,
        k,
        seed,
        params.spark_modeling,
        params.engines,
    )
    kept = model.topic_word.shape[0]
    documents = spark.read.parquet(str(paths.spark_documents)) if paths.spark_documents.exists() else None
    frame = doc_topics_frame(model.doc_topics, documents, tokens, kept)
    paths.results.mkdir(parents=True, exist_ok=True)
    files.write_ordered(frame, paths.doc_topics_parquet, "row", params.spark.partitions)
    seconds = time.perf_counter() - started
    n_docs = int(dictionary.num_docs)
    engine = model.fitted.engine if model.fitted is not None else model.details.get("engine", "mllib")
    details = {**model.details, "master": params.spark.master, "stage_partitions": params.spark.partitions}
    if n_docs > params.spark.csv_max_documents:
        fitted = FittedModel(engine, kept, seed, model.topic_word, np.zeros((0, kept)), seconds, {})
        write_csv(topic_word_table(fitted, dictionary, params.train.topn), paths.result("topics"))
        return [
            f"fitted {engine} at K={k} with Spark ({details.get('path', '')}); wrote {paths.doc_topics_parquet}/ "
            f"and topics.csv ({n_docs} documents > spark.csv_max_documents: no single-machine tables)"
        ]
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
    runs = pd.DataFrame([row])
    stability, _ = stability_table({(engine, k, seed): model.topic_word})
    write_csv(runs, paths.result("sweep"))
    write_csv(stability, paths.result("stability"))
    choice = choose(SweepEvidence(runs, stability, None, mixture_engines()), params.selection)
    choice["forced_k"] = k
    choice["topics"] = kept
    choice["execution"] = "spark"
    final = seed_consensus(fitted, [model.topic_word], [doc_topic], [seed], params.train.consensus.min_similarity)
    manifest = {
        **_manifest(data, params, paths, choice, final, row, stability),
        "seed_typicality": 1.0,
        "execution": {"spark": details},
    }
    _write_model(final.model, data, paths.model_dir(engine, k), manifest)
    write_results(choice, {engine: final}, data, run, runs, params)
    return [
        f"fitted {engine} at K={k} with Spark ({details.get('path', '')} path, {params.spark.partitions} partitions) "
        f"in {seconds:.1f} s; wrote {paths.models}/, {paths.results}/ and {paths.doc_topics_parquet.name}/"
    ]


def _write_model(fitted: FittedModel, data, folder, manifest: dict) -> None:
    """The model folder: with the engine's own file when the engine is a project engine (the
    sample path), else the matrices, the Dictionary and the manifest (MLlib)."""
    try:
        get_engine(fitted.engine)
    except ZhtopicsError:
        with atomic_folder(folder) as temporary:
            np.save(temporary / "topic_word.npy", fitted.topic_word)
            np.save(temporary / "doc_topic.npy", fitted.doc_topic)
            data.dictionary.save(str(temporary / "dictionary.gensim"))
            (temporary / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
            )
        return
    write_model(fitted, data, folder, manifest)
