"""token_filter.csv and token_filter_by_tag.csv: what the filters kept and removed, by tag."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pandas as pd
import pytest

from zhtopics.params import load_params
from zhtopics.results import RunResults
from zhtopics.segment import Segmenter, token_filter_by_tag_table, token_filter_table
from zhtopics.segment.tables import BY_TAG_COLUMNS

from ..conftest import segment_lines

TEXTS = ["医保和社保的报销，今年涨了3%。", "钱不够，医保报销太难。"]


@pytest.fixture(scope="module")
def defaults():
    return load_params().segment


def _row(table: pd.DataFrame, tag: str, outcome: str) -> dict:
    rows = table[(table["tag"] == tag) & (table["outcome"] == outcome)]
    assert len(rows) == 1, (tag, outcome, table)
    return rows.iloc[0].to_dict()


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_the_stage_writes_what_each_tag_kept_and_lost(tmp_path, params, defaults, backend):
    segment_params = dataclasses.replace(
        defaults,
        backend=backend,
        filter_extremes=dataclasses.replace(defaults.filter_extremes, no_below=1, no_above=1.0),
    )
    run = RunResults(segment_lines(TEXTS, tmp_path, params, segment_params))
    by_tag = run.token_filter_by_tag
    assert list(by_tag.columns) == BY_TAG_COLUMNS
    abbreviations = _row(by_tag, "j", "kept")
    assert (abbreviations["tokens"], abbreviations["distinct_tokens"], abbreviations["examples"]) == (3, 2, "医保 社保")
    assert abbreviations["tag_name"].startswith("abbreviation") and abbreviations["share_of_tag"] == 1.0
    money = _row(by_tag, "n", "kept")  # 钱: a single character only the allow-list keeps
    assert (money["examples"], money["allowlisted_tokens"], money["allowlisted_examples"]) == ("钱", 1, "钱")
    assert _row(by_tag, "t", "stopword")["examples"] == "今年"  # a time word that only dates the sentence
    assert _row(by_tag, "uj", "stopword")["examples"] == "的"
    verbs = _row(by_tag, "v", "kept")
    assert (verbs["tokens"], verbs["share_of_tag"], verbs["allowlisted_tokens"]) == (3, 0.75, 0)
    assert _row(by_tag, "v", "short")["examples"] == "涨"
    # the tables agree with each other and with the tokens
    by_reason = run.token_filter.set_index("reason")
    removed = by_tag[by_tag["outcome"] != "kept"].groupby("outcome")["tokens"].sum()
    assert removed.to_dict() == by_reason.loc[by_reason["tokens_removed"] > 0, "tokens_removed"].to_dict()
    assert by_tag.loc[by_tag["outcome"] == "kept", "tokens"].sum() == run.tokens["n_tokens"].sum()
    assert by_reason.loc["stopword", "tags"] == "c:1 uj:1 t:1 ul:1"
    assert by_reason.loc["short", "tags"].startswith("v:1")
    summary = json.loads(run.paths.segment_summary.read_text(encoding="utf-8"))
    assert summary["tokens_kept"] == run.tokens["n_tokens"].sum()


def test_a_narrower_part_of_speech_set_shows_what_it_drops(defaults):
    segmenter = Segmenter(dataclasses.replace(defaults, allowed_pos=["n", "v"]))
    _, tally = segmenter.segment(TEXTS)
    by_tag = token_filter_by_tag_table(tally, segmenter)
    lost = _row(by_tag, "j", "pos")
    assert (lost["tokens"], lost["examples"]) == (3, "医保 社保")
    assert "j" not in set(by_tag.loc[by_tag["outcome"] == "kept", "tag"])


def test_tags_are_ordered_by_occurrences_and_outcomes_kept_first(defaults):
    segmenter = Segmenter(defaults)
    tally = Counter(
        {
            ("stopword", "uj", "的"): 5,
            (None, "n", "物流"): 2,
            ("short", "n", "商"): 1,
            (None, "j", "医保"): 3,
            ("pos", "d", "非常"): 1,
        }
    )
    by_tag = token_filter_by_tag_table(tally, segmenter)
    assert list(zip(by_tag["tag"], by_tag["outcome"])) == [
        ("uj", "stopword"),
        ("j", "kept"),
        ("n", "kept"),
        ("n", "short"),
        ("d", "pos"),
    ]
    assert _row(by_tag, "n", "kept")["share_of_tag"] == round(2 / 3, 4)
    by_reason = token_filter_table(tally).set_index("reason")
    assert by_reason["tokens_removed"].to_dict() == {
        "punctuation": 0,
        "number": 0,
        "latin": 0,
        "stopword": 5,
        "pos": 1,
        "short": 1,
    }
    assert by_reason.loc["latin", "tags"] == "" or pd.isna(by_reason.loc["latin", "tags"])


def test_a_hashtag_kept_whole_is_counted_under_its_own_tag(defaults):
    segmenter = Segmenter(defaults, hashtags=True)
    _, tally = segmenter.segment(["#医保改革# 报销方便了"])
    by_tag = token_filter_by_tag_table(tally, segmenter)
    hashtag = _row(by_tag, "hashtag", "kept")
    assert (hashtag["examples"], hashtag["allowlisted_tokens"]) == ("#医保改革#", 0)
