"""Articles: the heatmap writes percentages and intervals, shows sizes, hatches thin rows,
veils copies, and leaves articles without tokens blank."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from zhtopics.plots import plot_article_topic_heatmap
from zhtopics.plots.articles import THIN_HATCH


def _rows(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _hatched_rows(fig) -> set[int]:
    return {
        round(p.get_y() + 0.5) for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch() == THIN_HATCH
    }


def _legend(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_heatmap_writes_percentages_and_sizes_and_leaves_articles_without_tokens_blank(tables):
    fig = plot_article_topic_heatmap(tables["article_topics"], tables["labels"])
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(cells) == sorted(["70%", "20%", "10%", "10%", "30%", "60%"])
    rows = _rows(fig)
    title = rows[1].split("\n")[0]
    assert title.endswith("…") and len(title) <= len("a02 ") + 18
    assert rows[0].split("\n")[1] == "3 paragraphs · 30 tokens" and rows[2].split("\n")[1] == "1 paragraph · 0 tokens"
    assert not _hatched_rows(fig) and not fig.legends  # no min_docs: nothing marked


def test_heatmap_hatches_rows_on_fewer_paragraphs_and_writes_intervals(tables):
    fig = plot_article_topic_heatmap(
        tables["article_topics"], tables["labels"], prevalence=tables["prevalence"], level=0.95, min_docs=3
    )
    assert _hatched_rows(fig) == {1, 2}  # a02 (2 paragraphs) and a03 (1), not a01 (3)
    assert _legend(fig) == ["fewer than 3 paragraphs"]
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert "60–80%" in cells and "20–40%" in cells  # a01's intervals under its shares
    assert "95% interval" in fig.axes[0].get_title(loc="left")
    fig = plot_article_topic_heatmap(tables["article_topics"], tables["labels"], min_docs=2)
    assert _hatched_rows(fig) == {2}


def test_heatmap_veils_and_labels_copies_and_scales_colours_on_independent_articles(tables):
    articles = tables["article_topics"].copy()
    articles.loc[1, ["copy_of", "copied_share"]] = ["a01", 1.0]
    articles.loc[1, ["topic_0", "topic_1", "topic_2"]] = [0.05, 0.05, 0.9]
    fig = plot_article_topic_heatmap(articles, tables["labels"], min_docs=1)
    rows = _rows(fig)
    assert rows[1].endswith("excerpt of a01") and "excerpt" not in rows[0]
    veils = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == (1.0, 1.0, 1.0) and p.get_alpha()]
    assert [round(p.get_y() + 0.5) for p in veils] == [1]
    assert _legend(fig) == ["excerpt or copy of another article: not a separate voice"]
    image = fig.axes[0].images[0]
    assert image.norm.vmax == 0.7  # a01's 70%, not the copy's 90%
    assert np.isnan(image.get_array().filled(np.nan)[2]).all()
