"""Figures of the model choice: coherence and stability against the number of topics K, and
the engines compared at the chosen K."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from zhtopics.plots.style import TEXT, _engine_colors, _integer_x, _new_figure, _one_axes

logger = logging.getLogger(__name__)

#: Panels of :func:`plot_engine_comparison`, in order.
ENGINE_PANELS = ("c_v", "c_npmi", "stability", "diversity", "seconds")
#: Panels that show wall-clock times (different on every run, unlike every other number).
TIMING_PANELS = ("seconds",)

METRIC_TITLES = {
    "c_v": "c_v coherence",
    "c_npmi": "c_npmi coherence",
    "u_mass": "u_mass coherence",
    "stability": "stability across seeds",
    "diversity": "topic diversity",
    "seconds": "seconds per fit",
}


def _line_with_band(ax: Axes, x, centre, low, high, color: str, label: str) -> None:
    """A line with markers and a shaded band between ``low`` and ``high``."""
    ax.fill_between(x, low, high, color=color, alpha=0.15, linewidth=0)
    ax.plot(x, centre, marker="o", color=color, label=label)


def _mark_choice(ax: Axes, x: float, y: float, text: str) -> None:
    """Ring the chosen setting and write what it is."""
    ax.scatter([x], [y], s=220, facecolors="none", edgecolors="black", linewidths=1.4, zorder=5)
    ax.annotate(
        text,
        (x, y),
        xytext=(0, -34),
        textcoords="offset points",
        ha="center",
        fontsize=9,
        color="black",
        arrowprops={"arrowstyle": "-", "color": "black", "linewidth": 0.8},
        bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
    )


def _choice_value(table: pd.DataFrame, column: str, choice: Mapping) -> float | None:
    """The mean of ``column`` over the rows of the chosen (engine, K), if there are any."""
    rows = table[(table["engine"] == choice.get("engine")) & (table["k"] == choice.get("k"))]
    return float(rows[column].mean()) if len(rows) else None


def _choice_text(choice: Mapping) -> str:
    return f"chosen: {choice.get('engine')}, K = {choice.get('k')}"


def plot_coherence_by_k(sweep: pd.DataFrame, choice: Mapping, metrics: Sequence[str] = ("c_v", "c_npmi")) -> Figure:
    """Coherence against the number of topics, one line per engine, the chosen setting ringed.

    Parameters
    ----------
    sweep : DataFrame
        ``results/sweep.csv``: engine, k, seed and the metric columns.
    choice : dict
        ``results/model_choice.json`` (engine, k, metric, best, tolerance).
    metrics : sequence of str
        One panel per metric.

    Returns
    -------
    Figure
        Each line is the mean over seeds; the band spans the seeds' minimum to maximum and
        the faint dots are the seeds. On the selection metric's panel a dotted line marks
        the tolerance of the rule (best mean minus one seed standard deviation).
    """
    fig = _new_figure(5.5 * len(metrics), 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharex=True))
    colors = _engine_colors(sweep["engine"])
    offsets = dict(zip(sorted(colors), np.linspace(-0.1, 0.1, len(colors))))  # keeps the engines' seed dots apart
    for ax, metric in zip(axes, metrics):
        for engine, runs in sweep.groupby("engine", sort=True):
            stats = runs.groupby("k")[metric].agg(["mean", "min", "max"])
            _line_with_band(ax, stats.index, stats["mean"], stats["min"], stats["max"], colors[engine], engine)
            ax.scatter(runs["k"] + offsets[engine], runs[metric], s=10, color=colors[engine], alpha=0.35, linewidths=0)
        if metric == choice.get("metric") and "best" in choice and "tolerance" in choice:
            best = choice["best"]
            ax.axhline(
                best["metric_mean"] - choice["tolerance"],
                color=TEXT,
                linestyle=":",
                linewidth=1,
                label=f"best mean ({best['engine']}, K = {best['k']}) minus 1 seed sd",
            )
        chosen = _choice_value(sweep, metric, choice)
        if chosen is not None:
            _mark_choice(ax, choice["k"], chosen, _choice_text(choice))
        _integer_x(ax)
        ax.set(
            xlabel="number of topics K", ylabel=metric, title=f"{METRIC_TITLES.get(metric, metric)} (higher is better)"
        )
        ax.legend(loc="best")
    seeds = sweep["seed"].nunique()
    fig.suptitle(f"Coherence by number of topics: line = mean over {seeds} seeds, band = min to max, dots = seeds")
    return fig


def plot_stability_by_k(stability: pd.DataFrame, choice: Mapping) -> Figure:
    """Stability of the topics across seeds against K, one line per engine with ±1 sd.

    Parameters
    ----------
    stability : DataFrame
        ``results/stability.csv``: engine, k, stability, stability_sd.
    choice : dict
        ``results/model_choice.json`` (engine, k, min_stability).

    Returns
    -------
    Figure
    """
    fig, ax = _one_axes(8, 4.8)
    colors = _engine_colors(stability["engine"])
    for engine, rows in stability.sort_values("k").groupby("engine", sort=True):
        sd = rows["stability_sd"].fillna(0.0) if "stability_sd" in rows else 0.0
        _line_with_band(
            ax, rows["k"], rows["stability"], rows["stability"] - sd, rows["stability"] + sd, colors[engine], engine
        )
    if choice.get("min_stability") is not None:
        ax.axhline(
            choice["min_stability"],
            color=TEXT,
            linestyle=":",
            linewidth=1,
            label=f"min_stability {choice['min_stability']} (settings below are not eligible)",
        )
    chosen = _choice_value(stability, "stability", choice)
    if chosen is not None:
        _mark_choice(ax, choice["k"], chosen, _choice_text(choice))
    _integer_x(ax)
    ax.set(
        xlabel="number of topics K",
        ylabel="stability (mean best-match similarity of topics)",
        title="Stability of the topics across seeds (band: ±1 sd over seed pairs)",
    )
    ax.legend(loc="best")
    return fig


def plot_engine_comparison(
    engine_comparison: pd.DataFrame,
    sweep: pd.DataFrame,
    stability: pd.DataFrame | None = None,
    panels: Sequence[str] = ENGINE_PANELS,
) -> Figure:
    """Every engine at the chosen K, side by side: coherence, stability, diversity, time.

    Parameters
    ----------
    engine_comparison : DataFrame
        ``results/engine_comparison.csv``: one row per engine at the chosen K (chosen,
        the final model's c_v, c_npmi, diversity, stability).
    sweep : DataFrame
        ``results/sweep.csv``; its runs at that K give the means, sds and seed dots.
    stability : DataFrame, optional
        ``results/stability.csv``, for the sd of stability over seed pairs.
    panels : sequence of str
        Which of :data:`ENGINE_PANELS` to draw, in order (default: all). ``write_figures``
        draws the timing panel in a figure of its own
        (:data:`zhtopics.manifest.TIMING_FIGURES`), so that the comparison figure is the
        same on every run.

    Returns
    -------
    Figure
        Small multiples; bars are means over seeds with ±1 sd, dots the seeds, diamonds the
        final model (each engine's most typical seed).
    """
    k = int(engine_comparison["k"].iloc[0])
    engines = list(engine_comparison.sort_values("chosen", ascending=False, kind="stable")["engine"])
    final = engine_comparison.set_index("engine")
    runs = sweep[sweep["k"] == k]
    colors = _engine_colors(engines)
    panels = list(panels)
    unknown = [panel for panel in panels if panel not in ENGINE_PANELS]
    if unknown or not panels:
        raise ValueError(f"panels: {unknown or panels} (known: {', '.join(ENGINE_PANELS)})")
    fig = _new_figure(max(2.6 * len(panels), 6.5), 4.2)
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, metric in zip(axes, panels):
        ticks = []
        for x, engine in enumerate(engines):
            if metric == "stability":
                values = np.array([final.loc[engine, "stability"]])
                sd = _stability_sd(stability, engine, k)
            else:
                values = runs.loc[runs["engine"] == engine, metric].to_numpy(dtype=float)
                sd = float(values.std(ddof=1)) if values.size > 1 else 0.0
            mean = float(values.mean())
            ax.bar(
                x,
                mean,
                yerr=sd,
                color=colors[engine],
                alpha=0.8,
                width=0.6,
                capsize=4,
                error_kw={"elinewidth": 1, "ecolor": TEXT},
            )
            if values.size > 1:
                ax.scatter(x + np.linspace(-0.15, 0.15, values.size), values, s=12, color="black", alpha=0.5, zorder=3)
            if metric in final.columns and metric != "stability":
                ax.scatter(
                    [x], [final.loc[engine, metric]], marker="D", s=30, color="white", edgecolors="black", zorder=4
                )
            chosen = " (chosen)" if bool(final.loc[engine, "chosen"]) else ""
            ticks.append(f"{engine}{chosen}\n{mean:.3f} ± {sd:.3f}")
        ax.set_xticks(range(len(engines)), ticks, fontsize=8)
        ax.axhline(0, color=TEXT, linewidth=0.6)
        ax.grid(axis="x", visible=False)
        ax.set_title(METRIC_TITLES.get(metric, metric), fontsize=10)
    diamonds = any(metric in final.columns and metric != "stability" for metric in panels)
    fig.suptitle(
        f"Engines at K = {k}: bar = mean over {runs['seed'].nunique()} seeds ± 1 sd, "
        "dots = seeds" + (", diamond = final model" if diamonds else "")
    )
    return fig


def _stability_sd(stability: pd.DataFrame | None, engine: str, k: int) -> float:
    if stability is None or "stability_sd" not in stability:
        return 0.0
    rows = stability[(stability["engine"] == engine) & (stability["k"] == k)]
    return float(rows["stability_sd"].iloc[0]) if len(rows) else 0.0
