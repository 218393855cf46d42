"""Figures of topic prevalence with intervals: shares over time (one panel per topic, a band
for the interval) and shares per group (a dot and its interval, one panel per topic)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from zhtopics.modeling.copies import describe_copy
from zhtopics.plots.labels import shorten, topic_names
from zhtopics.plots.style import MUTED, TEXT, _new_figure, _one_axes, _say_empty
from zhtopics.wording import ARTICLES, Units

logger = logging.getLogger(__name__)

#: Panels per row of the small multiples.
PANELS_PER_ROW = 3
#: At most this many period labels are written on a time axis (the others are ticks only).
MAX_PERIOD_LABELS = 8


def _grid(n_panels: int, width: float, height: float, sharey: bool = True):
    """A figure with ``n_panels`` axes in rows of :data:`PANELS_PER_ROW` (spare axes hidden)."""
    columns = min(PANELS_PER_ROW, n_panels)
    rows = -(-n_panels // columns)
    fig = _new_figure(width * columns, height * rows)
    axes = fig.subplots(rows, columns, sharex=True, sharey=sharey, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def _interval_caption(level: float | None, over: str) -> str:
    return f"{'' if level is None else f'{level:.0%} '}interval: bootstrap over {over}"


def plot_shares_over_time(
    prevalence: pd.DataFrame,
    labels: pd.DataFrame | None,
    glossary: Mapping[str, str] | None = None,
    level: float | None = None,
    units: Units = ARTICLES,
) -> Figure:
    """Small multiples of each topic's share per period, with the interval as a band.

    Parameters
    ----------
    prevalence : DataFrame
        ``results/prevalence_by_time.csv``: period, topic, share, low, high, n_docs.
    labels : DataFrame or None
        ``results/topic_labels.csv``: each panel is titled with its topic's label.
    glossary : dict, optional
        Adds the English theme names to the panel titles.
    level : float, optional
        The intervals' level (``prevalence.level``), for the caption.
    units : Units
        What the corpus calls its documents.

    Returns
    -------
    Figure
        One panel per topic (same axes), periods in time order on x; a single period is a
        dot with its interval as a bar. The number of documents of each period is written
        under the first panel's axis.
    """
    if prevalence.empty:
        fig, ax = _one_axes(6, 3)
        _say_empty(ax, "no periods")
        return fig
    table = prevalence.assign(period=prevalence["period"].astype(str))
    periods = sorted(table["period"].unique())
    topics = sorted(int(t) for t in table["topic"].unique())
    fig, axes = _grid(len(topics), 3.6, 2.6)
    positions = {period: i for i, period in enumerate(periods)}
    names = topic_names(labels, topics, glossary, separator="\n", width=32)
    for ax, topic, name in zip(axes, topics, names):
        rows = table[table["topic"] == topic].sort_values("period")
        x = rows["period"].map(positions).to_numpy()
        share, low, high = (rows[c].to_numpy(dtype=float) for c in ("share", "low", "high"))
        if len(periods) > 1:
            ax.fill_between(x, low, high, color="C0", alpha=0.25, linewidth=0)
            ax.plot(x, share, color="C0", marker="o", markersize=3)
        else:
            ax.errorbar(x, share, yerr=[share - low, high - share], fmt="o", color="C0", capsize=3)
        ax.set_title(name, fontsize=9)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, max(0.05, float(np.nanmax(table["high"].fillna(table["share"])))) * 1.05)
    step = max(1, -(-len(periods) // MAX_PERIOD_LABELS))
    shown = list(range(0, len(periods), step))
    counts = table.drop_duplicates("period").set_index("period")["n_docs"]
    for ax in axes:
        ax.set_xticks(range(len(periods)), [""] * len(periods))
        ax.set_xticks(shown, [periods[i] for i in shown], minor=False)
        ax.tick_params(axis="x", labelsize=7.5, labelbottom=True, rotation=30 if len(shown) > 4 else 0)
        ax.set_xlim(-0.5, len(periods) - 0.5)
    documents = ", ".join(f"{p}: {int(counts[p])}" for p in periods[:6]) + (" …" if len(periods) > 6 else "")
    fig.suptitle(
        f"Each topic's share of the tokens per period; {'band' if len(periods) > 1 else 'bar'}: its "
        f"{_interval_caption(level, units.documents)} (none for one {units.document})\n"
        f"{units.documents} per period: {documents}",
        fontsize=10,
        color=TEXT,
    )
    return fig


def plot_group_intervals(
    prevalence: pd.DataFrame,
    labels: pd.DataFrame | None,
    groups: pd.DataFrame | None = None,
    glossary: Mapping[str, str] | None = None,
    level: float | None = None,
    min_docs: int | None = None,
    max_groups: int | None = None,
    units: Units = ARTICLES,
) -> Figure:
    """Groups (rows) × topics (panels): each group's share of a topic as a dot with its interval.

    Parameters
    ----------
    prevalence : DataFrame
        ``results/prevalence_by_group.csv``: group, topic, share, low, high, n_docs.
    labels : DataFrame or None
        ``results/topic_labels.csv``: each panel is titled with its topic's label.
    groups : DataFrame, optional
        ``results/article_topics.csv``: the groups' titles, and which are copies of another
        (drawn grey: not a separate voice).
    glossary : dict, optional
        Adds the English theme names to the panel titles.
    level : float, optional
        The intervals' level, for the caption.
    min_docs : int, optional
        Dots resting on fewer documents than this are drawn hollow (``prevalence.min_docs``).
    max_groups : int, optional
        Show the groups with the most documents, at most this many (the caption says so).
    units : Units
        What the corpus calls its groups and documents.

    Returns
    -------
    Figure
        One panel per topic, the groups in the same rows of every panel (first on top).
    """
    if prevalence.empty:
        fig, ax = _one_axes(6, 3)
        _say_empty(ax, f"no {units.groups}")
        return fig
    table = prevalence.assign(group=prevalence["group"].astype(str))
    order = list(dict.fromkeys(table["group"]))
    sizes = table.drop_duplicates("group").set_index("group")["n_docs"]
    left_out = 0
    if max_groups is not None and len(order) > max_groups:
        kept = set(sizes.sort_values(ascending=False, kind="stable").index[:max_groups])
        left_out, order = len(order) - max_groups, [g for g in order if g in kept]
    titles, copies = {}, {}
    if groups is not None:
        paragraphs = {str(a): int(p) for a, p in zip(groups["article_id"], groups.get("paragraphs", []))}
        for row in groups.to_dict("records"):
            titles[str(row["article_id"])] = shorten(str(row.get("article_title", "")), 14)
            copies[str(row["article_id"])] = describe_copy(row, paragraphs) if paragraphs else ""
    topics = sorted(int(t) for t in table["topic"].unique())
    fig, axes = _grid(len(topics), 3.4, 0.32 * len(order) + 1.2)
    y = np.arange(len(order))
    names = topic_names(labels, topics, glossary, separator="\n", width=30)
    for ax, topic, name in zip(axes, topics, names):
        rows = table[table["topic"] == topic].set_index("group").reindex(order)
        share, low, high = (rows[c].to_numpy(dtype=float) for c in ("share", "low", "high"))
        grey = np.array([bool(copies.get(g)) for g in order])
        thin = rows["n_docs"].to_numpy(dtype=float) < (min_docs or 0)
        colors = np.where(grey, MUTED, "C0")
        ax.hlines(y, low, high, colors=colors, linewidth=1.6)
        ax.scatter(share, y, s=18, zorder=3, facecolors=np.where(thin, "white", colors), edgecolors=colors)
        ax.set_title(name, fontsize=9)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(-0.02, 1.02)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, [f"{g} {titles.get(g, '')}".strip() for g in order])
    for ax in axes:
        ax.tick_params(axis="y", labelsize=7.5)
    axes[0].set_ylim(len(order) - 0.5, -0.5)
    caption = (
        f"Each {units.group}'s share of a topic (dot) and its {_interval_caption(level, 'its ' + units.documents)}"
    )
    notes = []
    if min_docs:
        notes.append(f"hollow: fewer than {min_docs} {units.documents}")
    if any(copies.get(g) for g in order):
        notes.append(f"grey: excerpt or copy of another {units.group}")
    if left_out:
        notes.append(f"the {len(order)} {units.groups} with most {units.documents} ({left_out} more not shown)")
    fig.suptitle(caption + ("\n" + "; ".join(notes) if notes else ""), fontsize=10, color=TEXT)
    return fig
