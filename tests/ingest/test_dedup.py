"""Duplicate detection: exact copies, near duplicates by length, and what is not a copy."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest import TextNormalizer
from zhtopics.ingest.dedup import _UnionFind, duplicate_key, find_duplicate_groups, is_near, near_reason
from zhtopics.params import load_params

from ..strategies import bounded
from .short_posts import STORIES, pair_counts

NORMALIZE = TextNormalizer()


def key(text: str) -> str:
    return duplicate_key(NORMALIZE(text))


@pytest.fixture(scope="module")
def rule():
    return load_params().corpus.duplicates


def groups_of(texts, rule) -> list[list[int]]:
    return [members for members, _ in find_duplicate_groups(texts, rule, key=key)]


def test_near_duplicates_group_but_different_texts_do_not(rule):
    base = "微信是社交工具,社交的本职还是社交,纯粹的社交圈子是容不下电商交易行为的存在的。"
    texts = [base, "所以" + base, "物流是一个非常重要的环节,如果物流不畅,就会给消费体验带来很大的影响。", base + " "]
    assert groups_of(texts, rule) == [[0, 1, 3]]
    assert groups_of(texts, replace(rule, near=False)) == [[0, 3]]


def test_short_posts_copies_are_found_and_clauses_are_not_copies(rule):
    """The posts written in short_posts.py: every copy (emoji, punctuation, a typo, a
    particle, a connective, a mention) of a post of 30 characters or more is found; posts
    sharing a template but not a clause stay apart. What the rule cannot do is pinned too:
    a connective of 3 characters on a 29-character post is more than a tenth of it, and a
    single changed character in a post of 10 or more is taken for a typo."""
    texts = [text for _, _, text in STORIES]
    groups = groups_of(texts, rule)
    assert pair_counts(groups) == {"found": 16, "missed": 2, "wrong": 2}
    grouped = {frozenset(STORIES[i][0] for i in members) for members in groups}
    assert {frozenset({"dy2-a", "dy2-b"}), frozenset({"pj-a", "pj-b"})} <= grouped  # the two wrong pairs
    group_of = {i: n for n, members in enumerate(groups) for i in members}
    missed = {
        (STORIES[i][0], STORIES[i][1], STORIES[j][1])
        for i, j in combinations(range(len(STORIES)), 2)
        if STORIES[i][0] == STORIES[j][0] and (i not in group_of or group_of.get(i) != group_of.get(j))
    }
    assert missed == {("sj", "post", "connective"), ("sj", "connective", "full-width")}


def test_the_jaccard_rule_merged_posts_that_differ_by_a_clause(rule):
    """Before near duplicates depended on length (short_chars: 0): 5-gram Jaccard >= 0.8
    merges a review and the same review with 就是价格太贵了 added, and a 131-character post
    and the same with a 16-character clause, while it misses one-character typos."""
    texts = [text for _, _, text in STORIES]
    old = groups_of(texts, replace(rule, short_chars=0))
    merged = {frozenset(STORIES[i][0] for i in members) for members in old}
    assert {frozenset({"hg-a", "hg-b"}), frozenset({"by-a", "by-b"})} <= merged
    assert pair_counts(old)["missed"] > pair_counts(groups_of(texts, rule))["missed"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"short_max_share": 1.5}, "corpus.duplicates.short_max_share: expected a number from 0 to 1, got 1.5"),
        ({"short_max_edits": -1}, "corpus.duplicates.short_max_edits: expected 0 or more, got -1"),
    ],
)
def test_values_the_rules_cannot_use_are_one_line_errors(rule, change, message):
    with pytest.raises(ZhtopicsError) as error:
        find_duplicate_groups(["微信电商走不通", "微信电商走不通了"], replace(rule, **change))
    assert str(error.value) == message


def test_near_reason_names_the_measure(rule):
    short = key("外卖又超时了四十分钟，汤都洒了，商家还不接电话，这平台的骑士太难了也太坑了。")
    assert near_reason(short, short.replace("洒", "撒"), rule) == "1 character differs"
    assert near_reason(short, "所以说" + short, rule) == "3 characters differ"
    long = short * 8
    assert near_reason(long, long + "好", rule).startswith("Jaccard 0.9")
    assert not is_near(short, short + "就是价格太贵了", rule) and is_near(long, long + "就是价格太贵了", rule)


# The index of short keys must miss no pair that is_near accepts: compare with all pairs.
ALPHABET = "物流快慢好差信任"


@st.composite
def related_keys(draw) -> list[str]:
    """Keys and copies of them with a few characters inserted, deleted or replaced anywhere
    (at the start and the end too)."""
    keys = draw(st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=40), min_size=1, max_size=8))
    for base in list(keys):
        for _ in range(draw(st.integers(0, 3))):
            copy = base
            for _ in range(draw(st.integers(1, 5))):
                at = draw(st.integers(0, len(copy)))
                kind = draw(st.sampled_from(["insert", "delete", "replace"]))
                letter = draw(st.sampled_from(ALPHABET))
                if kind == "insert":
                    copy = copy[:at] + letter + copy[at:]
                elif copy:
                    at = min(at, len(copy) - 1)
                    copy = copy[:at] + (letter if kind == "replace" else "") + copy[at + 1 :]
            keys.append(copy or letter)
    return draw(st.permutations(keys))


KEYS = related_keys()


@bounded(200)
@given(
    KEYS,
    st.integers(0, 4),
    st.sampled_from([0.05, 0.1, 0.2, 0.5]),
    st.sampled_from([10, 30, 200]),
)
def test_short_index_finds_every_pair_all_pairs_would(texts, edits, share, short_chars):
    rule = replace(
        load_params().corpus.duplicates, short_max_edits=edits, short_max_share=share, short_chars=short_chars
    )
    sets = _UnionFind()
    keys = [duplicate_key(text) for text in texts]
    for i, j in combinations(range(len(keys)), 2):
        if keys[i] == keys[j] or is_near(keys[i], keys[j], rule):
            sets.union(i, j)
    expected = sets.groups()
    found = [members for members, _ in find_duplicate_groups(texts, rule)]
    if any(len(k) >= short_chars for k in keys):  # long keys: MinHash may miss a pair
        assert all(any(set(members) <= set(group) for group in expected) for members in found)
    else:
        assert found == expected
