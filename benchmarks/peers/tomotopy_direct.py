"""Direct tomotopy: ``jieba.lcut`` + tomotopy ``LDAModel(min_cf=2)``.

What tomotopy's examples write for a corpus of raw texts: cut each text with
``jieba.lcut`` (dropping whitespace and the stopwords-iso Chinese stop words, as the
tutorial pipeline does), ``add_doc`` it, ``train`` and read ``get_topic_dist`` of every
document. ``min_cf=2`` drops words seen once; tomotopy's own priors (alpha 0.1, eta 0.01)
and hyperparameter optimisation (every 10 iterations) stay as they come. Iterations and
worker threads are the benchmark's tomotopy config (``PeerSettings.tomotopy``).
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.peers import PeerResult, PeerSettings, read_texts

logger = logging.getLogger(__name__)


def run(corpus: Path, settings: PeerSettings) -> PeerResult:
    """Fit tomotopy's LDA on the table ``corpus`` (see the module docstring)."""
    import jieba
    import stopwordsiso
    import tomotopy as tp

    jieba.setLogLevel(logging.WARNING)
    stages = {}
    started = time.perf_counter()
    texts = read_texts(corpus, settings.text_column)
    stages["read"] = time.perf_counter() - started

    started = time.perf_counter()
    stopwords = stopwordsiso.stopwords("zh")
    model = tp.LDAModel(k=settings.k, min_cf=2, seed=settings.seed)
    added = []
    for row, text in enumerate(texts):
        words = [word for word in jieba.lcut(text) if word.strip() and word not in stopwords]
        if model.add_doc(words) is not None:  # None: no words
            added.append(row)
    stages["tokenize"] = time.perf_counter() - started

    started = time.perf_counter()
    with warnings.catch_warnings():  # "may differ even with fixed seed if workers != 1": same workers, same result
        warnings.filterwarnings("ignore", message="The training result may differ", category=RuntimeWarning)
        model.train(settings.tomotopy["iterations"], workers=settings.tomotopy["workers"], show_progress=False)
    stages["fit"] = time.perf_counter() - started

    started = time.perf_counter()
    dominant = np.full(len(texts), -1, dtype=np.int64)
    for row, document in zip(added, model.docs):
        if len(document):
            dominant[row] = int(np.argmax(document.get_topic_dist()))
    stages["assign"] = time.perf_counter() - started
    topic_word = np.array([model.get_topic_word_dist(topic) for topic in range(settings.k)])
    return PeerResult(
        dominant=dominant,
        topic_word=topic_word,
        vocabulary=list(model.used_vocabs),
        stages=stages,
        info={"vocabulary": len(model.used_vocabs), "documents_without_tokens": int((dominant < 0).sum())},
    )
