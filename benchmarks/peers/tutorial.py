"""The tutorial pipeline: ``jieba.lcut`` + stopwords-iso + gensim ``Dictionary`` + ``LdaModel``.

What the Chinese LDA tutorials write: cut every text with ``jieba.lcut``, drop the
stopwords-iso Chinese stop words (PyPI ``stopwordsiso``, offline data) and whitespace,
build a gensim ``Dictionary``, ``filter_extremes(no_below=2, no_above=0.5)``, ``doc2bow``
every document into a list held in memory, fit ``LdaModel`` and read each document's
topics with ``get_document_topics``. Model settings are the benchmark's gensim config
(``PeerSettings.gensim``: passes, iterations, chunksize) and its seed.

Memory: the token lists and the bag-of-words list of 10^6 documents of about 25 words are
a few GiB of Python objects, as in the tutorials (no streaming).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import PeerResult, PeerSettings, read_texts

logger = logging.getLogger(__name__)


def run(corpus: Path, settings: PeerSettings) -> PeerResult:
    """Fit the tutorial pipeline on the table ``corpus`` (see the module docstring)."""
    import jieba
    import stopwordsiso
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    jieba.setLogLevel(logging.WARNING)
    stages = {}
    started = time.perf_counter()
    texts = read_texts(corpus, settings.text_column)
    stages["read"] = time.perf_counter() - started

    started = time.perf_counter()
    stopwords = stopwordsiso.stopwords("zh")
    tokens = [[word for word in jieba.lcut(text) if word.strip() and word not in stopwords] for text in texts]
    stages["tokenize"] = time.perf_counter() - started

    started = time.perf_counter()
    dictionary = Dictionary(tokens)
    dictionary.filter_extremes(no_below=2, no_above=0.5)
    bow = [dictionary.doc2bow(doc) for doc in tokens]
    stages["dictionary"] = time.perf_counter() - started

    started = time.perf_counter()
    lda = LdaModel(bow, id2word=dictionary, num_topics=settings.k, random_state=settings.seed, **settings.gensim)
    stages["fit"] = time.perf_counter() - started

    started = time.perf_counter()
    dominant = np.full(len(bow), -1, dtype=np.int64)
    for row, doc in enumerate(bow):
        if doc:
            topics = lda.get_document_topics(doc, minimum_probability=0.0)
            dominant[row] = max(topics, key=lambda pair: pair[1])[0]
    stages["assign"] = time.perf_counter() - started
    topic_word = lda.get_topics()
    return PeerResult(
        dominant=dominant,
        topic_word=topic_word / topic_word.sum(axis=1, keepdims=True),
        vocabulary=[dictionary[i] for i in range(len(dictionary))],
        stages=stages,
        info={"vocabulary": len(dictionary), "documents_without_tokens": int(sum(1 for doc in bow if not doc))},
    )
