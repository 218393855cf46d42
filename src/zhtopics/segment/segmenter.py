"""The segmenter: cut paragraphs into words with jieba or rjieba and filter them into tokens.

A tagger cuts each paragraph into words with part-of-speech tags (with the domain user
dictionary); a token is kept when it passes, in this order, the filters below. Every token
is counted by outcome (kept, or the reason it was removed) and part-of-speech tag
(:meth:`Segmenter.segment`): ``data/processed/token_filter.csv`` per reason,
``token_filter_by_tag.csv`` per tag and outcome, kept tokens included (names of the tags:
:mod:`zhtopics.segment.tags`):

1. ``punctuation`` — no letter or digit in it (jieba tag ``x`` included);
2. ``number`` — digits, or a number word (jieba tag ``m``, e.g. 一个, 5.0);
3. ``latin`` — only Latin letters, unless in the allow-list (then upper-cased);
4. ``stopword`` — in the stopwords-iso Chinese list or the domain list;
5. ``pos`` — its part-of-speech tag is not in ``segment.allowed_pos``;
6. ``short`` — fewer than ``segment.min_token_chars`` characters.

Tokens in the allow-lists (``segment.allowlist`` and ``segment.evaluative``) skip rules 2,
3, 5 and 6. What happens to the tokens next (phrases,
Dictionary, ``filter_extremes``) is :mod:`zhtopics.segment.stage`; segmenting many texts in
worker processes is :mod:`zhtopics.segment.workers`.

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
string per word) and tags a paragraph only when it has a word not seen before. The
segmentation workers use :meth:`Segmenter.encode`: one Python pass per word gives its
outcome's number, and numpy counts the tally and numbers the kept tokens.
"""

from __future__ import annotations

import logging
import re
from array import array
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.ingest import TextNormalizer
from zhtopics.ingest.social import HASHTAG
from zhtopics.params import SegmentParams
from zhtopics.segment.tags import POS_TAGS

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # not encodable as UTF-8: rjieba (Rust) needs valid text
_NUMBER = re.compile(r"^\d|^[零〇一二两三四五六七八九十百千万亿几]+$")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9.\-_]*$")
# jieba's own user-dictionary line format: word [freq] [tag]
_USERDICT_ENTRY = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")
FILTER_REASONS = ("punctuation", "number", "latin", "stopword", "pos", "short")
BACKENDS = ("jieba", "rjieba")
#: The tag counted for a Weibo topic ``#话题#`` kept whole (``corpus.social.hashtags: feature``).
HASHTAG_TAG = "hashtag"


def read_word_list(path: str | Path) -> list[str]:
    """Read a word list: one entry per line, ``#`` comments and blank lines ignored."""
    path = Path(path)
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


def load_stopwords(params: SegmentParams) -> set[str]:
    """The stopwords-iso list for ``segment.stopwords_iso`` plus ``segment.stopwords_file``."""
    import stopwordsiso

    normalize = TextNormalizer()
    words: set[str] = set()
    if params.stopwords_iso:
        if not stopwordsiso.has_lang(params.stopwords_iso):
            raise ZhtopicsError(f"segment.stopwords_iso: no stopwords-iso list for '{params.stopwords_iso}'")
        words |= set(stopwordsiso.stopwords(params.stopwords_iso))
    if params.stopwords_file is not None:
        words |= set(read_word_list(params.stopwords_file))
    return {normalize(word) for word in words if normalize(word)}


class Segmenter:
    """Cut and filter Chinese text with jieba or rjieba, following the ``segment`` parameters.

    Parameters
    ----------
    params : SegmentParams
        The ``segment`` parameters.
    backend : str, optional
        ``"jieba"`` or ``"rjieba"``; default ``params.backend``.
    normalizer : TextNormalizer, optional
        Applied to each text before it is cut (stage 2: the normaliser stage 1 recorded in
        ``documents.parquet``, whose texts are kept as written); without one, texts are cut
        as they are given.
    hashtags : bool
        Keep each Weibo topic ``#话题#`` whole, as one token that no filter removes
        (``corpus.social.hashtags: feature``), instead of cutting it into words.

    Examples
    --------
    >>> from zhtopics.params import load_params
    >>> segmenter = Segmenter(load_params().segment)
    >>> segmenter.tokens("微信电商为什么走不通，物流和信任是问题")
    ['微信', '电商', '不通', '物流', '信任']
    """

    def __init__(
        self,
        params: SegmentParams,
        backend: str | None = None,
        normalizer: TextNormalizer | None = None,
        hashtags: bool = False,
    ):
        self.params = params
        self.normalizer = normalizer
        self.hashtags = hashtags
        self.backend = backend or params.backend
        if self.backend not in BACKENDS:
            raise ZhtopicsError(f"segment.backend: unknown backend '{self.backend}' (known: {', '.join(BACKENDS)})")
        entries = read_word_list(params.userdict) if params.userdict is not None else []
        self.userdict_words: list[str] = [entry.split()[0] for entry in entries]
        # user-dictionary tags applied over rjieba's (jieba does it itself)
        self.userdict_tags: dict[str, str] = {}
        self.userdict_freqs: dict[str, int] = {}  # rjieba: the frequency each entry was given
        if self.backend == "jieba":
            self._init_jieba(entries)
        else:
            self._init_rjieba(entries)
        self.stopwords = load_stopwords(params)
        self.allowed_pos = set(params.allowed_pos)
        self._check_allowed_pos(entries)
        self.min_chars = params.min_token_chars
        allow = [
            word for path in (params.allowlist, params.evaluative) if path is not None for word in read_word_list(path)
        ]
        self.allowlist = {word.upper() if word.isascii() else word for word in allow}
        # cut word (rjieba) or (word, tag) (jieba) → (reason, tag, token); reason None = kept
        self._results: dict = {}
        # token → the one str object shared by all its occurrences
        self._vocabulary: dict[str, str] = {}
        # For encode(): cut word or (word, tag), as in _results → outcome number; outcome number →
        # (reason, tag, token); (reason, tag, token) → outcome number; outcome number → number of
        # its kept token (−1: removed or whitespace); token number → token (the shared str)
        self._outcome_of: dict = {}
        self._outcomes: list[tuple[str | None, str, str]] = []
        self._outcome_numbers: dict[tuple[str | None, str, str], int] = {}
        self._kept_token = array("q")
        self._token_numbers: dict[str, int] = {}
        self._token_strings: list[str] = []

    def _check_allowed_pos(self, entries: list[str]) -> None:
        """``segment.allowed_pos`` names tags jieba gives (:data:`POS_TAGS`) or the user dictionary's own."""
        known = set(POS_TAGS) - {HASHTAG_TAG} | {tag for entry in entries if (tag := parse_userdict_entry(entry)[2])}
        unknown = sorted(self.allowed_pos - known)
        if unknown:
            raise ZhtopicsError(
                f"segment.allowed_pos: unknown part-of-speech tag {', '.join(map(repr, unknown))} "
                f"(jieba's tags: {' '.join(sorted(set(POS_TAGS) - {HASHTAG_TAG}))}; zhtopics.segment.tags names them)"
            )

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

    def classify(self, word: str, flag: str, allowlist: bool = True) -> tuple[str | None, str]:
        """Return ``(reason, token)``: reason is None when the token is kept.

        With ``allowlist=False``, the verdict without the allow-lists (what
        ``token_filter_by_tag.csv`` uses to count the tokens only they keep)."""
        word = word.strip()
        if not word or flag == "x" or not _HAS_WORD_CHAR.search(word):
            return "punctuation", word
        if allowlist and word.isascii() and word.upper() in self.allowlist:
            word = word.upper()
        allowed = allowlist and word in self.allowlist
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
        if self.normalizer is not None:
            text = self.normalizer(text)
        if self.backend == "jieba":
            return [(pair.word, pair.flag) for pair in self.pos_tokenizer.cut(text)]
        return [
            (word, self._rjieba_flag(word, tag))
            for word, tag in self.tokenizer.tag(_LONE_SURROGATE.sub("\ufffd", text), True)
        ]

    def _remember(self, key, word: str, flag: str) -> tuple[str | None, str, str]:
        reason, token = self.classify(word, flag)
        token = self._vocabulary.setdefault(token, token)
        result = self._results[key] = (reason, flag, token)
        return result

    def classified(self, text: str) -> list[tuple[str | None, str, str]]:
        """``(reason, tag, token)`` for every word of ``text`` (reason None: kept), the
        token objects shared; a hashtag kept whole has the tag :data:`HASHTAG_TAG`."""
        outcomes = self._outcomes
        return [outcomes[number] for number in self._outcome_numbers_of(text)]

    def tokens(self, text: str, removed: dict[str, Counter] | None = None) -> list[str]:
        """The kept tokens of ``text``; removed tokens are counted into ``removed`` by reason."""
        classified = self.classified(text)
        if removed is not None:
            for reason, _, token in classified:
                if reason is not None and token:
                    removed[reason][token] += 1
        return [token for reason, _, token in classified if reason is None]

    def segment(self, texts) -> tuple[list[list[str]], Counter]:
        """Kept tokens of each text, and the tally: how often each ``(reason, tag, token)``
        occurred, kept tokens included (reason None); whitespace is not counted.

        The tally lists its keys in the order of their first occurrence
        (:func:`removed_by_reason` gives the removed tokens by reason).
        """
        counts: Counter = Counter()
        token_lists = []
        for text in texts:
            classified = self.classified(text)
            counts.update(classified)
            token_lists.append([token for reason, _, token in classified if reason is None])
        tally = Counter({key: n for key, n in counts.items() if key[2]})  # not whitespace
        return token_lists, tally

    def encode(self, texts) -> tuple[list[str], np.ndarray, np.ndarray, Counter]:
        """:meth:`segment` with the kept tokens as integers: the texts' distinct kept tokens in
        order of first occurrence, every kept token as an index into them (int32, texts one
        after the other), kept tokens per text (int32), and the tally (as :meth:`segment`'s,
        keys in the same order).

        One Python pass per word (its outcome number, remembered per distinct cut word); numpy
        then counts the outcomes and picks the kept tokens."""
        import numpy as np

        codes: list[int] = []
        per_text = []
        for text in texts:
            outcomes = self._outcome_numbers_of(text)
            codes += outcomes
            per_text.append(len(outcomes))
        codes = np.array(codes, dtype=np.int32)
        per_text = np.array(per_text, dtype=np.int64)
        # the tally: outcomes in order of first occurrence, whitespace left out
        seen = _in_order_of_first_occurrence(codes, len(self._outcomes))
        occurrences = np.bincount(codes, minlength=len(self._outcomes))[seen]
        tally: Counter = Counter()
        for outcome, n in zip(seen.tolist(), occurrences.tolist(), strict=True):
            key = self._outcomes[outcome]
            if key[2]:
                tally[key] = n
        # the kept tokens, numbered in order of first occurrence
        kept_token = np.array(self._kept_token, dtype=np.int64)[codes]
        kept = kept_token >= 0
        text_of = np.repeat(np.arange(len(per_text), dtype=np.int64), per_text)
        lengths = np.bincount(text_of[kept], minlength=len(per_text)).astype(np.int32)
        kept_token = kept_token[kept]
        tokens = _in_order_of_first_occurrence(kept_token, len(self._token_strings))
        rank = np.zeros(len(self._token_strings), dtype=np.int32)
        rank[tokens] = np.arange(len(tokens), dtype=np.int32)
        strings = self._token_strings
        return [strings[token] for token in tokens.tolist()], rank[kept_token], lengths, tally

    def _outcome_numbers_of(self, text: str) -> list[int]:
        """The outcome numbers (``self._outcomes`` indexes) of ``text``'s words: the one
        implementation of the cutting, tagging and filtering that :meth:`classified` and
        :meth:`encode` read."""
        if self.normalizer is not None:
            text = self.normalizer(text)
        if self.hashtags and "#" in text:
            outcomes, last = [], 0
            for match in HASHTAG.finditer(text):
                outcomes += self._word_outcome_numbers(text[last : match.start()])
                token = self._vocabulary.setdefault(match.group(0), match.group(0))
                outcomes.append(self._outcome_number((None, HASHTAG_TAG, token)))
                last = match.end()
            return outcomes + self._word_outcome_numbers(text[last:])
        return self._word_outcome_numbers(text)

    def _word_outcome_numbers(self, text: str) -> list[int]:
        """:meth:`_outcome_numbers_of` of a normalised text without hashtags kept whole."""
        outcome_of = self._outcome_of
        results = self._results
        if self.backend == "rjieba":
            try:
                words = self.tokenizer.cut(text, True)
            except UnicodeEncodeError:  # a lone surrogate (stage 1 replaces them; other callers may not)
                text = _LONE_SURROGATE.sub("\ufffd", text)
                words = self.tokenizer.cut(text, True)
            try:
                return [outcome_of[word] for word in words]
            except KeyError:  # a word not seen before: tag the paragraph (the same cut)
                outcomes = []
                for word, tag in self.tokenizer.tag(text, True):
                    outcome = outcome_of.get(word)
                    if outcome is None:
                        result = results.get(word)
                        if result is None:
                            result = self._remember(word, word, self._rjieba_flag(word, tag))
                        outcome = outcome_of[word] = self._outcome_number(result)
                    outcomes.append(outcome)
                return outcomes
        outcomes = []
        for pair in self.pos_tokenizer.cut(text):
            key = (pair.word, pair.flag)
            outcome = outcome_of.get(key)
            if outcome is None:
                result = results.get(key)
                if result is None:
                    result = self._remember(key, pair.word, pair.flag)
                outcome = outcome_of[key] = self._outcome_number(result)
            outcomes.append(outcome)
        return outcomes

    def _outcome_number(self, result: tuple[str | None, str, str]) -> int:
        """The number of the outcome ``(reason, tag, token)``, given when first seen."""
        number = self._outcome_numbers.get(result)
        if number is None:
            number = self._outcome_numbers[result] = len(self._outcomes)
            self._outcomes.append(result)
            reason, _, token = result
            if reason is None and token:
                token_number = self._token_numbers.get(token)
                if token_number is None:
                    token_number = self._token_numbers[token] = len(self._token_strings)
                    self._token_strings.append(token)
            else:
                token_number = -1
            self._kept_token.append(token_number)
        return number


def _in_order_of_first_occurrence(values, size: int):
    """The distinct values of ``values`` (integers in ``[0, size)``) in order of first
    occurrence, as an int64 array (no sort of ``values``: ``np.minimum.at``)."""
    import numpy as np

    first = np.full(size, len(values), dtype=np.int64)
    np.minimum.at(first, values, np.arange(len(values), dtype=np.int64))
    present = np.flatnonzero(first < len(values))
    return present[np.argsort(first[present])]


def removed_by_reason(tally: Counter) -> dict[str, Counter]:
    """reason → Counter of the tokens removed for it (all tags), from a tally of
    :meth:`Segmenter.segment`, in the order of their first occurrence."""
    removed: dict[str, Counter] = {reason: Counter() for reason in FILTER_REASONS}
    for (reason, _, token), n in tally.items():
        if reason is not None:
            removed[reason][token] += n
    return removed
