"""Stage 2: segment paragraphs into filtered tokens, a gensim Dictionary and a bag-of-words corpus.

- :mod:`~zhtopics.segment.segmenter`: :class:`Segmenter`, its two backends (jieba,
  rjieba), word lists, stopwords and the filter rules. Its docstring documents the filters
  and how the backends differ.
- :mod:`~zhtopics.segment.workers`: :func:`segment_texts`, many texts at once, in worker
  processes for large inputs.
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
)
from zhtopics.segment.stage import segment_corpus
from zhtopics.segment.workers import segment_texts

__all__ = [
    "BACKENDS",
    "FILTER_REASONS",
    "Segmenter",
    "load_stopwords",
    "parse_userdict_entry",
    "read_word_list",
    "segment_corpus",
    "segment_texts",
]
