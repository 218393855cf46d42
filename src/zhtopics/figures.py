"""Stage 6: figures of the corpus, the vocabulary, the model choice and the topics.

Every ``plot_*`` function takes tables or arrays and returns a
:class:`matplotlib.figure.Figure`; none saves or shows anything, and none touches pyplot's
list of open figures. :func:`write_figures` reads what the earlier stages wrote, calls each
plot function and saves the figures to ``<out>/figures/``.

Chinese is drawn with Noto Sans CJK SC from the ``mplfonts`` package (no system font is
needed): :func:`use_style` registers that font with matplotlib and applies the one style
file, ``zhtopics.mplstyle``. The plot functions call it themselves.

Saved files are reproducible: the same inputs give the same bytes (no date or software
version in PNG or SVG metadata, fixed SVG ids, a fixed word-cloud layout), with one
exception by design: ``engines_fit_seconds.png`` (:data:`TIMING_FIGURES`) plots wall-clock
fit times. Every file is written atomically (:mod:`zhtopics.atomic`): a killed run leaves
the previous figure or the new one, never half a file.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from zhtopics.atomic import atomic_path
from zhtopics.config import InputError, OutputPaths, ZhtopicsError, resolve
from zhtopics.manifest import TIMING_FIGURES  # noqa: F401  (re-exported: figures drawn from wall-clock times)

logger = logging.getLogger(__name__)

STYLE_FILE = Path(__file__).with_name("zhtopics.mplstyle")
FONT_FAMILY = "Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

#: Defaults of the ``figures`` section of the parameters.
FIGURE_DEFAULTS = {
    "gloss": False,
    "glossary": "data/lexicon/glossary.csv",
    "formats": ["png", "svg"],
    "top_terms": 30,
    "topic_words": 10,
    "wordcloud_words": 150,
}
#: Metadata that would make two saves of the same figure differ (dates, versions), removed.
#: PNG: matplotlib writes only ``Software`` (its version); SVG: ``Date`` (now, or
#: SOURCE_DATE_EPOCH) and ``Creator`` (its version). Neither writes a file name or path.
SAVE_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
#: Figures also written in the vector formats of ``figures.formats`` (charts that stay sharp).
VECTOR_FIGURES = {"model_choice_coherence", "model_choice_stability", "articles_topics_heatmap", "topics_top_words"}
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
MUTED = "#BBBBBB"
TEXT = "#333333"
# Dark, colour-blind friendly colours (Okabe-Ito) for the word cloud: readable on white.
CLOUD_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A5C00", "#4B4B4B")


# ----------------------------------------------------------------------------- style, font


def font_path() -> Path:
    """The Noto Sans CJK SC font file bundled with the ``mplfonts`` package.

    Returns
    -------
    Path
        ``.../site-packages/mplfonts/fonts/NotoSansCJKsc-Regular.otf``.

    Raises
    ------
    ZhtopicsError
        If mplfonts is not installed or lacks the font.
    """
    spec = importlib.util.find_spec("mplfonts")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ZhtopicsError("the mplfonts package is not installed; it provides the Chinese font of the figures")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    if not path.is_file():
        raise ZhtopicsError(f"{path}: not found; reinstall mplfonts (it provides the Chinese font of the figures)")
    return path


def use_style() -> None:
    """Register the bundled CJK font with matplotlib and apply ``zhtopics.mplstyle``.

    Idempotent: the font is added once, and applying the style again sets the same values.
    The style changes matplotlib's global ``rcParams`` (fonts, sizes, colours, dpi).
    """
    path = font_path()
    if not any(Path(entry.fname) == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    matplotlib.style.use(STYLE_FILE)
    _display_in_notebooks()


def _display_in_notebooks() -> None:
    """In IPython or Jupyter, show a Figure returned by a cell as a PNG.

    pyplot's inline backend does this once pyplot is imported; the plot functions never
    import pyplot, so without this a notebook would show ``<Figure size ...>``. A format
    the user (or the inline backend) already chose for figures is left alone.
    """
    ipython = sys.modules.get("IPython")  # only when IPython is already running: never imported here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import print_figure

        formatter.for_type(Figure, partial(print_figure, fmt="png", base64=True, bbox_inches="tight"))


# ----------------------------------------------------------------------------- text helpers


def load_glossary(path: str | Path) -> dict[str, str]:
    """Read a glossary CSV (columns ``term,english``) into a dict term → English.

    Parameters
    ----------
    path : str or Path
        The CSV file, e.g. ``data/lexicon/glossary.csv``.

    Returns
    -------
    dict
        Chinese term → English gloss; rows with an empty term or gloss are skipped.

    Raises
    ------
    InputError
        If the file is missing or lacks the two columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "glossary not found (a CSV with columns term,english)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"term", "english"} <= set(table.columns):
        raise InputError(path, f"expected columns term,english, found {','.join(table.columns)}")
    return {
        term.strip(): english.strip()
        for term, english in zip(table["term"], table["english"])
        if term.strip() and english.strip()
    }


def gloss(term: str, glossary: Mapping[str, str] | None) -> str:
    """``"中文 (english)"`` when the glossary knows the term, else the term itself."""
    english = glossary.get(term) if glossary else None
    return f"{term} ({english})" if english else term


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, ending with an ellipsis when it was cut."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _label_english(row: Mapping, glossary: Mapping[str, str]) -> str | None:
    """English for a topic label: the theme's English name, else glosses of its words."""
    theme_en = row.get("theme_en")
    if isinstance(theme_en, str) and theme_en.strip():
        return theme_en.strip()
    label = str(row.get("label", ""))
    if label in glossary:
        return glossary[label]
    parts = [part.strip() for part in label.split("·")]
    if any(part in glossary for part in parts):
        return " · ".join(glossary.get(part, part) for part in parts)
    return None


def topic_names(
    labels: pd.DataFrame | None,
    topics: Sequence[int],
    glossary: Mapping[str, str] | None = None,
    separator: str = " ",
    width: int | None = None,
) -> list[str]:
    """One name per topic: ``"i: label"``, with ``(English)`` after ``separator`` when glossed.

    Parameters
    ----------
    labels : DataFrame or None
        ``results/topic_labels.csv`` (topic, label, theme_en); None gives ``"topic i"``.
    topics : sequence of int
        The topic numbers to name, in order.
    glossary : dict, optional
        When given, the English theme name (or word glosses) is added in brackets.
    separator : str
        What goes between the Chinese and the bracketed English (``"\\n"`` for two lines).
    width : int, optional
        Wrap the English to this many characters per line.
    """
    rows = {} if labels is None else {int(row["topic"]): row for row in labels.to_dict("records")}
    names = []
    for topic in topics:
        row = rows.get(int(topic))
        if row is None:
            names.append(f"topic {topic}")
            continue
        name = f"{topic}: {row['label']}"
        english = _label_english(row, glossary) if glossary is not None else None
        if english:
            english = "\n".join(textwrap.wrap(english, width)) if width else english
            name += f"{separator}({english})"
        names.append(name)
    return names


def reason_category(reason: str) -> str:
    """Group a removal reason for plotting: every exact or near duplicate is ``duplicate``."""
    reason = str(reason)
    return "duplicate" if "duplicate" in reason else reason


def vocabulary_counts(dictionary) -> pd.Series:
    """Term → number of occurrences in the corpus, from a gensim Dictionary's ``cfs``.

    Parameters
    ----------
    dictionary : gensim.corpora.Dictionary
        The model's vocabulary (after filtering), with collection frequencies.

    Returns
    -------
    Series
        Counts indexed by term, most frequent first (ties in term order).
    """
    counts = pd.Series({dictionary[token_id]: count for token_id, count in dictionary.cfs.items()}, dtype="int64")
    return _most_frequent(counts, len(counts))


def _most_frequent(term_counts: pd.Series, n: int) -> pd.Series:
    """The ``n`` largest counts, ties broken by term so the order never depends on input order."""
    return term_counts.sort_index().sort_values(ascending=False, kind="stable").head(n)


# ----------------------------------------------------------------------------- drawing helpers


def _new_figure(width: float, height: float) -> Figure:
    """A figure in the zhtopics style, outside pyplot (nothing global to close)."""
    use_style()
    return Figure(figsize=(width, height))


def _one_axes(width: float, height: float) -> tuple[Figure, Axes]:
    """A styled figure with a single axes."""
    fig = _new_figure(width, height)
    return fig, fig.add_subplot()


def _say_empty(ax: Axes, message: str) -> None:
    """Write ``message`` in the middle of an axes that has nothing to plot."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=TEXT)
    ax.set_axis_off()


def _barh(
    ax: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    color: str = "C0",
    value_format: str | None = "{:.0f}",
    label_size: float | None = None,
    label: str | None = None,
):
    """Horizontal bars, first item on top, optionally each value written at the bar's end.

    Returns the bars (a BarContainer)."""
    positions = np.arange(len(values))
    bars = ax.barh(positions, values, color=color, label=label)
    ax.set_yticks(positions, labels, fontsize=label_size)
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    if value_format is not None:
        ax.bar_label(bars, labels=[value_format.format(v) for v in values], padding=3, fontsize=8, color=TEXT)
        ax.margins(x=0.08)
    return bars


def _engine_colors(engines: Sequence[str]) -> dict[str, str]:
    """The same colour for an engine in every figure (engines in alphabetical order)."""
    return {engine: f"C{i}" for i, engine in enumerate(sorted(set(engines)))}


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


def _integer_x(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


# ----------------------------------------------------------------------------- corpus


def plot_paragraphs_per_article(articles: pd.DataFrame) -> Figure:
    """Paragraphs of each article: kept, or duplicates of paragraphs kept in another article.

    Parameters
    ----------
    articles : DataFrame
        ``data/interim/articles.csv``: article_id, article_title, paragraphs_kept,
        duplicates_elsewhere.

    Returns
    -------
    Figure
        Stacked horizontal bars, one per article (first article on top), total at the end.
    """
    fig, ax = _one_axes(8.5, 0.42 * len(articles) + 1.6)
    if articles.empty:
        _say_empty(ax, "no articles")
        return fig
    labels = [f"{a} {shorten(t, 20)}" for a, t in zip(articles["article_id"], articles["article_title"])]
    kept = articles["paragraphs_kept"].to_numpy(dtype=int)
    elsewhere = articles["duplicates_elsewhere"].to_numpy(dtype=int)
    _barh(ax, labels, kept, color="C0", value_format=None, label="kept")
    positions = np.arange(len(articles))
    bars = ax.barh(
        positions, elsewhere, left=kept, color=MUTED, label="duplicate of a paragraph kept in another article"
    )
    ax.bar_label(bars, labels=[str(total) for total in kept + elsewhere], padding=3, fontsize=8, color=TEXT)
    ax.set_xlim(0, 1.12 * max(1, (kept + elsewhere).max()))  # margins would stop at the stacked bars' sticky edges
    _integer_x(ax)
    ax.set_xlabel("paragraphs")
    ax.set_title(f"Paragraphs per article ({len(articles)} articles, {kept.sum()} paragraphs kept)")
    ax.legend(loc="upper right")
    return fig


def plot_paragraph_lengths(documents: pd.DataFrame) -> Figure:
    """Histogram of paragraph lengths in characters, with the median marked.

    Parameters
    ----------
    documents : DataFrame
        ``data/interim/documents.parquet`` (column ``n_chars``).

    Returns
    -------
    Figure
    """
    fig, ax = _one_axes(8, 4.5)
    lengths = documents["n_chars"].dropna().astype(int).to_numpy()
    if lengths.size == 0:
        _say_empty(ax, "no paragraphs")
        return fig
    step = 10 if lengths.max() > 40 else 2
    bins = np.arange(lengths.min() // step * step, lengths.max() + step + 1, step)
    ax.hist(lengths, bins=bins, color="C0", edgecolor="white", linewidth=0.8)
    median = float(np.median(lengths))
    ax.axvline(median, color="C3", linestyle="--", linewidth=1.2, label=f"median {median:.0f} characters")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        xlabel="characters per paragraph (after cleaning)",
        ylabel="paragraphs",
        title=f"Paragraph lengths ({lengths.size} paragraphs kept; bins of {step} characters)",
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
    counts = _most_frequent(counts, len(counts))
    _barh(ax, list(counts.index), counts.to_numpy(), color="C1")
    _integer_x(ax)
    ax.set_xlabel("pieces removed (lines or paragraphs)")
    ax.set_title(f"What cleaning removed: {len(removed)} pieces, by reason")
    return fig


# ----------------------------------------------------------------------------- vocabulary


def plot_top_terms(term_counts: pd.Series, n: int = 30, glossary: Mapping[str, str] | None = None) -> Figure:
    """Horizontal bars of the ``n`` most frequent terms.

    Parameters
    ----------
    term_counts : Series
        Term → count (e.g. :func:`vocabulary_counts`).
    n : int
        How many terms.
    glossary : dict, optional
        Term → English; glossed terms are shown as ``"中文 (english)"``.

    Returns
    -------
    Figure
    """
    top = _most_frequent(term_counts, n)
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

    counts = _most_frequent(term_counts[term_counts > 0], max_words)
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


# ----------------------------------------------------------------------------- model choice


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
    """Both engines at the chosen K, side by side: coherence, stability, diversity, time.

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
        draws the timing panel in a figure of its own (:data:`TIMING_FIGURES`), so that the
        comparison figure is the same on every run.

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


# ----------------------------------------------------------------------------- topics


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


# ----------------------------------------------------------------------------- writing


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
    """The ``figures`` parameters over :data:`FIGURE_DEFAULTS`, checked.

    Raises
    ------
    ZhtopicsError
        For an unknown key or format, or formats without png.
    """
    given = dict(params.get("figures") or {})
    unknown = sorted(set(given) - set(FIGURE_DEFAULTS))
    if unknown:
        raise ZhtopicsError(
            f"unknown parameter 'figures.{unknown[0]}' (known here: {', '.join(sorted(FIGURE_DEFAULTS))})"
        )
    settings = {**FIGURE_DEFAULTS, **given}
    formats = [str(f).lower().lstrip(".") for f in settings["formats"]]
    bad = [f for f in formats if f not in SAVE_METADATA]
    if bad or "png" not in formats:
        raise ZhtopicsError(
            f"figures.formats: {formats} must include png and may add svg (every figure is a PNG; "
            f"svg is added for {', '.join(sorted(VECTOR_FIGURES))})"
        )
    settings["formats"] = formats
    return settings


def save_figure(fig: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    """Save ``fig`` as ``stem.<format>`` for each format, without dates or versions inside.

    Each file is written to a temporary file beside it and renamed over it when complete
    (:func:`zhtopics.atomic.atomic_path`).

    Returns
    -------
    list of Path
        The files written.
    """
    written = []
    for fmt in formats:
        target = stem.with_suffix(f".{fmt}")
        with atomic_path(target) as temporary:
            fig.savefig(temporary, format=fmt, metadata=SAVE_METADATA[fmt])
        written.append(target)
    return written


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
        The full parameters; only the ``figures`` section is read (see
        :data:`FIGURE_DEFAULTS`): gloss, glossary, formats, top_terms, topic_words,
        wordcloud_words.

    Returns
    -------
    list of Path
        The files written: a PNG per figure, and an SVG too for :data:`VECTOR_FIGURES`
        when ``svg`` is among the formats. ``engines_comparison.png`` compares the engines'
        scores; their fit times are in ``engines_fit_seconds.png`` (:data:`TIMING_FIGURES`).

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
