"""Social-media cleaning (corpus.social) on Weibo-style posts written here."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtopics.ingest import prepare_corpus
from zhtopics.ingest.social import SocialCleaner
from zhtopics.params import SocialParams

from ..conftest import load_segmented, segment_prepared
from ..strategies import FILE_TEXT, bounded

POSTS = [
    # (post as scraped, what corpus.social with every kind dropped keeps)
    (
        "#杭州# 西湖边散步看日落🌅，杭州的秋天很美[太开心] @小鹿同学 一起来吗？http://t.cn/A6xYz9Qk看看",
        "西湖边散步看日落，杭州的秋天很美 一起来吗？看看",
    ),
    ("说得太对了！外卖骑手太难了//@张三:平台的算法把骑手困在系统里//@李四_2024：转发", "说得太对了！外卖骑手太难了"),
    ("回复@王五:你说的那家火锅店在哪里？联系邮箱 hotpot@qq.com", "你说的那家火锅店在哪里？联系邮箱 hotpot@qq.com"),
    ("新手机到了👍🏽❤️ 续航真的强，iPhone™ 用户表示羡慕 网页链接", "新手机到了 续航真的强，iPhone™ 用户表示羡慕"),
    ("#双十一#今天又剁手了#省钱攻略# [doge][图片] 医保卡余额也查了一下", "今天又剁手了 医保卡余额也查了一下"),
    ("在线教育退费太难了，七天无理由到现在还没退。", "在线教育退费太难了，七天无理由到现在还没退。"),
    ("转发微博", ""),
]
EVERYTHING = SocialParams(retweets="drop", urls="drop", mentions="drop", hashtags="drop", emoji="drop")


@pytest.fixture(scope="module")
def corpus_params(params):
    return params.corpus


def write_posts(path, texts):
    pd.DataFrame({"mid": [f"m{i}" for i in range(len(texts))], "text": texts}).to_csv(path, index=False)
    return path


def test_each_kind_is_dropped_and_recorded_with_the_post_as_written(tmp_path, corpus_params):
    path = write_posts(tmp_path / "weibo.csv", [post for post, _ in POSTS])
    prepared = prepare_corpus(path, replace(corpus_params, text_column="text", id_column="mid", social=EVERYTHING))
    kept = dict(zip(prepared.documents["doc_id"], prepared.documents["text"]))
    assert kept == {f"m{i}": cleaned for i, (_, cleaned) in enumerate(POSTS) if cleaned}
    altered = prepared.altered.set_index("doc_id")
    changed = [i for i, (post, cleaned) in enumerate(POSTS) if post != cleaned]
    assert sorted(altered.index) == sorted(f"m{i}" for i in changed)
    assert altered.loc["m0", "reason"] == "social media: URLs, mentions, hashtags, emoji removed"
    assert altered.loc["m1", "reason"] == "social media: retweet chain removed"
    assert altered.loc["m1", "original"] == POSTS[1][0]
    # the repost with no text of its own is left empty: recorded as removed, its original in altered.csv
    assert prepared.removed[["doc_id", "reason"]].values.tolist() == [["m6", "empty text"]]
    assert prepared.altered[prepared.altered["reason"].str.startswith("social")].shape[0] == 6


def test_off_by_default_nothing_changes(tmp_path, corpus_params):
    path = write_posts(tmp_path / "weibo.csv", [post for post, _ in POSTS])
    prepared = prepare_corpus(path, replace(corpus_params, text_column="text", id_column="mid"))
    assert prepared.documents["text"].tolist() == [post for post, _ in POSTS]
    assert prepared.altered.empty


def test_kinds_are_chosen_one_by_one(tmp_path, corpus_params):
    text = "#双十一#今天又剁手了🎉 @小鹿 http://t.cn/Ax1"
    cases = {
        "urls": "#双十一#今天又剁手了🎉 @小鹿",
        "mentions": "#双十一#今天又剁手了🎉 http://t.cn/Ax1",
        "hashtags": "今天又剁手了🎉 @小鹿 http://t.cn/Ax1",
        "emoji": "#双十一#今天又剁手了 @小鹿 http://t.cn/Ax1",
    }
    keep = SocialParams(retweets="keep", urls="keep", mentions="keep", hashtags="keep", emoji="keep")
    for kind, expected in cases.items():
        assert SocialCleaner(replace(keep, **{kind: "drop"}))(text)[0] == expected


def test_cleaning_and_markup_are_two_records_of_one_line(tmp_path, corpus_params):
    path = tmp_path / "posts.txt"
    line = "<p>物流太慢了😡 @京东客服</p>"
    path.write_text(f"{line}\n医保报销比例提高了\n", encoding="utf-8")
    prepared = prepare_corpus(path, replace(corpus_params, social=EVERYTHING))
    assert prepared.documents["text"].tolist() == ["物流太慢了", "医保报销比例提高了"]
    assert prepared.altered[["reason", "original"]].values.tolist() == [
        ["HTML markup removed", line],
        ["social media: mentions, emoji removed", " 物流太慢了😡 @京东客服 "],  # as markup left it
    ]


def test_hashtags_as_features_are_one_token_and_the_text_is_unchanged(tmp_path, params):
    texts = ["#双十一#京东的物流太慢了", "#双十一# 天猫的快递也很慢", "#杭州秋天# 西湖边的枫叶红了"] * 2
    path = write_posts(tmp_path / "weibo.csv", texts)
    social = replace(EVERYTHING, hashtags="feature", emoji="keep", urls="keep", mentions="keep", retweets="keep")
    corpus = replace(params.corpus, text_column="text", id_column="mid", social=social)
    corpus = replace(corpus, duplicates=replace(corpus.duplicates, near=False))
    prepared = prepare_corpus(path, corpus)
    assert prepared.altered.empty and prepared.documents["text"].tolist() == texts[:3]
    tokens, dictionary, _ = load_segmented(segment_prepared(prepared, tmp_path / "out", params.segment))
    assert tokens["tokens"].iloc[0][0] == "#双十一#" and "#杭州秋天#" in tokens["tokens"].iloc[2]
    assert "双十一" not in dictionary.token2id and "杭州" not in tokens["tokens"].iloc[2]
    # kept as words otherwise
    plain = prepare_corpus(path, replace(corpus, social=replace(social, hashtags="keep")))
    plain_tokens, _, _ = load_segmented(segment_prepared(plain, tmp_path / "plain", params.segment))
    assert not any(token.startswith("#") for tokens in plain_tokens["tokens"] for token in tokens)


@bounded(800)
@given(
    st.lists(
        st.one_of(
            FILE_TEXT,
            st.sampled_from(
                ["@小鹿", "//@张三:", "#双十一#", "http://t.cn/A6x", "🌅", "[doge]", "转发微博", "网页链接"]
            ),
        ),
        max_size=8,
    ).map("".join)
)
def test_cleaning_removes_only_what_it_names(text):
    """The cleaned text is the post with pieces removed (a subsequence, spaces apart), and
    cleaning it again changes nothing more than spaces."""
    cleaned, reason = SocialCleaner(EVERYTHING)(text)
    assert (reason is None) == (cleaned == text)
    rest = iter(text)
    assert all(any(c == d for d in rest) for c in cleaned.replace(" ", "")), "not a subsequence"
    again, _ = SocialCleaner(EVERYTHING)(cleaned)
    assert again.replace(" ", "") == cleaned.replace(" ", "") or "@" in cleaned or "#" in cleaned
