"""Stage 2, streamed: ``documents.parquet`` → tokens, a gensim Dictionary and a bag-of-words corpus.

:func:`segment_corpus` is what ``zhtopics segment`` runs. Paragraphs are cut and filtered
into tokens (:mod:`zhtopics.segment.segmenter`, in worker processes for large batches:
:mod:`zhtopics.segment.workers`). Optional gensim ``Phrases`` then joins frequent two-word
collocations, and the Dictionary is filtered with ``filter_extremes``. Documents keep their
order; a document left with no tokens stays (an empty bag of words) and is listed in the
summary, so rows line up with ``documents.parquet``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
from gensim.corpora import Dictionary
from tqdm import tqdm

from zhtopics.atomic import atomic_path, write_csv, write_text
from zhtopics.errors import InputError
from zhtopics.ingest import TextNormalizer
from zhtopics.params import Phrases, SegmentParams, params_to_dict
from zhtopics.paths import OutputPaths
from zhtopics.segment.bow import bow_array_writer, flatten, serialize_mm, token_batches
from zhtopics.segment.segmenter import Segmenter
from zhtopics.segment.tables import token_filter_by_tag_table, token_filter_table
from zhtopics.segment.vocabulary import CorpusVocabulary, bags_of_words
from zhtopics.segment.workers import segment_chunks, segment_texts

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)

# Documents read, segmented and written per batch: bounds the memory of the stage (about
# 0.5 KB per document of ~60 characters in flight) whatever the size of the corpus.
BATCH_DOCUMENTS = 100_000
TOKENS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("tokens", pa.list_(pa.string())),
        ("n_tokens", pa.int64()),
        ("n_in_dictionary", pa.int64()),
    ]
)


def segment_corpus(paths: OutputPaths, params: SegmentParams, batch_size: int = BATCH_DOCUMENTS) -> dict:
    """Stage 2, streamed: ``documents.parquet`` → tokens, Dictionary and bag-of-words on disk.

    Steps:

    1. read the documents in batches, normalise their texts as stage 1 did (the
       normaliser recorded in ``documents.parquet``:
       :meth:`~zhtopics.ingest.TextNormalizer.from_record`; texts are stored as written;
       with ``corpus.social.hashtags: feature`` each ``#话题#`` is one token),
       segment each in worker processes for large batches (:func:`segment_chunks`); the
       workers send their tokens as integers, which :class:`CorpusVocabulary` numbers for the
       whole corpus while it counts the words' frequencies (numpy, no token list in Python);
    2. the gensim Dictionary those numbers and counts make (the one
       ``Dictionary.add_documents`` would have built), then ``filter_extremes``;
    3. one pass over the batches' integer tokens writes ``tokens.parquet`` (row groups, with
       ``n_in_dictionary``), the bags of words as flat arrays
       (:meth:`zhtopics.paths.OutputPaths.bow_arrays`, :func:`bags_of_words`) and, with
       ``segment.write_mm``, the Matrix Market corpus (gensim ``MmCorpus.serialize``).

    With ``phrases.enabled`` gensim ``Phrases`` join strings, so the tokens go through a
    temporary Parquet file and the Dictionary is built document by document
    (:func:`_segment_with_phrases`). Memory holds one batch of texts, the vocabulary and
    four bytes per kept token of the corpus (its integer tokens, until step 3).

    The outputs do not depend on ``batch_size``.

    Parameters
    ----------
    paths : OutputPaths
        The output folder: reads ``data/interim/documents.parquet`` (stage 1), writes
        ``data/processed/``.
    params : SegmentParams
        The ``segment`` section of the parameters.
    batch_size : int
        Documents per batch.

    Returns
    -------
    dict
        The summary written to ``segment_summary.json``.
    """
    import pyarrow.parquet as pq

    if not paths.documents.exists():
        raise InputError(paths.documents, "not found; run `zhtopics prepare` first")
    paths.processed.mkdir(parents=True, exist_ok=True)
    documents = pq.ParquetFile(paths.documents)
    total = documents.metadata.num_rows
    # texts are stored as written: cut as stage 1 normalised them (in the worker processes),
    # hashtags kept whole when corpus.social.hashtags said so
    metadata = documents.schema_arrow.metadata
    segmenter = Segmenter(
        params,
        normalizer=TextNormalizer.from_record(metadata),
        hashtags=TextNormalizer.read_record(metadata).get("hashtags") == "feature",
    )
    if not params.phrases.enabled:
        vocabulary, batches, tally = _segment_to_ids(documents, segmenter, params, batch_size)
        dictionary = vocabulary.dictionary()
        vocabulary_before = len(dictionary)
        _filter_extremes(dictionary, params)
        counts, empty = _write_tokens_and_bows_from_ids(vocabulary, batches, dictionary, paths, params.write_mm)
        del batches
    else:
        counts, empty, vocabulary_before, dictionary, tally = _segment_with_phrases(
            documents, segmenter, params, paths, batch_size
        )
    summary = _summary(total, counts["kept"], counts["in_dictionary"], vocabulary_before, dictionary, params, empty)
    # what the reports demonstrate; processes, chunk_size and write_mm change how fast or
    # which copies are written, not what
    recorded = params_to_dict(params, paths.root)
    summary["params"] = {
        key: value for key, value in recorded.items() if key not in ("processes", "chunk_size", "write_mm")
    }
    filter_tables = (token_filter_table(tally), token_filter_by_tag_table(tally, segmenter))
    _write_dictionary_and_summaries(dictionary, filter_tables, summary, paths)
    if not params.write_mm:  # no stale copy from an earlier run
        for stale in (paths.bow, Path(f"{paths.bow}.index")):
            stale.unlink(missing_ok=True)
    return summary


def _segment_to_ids(
    documents, segmenter: Segmenter, params: SegmentParams, batch_size: int
) -> tuple[CorpusVocabulary, list[tuple[pa.Array, np.ndarray, np.ndarray]], Counter]:
    """Steps 1 and 2 without phrases: every batch segmented (:func:`segment_chunks`) into corpus
    ids, the vocabulary and its frequencies counted on the way (:class:`CorpusVocabulary`).

    Returns the vocabulary, per batch (doc ids, token ids, tokens per document) (int32: four
    bytes per kept token of the corpus stay in memory until the bags of words are written),
    and the tally of every token by (reason, tag, token)."""
    vocabulary = CorpusVocabulary()
    batches = []
    tally: Counter = Counter()
    total = documents.metadata.num_rows
    with tqdm(total=total, desc="segmenting", unit="doc", disable=True if total < 2 * batch_size else None) as bar:
        for batch in documents.iter_batches(batch_size=batch_size, columns=["doc_id", "text"]):
            ids, lengths = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int32)]
            for chunk_vocabulary, local_ids, chunk_lengths, chunk_tally, frequencies in segment_chunks(
                batch.column(1).to_pylist(), params, segmenter
            ):
                ids.append(vocabulary.add(chunk_vocabulary, local_ids, chunk_lengths, frequencies))
                lengths.append(chunk_lengths)
                tally.update(chunk_tally)
            batches.append((batch.column(0).cast(pa.string()), np.concatenate(ids), np.concatenate(lengths)))
            bar.update(batch.num_rows)
    return vocabulary, batches, tally


def _write_tokens_and_bows_from_ids(
    vocabulary: CorpusVocabulary, batches: list, dictionary: Dictionary, paths: OutputPaths, write_mm: bool
) -> tuple[dict[str, int], list[str]]:
    """Step 4 without phrases: ``tokens.parquet``, the flat bag-of-words arrays and, with
    ``write_mm``, ``corpus.mm``, batch after batch from the token ids (:func:`bags_of_words`).

    Returns the tokens ``kept`` and ``in_dictionary`` over all documents, and the ids of the
    documents with no token in the Dictionary."""
    final = vocabulary.final_ids(dictionary)

    def step_batches():
        for doc_ids, ids, lengths in batches:
            bow_ids, bow_counts, bow_lengths, in_dictionary = bags_of_words(ids, lengths, final)
            tokens = vocabulary.token_lists(ids, lengths)
            yield doc_ids, tokens, lengths, in_dictionary, (bow_ids, bow_counts, bow_lengths)

    return _write_step4(step_batches(), dictionary, paths, write_mm)


def _write_step4(
    batches, dictionary: Dictionary, paths: OutputPaths, write_mm: bool
) -> tuple[dict[str, int], list[str]]:
    """Write step 4's files from ``batches`` of (doc_ids, token lists, tokens per document,
    tokens in the Dictionary per document, (bag-of-words ids, counts, pairs per document)):
    ``tokens.parquet``, the flat bag-of-words arrays and, with ``write_mm``, ``corpus.mm``,
    every file under a temporary name until all are complete.

    Returns the tokens ``kept`` and ``in_dictionary`` over all documents, and the ids of the
    documents with no token in the Dictionary."""
    import pyarrow.parquet as pq

    counts = {"kept": 0, "in_dictionary": 0}
    empty: list[str] = []
    with contextlib.ExitStack() as stack:
        write_arrays = stack.enter_context(bow_array_writer(paths))
        token_file = stack.enter_context(atomic_path(paths.tokens))
        writer = stack.enter_context(pq.ParquetWriter(token_file, TOKENS_SCHEMA))

        def bows():
            for doc_ids, tokens, n_tokens, in_dictionary, (bow_ids, bow_counts, bow_lengths) in batches:
                n_tokens = np.asarray(n_tokens, dtype=np.int64)
                in_dictionary = np.asarray(in_dictionary, dtype=np.int64)
                writer.write_table(
                    pa.table(
                        [doc_ids, tokens, pa.array(n_tokens, pa.int64()), pa.array(in_dictionary, pa.int64())],
                        schema=TOKENS_SCHEMA,
                    )
                )
                write_arrays(bow_ids, bow_counts, bow_lengths)
                counts["kept"] += int(n_tokens.sum())
                counts["in_dictionary"] += int(in_dictionary.sum())
                empty.extend(np.asarray(doc_ids.to_pylist(), dtype=object)[in_dictionary == 0].tolist())
                if write_mm:
                    ends = np.cumsum(bow_lengths).tolist()
                    pairs = list(zip(bow_ids.tolist(), bow_counts.tolist(), strict=True))
                    yield from map(pairs.__getitem__, map(slice, [0, *ends[:-1]], ends))

        if write_mm:
            bow_file = stack.enter_context(atomic_path(paths.bow))
            serialize_mm(bow_file, bows(), dictionary, paths.bow)
        else:
            for _ in bows():
                pass
        writer.close()
    return counts, empty


def _segment_with_phrases(documents, segmenter: Segmenter, params: SegmentParams, paths: OutputPaths, batch_size: int):
    """Steps 1-4 with ``phrases.enabled``: token lists (phrases join strings), the gensim
    Dictionary built document by document. Returns the counts, the empty documents, the
    vocabulary before ``filter_extremes``, the Dictionary and the tally."""
    dictionary = Dictionary()
    phrase_params = params.phrases
    unjoined = paths.processed / ".tokens-unfiltered.parquet"
    try:
        # 1. segment batch after batch
        tally = _segment_batches(documents, unjoined, segmenter, dictionary, params, batch_size)
        # 2. phrases: learned from a stream, applied on the fly
        phrases = None
        if phrase_params.enabled:
            phrases = _learn_phrases(
                (tokens for _, batch in token_batches(unjoined, batch_size) for tokens in batch), phrase_params
            )
            for _, token_lists in token_batches(unjoined, batch_size, phrases):
                dictionary.add_documents(token_lists)
        vocabulary_before = len(dictionary)
        # 3. filter_extremes
        _filter_extremes(dictionary, params)
        # 4. tokens.parquet, corpus.mm and the flat arrays, in one streamed pass
        counts, empty = _write_tokens_and_bows(unjoined, phrases, dictionary, paths, batch_size, params.write_mm)
    finally:
        unjoined.unlink(missing_ok=True)
    return counts, empty, vocabulary_before, dictionary, tally


def _segment_batches(
    documents, unjoined: Path, segmenter: Segmenter, dictionary: Dictionary, params: SegmentParams, batch_size: int
) -> Counter:
    """Step 1 of :func:`segment_corpus`: the documents' tokens, batch after batch, into the
    Parquet file ``unjoined`` (``doc_id``, ``tokens``) and, without phrases, into the
    Dictionary. Returns the tally of every token by (reason, tag, token)."""
    import pyarrow.parquet as pq

    total = documents.metadata.num_rows
    add_to_dictionary = not params.phrases.enabled
    tally: Counter = Counter()
    with (
        pq.ParquetWriter(unjoined, TOKENS_SCHEMA.remove(3).remove(2)) as writer,
        tqdm(total=total, desc="segmenting", unit="doc", disable=True if total < 2 * batch_size else None) as bar,
    ):
        for batch in documents.iter_batches(batch_size=batch_size, columns=["doc_id", "text"]):
            token_lists, batch_tally = segment_texts(batch.column(1).to_pylist(), params, segmenter, progress=False)
            tally.update(batch_tally)
            writer.write_table(
                pa.table(
                    [batch.column(0).cast(pa.string()), pa.array(token_lists, pa.list_(pa.string()))],
                    names=["doc_id", "tokens"],
                )
            )
            if add_to_dictionary:
                dictionary.add_documents(token_lists)
            bar.update(batch.num_rows)
    return tally


def _write_tokens_and_bows(
    unjoined: Path, phrases, dictionary: Dictionary, paths: OutputPaths, batch_size: int, write_mm: bool
) -> tuple[dict[str, int], list[str]]:
    """Step 4 of :func:`segment_corpus` from token lists: ``tokens.parquet``, the flat
    bag-of-words arrays and, with ``write_mm``, ``corpus.mm``, from one streamed pass over
    ``unjoined`` (phrases applied if given; gensim's ``doc2bow``).

    Returns the tokens ``kept`` and ``in_dictionary`` over all documents, and the ids of the
    documents with no token in the Dictionary."""

    def step_batches():
        for doc_ids, token_lists in token_batches(unjoined, batch_size, phrases):
            batch_bows = [dictionary.doc2bow(tokens) for tokens in token_lists]
            n_tokens = [len(tokens) for tokens in token_lists]
            in_dictionary = [sum(count for _, count in bow) for bow in batch_bows]
            tokens = pa.array(token_lists, pa.list_(pa.string()))
            yield doc_ids, tokens, n_tokens, in_dictionary, flatten(batch_bows)

    return _write_step4(step_batches(), dictionary, paths, write_mm)


def _learn_phrases(token_lists, params: Phrases):
    """gensim ``Phrases`` (frozen) learned from an iterable of token lists."""
    from gensim.models.phrases import Phrases

    model = Phrases(
        token_lists,
        min_count=params.min_count,
        threshold=params.threshold,
        delimiter=params.delimiter,
    ).freeze()
    logger.info("phrases: %d collocations found", len(model.phrasegrams))
    return model


def _filter_extremes(dictionary: Dictionary, params: SegmentParams) -> None:
    """``Dictionary.filter_extremes`` with ``segment.filter_extremes``; no timestamps kept."""
    fe = params.filter_extremes
    dictionary.filter_extremes(no_below=fe.no_below, no_above=fe.no_above, keep_n=fe.keep_n)
    dictionary.lifecycle_events = None  # no timestamps in the saved file: same input, same bytes


def _summary(
    documents: int,
    tokens_kept: int,
    tokens_in_dictionary: int,
    vocabulary_before: int,
    dictionary: Dictionary,
    params: SegmentParams,
    empty: list,
) -> dict:
    """``segment_summary.json``, logged as it is made."""
    if empty:
        logger.warning(
            "%d documents have no tokens left in the dictionary (kept as empty rows): %s",
            len(empty),
            ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else ""),
        )
    logger.info(
        "segmented %d documents: %d tokens kept, vocabulary %d (of %d before filter_extremes)",
        documents,
        tokens_kept,
        len(dictionary),
        vocabulary_before,
    )
    return {
        "documents": documents,
        "tokens_kept": tokens_kept,
        "tokens_in_dictionary": tokens_in_dictionary,
        "vocabulary_before_filter_extremes": vocabulary_before,
        "vocabulary": len(dictionary),
        "filter_extremes": params_to_dict(params.filter_extremes),
        "documents_without_tokens": [str(doc_id) for doc_id in empty],
    }


def _write_dictionary_and_summaries(
    dictionary: Dictionary, filter_tables: tuple[pd.DataFrame, pd.DataFrame], summary: dict, paths: OutputPaths
) -> None:
    with atomic_path(paths.dictionary) as temporary:
        dictionary.save(str(temporary))
    with atomic_path(paths.dictionary_text) as temporary:
        dictionary.save_as_text(str(temporary))
    write_csv(filter_tables[0], paths.token_filter)
    write_csv(filter_tables[1], paths.token_filter_by_tag)
    write_text(paths.segment_summary, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")


def run_segment(context: StageContext) -> list[str]:
    """Stage 2 on disk (``zhtopics segment``): :func:`segment_corpus` with the ``segment`` parameters."""
    paths = context.paths
    summary = segment_corpus(paths, context.params.segment)
    return [
        f"wrote {paths.processed}/: {summary['documents']} documents, {summary['tokens_in_dictionary']} tokens, "
        f"vocabulary {summary['vocabulary']}"
    ]
