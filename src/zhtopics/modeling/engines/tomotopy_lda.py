"""tomotopy ``LDAModel``: collapsed Gibbs sampling in C++.

Reproducible under ``seed`` for a fixed number of worker threads: with ``workers`` > 1
the sweeps run in threads over partitions of the vocabulary (``ParallelScheme.PARTITION``),
and another number of workers gives another model.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines.base import FittedModel, TopicEngine


@dataclass(frozen=True)
class TomotopyParams:
    """``engines.tomotopy``: the priors, Gibbs sweeps and threads, hyperparameter optimisation."""

    alpha: float | list[float] = field(metadata={"expected": "a number or a list of numbers"})
    eta: float
    iterations: int
    workers: int
    burn_in: int
    optim_interval: int


class TomotopyLda(TopicEngine):
    """tomotopy ``LDAModel`` (see the module docstring)."""

    name = "tomotopy"
    params_type = TomotopyParams
    native_file = "model.tomotopy"

    def fit(
        self, data, k: int, seed: int, params: TomotopyParams, word_priors: dict[str, list[float]] | None = None
    ) -> FittedModel:
        """Fit by collapsed Gibbs sampling.

        Parameters
        ----------
        params : TomotopyParams
            ``alpha``, ``eta`` (model priors), ``iterations`` and ``workers`` (Gibbs sweeps and
            threads, as ``train`` names them), ``burn_in`` and ``optim_interval``
            (hyperparameter optimisation; model attributes).
        word_priors : dict, optional
            word → list of k prior weights, set with ``set_word_prior`` (guided LDA).
        """
        import tomotopy as tp

        started = time.perf_counter()
        model = tp.LDAModel(
            k=k, seed=seed, tw=tp.TermWeight.ONE, min_cf=0, min_df=0, rm_top=0, alpha=params.alpha, eta=params.eta
        )
        model.burn_in = params.burn_in
        model.optim_interval = params.optim_interval
        for word, prior in (word_priors or {}).items():
            model.set_word_prior(word, prior)
        added = []
        for row, words in enumerate(data.iter_texts()):  # text order: the sampler's start depends on it
            if words:
                model.add_doc(words)
                added.append(row)
        if not added:
            raise ZhtopicsError("no document has any token left in the dictionary: nothing to model")
        workers = params.workers or 1
        if workers > 1:
            with warnings.catch_warnings():  # "may differ ... if workers != 1": documented above
                warnings.filterwarnings("ignore", message="The training result may differ", category=RuntimeWarning)
                model.train(
                    params.iterations, workers=workers, parallel=tp.ParallelScheme.PARTITION, show_progress=False
                )
        else:
            model.train(params.iterations, workers=1, show_progress=False)
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
        seconds = time.perf_counter() - started
        vocabulary = dict(data.dictionary.token2id)
        return FittedModel(self.name, k, seed, topic_word, doc_topic, seconds, asdict(params), empty, model, vocabulary)

    def save_native(self, native, path: Path) -> None:
        native.save(str(path))

    def load_native(self, path: Path):
        import tomotopy as tp

        return tp.LDAModel.load(str(path))

    def infer(self, fitted: FittedModel, texts: list[list[str]], seed: int = 0, iterations: int = 100) -> np.ndarray:
        """Gibbs-sampling inference of each text's topics (``LDAModel.infer``, one thread, the
        topic-word distributions held fixed); words the model never saw are ignored. tomotopy
        seeds inference from the model itself (``seed`` is not used): the same model gives
        the same rows."""
        model = fitted.native
        known = set(model.used_vocabs)
        theta = np.full((len(texts), fitted.k), 1.0 / fitted.k)
        rows = [row for row, tokens in enumerate(texts) if any(t in known for t in tokens)]
        if rows:
            documents = [model.make_doc([t for t in texts[row] if t in known]) for row in rows]
            distributions, _ = model.infer(documents, iterations=iterations, workers=1)
            theta[rows] = np.asarray(distributions)
        return theta / theta.sum(axis=1, keepdims=True)
