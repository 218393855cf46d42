"""The look of every figure: the bundled CJK font, the style file, figure helpers, saving.

Chinese is drawn with Noto Sans CJK SC from the ``mplfonts`` package (no system font is
needed, and none is used: the bundled file is registered under a private family name, so a
system copy of the same family cannot replace it): :func:`use_style` registers that font with
matplotlib and applies the one style
file, ``zhtopics.mplstyle`` (beside this module). The plot functions call it themselves,
through :func:`_new_figure`.

Saved files are reproducible: the same inputs give the same bytes (no date or software
version in PNG or SVG metadata, fixed SVG ids). :func:`save_figure` writes every file
atomically (:mod:`zhtopics.atomic`): a killed run leaves the previous figure or the new
one, never half a file.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from zhtopics.atomic import atomic_path
from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

STYLE_FILE = Path(__file__).with_name("zhtopics.mplstyle")
#: The family name the bundled font is registered under: private, so that a system font of the
#: same family (Debian's fonts-noto-cjk installs "Noto Sans CJK SC" too) is never chosen instead.
FONT_FAMILY = "zhtopics Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

#: Metadata that would make two saves of the same figure differ (dates, versions), removed.
#: PNG: matplotlib writes only ``Software`` (its version); SVG: ``Date`` (now, or
#: SOURCE_DATE_EPOCH) and ``Creator`` (its version). Neither writes a file name or path.
SAVE_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}

MUTED = "#BBBBBB"
TEXT = "#333333"


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


def register_font() -> Path:
    """Register the bundled font with matplotlib under :data:`FONT_FAMILY` (idempotent).

    ``FontManager.addfont`` would register it under its own family name, Noto Sans CJK SC,
    which a machine may also have installed: matplotlib then picks either file. Registered
    under a private name, the bundled file is the only match, whatever fonts the machine has.
    """
    path = font_path()
    manager = font_manager.fontManager
    if not any(entry.fname == str(path) and entry.name == FONT_FAMILY for entry in manager.ttflist):
        entry = font_manager.ttfFontProperty(font_manager.get_font(str(path)))
        manager.ttflist.append(dataclasses.replace(entry, name=FONT_FAMILY))
        manager._findfont_cached.cache_clear()  # what addfont does after adding a font
    return path


def use_style() -> None:
    """Register the bundled CJK font with matplotlib and apply ``zhtopics.mplstyle``.

    Idempotent: the font is added once, and applying the style again sets the same values.
    The style changes matplotlib's global ``rcParams`` (fonts, sizes, colours, dpi).
    """
    register_font()
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


def _integer_x(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


# ----------------------------------------------------------------------------- saving


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
