"""Figure of the articles against the topics: the share of each article's tokens per topic,
with the article's size, the share's interval, thin cells and copies marked."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from zhtopics.modeling.copies import describe_copy
from zhtopics.plots.labels import shorten, topic_names
from zhtopics.plots.style import MUTED, TEXT, _one_axes, _say_empty
from zhtopics.wording import ARTICLES, Units

logger = logging.getLogger(__name__)

#: Hatching of the cells that rest on too few paragraphs.
THIN_HATCH = "////"
#: How much a copy's row is faded (opacity of the white veil over it).
COPY_VEIL = 0.6


def _topic_columns(article_topics: pd.DataFrame) -> list[str]:
    columns = [c for c in article_topics.columns if c.startswith("topic_") and c[6:].isdigit()]
    return sorted(columns, key=lambda c: int(c[6:]))


def _intervals(article_topics: pd.DataFrame, prevalence: pd.DataFrame | None, topics: list[int]):
    """(low, high, n_docs) as arrays shaped like the shares (NaN where unknown)."""
    shape = (len(article_topics), len(topics))
    if prevalence is None:
        n_docs = article_topics["paragraphs"].to_numpy(dtype=float) if "paragraphs" in article_topics else None
        return np.full(shape, np.nan), np.full(shape, np.nan), n_docs
    table = prevalence.assign(group=prevalence["group"].astype(str)).set_index(["group", "topic"])
    index = pd.MultiIndex.from_product([article_topics["article_id"].astype(str), topics])
    found = table.reindex(index)
    n_docs = found["n_docs"].to_numpy(dtype=float).reshape(shape)[:, 0] if topics else None
    return found["low"].to_numpy(float).reshape(shape), found["high"].to_numpy(float).reshape(shape), n_docs


def _count(number, noun: str) -> str:
    number = int(number)
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _row_labels(article_topics: pd.DataFrame, copies: list[str]) -> list[str]:
    rows = []
    for row, copy in zip(article_topics.to_dict("records"), copies):
        size = []
        if "paragraphs" in row:
            size.append(_count(row["paragraphs"], "paragraph"))
        if "tokens" in row:
            size.append(_count(row["tokens"], "token"))
        second = " · ".join(size + ([copy] if copy else []))
        rows.append(f"{row['article_id']} {shorten(row['article_title'], 18)}" + (f"\n{second}" if second else ""))
    return rows


def _mark_rows(ax: Axes, thin: np.ndarray, copied: np.ndarray, k: int) -> None:
    """Hatch the rows resting on too few paragraphs; veil the copies' rows."""
    for i in np.flatnonzero(copied):
        ax.add_patch(Rectangle((-0.5, i - 0.5), k, 1, facecolor="white", alpha=COPY_VEIL, linewidth=0, zorder=2))
    for i in np.flatnonzero(thin):
        ax.add_patch(
            Rectangle((-0.5, i - 0.5), k, 1, fill=False, hatch=THIN_HATCH, edgecolor=MUTED, linewidth=0, zorder=2)
        )


def _write_cells(ax: Axes, shares: np.ndarray, low: np.ndarray, high: np.ndarray, top: float, veiled) -> None:
    for (i, j), value in np.ndenumerate(shares):
        if not np.isfinite(value):
            continue
        has_interval = np.isfinite(low[i, j]) and np.isfinite(high[i, j])
        dark = value > 0.55 * top and not veiled[i]
        color = "white" if dark else TEXT
        ax.text(
            j, i - (0.13 if has_interval else 0), f"{value:.0%}", ha="center", va="center", fontsize=8.5, color=color
        )
        if has_interval:
            ax.text(
                j,
                i + 0.22,
                f"{100 * low[i, j]:.0f}–{high[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=6.5,
                color=color,
            )
        if value == np.nanmax(shares[i]):  # the article's main topic, framed (the font has no bold)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.2, zorder=3))


def plot_article_topic_heatmap(
    article_topics: pd.DataFrame,
    labels: pd.DataFrame | None,
    glossary: Mapping[str, str] | None = None,
    prevalence: pd.DataFrame | None = None,
    level: float | None = None,
    min_docs: int | None = None,
    title: str | None = None,
    units: Units = ARTICLES,
) -> Figure:
    """Articles (rows) by topics (columns): the share of each article's tokens per topic.

    Parameters
    ----------
    article_topics : DataFrame
        ``results/article_topics.csv`` (or the guided model's): article_id, article_title,
        paragraphs, tokens, topic_0 … topic_{K-1}, and optionally copy_of, copied_share.
    labels : DataFrame or None
        ``results/topic_labels.csv`` (or ``guided_topic_labels.csv``), for the column names.
    glossary : dict, optional
        Adds the English theme names under the column names.
    prevalence : DataFrame, optional
        ``results/prevalence_by_group.csv`` (group = article_id): each share's interval is
        written under it.
    level : float, optional
        The intervals' level (``prevalence.level``), for the caption.
    min_docs : int, optional
        Rows resting on fewer paragraphs than this are hatched (``prevalence.min_docs``);
        None marks none.
    title : str, optional
        The first line of the title (default "Which <group> argues which topic").
    units : Units
        What the corpus calls its groups and documents (:attr:`zhtopics.results.RunResults.units`).

    Returns
    -------
    Figure
        A heatmap with every cell written as a percentage (the article's largest framed),
        its interval under it; each row labelled with the article's size; rows of copies of
        another article veiled and labelled as such; articles without tokens left blank. The
        colour scale ends at the largest share of an independent article resting on enough
        paragraphs.
    """
    columns = _topic_columns(article_topics)
    topics = [int(c[6:]) for c in columns]
    shares = article_topics[columns].to_numpy(dtype=float)
    n_articles, k = shares.shape
    fig, ax = _one_axes(max(7.5, 1.05 * k + 5.0), 0.62 * n_articles + (3.9 if glossary else 3.3))
    if shares.size == 0:
        _say_empty(ax, "no articles or topics")
        return fig
    low, high, n_docs = _intervals(article_topics, prevalence, topics)
    sizes = {str(a): int(p) for a, p in zip(article_topics["article_id"], article_topics.get("paragraphs", []))}
    copies = [describe_copy(row, sizes) for row in article_topics.to_dict("records")]
    copied = np.array([bool(c) for c in copies])
    thin = np.zeros(n_articles, bool) if min_docs is None or n_docs is None else n_docs < min_docs
    reliable = ~copied & ~thin
    finite = np.isfinite(shares)
    pool = shares[reliable[:, None] & finite] if (reliable[:, None] & finite).any() else shares[finite]
    top = float(pool.max()) if pool.size else 1.0
    image = ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=top, aspect="auto")
    _mark_rows(ax, thin, copied, k)
    _write_cells(ax, shares, low, high, top, copied)
    ax.set_xticks(range(k), topic_names(labels, topics, glossary), rotation=30, ha="right", rotation_mode="anchor")
    ax.tick_params(axis="x", labelsize=8.5)
    ax.set_yticks(range(n_articles), _row_labels(article_topics, copies), fontsize=8.5)
    for tick, is_copy in zip(ax.get_yticklabels(), copied):
        tick.set_color("#888888" if is_copy else TEXT)
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, label=f"share of the {units.group}'s tokens", format=PercentFormatter(1.0), shrink=0.8)
    caption = f"Share of each {units.group}'s tokens per topic"
    if np.isfinite(low).any():
        caption += f";\nunder it, its {'' if level is None else f'{level:.0%} '}interval (bootstrap over the {units.group}'s {units.documents})"
    title = title or f"Which {units.group} argues which topic"
    ax.set_title(f"{title}\n{caption}", fontsize=10)
    handles = []
    if thin.any():
        handles.append(
            Patch(
                facecolor="white", edgecolor=MUTED, hatch=THIN_HATCH, label=f"fewer than {min_docs} {units.documents}"
            )
        )
    if copied.any():
        handles.append(
            Patch(facecolor="#e8e8e8", label=f"excerpt or copy of another {units.group}: not a separate voice")
        )
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    return fig
