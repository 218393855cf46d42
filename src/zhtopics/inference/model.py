"""The final model of a run folder, reopened with its library for inference on new texts.

``zhtopics train`` saves the chosen setting's consensus under ``models/<engine>_k<K>/``
with the library model of its reference (medoid) seed, whose topic numbers are the
consensus's (:mod:`zhtopics.modeling.consensus`). :func:`load_run_model` reads that folder
back through :func:`zhtopics.modeling.engines.load_model`, so that
:meth:`~zhtopics.modeling.engines.TopicEngine.infer` gives rows numbered like
``results/doc_topics.csv``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines import FittedModel, TopicEngine, get_engine, load_model
from zhtopics.results import RunResults

logger = logging.getLogger(__name__)


@dataclass
class RunModel:
    """A run's final model, ready for inference.

    Attributes
    ----------
    run : RunResults
        The run folder it was read from.
    engine : TopicEngine
        The engine that fitted it (its ``infer`` is used).
    fitted : FittedModel
        The model: library object, topic-word matrix, vocabulary (word → column).
    labels : pandas.Series
        topic → its name (``results/topic_labels.csv``).
    folder : Path
        ``models/<engine>_k<K>/``.
    """

    run: RunResults
    engine: TopicEngine
    fitted: FittedModel
    labels: pd.Series
    folder: Path

    @property
    def k(self) -> int:
        return self.fitted.k


def load_run_model(run_dir: str | Path) -> RunModel:
    """Reopen the final model of the run in ``run_dir``.

    Raises
    ------
    ZhtopicsError
        One line naming the folder, when it is not a run folder or holds no final model.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ZhtopicsError(f"{run_dir}: not a folder (give the output folder of `zhtopics run`)")
    run = RunResults.from_folder(run_dir)
    if not run.paths.result("model_choice").exists():
        raise ZhtopicsError(
            f"{run_dir}: no trained model (results/model_choice.json is missing): run `zhtopics run` on it first"
        )
    folder = run.model_dir()
    if not (folder / "manifest.json").exists() or not (folder / "topic_word.npy").exists():
        raise ZhtopicsError(f"{folder}: the run's final model is missing or incomplete: rerun `zhtopics train`")
    manifest = run.manifest()
    engine = get_engine(manifest["engine"])
    if not (folder / engine.native_file).exists():
        raise ZhtopicsError(f"{folder / engine.native_file}: the library model is missing: rerun `zhtopics train`")
    fitted = load_model(folder, manifest["engine"], manifest["k"], manifest["seed"], manifest["engine_params"], 0.0, [])
    labels = run.labels.set_index("topic")["label"]
    if len(labels) != fitted.k:
        raise ZhtopicsError(
            f"{run.paths.result('topic_labels')}: {len(labels)} topics but the model in {folder} has {fitted.k}: "
            "rerun `zhtopics train`"
        )
    logger.info("loaded %s (%s, %d topics, vocabulary %d)", folder, engine.name, fitted.k, len(fitted.vocabulary))
    return RunModel(run, engine, fitted, labels, folder)
