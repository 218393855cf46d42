"""Stage 6: draw every figure from what the earlier stages wrote into ``<out>/figures/``.

This is the only module of :mod:`zhtopics.plots` that reads or writes files: it reads the
run folder (:func:`load_figure_inputs`), calls each plot function (:func:`figure_makers`)
and saves the figures (:func:`zhtopics.plots.style.save_figure`). Every file is
reproducible (the same inputs give the same bytes), with one exception by design:
``engines_fit_seconds.png`` (:data:`zhtopics.provenance.manifest.TIMING_FIGURES`) plots wall-clock fit
times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from zhtopics.errors import ZhtopicsError
from zhtopics.params import FiguresParams, PrevalenceParams
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
from zhtopics.plots.prevalence import plot_group_intervals, plot_shares_over_time
from zhtopics.plots.style import SAVE_METADATA, save_figure
from zhtopics.plots.topics import plot_topic_similarity, plot_topic_words
from zhtopics.plots.vocabulary import plot_top_terms, plot_wordcloud
from zhtopics.results import RunResults
from zhtopics.wording import ARTICLES, Units

logger = logging.getLogger(__name__)

#: Figures also written in the vector formats of ``figures.formats`` (charts that stay sharp).
VECTOR_FIGURES = {
    "model_choice_coherence",
    "model_choice_stability",
    "articles_topics_heatmap",
    "articles_guided_heatmap",
    "topics_top_words",
    "prevalence_by_group",
    "prevalence_over_time",
}


@dataclass
class GuidedInputs:
    """The guided model's article tables (when stage 5 fitted it)."""

    article_topics: pd.DataFrame
    prevalence: pd.DataFrame
    labels: pd.DataFrame


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
    prevalence: pd.DataFrame
    engine_comparison: pd.DataFrame
    topic_word: np.ndarray
    guided: GuidedInputs | None = None
    units: Units = ARTICLES
    prevalence_by_time: pd.DataFrame | None = None


def load_figure_inputs(run: RunResults) -> FigureInputs:
    """Read the stage outputs the figures need (through :class:`~zhtopics.results.RunResults`).

    Raises
    ------
    ZhtopicsError
        Naming the first missing file and the command that writes it.
    """
    return FigureInputs(
        documents=run.documents_table(["doc_id", "n_chars"]),
        removed=run.removed,
        articles=pd.read_csv(run.require(run.paths.articles, "prepare")),
        term_counts=run.term_counts,
        sweep=run.sweep,
        stability=run.stability,
        choice=run.choice,
        topics=run.topics,
        labels=run.labels,
        article_topics=run.article_topics,
        prevalence=run.prevalence_by_group,
        engine_comparison=run.engine_comparison,
        topic_word=run.topic_word(),
        guided=GuidedInputs(run.guided_article_topics, run.guided_prevalence_by_group, run.guided_labels)
        if run.has("guided_article_topics")
        else None,
        units=run.units,
        prevalence_by_time=run.prevalence_by_time if run.has("prevalence_by_time") else None,
    )


def vector_formats(settings: FiguresParams) -> list[str]:
    """The formats of ``figures.formats``, checked: png is required (every figure is a PNG) and
    svg may be added (for :data:`VECTOR_FIGURES`).

    Raises
    ------
    ZhtopicsError
        For a format other than png and svg, or formats without png.
    """
    formats = [str(f).lower().lstrip(".") for f in settings.formats]
    bad = [f for f in formats if f not in SAVE_METADATA]
    if bad or "png" not in formats:
        raise ZhtopicsError(
            f"figures.formats: {formats} must include png and may add svg (every figure is a PNG; "
            f"svg is added for {', '.join(sorted(VECTOR_FIGURES))})"
        )
    return formats


def figure_makers(
    data: FigureInputs, settings: FiguresParams, glossary: Mapping[str, str] | None, prevalence: PrevalenceParams
) -> dict[str, Callable[[], Figure]]:
    """File stem → function drawing that figure, in the order they are written
    (``articles_guided_heatmap`` only when the run has a guided model, ``prevalence_over_time``
    only when it has periods)."""
    marks = {"level": prevalence.level, "min_docs": prevalence.min_docs, "units": data.units}
    makers = {
        "corpus_paragraphs_per_article": lambda: plot_paragraphs_per_article(data.articles, data.units),
        "corpus_paragraph_lengths": lambda: plot_paragraph_lengths(data.documents, data.units),
        "corpus_removed": lambda: plot_removed(data.removed),
        "vocabulary_top_terms": lambda: plot_top_terms(data.term_counts, settings.top_terms, glossary),
        "vocabulary_wordcloud": lambda: plot_wordcloud(data.term_counts, glossary, settings.wordcloud_words),
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
        "topics_top_words": lambda: plot_topic_words(data.topics, data.labels, settings.topic_words, glossary),
        "topics_similarity": lambda: plot_topic_similarity(data.topic_word, data.labels, glossary),
        "articles_topics_heatmap": lambda: plot_article_topic_heatmap(
            data.article_topics, data.labels, glossary, data.prevalence, **marks
        ),
    }
    makers["prevalence_by_group"] = lambda: plot_group_intervals(
        data.prevalence,
        data.labels,
        data.article_topics,
        glossary,
        prevalence.level,
        prevalence.min_docs,
        settings.max_groups,
        data.units,
    )
    if data.prevalence_by_time is not None:
        makers["prevalence_over_time"] = lambda: plot_shares_over_time(
            data.prevalence_by_time, data.labels, glossary, prevalence.level, data.units
        )
    guided = data.guided
    if guided is not None:
        makers["articles_guided_heatmap"] = lambda: plot_article_topic_heatmap(
            guided.article_topics,
            guided.labels,
            glossary,
            guided.prevalence,
            **marks,
            title=f"Which {data.units.group} argues which theme: the guided model (seed words as priors)",
        )
    return makers


def write_figures(run: RunResults, settings: FiguresParams, prevalence: PrevalenceParams) -> list[Path]:
    """Draw every figure from the stage outputs of ``run`` into ``<out>/figures/``.

    Parameters
    ----------
    run : RunResults
        The output folder the earlier stages wrote to.
    settings : FiguresParams
        The ``figures`` parameters: gloss, glossary, formats, top_terms, topic_words,
        wordcloud_words.
    prevalence : PrevalenceParams
        The ``prevalence`` parameters: the intervals' level and ``min_docs`` (the article
        heatmaps hatch the rows resting on fewer paragraphs).

    Returns
    -------
    list of Path
        The files written: a PNG per figure, and an SVG too for :data:`VECTOR_FIGURES`
        when ``svg`` is among the formats. ``engines_comparison.png`` compares the engines'
        scores; their fit times are in ``engines_fit_seconds.png``
        (:data:`zhtopics.provenance.manifest.TIMING_FIGURES`).

    Raises
    ------
    ZhtopicsError
        If an input file is missing (naming it and the command that makes it) or a
        ``figures`` parameter is invalid.
    """
    formats = vector_formats(settings)
    glossary = None
    if settings.gloss:
        if settings.glossary is None:
            raise ZhtopicsError("figures.gloss is true but figures.glossary names no file")
        glossary = load_glossary(settings.glossary)
    data = load_figure_inputs(run)
    folder = run.paths.figures
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, make in figure_makers(data, settings, glossary, prevalence).items():
        fig = make()
        stem_formats = formats if stem in VECTOR_FIGURES else ["png"]
        written += save_figure(fig, folder / stem, stem_formats)
        fig.clear()  # the figure is not in pyplot's registry; clearing frees its artists now
        logger.info("wrote %s", ", ".join(p.name for p in written[-len(stem_formats) :]))
    return written
