"""Peer: a typical Spark MLlib tutorial pipeline for Chinese topics, for the benchmarks' peer table.

What a researcher following a PySpark LDA tutorial writes, without zhtopics:

1. read the table with Spark (``text`` column; CSV or Parquet);
2. cut each text with ``jieba.lcut`` in ``mapInPandas`` (the dictionary loaded once per
   Python worker) and keep the words longer than one character that are not whitespace
   or punctuation: the usual tutorial filter in place of a stopword list;
3. ``CountVectorizer`` and ``pyspark.ml.clustering.LDA`` with **Spark's own defaults**
   (the tutorial settings, not the project's tuned ones): CountVectorizer vocabSize 2^18,
   minDF 1; LDA optimizer "online", maxIter 20, subsamplingRate 0.05, learningOffset 1024,
   learningDecay 0.51, optimizeDocConcentration true. zhtopics' own MLlib path
   (``spark_modeling.path: mllib``) uses 100 iterations, minibatches of about 5,000
   documents and learningOffset 64 instead (params.yaml, benchmarks/results/spark_paths.md);
4. each document's dominant topic (argmax of ``topicDistribution``).

The session is local[2] with the web UI and event logs off; nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.peers import PeerResult, PeerSettings

ROOT = Path(__file__).resolve().parents[2]

_CUT = None


def _tokens(batches: Iterator) -> Iterator:
    """``mapInPandas``: row, text → row, words (jieba, loaded once per Python worker)."""
    import unicodedata

    import pandas as pd

    global _CUT
    if _CUT is None:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        _CUT = jieba.lcut

    def keep(word: str) -> bool:
        return len(word) > 1 and not any(unicodedata.category(c)[0] in "PZ" for c in word)

    for batch in batches:
        words = [[w for w in _CUT(text) if keep(w)] if isinstance(text, str) else [] for text in batch["text"]]
        yield pd.DataFrame({"row": batch["row"].to_numpy(dtype=np.int64), "words": words})


def dominant_topics(corpus_path: Path, k: int, seed: int, master: str = "local[2]") -> np.ndarray:
    """Dominant topic of each document of ``corpus_path``, in the table's row order.

    Parameters
    ----------
    corpus_path : Path
        A ``.csv`` or ``.parquet`` table with a ``text`` column (one file).
    k : int
        Topics.
    seed : int
        LDA's seed.
    master : str
        The Spark master (the benchmarks use local[2]).

    Returns
    -------
    ndarray of int, shape (documents,)
        The argmax of each document's topic distribution (-1: no word in the vocabulary).
    """
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # the Python workers import this module from the checkout
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    from pyspark.ml.clustering import LDA
    from pyspark.ml.feature import CountVectorizer
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master(master)
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.eventLog.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    try:
        path = str(corpus_path)
        if path.endswith(".parquet"):
            table = spark.read.parquet(path)
        else:
            table = spark.read.csv(path, header=True, multiLine=True, escape='"')
        # row numbers in file order (zipWithIndex keeps the order of one file's splits)
        rows = table.select("text").rdd.zipWithIndex().map(lambda pair: (pair[1], pair[0][0]))
        texts = spark.createDataFrame(rows, "row long, text string")
        words = texts.mapInPandas(_tokens, schema="row long, words array<string>").cache()
        features = CountVectorizer(inputCol="words", outputCol="features").fit(words).transform(words)
        model = LDA(k=k, seed=seed).fit(features)
        transformed = model.transform(features)
        theta = vector_to_array(transformed["topicDistribution"])
        best = F.array_position(theta, F.array_max(theta)) - 1  # first position of the maximum
        known = F.aggregate(theta, F.lit(0.0), lambda acc, x: acc + x) > 0
        dominant = transformed.select("row", F.when(known & (F.size("words") > 0), best).otherwise(-1).alias("topic"))
        result = dominant.orderBy("row").toPandas()
        return result["topic"].to_numpy(dtype=np.int64)
    finally:
        spark.stop()


def run(corpus: Path, settings: PeerSettings) -> PeerResult:
    """The registry's entry (:mod:`benchmarks.peers`): :func:`dominant_topics` in local[2]."""
    started = time.perf_counter()
    dominant = dominant_topics(corpus, settings.k, settings.seed)
    return PeerResult(dominant=dominant, stages={"total": time.perf_counter() - started})
