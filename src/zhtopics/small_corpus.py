"""The small-corpus guard: what a corpus too small to model can and cannot support.

A run whose corpus, after segmentation, is below any limit of ``train.small_corpus``
(documents with tokens, tokens in the Dictionary, Dictionary words) says so on the console
(stage 4), at the top of ``results/summary.md`` and at the top of every report.
"""

from __future__ import annotations

from zhtopics.params import SmallCorpusParams


def small_corpus_warning(segment_summary: dict, limits: SmallCorpusParams) -> str | None:
    """One sentence saying which sizes are below their limits and what that means, or None.

    Parameters
    ----------
    segment_summary : dict
        ``data/processed/segment_summary.json`` (:attr:`zhtopics.results.RunResults.segment_summary`).
    limits : SmallCorpusParams

    Examples
    --------
    >>> from zhtopics.params import SmallCorpusParams
    >>> summary = {"documents": 24, "documents_without_tokens": [], "tokens_in_dictionary": 72, "vocabulary": 30}
    >>> print(small_corpus_warning(summary, SmallCorpusParams(documents=100, tokens=1000, vocabulary=100)))
    Small corpus: 24 documents with tokens (below 100), 72 tokens (below 1000), a vocabulary of 30 words (below 100). Its topics rest on a few co-occurrences of a few words: K, the topic names and the shares per group are exploratory, not findings; more text (or a coarser question) is needed before reading them as results.
    """
    documents = segment_summary["documents"] - len(segment_summary.get("documents_without_tokens", []))
    sizes = [
        (documents, limits.documents, f"{documents} documents with tokens"),
        (segment_summary["tokens_in_dictionary"], limits.tokens, f"{segment_summary['tokens_in_dictionary']} tokens"),
        (segment_summary["vocabulary"], limits.vocabulary, f"a vocabulary of {segment_summary['vocabulary']} words"),
    ]
    below = [f"{words} (below {limit})" for value, limit, words in sizes if value < limit]
    if not below:
        return None
    return (
        f"Small corpus: {', '.join(below)}. Its topics rest on a few co-occurrences of a few words: K, the topic "
        "names and the shares per group are exploratory, not findings; more text (or a coarser question) is needed "
        "before reading them as results."
    )
