"""Stage 2: segment paragraphs into filtered tokens, a gensim Dictionary and a bag-of-words corpus.

- :mod:`~zhtopics.segment.segmenter`: :class:`Segmenter`, its two backends (jieba,
  rjieba), word lists, stopwords and the filter rules. Its docstring documents the filters
  and how the backends differ.
- :mod:`~zhtopics.segment.workers`: :func:`segment_texts`, many texts at once, in worker
  processes for large inputs.
- :mod:`~zhtopics.segment.tags`: jieba's part-of-speech tags, named.
- :mod:`~zhtopics.segment.tables`: what the filters kept and removed, per reason and per
  tag (``token_filter.csv``, ``token_filter_by_tag.csv``).
- :mod:`~zhtopics.segment.vocabulary`: the corpus vocabulary and bags of words from the workers' integer tokens.
- :mod:`~zhtopics.segment.bow`: the bag-of-words corpus on disk (flat arrays, Matrix Market).
- :mod:`~zhtopics.segment.stage`: :func:`segment_corpus`, the streamed stage that
  ``zhtopics segment`` runs.
"""

from zhtopics.segment.segmenter import (
    BACKENDS,
    FILTER_REASONS,
    Segmenter,
    load_stopwords,
    parse_userdict_entry,
    read_word_list,
    removed_by_reason,
)
from zhtopics.segment.stage import segment_corpus
from zhtopics.segment.tables import token_filter_by_tag_table, token_filter_table
from zhtopics.segment.tags import POS_TAGS
from zhtopics.segment.workers import segment_texts

__all__ = [
    "BACKENDS",
    "FILTER_REASONS",
    "POS_TAGS",
    "Segmenter",
    "load_stopwords",
    "parse_userdict_entry",
    "read_word_list",
    "removed_by_reason",
    "segment_corpus",
    "segment_texts",
    "token_filter_by_tag_table",
    "token_filter_table",
]
