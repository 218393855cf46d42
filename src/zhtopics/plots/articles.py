"""Figure of the articles against the topics: the share of each article's tokens per topic."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from zhtopics.plots.labels import shorten, topic_names
from zhtopics.plots.style import TEXT, _one_axes, _say_empty

logger = logging.getLogger(__name__)


def _topic_columns(article_topics: pd.DataFrame) -> list[str]:
    columns = [c for c in article_topics.columns if c.startswith("topic_") and c[6:].isdigit()]
    return sorted(columns, key=lambda c: int(c[6:]))


def plot_article_topic_heatmap(
    article_topics: pd.DataFrame, labels: pd.DataFrame | None, glossary: Mapping[str, str] | None = None
) -> Figure:
    """Articles (rows) by topics (columns): the share of each article's tokens per topic.

    Parameters
    ----------
    article_topics : DataFrame
        ``results/article_topics.csv``: article_id, article_title, topic_0 … topic_{K-1}.
    labels : DataFrame or None
        ``results/topic_labels.csv``, for the column names.
    glossary : dict, optional
        Adds the English theme names under the column names.

    Returns
    -------
    Figure
        A heatmap with every cell written as a percentage (the article's largest framed);
        articles without tokens are left blank.
    """
    columns = _topic_columns(article_topics)
    shares = article_topics[columns].to_numpy(dtype=float)
    n_articles, k = shares.shape
    fig, ax = _one_axes(max(7.0, 1.05 * k + 4.5), 0.45 * n_articles + (3.6 if glossary else 3.0))
    if shares.size == 0:
        _say_empty(ax, "no articles or topics")
        return fig
    top = np.nanmax(shares) if np.isfinite(shares).any() else 1.0
    image = ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=top, aspect="auto")
    for (i, j), value in np.ndenumerate(shares):
        if np.isfinite(value):
            ax.text(
                j,
                i,
                f"{value:.0%}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > 0.55 * top else TEXT,
            )
            if value == np.nanmax(shares[i]):  # the article's main topic, framed (the font has no bold)
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.2))
    rows = [f"{a} {shorten(t, 18)}" for a, t in zip(article_topics["article_id"], article_topics["article_title"])]
    names = topic_names(labels, [int(c[6:]) for c in columns], glossary)
    ax.set_xticks(range(k), names, rotation=30, ha="right", rotation_mode="anchor", fontsize=8.5)
    ax.set_yticks(range(n_articles), rows)
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, label="share of the article's tokens", format=PercentFormatter(1.0), shrink=0.8)
    ax.set_title("Which article argues which topic (share of each article's tokens per topic)")
    return fig
