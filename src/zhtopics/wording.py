"""The words a run's outputs use for its documents and their groups.

Article inputs (the docshare format, or a folder of text files, one article each) speak of
*articles* and *paragraphs*; a table (CSV, JSONL, Parquet, Excel) or a single text file of
one document per line speaks of *groups* (``corpus.group_column``) and *documents*.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Units:
    """Singular and plural names of a run's groups and documents."""

    group: str
    groups: str
    document: str
    documents: str


ARTICLES = Units("article", "articles", "paragraph", "paragraphs")
DOCUMENTS = Units("group", "groups", "document", "documents")


def corpus_units(sources: pd.DataFrame) -> Units:
    """:data:`ARTICLES` for article inputs, else :data:`DOCUMENTS` (``sources``: ``data/interim/sources.csv``).

    Examples
    --------
    >>> corpus_units(pd.DataFrame({"format": ["docshare"]})).documents
    'paragraphs'
    >>> corpus_units(pd.DataFrame({"format": ["table:csv"]})).groups
    'groups'
    >>> corpus_units(pd.DataFrame({"format": ["lines", "lines"]})).group
    'article'
    """
    formats = sources["format"].fillna("").astype(str)
    if (formats == "docshare").any() or (formats == "lines").sum() > 1:
        return ARTICLES
    return DOCUMENTS
