"""zhtopics: topic models of Chinese texts, from raw files to themes, figures and reports.

Stages (one module each): :mod:`zhtopics.corpus` (read and clean into a documents
table) and :mod:`zhtopics.segment` (jieba tokens, gensim Dictionary, bag of words).
The command line is :mod:`zhtopics.cli`.
"""

__version__ = "0.1.0"
