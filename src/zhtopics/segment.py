"""Stage 2: segment paragraphs into filtered tokens, a gensim Dictionary and a bag-of-words corpus.

jieba cuts and tags each paragraph (with the domain user dictionary); a token is kept
when it passes, in this order, the filters below, and every token removed is counted by
reason (``data/processed/token_filter.csv``):

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
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from gensim.corpora import Dictionary, MmCorpus
from tqdm.auto import tqdm

from zhtopics.config import InputError, OutputPaths, resolve
from zhtopics.corpus import TextNormalizer

logger = logging.getLogger(__name__)

_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_NUMBER = re.compile(r"^\d|^[零〇一二两三四五六七八九十百千万亿几]+$")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9.\-_]*$")
FILTER_REASONS = ("punctuation", "number", "latin", "stopword", "pos", "short")


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


def load_stopwords(params: dict) -> set[str]:
    """The stopwords-iso list for ``segment.stopwords_iso`` plus ``segment.stopwords_file``."""
    import stopwordsiso

    normalize = TextNormalizer()
    words: set[str] = set()
    if params.get("stopwords_iso"):
        if not stopwordsiso.has_lang(params["stopwords_iso"]):
            raise InputError("params.yaml", f"segment.stopwords_iso: no stopwords-iso list for '{params['stopwords_iso']}'")
        words |= set(stopwordsiso.stopwords(params["stopwords_iso"]))
    if params.get("stopwords_file"):
        words |= set(read_word_list(params["stopwords_file"]))
    return {normalize(word) for word in words if normalize(word)}


class Segmenter:
    """Cut and filter Chinese text with jieba, following the ``segment`` parameters.

    Parameters
    ----------
    params : dict
        The ``segment`` section of ``params.yaml``.

    Examples
    --------
    >>> segmenter = Segmenter(load_params()["segment"])   # doctest: +SKIP
    >>> segmenter.tokens("微信电商为什么走不通")           # doctest: +SKIP
    ['微信电商', '走不通']
    """

    def __init__(self, params: dict):
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self.params = params
        self.tokenizer = jieba.Tokenizer()
        self.userdict_words: list[str] = []
        if params.get("userdict"):
            path = resolve(params["userdict"])
            entries = read_word_list(path)
            self.userdict_words = [entry.split()[0] for entry in entries]
            # jieba's own loader wants a file without comments; feed it the entries.
            import io

            self.tokenizer.load_userdict(io.StringIO("\n".join(entries)))
        self.pos_tokenizer = jieba.posseg.POSTokenizer(self.tokenizer)
        self.stopwords = load_stopwords(params)
        self.allowed_pos = set(params.get("allowed_pos") or [])
        self.min_chars = int(params.get("min_token_chars", 1))
        allow = read_word_list(params["allowlist"]) if params.get("allowlist") else []
        self.allowlist = {word.upper() if word.isascii() else word for word in allow}

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

    def cut(self, text: str) -> list[tuple[str, str]]:
        """jieba words with their part-of-speech tags."""
        return [(pair.word, pair.flag) for pair in self.pos_tokenizer.cut(text)]

    def tokens(self, text: str, removed: dict[str, Counter] | None = None) -> list[str]:
        """The kept tokens of ``text``; removed tokens are counted into ``removed`` by reason."""
        kept = []
        for word, flag in self.cut(text):
            reason, token = self.classify(word, flag)
            if reason is None:
                kept.append(token)
            elif removed is not None and token:
                removed[reason][token] += 1
        return kept


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
    from gensim.models.phrases import Phrases

    model = Phrases(
        token_lists, min_count=params.get("min_count", 5), threshold=params.get("threshold", 10.0),
        delimiter=params.get("delimiter", "_"),
    ).freeze()
    joined = [model[tokens] for tokens in token_lists]
    logger.info("phrases: %d collocations found", len(model.phrasegrams))
    return joined


def segment_documents(documents: pd.DataFrame, params: dict) -> SegmentedCorpus:
    """Segment the ``text`` column of a documents table and build the Dictionary.

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
    segmenter = Segmenter(params)
    removed: dict[str, Counter] = defaultdict(Counter)
    token_lists = [
        segmenter.tokens(text, removed)
        for text in tqdm(documents["text"], desc="segmenting", unit="doc", disable=len(documents) < 1000)
    ]
    token_lists = apply_phrases(token_lists, params.get("phrases", {}))
    dictionary = Dictionary(token_lists)
    dictionary.lifecycle_events = None  # no timestamps in the saved file: same input, same bytes
    vocabulary_before = len(dictionary)
    fe = params.get("filter_extremes", {})
    dictionary.filter_extremes(no_below=fe.get("no_below", 5), no_above=fe.get("no_above", 0.5), keep_n=fe.get("keep_n", 100000))
    in_dictionary = [sum(count for _, count in dictionary.doc2bow(tokens)) for tokens in token_lists]
    tokens = pd.DataFrame({
        "doc_id": documents["doc_id"].to_numpy(),
        "tokens": token_lists,
        "n_tokens": [len(t) for t in token_lists],
        "n_in_dictionary": in_dictionary,
    })
    filter_rows = []
    for reason in FILTER_REASONS:
        counter = removed.get(reason, Counter())
        filter_rows.append({
            "reason": reason, "tokens_removed": sum(counter.values()), "distinct_tokens": len(counter),
            "examples": " ".join(word for word, _ in counter.most_common(20)),
        })
    empty = tokens.loc[tokens["n_in_dictionary"] == 0, "doc_id"].tolist()
    summary = {
        "documents": len(tokens),
        "tokens_kept": int(tokens["n_tokens"].sum()),
        "tokens_in_dictionary": int(sum(in_dictionary)),
        "vocabulary_before_filter_extremes": vocabulary_before,
        "vocabulary": len(dictionary),
        "filter_extremes": fe,
        "documents_without_tokens": empty,
    }
    if empty:
        logger.warning("%d documents have no tokens left in the dictionary (kept as empty rows): %s",
                       len(empty), ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else ""))
    logger.info("segmented %d documents: %d tokens kept, vocabulary %d (of %d before filter_extremes)",
                len(tokens), summary["tokens_kept"], len(dictionary), vocabulary_before)
    return SegmentedCorpus(tokens=tokens, dictionary=dictionary, token_filter=pd.DataFrame(filter_rows), summary=summary)


def write_segmented(segmented: SegmentedCorpus, paths: OutputPaths) -> None:
    """Write tokens, Dictionary (binary and text), the Matrix Market corpus and summaries."""
    paths.processed.mkdir(parents=True, exist_ok=True)
    segmented.tokens.to_parquet(paths.tokens, index=False)
    segmented.dictionary.save(str(paths.dictionary))
    segmented.dictionary.save_as_text(str(paths.dictionary_text))
    MmCorpus.serialize(str(paths.bow), segmented.bow(), id2word=segmented.dictionary)
    segmented.token_filter.to_csv(paths.processed / "token_filter.csv", index=False)
    paths.segment_summary.write_text(json.dumps(segmented.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s, %s and %s", paths.tokens, paths.dictionary, paths.bow)


def load_segmented(paths: OutputPaths) -> tuple[pd.DataFrame, Dictionary, MmCorpus]:
    """Read the stage-2 outputs: tokens table, Dictionary and streamed bag-of-words corpus."""
    for path in (paths.tokens, paths.dictionary, paths.bow):
        if not path.exists():
            raise InputError(path, "not found; run `zhtopics segment` first")
    return pd.read_parquet(paths.tokens), Dictionary.load(str(paths.dictionary)), MmCorpus(str(paths.bow))
