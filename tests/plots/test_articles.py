"""Articles: the heatmap writes percentages and leaves articles without tokens blank."""

from __future__ import annotations

from zhtopics.plots import plot_article_topic_heatmap


def test_heatmap_writes_percentages_and_leaves_articles_without_tokens_blank(tables):
    fig = plot_article_topic_heatmap(tables["article_topics"], tables["labels"])
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(cells) == sorted(["70%", "20%", "10%", "10%", "30%", "60%"])
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[1].endswith("…") and len(rows[1]) <= len("a02 ") + 18
