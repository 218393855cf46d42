"""The packaged segmentation defaults on general Chinese: abbreviations, set phrases, place,
time and distinguishing words kept; stopwords, numbers and words that date a sentence
removed; evaluative single characters kept when ``segment.evaluative`` names the list."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.params import load_params
from zhtopics.segment import Segmenter

# sentence → the tokens the packaged defaults keep (both backends)
GENERAL = {
    "医保报销比例提高了，社保断缴三个月。": ["医保", "报销", "比例", "提高", "社保", "断缴"],
    "国企和央行的消息，中介收费高。": ["国企", "央行", "消息", "中介", "收费"],
    "校外培训关了，在线教育公司裁员，应试教育还在。": ["校外", "培训", "在线教育", "公司", "裁员", "应试教育"],
    "外卖超时一小时，青年骑手辛苦。": ["外卖", "超时", "小时", "青年", "骑手", "辛苦"],
    "地方财政投入不足。": ["地方", "财政投入", "不足"],
    "今年现在的房价，当时目前。": ["房价"],  # time words that date a sentence are stopwords
}
REVIEWS = ["这家店又贵又慢，菜还咸。", "手机充电时很烫，价格贵，拍照差。", "这家外卖贵，被坑了。"]


@pytest.fixture(scope="module")
def defaults():
    return load_params().segment


@pytest.fixture(scope="module", params=["rjieba", "jieba"])
def backend(request) -> str:
    return request.param


@pytest.mark.parametrize("sentence", GENERAL)
def test_the_defaults_keep_the_key_terms_of_general_chinese(defaults, backend, sentence):
    assert Segmenter(defaults, backend=backend).tokens(sentence) == GENERAL[sentence]


def test_the_previous_part_of_speech_set_dropped_them(defaults):
    before = dataclasses.replace(defaults, allowed_pos=["n", "nr", "ns", "nt", "nz", "v", "vn", "a", "an"])
    tokens = Segmenter(before).tokens("医保和社保，国企和央行，在线教育，超时，青年，校外。")
    assert not {"医保", "社保", "国企", "央行", "在线教育", "超时", "青年", "校外"} & set(tokens)


def test_stopwords_numbers_and_punctuation_still_go(defaults, backend):
    removed = defaultdict(Counter)
    tokens = Segmenter(defaults, backend=backend).tokens("我们的医保在2023年涨价了，一个月300元。", removed)
    assert tokens == ["医保", "涨价"]
    assert removed["stopword"]["我们"] == removed["stopword"]["的"] == 1
    assert {"2023", "300", "一个月"} <= set(removed["number"])
    assert {"，", "。"} <= set(removed["punctuation"])


def test_evaluative_characters_are_opt_in(defaults, backend):
    plain = Segmenter(defaults, backend=backend)
    assert defaults.evaluative is None
    evaluative = Segmenter(
        dataclasses.replace(defaults, evaluative=defaults.allowlist.parent / "evaluative.txt"), backend=backend
    )
    kept_plain = [token for sentence in REVIEWS for token in plain.tokens(sentence)]
    kept = [token for sentence in REVIEWS for token in evaluative.tokens(sentence)]
    assert not {"贵", "慢", "咸", "烫", "差", "坑"} & set(kept_plain)
    assert {"贵", "慢", "咸", "烫", "差", "坑"} <= set(kept)
    # stopwords still apply to allow-listed words: 好 is in the stopwords-iso list
    assert "好" not in evaluative.tokens("味道好，就是贵。")


def test_an_unknown_tag_in_allowed_pos_is_an_error(defaults):
    with pytest.raises(ZhtopicsError, match=r"segment\.allowed_pos: unknown part-of-speech tag 'vn '"):
        Segmenter(dataclasses.replace(defaults, allowed_pos=["n", "vn "]))


def test_a_user_dictionary_tag_may_be_allowed(defaults, tmp_path):
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("社区团购 zz\n", encoding="utf-8")
    segmenter = Segmenter(dataclasses.replace(defaults, userdict=userdict, allowed_pos=["n", "zz"]))
    assert segmenter.tokens("社区团购的物流") == ["社区团购", "物流"]
