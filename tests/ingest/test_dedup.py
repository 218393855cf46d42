"""Duplicate detection: near duplicates group, different texts do not."""

from __future__ import annotations

from zhtopics.ingest.dedup import find_duplicate_groups


def test_near_duplicates_group_but_different_texts_do_not():
    base = "微信是社交工具,社交的本职还是社交,纯粹的社交圈子是容不下电商交易行为的存在的。"
    texts = [base, "所以" + base, "物流是一个非常重要的环节,如果物流不畅,就会给消费体验带来很大的影响。", base + " "]
    groups = find_duplicate_groups(texts, threshold=0.8)
    assert [members for members, _ in groups] == [[0, 1, 3]]
    assert find_duplicate_groups(texts, near=False)[0][0] == [0, 3]
