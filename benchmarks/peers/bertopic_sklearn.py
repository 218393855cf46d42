"""BERTopic with scikit-learn embeddings: no transformer model, nothing downloaded.

BERTopic's documented lightweight set-up ("Lightweight installation": ``pip install
--no-deps bertopic`` and its non-torch dependencies; "scikit-learn embeddings"): the
embedding model is ``make_pipeline(TfidfVectorizer(), TruncatedSVD(100))``. For Chinese the
vectorizers get a jieba tokenizer, as BERTopic's FAQ shows for ``CountVectorizer``
(``tokenizer=jieba.lcut``); the TF-IDF of the embedding step needs the same, since
scikit-learn's default token pattern sees a Chinese clause as one word.

The number of topics: BERTopic's default clustering (HDBSCAN) chooses it, and
``nr_topics`` only merges clusters afterwards and leaves the outliers (-1) unassigned. For
a fixed K its documentation swaps the clustering model for k-means
(``hdbscan_model=KMeans(n_clusters=K)``, "Clustering: k-Means"), which assigns every
document: that is what this peer does, with K = ``settings.k``. The reduction step is
BERTopic's default UMAP (15 neighbours, 5 components, cosine, min_dist 0) with
``random_state`` set, as its FAQ recommends for reproducible topics. Each document's topic
is ``fit_transform``'s label; no topic-word matrix over the benchmark's words is reported
(BERTopic's c-TF-IDF words are another kind of object), so only document recovery is scored.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import PeerResult, PeerSettings, read_texts

logger = logging.getLogger(__name__)

#: TruncatedSVD components of the embedding pipeline (BERTopic's documentation example).
SVD_COMPONENTS = 100


def run(corpus: Path, settings: PeerSettings) -> PeerResult:
    """Fit BERTopic on the table ``corpus`` (see the module docstring)."""
    import jieba
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from umap import UMAP

    jieba.setLogLevel(logging.WARNING)
    stages = {}
    started = time.perf_counter()
    texts = read_texts(corpus, settings.text_column)
    stages["read"] = time.perf_counter() - started

    started = time.perf_counter()
    embedding_model = make_pipeline(
        TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None),
        TruncatedSVD(SVD_COMPONENTS, random_state=settings.seed),
    )
    topic_model = BERTopic(
        embedding_model=embedding_model,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=settings.seed),
        hdbscan_model=KMeans(n_clusters=settings.k, random_state=settings.seed, n_init="auto"),
        vectorizer_model=CountVectorizer(tokenizer=jieba.lcut, token_pattern=None),
    )
    topics, _ = topic_model.fit_transform(texts)
    stages["fit"] = time.perf_counter() - started
    dominant = np.asarray(topics, dtype=np.int64)
    return PeerResult(
        dominant=dominant,
        stages=stages,
        info={"topics": int(len(set(dominant.tolist()) - {-1})), "documents_without_topic": int((dominant < 0).sum())},
    )
