"""Exact and near-duplicate paragraphs.

Exact duplicates are paragraphs with equal :func:`duplicate_key` (the text without
whitespace and punctuation, lower-cased; emoji are not letters, so a copy with other
punctuation or emoji is exact), found through 64-bit hashes of the keys (pandas
``hash_array``); paragraphs whose hashes are equal are compared on the keys themselves, so
a hash collision can never merge two different paragraphs.

Near duplicates depend on length (:func:`is_near`). A short text (a post, a comment: key
shorter than ``corpus.duplicates.short_chars``) is a near duplicate of another only when
they differ by a few characters (Levenshtein distance at most ``short_max_edits`` and at
most ``short_max_share`` of the longer key): a typo, a particle, a connective such as
所以说. The Jaccard similarity of 5-character shingles used for long texts is wrong for
them both ways: one changed character in the middle of a 30-character post removes 5 of
26 shingles (Jaccard 0.68), while a clause added to a 40-character template keeps about
0.8. Long texts (paragraphs of articles) are near duplicates when the Jaccard similarity
of their character shingles is at least ``threshold``, found with datasketch
``MinHashLSH`` and confirmed exactly; paragraphs longer than :data:`NEAR_MAX_CHARS`
characters are left out of near-duplicate detection only.
"""

from __future__ import annotations

import logging
import math
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein
from tqdm import tqdm

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest.normalize import _SURROGATE
from zhtopics.params import Duplicates

logger = logging.getLogger(__name__)

# Paragraphs with a longer duplicate key are left out of near-duplicate detection (their
# shingle sets and MinHash matrices grow with their length); exact duplicates still count.
NEAR_MAX_CHARS = 100_000
_NOT_WORD = re.compile(r"[\W_]+")


def duplicate_key(text: str) -> str:
    """The text with whitespace and punctuation removed, lower-cased: equal keys are exact duplicates."""
    return _NOT_WORD.sub("", text).lower()


def key_hashes(keys: Sequence[str]) -> np.ndarray:
    """64-bit hashes (uint64) of duplicate keys: equal keys, equal hashes (pandas ``hash_array``,
    deterministic). Different keys may collide; callers confirm equality on the keys."""
    array = np.asarray(keys, dtype=object) if len(keys) else np.empty(0, dtype=object)
    try:
        return pd.util.hash_array(array, categorize=False)
    except UnicodeEncodeError:  # lone surrogates (never in normalised text): hash a stand-in
        return pd.util.hash_array(
            np.asarray([_SURROGATE.sub("\ufffd", k) for k in keys], dtype=object), categorize=False
        )


def _shingles(key: str, size: int) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def _jaccard(a: str, b: str, size: int) -> float:
    """Jaccard similarity of two keys' character shingles."""
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def _take(texts: Sequence[str], indices) -> list[str]:
    """``texts[i]`` for each index (a Series by position, gathered at once)."""
    if isinstance(texts, pd.Series):
        return texts.iloc[np.asarray(indices, dtype=np.int64)].tolist()
    return [texts[i] for i in indices]


def _minhashes(shingle_lists: Iterable[list[bytes]], num_perm: int) -> Iterator:
    """One datasketch MinHash per list of shingles, as ``MinHash.generator`` makes them, but
    updated in slices so that a long paragraph does not need a (num_perm x shingles) matrix."""
    from datasketch import MinHash

    base = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32)
    for shingles in shingle_lists:
        minhash = base.copy()
        for start in range(0, len(shingles), 20_000):
            minhash.update_batch(shingles[start : start + 20_000])
        yield minhash


def find_duplicate_groups(
    texts: Sequence[str],
    rule: Duplicates,
    hashes: np.ndarray | None = None,
    key: Callable[[str], str] = duplicate_key,
) -> list[tuple[list[int], dict[int, float]]]:
    """Group texts that are exact or near duplicates of each other.

    Exact duplicates (equal :func:`duplicate_key`) are found through 64-bit hashes of the
    keys; texts whose hashes are equal are compared on their keys, so a collision never
    groups different texts. Only those texts' keys are computed, which keeps memory low
    on large inputs. Near duplicates (``rule.near``) are pairs that :func:`is_near` accepts,
    found with an index that misses none (short texts, :func:`_group_short`) or with
    datasketch ``MinHashLSH`` (long texts, :func:`_group_long`), and grouped transitively.

    Parameters
    ----------
    texts : sequence of str
        A list, or a Series (read by position).
    rule : Duplicates
        The ``corpus.duplicates`` parameters. Above ``rule.max_docs`` distinct texts,
        near-duplicate detection is skipped with a warning; exact duplicates are always grouped.
    hashes : array of uint64, optional
        :func:`key_hashes` of the texts' keys, when already known.
    key : callable
        A text's duplicate key: :func:`duplicate_key`, or (stage 1, whose texts are kept as
        written) the duplicate key of the normalised text.

    Returns
    -------
    list of (members, similarity)
        One entry per group of two or more texts, members in input order, groups in the
        order of their first member; ``similarity`` maps each member to its
        :func:`similarity` with the first member (1.0 if exact).
    """
    groups, exact_first, keys = _duplicate_groups(texts, rule, hashes, key)
    mixed = [members for members in groups if len({exact_first[i] for i in members}) > 1]
    needed = sorted({exact_first[i] for members in mixed for i in members} - set(keys))
    keys.update(zip(needed, map(key, _take(texts, needed))))
    result = []
    for members in groups:
        head = exact_first[members[0]]
        result.append(
            (
                members,
                {
                    member: 1.0
                    if exact_first[member] == head
                    else similarity(keys[head], keys[exact_first[member]], rule)
                    for member in members
                },
            )
        )
    return result


def _short(a: str, b: str, rule: Duplicates) -> bool:
    """Whether a pair of keys is judged by edit distance: one of them is short."""
    return min(len(a), len(b)) < rule.short_chars


def _allowed_edits(longer: int, rule: Duplicates) -> int:
    """The characters a pair of short keys may differ by, the longer having ``longer`` characters."""
    return min(rule.short_max_edits, math.floor(rule.short_max_share * longer + 1e-9))


def is_near(a: str, b: str, rule: Duplicates) -> bool:
    """Whether two duplicate keys are near duplicates (see ``corpus.duplicates`` in params.yaml).

    A pair with a key shorter than ``rule.short_chars``: at most
    ``min(short_max_edits, short_max_share x the longer key's length)`` characters differ
    (Levenshtein distance, rapidfuzz). Two longer keys: the Jaccard similarity of their
    character shingles is at least ``rule.threshold``.
    """
    if _short(a, b, rule):
        allowed = _allowed_edits(max(len(a), len(b)), rule)
        return allowed > 0 and Levenshtein.distance(a, b, score_cutoff=allowed) <= allowed
    return _jaccard(a, b, rule.shingle_size) >= rule.threshold


def similarity(a: str, b: str, rule: Duplicates) -> float:
    """How alike two keys are, by the measure :func:`is_near` applies to them: 1 - edits /
    the longer key's length (a short key), or the Jaccard similarity of shingles; rounded to 3 places."""
    if _short(a, b, rule):
        return round(Levenshtein.normalized_similarity(a, b), 3)
    return round(_jaccard(a, b, rule.shingle_size), 3)


def near_reason(a: str, b: str, rule: Duplicates) -> str:
    """The measure behind a near duplicate, for ``removed.csv``: ``3 characters differ`` or ``Jaccard 0.94``."""
    if _short(a, b, rule):
        edits = Levenshtein.distance(a, b)
        return f"{edits} character{'s' * (edits != 1)} differ{'s' * (edits == 1)}"
    return f"Jaccard {_jaccard(a, b, rule.shingle_size):.2f}"


def _duplicate_groups(texts, rule: Duplicates, hashes=None, key=duplicate_key):
    """The work of :func:`find_duplicate_groups`: the groups (lists of members); for each
    text the first text with the same key (an int array: two texts are exact duplicates
    when their entries are equal); and the keys computed for near-duplicate detection."""
    n = len(texts)
    if hashes is None:
        hashes = key_hashes([key(text) for text in _take(texts, range(n))])
    sets = _UnionFind()
    exact_first, distinct = _group_exact(texts, hashes, sets, key)

    near = rule.near
    if near:
        _check(rule)
    near_keys: dict[int, str] = {}
    if near and distinct > rule.max_docs:
        logger.warning(
            "near-duplicate detection skipped: %d distinct paragraphs > corpus.duplicates.max_docs=%d "
            "(exact duplicates are still removed)",
            distinct,
            rule.max_docs,
        )
        near = False
    if near:
        near_keys = _near_keys(texts, exact_first, key)
        _group_short(near_keys, sets, rule)
        _group_long(near_keys, sets, rule)
    return sets.groups(), exact_first, near_keys


class _UnionFind:
    """Union-find over the texts that have a copy (by index); a set's root is its smallest member."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent.get(root, root) != root:
            root = parent[root]
        while i != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
            self.parent.setdefault(min(a, b), min(a, b))

    def groups(self) -> list[list[int]]:
        """The sets of two or more members, members in order, sets in the order of their first member."""
        groups: dict[int, list[int]] = {}
        for i in sorted(self.parent):
            groups.setdefault(self.find(i), []).append(i)
        return list(groups.values())


def _group_exact(texts, hashes, sets: _UnionFind, key=duplicate_key) -> tuple[np.ndarray, int]:
    """Join the texts with equal keys (compared on the keys where their hashes are equal).

    Returns, for each text, the first text with the same key, and how many distinct keys there are.
    """
    n = len(texts)
    codes, _ = pd.factorize(np.asarray(hashes, dtype=np.uint64))
    repeats = np.bincount(codes, minlength=1)[codes] > 1 if n else np.zeros(0, dtype=bool)
    exact_first = np.arange(n)  # the first text with the same key
    repeated = np.flatnonzero(repeats)
    first_with_key: dict[str, int] = {}
    for i, text in zip(repeated.tolist(), _take(texts, repeated)):
        first = first_with_key.setdefault(key(text), i)
        if first != i:
            sets.union(first, i)
            exact_first[i] = first
    distinct = int(n - len(repeated)) + len(first_with_key)
    return exact_first, distinct


def _check(rule: Duplicates) -> None:
    """One-line errors for values of ``corpus.duplicates`` the rules cannot use."""
    for name, value, fine, expected in (
        ("short_chars", rule.short_chars, rule.short_chars >= 0, "0 or more"),
        ("short_max_edits", rule.short_max_edits, rule.short_max_edits >= 0, "0 or more"),
        ("short_max_share", rule.short_max_share, 0 <= rule.short_max_share <= 1, "a number from 0 to 1"),
        ("threshold", rule.threshold, 0 < rule.threshold <= 1, "a number above 0, at most 1"),
    ):
        if not fine:
            raise ZhtopicsError(f"corpus.duplicates.{name}: expected {expected}, got {value}")


def _near_keys(texts, exact_first: np.ndarray, key) -> dict[int, str]:
    """The keys of the first text of each key, by text index (longer than
    :data:`NEAR_MAX_CHARS`: left out, and counted in the log)."""
    n = len(texts)
    near_keys: dict[int, str] = {}
    firsts = np.flatnonzero(exact_first == np.arange(n))
    too_long = 0
    for i, text in zip(firsts.tolist(), _take(texts, firsts)):
        text_key = key(text)
        if len(text_key) > NEAR_MAX_CHARS:
            too_long += 1
        else:
            near_keys[i] = text_key
    if too_long:
        logger.info(
            "%d paragraphs longer than %d characters left out of near-duplicate detection "
            "(exact duplicates still count)",
            too_long,
            NEAR_MAX_CHARS,
        )
    return near_keys


def _group_short(near_keys: dict[int, str], sets: _UnionFind, rule: Duplicates) -> None:
    """Join the pairs with a short key that differ by few enough characters (:func:`is_near`).

    Candidates come from the pigeonhole principle (as in Pass-Join, Li, Deng and Feng
    2011): split a key into ``e + 1`` pieces, ``e`` the most edits it may take with any
    partner, and a key within ``e`` edits of it holds one piece unchanged, shifted by
    ``s`` with ``|s| + |length difference - s| <= e``. Keys are taken by length; each is
    looked up among the shorter (or equally long) ones indexed before it, then indexed. No
    pair within the allowed edits is missed; candidates are confirmed with rapidfuzz.
    """
    most = rule.short_max_edits
    # keys that can be within the allowed edits of a key shorter than short_chars
    short = sorted((len(text_key), i) for i, text_key in near_keys.items() if len(text_key) < rule.short_chars + most)
    index: dict[int, list[int]] = {}
    # what to look up for a key of each length: (other_length, piece, position, size), and
    # the pieces a key of each length is indexed under; the same for every key of a length
    lookups: dict[int, list[tuple[int, int, int, int]]] = {}
    indexed: dict[int, list[tuple[int, int, int]]] = {}
    for length, i in tqdm(short, desc="near duplicates (short)", unit="para", disable=len(short) < 50_000):
        text_key = near_keys[i]
        if length not in lookups:
            lookups[length] = _lookups(length, rule)
            edits = _allowed_edits(length + most, rule)
            indexed[length] = _pieces(length, edits + 1) if edits > 0 else []
        candidates: set[int] = set()
        for other_length, piece, at, size in lookups[length]:
            candidates.update(index.get(hash((other_length, piece, text_key[at : at + size])), ()))
        for j in sorted(candidates):
            other = near_keys[j]
            if _short(text_key, other, rule) and is_near(text_key, other, rule):
                sets.union(j, i)
        for piece, start, size in indexed[length]:
            index.setdefault(hash((length, piece, text_key[start : start + size])), []).append(i)


def _lookups(length: int, rule: Duplicates) -> list[tuple[int, int, int, int]]:
    """The (other length, piece, position, size) that :func:`_group_short` looks up for a key
    of ``length`` characters among the indexed keys as long or shorter."""
    most = rule.short_max_edits
    found = []
    for other_length in range(max(1, length - most), length + 1):
        edits = _allowed_edits(other_length + most, rule)  # the most any partner allows it
        delta = length - other_length
        if edits < max(delta, 1):
            continue
        for piece, start, size in _pieces(other_length, edits + 1):
            for shift in range(-((edits - delta) // 2), (delta + edits) // 2 + 1):
                at = start + shift
                if 0 <= at <= length - size:
                    found.append((other_length, piece, at, size))
    return found


def _pieces(length: int, count: int) -> list[tuple[int, int, int]]:
    """(piece, start, size) of a key of ``length`` characters split into ``count`` pieces
    as evenly as possible (the longer pieces last)."""
    base, longer = divmod(length, count)
    pieces, start = [], 0
    for piece in range(count):
        size = base + (piece >= count - longer)
        pieces.append((piece, start, size))
        start += size
    return pieces


def _group_long(near_keys: dict[int, str], sets: _UnionFind, rule: Duplicates) -> None:
    """Join the pairs of long keys (at least ``short_chars``) whose shingles' Jaccard
    similarity is at least the threshold: candidates from datasketch ``MinHashLSH``,
    confirmed on the shingle sets."""
    from datasketch import MinHashLSH

    size, num_perm = rule.shingle_size, rule.num_perm
    long_keys = {i: k for i, k in near_keys.items() if len(k) >= max(rule.short_chars, size * 2)}
    # One pass: each paragraph's MinHash is made, queried against the earlier ones and
    # inserted; shingles are hashed with CRC-32 (deterministic, much faster than SHA-1).
    signatures = _minhashes(
        ([s.encode("utf-8") for s in sorted(_shingles(key, size))] for key in long_keys.values()), num_perm
    )
    lsh = MinHashLSH(threshold=rule.threshold, num_perm=num_perm)
    for i, minhash in tqdm(
        zip(long_keys, signatures),
        total=len(long_keys),
        desc="near duplicates",
        unit="para",
        disable=len(long_keys) < 20000,
    ):
        for j in lsh.query(minhash):
            if _jaccard(long_keys[i], long_keys[j], size) >= rule.threshold:
                sets.union(j, i)
        lsh.insert(i, minhash)
