"""Style: every plot returns a Figure drawn with the bundled CJK font and no missing-glyph
warning; figures display in IPython, minus signs and dollar signs are safe; saving is atomic."""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager
from matplotlib.image import AxesImage
from matplotlib.text import Text

from zhtopics.plots import (
    font_path,
    plot_article_topic_heatmap,
    plot_coherence_by_k,
    plot_engine_comparison,
    plot_group_intervals,
    plot_paragraph_lengths,
    plot_paragraphs_per_article,
    plot_removed,
    plot_shares_over_time,
    plot_stability_by_k,
    plot_top_terms,
    plot_topic_similarity,
    plot_topic_words,
    plot_wordcloud,
    use_style,
)
from zhtopics.plots.style import FONT_FAMILY, save_figure

CJK = re.compile(r"[\u4e00-\u9fff]")


PLOTS = {
    "paragraphs_per_article": lambda t, g: plot_paragraphs_per_article(t["articles"]),
    "paragraph_lengths": lambda t, g: plot_paragraph_lengths(t["documents"]),
    "removed": lambda t, g: plot_removed(t["removed"]),
    "top_terms": lambda t, g: plot_top_terms(t["term_counts"], n=5, glossary=g),
    "wordcloud": lambda t, g: plot_wordcloud(t["term_counts"], glossary=g),
    "coherence": lambda t, g: plot_coherence_by_k(t["sweep"], t["choice"], metrics=("c_v", "c_npmi", "u_mass")),
    "stability": lambda t, g: plot_stability_by_k(t["stability"], t["choice"]),
    "topic_words": lambda t, g: plot_topic_words(t["topics"], t["labels"], n_words=3, glossary=g),
    "heatmap": lambda t, g: plot_article_topic_heatmap(t["article_topics"], t["labels"]),
    "similarity": lambda t, g: plot_topic_similarity(t["topic_word"], t["labels"]),
    "engines": lambda t, g: plot_engine_comparison(t["engine_comparison"], t["sweep"], t["stability"]),
    "over_time": lambda t, g: plot_shares_over_time(t["prevalence_by_time"], t["labels"], g, level=0.95),
    "group_intervals": lambda t, g: plot_group_intervals(
        t["prevalence"], t["labels"], t["article_topics"], g, level=0.95, min_docs=3
    ),
}


def _draw(fig: Figure, caplog) -> list[str]:
    """Render the figure to PNG in memory; every warning and matplotlib log record seen."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="matplotlib"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING or "missing from" in r.getMessage() or "not found" in r.getMessage()
    ]
    return [str(w.message) for w in caught] + logged


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_bundled_font_is_registered_once_and_found_for_sans_serif():
    use_style()
    use_style()  # idempotent
    bundled = font_path()
    assert bundled.name == "NotoSansCJKsc-Regular.otf" and "mplfonts" in bundled.parts
    assert sum(entry.fname == str(bundled) and entry.name == FONT_FAMILY for entry in fontManager.ttflist) == 1
    assert findfont(FontProperties(family=[FONT_FAMILY])) == str(bundled)
    assert findfont(FontProperties(family=["sans-serif"])) == str(bundled)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_returns_figure_drawn_without_glyph_warnings(name, tables, glossary, caplog):
    fig = PLOTS[name](tables, glossary)
    assert isinstance(fig, Figure)
    problems = _draw(fig, caplog)
    assert not [p for p in problems if "missing from" in p or "findfont" in p or "Glyph" in p], problems
    assert not problems, problems
    chinese = [t for t in _texts(fig) if CJK.search(t.get_text())]
    if name == "wordcloud":
        assert fig.findobj(AxesImage), "the cloud is shown as an image"
    elif name not in {"paragraph_lengths", "removed", "coherence", "stability", "engines"}:
        assert chinese, "Chinese text expected in this figure"
    for text in chinese:
        assert findfont(text.get_fontproperties()) == str(font_path()), text.get_text()


def test_figures_display_as_png_in_ipython(tables):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.display_formatter.formatters["image/png"].type_printers.pop(Figure, None)
        use_style()
        shown, _ = shell.display_formatter.format(plot_removed(tables["removed"]))
        assert "image/png" in shown
    finally:
        InteractiveShell.clear_instance()


def test_minus_signs_are_ascii_hyphens(tables, caplog):
    fig = plot_coherence_by_k(tables["sweep"], tables["choice"], metrics=("c_npmi", "u_mass"))
    _draw(fig, caplog)
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any(t.startswith("-") for t in ticks)
    assert not any("\u2212" in t for t in ticks)


def test_save_figure_is_atomic(tables, tmp_path, monkeypatch):
    fig = plot_removed(tables["removed"])
    target = tmp_path / "corpus_removed.png"
    target.write_bytes(b"the previous figure")

    def interrupted(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_figure(fig, tmp_path / "corpus_removed", ["png"])
    assert target.read_bytes() == b"the previous figure"
    assert [p.name for p in tmp_path.iterdir()] == ["corpus_removed.png"]


def test_dollar_signs_in_corpus_text_are_text_not_mathtext():
    # A title such as "a02 $x^$ y" (corpus text) made mathtext fail when the figure was saved.
    import io

    import matplotlib.pyplot as plt

    use_style()
    fig, ax = plt.subplots()
    ax.set_title("a02 $x^$ y 微信")
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
