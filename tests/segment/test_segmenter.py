"""The Segmenter: user dictionary, stopwords, part-of-speech and other filters, both backends."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.segment import Segmenter


def test_user_dictionary_keeps_domain_terms_whole(segmenter):
    words = [word for word, _ in segmenter.cut("微信电商在朋友圈卖面膜,公众号和服务号难以转化。")]
    for term in ("微信电商", "朋友圈", "公众号", "服务号"):
        assert term in words
    assert "微信" not in words


def test_without_user_dictionary_jieba_splits_them(params):
    plain = Segmenter(params.replace(segment=dict(userdict=None)).segment)
    words = [word for word, _ in plain.cut("微信电商在朋友圈卖面膜")]
    assert "微信电商" not in words


def test_filters_say_why_a_token_is_removed(segmenter):
    assert segmenter.classify("的", "uj") == ("stopword", "的")
    assert segmenter.classify("需要", "v")[0] == "stopword"  # domain list
    assert segmenter.classify("非常", "d") == ("pos", "非常")  # adverb
    assert segmenter.classify("2014", "m")[0] == "number"
    assert segmenter.classify("一个", "m")[0] == "number"
    assert segmenter.classify(",", "x")[0] == "punctuation"
    assert segmenter.classify("EXCLUSIVE", "eng")[0] == "latin"
    assert segmenter.classify("新", "a") == ("short", "新")
    assert segmenter.classify("物流", "n") == (None, "物流")
    assert segmenter.classify("信任", "vn") == (None, "信任")


def test_allowlist_keeps_single_characters_and_latin_terms(segmenter):
    assert segmenter.classify("钱", "n") == (None, "钱")
    assert segmenter.classify("qq", "eng") == (None, "QQ")
    assert segmenter.classify("O2O", "eng") == (None, "O2O")


def test_tokens_of_a_sentence(segmenter):
    removed = defaultdict(Counter)
    tokens = segmenter.tokens("我认为,微信电商没有红利,99%小商家将无法玩转微信电商。", removed)
    assert tokens.count("微信电商") == 2
    assert "红利" in tokens
    assert not {"我", "认为", "99", ",", "没有"} & set(tokens)
    assert removed["number"]["99"] == 1


# --- backends -------------------------------------------------------------------------------

DOMAIN_SENTENCE = "微信电商在朋友圈卖面膜,公众号和社交电商的转化需要信任。"


@pytest.fixture(scope="module", params=["jieba", "rjieba"])
def backend_segmenter(request, params) -> Segmenter:
    return Segmenter(params.replace(segment=dict(backend=request.param)).segment)


def test_both_backends_keep_user_dictionary_terms_whole(backend_segmenter):
    words = [word for word, _ in backend_segmenter.cut(DOMAIN_SENTENCE)]
    for term in ("微信电商", "朋友圈", "公众号", "社交电商"):
        assert term in words
    assert "微信" not in words and "电商" not in words
    tokens = backend_segmenter.tokens(DOMAIN_SENTENCE)
    assert {"微信电商", "朋友圈", "公众号", "社交电商", "面膜", "信任"} <= set(tokens)
    assert not {"的", "需要"} & set(tokens)  # stopwords-iso and the domain list


def test_both_backends_use_the_user_dictionary_tags(backend_segmenter):
    # 阿里 is `nrt` in jieba's dict.txt; the user dictionary makes it `nz`. rjieba's add_word
    # keeps the old tag, so the Segmenter applies the user dictionary's over it.
    assert ("阿里", "nz") in backend_segmenter.cut("阿里和腾讯都做社交电商")
    assert ("QQ", "nz") in backend_segmenter.cut("在QQ上卖货")


def test_unknown_backend_is_a_parameter_error(params):
    with pytest.raises(ZhtopicsError, match="segment.backend"):
        Segmenter(params.replace(segment=dict(backend="pkuseg")).segment)


@pytest.mark.parametrize(
    "sentence",
    [
        "我认为,微信电商没有红利,小商家将无法玩转微信电商。",
        "社交电商一度成为了互联网行业的新宠儿,但是其却遭受了屡屡挫败。",
        "朋友圈里的代理商卖三无产品,售后服务和物流都跟不上,用户的信任度越来越低。",
        "阿里巴巴和京东都想在移动互联网上做社交,腾讯的微信小店也在尝试。",
    ],
)
def test_rjieba_tokens_equal_jieba_tokens(segmenter, rjieba_segmenter, sentence):
    assert rjieba_segmenter.tokens(sentence) == segmenter.tokens(sentence)


def test_rjieba_differs_from_jieba_only_in_documented_ways(segmenter, rjieba_segmenter):
    # Latin letters, digits and % : rjieba keeps a run whole, jieba.posseg splits it; both remove it.
    sentence = "99%的小商家做B2C,3D打印"
    assert ("99%", "m") in rjieba_segmenter.cut(sentence)
    assert ("99", "m") in segmenter.cut(sentence) and ("%", "x") in segmenter.cut(sentence)
    assert ("3D", "eng") in rjieba_segmenter.cut(sentence)
    assert ("3", "m") in segmenter.cut(sentence) and ("D", "eng") in segmenter.cut(sentence)
    assert rjieba_segmenter.tokens(sentence) == segmenter.tokens(sentence) == ["商家", "打印"]
    # Words not in the dictionary: jieba.posseg's HMM leaves single characters, rjieba cuts
    # them like jieba.lcut.
    assert [w for w, _ in segmenter.cut("抖音直播带货")] == ["抖", "音", "直播", "带", "货"]
    assert [w for w, _ in rjieba_segmenter.cut("抖音直播带货")] == ["抖音", "直播", "带货"]


def test_rjieba_fast_path_equals_tagging(rjieba_segmenter, seed_prepared):
    # tokens() cuts with Jieba.cut and remembers each word's tag; it must give what tagging
    # every paragraph gives.
    for text in seed_prepared.documents["text"]:
        tagged = [rjieba_segmenter.classify(word, flag) for word, flag in rjieba_segmenter.cut(text)]
        assert rjieba_segmenter.tokens(text) == [token for reason, token in tagged if reason is None]
