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
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from zhtopics.config import InputError, OutputPaths, ZhtopicsError

logger = logging.getLogger(__name__)

ENGINES = ("gensim", "tomotopy")


class BowCorpus:
    """A bag-of-words corpus over compact arrays, re-iterable like a gensim corpus.

    Yields each document as a list of ``(word_id, count)``; holds three numpy arrays, not
    a Python list per document, so a million documents cost tens of megabytes.
    """

    def __init__(self, ids: np.ndarray, counts: np.ndarray, offsets: np.ndarray):
        self.ids, self.counts, self.offsets = ids, counts, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> list[tuple[int, int]]:
        start, stop = self.offsets[row], self.offsets[row + 1]
        return list(zip(self.ids[start:stop].tolist(), self.counts[start:stop].tolist()))

    def __iter__(self):
        for row in range(len(self)):
            yield self[row]

    def lengths(self) -> np.ndarray:
        """Tokens per document."""
        lengths = np.zeros(len(self), dtype=np.int64)
        filled = np.flatnonzero(np.diff(self.offsets) > 0)
        if len(filled):
            lengths[filled] = np.add.reduceat(
                np.asarray(self.counts, dtype=np.int64), np.asarray(self.offsets[:-1])[filled]
            )
        return lengths


class ModelInput:
    """What every engine trains on: the Dictionary and each document's bag of words.

    Parameters
    ----------
    dictionary : gensim Dictionary
    texts : list of list of str, optional
        Tokens of each document, in document order (a document may be empty); tokens not
        in ``dictionary`` are ignored. Give either ``texts`` or ``bow``.
    doc_ids : list of str
    bow : BowCorpus, optional
        The documents as compact bags of words (what :meth:`load` reads for large corpora).
    text_source : callable, optional
        ``text_source(rows) -> list of token lists`` for the given document rows, used when
        ``texts`` is not held in memory (coherence needs word order).
    """

    def __init__(
        self,
        dictionary: Dictionary,
        texts: list[list[str]] | None = None,
        doc_ids: list[str] | None = None,
        *,
        bow: BowCorpus | None = None,
        text_source=None,
    ):
        self.dictionary = dictionary
        vocabulary = dictionary.token2id
        if texts is not None:
            self._texts = [[t for t in text if t in vocabulary] for text in texts]
            bows = [dictionary.doc2bow(text) for text in self._texts]
            offsets = np.zeros(len(bows) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(b) for b in bows])
            ids = np.array([i for b in bows for i, _ in b], dtype=np.int32)
            counts = np.array([c for b in bows for _, c in b], dtype=np.int32)
            bow = BowCorpus(ids, counts, offsets)
        elif bow is None:
            raise ValueError("ModelInput needs texts or bow")
        else:
            self._texts = None
        self.bow = bow
        self.doc_ids = list(doc_ids) if doc_ids is not None else [str(i) for i in range(len(bow))]
        self._text_source = text_source

    @classmethod
    def load(cls, paths: OutputPaths) -> ModelInput:
        """Read stage 2's Dictionary and bag-of-words corpus (``corpus.mm``), streaming."""
        import pyarrow.parquet as pq
        from gensim.corpora import MmCorpus

        for path in (paths.tokens, paths.dictionary, paths.bow):
            if not path.exists():
                raise InputError(path, "not found; run `zhtopics segment` first")
        dictionary = Dictionary.load(str(paths.dictionary))
        from zhtopics.segment import bow_array_paths

        arrays = bow_array_paths(paths)
        if all(path.exists() for path in arrays.values()):
            # memory maps: the pages are read from disk as training visits them, and are
            # the operating system's cache, not this process's memory
            bow = BowCorpus(
                *(
                    np.memmap(arrays[name], dtype=arrays[name].suffix[1:], mode="r")
                    if arrays[name].stat().st_size
                    else np.zeros(0, dtype=arrays[name].suffix[1:])
                    for name in ("ids", "counts", "offsets")
                )
            )
        else:  # written before the arrays existed: read the Matrix Market file
            ids, counts, offsets = [], [], [0]
            for doc in MmCorpus(str(paths.bow)):
                ids.extend(int(i) for i, _ in doc)
                counts.extend(int(c) for _, c in doc)
                offsets.append(len(ids))
            bow = BowCorpus(
                np.array(ids, dtype=np.int32), np.array(counts, dtype=np.int32), np.array(offsets, dtype=np.int64)
            )
        doc_ids = pq.read_table(paths.tokens, columns=["doc_id"]).column("doc_id").to_pylist()
        if len(doc_ids) != len(bow):
            raise InputError(
                paths.bow, f"{len(bow)} documents but tokens.parquet has {len(doc_ids)}: rerun `zhtopics segment`"
            )
        with_tokens = int((np.diff(bow.offsets) > 0).sum())
        if not len(dictionary) or with_tokens < 2:
            raise InputError(
                paths.dictionary,
                f"{len(dictionary)} words and {with_tokens} documents with "
                "tokens after filter_extremes: too little to model (give more documents, or lower "
                "segment.filter_extremes.no_below)",
            )
        vocabulary = dictionary.token2id

        def text_source(rows):
            table = pq.read_table(paths.tokens, columns=["tokens"]).column("tokens")
            return [[t for t in table[int(row)].as_py() if t in vocabulary] for row in rows]

        def text_stream(batch_size):
            for batch in pq.ParquetFile(paths.tokens).iter_batches(batch_size=batch_size, columns=["tokens"]):
                for tokens in batch.column(0).to_pylist():
                    yield [t for t in tokens if t in vocabulary]

        data = cls(dictionary, doc_ids=[str(d) for d in doc_ids], bow=bow, text_source=text_source)
        data._text_stream = text_stream
        return data

    @property
    def n_docs(self) -> int:
        return len(self.bow)

    @property
    def n_terms(self) -> int:
        return len(self.dictionary)

    def texts_of(self, rows) -> list[list[str]]:
        """Tokens (in order) of the given document rows."""
        rows = list(rows)
        if self._texts is not None:
            return [self._texts[row] for row in rows]
        return self._text_source(rows)

    def iter_texts(self, batch_size: int = 10_000):
        """Every document's in-vocabulary tokens in text order, streamed (from tokens.parquet
        in batches when the texts are not held in memory)."""
        if self._texts is not None:
            yield from self._texts
            return
        yield from self._text_stream(batch_size)

    def reference(self, max_docs: int | None, seed: int = 0) -> ModelInput:
        """The corpus coherence is computed on: all documents with tokens, or a fixed random
        sample of ``max_docs`` of them (the same sample every time)."""
        rows = np.flatnonzero(np.diff(self.bow.offsets) > 0)
        if max_docs and len(rows) > max_docs:
            rows = np.sort(np.random.default_rng(seed).choice(rows, size=max_docs, replace=False))
        return ModelInput(self.dictionary, self.texts_of(rows.tolist()), [self.doc_ids[r] for r in rows])

    def fingerprint(self) -> str:
        """A hash of the vocabulary, the document ids and every bag of words (computed once)."""
        if getattr(self, "_fingerprint", None) is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(sorted(self.dictionary.token2id.items()), ensure_ascii=False).encode())
        digest.update(json.dumps(self.doc_ids, ensure_ascii=False).encode())
        for array in (self.bow.ids, self.bow.counts, self.bow.offsets):
            digest.update(np.ascontiguousarray(array).tobytes())
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

    @classmethod
    def load(
        cls, folder: Path, engine: str, k: int, seed: int, params: dict, seconds: float, empty_docs: list[int]
    ) -> FittedModel:
        """Read a model written by :meth:`save` (its library model, matrices and Dictionary)."""
        if engine == "gensim":
            from gensim.models import LdaModel

            native = LdaModel.load(str(folder / "model.gensim"))
        else:
            import tomotopy as tp

            native = tp.LDAModel.load(str(folder / "model.tomotopy"))
        return cls(
            engine,
            k,
            seed,
            np.load(folder / "topic_word.npy"),
            np.load(folder / "doc_topic.npy"),
            seconds,
            params,
            empty_docs,
            native,
        )


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
    model = LdaModel(
        corpus=data.bow, id2word=data.dictionary, num_topics=k, random_state=seed, eval_every=None, **params
    )
    model.lifecycle_events = None
    topic_word = model.get_topics().astype(np.float64)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    doc_topic = _dense_doc_topics(model, data.bow, k)
    empty = np.flatnonzero(np.diff(data.bow.offsets) == 0).tolist()
    doc_topic[empty] = 1.0 / k
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    return FittedModel("gensim", k, seed, topic_word, doc_topic, time.perf_counter() - started, params, empty, model)


def fit_tomotopy(
    data: ModelInput, k: int, seed: int, params: dict, word_priors: dict[str, list[float]] | None = None
) -> FittedModel:
    """Fit tomotopy ``LDAModel`` by collapsed Gibbs sampling.

    Parameters
    ----------
    params : dict
        ``alpha``, ``eta`` (model priors), ``iterations`` and ``workers`` (Gibbs sweeps and
        threads, as ``train`` names them), ``burn_in`` and ``optim_interval``
        (hyperparameter optimisation; model attributes). With ``workers`` > 1 the sweeps
        run in threads over partitions of the vocabulary (``ParallelScheme.PARTITION``):
        the same seed and number of workers give the same model, another number of
        workers a different one.
    word_priors : dict, optional
        word → list of k prior weights, set with ``set_word_prior`` (guided LDA).
    """
    import tomotopy as tp

    params = dict(params)
    iterations = int(params.pop("iterations", 1000))
    workers = int(params.pop("workers", 1) or 1)
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
    for row, words in enumerate(data.iter_texts()):  # text order: the sampler's start depends on it
        if words:
            model.add_doc(words)
            added.append(row)
    if not added:
        raise ZhtopicsError("no document has any token left in the dictionary: nothing to model")
    if workers > 1:
        with warnings.catch_warnings():  # "may differ ... if workers != 1": documented above
            warnings.filterwarnings("ignore", message="The training result may differ", category=RuntimeWarning)
            model.train(iterations, workers=workers, parallel=tp.ParallelScheme.PARTITION, show_progress=False)
    else:
        model.train(iterations, workers=1, show_progress=False)
    column = {word: data.dictionary.token2id[word] for word in model.used_vocabs}
    columns = np.array([column[word] for word in model.used_vocabs])
    topic_word = np.zeros((k, data.n_terms))
    for topic in range(k):
        topic_word[topic, columns] = model.get_topic_word_dist(topic)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    doc_topic = np.full((data.n_docs, k), 1.0 / k)
    # model.docs[i] raises IndexError in tomotopy 0.14: iterate instead (lazily: a million
    # Document objects at once would cost memory).
    for row, document in zip(added, model.docs):
        doc_topic[row] = document.get_topic_dist()
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    empty = sorted(set(range(data.n_docs)) - set(added))
    all_params = dict(params, iterations=iterations, workers=workers, burn_in=burn_in, optim_interval=optim_interval)
    return FittedModel(
        "tomotopy", k, seed, topic_word, doc_topic, time.perf_counter() - started, all_params, empty, model
    )


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
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "word": dictionary[int(word_id)],
                    "weight": round(float(fitted.topic_word[topic, word_id]), 6),
                }
            )
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])
