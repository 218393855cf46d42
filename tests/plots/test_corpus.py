"""The corpus figures speak of the corpus at hand (articles and paragraphs, or groups and documents)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from zhtopics.plots import plot_paragraph_lengths, plot_paragraphs_per_article
from zhtopics.wording import ARTICLES, DOCUMENTS


def _title(figure) -> str:
    axes = figure.axes[0]
    return " ".join(axes.get_title(loc=loc) for loc in ("left", "center", "right")).strip()


def test_corpus_figures_name_the_corpus_units():
    groups = pd.DataFrame(
        {
            "article_id": ["u1", "u2"],
            "article_title": ["用户甲", "用户乙"],
            "paragraphs_kept": [3, 2],
            "duplicates_elsewhere": [0, 1],
        }
    )
    documents = pd.DataFrame({"n_chars": [12, 30, 18, 25, 40]})
    for units, title, lengths in (
        (DOCUMENTS, "Documents per group (2 groups, 5 documents kept)", "Document lengths (5 documents kept"),
        (ARTICLES, "Paragraphs per article (2 articles, 5 paragraphs kept)", "Paragraph lengths (5 paragraphs kept"),
    ):
        figure = plot_paragraphs_per_article(groups, units)
        assert _title(figure) == title
        plt.close(figure)
        figure = plot_paragraph_lengths(documents, units)
        assert _title(figure).startswith(lengths)
        plt.close(figure)
