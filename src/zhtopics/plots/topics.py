"""Figures of the chosen model's topics: their top words, and how similar they are."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from zhtopics.plots.labels import gloss, topic_names
from zhtopics.plots.style import _barh, _new_figure, _one_axes, _say_empty

logger = logging.getLogger(__name__)


def plot_topic_words(
    topics: pd.DataFrame, labels: pd.DataFrame | None, n_words: int = 10, glossary: Mapping[str, str] | None = None
) -> Figure:
    """The top words of every topic, one small bar chart per topic in a grid.

    Parameters
    ----------
    topics : DataFrame
        ``results/topics.csv``: topic, rank, word, weight.
    labels : DataFrame or None
        ``results/topic_labels.csv``; each panel is titled ``"topic i: <label>"``.
    n_words : int
        Words per topic.
    glossary : dict, optional
        Adds English to the words and the theme's English name to the titles.

    Returns
    -------
    Figure
    """
    topic_ids = sorted(topics["topic"].unique())
    columns = max(1, min(len(topic_ids), 3 if glossary else 4))
    rows = max(1, -(-len(topic_ids) // columns))
    fig = _new_figure(columns * (4.4 if glossary else 3.0), rows * (0.24 * n_words + 1.3) + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    names = topic_names(labels, topic_ids, glossary, separator="\n", width=40)
    for ax, topic, name in zip(axes, topic_ids, names):
        words = topics[topics["topic"] == topic].sort_values("rank").head(n_words)
        _barh(
            ax,
            [gloss(word, glossary) for word in words["word"]],
            words["weight"].to_numpy(),
            value_format=None,
            label_size=9,
        )
        ax.set_title(f"topic {name}", fontsize=10)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes[len(topic_ids) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Top {n_words} words of each of the {len(topic_ids)} topics (bar: probability of the word in the topic)"
    )
    return fig


def plot_topic_similarity(
    topic_word: np.ndarray, labels: pd.DataFrame | None, glossary: Mapping[str, str] | None = None
) -> Figure:
    """A dendrogram of the topics: average-linkage clustering on Jensen–Shannon distance.

    Parameters
    ----------
    topic_word : ndarray
        K × V topic-word probabilities (``models/<engine>_k<K>/topic_word.npy``).
    labels : DataFrame or None
        ``results/topic_labels.csv``, for the leaf names.
    glossary : dict, optional
        Adds the English theme names to the leaf names.

    Returns
    -------
    Figure
        Topics joined low in the tree share much of their vocabulary; the distance is the
        base-2 Jensen–Shannon distance (0 = same words, 1 = no word in common).
    """
    from scipy.cluster.hierarchy import dendrogram, linkage
    from scipy.spatial.distance import pdist

    topic_word = np.asarray(topic_word, dtype=float)
    k = topic_word.shape[0]
    fig, ax = _one_axes(11 if glossary else 8, 0.5 * k + 1.8)
    if k < 2:
        _say_empty(ax, "fewer than two topics: nothing to compare")
        return fig
    # scipy's Jensen-Shannon distance uses the natural log; dividing by sqrt(ln 2) gives base 2, in [0, 1].
    distances = pdist(topic_word, metric="jensenshannon") / np.sqrt(np.log(2))
    tree = linkage(distances, method="average")
    dendrogram(
        tree,
        labels=topic_names(labels, range(k), glossary, width=45),
        orientation="right",
        ax=ax,
        color_threshold=0,
        above_threshold_color="C0",
        leaf_font_size=9,
    )
    # Topics are often nearly disjoint: start the axis a little below the lowest merge to show the structure.
    start = max(0.0, np.floor(10 * tree[:, 2].min()) / 10 - 0.1)
    ax.set_xlim(start, max(1.0, tree[:, 2].max()))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Jensen-Shannon distance of the word distributions (0 = same, 1 = disjoint)")
    ax.set_title(
        "How similar the topics are (average-linkage clustering"
        + (f"; the axis starts at {start:.1f})" if start > 0 else ")"),
        loc="right",
    )
    return fig
