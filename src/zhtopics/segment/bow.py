"""The bag-of-words corpus on disk: flat binary arrays, the Matrix Market file, token batches.

:func:`zhtopics.segment.stage.segment_corpus` writes the bags of words as three flat arrays
(:meth:`zhtopics.paths.OutputPaths.bow_arrays`) that :meth:`zhtopics.results.RunResults.model_input`
maps into memory and, with ``segment.write_mm``, as the Matrix Market corpus (``corpus.mm``,
gensim ``MmCorpus``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from gensim.corpora import Dictionary, MmCorpus

from zhtopics.atomic import atomic_path
from zhtopics.paths import OutputPaths

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def bow_array_writer(paths: OutputPaths) -> Iterator[Callable[[list], None]]:
    """Write the flat arrays of :meth:`zhtopics.paths.OutputPaths.bow_arrays` batch after batch.

    Yields a function that appends a batch of documents' bags of words, in document order, as
    flat arrays: ``write(ids, counts, lengths)`` (int32 Dictionary ids and counts, documents
    one after the other, and the pairs per document; :func:`flatten` turns lists of
    ``(id, count)`` into these). Each array is written under a temporary name and renamed to
    its own when the block succeeds (:func:`zhtopics.atomic.atomic_path`).
    """
    import numpy as np

    with contextlib.ExitStack() as stack:
        arrays = {name: stack.enter_context(atomic_path(path)) for name, path in paths.bow_arrays().items()}
        ids_file, counts_file, offsets_file = (
            stack.enter_context(open(arrays[name], "wb")) for name in ("ids", "counts", "offsets")
        )
        offsets_file.write(np.zeros(1, dtype=np.int64).tobytes())
        position = 0

        def write(ids, counts, lengths) -> None:
            nonlocal position
            ids_file.write(np.ascontiguousarray(ids, dtype=np.int32).tobytes())
            counts_file.write(np.ascontiguousarray(counts, dtype=np.int32).tobytes())
            offsets_file.write((position + np.cumsum(lengths, dtype=np.int64)).tobytes())
            position += int(np.sum(lengths, dtype=np.int64))

        yield write


def flatten(batch_bows: list):
    """Bags of words (lists of ``(id, count)``) as the flat arrays :func:`bow_array_writer`
    writes: ids, counts (int32) and pairs per document (int64)."""
    import numpy as np

    lengths = np.fromiter(map(len, batch_bows), dtype=np.int64, count=len(batch_bows))
    flat = np.array([pair for bow in batch_bows for pair in bow], dtype=np.int32).reshape(-1, 2)
    return flat[:, 0], flat[:, 1], lengths


def token_batches(path: Path, batch_size: int, phrases=None):
    """(doc_ids, token lists) per row group of a tokens Parquet file, phrases applied if given."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=["doc_id", "tokens"]):
        token_lists = batch.column(1).to_pylist()
        if phrases is not None:
            token_lists = [phrases[tokens] for tokens in token_lists]
        yield batch.column(0), token_lists


def serialize_mm(temporary: Path, corpus, dictionary: Dictionary, target: Path) -> None:
    """``MmCorpus.serialize`` to a temporary name; its ``.index`` is renamed to ``target``'s
    at once (the corpus file itself when the caller's ``atomic_path`` block ends)."""
    MmCorpus.serialize(str(temporary), corpus, id2word=dictionary)
    os.replace(f"{temporary}.index", f"{target}.index")
