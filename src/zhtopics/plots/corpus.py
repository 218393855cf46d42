"""Figures of the prepared corpus: paragraphs per article, paragraph lengths, what cleaning
removed."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from zhtopics.plots.labels import reason_category, shorten
from zhtopics.plots.style import MUTED, TEXT, _barh, _integer_x, _one_axes, _say_empty
from zhtopics.plots.vocabulary import most_frequent
from zhtopics.wording import ARTICLES, Units

logger = logging.getLogger(__name__)


def plot_paragraphs_per_article(articles: pd.DataFrame, units: Units = ARTICLES) -> Figure:
    """Paragraphs of each article: kept, or duplicates of paragraphs kept in another article.

    Parameters
    ----------
    articles : DataFrame
        ``data/interim/articles.csv``: article_id, article_title, paragraphs_kept,
        duplicates_elsewhere.
    units : Units
        What the corpus calls them (:attr:`zhtopics.results.RunResults.units`): articles and
        paragraphs, or groups and documents.

    Returns
    -------
    Figure
        Stacked horizontal bars, one per article (first article on top), total at the end.
    """
    fig, ax = _one_axes(8.5, 0.42 * len(articles) + 1.6)
    if articles.empty:
        _say_empty(ax, f"no {units.groups}")
        return fig
    labels = [f"{a} {shorten(t, 20)}" for a, t in zip(articles["article_id"], articles["article_title"])]
    kept = articles["paragraphs_kept"].to_numpy(dtype=int)
    elsewhere = articles["duplicates_elsewhere"].to_numpy(dtype=int)
    _barh(ax, labels, kept, color="C0", value_format=None, label="kept")
    positions = np.arange(len(articles))
    bars = ax.barh(
        positions,
        elsewhere,
        left=kept,
        color=MUTED,
        label=f"duplicate of a {units.document} kept in another {units.group}",
    )
    ax.bar_label(bars, labels=[str(total) for total in kept + elsewhere], padding=3, fontsize=8, color=TEXT)
    ax.set_xlim(0, 1.12 * max(1, (kept + elsewhere).max()))  # margins would stop at the stacked bars' sticky edges
    _integer_x(ax)
    ax.set_xlabel(units.documents)
    ax.set_title(
        f"{units.documents.capitalize()} per {units.group} "
        f"({len(articles)} {units.groups}, {kept.sum()} {units.documents} kept)"
    )
    ax.legend(loc="upper right")
    return fig


def plot_paragraph_lengths(documents: pd.DataFrame, units: Units = ARTICLES) -> Figure:
    """Histogram of paragraph lengths in characters, with the median marked.

    Parameters
    ----------
    documents : DataFrame
    units : Units
        What the corpus calls its documents (:attr:`zhtopics.results.RunResults.units`).
        ``data/interim/documents.parquet`` (column ``n_chars``).

    Returns
    -------
    Figure
    """
    fig, ax = _one_axes(8, 4.5)
    lengths = documents["n_chars"].dropna().astype(int).to_numpy()
    if lengths.size == 0:
        _say_empty(ax, f"no {units.documents}")
        return fig
    step = 10 if lengths.max() > 40 else 2
    bins = np.arange(lengths.min() // step * step, lengths.max() + step + 1, step)
    ax.hist(lengths, bins=bins, color="C0", edgecolor="white", linewidth=0.8)
    median = float(np.median(lengths))
    ax.axvline(median, color="C3", linestyle="--", linewidth=1.2, label=f"median {median:.0f} characters")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        xlabel=f"characters per {units.document} (after cleaning)",
        ylabel=units.documents,
        title=f"{units.document.capitalize()} lengths ({lengths.size} {units.documents} kept; bins of {step} characters)",
    )
    ax.legend(loc="upper right")
    return fig


def plot_removed(removed: pd.DataFrame) -> Figure:
    """How many pieces cleaning removed, by reason (all duplicates counted as one reason).

    Parameters
    ----------
    removed : DataFrame
        ``data/interim/removed.csv`` (column ``reason``).

    Returns
    -------
    Figure
    """
    counts = removed["reason"].fillna("unknown").map(reason_category).value_counts()
    fig, ax = _one_axes(8, 0.36 * max(len(counts), 1) + 1.5)
    if counts.empty:
        _say_empty(ax, "nothing was removed")
        return fig
    counts = most_frequent(counts, len(counts))
    _barh(ax, list(counts.index), counts.to_numpy(), color="C1")
    _integer_x(ax)
    ax.set_xlabel("pieces removed (lines or paragraphs)")
    ax.set_title(f"What cleaning removed: {len(removed)} pieces, by reason")
    return fig
