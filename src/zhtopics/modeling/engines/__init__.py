"""The engine registry: every topic-model engine by name.

>>> sorted(ENGINES)
['dmm', 'gensim', 'tomotopy']
>>> get_engine("gensim").native_file
'model.gensim'

To add an engine: write a module with a :class:`TopicEngine` subclass and its parameter
class (see ``gensim_lda.py``), add it to :data:`ENGINES` below, and give its defaults in
the packaged ``params.yaml`` under ``engines:``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines.base import FittedModel, TopicEngine, empty_rows
from zhtopics.modeling.engines.dmm import Dmm
from zhtopics.modeling.engines.gensim_lda import GensimLda
from zhtopics.modeling.engines.tomotopy_lda import TomotopyLda

__all__ = [
    "ENGINES",
    "FittedModel",
    "TopicEngine",
    "empty_rows",
    "engine_params_types",
    "fit",
    "get_engine",
    "load_model",
    "save_model",
]

#: Engine name → engine class: the one place engines are registered.
ENGINES: dict[str, type[TopicEngine]] = {engine.name: engine for engine in (GensimLda, TomotopyLda, Dmm)}


def get_engine(name: str) -> TopicEngine:
    """The engine registered as ``name``.

    Raises
    ------
    ZhtopicsError
        For an unknown name, listing the known ones.
    """
    try:
        return ENGINES[name]()
    except KeyError:
        raise ZhtopicsError(f"unknown engine '{name}' (known: {', '.join(ENGINES)})") from None


def engine_params_types() -> dict[str, type]:
    """Engine name → the class of its ``engines.<name>`` parameters (used by :mod:`zhtopics.params`)."""
    return {name: engine.params_type for name, engine in ENGINES.items()}


def fit(engine: str, data, k: int, seed: int, engines_params: Any) -> FittedModel:
    """Fit ``engine`` with its section of the ``engines`` parameters."""
    return get_engine(engine).fit(data, k, seed, engines_params[engine])


def save_model(fitted: FittedModel, folder: Path, dictionary) -> None:
    """Write a model folder: the library's own model file, the two matrices (``.npy``) and the Dictionary."""
    engine = get_engine(fitted.engine)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "topic_word.npy", fitted.topic_word)
    np.save(folder / "doc_topic.npy", fitted.doc_topic)
    engine.save_native(fitted.native, folder / engine.native_file)
    dictionary.save(str(folder / "dictionary.gensim"))


def load_model(
    folder: Path, engine: str, k: int, seed: int, params: dict, seconds: float, empty_docs: list[int]
) -> FittedModel:
    """Read a model folder written by :func:`save_model` (its library model and matrices).

    The model's number of topics is that of its matrices: a mixture engine (``dmm``) keeps
    only its non-empty clusters, fewer than the ``k`` it was asked for."""
    from gensim.corpora import Dictionary

    spec = get_engine(engine)
    native = spec.load_native(folder / spec.native_file)
    topic_word, doc_topic = np.load(folder / "topic_word.npy"), np.load(folder / "doc_topic.npy")
    vocabulary = dict(Dictionary.load(str(folder / "dictionary.gensim")).token2id)
    kept = topic_word.shape[0]
    return FittedModel(engine, kept, seed, topic_word, doc_topic, seconds, params, empty_docs, native, vocabulary)
