"""Stage 2: user dictionary, stopwords, part-of-speech and other filters, Dictionary and BoW."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pandas as pd
import pytest
from gensim.corpora import Dictionary, MmCorpus

from zhtopics.segment import Segmenter, apply_phrases, load_segmented, segment_documents


@pytest.fixture(scope="module")
def segmenter(params) -> Segmenter:
    return Segmenter(params["segment"])


def test_user_dictionary_keeps_domain_terms_whole(segmenter):
    words = [word for word, _ in segmenter.cut("微信电商在朋友圈卖面膜,公众号和服务号难以转化。")]
    for term in ("微信电商", "朋友圈", "公众号", "服务号"):
        assert term in words
    assert "微信" not in words


def test_without_user_dictionary_jieba_splits_them(params):
    plain = Segmenter(dict(params["segment"], userdict=None))
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


def test_seed_outputs_line_up_with_documents(seed_outputs, seed_prepared):
    tokens, dictionary, bow = load_segmented(seed_outputs)
    assert tokens["doc_id"].tolist() == seed_prepared.documents["doc_id"].tolist()
    assert len(bow) == len(tokens)  # documents left empty are kept as empty rows
    summary = json.loads(seed_outputs.segment_summary.read_text(encoding="utf-8"))
    assert summary["vocabulary"] == len(dictionary)
    for row, doc in zip(tokens.itertuples(), bow):
        assert sum(count for _, count in doc) == row.n_in_dictionary
    assert (tokens["n_in_dictionary"] == 0).sum() == len(summary["documents_without_tokens"])
    for term in ("微信电商", "朋友圈", "公众号", "社交电商"):
        assert term in dictionary.token2id
    assert "的" not in dictionary.token2id


def test_filter_extremes_uses_params():
    documents = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["物流货源物流", "物流信任", "信任口碑"]})
    params = {"userdict": None, "stopwords_iso": None, "stopwords_file": None, "allowed_pos": [],
              "min_token_chars": 2, "allowlist": None, "phrases": {"enabled": False},
              "filter_extremes": {"no_below": 2, "no_above": 1.0, "keep_n": 100}}
    segmented = segment_documents(documents, params)
    assert sorted(segmented.dictionary.token2id) == ["信任", "物流"]
    assert segmented.tokens["n_in_dictionary"].tolist() == [2, 2, 1]
    assert segmented.summary["vocabulary_before_filter_extremes"] == 4


def test_phrases_join_collocations():
    token_lists = [["售后", "服务", "品质"]] * 6 + [["物流", "速度"]] * 2
    joined = apply_phrases(token_lists, {"enabled": True, "min_count": 2, "threshold": 0.1, "delimiter": "_"})
    assert joined[0][0] == "售后_服务"
    assert apply_phrases(token_lists, {"enabled": False}) is token_lists


def test_written_dictionary_and_corpus_reload(seed_outputs):
    dictionary = Dictionary.load(str(seed_outputs.dictionary))
    corpus = MmCorpus(str(seed_outputs.bow))
    assert corpus.num_terms <= len(dictionary)
    assert all(0 <= token_id < len(dictionary) for doc in corpus for token_id, _ in doc)
