"""Topic models in the Spark execution mode: two paths behind one function.

Interface with the pipeline (``spark-pipeline`` calls it, ``spark-models`` implements it;
a change is written here first)::

    fit_topics(spark, tokens, vocabulary, k, seed, params, engines) -> SparkTopicModel

- ``tokens``: a DataFrame with ``doc_id`` (long) and ``tokens`` (array<string>), filtered to
  the vocabulary or not (words outside it are ignored).
- ``vocabulary``: the words; column j of ``topic_word`` is ``vocabulary[j]``.
- ``params``: ``Params.spark_modeling``; ``engines``: ``Params.engines`` (change 1, below).
- The result's ``doc_topics`` has ``doc_id`` and ``topic_0`` .. ``topic_{K-1}`` (double,
  rows sum to 1; a document without a token in the vocabulary gets a uniform row). K is
  ``topic_word.shape[0]``: for the mixture engine ``dmm`` it may be below ``k`` (its empty
  clusters are dropped, as on one machine). ``doc_topics`` is lazy: writing it runs the
  distributed inference.

Changes to the first agreed interface:

1. ``fit_topics`` takes ``engines`` (``Params.engines``): the sample path fits
   ``engines[params.sample.engine]`` with the engine's own parameters.
2. :func:`sample_input` is public: the documents of the sample as a
   :class:`~zhtopics.modeling.data.ModelInput`, on which the project's own sweep and
   selection rule (``modeling.sweep.run_sweep``, ``modeling.select``) choose K and the
   engine before ``fit_topics`` fits the chosen setting (benchmarks/results/spark_paths.md
   measures what that costs).

The two paths (``spark_modeling.path``):

``sample``
    The ``spark_modeling.sample.docs`` documents with the smallest hash of (doc_id, seed)
    are collected to the driver, sorted by doc_id, and a project engine (tomotopy, dmm, ...)
    is fitted on them exactly as on one machine. Its model is then shipped to every Python
    worker (the engine's own model file, as bytes, in a broadcast variable; loaded once per
    worker) and every document's topics are inferred with the engine's ``infer`` inside
    ``mapInPandas``. The sample does not depend on the partitioning, and tomotopy's and
    dmm's inference of a document does not depend on the other documents of its batch, so
    the result is the same for any number of partitions or executors.
``mllib``
    ``pyspark.ml.clustering.LDA`` with the online variational Bayes optimizer, fully
    distributed, over a ``CountVectorizerModel`` built from the given vocabulary (so its
    columns are the vocabulary's order, not CountVectorizer's own ranking).
    ``topicsMatrix()`` holds the variational parameters, not probabilities: its rows are
    normalised here. Its minibatches are Bernoulli samples of each partition, so the model
    depends on the partitioning: the documents are repartitioned by doc_id into
    ``spark_modeling.partitions`` partitions and sorted within them, which makes the same
    seed give the same model on any cluster (another number of partitions gives another).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines import FittedModel, get_engine

if TYPE_CHECKING:
    import pandas as pd
    from gensim.corpora import Dictionary
    from pyspark.sql import DataFrame, SparkSession

    from zhtopics.modeling.data import ModelInput
    from zhtopics.params.sections import SparkModelingParams

logger = logging.getLogger(__name__)


@dataclass
class SparkTopicModel:
    """What :func:`fit_topics` returns.

    Attributes
    ----------
    topic_word : ndarray, shape (K, V)
        P(word | topic); rows sum to 1; column j is ``vocabulary[j]``.
    doc_topics : pyspark DataFrame
        ``doc_id`` (long), ``topic_0`` .. ``topic_{K-1}`` (double); rows sum to 1. Lazy.
    vocabulary : list of str
    fitted : FittedModel or None
        The engine's model (sample path; its ``doc_topic`` rows are the sampled documents,
        ``sample_doc_ids``), None for MLlib.
    details : dict
        Plain data (JSON-ready): ``path``, ``engine``, ``k``, ``k_requested``, ``seed``,
        ``partitions``, ``seconds`` (per step), and the path's own settings and counts.
    sample_doc_ids : ndarray of int64 or None
        The sample path's documents, in the order of ``fitted.doc_topic``'s rows.
    """

    topic_word: np.ndarray
    doc_topics: DataFrame
    vocabulary: list[str]
    fitted: FittedModel | None
    details: dict = field(default_factory=dict)
    sample_doc_ids: np.ndarray | None = None


def fit_topics(
    spark: SparkSession,
    tokens: DataFrame,
    vocabulary: list[str],
    k: int,
    seed: int,
    params: SparkModelingParams,
    engines: Mapping[str, Any],
) -> SparkTopicModel:
    """Fit K topics on a token DataFrame with the path of ``params.path`` (module docstring).

    Parameters
    ----------
    spark : SparkSession
    tokens : DataFrame
        ``doc_id`` (long) and ``tokens`` (array<string>).
    vocabulary : list of str
        The model's words, in column order.
    k : int
        Number of topics (an upper bound for ``dmm``).
    seed : int
        The same seed, input and ``params`` give the same model and the same doc_topics.
    params : SparkModelingParams
        ``Params.spark_modeling``.
    engines : mapping
        ``Params.engines`` (the sample path's engine parameters).

    Returns
    -------
    SparkTopicModel

    Raises
    ------
    ZhtopicsError
        For k < 1, an empty vocabulary, or no document with a token in the vocabulary.
    """
    if k < 1:
        raise ZhtopicsError(f"spark_modeling: the number of topics must be at least 1 (got {k})")
    if not vocabulary:
        raise ZhtopicsError("spark_modeling: the vocabulary is empty: nothing to model")
    if params.path == "mllib":
        return _fit_mllib(fixed_partitioning(tokens, params.partitions), vocabulary, k, seed, params)
    # the sample path depends on no partitioning: no shuffle of every token
    return _fit_sample(spark, tokens.select("doc_id", "tokens"), vocabulary, k, seed, params, engines)


def fixed_partitioning(tokens: DataFrame, partitions: int) -> DataFrame:
    """``doc_id`` and ``tokens`` hash-partitioned by doc_id into ``partitions`` partitions,
    sorted by doc_id within each: the same layout whatever the input's splits or the cores.

    MLlib needs it (its minibatches sample each partition). The sample path does not
    depend on it (benchmarks/results/spark_paths.md: bit-identical on 2 and 4 partitions),
    so that path skips this shuffle of all tokens."""
    if partitions < 1:
        raise ZhtopicsError(f"spark_modeling.partitions: expected at least 1, got {partitions}")
    return tokens.select("doc_id", "tokens").repartition(partitions, "doc_id").sortWithinPartitions("doc_id")


# --------------------------------------------------------------------------- the sample path


def dictionary_of(vocabulary: list[str]) -> Dictionary:
    """A gensim Dictionary whose ids are the vocabulary's positions (what the engines read).

    Its ``token2id`` is set directly: building it from documents lets gensim number the
    words itself, and column j of ``topic_word`` must be ``vocabulary[j]``. Only ids and
    words are needed here (the engines read ``token2id`` and ``doc2bow``); document
    frequencies stay empty."""
    from gensim.corpora import Dictionary

    dictionary = Dictionary()
    dictionary.token2id = {word: column for column, word in enumerate(vocabulary)}
    if len(dictionary.token2id) != len(vocabulary):
        raise ZhtopicsError("spark_modeling: the vocabulary lists a word twice")
    return dictionary


def sample_input(tokens: DataFrame, vocabulary: list[str], docs: int, seed: int) -> tuple[ModelInput, np.ndarray, int]:
    """The sample the sample path fits on, collected to the driver.

    The ``docs`` documents with the smallest ``xxhash64(doc_id, seed)`` (ties by doc_id):
    a top-k that each partition computes on its own, so the sample does not depend on the
    partitioning and the driver receives only ``docs`` rows. Documents without a token in
    the vocabulary stay in the sample but take no part in the fit (as on one machine).

    Returns
    -------
    data : ModelInput
        The sampled documents, sorted by doc_id, over :func:`dictionary_of` ``(vocabulary)``.
    doc_ids : ndarray of int64
        Their doc_ids, in that order.
    total : int
        Documents in ``tokens``.
    """
    from pyspark.sql import functions as F

    from zhtopics.modeling.data import ModelInput

    if docs < 1:
        raise ZhtopicsError(f"spark_modeling.sample.docs: expected at least 1, got {docs}")
    total = tokens.count()
    if total == 0:
        raise ZhtopicsError("spark_modeling: the token table has no documents")
    picked = (
        tokens.select("doc_id", "tokens", F.xxhash64(F.col("doc_id"), F.lit(seed)).alias("_order"))
        .orderBy("_order", "doc_id")
        .limit(docs)
        .select("doc_id", "tokens")
        .toPandas()
        .sort_values("doc_id", kind="stable")
    )
    texts = [list(words) if words is not None else [] for words in picked["tokens"]]
    doc_ids = picked["doc_id"].to_numpy(dtype=np.int64)
    data = ModelInput(dictionary_of(vocabulary), texts, [str(d) for d in doc_ids])
    return data, doc_ids, total


def _fit_sample(
    spark: SparkSession,
    data: DataFrame,
    vocabulary: list[str],
    k: int,
    seed: int,
    params: SparkModelingParams,
    engines: Mapping[str, Any],
) -> SparkTopicModel:
    name = params.sample.engine
    engine = get_engine(name)
    seconds = {}
    started = time.perf_counter()
    sample, doc_ids, total = sample_input(data, vocabulary, params.sample.docs, seed)
    seconds["sample"] = time.perf_counter() - started
    if not len(sample.rows_with_tokens()):
        raise ZhtopicsError("spark_modeling: no sampled document has a token in the vocabulary: nothing to model")
    logger.info("spark sample path: fitting %s (K = %d) on %d sampled documents", name, k, sample.n_docs)
    started = time.perf_counter()
    fitted = engine.fit(sample, k, seed, engines[name])
    seconds["fit"] = time.perf_counter() - started
    doc_topics = infer_everywhere(spark, data, fitted, seed)
    details = {
        "path": "sample",
        "engine": name,
        "k": fitted.k,
        "k_requested": k,
        "seed": seed,
        "partitions": params.partitions,
        "sample_docs": sample.n_docs,
        "documents": total,
        "engine_params": fitted.params,
        "seconds": seconds,
    }
    return SparkTopicModel(fitted.topic_word, doc_topics, list(vocabulary), fitted, details, doc_ids)


def infer_everywhere(spark: SparkSession, tokens: DataFrame, fitted: FittedModel, seed: int) -> DataFrame:
    """Every document's topics by ``fitted``'s engine's own inference, in a distributed pass.

    The model travels to the Python workers as the engine's own model file (a broadcast,
    loaded once per worker). ``tokens``: ``doc_id`` and ``tokens``; the result (lazy):
    ``doc_id``, ``topic_0`` .. ``topic_{K-1}``, K = ``fitted.k``.
    """
    model = _shippable(fitted)
    key = hashlib.sha256(model["native"]).hexdigest()
    shipped = spark.sparkContext.broadcast(model)
    return tokens.mapInPandas(_inferrer(shipped, key, seed), schema=_schema(fitted.k))


def _shippable(fitted: FittedModel) -> dict:
    """The model as plain data for a broadcast: the engine's own model file as bytes (its
    library object may not pickle), the matrices without the sample's doc-topic rows."""
    engine = get_engine(fitted.engine)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / engine.native_file
        engine.save_native(fitted.native, path)
        native = path.read_bytes()
    light = replace(fitted, doc_topic=np.empty((0, fitted.k)), native=None)
    return {"fitted": light, "native": native}


#: Per Python worker: model file digest → the engine and its model, loaded once (Spark
#: reuses its Python workers between tasks).
_LOADED: dict[str, tuple[Any, FittedModel]] = {}


def _loaded(shipped, key: str) -> tuple[Any, FittedModel]:
    """The broadcast model in this worker, loading the engine's model file the first time."""
    if key not in _LOADED:
        value = shipped.value
        fitted: FittedModel = value["fitted"]
        engine = get_engine(fitted.engine)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / engine.native_file
            path.write_bytes(value["native"])
            native = engine.load_native(path)
        _LOADED[key] = (engine, replace(fitted, native=native))
    return _LOADED[key]


def _inferrer(shipped, key: str, seed: int):
    """The ``mapInPandas`` function of the inference pass (it lives in this module so that
    the workers import it from the installed package)."""

    def infer(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        engine, fitted = _loaded(shipped, key)
        for batch in batches:
            texts = [list(words) if words is not None else [] for words in batch["tokens"]]
            theta = engine.infer(fitted, texts, seed) if texts else np.empty((0, fitted.k))
            out = pd.DataFrame(theta, columns=topic_columns(fitted.k))
            out.insert(0, "doc_id", batch["doc_id"].to_numpy(dtype=np.int64))
            yield out

    return infer


def topic_columns(k: int) -> list[str]:
    """``topic_0`` .. ``topic_{k-1}``: the doc_topics columns."""
    return [f"topic_{topic}" for topic in range(k)]


def _schema(k: int) -> str:
    return ", ".join(["doc_id long", *(f"{column} double" for column in topic_columns(k))])


# --------------------------------------------------------------------------- the MLlib path


def _fit_mllib(
    data: DataFrame, vocabulary: list[str], k: int, seed: int, params: SparkModelingParams
) -> SparkTopicModel:
    from pyspark import StorageLevel
    from pyspark.ml.clustering import LDA
    from pyspark.ml.feature import CountVectorizerModel
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    mllib = params.mllib
    seconds = {}
    started = time.perf_counter()
    vectorizer = CountVectorizerModel.from_vocabulary(list(vocabulary), inputCol="tokens", outputCol="features")
    bow = vectorizer.transform(data).select("doc_id", "features").persist(StorageLevel.MEMORY_AND_DISK)
    documents = bow.count()
    seconds["bag_of_words"] = time.perf_counter() - started
    if documents == 0:
        raise ZhtopicsError("spark_modeling: the token table has no documents")
    rate = min(1.0, mllib.batch_docs / documents)
    lda = LDA(
        k=k,
        seed=seed,
        optimizer="online",
        maxIter=mllib.max_iterations,
        subsamplingRate=rate,
        learningOffset=mllib.learning_offset,
        learningDecay=mllib.learning_decay,
        optimizeDocConcentration=mllib.optimize_doc_concentration,
        featuresCol="features",
        topicDistributionCol="distribution",
    )
    started = time.perf_counter()
    model = lda.fit(bow)
    seconds["fit"] = time.perf_counter() - started
    topic_word = model.topicsMatrix().toArray().T.astype(np.float64)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    theta = vector_to_array(F.col("distribution"))
    total = F.aggregate(theta, F.lit(0.0), lambda acc, x: acc + x)
    # a document without a known word gets zeros from MLlib: a uniform row, as on one machine
    columns = [
        F.when(total > 0, theta[topic] / total).otherwise(F.lit(1.0 / k)).alias(name)
        for topic, name in enumerate(topic_columns(k))
    ]
    doc_topics = model.transform(bow).select("doc_id", *columns)
    details = {
        "path": "mllib",
        "engine": "mllib_online_lda",
        "k": k,
        "k_requested": k,
        "seed": seed,
        "partitions": params.partitions,
        "documents": documents,
        "subsampling_rate": rate,
        "mllib": {
            "max_iterations": mllib.max_iterations,
            "batch_docs": mllib.batch_docs,
            "learning_offset": mllib.learning_offset,
            "learning_decay": mllib.learning_decay,
            "optimize_doc_concentration": mllib.optimize_doc_concentration,
        },
        "doc_concentration": model.estimatedDocConcentration().toArray().tolist(),
        "seconds": seconds,
    }
    return SparkTopicModel(topic_word, doc_topics, list(vocabulary), None, details)
