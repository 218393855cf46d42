"""gensim ``LdaModel``: online variational Bayes, the design card's engine.

Reproducible under ``random_state`` (``LdaModel``, not ``LdaMulticore``, which is not);
one model uses one core, and the sweep runs models in parallel processes instead.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from zhtopics.modeling.engines.base import FittedModel, TopicEngine, empty_rows


@dataclass(frozen=True)
class GensimParams:
    """``engines.gensim``: keyword arguments of gensim ``LdaModel``."""

    passes: int
    iterations: int
    alpha: str | float | list[float] = field(
        metadata={"expected": "a string ('symmetric', 'asymmetric', 'auto'), a number or a list of numbers"}
    )
    eta: str | float | list[float] | None = field(
        metadata={"expected": "null, a string ('symmetric', 'auto'), a number or a list of numbers"}
    )
    chunksize: int


def _dense_doc_topics(model, bow, k: int) -> np.ndarray:
    matrix = np.zeros((len(bow), k))
    for row, doc in enumerate(bow):
        for topic, share in model.get_document_topics(doc, minimum_probability=0.0):
            matrix[row, topic] = share
    return matrix


class GensimLda(TopicEngine):
    """gensim ``LdaModel``; ``engines.gensim`` are its keyword arguments."""

    name = "gensim"
    params_type = GensimParams
    native_file = "model.gensim"

    def fit(self, data, k: int, seed: int, params: GensimParams) -> FittedModel:
        from gensim.models import LdaModel

        kwargs = asdict(params)
        started = time.perf_counter()
        model = LdaModel(
            corpus=data.bow, id2word=data.dictionary, num_topics=k, random_state=seed, eval_every=None, **kwargs
        )
        model.lifecycle_events = None
        topic_word = model.get_topics().astype(np.float64)
        topic_word /= topic_word.sum(axis=1, keepdims=True)
        doc_topic = _dense_doc_topics(model, data.bow, k)
        empty = empty_rows(data)
        doc_topic[empty] = 1.0 / k
        doc_topic /= doc_topic.sum(axis=1, keepdims=True)
        seconds = time.perf_counter() - started
        vocabulary = dict(data.dictionary.token2id)
        return FittedModel(self.name, k, seed, topic_word, doc_topic, seconds, kwargs, empty, model, vocabulary)

    def save_native(self, native, path: Path) -> None:
        native.lifecycle_events = None  # no timestamps in saved files
        native.state.lifecycle_events = None
        native.save(str(path))

    def load_native(self, path: Path):
        from gensim.models import LdaModel

        return LdaModel.load(str(path))

    def infer(self, fitted: FittedModel, texts: list[list[str]], seed: int = 0) -> np.ndarray:
        """Variational inference of each text's topics (``LdaModel.get_document_topics``),
        its random start fixed by ``seed``."""
        model = fitted.native
        model.random_state = np.random.RandomState(seed)
        vocabulary = fitted.vocabulary
        bows = []
        for tokens in texts:
            counts: dict[int, int] = {}
            for token in tokens:
                if token in vocabulary:
                    counts[vocabulary[token]] = counts.get(vocabulary[token], 0) + 1
            bows.append(sorted(counts.items()))
        theta = _dense_doc_topics(model, bows, fitted.k)
        theta[[i for i, bow in enumerate(bows) if not bow]] = 1.0 / fitted.k
        return theta / theta.sum(axis=1, keepdims=True)
