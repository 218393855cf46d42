"""Read a run's outputs: one object that knows every table the stages write.

Notebooks and reports use it so that every number they show is read from the files, e.g.::

    run = RunResults.from_folder("..")
    run.choice["k"], run.labels, run.article_topics
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from zhtopics.config import OutputPaths, ZhtopicsError


class RunResults:
    """Lazy access to the outputs of ``zhtopics run`` below one output folder.

    Parameters
    ----------
    paths : OutputPaths
        The output folder's paths.

    Notes
    -----
    Each attribute reads its file on first use and raises :class:`ZhtopicsError` naming
    the file and the command that writes it when it is missing.
    """

    def __init__(self, paths: OutputPaths):
        self.paths = paths

    @classmethod
    def from_folder(cls, folder: str | Path) -> RunResults:
        return cls(OutputPaths(Path(folder).resolve()))

    def _file(self, path: Path, command: str) -> Path:
        if not path.exists():
            raise ZhtopicsError(f"{path}: not found; run `zhtopics {command}` first")
        return path

    def _csv(self, name: str, command: str, **options) -> pd.DataFrame:
        return pd.read_csv(self._file(self.paths.results / name, command), **options)

    # stage 1 and 2
    @cached_property
    def documents(self) -> pd.DataFrame:
        return pd.read_parquet(self._file(self.paths.documents, "prepare"))

    @cached_property
    def removed(self) -> pd.DataFrame:
        return pd.read_csv(self._file(self.paths.removed, "prepare"))

    @cached_property
    def articles(self) -> pd.DataFrame:
        return pd.read_csv(self._file(self.paths.articles, "prepare"))

    @cached_property
    def sources(self) -> pd.DataFrame:
        return pd.read_csv(self._file(self.paths.sources, "prepare"))

    @cached_property
    def tokens(self) -> pd.DataFrame:
        return pd.read_parquet(self._file(self.paths.tokens, "segment"))

    @cached_property
    def token_filter(self) -> pd.DataFrame:
        return pd.read_csv(self._file(self.paths.processed / "token_filter.csv", "segment"))

    @cached_property
    def segment_summary(self) -> dict:
        return json.loads(self._file(self.paths.segment_summary, "segment").read_text(encoding="utf-8"))

    @cached_property
    def dictionary(self):
        from gensim.corpora import Dictionary

        return Dictionary.load(str(self._file(self.paths.dictionary, "segment")))

    @cached_property
    def term_counts(self) -> pd.Series:
        """Collection frequency of every Dictionary word, most frequent first."""
        counts = pd.Series({self.dictionary[i]: n for i, n in self.dictionary.cfs.items()}, name="count")
        return counts.sort_values(ascending=False, kind="stable")

    # stage 3 and 4
    @cached_property
    def sweep(self) -> pd.DataFrame:
        return self._csv("sweep.csv", "sweep")

    @cached_property
    def stability(self) -> pd.DataFrame:
        return self._csv("stability.csv", "sweep")

    @cached_property
    def choice(self) -> dict:
        return json.loads(self._file(self.paths.results / "model_choice.json", "train").read_text(encoding="utf-8"))

    @cached_property
    def topics(self) -> pd.DataFrame:
        return self._csv("topics.csv", "train")

    @cached_property
    def doc_topics(self) -> pd.DataFrame:
        return self._csv("doc_topics.csv", "train", dtype={"doc_id": str})

    @cached_property
    def article_topics(self) -> pd.DataFrame:
        return self._csv("article_topics.csv", "train")

    @cached_property
    def engine_comparison(self) -> pd.DataFrame:
        return self._csv("engine_comparison.csv", "train")

    def model_dir(self, engine: str | None = None) -> Path:
        """Folder of the final model of ``engine`` (default: the chosen engine) at the chosen K."""
        return self.paths.models / f"{engine or self.choice['engine']}_k{self.choice['k']}"

    def topic_word(self, engine: str | None = None) -> np.ndarray:
        return np.load(self._file(self.model_dir(engine) / "topic_word.npy", "train"))

    def doc_topic(self, engine: str | None = None) -> np.ndarray:
        return np.load(self._file(self.model_dir(engine) / "doc_topic.npy", "train"))

    def manifest(self, engine: str | None = None) -> dict:
        return json.loads(self._file(self.model_dir(engine) / "manifest.json", "train").read_text(encoding="utf-8"))

    # stage 5
    @cached_property
    def labels(self) -> pd.DataFrame:
        return self._csv("topic_labels.csv", "themes")

    @cached_property
    def evidence(self) -> pd.DataFrame:
        return self._csv("topic_evidence.csv", "themes")

    @cached_property
    def guided_labels(self) -> pd.DataFrame:
        return self._csv("guided_topic_labels.csv", "themes")

    @cached_property
    def guided_metrics(self) -> dict:
        return json.loads(self._file(self.paths.results / "guided_metrics.json", "themes").read_text(encoding="utf-8"))

    def label(self, topic: int) -> str:
        """The name of a topic of the chosen model."""
        return str(self.labels.set_index("topic").loc[topic, "label"])
