"""The one interface every topic-model engine implements, and the fitted model it returns.

An engine wraps one library (gensim, tomotopy, ...). It fits a model on a
:class:`~zhtopics.modeling.data.ModelInput` and returns a :class:`FittedModel` whose two
matrices, ``topic_word`` (K × V, columns are Dictionary ids) and ``doc_topic`` (D × K,
rows in document order), are all that coherence, stability, tables, pyLDAvis and the
figures need, whichever engine made them. The engine also saves and loads its library's
own model file, so a model folder can be reopened by that library.

Adding an engine is one module that defines a :class:`TopicEngine` subclass and its
parameter class, plus one line in ``modeling/engines/__init__.py`` (and its defaults in
the packaged ``params.yaml``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from gensim.corpora import Dictionary

    from zhtopics.modeling.data import ModelInput

logger = logging.getLogger(__name__)


class TopicEngine(ABC):
    """A topic-model library behind the pipeline's interface.

    Class attributes
    ----------------
    name : str
        The engine's name in ``params.yaml`` (``engines.<name>``) and ``sweep.engines``.
    params_type : type
        The frozen dataclass of its ``engines.<name>`` section (values only in params.yaml).
    native_file : str
        The file name of the library's own model inside a model folder.
    k_is_upper_bound : bool
        True for an engine that may keep fewer topics than the K it is given (a mixture
        that drops empty clusters): the selection rules read its kept topics.
    """

    name: ClassVar[str]
    params_type: ClassVar[type]
    native_file: ClassVar[str]
    k_is_upper_bound: ClassVar[bool] = False

    @abstractmethod
    def fit(self, data: ModelInput, k: int, seed: int, params: Any) -> FittedModel:
        """Fit a model with ``k`` topics under ``seed``; reproducible for the same inputs."""

    @abstractmethod
    def save_native(self, native: Any, path: Path) -> None:
        """Write the library's model object to ``path``."""

    @abstractmethod
    def load_native(self, path: Path) -> Any:
        """Read a model written by :meth:`save_native`."""

    @abstractmethod
    def infer(self, fitted: FittedModel, texts: list[list[str]], seed: int = 0) -> np.ndarray:
        """Topic distributions of documents the model has not seen, with the library's own inference.

        Parameters
        ----------
        fitted : FittedModel
            A model this engine fitted (or loaded).
        texts : list of list of str
            Each document's tokens; tokens outside the model's vocabulary are ignored.
        seed : int
            For inference that samples: the same seed gives the same rows.

        Returns
        -------
        ndarray, shape (len(texts), k)
            Each row sums to 1; a document without a known token gets a uniform row.
        """

    def completion_log_likelihood(
        self, fitted: FittedModel, observed: list[list[str]], held_out: list[list[str]], seed: int = 0
    ) -> np.ndarray:
        """Document completion: log p(held_out[d] | observed[d]) of each document, in nats.

        The topic distribution of each document is inferred from its ``observed`` tokens
        (:meth:`infer`), and every held-out token is predicted from it. This is the
        admixture form (LDA: each token has its own topic, ``log Σ_k θ_k φ_kw`` per token);
        a mixture engine, whose document has one topic, overrides it. Tokens outside the
        model's vocabulary are left out.
        """
        theta = self.infer(fitted, observed, seed)
        column = _vocabulary(fitted)
        scores = np.zeros(len(held_out))
        for row, tokens in enumerate(held_out):
            ids = [column[t] for t in tokens if t in column]
            if ids:
                scores[row] = np.log(theta[row] @ fitted.topic_word[:, ids] + 1e-300).sum()
        return scores


@dataclass
class FittedModel:
    """A fitted topic model, engine-agnostic.

    Attributes
    ----------
    engine : str
        The name of the engine that fitted it.
    topic_word : ndarray, shape (k, n_terms)
        P(word | topic); each row sums to 1; column j is Dictionary id j.
    doc_topic : ndarray, shape (n_docs, k)
        P(topic | document); each row sums to 1. Documents without tokens get a uniform
        row (the model has no evidence about them) and are listed in ``empty_docs``.
    params : dict
        The engine parameters the model was fitted with, as plain data.
    native : object
        The library's own model object.
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
    #: word → column of ``topic_word`` (the Dictionary's ``token2id``), for inference on new texts
    vocabulary: dict[str, int] | None = field(default=None, repr=False)

    def top_words(self, dictionary: Dictionary, topn: int = 10) -> list[list[str]]:
        """The ``topn`` most probable words of each topic."""
        order = np.argsort(-self.topic_word, axis=1, kind="stable")[:, :topn]
        return [[dictionary[int(i)] for i in row] for row in order]


def _vocabulary(fitted: FittedModel) -> dict[str, int]:
    """Word → column of the model's topic-word matrix (its Dictionary's ids)."""
    if fitted.vocabulary is None:
        raise ValueError("this FittedModel carries no vocabulary (fit it, or load it with its Dictionary)")
    return fitted.vocabulary


def empty_rows(data: ModelInput) -> list[int]:
    """Rows of the documents without any token in the Dictionary."""
    return np.flatnonzero(np.diff(data.bow.offsets) == 0).tolist()
