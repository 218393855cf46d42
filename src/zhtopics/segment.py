"""Stage 2: segment paragraphs into filtered tokens, a gensim Dictionary and a bag-of-words corpus.

A tagger cuts each paragraph into words with part-of-speech tags (with the domain user
dictionary); a token is kept when it passes, in this order, the filters below, and every
token removed is counted by reason (``data/processed/token_filter.csv``):

1. ``punctuation`` — no letter or digit in it (jieba tag ``x`` included);
2. ``number`` — digits, or a number word (jieba tag ``m``, e.g. 一个, 5.0);
3. ``latin`` — only Latin letters, unless in the allow-list (then upper-cased);
4. ``stopword`` — in the stopwords-iso Chinese list or the domain list;
5. ``pos`` — its part-of-speech tag is not in ``segment.allowed_pos``;
6. ``short`` — fewer than ``segment.min_token_chars`` characters.

Tokens in the allow-list skip rules 3, 5 and 6. Optional gensim ``Phrases`` then joins
frequent two-word collocations, and the Dictionary is filtered with
``filter_extremes``. Documents keep their order; a document left with no tokens stays
(an empty bag of words) and is listed in the summary, so rows line up with
``documents.parquet``.

Backends (``segment.backend``)
------------------------------
``jieba``
    ``jieba.posseg.POSTokenizer``, pure Python: the reference, and the behaviour before
    the key existed (the default when ``params`` has no ``backend``).
``rjieba``
    ``rjieba.Jieba`` (a binding of jieba-rs 0.11, Rust, with the same ``dict.txt``):
    about 100 times faster on real text. The user dictionary is loaded entry by entry with
    ``add_word(word, freq, tag)``; an entry without a frequency gets
    ``suggest_freq(word)``, jieba's own rule for the smallest frequency that keeps the
    word whole (jieba's formula; float rounding can make it differ by 1 from jieba's).

What rjieba does differently, and what this module does about it (measured by
``benchmarks/segmentation_agreement.py``: on the seed corpus 99.3% boundary F1, 99.3% of
the identically cut words with the same tag, 98.7% kept-token F1):

* Tags. The same tag set: ``dict.txt``'s ICTCLAS-style tags (``n``, ``vn``, ``nr``,
  ``nrt``, ``zg``, ``i``, ``l``...) for dictionary words, ``x`` for punctuation and
  whitespace, ``m`` for numbers, ``eng`` for Latin. A word of the dictionary gets its
  ``dict.txt`` tag in both, except that:

  - rjieba's ``add_word`` does not replace the tag of a word already in ``dict.txt`` (阿里
    stays ``nrt`` where jieba uses the user dictionary's ``nz``): the user dictionary's
    tags are applied over rjieba's here;
  - a user-dictionary word without a tag (not in ``dict.txt``) is ``x`` in jieba and
    ``""`` in rjieba: mapped to ``x`` (so both backends remove it as ``punctuation``:
    give user-dictionary entries a tag);
  - a lone Latin letter not in the dictionary (``A:``, ``B:`` list markers) is ``x`` in
    jieba.posseg and ``eng`` in rjieba: mapped to ``x``. A lone digit stays ``m``
    (jieba.posseg says ``m`` or ``x`` depending on its neighbours).

* Words not in the dictionary. jieba.posseg cuts a stretch of them with its
  part-of-speech HMM, which often leaves single characters (抖/音, 带/货) and tags by
  context; rjieba cuts them as ``jieba.lcut`` does (the B/M/E/S HMM: 抖音, 带货) and tags a
  new word with the posseg HMM run on that word alone. So such stretches are cut
  differently (各/大 vs 各大, 做/过 vs 做过), and single characters that jieba.posseg's HMM
  tagged in context keep their ``dict.txt`` tag in rjieba (很 ``d`` vs ``zg``, 个 ``m`` vs
  ``q``): the main source of disagreement, not mapped (rjieba's cuts are the better
  tokens).
* Latin letters, digits and symbols. rjieba keeps ``%`` and ``-`` inside a run, and runs
  joined by ``. _ -`` whole (``99%``, ``3.5%``, ``3D``, ``base_url``, ``127.0.0.1``); jieba
  splits them (``99`` ``m`` + ``%`` ``x``, ``3`` ``m`` + ``D`` ``eng``), and jieba.posseg
  tags ``1.`` and ``......`` ``m`` where rjieba has ``1`` + ``.`` and ``......`` ``x``.
  Both remove all of these (``number``, ``latin`` or ``punctuation``; the reason or the
  removed string can differ), unless allow-listed.

``benchmarks/segmentation_agreement.py`` measures the agreement and the speed of both.

Speed and memory
----------------
The filters' verdict depends only on the word and its tag, so it is computed once per
distinct (word, tag) and remembered, and the kept token is one ``str`` object per distinct
token (interned): token lists cost a pointer per occurrence and memory grows with the
vocabulary, not with the corpus. rjieba's tag of a word does not depend on its context,
so the rjieba backend cuts with ``Jieba.cut`` (faster than ``tag``, which builds a tag
string per word) and tags a paragraph only when it has a word not seen before.

Inputs of at least two chunks of ``segment.chunk_size`` documents are segmented in
``segment.processes`` worker processes (0 = one per core), the chunks in input order; the
output (tokens, removal counts and their order) is the same as the serial run's. Workers
are forked and adopt the parent's Segmenter in their initializer (with ``spawn`` they
build one each); the tokens come back as a chunk vocabulary plus int32 indexes, which the
parent maps onto its interned strings.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing
import os
import re
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
from gensim.corpora import Dictionary, MmCorpus
from tqdm import tqdm

from zhtopics.atomic import atomic_path, write_csv, write_text
from zhtopics.config import InputError, OutputPaths, ZhtopicsError, resolve
from zhtopics.ingest import TextNormalizer

logger = logging.getLogger(__name__)

_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # not encodable as UTF-8: rjieba (Rust) needs valid text
_NUMBER = re.compile(r"^\d|^[零〇一二两三四五六七八九十百千万亿几]+$")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9.\-_]*$")
# jieba's own user-dictionary line format: word [freq] [tag]
_USERDICT_ENTRY = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")
FILTER_REASONS = ("punctuation", "number", "latin", "stopword", "pos", "short")
BACKENDS = ("jieba", "rjieba")
DEFAULT_BACKEND = "jieba"  # when params has no segment.backend: the behaviour before the key existed
# documents per task when segment.chunk_size is null: about 1 s of jieba, 0.1 s of rjieba
DEFAULT_CHUNK_SIZE = {"jieba": 1000, "rjieba": 5000}


def read_word_list(path: str | Path) -> list[str]:
    """Read a word list: one entry per line, ``#`` comments and blank lines ignored."""
    path = resolve(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(path, "word list not found") from None
    except UnicodeDecodeError:
        raise InputError(path, "word list is not UTF-8") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def parse_userdict_entry(entry: str) -> tuple[str, int | None, str | None]:
    """``word [freq] [tag]`` → (word, freq or None, tag or None), as jieba reads it."""
    word, freq, tag = _USERDICT_ENTRY.match(entry.strip()).groups()
    return word, int(freq) if freq is not None else None, tag.strip() if tag is not None else None


def load_stopwords(params: dict) -> set[str]:
    """The stopwords-iso list for ``segment.stopwords_iso`` plus ``segment.stopwords_file``."""
    import stopwordsiso

    normalize = TextNormalizer()
    words: set[str] = set()
    if params.get("stopwords_iso"):
        if not stopwordsiso.has_lang(params["stopwords_iso"]):
            raise InputError(
                "params.yaml", f"segment.stopwords_iso: no stopwords-iso list for '{params['stopwords_iso']}'"
            )
        words |= set(stopwordsiso.stopwords(params["stopwords_iso"]))
    if params.get("stopwords_file"):
        words |= set(read_word_list(params["stopwords_file"]))
    return {normalize(word) for word in words if normalize(word)}


class Segmenter:
    """Cut and filter Chinese text with jieba or rjieba, following the ``segment`` parameters.

    Parameters
    ----------
    params : dict
        The ``segment`` section of ``params.yaml``.
    backend : str, optional
        ``"jieba"`` or ``"rjieba"``; default ``params["backend"]``, else ``"jieba"``.

    Examples
    --------
    >>> segmenter = Segmenter(load_params()["segment"])   # doctest: +SKIP
    >>> segmenter.tokens("微信电商为什么走不通")           # doctest: +SKIP
    ['微信电商', '走不通']
    """

    def __init__(self, params: dict, backend: str | None = None):
        self.params = params
        self.backend = backend or params.get("backend") or DEFAULT_BACKEND
        if self.backend not in BACKENDS:
            raise ZhtopicsError(f"segment.backend: unknown backend '{self.backend}' (known: {', '.join(BACKENDS)})")
        entries = read_word_list(params["userdict"]) if params.get("userdict") else []
        self.userdict_words: list[str] = [entry.split()[0] for entry in entries]
        # user-dictionary tags applied over rjieba's (jieba does it itself)
        self.userdict_tags: dict[str, str] = {}
        self.userdict_freqs: dict[str, int] = {}  # rjieba: the frequency each entry was given
        if self.backend == "jieba":
            self._init_jieba(entries)
        else:
            self._init_rjieba(entries)
        self.stopwords = load_stopwords(params)
        self.allowed_pos = set(params.get("allowed_pos") or [])
        self.min_chars = int(params.get("min_token_chars", 1))
        allow = read_word_list(params["allowlist"]) if params.get("allowlist") else []
        self.allowlist = {word.upper() if word.isascii() else word for word in allow}
        # cut word (rjieba) or (word, tag) (jieba) → (reason, token); reason None = kept
        self._results: dict = {}
        # token → the one str object shared by all its occurrences
        self._vocabulary: dict[str, str] = {}

    def _init_jieba(self, entries: list[str]) -> None:
        import io

        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        if entries:
            # jieba's own loader wants a file without comments; feed it the entries.
            self.tokenizer.load_userdict(io.StringIO("\n".join(entries)))
        self.pos_tokenizer = jieba.posseg.POSTokenizer(self.tokenizer)

    def _init_rjieba(self, entries: list[str]) -> None:
        import rjieba

        self.tokenizer = rjieba.Jieba()
        self.pos_tokenizer = None
        for entry in entries:
            word, freq, tag = parse_userdict_entry(entry)
            if freq is None:  # jieba's rule: the smallest frequency that keeps the word whole
                freq = self.tokenizer.suggest_freq(word)
            self.tokenizer.add_word(word, freq, tag)
            self.userdict_freqs[word] = freq
            if tag:
                self.userdict_tags[word] = tag

    def classify(self, word: str, flag: str) -> tuple[str | None, str]:
        """Return ``(reason, token)``: reason is None when the token is kept."""
        word = word.strip()
        if not word or flag == "x" or not _HAS_WORD_CHAR.search(word):
            return "punctuation", word
        if word.isascii() and word.upper() in self.allowlist:
            word = word.upper()
        allowed = word in self.allowlist
        if flag == "m" or _NUMBER.match(word):
            return ("number", word) if not allowed else (None, word)
        if _LATIN.match(word) and not allowed:
            return "latin", word
        if word in self.stopwords or word.lower() in self.stopwords:
            return "stopword", word
        if allowed:
            return None, word
        if self.allowed_pos and flag not in self.allowed_pos:
            return "pos", word
        if len(word) < self.min_chars:
            return "short", word
        return None, word

    def _rjieba_flag(self, word: str, tag: str) -> str:
        """rjieba's tag mapped to jieba.posseg's: the user dictionary's tag; ``x`` for no tag
        and for a lone Latin letter not in the dictionary (see the module docstring)."""
        tag = self.userdict_tags.get(word, tag)
        if not tag or (tag == "eng" and len(word) == 1 and not self.tokenizer.has_word(word)):
            return "x"
        return tag

    def cut(self, text: str) -> list[tuple[str, str]]:
        """Words with their part-of-speech tags (jieba.posseg's tag set for both backends)."""
        if self.backend == "jieba":
            return [(pair.word, pair.flag) for pair in self.pos_tokenizer.cut(text)]
        return [
            (word, self._rjieba_flag(word, tag))
            for word, tag in self.tokenizer.tag(_LONE_SURROGATE.sub("\ufffd", text), True)
        ]

    def _remember(self, key, word: str, flag: str) -> tuple[str | None, str]:
        reason, token = self.classify(word, flag)
        token = self._vocabulary.setdefault(token, token)
        result = self._results[key] = (reason, token)
        return result

    def _classified(self, text: str) -> list[tuple[str | None, str]]:
        """``(reason, token)`` for every word of ``text``, the token objects shared."""
        results = self._results
        if self.backend == "rjieba":
            try:
                words = self.tokenizer.cut(text, True)
            except UnicodeEncodeError:  # a lone surrogate (stage 1 replaces them; other callers may not)
                text = _LONE_SURROGATE.sub("\ufffd", text)
                words = self.tokenizer.cut(text, True)
            try:
                return [results[word] for word in words]
            except KeyError:  # a word not seen before: tag the paragraph (the same cut)
                classified = []
                for word, tag in self.tokenizer.tag(text, True):
                    result = results.get(word)
                    if result is None:
                        result = self._remember(word, word, self._rjieba_flag(word, tag))
                    classified.append(result)
                return classified
        classified = []
        for pair in self.pos_tokenizer.cut(text):
            key = (pair.word, pair.flag)
            result = results.get(key)
            if result is None:
                result = self._remember(key, pair.word, pair.flag)
            classified.append(result)
        return classified

    def tokens(self, text: str, removed: dict[str, Counter] | None = None) -> list[str]:
        """The kept tokens of ``text``; removed tokens are counted into ``removed`` by reason."""
        classified = self._classified(text)
        if removed is not None:
            for reason, token in classified:
                if reason is not None and token:
                    removed[reason][token] += 1
        return [token for reason, token in classified if reason is None]

    def segment(self, texts) -> tuple[list[list[str]], Counter]:
        """Kept tokens of each text, and how often each ``(reason, token)`` was removed.

        The counter lists the removed tokens in the order of their first occurrence.
        """
        counts: Counter = Counter()
        token_lists = []
        for text in texts:
            classified = self._classified(text)
            counts.update([result for result in classified if result[0] is not None])
            token_lists.append([token for reason, token in classified if reason is None])
        removed = Counter({key: n for key, n in counts.items() if key[1]})  # not whitespace
        return token_lists, removed


# Worker processes: the initializer gives each one Segmenter (the parent's, inherited through
# fork, or built from the parameters when spawned), which then segments chunk after chunk.
_WORKER: Segmenter | None = None
_WORKER_ERROR: Exception | None = None
_FORKED: Segmenter | None = None  # the parent's Segmenter, inherited by forked workers


def _init_worker(params: dict) -> None:
    global _WORKER, _WORKER_ERROR
    gc.enable()  # forked while segment_texts had it off
    try:
        # A forked worker adopts the Segmenter it inherited (its dictionary pages stay shared
        # with the parent's); a spawned one builds its own.
        _WORKER = _FORKED if _FORKED is not None else Segmenter(params)
    except Exception as error:  # raised by the tasks; a failing initializer would be retried forever
        _WORKER_ERROR = error


def _segment_chunk(texts: list[str]) -> tuple[list[str], array, array, Counter]:
    """Segment a chunk in a worker. The tokens travel as the chunk's vocabulary and int32
    indexes into it (compact, and the parent rebuilds the lists in C)."""
    if _WORKER is None:
        if isinstance(_WORKER_ERROR, ZhtopicsError):
            raise ZhtopicsError(str(_WORKER_ERROR))
        raise RuntimeError(f"segmentation worker failed to start: {_WORKER_ERROR!r}")
    token_lists, removed = _WORKER.segment(texts)
    index: dict[str, int] = {}
    ids = array("i", [index.setdefault(token, len(index)) for tokens in token_lists for token in tokens])
    return list(index), ids, array("i", map(len, token_lists)), removed


def _processes(params: dict) -> int:
    """``segment.processes``; 0 (the default) = one per core available."""
    processes = int(params.get("processes") or 0)
    if processes <= 0:
        try:
            processes = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            processes = os.cpu_count() or 1
    return processes


def segment_texts(
    texts: list[str], params: dict, segmenter: Segmenter | None = None, progress: bool = True
) -> tuple[list[list[str]], dict[str, Counter]]:
    """Kept tokens of each text (in input order) and the removed tokens counted by reason.

    Inputs of at least two chunks of ``segment.chunk_size`` texts (null: 1000 for jieba,
    5000 for rjieba) are segmented in ``segment.processes`` worker processes (0 = one per
    core, 1 = serial), over chunks of at most ``chunk_size`` texts (smaller when needed to
    give each process at least four); each worker has one Segmenter for all its chunks. The result is the same as the serial
    run's. Equal tokens are one ``str`` object (interned), so the lists cost a pointer per
    token and memory grows with the vocabulary.

    Parameters
    ----------
    texts : list of str
    params : dict
        The ``segment`` section of the parameters.
    segmenter : Segmenter, optional
        Used instead of building one (by forked workers too).
    progress : bool
        Show a progress bar over the chunks (when there are several).

    Returns
    -------
    token_lists : list of list of str
    removed : dict
        reason → Counter of the removed tokens, in the order of their first occurrence.
    """
    backend = params.get("backend") or DEFAULT_BACKEND
    chunk_size = max(1, int(params.get("chunk_size") or DEFAULT_CHUNK_SIZE.get(backend, 1000)))
    processes = _processes(params) if len(texts) >= 2 * chunk_size else 1
    if processes > 1:  # at least 4 tasks per process, so that none waits long for the last one
        chunk_size = min(chunk_size, -(-len(texts) // (4 * processes)))
    chunks = [texts[start : start + chunk_size] for start in range(0, len(texts), chunk_size)]
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
    removed: dict[str, Counter] = defaultdict(Counter)
    for (reason, token), n in counts.items():
        removed[reason][token] = n
    return token_lists, removed


def _segment_in_workers(
    chunks: list[list[str]],
    params: dict,
    processes: int,
    segmenter: Segmenter | None,
    progress: dict,
    token_lists: list[list[str]],
    counts: Counter,
) -> None:
    """segment_texts' parallel part: chunks in order → token_lists (interned) and counts."""
    import numpy as np

    global _FORKED
    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:  # built here (a bad parameter fails here), adopted by the forked workers
        _FORKED = segmenter or Segmenter(params)
    elif (params.get("backend") or DEFAULT_BACKEND) not in BACKENDS:
        Segmenter(params)  # the error message, here rather than in every spawned worker
    vocabulary: dict[str, str] = {}
    intern = vocabulary.setdefault
    logger.info("segmenting %d texts: %d chunks in %d processes", sum(map(len, chunks)), len(chunks), processes)
    gc.freeze()  # the workers' garbage collections then leave the inherited objects (and pages) alone
    try:
        with multiprocessing.get_context("fork" if fork else "spawn").Pool(
            processes, initializer=_init_worker, initargs=(params,)
        ) as pool:
            for chunk_vocabulary, ids, lengths, chunk_counts in tqdm(pool.imap(_segment_chunk, chunks), **progress):
                # the chunk's tokens, each replaced by the one str shared by all chunks
                shared = np.empty(len(chunk_vocabulary), dtype=object)
                shared[:] = [intern(token, token) for token in chunk_vocabulary]
                flat = shared[np.frombuffer(ids, dtype=np.int32)].tolist() if len(ids) else []
                ends = np.cumsum(np.frombuffer(lengths, dtype=np.int32)).tolist()
                token_lists.extend(map(flat.__getitem__, map(slice, [0, *ends[:-1]], ends)))
                counts.update(chunk_counts)
    finally:
        gc.unfreeze()
        _FORKED = None


@dataclass
class SegmentedCorpus:
    """Stage-2 outputs in memory."""

    tokens: pd.DataFrame  # doc_id, tokens, n_tokens, n_in_dictionary
    dictionary: Dictionary
    token_filter: pd.DataFrame  # reason, tokens_removed, distinct_tokens, examples
    summary: dict

    def bow(self):
        """The bag-of-words corpus, one list of (id, count) per document, in document order."""
        return (self.dictionary.doc2bow(tokens) for tokens in self.tokens["tokens"])


def apply_phrases(token_lists: list[list[str]], params: dict) -> list[list[str]]:
    """Join frequent two-word collocations with gensim ``Phrases`` (if enabled)."""
    if not params.get("enabled"):
        return token_lists
    model = _learn_phrases(token_lists, params)
    return [model[tokens] for tokens in token_lists]


def segment_documents(documents: pd.DataFrame, params: dict) -> SegmentedCorpus:
    """Segment the ``text`` column of a documents table and build the Dictionary, in memory.

    The reference for :func:`segment_corpus` (which streams the same computation through
    disk and is what ``zhtopics segment`` runs): both give the same tokens, Dictionary,
    bag-of-words corpus and summaries.

    Parameters
    ----------
    documents : DataFrame
        Stage-1 output with ``doc_id`` and ``text``.
    params : dict
        The ``segment`` section of the parameters.

    Returns
    -------
    SegmentedCorpus
    """
    token_lists, removed = segment_texts(documents["text"].tolist(), params)
    token_lists = apply_phrases(token_lists, params.get("phrases", {}))
    dictionary = Dictionary(token_lists)
    vocabulary_before = len(dictionary)
    _filter_extremes(dictionary, params)
    in_dictionary = [sum(count for _, count in dictionary.doc2bow(tokens)) for tokens in token_lists]
    tokens = pd.DataFrame(
        {
            "doc_id": documents["doc_id"].to_numpy(),
            "tokens": token_lists,
            "n_tokens": [len(t) for t in token_lists],
            "n_in_dictionary": in_dictionary,
        }
    )
    empty = tokens.loc[tokens["n_in_dictionary"] == 0, "doc_id"].tolist()
    summary = _summary(
        len(tokens),
        int(tokens["n_tokens"].sum()),
        int(sum(in_dictionary)),
        vocabulary_before,
        dictionary,
        params,
        empty,
    )
    return SegmentedCorpus(
        tokens=tokens, dictionary=dictionary, token_filter=token_filter_table(removed), summary=summary
    )


def _filter_extremes(dictionary: Dictionary, params: dict) -> None:
    """``Dictionary.filter_extremes`` with ``segment.filter_extremes``; no timestamps kept."""
    fe = params.get("filter_extremes", {})
    dictionary.filter_extremes(
        no_below=fe.get("no_below", 5), no_above=fe.get("no_above", 0.5), keep_n=fe.get("keep_n", 100000)
    )
    dictionary.lifecycle_events = None  # no timestamps in the saved file: same input, same bytes


def token_filter_table(removed: dict[str, Counter]) -> pd.DataFrame:
    """``token_filter.csv``: per filter reason, tokens removed, distinct tokens and the 20 most frequent."""
    rows = []
    for reason in FILTER_REASONS:
        counter = removed.get(reason, Counter())
        rows.append(
            {
                "reason": reason,
                "tokens_removed": sum(counter.values()),
                "distinct_tokens": len(counter),
                "examples": " ".join(word for word, _ in counter.most_common(20)),
            }
        )
    return pd.DataFrame(rows)


def _summary(
    documents: int,
    tokens_kept: int,
    tokens_in_dictionary: int,
    vocabulary_before: int,
    dictionary: Dictionary,
    params: dict,
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
        "filter_extremes": params.get("filter_extremes", {}),
        "documents_without_tokens": [str(doc_id) for doc_id in empty],
    }


# --- The streamed stage: what ``zhtopics segment`` runs ----------------------------------

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


def bow_array_paths(paths: OutputPaths) -> dict[str, Path]:
    """The bag-of-words corpus as three flat binary arrays (compressed sparse rows, native
    byte order), read by :meth:`zhtopics.engines.ModelInput.load` as memory maps: ``ids``
    (int32 Dictionary ids) and ``counts`` (int32) of each document's words one after the
    other, ``offsets`` (int64, documents + 1) where each document starts."""
    return {
        name: paths.processed / f"bow_{name}.{dtype}"
        for name, dtype in (("ids", "int32"), ("counts", "int32"), ("offsets", "int64"))
    }


def _token_batches(path: Path, batch_size: int, phrases=None):
    """(doc_ids, token lists) per row group of a tokens Parquet file, phrases applied if given."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=["doc_id", "tokens"]):
        token_lists = batch.column(1).to_pylist()
        if phrases is not None:
            token_lists = [phrases[tokens] for tokens in token_lists]
        yield batch.column(0), token_lists


def segment_corpus(paths: OutputPaths, params: dict, batch_size: int = BATCH_DOCUMENTS) -> dict:
    """Stage 2, streamed: ``documents.parquet`` → tokens, Dictionary and bag-of-words on disk.

    Holds one batch of ``batch_size`` documents at a time (plus the Dictionary, which grows
    with the vocabulary), so memory does not grow with the corpus:

    1. read the documents in batches, segment each (:func:`segment_texts`, in worker
       processes for large batches), write the tokens as a Parquet row group of a temporary
       file and add them to the Dictionary (``Dictionary.add_documents``);
    2. with ``phrases.enabled``, learn gensim ``Phrases`` from a stream of that file, then
       build the Dictionary over the joined tokens in a second pass;
    3. ``filter_extremes``;
    4. one more pass writes ``tokens.parquet`` (row groups, with ``n_in_dictionary``), the
       Matrix Market corpus (gensim ``MmCorpus.serialize`` from a stream) and the same
       bags of words as flat arrays (:func:`bow_array_paths`).

    The outputs equal those of :func:`segment_documents` + :func:`write_segmented`.

    Returns
    -------
    dict
        The summary written to ``segment_summary.json``.
    """
    import numpy as np
    import pyarrow.parquet as pq

    if not paths.documents.exists():
        raise InputError(paths.documents, "not found; run `zhtopics prepare` first")
    paths.processed.mkdir(parents=True, exist_ok=True)
    documents = pq.ParquetFile(paths.documents)
    total = documents.metadata.num_rows
    segmenter = Segmenter(params)
    removed: dict[str, Counter] = defaultdict(Counter)
    dictionary = Dictionary()
    phrase_params = params.get("phrases", {})
    unjoined = paths.processed / ".tokens-unfiltered.parquet"
    try:
        # 1. segment batch after batch
        with (
            pq.ParquetWriter(unjoined, TOKENS_SCHEMA.remove(3).remove(2)) as writer,
            tqdm(total=total, desc="segmenting", unit="doc", disable=True if total < 2 * batch_size else None) as bar,
        ):
            for batch in documents.iter_batches(batch_size=batch_size, columns=["doc_id", "text"]):
                token_lists, batch_removed = segment_texts(
                    batch.column(1).to_pylist(), params, segmenter, progress=False
                )
                for reason, counter in batch_removed.items():
                    removed[reason].update(counter)
                writer.write_table(
                    pa.table(
                        [batch.column(0).cast(pa.string()), pa.array(token_lists, pa.list_(pa.string()))],
                        names=["doc_id", "tokens"],
                    )
                )
                if not phrase_params.get("enabled"):
                    dictionary.add_documents(token_lists)
                bar.update(batch.num_rows)
        # 2. phrases: learned from a stream, applied on the fly
        phrases = None
        if phrase_params.get("enabled"):
            phrases = _learn_phrases(
                (tokens for _, batch in _token_batches(unjoined, batch_size) for tokens in batch), phrase_params
            )
            for _, token_lists in _token_batches(unjoined, batch_size, phrases):
                dictionary.add_documents(token_lists)
        vocabulary_before = len(dictionary)
        # 3. filter_extremes
        _filter_extremes(dictionary, params)
        # 4. tokens.parquet, corpus.mm and the flat arrays, in one streamed pass
        counts = {"kept": 0, "in_dictionary": 0}
        empty: list[str] = []
        with contextlib.ExitStack() as stack:  # every file under a temporary name until all are complete
            arrays = {name: stack.enter_context(atomic_path(path)) for name, path in bow_array_paths(paths).items()}
            token_file = stack.enter_context(atomic_path(paths.tokens))
            bow_file = stack.enter_context(atomic_path(paths.bow))
            writer = stack.enter_context(pq.ParquetWriter(token_file, TOKENS_SCHEMA))
            ids_file, counts_file, offsets_file = (
                stack.enter_context(open(arrays[name], "wb")) for name in ("ids", "counts", "offsets")
            )
            offsets_file.write(np.zeros(1, dtype=np.int64).tobytes())
            position = [0]

            def bows():
                for doc_ids, token_lists in _token_batches(unjoined, batch_size, phrases):
                    batch_bows = [dictionary.doc2bow(tokens) for tokens in token_lists]
                    n_tokens = [len(tokens) for tokens in token_lists]
                    in_dictionary = [sum(count for _, count in bow) for bow in batch_bows]
                    writer.write_table(
                        pa.table(
                            [
                                doc_ids,
                                pa.array(token_lists, pa.list_(pa.string())),
                                pa.array(n_tokens, pa.int64()),
                                pa.array(in_dictionary, pa.int64()),
                            ],
                            schema=TOKENS_SCHEMA,
                        )
                    )
                    lengths = np.fromiter(map(len, batch_bows), dtype=np.int64, count=len(batch_bows))
                    flat = np.array([pair for bow in batch_bows for pair in bow], dtype=np.int32).reshape(-1, 2)
                    ids_file.write(np.ascontiguousarray(flat[:, 0]).tobytes())
                    counts_file.write(np.ascontiguousarray(flat[:, 1]).tobytes())
                    offsets_file.write((position[0] + np.cumsum(lengths)).tobytes())
                    position[0] += int(lengths.sum())
                    counts["kept"] += sum(n_tokens)
                    counts["in_dictionary"] += sum(in_dictionary)
                    empty.extend(doc_id for doc_id, n in zip(doc_ids.to_pylist(), in_dictionary) if n == 0)
                    yield from batch_bows

            _serialize_mm(bow_file, bows(), dictionary, paths.bow)
            writer.close()
            for file in (ids_file, counts_file, offsets_file):
                file.close()
    finally:
        unjoined.unlink(missing_ok=True)
    summary = _summary(total, counts["kept"], counts["in_dictionary"], vocabulary_before, dictionary, params, empty)
    _write_dictionary_and_summaries(dictionary, token_filter_table(removed), summary, paths)
    return summary


def _serialize_mm(temporary: Path, corpus, dictionary: Dictionary, target: Path) -> None:
    """``MmCorpus.serialize`` to a temporary name; its ``.index`` is renamed to ``target``'s
    at once (the corpus file itself when the caller's ``atomic_path`` block ends)."""
    MmCorpus.serialize(str(temporary), corpus, id2word=dictionary)
    os.replace(f"{temporary}.index", f"{target}.index")


def _learn_phrases(token_lists, params: dict):
    """gensim ``Phrases`` (frozen) learned from an iterable of token lists."""
    from gensim.models.phrases import Phrases

    model = Phrases(
        token_lists,
        min_count=params.get("min_count", 5),
        threshold=params.get("threshold", 10.0),
        delimiter=params.get("delimiter", "_"),
    ).freeze()
    logger.info("phrases: %d collocations found", len(model.phrasegrams))
    return model


def _write_dictionary_and_summaries(
    dictionary: Dictionary, token_filter: pd.DataFrame, summary: dict, paths: OutputPaths
) -> None:
    with atomic_path(paths.dictionary) as temporary:
        dictionary.save(str(temporary))
    with atomic_path(paths.dictionary_text) as temporary:
        dictionary.save_as_text(str(temporary))
    write_csv(token_filter, paths.processed / "token_filter.csv")
    write_text(paths.segment_summary, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")


def write_segmented(segmented: SegmentedCorpus, paths: OutputPaths) -> None:
    """Write :func:`segment_documents`' outputs as :func:`segment_corpus` does: tokens,
    Dictionary (binary and text), the Matrix Market corpus, the flat bag-of-words arrays and
    the summaries."""
    import numpy as np
    import pyarrow.parquet as pq

    paths.processed.mkdir(parents=True, exist_ok=True)
    with atomic_path(paths.tokens) as temporary:
        table = pa.Table.from_pandas(
            segmented.tokens.astype({"doc_id": str}), schema=TOKENS_SCHEMA, preserve_index=False
        )
        pq.write_table(table, temporary)
    bows = list(segmented.bow())
    with atomic_path(paths.bow) as temporary:
        _serialize_mm(temporary, bows, segmented.dictionary, paths.bow)
    flat = np.array([pair for bow in bows for pair in bow], dtype=np.int32).reshape(-1, 2)
    offsets = np.concatenate([[0], np.cumsum([len(bow) for bow in bows], dtype=np.int64)])
    arrays = {"ids": np.ascontiguousarray(flat[:, 0]), "counts": np.ascontiguousarray(flat[:, 1]), "offsets": offsets}
    for name, path in bow_array_paths(paths).items():
        with atomic_path(path) as temporary:
            arrays[name].tofile(temporary)
    _write_dictionary_and_summaries(segmented.dictionary, segmented.token_filter, segmented.summary, paths)
    logger.info("wrote %s, %s and %s", paths.tokens, paths.dictionary, paths.bow)


def load_segmented(paths: OutputPaths) -> tuple[pd.DataFrame, Dictionary, MmCorpus]:
    """Read the stage-2 outputs: tokens table, Dictionary and streamed bag-of-words corpus."""
    for path in (paths.tokens, paths.dictionary, paths.bow):
        if not path.exists():
            raise InputError(path, "not found; run `zhtopics segment` first")
    return pd.read_parquet(paths.tokens), Dictionary.load(str(paths.dictionary)), MmCorpus(str(paths.bow))
