"""Two LDA engines behind one small interface.

- ``gensim``: gensim ``LdaModel`` (online variational Bayes), the design card's engine.
- ``tomotopy``: tomotopy ``LDAModel`` (collapsed Gibbs sampling, C++).

Both take the same :class:`ModelInput` (the stage-2 Dictionary and tokens) and return a
:class:`FittedModel` whose ``topic_word`` (K × V, columns are Dictionary ids) and
``doc_topic`` (D × K, rows in document order) matrices are all that coherence, stability,
tables, pyLDAvis and figures need, whichever engine made them.

Both are reproducible under a seed: gensim through ``random_state`` (``LdaModel``, not
``LdaMulticore``, which is not), tomotopy through ``seed`` with one worker thread. Runs are
parallelised across processes instead (see :mod:`zhtopics.sweep`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from zhtopics.config import InputError, OutputPaths, ZhtopicsError

logger = logging.getLogger(__name__)

ENGINES = ("gensim", "tomotopy")


@dataclass
class ModelInput:
    """What every engine trains on: the Dictionary and each document's in-vocabulary tokens.

    Parameters
    ----------
    dictionary : gensim Dictionary
    texts : list of list of str
        Tokens of each document that are in ``dictionary``, in document order (a document
        may be empty).
    doc_ids : list of str
    """

    dictionary: Dictionary
    texts: list[list[str]]
    doc_ids: list[str]
    _bow: list | None = field(default=None, repr=False)

    @classmethod
    def load(cls, paths: OutputPaths) -> "ModelInput":
        """Read stage 2's tokens and Dictionary."""
        from zhtopics.segment import load_segmented

        tokens, dictionary, _ = load_segmented(paths)
        vocabulary = dictionary.token2id
        texts = [[t for t in doc if t in vocabulary] for doc in tokens["tokens"]]
        if not vocabulary or sum(1 for text in texts if text) < 2:
            raise InputError(paths.dictionary, f"{len(vocabulary)} words and {sum(1 for t in texts if t)} documents with "
                             "tokens after filter_extremes: too little to model (give more documents, or lower "
                             "segment.filter_extremes.no_below)")
        return cls(dictionary=dictionary, texts=texts, doc_ids=tokens["doc_id"].astype(str).tolist())

    @property
    def bow(self) -> list:
        if self._bow is None:
            self._bow = [self.dictionary.doc2bow(text) for text in self.texts]
        return self._bow

    @property
    def n_docs(self) -> int:
        return len(self.texts)

    @property
    def n_terms(self) -> int:
        return len(self.dictionary)

    def fingerprint(self) -> str:
        """A hash of the vocabulary and every document's tokens: equal inputs, equal hash."""
        digest = hashlib.sha256()
        digest.update(json.dumps(sorted(self.dictionary.token2id.items()), ensure_ascii=False).encode())
        for doc_id, text in zip(self.doc_ids, self.texts):
            digest.update(json.dumps([doc_id, text], ensure_ascii=False).encode())
        return digest.hexdigest()[:16]


@dataclass
class FittedModel:
    """A fitted topic model, engine-agnostic.

    Attributes
    ----------
    topic_word : ndarray, shape (k, n_terms)
        P(word | topic); each row sums to 1; column j is Dictionary id j.
    doc_topic : ndarray, shape (n_docs, k)
        P(topic | document); each row sums to 1. Documents without tokens get a uniform
        row (the model has no evidence about them) and are listed in ``empty_docs``.
    """

    engine: str
    k: int
    seed: int
    topic_word: np.ndarray
    doc_topic: np.ndarray
    seconds: float
    params: dict
    empty_docs: list[int] = field(default_factory=list)
    native: object = field(default=None, repr=False)

    def top_words(self, dictionary: Dictionary, topn: int = 10) -> list[list[str]]:
        """The ``topn`` most probable words of each topic."""
        order = np.argsort(-self.topic_word, axis=1, kind="stable")[:, :topn]
        return [[dictionary[int(i)] for i in row] for row in order]

    def save(self, folder: Path, dictionary: Dictionary) -> None:
        """Write the library's own model file and the two matrices (``.npy``)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "topic_word.npy", self.topic_word)
        np.save(folder / "doc_topic.npy", self.doc_topic)
        if self.engine == "gensim":
            self.native.lifecycle_events = None  # no timestamps in saved files
            self.native.state.lifecycle_events = None
            self.native.save(str(folder / "model.gensim"))
        else:
            self.native.save(str(folder / "model.tomotopy"))
        dictionary.save(str(folder / "dictionary.gensim"))


def _dense_doc_topics(model, bow: list, k: int) -> np.ndarray:
    matrix = np.zeros((len(bow), k))
    for row, doc in enumerate(bow):
        for topic, share in model.get_document_topics(doc, minimum_probability=0.0):
            matrix[row, topic] = share
    return matrix


def fit_gensim(data: ModelInput, k: int, seed: int, params: dict) -> FittedModel:
    """Fit gensim ``LdaModel``; ``params`` are its keyword arguments (passes, iterations, alpha, eta, ...)."""
    from gensim.models import LdaModel

    started = time.perf_counter()
    model = LdaModel(corpus=data.bow, id2word=data.dictionary, num_topics=k, random_state=seed, eval_every=None, **params)
    model.lifecycle_events = None
    topic_word = model.get_topics().astype(np.float64)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    doc_topic = _dense_doc_topics(model, data.bow, k)
    empty = [i for i, doc in enumerate(data.bow) if not doc]
    doc_topic[empty] = 1.0 / k
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    return FittedModel("gensim", k, seed, topic_word, doc_topic, time.perf_counter() - started, params, empty, model)


def fit_tomotopy(data: ModelInput, k: int, seed: int, params: dict, word_priors: dict[str, list[float]] | None = None) -> FittedModel:
    """Fit tomotopy ``LDAModel`` by collapsed Gibbs sampling.

    Parameters
    ----------
    params : dict
        ``alpha``, ``eta`` (model priors), ``iterations`` (Gibbs sweeps, as ``train`` names
        them), ``burn_in`` and ``optim_interval`` (hyperparameter optimisation; model
        attributes).
    word_priors : dict, optional
        word → list of k prior weights, set with ``set_word_prior`` (guided LDA).
    """
    import tomotopy as tp

    params = dict(params)
    iterations = int(params.pop("iterations", 1000))
    burn_in = params.pop("burn_in", None)
    optim_interval = params.pop("optim_interval", None)
    started = time.perf_counter()
    model = tp.LDAModel(k=k, seed=seed, tw=tp.TermWeight.ONE, min_cf=0, min_df=0, rm_top=0, **params)
    if burn_in is not None:
        model.burn_in = int(burn_in)
    if optim_interval is not None:
        model.optim_interval = int(optim_interval)
    for word, prior in (word_priors or {}).items():
        model.set_word_prior(word, prior)
    added = []
    for row, text in enumerate(data.texts):
        if text:
            model.add_doc(text)
            added.append(row)
    if not added:
        raise ZhtopicsError("no document has any token left in the dictionary: nothing to model")
    model.train(iterations, workers=1, show_progress=False)
    column = {word: data.dictionary.token2id[word] for word in model.used_vocabs}
    columns = np.array([column[word] for word in model.used_vocabs])
    topic_word = np.zeros((k, data.n_terms))
    for topic in range(k):
        topic_word[topic, columns] = model.get_topic_word_dist(topic)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    doc_topic = np.full((data.n_docs, k), 1.0 / k)
    # model.docs[i] raises IndexError in tomotopy 0.14: iterate instead.
    for row, document in zip(added, list(model.docs)):
        doc_topic[row] = document.get_topic_dist()
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    empty = sorted(set(range(data.n_docs)) - set(added))
    all_params = dict(params, iterations=iterations, burn_in=burn_in, optim_interval=optim_interval)
    return FittedModel("tomotopy", k, seed, topic_word, doc_topic, time.perf_counter() - started, all_params, empty, model)


def fit(engine: str, data: ModelInput, k: int, seed: int, params: dict) -> FittedModel:
    """Fit ``engine`` ("gensim" or "tomotopy") with its section of ``params['engines']``."""
    if engine == "gensim":
        return fit_gensim(data, k, seed, dict(params.get("gensim") or {}))
    if engine == "tomotopy":
        return fit_tomotopy(data, k, seed, dict(params.get("tomotopy") or {}))
    raise ZhtopicsError(f"unknown engine '{engine}' (known: {', '.join(ENGINES)})")


def topic_word_table(fitted: FittedModel, dictionary: Dictionary, topn: int = 30) -> pd.DataFrame:
    """Long table of each topic's top words: topic, rank, word, weight (the results contract)."""
    rows = []
    order = np.argsort(-fitted.topic_word, axis=1, kind="stable")[:, :topn]
    for topic, ids in enumerate(order):
        for rank, word_id in enumerate(ids, start=1):
            rows.append({"topic": topic, "rank": rank, "word": dictionary[int(word_id)],
                         "weight": round(float(fitted.topic_word[topic, word_id]), 6)})
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])
