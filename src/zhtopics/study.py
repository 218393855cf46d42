"""Exploring in JupyterLab: a corpus to topics and figures in a few lines.

A :class:`Study` is an output folder run by the same stages and the same stage cache as
``zhtopics run`` (:mod:`zhtopics.pipeline`): calling a step again with nothing changed
reads the files instead of computing them, and the folder can be shared, reported on
(``zhtopics report --out FOLDER``) or reopened later with :meth:`Study.from_run`.

Examples
--------
::

    import zhtopics

    study = zhtopics.Study.from_texts(["微信电商的信任问题……", "物流和货源……", ...])
    study.segment()                      # stages 1-2: documents, tokens, Dictionary
    study.fit(engine="tomotopy", k=6)    # stages 3-5 at one K (fit() alone: the sweep and its rule)
    study.topics()                       # one row per topic: label and top words
    study.plot_topic_words()             # a matplotlib Figure

    study = zhtopics.Study.from_frame(posts, text_column="content", group_column="user")
    study = zhtopics.Study.from_run("..")  # a folder `zhtopics run` wrote
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from zhtopics.cache import StageCache
from zhtopics.lock import open_output
from zhtopics.params import Params, load_params, study_params_file
from zhtopics.paths import OutputPaths
from zhtopics.pipeline import STAGE_BY_NAME, RunOptions, StageContext, finish_run, run_cached
from zhtopics.results import RunResults

logger = logging.getLogger(__name__)

#: The file a study made from texts or a table keeps its input in (below its folder).
INPUT_FILE = Path("data") / "raw" / "input.parquet"


class Study:
    """A corpus in an output folder, and the pipeline's stages run on it step by step.

    Parameters
    ----------
    folder : str or Path
        The output folder (created if missing). Its ``params.yaml``, if any, is read as
        the study's parameters, as ``zhtopics run --out folder`` does.
    input : str or Path, optional
        The corpus (any input ``zhtopics run`` takes); needed for :meth:`prepare`.
    params : Params or mapping, optional
        Parameters to change (a nested mapping, as in a config file), or complete ones.
    """

    def __init__(self, folder: str | Path, input: str | Path | None = None, params: Params | Mapping | None = None):
        self.paths = OutputPaths(Path(folder))
        self.input = Path(input) if input is not None else None
        if isinstance(params, Params):
            self.params = params
        else:
            self.params = load_params(study_params_file(self.paths.root), overrides=params or None)
        self._k: int | None = None

    # ------------------------------------------------------------------ making a study

    @classmethod
    def from_texts(cls, texts: Iterable[str], folder: str | Path | None = None, params: Mapping | None = None) -> Study:
        """A study of a list of texts (one document each), in ``folder`` or a new temporary folder."""
        frame = pd.DataFrame({"text": [str(text) for text in texts]})
        return cls.from_frame(frame, "text", folder=folder, params=params)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        text_column: str = "text",
        folder: str | Path | None = None,
        *,
        id_column: str | None = None,
        group_column: str | None = None,
        params: Mapping | None = None,
    ) -> Study:
        """A study of a table: one document per row; every other column passes through to
        the outputs (``group_column`` groups the documents, like articles)."""
        folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="zhtopics-study-"))
        target = folder / INPUT_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(target, index=False)
        corpus = {"text_column": text_column, "id_column": id_column, "group_column": group_column}
        overrides = {**(params or {}), "corpus": {**dict((params or {}).get("corpus", {})), **corpus}}
        logger.info("study folder: %s", folder)
        return cls(folder, target, overrides)

    @classmethod
    def from_run(cls, folder: str | Path) -> Study:
        """The study of a folder that ``zhtopics run`` (or another study) wrote, with its parameters."""
        run = RunResults.from_folder(folder)
        recorded = (run.paths.root / run.run_manifest["input"]["path"]).resolve()
        return cls(folder, input=recorded if recorded.exists() else None, params=run.params)

    # ------------------------------------------------------------------ running the stages

    @property
    def results(self) -> RunResults:
        """A reader of the study's folder (what the stages wrote so far)."""
        return RunResults(self.paths)

    def _run(self, *names: str, params: Params | None = None) -> Study:
        context = StageContext(self.paths, params or self.params, input=self.input, k=self._k)
        cache = StageCache(self.paths.stage_records)
        with open_output(self.paths):
            for name in names:
                if name == "prepare" and self.input is None:
                    raise ValueError(
                        "this study has no input: make it with from_texts, from_frame or Study(folder, input)"
                    )
                lines = run_cached(STAGE_BY_NAME[name], context.fresh(), cache)
                logger.info("%s: %s", name, "; ".join(lines) if lines is not None else "unchanged, skipped")
        return self

    def prepare(self) -> Study:
        """Stage 1: read and clean the input (``data/interim/``)."""
        return self._run("prepare")

    def segment(self) -> Study:
        """Stages 1-2: documents, then tokens, Dictionary and bag of words (``data/processed/``)."""
        return self._run(*(["prepare"] if self.input is not None else []), "segment")

    def fit(self, engine: str | None = None, k: int | None = None, seeds: list[int] | None = None) -> Study:
        """Stages 3-5: the sweep, the model choice, the final model, topic names and evidence.

        Parameters
        ----------
        engine : str, optional
            Fit only this engine (default: ``sweep.engines``).
        k : int, optional
            Fix the number of topics (default: the sweep over ``sweep.k`` and the rule).
        seeds : list of int, optional
            The sweep's seeds (default: ``sweep.seeds``).
        """
        sweep = {}
        if engine is not None:
            sweep["engines"] = [engine]
        if k is not None:
            sweep["k"] = [k]
        if seeds is not None:
            sweep["seeds"] = list(seeds)
        if sweep:
            self.params = self.params.replace(sweep=sweep)
        self._k = k
        self.segment()
        self._run("train", "themes")
        if self.input is None:  # a folder reopened without its input: no manifest can describe it
            return self
        # summary.md and the run manifest: the folder is a run (Study.from_run, zhtopics report)
        context = StageContext(self.paths, self.params, input=self.input, k=self._k)
        with open_output(self.paths, keep_manifest=True):
            finish_run(context, RunOptions(figures=False, report=False, argv=["(zhtopics.Study)"]), say=logger.info)
        return self

    # ------------------------------------------------------------------ looking at the results

    def topics(self) -> pd.DataFrame:
        """One row per topic of the chosen model: its label, theme score and top words."""
        return self.results.labels

    def doc_topics(self) -> pd.DataFrame:
        """Every document's topic shares (``results/doc_topics.csv``)."""
        return self.results.doc_topics

    def evidence(self) -> pd.DataFrame:
        """The paragraphs that carry each topic most."""
        return self.results.evidence

    def plot_topic_words(self, n_words: int | None = None):
        """The top words of every topic (a Figure)."""
        from zhtopics.plots import plot_topic_words

        run = self.results
        return plot_topic_words(run.topics, run.labels, n_words or self.params.figures.topic_words)

    def plot_group_topics(self):
        """Each group's (article's) topic shares, as a heatmap (a Figure)."""
        from zhtopics.plots import plot_article_topic_heatmap

        run, settings = self.results, self.params.prevalence
        return plot_article_topic_heatmap(
            run.article_topics,
            run.labels,
            prevalence=run.prevalence_by_group,
            level=settings.level,
            min_docs=settings.min_docs,
        )

    def plot_model_choice(self):
        """Coherence by number of topics for each engine, the choice marked (a Figure)."""
        from zhtopics.plots import plot_coherence_by_k

        run = self.results
        return plot_coherence_by_k(run.sweep, run.choice)

    def plot_top_terms(self, n: int | None = None):
        """The most frequent words of the vocabulary (a Figure)."""
        from zhtopics.plots import plot_top_terms

        return plot_top_terms(self.results.term_counts, n or self.params.figures.top_terms)

    def __repr__(self) -> str:
        return f"Study({str(self.paths.root)!r})"
