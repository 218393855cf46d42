"""The vocabulary of the Spark mode: gensim's ``filter_extremes`` on document frequencies.

Spark counts each word's document frequency and collection frequency (one aggregation);
the driver keeps the words as :meth:`gensim.corpora.Dictionary.filter_extremes` does
(``segment.filter_extremes``) and numbers them in sorted order.

Hand-written rather than MLlib's ``CountVectorizer`` because that ranks ``vocabSize`` by
term frequency over the corpus, while gensim's ``keep_n`` keeps the most frequent words
BY DOCUMENT FREQUENCY; and rather than gensim itself because gensim needs every document
on one machine. Ties at the ``keep_n`` cut are broken by the word (gensim breaks them by
first occurrence in the corpus, which depends on reading order): the only difference.
"""

from __future__ import annotations

import logging

import pandas as pd
from gensim.corpora import Dictionary

logger = logging.getLogger(__name__)


def filter_extremes(frequencies: pd.DataFrame, n_docs: int, no_below: int, no_above: float, keep_n: int | None):
    """The words gensim's ``filter_extremes`` keeps, sorted.

    Parameters
    ----------
    frequencies : DataFrame
        Columns ``token``, ``df`` (documents containing it), ``cf`` (occurrences).
    n_docs : int
        Documents in the corpus (those without tokens included, as gensim counts them).
    no_below, no_above, keep_n
        As in gensim: keep words in at least ``no_below`` documents and in at most
        ``int(no_above * n_docs)``; then the ``keep_n`` with the highest document frequency.

    Returns
    -------
    DataFrame
        The kept rows, sorted by ``token`` (their position is the Dictionary id).

    Examples
    --------
    >>> f = pd.DataFrame({"token": ["b", "a", "c", "d"], "df": [2, 2, 4, 1], "cf": [5, 2, 9, 1]})
    >>> filter_extremes(f, 4, no_below=2, no_above=0.9, keep_n=1)["token"].tolist()
    ['a']
    """
    no_above_abs = int(no_above * n_docs)
    good = frequencies[(frequencies["df"] >= no_below) & (frequencies["df"] <= no_above_abs)]
    if keep_n is not None:
        good = good.sort_values(["df", "token"], ascending=[False, True], kind="stable").head(keep_n)
    return good.sort_values("token", kind="stable").reset_index(drop=True)


def build_dictionary(kept: pd.DataFrame, n_docs: int, n_positions: int, n_nonzero: int) -> Dictionary:
    """A gensim Dictionary of the kept words (ids in ``kept``'s order) with their frequencies,
    as the single-machine stage's Dictionary holds them after ``filter_extremes``."""
    dictionary = Dictionary()
    tokens = kept["token"].tolist()
    dictionary.token2id = {token: i for i, token in enumerate(tokens)}
    dictionary.dfs = {i: int(n) for i, n in enumerate(kept["df"])}
    dictionary.cfs = {i: int(n) for i, n in enumerate(kept["cf"])}
    dictionary.num_docs, dictionary.num_pos, dictionary.num_nnz = int(n_docs), int(n_positions), int(n_nonzero)
    dictionary.id2token = {}
    dictionary.lifecycle_events = None
    return dictionary
