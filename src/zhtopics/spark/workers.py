"""The functions Spark runs in its Python workers (``mapInPandas``), over batches of rows.

They live in the package, not in the stage modules' closures, because Spark's workers
import them by module name: zhtopics must be importable there (one machine: the same
interpreter, ``PYSPARK_PYTHON``; a cluster: installed on every executor). Each worker
process builds its cleaner or segmenter once (the segmenter loads its dictionary once per
Python worker) and reuses it for every batch it is given.

The cleaning and segmenting code is the single-machine stages' own
(:class:`zhtopics.ingest.build._CorpusBuilder`, :func:`zhtopics.segment.workers.segment_texts`):
the same text gives the same tokens in both modes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pandas as pd

from zhtopics.ingest.dedup import duplicate_key
from zhtopics.ingest.normalize import TextNormalizer, trim
from zhtopics.ingest.store import EMPTY_TEXT, KEPT, MISSING_TEXT, TOO_SHORT
from zhtopics.params import CorpusParams, SegmentParams

logger = logging.getLogger(__name__)

#: One cleaner and one segmenter per worker process, keyed by their parameters.
_CACHE: dict = {}

#: What stage 1 records for each drop code (as :func:`zhtopics.ingest.tabulate.tabulate` does).
DROP_REASONS = {MISSING_TEXT: "missing text", EMPTY_TEXT: "empty text", TOO_SHORT: "shorter than corpus.min_chars={}"}

CLEAN_SCHEMA = "row long, text string, n_chars long, key string, drop int, altered_reason string, original string"
SEGMENT_SCHEMA = "row long, doc_id string, tokens array<string>, reason string, tag string, token string, count long"


def _builder(params: CorpusParams):
    from zhtopics.ingest.build import _CorpusBuilder

    key = ("builder", repr(params))
    if key not in _CACHE:
        _CACHE[key] = _CorpusBuilder(params, TextNormalizer(params.opencc))
    return _CACHE[key]


def clean_rows(batches: Iterator[pd.DataFrame], params: CorpusParams, text_column: str) -> Iterator[pd.DataFrame]:
    """Stage 1 per row: markup and social cleaning (recorded when they change a text), the
    normalised length, the duplicate key and whether the row is dropped (a code of
    :mod:`zhtopics.ingest.store`: missing, empty, too short; :data:`KEPT` otherwise).

    Input columns ``row`` and ``text_column``; output :data:`CLEAN_SCHEMA`.
    """
    builder = _builder(params)
    normalize, min_chars = builder.normalize, builder.min_chars
    for frame in batches:
        rows = {name: [] for name in ("row", "text", "n_chars", "key", "drop", "altered_reason", "original")}
        for row, value in zip(frame["row"].tolist(), frame[text_column].tolist()):
            missing = value is None or (isinstance(value, float) and value != value)
            text = "" if missing else str(value)
            cleaned, changes = builder._clean(text) if not missing else (text, [])
            normalized = normalize(cleaned)
            key = duplicate_key(normalized)
            if len(key) >= min_chars:
                drop = KEPT
            elif missing:
                drop = MISSING_TEXT
            else:
                drop = EMPTY_TEXT if not normalized else TOO_SHORT
            rows["row"].append(row)
            rows["text"].append(trim(cleaned))
            rows["n_chars"].append(len(normalized))
            rows["key"].append(key)
            rows["drop"].append(int(drop))
            reason, original = (changes[-1][0], text) if changes else (None, None)
            rows["altered_reason"].append(reason)
            rows["original"].append(original)
        yield pd.DataFrame(rows)


def _segmenter(params: SegmentParams, record: dict):
    from zhtopics.segment.segmenter import Segmenter

    key = ("segmenter", repr(params), repr(sorted(record.items())))
    if key not in _CACHE:
        _CACHE[key] = Segmenter(
            params, normalizer=TextNormalizer(record.get("opencc")), hashtags=record.get("hashtags") == "feature"
        )
    return _CACHE[key]


def segment_rows(batches: Iterator[pd.DataFrame], params: SegmentParams, record: dict) -> Iterator[pd.DataFrame]:
    """Stage 2 per row: each text's kept tokens, with the segmenter of the single-machine
    stage (built once per worker), and each batch's tally of every token by filter reason
    and tag (rows with ``row`` -1), from which stage 2's filter tables are made.

    Input columns ``row``, ``doc_id`` and ``text``; output :data:`SEGMENT_SCHEMA`.
    """
    from zhtopics.segment.workers import segment_texts

    serial = dataclasses.replace(params, processes=1)  # Spark's workers are the parallelism
    segmenter = _segmenter(serial, record)
    for frame in batches:
        token_lists, tally = segment_texts(frame["text"].tolist(), serial, segmenter, progress=False)
        n, m = len(frame), len(tally)
        yield pd.DataFrame(
            {
                "row": frame["row"].tolist() + [-1] * m,
                "doc_id": frame["doc_id"].tolist() + [None] * m,
                "tokens": token_lists + [[]] * m,
                "reason": [None] * n + [reason for reason, _, _ in tally],
                "tag": [None] * n + [tag for _, tag, _ in tally],
                "token": [None] * n + [token for _, _, token in tally],
                "count": [0] * n + list(tally.values()),
            }
        )


VOCABULARY_SCHEMA = "row long, doc_id string, tokens array<string>, n_tokens long, n_in_dictionary long"


def count_in_vocabulary(batches: Iterator[pd.DataFrame], vocabulary) -> Iterator[pd.DataFrame]:
    """Each document's tokens, their number and how many are in the Dictionary.

    ``vocabulary`` is a Spark broadcast of the Dictionary's words (a frozenset), sent once
    per executor. Input columns ``row``, ``doc_id``, ``tokens``; output :data:`VOCABULARY_SCHEMA`.
    """
    words = vocabulary.value
    for frame in batches:
        token_lists = [list(tokens) for tokens in frame["tokens"]]
        yield pd.DataFrame(
            {
                "row": frame["row"],
                "doc_id": frame["doc_id"],
                "tokens": token_lists,
                "n_tokens": [len(tokens) for tokens in token_lists],
                "n_in_dictionary": [sum(token in words for token in tokens) for tokens in token_lists],
            }
        )
