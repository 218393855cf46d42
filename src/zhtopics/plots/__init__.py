"""Stage 6: figures of the corpus, the vocabulary, the model choice and the topics.

One module per family of figures: :mod:`~zhtopics.plots.corpus`,
:mod:`~zhtopics.plots.vocabulary`, :mod:`~zhtopics.plots.model_choice`,
:mod:`~zhtopics.plots.topics`, :mod:`~zhtopics.plots.articles` and
:mod:`~zhtopics.plots.prevalence`. Every ``plot_*``
function takes tables or arrays and returns a :class:`matplotlib.figure.Figure`; none
saves or shows anything, and none touches pyplot's list of open figures. Their common look
(the bundled CJK font, ``zhtopics.mplstyle``) is in :mod:`~zhtopics.plots.style`, the text
they write (glosses, topic names) in :mod:`~zhtopics.plots.labels`.
:func:`write_figures` (:mod:`~zhtopics.plots.write`) reads what the earlier stages wrote,
calls each plot function and saves the figures to ``<out>/figures/``.

In a notebook::

    from zhtopics import plots

    plots.use_style()
    plots.plot_top_terms(run.term_counts)
"""

from zhtopics.plots.articles import plot_article_topic_heatmap
from zhtopics.plots.corpus import plot_paragraph_lengths, plot_paragraphs_per_article, plot_removed
from zhtopics.plots.model_choice import plot_coherence_by_k, plot_engine_comparison, plot_stability_by_k
from zhtopics.plots.prevalence import plot_group_intervals, plot_shares_over_time
from zhtopics.plots.style import font_path, use_style
from zhtopics.plots.topics import plot_topic_similarity, plot_topic_words
from zhtopics.plots.vocabulary import plot_top_terms, plot_wordcloud
from zhtopics.plots.write import write_figures

__all__ = [
    "font_path",
    "plot_article_topic_heatmap",
    "plot_coherence_by_k",
    "plot_engine_comparison",
    "plot_group_intervals",
    "plot_paragraph_lengths",
    "plot_paragraphs_per_article",
    "plot_removed",
    "plot_shares_over_time",
    "plot_stability_by_k",
    "plot_top_terms",
    "plot_topic_similarity",
    "plot_topic_words",
    "plot_wordcloud",
    "use_style",
    "write_figures",
]
