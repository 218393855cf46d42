"""The corpus' vocabulary built from the segmentation workers' integer tokens, and the bags of words.

The workers send each chunk's tokens as the chunk's vocabulary (tokens in order of first
occurrence) and int32 indexes into it (:func:`zhtopics.segment.workers.segment_chunks`).
:class:`CorpusVocabulary` merges those chunk vocabularies, in chunk order, into one numbering
and counts document and collection frequencies with numpy, so that no token list is built
in Python. :meth:`CorpusVocabulary.dictionary` then gives the gensim ``Dictionary`` that
``Dictionary.add_documents`` over the same documents would have built, attribute for attribute
and in the same insertion orders (so its pickle has the same bytes), and
:meth:`CorpusVocabulary.bags_of_words` the bags of words ``Dictionary.doc2bow`` would give,
as flat arrays.

Why by hand: gensim builds its Dictionary one document at a time in Python (``doc2bow``),
which took longer than segmenting the texts; the merge below keeps gensim's numbering rule
(a word's id follows the first document it appears in, the new words of a document in
string order), so ids depend neither on the number of processes nor on the chunk size.
One difference: ``add_documents`` prunes a vocabulary above 2,000,000 words while it grows
(``prune_at``); here every word is kept until ``filter_extremes``.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import pyarrow as pa
from gensim.corpora import Dictionary

logger = logging.getLogger(__name__)


class ChunkFrequencies(NamedTuple):
    """What :meth:`CorpusVocabulary.add` needs to know of a chunk besides its tokens, per
    token of the chunk vocabulary (int64 arrays): the first document it occurs in, its
    document and collection frequencies; and the chunk's (document, token) pairs."""

    first_doc: np.ndarray
    dfs: np.ndarray
    cfs: np.ndarray
    nnz: int


def chunk_frequencies(local_ids: np.ndarray, lengths: np.ndarray, size: int) -> ChunkFrequencies:
    """:class:`ChunkFrequencies` of a chunk of ``size`` distinct tokens (``local_ids`` as in
    :meth:`CorpusVocabulary.add`; the segmentation workers count them, in parallel)."""
    doc_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    first_position = _first_positions(local_ids, size)
    pairs = _distinct(doc_of * size + local_ids)
    first_doc = np.full(size, -1, dtype=np.int64)
    first_doc[first_position >= 0] = doc_of[first_position[first_position >= 0]]
    return ChunkFrequencies(
        first_doc=first_doc,
        dfs=np.bincount(pairs % size, minlength=size).astype(np.int64) if size else np.zeros(0, dtype=np.int64),
        cfs=np.bincount(local_ids, minlength=size).astype(np.int64) if size else np.zeros(0, dtype=np.int64),
        nnz=len(pairs),
    )


class CorpusVocabulary:
    """Every token of the corpus, numbered as gensim's ``Dictionary.add_documents`` numbers them.

    Feed it the chunks in document order with :meth:`add`; each call returns the chunk's
    tokens as these ids (int32, one per token, documents one after the other).
    """

    def __init__(self) -> None:
        self.tokens: list[str] = []  # id → token
        self._ids: dict[str, int] = {}  # token → id
        self._first_seen: list[int] = []  # ids in order of first occurrence (gensim's dfs/cfs order)
        self._dfs = np.zeros(0, dtype=np.int64)
        self._cfs = np.zeros(0, dtype=np.int64)
        self.num_docs = 0
        self.num_pos = 0
        self.num_nnz = 0
        self._arrow: pa.Array | None = None  # self.tokens as Arrow strings, made when needed

    def add(
        self,
        chunk_vocabulary: list[str],
        local_ids: np.ndarray,
        lengths: np.ndarray,
        frequencies: ChunkFrequencies | None = None,
    ) -> np.ndarray:
        """Add a chunk of documents; return its tokens as corpus ids.

        Parameters
        ----------
        chunk_vocabulary : list of str
            The chunk's distinct tokens in order of first occurrence.
        local_ids : ndarray of int32
            Every token of the chunk as an index into ``chunk_vocabulary``.
        lengths : ndarray of int32
            Tokens per document.
        frequencies : ChunkFrequencies, optional
            :func:`chunk_frequencies` of the chunk, when the worker that segmented it counted
            them; counted here otherwise.

        Returns
        -------
        ndarray of int32
            ``local_ids`` as ids of the whole corpus.
        """
        if frequencies is None:
            frequencies = chunk_frequencies(local_ids, lengths, len(chunk_vocabulary))
        new = [i for i, token in enumerate(chunk_vocabulary) if token not in self._ids]
        if new:
            # gensim: a new word's id follows the first document it appears in; the new words
            # of one document are numbered in string order
            first_doc = frequencies.first_doc[new].tolist()
            for _, _, i in sorted(zip(first_doc, (chunk_vocabulary[i] for i in new), new, strict=True)):
                self._ids[chunk_vocabulary[i]] = len(self.tokens)
                self.tokens.append(chunk_vocabulary[i])
            # and its document and collection frequencies are first counted in order of
            # first occurrence, which is the chunk vocabulary's order
            self._first_seen.extend(self._ids[chunk_vocabulary[i]] for i in new)
            self._dfs = np.concatenate([self._dfs, np.zeros(len(new), dtype=np.int64)])
            self._cfs = np.concatenate([self._cfs, np.zeros(len(new), dtype=np.int64)])
        mapping = np.fromiter((self._ids[token] for token in chunk_vocabulary), np.int32, len(chunk_vocabulary))
        # the chunk's tokens are distinct: each corpus id is counted once
        self._cfs[mapping] += frequencies.cfs
        self._dfs[mapping] += frequencies.dfs
        self.num_docs += len(lengths)
        self.num_pos += len(local_ids)
        self.num_nnz += frequencies.nnz
        return mapping[local_ids] if len(local_ids) else np.zeros(0, dtype=np.int32)

    def dictionary(self) -> Dictionary:
        """The gensim Dictionary ``add_documents`` would have built from the same documents
        (same ids, frequencies, counters, and dict insertion orders)."""
        dictionary = Dictionary()
        dictionary.token2id = dict(self._ids)
        dfs, cfs = self._dfs.tolist(), self._cfs.tolist()
        dictionary.dfs = {i: dfs[i] for i in self._first_seen}
        dictionary.cfs = {i: cfs[i] for i in self._first_seen}
        dictionary.num_docs = self.num_docs
        dictionary.num_pos = self.num_pos
        dictionary.num_nnz = self.num_nnz
        return dictionary

    def final_ids(self, dictionary: Dictionary) -> np.ndarray:
        """Corpus id → id in ``dictionary`` (the filtered one), or −1 for a word it dropped."""
        final = np.full(len(self.tokens), -1, dtype=np.int64)
        for token, token_id in dictionary.token2id.items():
            final[self._ids[token]] = token_id
        return final

    def token_lists(self, ids: np.ndarray, lengths: np.ndarray) -> pa.ListArray:
        """The documents' tokens as an Arrow ``list<string>`` array (no Python lists)."""
        offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        strings = self._strings().take(pa.array(ids, pa.int32()))
        return pa.ListArray.from_arrays(pa.array(offsets), strings)

    def _strings(self) -> pa.Array:
        if self._arrow is None or len(self._arrow) != len(self.tokens):
            self._arrow = pa.array(self.tokens, pa.string())
        return self._arrow


def _distinct(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` for an int64 array: sorted, then every value unlike the one before
    (numpy 2's ``np.unique`` hashes instead, about ten times slower on these keys)."""
    keys = np.sort(keys)
    if len(keys) < 2:
        return keys
    keep = np.empty(len(keys), dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def _first_positions(local_ids: np.ndarray, size: int) -> np.ndarray:
    """Position of the first occurrence of each of the ``size`` local ids in ``local_ids``.

    The workers number a chunk's tokens in order of first occurrence, so a token occurs for the
    first time where the running maximum of the ids grows: no sort. Other numberings (or ids
    that never occur, position −1) go through ``np.unique``."""
    first_position = np.full(size, -1, dtype=np.int64)
    if len(local_ids):
        grows = np.flatnonzero(np.diff(np.maximum.accumulate(local_ids), prepend=-1))
        if len(grows) == size and np.array_equal(local_ids[grows], np.arange(size)):
            return grows.astype(np.int64)
        unique, position = np.unique(local_ids, return_index=True)
        first_position[unique] = position
    return first_position


def bags_of_words(
    ids: np.ndarray, lengths: np.ndarray, final: np.ndarray, docs_per_piece: int = 4096
) -> tuple[np.ndarray, ...]:
    """Each document's bag of words as ``Dictionary.doc2bow`` gives it, as flat arrays.

    Parameters
    ----------
    ids : ndarray of int32
        The documents' tokens as corpus ids (:meth:`CorpusVocabulary.add`).
    lengths : ndarray
        Tokens per document.
    final : ndarray of int64
        Corpus id → Dictionary id or −1 (:meth:`CorpusVocabulary.final_ids`).
    docs_per_piece : int
        Documents sorted at a time (the result does not depend on it).

    Returns
    -------
    bow_ids, bow_counts : ndarray of int32
        Per document its Dictionary ids in ascending order and their counts.
    bow_lengths : ndarray of int64
        Pairs per document.
    in_dictionary : ndarray of int64
        Tokens per document that are in the Dictionary.
    """
    n_docs = len(lengths)
    width = int(final.max()) + 1 if len(final) and final.max() >= 0 else 1
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    dtypes = (np.int32, np.int32, np.int64, np.int64)
    pieces = [tuple(np.zeros(0, dtype=dtype) for dtype in dtypes)]
    # a few thousand documents at a time: small sorts, arrays that stay in the cache
    for start in range(0, n_docs, docs_per_piece):
        stop = min(start + docs_per_piece, n_docs)
        mapped = final[ids[offsets[start] : offsets[stop]]]
        kept = mapped >= 0
        doc_of = np.repeat(np.arange(stop - start, dtype=np.int64), lengths[start:stop])[kept]
        keys = doc_of * width + mapped[kept]
        keys.sort()
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
        counts = np.diff(np.append(starts, len(keys)))
        keys = keys[starts]
        pieces.append(
            (
                (keys % width).astype(np.int32),
                counts.astype(np.int32),
                np.bincount(keys // width, minlength=stop - start).astype(np.int64),
                np.bincount(doc_of, minlength=stop - start).astype(np.int64),
            )
        )
    return tuple(np.concatenate([piece[i] for piece in pieces]) for i in range(len(dtypes)))
