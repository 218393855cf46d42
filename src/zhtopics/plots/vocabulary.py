"""Figures of the vocabulary the model sees: the most frequent terms, a word cloud."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure

from zhtopics.plots.labels import gloss
from zhtopics.plots.style import TEXT, _barh, _new_figure, _one_axes, _say_empty, font_path

logger = logging.getLogger(__name__)

# Dark, colour-blind friendly colours (Okabe-Ito) for the word cloud: readable on white.
CLOUD_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A5C00", "#4B4B4B")


def most_frequent(term_counts: pd.Series, n: int) -> pd.Series:
    """The ``n`` largest counts, ties broken by term so the order never depends on input order."""
    return term_counts.sort_index().sort_values(ascending=False, kind="stable").head(n)


def plot_top_terms(term_counts: pd.Series, n: int = 30, glossary: Mapping[str, str] | None = None) -> Figure:
    """Horizontal bars of the ``n`` most frequent terms.

    Parameters
    ----------
    term_counts : Series
        Term → count (e.g. :attr:`zhtopics.results.RunResults.term_counts`).
    n : int
        How many terms.
    glossary : dict, optional
        Term → English; glossed terms are shown as ``"中文 (english)"``.

    Returns
    -------
    Figure
    """
    top = most_frequent(term_counts, n)
    fig, ax = _one_axes(9 if glossary else 7, 0.25 * max(len(top), 1) + 1.5)
    if top.empty:
        _say_empty(ax, "no terms")
        return fig
    _barh(ax, [gloss(term, glossary) for term in top.index], top.to_numpy(), color="C0")
    ax.set_xlabel("occurrences in the corpus (tokens kept for the model)")
    ax.set_title(f"The {len(top)} most frequent terms")
    return fig


def _cloud_color(word, font_size, position, orientation, random_state=None, **kwargs) -> str:
    """wordcloud colour function: one of :data:`CLOUD_COLORS`, drawn with the cloud's own seed.

    (A matplotlib colormap would make wordcloud import pyplot.)"""
    return CLOUD_COLORS[random_state.randint(0, len(CLOUD_COLORS) - 1)]


def plot_wordcloud(
    term_counts: pd.Series, glossary: Mapping[str, str] | None = None, max_words: int = 150, random_state: int = 0
) -> Figure:
    """A word cloud of the terms, drawn with the bundled CJK font and a fixed layout.

    Parameters
    ----------
    term_counts : Series
        Term → count; a word's size follows its count.
    glossary : dict, optional
        When given, a key beside the cloud lists the largest words with their English.
    max_words : int
        At most this many words in the cloud.
    random_state : int
        Seed of wordcloud's placement and colours: the same seed gives the same picture.

    Returns
    -------
    Figure
        The cloud shown with ``imshow`` (no axes).
    """
    from wordcloud import WordCloud

    counts = most_frequent(term_counts[term_counts > 0], max_words)
    fig = _new_figure(12 if glossary else 10, 5.8)
    if glossary:
        cloud_ax, key_ax = fig.subplots(1, 2, width_ratios=[3.2, 1])
    else:
        cloud_ax, key_ax = fig.add_subplot(), None
    if counts.empty:
        _say_empty(cloud_ax, "no terms")
        return fig
    cloud = WordCloud(
        font_path=str(font_path()),
        width=1600,
        height=900,
        background_color="white",
        max_words=max_words,
        color_func=_cloud_color,
        prefer_horizontal=1.0,
        relative_scaling=0.5,
        margin=6,
        random_state=random_state,
    )
    cloud.generate_from_frequencies({str(term): float(count) for term, count in counts.items()})
    cloud_ax.imshow(cloud.to_array(), interpolation="bilinear")
    cloud_ax.set_axis_off()
    cloud_ax.set_title(f"The {len(cloud.words_)} most frequent terms (size follows the count)")
    if key_ax is not None:
        glossed = [term for term in counts.index if term in glossary][:20]
        key_ax.set_axis_off()
        key_ax.set_title("largest words in English")
        key_ax.text(
            0,
            1,
            "\n".join(gloss(term, glossary) for term in glossed),
            va="top",
            ha="left",
            transform=key_ax.transAxes,
            fontsize=9,
            linespacing=1.6,
            color=TEXT,
        )
    return fig
