"""Copies: an article whose paragraphs are duplicates of another's is found and described."""

from __future__ import annotations

import pandas as pd
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.copies import describe_copy, find_copies, shared_paragraphs


def _documents(sizes: dict[str, int]) -> pd.DataFrame:
    """Kept paragraphs: ``sizes`` article → number of paragraphs kept in it."""
    rows = [(f"{a}-p{i}", a) for a, n in sizes.items() for i in range(1, n + 1)]
    return pd.DataFrame(rows, columns=["doc_id", "article_id"])


def _removed(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Removed copies: (article of the copy, doc_id of the paragraph kept in its place)."""
    return pd.DataFrame(
        {
            "article_id": [a for a, _ in pairs],
            "doc_id": [f"{a}-c{i}" for i, (a, _) in enumerate(pairs)],
            "reason": ["exact duplicate"] * len(pairs),
            "duplicate_of": [d for _, d in pairs],
        }
    )


def test_an_excerpt_and_a_one_paragraph_near_copy_are_copies_of_the_full_text():
    # the seed's shape: "ex" is 4 paragraphs all kept in "full" (10), "one" a single paragraph of "full";
    # "own" repeats one paragraph of "full" among its 5: it is not a copy.
    documents = _documents({"full": 10, "own": 4})
    removed = _removed([("ex", f"full-p{i}") for i in range(2, 6)] + [("one", "full-p10"), ("own", "full-p1")])
    paragraphs = pd.Series({"ex": 4, "one": 1, "own": 5, "full": 10})
    copies = find_copies(paragraphs, shared_paragraphs(documents, removed), min_share=0.5)
    assert copies["copy_of"].to_dict() == {"ex": "full", "one": "full", "own": "", "full": ""}
    assert copies.loc["ex", "copied_share"] == 1.0 and copies.loc["one", "copied_share"] == 1.0
    assert copies.loc["own", "copied_share"] == pytest.approx(0.2)
    assert copies.loc["full", "copied_share"] == pytest.approx(0.4)  # its part in "ex": shared, not copied


def test_the_copy_is_the_smaller_article_whichever_copy_stage_1_kept():
    # stage 1 kept the excerpt's paragraphs (keep: first): the full text's copies point to the excerpt
    documents = _documents({"ex": 3, "full": 5})
    removed = _removed([("full", f"ex-p{i}") for i in range(1, 4)])
    paragraphs = pd.Series({"ex": 3, "full": 8})
    copies = find_copies(paragraphs, shared_paragraphs(documents, removed), min_share=0.5)
    assert copies["copy_of"].to_dict() == {"ex": "full", "full": ""}
    assert copies.loc["full", "copied_share"] == pytest.approx(3 / 8)


def test_of_two_equal_articles_the_later_is_the_copy_and_the_threshold_holds():
    documents = _documents({"a": 4, "c": 4})
    removed = _removed([("b", f"a-p{i}") for i in range(1, 5)] + [("d", f"c-p{i}") for i in range(1, 3)])
    paragraphs = pd.Series({"a": 4, "b": 4, "c": 4, "d": 4})
    shared = shared_paragraphs(documents, removed)
    copies = find_copies(paragraphs, shared, min_share=0.6)
    assert copies["copy_of"].to_dict() == {"a": "", "b": "a", "c": "", "d": ""}  # d shares 50% < 60%
    assert find_copies(paragraphs, shared, min_share=0.5).loc["d", "copy_of"] == "c"
    with pytest.raises(ZhtopicsError, match="prevalence.copy_min_share"):
        find_copies(paragraphs, shared, min_share=0.0)


def test_duplicates_within_one_article_and_no_removed_table_make_no_copies():
    documents = _documents({"a": 3})
    removed = _removed([("a", "a-p1")])
    assert shared_paragraphs(documents, removed).empty and shared_paragraphs(documents, None).empty
    copies = find_copies(pd.Series({"a": 4}), shared_paragraphs(documents, removed), min_share=0.5)
    assert copies.loc["a", "copy_of"] == "" and copies.loc["a", "copied_share"] == 0


def test_seed_a04_and_a05_are_copies_of_a09(seed_prepared, params):
    prepared = seed_prepared
    counts = prepared.articles.set_index("article_id")["paragraphs"]
    copies = find_copies(
        counts, shared_paragraphs(prepared.documents, prepared.removed), params.prevalence.copy_min_share
    )
    assert copies.loc[copies["copy_of"] != "", "copy_of"].to_dict() == {"a04": "a09", "a05": "a09"}
    sizes = counts.to_dict()
    assert describe_copy({**copies.loc["a04"].to_dict(), "paragraphs": sizes["a04"]}, sizes) == "excerpt of a09"


def test_describe_copy_words():
    sizes = {"a": 10, "b": 3}
    assert describe_copy({"copy_of": "", "copied_share": 0.2, "paragraphs": 10}, sizes) == ""
    assert describe_copy({"copy_of": "a", "copied_share": 1.0, "paragraphs": 3}, sizes) == "excerpt of a"
    assert describe_copy({"copy_of": "b", "copied_share": 1.0, "paragraphs": 3}, sizes) == "copy of b"
    assert describe_copy({"copy_of": "a", "copied_share": 0.75, "paragraphs": 4}, sizes) == (
        "near-copy of a (75% of its paragraphs)"
    )
