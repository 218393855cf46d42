"""The pipelines a researcher would run instead of zhtopics: peers in ``make bench``.

Each peer is one module with a ``run(corpus, settings) -> PeerResult`` function written as
its library's tutorials write it (no tuning beyond the benchmark's model settings), so that
its time, memory and planted-topic recovery say what a user who skips zhtopics gets:

- ``tutorial`` (:mod:`benchmarks.peers.tutorial`): ``jieba.lcut`` + stopwords-iso + gensim
  ``Dictionary`` / ``filter_extremes(2, 0.5)`` + ``LdaModel``;
- ``tomotopy-direct`` (:mod:`benchmarks.peers.tomotopy_direct`): ``jieba.lcut`` + tomotopy
  ``LDAModel(min_cf=2)``;
- ``bertopic-sklearn`` (:mod:`benchmarks.peers.bertopic_sklearn`): BERTopic with
  scikit-learn embeddings (TF-IDF + TruncatedSVD), k-means with K clusters; an optional
  extra (``requirements-bench.lock``), skipped when bertopic is not installed;
- ``spark-mllib`` (``benchmarks/peers/spark_mllib.py``): Spark MLlib LDA in local mode; the
  slot for the Spark issue's peer, skipped until that module exists and pyspark imports.

:data:`PEERS` is the registry ``benchmarks/run.py`` reads; :func:`unavailable` says why a
peer cannot run here; ``python -m benchmarks.peers NAME CORPUS --out DIR`` runs one peer in
its own process (how the benchmark times it and measures its memory, like the zhtopics rows)
and writes its assignments for :func:`benchmarks.recovery.recovery_of_assignments`.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeerSettings:
    """The model settings every peer gets (``benchmarks/run.py`` takes them from its zhtopics configs).

    Attributes
    ----------
    k : int
        Number of topics (clusters for BERTopic).
    seed : int
        The random seed (the zhtopics rows' sweep seed).
    gensim : dict
        ``LdaModel`` keyword arguments (passes, iterations, chunksize).
    tomotopy : dict
        ``iterations`` and ``workers`` of ``LDAModel.train``.
    text_column : str
        The column of the corpus table holding the texts.
    """

    k: int
    seed: int
    gensim: dict = field(default_factory=dict)
    tomotopy: dict = field(default_factory=dict)
    text_column: str = "text"


@dataclass
class PeerResult:
    """What a peer found, row by row in the corpus' order.

    Attributes
    ----------
    dominant : np.ndarray
        Each document's largest topic (int; -1: the peer gave it no topic, e.g. no token left).
    topic_word : np.ndarray or None
        Topics × words distributions, when the peer has them (for topic-word recovery).
    vocabulary : list of str or None
        The words of ``topic_word``'s columns.
    stages : dict
        Seconds per step, measured inside the peer (read, tokenize, fit, assign).
    info : dict
        Sizes worth reporting (vocabulary, documents without tokens, ...).
    """

    dominant: np.ndarray
    topic_word: np.ndarray | None = None
    vocabulary: list[str] | None = None
    stages: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Peer:
    """A registry entry: where the peer's ``run`` lives and what it needs.

    Attributes
    ----------
    name : str
        Its name in ``--pipelines`` and in the results.
    module : str
        The module holding ``run(corpus, settings) -> PeerResult``.
    requires : tuple of str
        Modules it imports (skipped with a reason when one is missing).
    same_model_as : str or None
        The zhtopics bench config fitting the same model with the same settings (target 1
        compares them), or None.
    description : str
        One line for the results table.
    """

    name: str
    module: str
    requires: tuple[str, ...]
    same_model_as: str | None
    description: str


PEERS: dict[str, Peer] = {
    peer.name: peer
    for peer in (
        Peer(
            "tutorial",
            "benchmarks.peers.tutorial",
            ("jieba", "stopwordsiso", "gensim"),
            "gensim",
            "jieba.lcut + stopwords-iso + gensim Dictionary, filter_extremes(2, 0.5) + LdaModel",
        ),
        Peer(
            "tomotopy-direct",
            "benchmarks.peers.tomotopy_direct",
            ("jieba", "tomotopy"),
            "tomotopy",
            "jieba.lcut + tomotopy LDAModel(min_cf=2)",
        ),
        Peer(
            "bertopic-sklearn",
            "benchmarks.peers.bertopic_sklearn",
            ("bertopic", "umap", "sklearn", "jieba"),
            None,
            "BERTopic: TF-IDF + TruncatedSVD embeddings (jieba tokens), UMAP, k-means (K clusters)",
        ),
        Peer(
            "spark-mllib",
            "benchmarks.peers.spark_mllib",
            ("pyspark",),
            None,
            "Spark local[2]: jieba in mapInPandas + CountVectorizer + MLlib LDA, Spark's defaults",
        ),
    )
}


def unavailable(name: str) -> str | None:
    """Why peer ``name`` cannot run in this environment, or None when it can."""
    peer = PEERS[name]
    missing = [module for module in peer.requires if importlib.util.find_spec(module) is None]
    if missing:
        return f"{', '.join(missing)} not importable (install the bench extras: requirements-bench.lock)"
    if importlib.util.find_spec(peer.module) is None:
        return f"{peer.module.replace('.', '/')}.py does not exist yet"
    return None


def run_peer(name: str, corpus: Path, settings: PeerSettings) -> PeerResult:
    """Run peer ``name`` on the table ``corpus`` (its ``run`` function, in this process)."""
    reason = unavailable(name)
    if reason is not None:
        raise RuntimeError(f"peer {name}: {reason}")
    return importlib.import_module(PEERS[name].module).run(Path(corpus), settings)


def read_texts(corpus: Path, text_column: str) -> list[str]:
    """The texts of a CSV or Parquet table, in row order (what every peer starts from)."""
    import pandas as pd

    corpus = Path(corpus)
    if corpus.suffix.lower() == ".parquet":
        frame = pd.read_parquet(corpus, columns=[text_column])
    else:
        frame = pd.read_csv(corpus, usecols=[text_column], dtype={text_column: str}, keep_default_na=False)
    return frame[text_column].tolist()
