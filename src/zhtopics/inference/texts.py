"""New documents read, normalised and segmented exactly as a run's were.

The run's parameters come from its manifest (:attr:`zhtopics.results.RunResults.params`):
the ``corpus`` section reads the input (the same reader, cleaning, minimum length and
duplicate removal; what is removed is recorded in the output's ``data/interim/``). The
``segment`` parameters are those stage 2 recorded in ``segment_summary.json`` (the same
tagger, user dictionary, stopwords, part-of-speech filter and allow-list), and the
normaliser is the one recorded in the run's ``documents.parquet``. The lexicon files are
read where the run named them; one that changed since the run is reported.

Gensim ``Phrases`` (``segment.phrases.enabled``) is not saved by stage 2. Its collocations
that survived ``filter_extremes`` are the vocabulary's words that contain the delimiter;
:func:`join_phrases` joins two adjacent tokens when their joined form is such a word,
left to right as a frozen ``Phrases`` does. A collocation outside the vocabulary would be
out of it either way, so the known tokens match the run's.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.ingest import PreparedCorpus, TextNormalizer, prepare_corpus
from zhtopics.params import Params, resolve_path
from zhtopics.results import RunResults
from zhtopics.segment.segmenter import Segmenter
from zhtopics.segment.workers import segment_texts

logger = logging.getLogger(__name__)

#: Flags of ``zhtopics infer`` that replace the run's ``corpus`` columns ("" for none).
COLUMN_OPTIONS = ("text_column", "id_column", "group_column")


@dataclass
class NewDocuments:
    """New documents as the run would have seen them.

    Attributes
    ----------
    prepared : PreparedCorpus
        Stage 1's tables of the input (documents kept, removed, articles, sources).
    tokens : list of list of str
        Each kept document's tokens after segmentation and its filters (before the
        vocabulary: words outside it are still here).
    lexicon_changes : list of str
        The lexicon files whose content differs from the run's (recorded in its manifest).
    """

    prepared: PreparedCorpus
    tokens: list[list[str]]
    lexicon_changes: list[str]

    @property
    def documents(self) -> pd.DataFrame:
        return self.prepared.documents


def run_corpus_params(run: RunResults, columns: dict[str, str | None]) -> Params:
    """The run's parameters with the input columns of ``columns`` replaced ("" → none)."""
    params = run.params
    changes = {key: (value or None) for key, value in columns.items() if key in COLUMN_OPTIONS and value is not None}
    return params.replace(corpus=changes) if changes else params


def lexicon_changes(run: RunResults) -> list[str]:
    """Lexicon files (user dictionary, stopwords, allow-list, ...) whose SHA-256 differs from
    the one the run's manifest recorded, as ``"<key>: <path>"``."""
    changed = []
    for key, entry in run.run_manifest.get("lexicon", {}).items():
        path = resolve_path(entry["path"], run.paths.root)
        if not path.exists():
            changed.append(f"{key}: {entry['path']} (missing)")
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            changed.append(f"{key}: {entry['path']}")
    return changed


def join_phrases(tokens: list[str], vocabulary: dict[str, int], delimiter: str) -> list[str]:
    """Join adjacent tokens whose ``a<delimiter>b`` is a vocabulary word, left to right.

    >>> join_phrases(["社交", "电商", "物流"], {"社交_电商": 0}, "_")
    ['社交_电商', '物流']
    """
    joined, i = [], 0
    while i < len(tokens):
        if i + 1 < len(tokens) and f"{tokens[i]}{delimiter}{tokens[i + 1]}" in vocabulary:
            joined.append(f"{tokens[i]}{delimiter}{tokens[i + 1]}")
            i += 2
        else:
            joined.append(tokens[i])
            i += 1
    return joined


def read_new_documents(
    input_path: str | Path, run: RunResults, vocabulary: dict[str, int], columns: dict[str, str | None]
) -> NewDocuments:
    """Read and segment ``input_path`` with the run's parameters.

    Parameters
    ----------
    input_path : str or Path
        A file or folder in any format ``zhtopics run`` reads.
    run : RunResults
        The run whose model is applied.
    vocabulary : dict
        The model's word → column (for phrases).
    columns : dict
        ``text_column``, ``id_column``, ``group_column`` given on the command line (None:
        the run's; "": none).

    Raises
    ------
    InputError
        For an unreadable input or a column it lacks, naming the file and the column.
    """
    import pyarrow.parquet as pq

    params = run_corpus_params(run, columns)
    try:
        prepared = prepare_corpus(input_path, params.corpus)
    except InputError as error:
        for option in ("id_column", "group_column"):
            column = getattr(params.corpus, option)
            if column is not None and f"no column '{column}'" in error.problem and columns.get(option) is None:
                raise InputError(
                    error.path,
                    f"no column '{column}' (the run's corpus.{option}); give --{option.replace('_', '-')} COLUMN, "
                    f"or --{option.replace('_', '-')} '' for none",
                ) from None
        raise
    if prepared.documents.empty:
        raise ZhtopicsError(f"{input_path}: no document left to apply the model to (see what was removed above)")
    segment = run.segment_params()
    record = pq.read_schema(run.require(run.paths.documents, "prepare")).metadata
    segmenter = Segmenter(
        segment,
        normalizer=TextNormalizer.from_record(record),
        hashtags=TextNormalizer.read_record(record).get("hashtags") == "feature",
    )
    tokens, _ = segment_texts(prepared.documents["text"].tolist(), segment, segmenter, progress=False)
    if segment.phrases.enabled:
        tokens = [join_phrases(doc, vocabulary, segment.phrases.delimiter) for doc in tokens]
    changes = lexicon_changes(run)
    for change in changes:
        logger.warning("lexicon changed since the run: %s (the current file is used)", change)
    return NewDocuments(prepared, tokens, changes)
