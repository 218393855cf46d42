"""Exact and near-duplicate paragraphs.

Exact duplicates are paragraphs with equal :func:`duplicate_key`, found through 64-bit
hashes of the keys (pandas ``hash_array``); paragraphs whose hashes are equal are compared
on the keys themselves, so a hash collision can never merge two different paragraphs. Near
duplicates have a Jaccard similarity of character shingles at least the threshold, found
with datasketch ``MinHashLSH`` and confirmed exactly; paragraphs longer than
:data:`NEAR_MAX_CHARS` characters are left out of near-duplicate detection only.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from zhtopics.ingest.normalize import _SURROGATE

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
    near: bool = True,
    threshold: float = 0.8,
    shingle_size: int = 5,
    num_perm: int = 128,
    max_near_docs: int = 200_000,
    hashes: np.ndarray | None = None,
    key: Callable[[str], str] = duplicate_key,
) -> list[tuple[list[int], dict[int, float]]]:
    """Group texts that are exact or near duplicates of each other.

    Exact duplicates (equal :func:`duplicate_key`) are found through 64-bit hashes of the
    keys; texts whose hashes are equal are compared on their keys, so a collision never
    groups different texts. Only those texts' keys are computed, which keeps memory low
    on large inputs.

    Parameters
    ----------
    texts : sequence of str
        A list, or a Series (read by position).
    near : bool
        Also group near duplicates: Jaccard similarity of character shingles at least
        ``threshold``, found with datasketch ``MinHashLSH`` and confirmed exactly.
    threshold, shingle_size, num_perm
        As in datasketch; ``shingle_size`` is in characters.
    max_near_docs : int
        Above this many distinct texts, near-duplicate detection is skipped with a warning
        (its index grows with the corpus); exact duplicates are always grouped.
    hashes : array of uint64, optional
        :func:`key_hashes` of the texts' keys, when already known.
    key : callable
        A text's duplicate key: :func:`duplicate_key`, or (stage 1, whose texts are kept as
        written) the duplicate key of the normalised text.

    Returns
    -------
    list of (members, similarity)
        One entry per group of two or more texts, members in input order, groups in the
        order of their first member; ``similarity`` maps each member to its Jaccard
        similarity with the first member (1.0 if exact).
    """
    groups, exact_first, keys = _duplicate_groups(
        texts, near, threshold, shingle_size, num_perm, max_near_docs, hashes, key
    )
    # Similarity to the first member: 1.0 within its exact copies, Jaccard of the keys otherwise.
    mixed = [members for members in groups if len({exact_first[i] for i in members}) > 1]
    needed = sorted({exact_first[i] for members in mixed for i in members} - set(keys))
    keys.update(zip(needed, map(key, _take(texts, needed))))
    result = []
    for members in groups:
        head = exact_first[members[0]]
        similarity = {
            member: 1.0
            if exact_first[member] == head
            else round(_jaccard(keys[head], keys[exact_first[member]], shingle_size), 3)
            for member in members
        }
        result.append((members, similarity))
    return result


def _duplicate_groups(texts, near, threshold, shingle_size, num_perm, max_near_docs, hashes, key=duplicate_key):
    """The work of :func:`find_duplicate_groups`: the groups (lists of members); for each
    text the first text with the same key (an int array: two texts are exact duplicates
    when their entries are equal); and the keys computed for near-duplicate detection."""
    n = len(texts)
    if hashes is None:
        hashes = key_hashes([key(text) for text in _take(texts, range(n))])
    sets = _UnionFind()
    exact_first, distinct = _group_exact(texts, hashes, sets, key)

    near_keys: dict[int, str] = {}
    if near and distinct > max_near_docs:
        logger.warning(
            "near-duplicate detection skipped: %d distinct paragraphs > corpus.duplicates.max_docs=%d "
            "(exact duplicates are still removed)",
            distinct,
            max_near_docs,
        )
        near = False
    if near:
        near_keys = _group_near(texts, exact_first, sets, threshold, shingle_size, num_perm, key)
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


def _group_near(
    texts, exact_first: np.ndarray, sets: _UnionFind, threshold, shingle_size, num_perm, key=duplicate_key
) -> dict[int, str]:
    """Join the near duplicates among the first texts of each key (MinHash LSH, confirmed on
    the shingles); returns the keys it compared, by text index."""
    from datasketch import MinHashLSH

    n = len(texts)
    near_keys: dict[int, str] = {}
    firsts = np.flatnonzero(exact_first == np.arange(n))
    too_long = 0
    for i, text in zip(firsts.tolist(), _take(texts, firsts)):
        text_key = key(text)
        if len(text_key) > NEAR_MAX_CHARS:
            too_long += 1
        elif len(text_key) >= shingle_size * 2:
            near_keys[i] = text_key
    if too_long:
        logger.info(
            "%d paragraphs longer than %d characters left out of near-duplicate detection "
            "(exact duplicates still count)",
            too_long,
            NEAR_MAX_CHARS,
        )
    # One pass: each paragraph's MinHash is made, queried against the earlier ones and
    # inserted; shingles are hashed with CRC-32 (deterministic, much faster than SHA-1).
    signatures = _minhashes(
        ([s.encode("utf-8") for s in sorted(_shingles(key, shingle_size))] for key in near_keys.values()), num_perm
    )
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, minhash in tqdm(
        zip(near_keys, signatures),
        total=len(near_keys),
        desc="near duplicates",
        unit="para",
        disable=len(near_keys) < 20000,
    ):
        for j in lsh.query(minhash):
            if _jaccard(near_keys[i], near_keys[j], shingle_size) >= threshold:
                sets.union(j, i)
        lsh.insert(i, minhash)
    return near_keys


def _pair_similarity(a: str, b: str, size: int, key=duplicate_key) -> float:
    return _jaccard(key(a), key(b), size)
