"""Stage 2: user dictionary, stopwords, part-of-speech and other filters, Dictionary and BoW."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pandas as pd
import pytest
from gensim.corpora import Dictionary, MmCorpus

from zhtopics.config import ZhtopicsError
from zhtopics.segment import FILTER_REASONS, Segmenter, apply_phrases, load_segmented, segment_documents, segment_texts


@pytest.fixture(scope="module")
def segmenter(params) -> Segmenter:
    """The reference backend, jieba.posseg (the project's default may be rjieba)."""
    return Segmenter(dict(params["segment"], backend="jieba"))


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
    params = {
        "userdict": None,
        "stopwords_iso": None,
        "stopwords_file": None,
        "allowed_pos": [],
        "min_token_chars": 2,
        "allowlist": None,
        "phrases": {"enabled": False},
        "filter_extremes": {"no_below": 2, "no_above": 1.0, "keep_n": 100},
    }
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


# --- backends, parallel segmentation, interning -------------------------------------------

DOMAIN_SENTENCE = "微信电商在朋友圈卖面膜,公众号和社交电商的转化需要信任。"


@pytest.fixture(scope="module", params=["jieba", "rjieba"])
def backend_segmenter(request, params) -> Segmenter:
    return Segmenter(dict(params["segment"], backend=request.param))


@pytest.fixture(scope="module")
def rjieba_segmenter(params) -> Segmenter:
    return Segmenter(dict(params["segment"], backend="rjieba"))


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
        Segmenter(dict(params["segment"], backend="pkuseg"))


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


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_parallel_segmentation_equals_serial(params, seed_prepared, backend):
    documents = seed_prepared.documents.iloc[:60]
    serial = segment_documents(documents, dict(params["segment"], backend=backend, processes=1, chunk_size=10))
    parallel = segment_documents(documents, dict(params["segment"], backend=backend, processes=2, chunk_size=10))
    assert parallel.tokens["tokens"].tolist() == serial.tokens["tokens"].tolist()
    pd.testing.assert_frame_equal(parallel.tokens, serial.tokens)
    pd.testing.assert_frame_equal(parallel.token_filter, serial.token_filter)
    assert parallel.summary == serial.summary
    assert parallel.dictionary.token2id == serial.dictionary.token2id


def test_removed_counts_equal_the_per_text_counts(rjieba_segmenter, seed_prepared):
    texts = seed_prepared.documents["text"].tolist()
    removed = defaultdict(Counter)
    expected = [rjieba_segmenter.tokens(text, removed) for text in texts]
    token_lists, counted = segment_texts(texts, {**rjieba_segmenter.params, "processes": 2, "chunk_size": 40})
    assert token_lists == expected
    for reason in FILTER_REASONS:
        assert list(counted[reason].items()) == list(removed[reason].items())  # same order too


@pytest.mark.parametrize("processes", [1, 2])
def test_tokens_are_interned(params, processes):
    texts = ["物流和货源是微商的难题", "微商的物流太慢", "货源与物流"] * 4
    token_lists, _ = segment_texts(texts, dict(params["segment"], backend="rjieba", processes=processes, chunk_size=3))
    occurrences = [token for tokens in token_lists for token in tokens if token == "物流"]
    assert len(occurrences) == 12
    assert all(token is occurrences[0] for token in occurrences)
    first, second = token_lists[0], token_lists[1]
    assert first[first.index("微商")] is second[second.index("微商")]


def test_a_worker_that_cannot_start_reports_the_error(params, tmp_path):
    bad = dict(params["segment"], backend="rjieba", userdict=str(tmp_path / "missing.txt"), processes=2, chunk_size=1)
    with pytest.raises(ZhtopicsError, match="missing.txt"):
        segment_texts(["物流", "货源", "信任"], bad)


def test_a_spawned_worker_that_cannot_start_reports_the_error(params, tmp_path, monkeypatch):
    # Without fork, workers build their Segmenter in the initializer; its error must come
    # back with the first task (a failing initializer would be restarted forever).
    import zhtopics.segment as segment

    monkeypatch.setattr(segment, "_WORKER", None)
    monkeypatch.setattr(segment, "_WORKER_ERROR", None)
    segment._init_worker(dict(params["segment"], backend="rjieba", userdict=str(tmp_path / "missing.txt")))
    with pytest.raises(ZhtopicsError, match="missing.txt"):
        segment._segment_chunk(["物流"])


@pytest.mark.parametrize("phrases", [False, True])
def test_streamed_stage_equals_the_in_memory_one(params, seed_prepared, tmp_path, phrases):
    # segment_corpus reads, segments and writes in batches (7 documents here, so the seed's
    # 145 paragraphs take 21 batches); every output must equal the in-memory reference.
    import numpy as np

    from zhtopics.config import OutputPaths
    from zhtopics.engines import ModelInput
    from zhtopics.ingest import write_prepared
    from zhtopics.segment import segment_corpus, write_segmented

    segment_params = dict(
        params["segment"], phrases={"enabled": phrases, "min_count": 2, "threshold": 1.0, "delimiter": "_"}
    )
    in_memory, streamed = OutputPaths(tmp_path / "memory"), OutputPaths(tmp_path / "streamed")
    for paths in (in_memory, streamed):
        write_prepared(seed_prepared, paths)
    reference = segment_documents(seed_prepared.documents, segment_params)
    write_segmented(reference, in_memory)
    summary = segment_corpus(streamed, segment_params, batch_size=7)

    assert summary == reference.summary
    assert any("_" in word for word in reference.dictionary.token2id) == phrases
    tokens, dictionary, bow = load_segmented(streamed)
    pd.testing.assert_frame_equal(
        tokens.assign(tokens=tokens["tokens"].map(list)),
        reference.tokens.assign(tokens=reference.tokens["tokens"].map(list)),
        check_dtype=False,
    )
    assert dictionary.token2id == reference.dictionary.token2id
    assert (dictionary.dfs, dictionary.cfs, dictionary.num_docs) == (
        reference.dictionary.dfs,
        reference.dictionary.cfs,
        reference.dictionary.num_docs,
    )
    assert list(bow) == list(MmCorpus(str(in_memory.bow)))
    for name in (
        "dictionary.gensim",
        "dictionary.txt",
        "corpus.mm",
        "token_filter.csv",
        "segment_summary.json",
        "bow_ids.int32",
        "bow_counts.int32",
        "bow_offsets.int64",
    ):
        assert (streamed.processed / name).read_bytes() == (in_memory.processed / name).read_bytes(), name
    assert ModelInput.load(streamed).fingerprint() == ModelInput.load(in_memory).fingerprint()
    assert np.array_equal(ModelInput.load(streamed).bow.lengths(), reference.tokens["n_in_dictionary"].to_numpy())
    assert not [p.name for p in streamed.processed.iterdir() if p.name.startswith(".")]  # no temporary file left
