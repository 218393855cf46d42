"""Segmenting many texts: :func:`segment_texts`, in worker processes for large inputs.

Inputs of at least two chunks of ``segment.chunk_size`` documents are segmented in
``segment.processes`` worker processes (0 = one per core), the chunks in input order; the
output (tokens, removal counts and their order) is the same as the serial run's. Workers
are forked and adopt the parent's Segmenter in their initializer (with ``spawn`` they
build one each); the tokens come back as a chunk vocabulary plus int32 indexes, which the
parent maps onto its interned strings.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections import Counter
from typing import TYPE_CHECKING

from tqdm import tqdm

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest import TextNormalizer
from zhtopics.params import SegmentParams
from zhtopics.segment.segmenter import Segmenter

if TYPE_CHECKING:
    import numpy as np

    from zhtopics.segment.vocabulary import ChunkFrequencies

logger = logging.getLogger(__name__)

# documents per task when segment.chunk_size is null: about 1 s of jieba, 0.1 s of rjieba
DEFAULT_CHUNK_SIZE = {"jieba": 1000, "rjieba": 5000}

# Worker processes: the initializer gives each one Segmenter (the parent's, inherited through
# fork, or built from the parameters when spawned), which then segments chunk after chunk.
_WORKER: Segmenter | None = None
_WORKER_ERROR: Exception | None = None
_FORKED: Segmenter | None = None  # the parent's Segmenter, inherited by forked workers


def _init_worker(params: SegmentParams, normalizer: TextNormalizer | None, hashtags: bool) -> None:
    global _WORKER, _WORKER_ERROR
    gc.enable()  # forked while segment_texts had it off
    try:
        # A forked worker adopts the Segmenter it inherited (its dictionary pages stay shared
        # with the parent's); a spawned one builds its own.
        _WORKER = _FORKED if _FORKED is not None else Segmenter(params, normalizer=normalizer, hashtags=hashtags)
    except Exception as error:  # raised by the tasks; a failing initializer would be retried forever
        _WORKER_ERROR = error


def _segment_chunk(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, Counter]:
    """Segment a chunk in a worker (:meth:`Segmenter.encode`). The tokens travel as the
    chunk's vocabulary and int32 indexes into it (compact, and the parent rebuilds the lists in C)."""
    if _WORKER is None:
        if isinstance(_WORKER_ERROR, ZhtopicsError):
            raise ZhtopicsError(str(_WORKER_ERROR))
        raise RuntimeError(f"segmentation worker failed to start: {_WORKER_ERROR!r}")
    return _WORKER.encode(texts)


def _segment_and_count_chunk(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, Counter, ChunkFrequencies]:
    """:func:`_segment_chunk`, plus the chunk's :func:`chunk_frequencies` (counted here, in
    parallel, rather than in the parent)."""
    return _encoded_and_counted(_segment_chunk(texts))


def _encoded_and_counted(encoded: tuple) -> tuple:
    from zhtopics.segment.vocabulary import chunk_frequencies

    vocabulary, ids, lengths, _ = encoded
    return (*encoded, chunk_frequencies(ids, lengths, len(vocabulary)))


def _processes(params: SegmentParams) -> int:
    """``segment.processes``; 0 (the default) = one per core available."""
    processes = params.processes
    if processes <= 0:
        try:
            processes = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            processes = os.cpu_count() or 1
    return processes


def _chunks(texts: list[str], params: SegmentParams) -> tuple[list[list[str]], int]:
    """The chunks of ``texts`` (in order) and the processes to segment them in."""
    chunk_size = max(1, params.chunk_size or DEFAULT_CHUNK_SIZE[params.backend])
    processes = _processes(params) if len(texts) >= 2 * chunk_size else 1
    if processes > 1:  # at least 4 tasks per process, so that none waits long for the last one
        chunk_size = min(chunk_size, -(-len(texts) // (4 * processes)))
    return [texts[start : start + chunk_size] for start in range(0, len(texts), chunk_size)], processes


def segment_chunks(texts: list[str], params: SegmentParams, segmenter: Segmenter | None = None):
    """Segment ``texts`` as :func:`segment_texts` does (same chunks and processes), yielding
    each chunk's tokens as integers instead of token lists, in order.

    Yields
    ------
    chunk_vocabulary : list of str
        The chunk's distinct tokens in order of first occurrence.
    ids : ndarray of int32
        Every kept token of the chunk, documents one after the other, as an index into
        ``chunk_vocabulary``.
    lengths : ndarray of int32
        Kept tokens per document.
    tally : Counter
        As :func:`segment_texts`' tally, for the chunk.
    frequencies : ChunkFrequencies
        :func:`~zhtopics.segment.vocabulary.chunk_frequencies` of the chunk (for
        :meth:`~zhtopics.segment.vocabulary.CorpusVocabulary.add`).
    """
    chunks, processes = _chunks(texts, params)
    if processes < 2:
        segmenter = segmenter or Segmenter(params)
        yield from (_encoded_and_counted(segmenter.encode(chunk)) for chunk in chunks)
    else:
        yield from _imap_workers(chunks, params, processes, segmenter, _segment_and_count_chunk)


def segment_texts(
    texts: list[str], params: SegmentParams, segmenter: Segmenter | None = None, progress: bool = True
) -> tuple[list[list[str]], Counter]:
    """Kept tokens of each text (in input order) and every token counted by outcome and tag.

    Inputs of at least two chunks of ``segment.chunk_size`` texts (null: 1000 for jieba,
    5000 for rjieba) are segmented in ``segment.processes`` worker processes (0 = one per
    core, 1 = serial), over chunks of at most ``chunk_size`` texts (smaller when needed to
    give each process at least four); each worker has one Segmenter for all its chunks. The result is the same as the serial
    run's. Equal tokens are one ``str`` object (interned), so the lists cost a pointer per
    token and memory grows with the vocabulary.

    Parameters
    ----------
    texts : list of str
    params : SegmentParams
        The ``segment`` parameters.
    segmenter : Segmenter, optional
        Used instead of building one (by forked workers too).
    progress : bool
        Show a progress bar over the chunks (when there are several).

    Returns
    -------
    token_lists : list of list of str
    tally : Counter
        ``(reason, tag, token)`` → occurrences, kept tokens included (reason None), in the
        order of their first occurrence (:meth:`Segmenter.segment`;
        :func:`~zhtopics.segment.segmenter.removed_by_reason` gives the removed tokens).
    """
    chunks, processes = _chunks(texts, params)
    progress = dict(
        total=len(chunks), desc="segmenting", unit="chunk", disable=True if len(chunks) < 2 or not progress else None
    )
    counts: Counter = Counter()
    token_lists: list[list[str]] = []
    collecting = gc.isenabled()
    gc.disable()  # millions of new lists (no cycles) would trigger full collections over and over
    try:
        if processes < 2:
            segmenter = segmenter or Segmenter(params)
            for chunk in tqdm(chunks, **progress):
                chunk_tokens, chunk_counts = segmenter.segment(chunk)
                token_lists.extend(chunk_tokens)
                counts.update(chunk_counts)
        else:
            _segment_in_workers(chunks, params, processes, segmenter, progress, token_lists, counts)
    finally:
        if collecting:
            gc.enable()
    return token_lists, counts


def _segment_in_workers(
    chunks: list[list[str]],
    params: SegmentParams,
    processes: int,
    segmenter: Segmenter | None,
    progress: dict,
    token_lists: list[list[str]],
    counts: Counter,
) -> None:
    """segment_texts' parallel part: chunks in order → token_lists (interned) and counts."""
    import numpy as np

    vocabulary: dict[str, str] = {}
    intern = vocabulary.setdefault
    for chunk_vocabulary, ids, lengths, chunk_counts in tqdm(
        _imap_workers(chunks, params, processes, segmenter), **progress
    ):
        # the chunk's tokens, each replaced by the one str shared by all chunks
        shared = np.empty(len(chunk_vocabulary), dtype=object)
        shared[:] = [intern(token, token) for token in chunk_vocabulary]
        flat = shared[ids].tolist() if len(ids) else []
        ends = np.cumsum(lengths).tolist()
        token_lists.extend(map(flat.__getitem__, map(slice, [0, *ends[:-1]], ends)))
        counts.update(chunk_counts)


def _imap_workers(
    chunks: list[list[str]],
    params: SegmentParams,
    processes: int,
    segmenter: Segmenter | None,
    task=_segment_chunk,
):
    """The chunks segmented in ``processes`` worker processes, in order (``task``'s results:
    :func:`_segment_chunk` or :func:`_segment_and_count_chunk`)."""
    global _FORKED
    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:  # built here (a bad parameter fails here), adopted by the forked workers
        _FORKED = segmenter or Segmenter(params)
    logger.info("segmenting %d texts: %d chunks in %d processes", sum(map(len, chunks)), len(chunks), processes)
    gc.freeze()  # the workers' garbage collections then leave the inherited objects (and pages) alone
    try:
        with multiprocessing.get_context("fork" if fork else "spawn").Pool(
            processes,
            initializer=_init_worker,
            initargs=(params, segmenter.normalizer, segmenter.hashtags) if segmenter else (params, None, False),
        ) as pool:
            yield from pool.imap(task, chunks)
    finally:
        gc.unfreeze()
        _FORKED = None
