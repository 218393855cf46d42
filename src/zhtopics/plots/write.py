"""Stage 6: draw every figure from what the earlier stages wrote into ``<out>/figures/``.

This is the only module of :mod:`zhtopics.plots` that reads or writes files: it reads the
run folder (:func:`load_figure_inputs`), calls each plot function (:func:`figure_makers`)
and saves the figures (:func:`zhtopics.plots.style.save_figure`). Every file is
reproducible (the same inputs give the same bytes), with one exception by design:
``engines_fit_seconds.png`` (:data:`zhtopics.manifest.TIMING_FIGURES`) plots wall-clock fit
times.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from zhtopics.config import OutputPaths, ZhtopicsError, resolve
from zhtopics.plots.articles import plot_article_topic_heatmap
from zhtopics.plots.corpus import plot_paragraph_lengths, plot_paragraphs_per_article, plot_removed
from zhtopics.plots.labels import load_glossary
from zhtopics.plots.model_choice import (
    ENGINE_PANELS,
    TIMING_PANELS,
    plot_coherence_by_k,
    plot_engine_comparison,
    plot_stability_by_k,
)
from zhtopics.plots.style import SAVE_METADATA, save_figure
from zhtopics.plots.topics import plot_topic_similarity, plot_topic_words
from zhtopics.plots.vocabulary import plot_top_terms, plot_wordcloud, vocabulary_counts

logger = logging.getLogger(__name__)

#: Figures also written in the vector formats of ``figures.formats`` (charts that stay sharp).
VECTOR_FIGURES = {"model_choice_coherence", "model_choice_stability", "articles_topics_heatmap", "topics_top_words"}


@dataclass
class FigureInputs:
    """Everything the figures are drawn from, read from one output folder."""

    documents: pd.DataFrame
    removed: pd.DataFrame
    articles: pd.DataFrame
    term_counts: pd.Series
    sweep: pd.DataFrame
    stability: pd.DataFrame
    choice: dict
    topics: pd.DataFrame
    labels: pd.DataFrame
    article_topics: pd.DataFrame
    engine_comparison: pd.DataFrame
    topic_word: np.ndarray


def _require(path: Path, command: str) -> Path:
    if not path.exists():
        raise ZhtopicsError(f"{path}: not found; run `zhtopics {command}` (or `zhtopics run`) first")
    return path


def load_figure_inputs(paths: OutputPaths) -> FigureInputs:
    """Read the stage outputs the figures need.

    Raises
    ------
    ZhtopicsError
        Naming the first missing file and the command that writes it.
    """
    from gensim.corpora import Dictionary

    results = paths.results
    for path, command in (
        (paths.documents, "prepare"),
        (paths.removed, "prepare"),
        (paths.articles, "prepare"),
        (paths.dictionary, "segment"),
        (results / "sweep.csv", "sweep"),
        (results / "stability.csv", "sweep"),
        (results / "model_choice.json", "train"),
        (results / "topics.csv", "train"),
        (results / "article_topics.csv", "train"),
        (results / "engine_comparison.csv", "train"),
        (results / "topic_labels.csv", "themes"),
    ):
        _require(path, command)
    choice = json.loads((results / "model_choice.json").read_text(encoding="utf-8"))
    topic_word = _require(paths.models / f"{choice['engine']}_k{choice['k']}" / "topic_word.npy", "train")
    return FigureInputs(
        documents=pd.read_parquet(paths.documents, columns=["doc_id", "n_chars"]),
        removed=pd.read_csv(paths.removed),
        articles=pd.read_csv(paths.articles),
        term_counts=vocabulary_counts(Dictionary.load(str(paths.dictionary))),
        sweep=pd.read_csv(results / "sweep.csv"),
        stability=pd.read_csv(results / "stability.csv"),
        choice=choice,
        topics=pd.read_csv(results / "topics.csv"),
        labels=pd.read_csv(results / "topic_labels.csv"),
        article_topics=pd.read_csv(results / "article_topics.csv"),
        engine_comparison=pd.read_csv(results / "engine_comparison.csv"),
        topic_word=np.load(topic_word),
    )


def figure_settings(params: Mapping) -> dict:
    """The ``figures`` parameters, with the checks that ``params.yaml``'s types cannot express.

    Parameters
    ----------
    params : dict
        The full parameters as loaded by :func:`zhtopics.config.load_params`, which has
        already checked every key and type against ``params.yaml``.

    Returns
    -------
    dict
        A copy of the ``figures`` section, its formats lower-cased without a leading dot.

    Raises
    ------
    ZhtopicsError
        For a format other than png and svg, or formats without png.
    """
    settings = dict(params["figures"])
    formats = [str(f).lower().lstrip(".") for f in settings["formats"]]
    bad = [f for f in formats if f not in SAVE_METADATA]
    if bad or "png" not in formats:
        raise ZhtopicsError(
            f"figures.formats: {formats} must include png and may add svg (every figure is a PNG; "
            f"svg is added for {', '.join(sorted(VECTOR_FIGURES))})"
        )
    settings["formats"] = formats
    return settings


def figure_makers(
    data: FigureInputs, settings: Mapping, glossary: Mapping[str, str] | None
) -> dict[str, Callable[[], Figure]]:
    """File stem → function drawing that figure, in the order they are written."""
    return {
        "corpus_paragraphs_per_article": lambda: plot_paragraphs_per_article(data.articles),
        "corpus_paragraph_lengths": lambda: plot_paragraph_lengths(data.documents),
        "corpus_removed": lambda: plot_removed(data.removed),
        "vocabulary_top_terms": lambda: plot_top_terms(data.term_counts, settings["top_terms"], glossary),
        "vocabulary_wordcloud": lambda: plot_wordcloud(data.term_counts, glossary, settings["wordcloud_words"]),
        "model_choice_coherence": lambda: plot_coherence_by_k(data.sweep, data.choice),
        "model_choice_stability": lambda: plot_stability_by_k(data.stability, data.choice),
        "engines_comparison": lambda: plot_engine_comparison(
            data.engine_comparison,
            data.sweep,
            data.stability,
            panels=[panel for panel in ENGINE_PANELS if panel not in TIMING_PANELS],
        ),
        "engines_fit_seconds": lambda: plot_engine_comparison(
            data.engine_comparison, data.sweep, data.stability, panels=TIMING_PANELS
        ),
        "topics_top_words": lambda: plot_topic_words(data.topics, data.labels, settings["topic_words"], glossary),
        "topics_similarity": lambda: plot_topic_similarity(data.topic_word, data.labels, glossary),
        "articles_topics_heatmap": lambda: plot_article_topic_heatmap(data.article_topics, data.labels, glossary),
    }


def write_figures(paths: OutputPaths, params: Mapping) -> list[Path]:
    """Draw every figure from the stage outputs under ``paths`` into ``<root>/figures/``.

    Parameters
    ----------
    paths : OutputPaths
        The output folder the earlier stages wrote to.
    params : dict
        The full parameters as loaded by :func:`zhtopics.config.load_params`; only the
        ``figures`` section is read (defaults in ``params.yaml``): gloss, glossary,
        formats, top_terms, topic_words, wordcloud_words.

    Returns
    -------
    list of Path
        The files written: a PNG per figure, and an SVG too for :data:`VECTOR_FIGURES`
        when ``svg`` is among the formats. ``engines_comparison.png`` compares the engines'
        scores; their fit times are in ``engines_fit_seconds.png``
        (:data:`zhtopics.manifest.TIMING_FIGURES`).

    Raises
    ------
    ZhtopicsError
        If an input file is missing (naming it and the command that makes it) or a
        ``figures`` parameter is invalid.
    """
    settings = figure_settings(params)
    glossary = load_glossary(resolve(settings["glossary"])) if settings["gloss"] else None
    data = load_figure_inputs(paths)
    folder = paths.root / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, make in figure_makers(data, settings, glossary).items():
        fig = make()
        formats = settings["formats"] if stem in VECTOR_FIGURES else ["png"]
        written += save_figure(fig, folder / stem, formats)
        fig.clear()  # the figure is not in pyplot's registry; clearing frees its artists now
        logger.info("wrote %s", ", ".join(p.name for p in written[-len(formats) :]))
    return written
