"""What every engine trains on: the Dictionary and each document's bag of words.

:class:`ModelInput` is built from token lists in memory (tests, the exploring API) or, for
a run folder, by :meth:`zhtopics.results.RunResults.model_input` over memory-mapped
arrays, with the token order streamed from ``tokens.parquet`` when a metric needs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from gensim.corpora import Dictionary

logger = logging.getLogger(__name__)


class BowCorpus:
    """A bag-of-words corpus over compact arrays, re-iterable like a gensim corpus.

    Yields each document as a list of ``(word_id, count)``; holds three numpy arrays, not
    a Python list per document, so a million documents cost tens of megabytes.

    Parameters
    ----------
    ids, counts : ndarray of int32
        Each document's word ids and their counts, one document after the other.
    offsets : ndarray of int64, length documents + 1
        Where each document starts in ``ids`` and ``counts``.

    Examples
    --------
    >>> bow = BowCorpus(np.array([0, 2, 1]), np.array([1, 3, 2]), np.array([0, 2, 2, 3]))
    >>> len(bow), bow[0], bow[1], bow.lengths().tolist()
    (3, [(0, 1), (2, 3)], [], [4, 0, 2])
    """

    def __init__(self, ids: np.ndarray, counts: np.ndarray, offsets: np.ndarray):
        # plain ndarray views (of memory maps too: slicing an np.memmap makes a memmap object
        # each time, which cost more than the slice when the engines read document after document)
        self.ids, self.counts, self.offsets = np.asarray(ids), np.asarray(counts), np.asarray(offsets)

    @classmethod
    def from_bows(cls, bows: Sequence[list[tuple[int, int]]]) -> BowCorpus:
        """From gensim-style bags of words (lists of ``(id, count)``)."""
        offsets = np.zeros(len(bows) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(b) for b in bows])
        ids = np.array([i for b in bows for i, _ in b], dtype=np.int32)
        counts = np.array([c for b in bows for _, c in b], dtype=np.int32)
        return cls(ids, counts, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> list[tuple[int, int]]:
        start, stop = self.offsets[row], self.offsets[row + 1]
        return list(zip(self.ids[start:stop].tolist(), self.counts[start:stop].tolist(), strict=True))

    def __iter__(self):
        """The documents' bags of words in order, converted to Python lists a block at a time."""
        block = 10_000
        for first in range(0, len(self), block):
            bounds = self.offsets[first : min(first + block, len(self)) + 1]
            start, stop = int(bounds[0]), int(bounds[-1])
            pairs = list(zip(self.ids[start:stop].tolist(), self.counts[start:stop].tolist(), strict=True))
            ends = (bounds - start).tolist()
            yield from map(pairs.__getitem__, map(slice, ends[:-1], ends[1:]))

    def lengths(self) -> np.ndarray:
        """Tokens per document."""
        lengths = np.zeros(len(self), dtype=np.int64)
        filled = np.flatnonzero(np.diff(self.offsets) > 0)
        if len(filled):
            lengths[filled] = np.add.reduceat(
                np.asarray(self.counts, dtype=np.int64), np.asarray(self.offsets[:-1])[filled]
            )
        return lengths


class ModelInput:
    """The Dictionary and each document's bag of words, and the tokens in text order.

    Parameters
    ----------
    dictionary : gensim Dictionary
    texts : list of list of str, optional
        Tokens of each document, in document order (a document may be empty); tokens not
        in ``dictionary`` are ignored. Give either ``texts`` or ``bow`` with ``text_rows``
        and ``text_stream``.
    doc_ids : list of str, optional
        Default: the row numbers.
    bow : BowCorpus, optional
        The documents as compact bags of words (what a run folder holds).
    text_rows : callable, optional
        ``text_rows(rows) -> list of token lists`` (in-vocabulary tokens in text order) for
        the given document rows, when ``texts`` is not held in memory.
    text_stream : callable, optional
        ``text_stream(batch_size)`` yielding every document's in-vocabulary tokens in text
        order, when ``texts`` is not held in memory.

    Examples
    --------
    >>> data = ModelInput(Dictionary([["a", "b"], ["b", "c"]]), [["a", "b", "b"], ["c", "x"]])
    >>> data.n_docs, data.n_terms, data.texts_of([1])
    (2, 3, [['c']])
    """

    def __init__(
        self,
        dictionary: Dictionary,
        texts: list[list[str]] | None = None,
        doc_ids: Sequence[str] | None = None,
        *,
        bow: BowCorpus | None = None,
        text_rows: Callable[[list[int]], list[list[str]]] | None = None,
        text_stream: Callable[[int], Iterator[list[str]]] | None = None,
    ):
        self.dictionary = dictionary
        if texts is not None:
            vocabulary = dictionary.token2id
            self._texts = [[t for t in text if t in vocabulary] for text in texts]
            bow = BowCorpus.from_bows([dictionary.doc2bow(text) for text in self._texts])
        elif bow is None or text_rows is None or text_stream is None:
            raise ValueError("ModelInput needs texts, or bow with text_rows and text_stream")
        else:
            self._texts = None
        self.bow = bow
        self.doc_ids = list(doc_ids) if doc_ids is not None else [str(i) for i in range(len(bow))]
        self._text_rows = text_rows
        self._text_stream = text_stream
        self._fingerprint: str | None = None

    @property
    def n_docs(self) -> int:
        return len(self.bow)

    @property
    def n_terms(self) -> int:
        return len(self.dictionary)

    def rows_with_tokens(self) -> np.ndarray:
        """Rows of the documents with at least one token in the Dictionary."""
        return np.flatnonzero(np.diff(self.bow.offsets) > 0)

    def texts_of(self, rows) -> list[list[str]]:
        """Tokens (in order) of the given document rows."""
        rows = list(rows)
        if self._texts is not None:
            return [self._texts[row] for row in rows]
        return self._text_rows(rows)

    def iter_texts(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        """Every document's in-vocabulary tokens in text order, streamed (from tokens.parquet
        in batches when the texts are not held in memory)."""
        if self._texts is not None:
            yield from self._texts
            return
        yield from self._text_stream(batch_size)

    def reference(self, max_docs: int | None, seed: int = 0) -> ModelInput:
        """The corpus coherence is computed on: all documents with tokens, or a fixed random
        sample of ``max_docs`` of them (the same sample every time)."""
        rows = self.rows_with_tokens()
        if max_docs and len(rows) > max_docs:
            rows = np.sort(np.random.default_rng(seed).choice(rows, size=max_docs, replace=False))
        return ModelInput(self.dictionary, self.texts_of(rows.tolist()), [self.doc_ids[r] for r in rows])

    def fingerprint(self) -> str:
        """A hash of the vocabulary, the document ids and every bag of words (computed once)."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            digest.update(json.dumps(sorted(self.dictionary.token2id.items()), ensure_ascii=False).encode())
            digest.update(json.dumps(self.doc_ids, ensure_ascii=False).encode())
            for array in (self.bow.ids, self.bow.counts, self.bow.offsets):
                digest.update(np.ascontiguousarray(array).tobytes())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint
