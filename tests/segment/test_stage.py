"""Stage 2 (segment_corpus): Dictionary, bag of words and the files on disk."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from gensim.corpora import Dictionary, MmCorpus

from zhtopics.paths import OutputPaths

from ..conftest import load_segmented, segment_lines, segment_prepared


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


def test_filter_extremes_uses_params(tmp_path, params):
    segment_params = params.replace(
        segment={
            "userdict": None,
            "stopwords_iso": None,
            "stopwords_file": None,
            "allowed_pos": [],
            "min_token_chars": 2,
            "allowlist": None,
            "phrases": {"enabled": False},
            "filter_extremes": {"no_below": 2, "no_above": 1.0, "keep_n": 100},
        }
    ).segment
    paths = segment_lines(["物流货源物流", "物流信任", "信任口碑"], tmp_path, params, segment_params)
    tokens, dictionary, _ = load_segmented(paths)
    summary = json.loads(paths.segment_summary.read_text(encoding="utf-8"))
    assert sorted(dictionary.token2id) == ["信任", "物流"]
    assert tokens["n_in_dictionary"].tolist() == [2, 2, 1]
    assert summary["vocabulary_before_filter_extremes"] == 4


HAND_CHECKED = [
    "我认为,微信电商没有红利,99%小商家将无法玩转微信电商。",
    "朋友圈卖面膜,物流速度跟不上。",
    "社交电商的物流速度太慢。",
    "用户抱怨物流速度,信任度越来越低。",
]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
@pytest.mark.parametrize("phrases", [False, True])
def test_a_hand_checked_example_gives_the_expected_tokens(tmp_path, params, backend, phrases):
    # Kept: user-dictionary terms whole (微信电商, 朋友圈, 社交电商), nouns, verbs and
    # adjectives of two characters or more, and 卖 (allow-listed, else too short). Removed:
    # stopwords 我 认为 没有 小 将 无法 的, the idiom 越来越低 (part of speech), 99% (number)
    # and punctuation, where jieba cuts 99% into 99 and % (one more punctuation token).
    # Phrases join 物流 速度, the one pair seen more than once (min_count 1, threshold 1).
    segment_params = params.replace(
        segment={
            "backend": backend,
            "phrases": {"enabled": phrases, "min_count": 1, "threshold": 1.0, "delimiter": "_"},
            "filter_extremes": {"no_below": 1, "no_above": 1.0, "keep_n": 100},
        }
    ).segment
    paths = segment_lines(HAND_CHECKED, tmp_path, params, segment_params)
    tokens, dictionary, bow = load_segmented(paths)
    logistics = ["物流_速度"] if phrases else ["物流", "速度"]
    expected = [
        ["微信电商", "红利", "商家", "玩转", "微信电商"],
        ["朋友圈", "卖", "面膜", *logistics, "跟不上"],
        ["社交电商", *logistics, "太慢"],
        ["用户", "抱怨", *logistics, "信任度"],
    ]
    assert tokens["tokens"].map(list).tolist() == expected
    assert tokens["n_tokens"].tolist() == tokens["n_in_dictionary"].tolist() == list(map(len, expected))
    assert sorted(dictionary.token2id) == sorted({token for document in expected for token in document})
    assert list(bow) == [dictionary.doc2bow(document) for document in expected]
    removed = pd.read_csv(paths.processed / "token_filter.csv").set_index("reason")["tokens_removed"].to_dict()
    punctuation = 9 if backend == "jieba" else 8
    assert removed == {"punctuation": punctuation, "number": 1, "latin": 0, "stopword": 7, "pos": 1, "short": 0}


def test_written_dictionary_and_corpus_reload(seed_outputs):
    dictionary = Dictionary.load(str(seed_outputs.dictionary))
    _, _, corpus = load_segmented(seed_outputs)
    assert all(0 <= token_id < len(dictionary) for doc in corpus for token_id, _ in doc)
    assert not seed_outputs.bow.exists()  # segment.write_mm is off by default


def test_write_mm_writes_the_same_bags_of_words_as_matrix_market(params, seed_prepared, tmp_path):
    paths = segment_prepared(seed_prepared, tmp_path, params.replace(segment={"write_mm": True}).segment)
    assert list(MmCorpus(str(paths.bow))) == [
        [(token_id, float(count)) for token_id, count in doc] for doc in load_segmented(paths)[2]
    ]


def test_the_dictionary_is_the_one_gensim_builds_document_by_document(seed_outputs, params, tmp_path):
    # the stage numbers words from the workers' integer tokens (segment/vocabulary.py); gensim's
    # own Dictionary.add_documents over the same token lists saves the same file, byte for byte
    tokens, dictionary, bow = load_segmented(seed_outputs)
    reference = Dictionary()
    reference.add_documents(tokens["tokens"].map(list).tolist())
    reference.lifecycle_events = None
    fe = params.segment.filter_extremes
    reference.filter_extremes(no_below=fe.no_below, no_above=fe.no_above, keep_n=fe.keep_n)
    reference.lifecycle_events = None
    reference.save(str(tmp_path / "reference.gensim"))
    assert (tmp_path / "reference.gensim").read_bytes() == seed_outputs.dictionary.read_bytes()
    assert bow == [reference.doc2bow(list(document)) for document in tokens["tokens"]]


def test_the_outputs_do_not_depend_on_the_number_of_processes(params, seed_prepared, tmp_path):
    serial = segment_prepared(seed_prepared, tmp_path / "one", params.replace(segment={"processes": 1}).segment)
    # chunks of 10 paragraphs over 2 worker processes, the chunks' vocabularies merged in the parent
    parallel = segment_prepared(
        seed_prepared, tmp_path / "two", params.replace(segment={"processes": 2, "chunk_size": 10}).segment
    )
    assert_same_stage_outputs(parallel, serial)


STAGE_FILES = (
    "dictionary.gensim",
    "dictionary.txt",
    "token_filter.csv",
    "segment_summary.json",
    "bow_ids.int32",
    "bow_counts.int32",
    "bow_offsets.int64",
)


def assert_same_stage_outputs(paths: OutputPaths, reference: OutputPaths) -> None:
    """Two stage-2 output folders hold the same tokens, Dictionary and bags of words, and
    the same bytes in every file but ``tokens.parquet`` (whose row groups follow the batches)."""
    from zhtopics.results import RunResults

    tokens, dictionary, bow = load_segmented(paths)
    reference_tokens, reference_dictionary, reference_bow = load_segmented(reference)
    pd.testing.assert_frame_equal(
        tokens.assign(tokens=tokens["tokens"].map(list)),
        reference_tokens.assign(tokens=reference_tokens["tokens"].map(list)),
    )
    assert dictionary.token2id == reference_dictionary.token2id
    assert (dictionary.dfs, dictionary.cfs, dictionary.num_docs) == (
        reference_dictionary.dfs,
        reference_dictionary.cfs,
        reference_dictionary.num_docs,
    )
    assert list(bow) == list(reference_bow)
    for name in STAGE_FILES:
        assert (paths.processed / name).read_bytes() == (reference.processed / name).read_bytes(), name
    assert RunResults(paths).model_input().fingerprint() == RunResults(reference).model_input().fingerprint()
    assert np.array_equal(RunResults(paths).model_input().bow.lengths(), reference_tokens["n_in_dictionary"].to_numpy())
    for folder in (paths, reference):
        assert not [p.name for p in folder.processed.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("phrases", [False, True])
def test_the_outputs_do_not_depend_on_the_batch_size(params, seed_prepared, tmp_path, phrases):
    # segment_corpus reads, segments and writes in batches: 7 documents here (the seed's 145
    # paragraphs take 21 batches) against one batch of all.
    segment_params = params.replace(
        segment={"phrases": {"enabled": phrases, "min_count": 2, "threshold": 1.0, "delimiter": "_"}}
    ).segment
    one_batch = segment_prepared(seed_prepared, tmp_path / "one", segment_params)
    batched = segment_prepared(seed_prepared, tmp_path / "batched", segment_params, batch_size=7)
    assert pq.ParquetFile(one_batch.tokens).num_row_groups == 1
    assert pq.ParquetFile(batched.tokens).num_row_groups == 21
    assert any("_" in word for word in load_segmented(one_batch)[1].token2id) == phrases
    assert_same_stage_outputs(batched, one_batch)


def test_texts_are_segmented_as_normalised_and_kept_as_written(tmp_path, params):
    """documents.parquet keeps full-width forms and traditional characters; stage 2 cuts the
    text normalised as stage 1 recorded it (NFKC, then OpenCC t2s when corpus.opencc says)."""
    lines = ["微信電商的物流速度太慢，用戶很失望！", "ＱＱ群裡的社交電商，信任度越來越低。"]
    plain = segment_lines(lines, tmp_path / "plain", params)
    converted = segment_lines(lines, tmp_path / "t2s", params.replace(corpus={"opencc": "t2s"}))
    for paths in (plain, converted):
        assert pd.read_parquet(paths.documents)["text"].tolist() == lines
    metadata = pq.ParquetFile(converted.documents).schema_arrow.metadata
    assert json.loads(metadata[b"zhtopics.normalization"]) == {"opencc": "t2s", "unicode": "NFKC", "hashtags": "keep"}
    plain_tokens, _, _ = load_segmented(plain)
    converted_tokens, _, _ = load_segmented(converted)
    assert "物流" in converted_tokens["tokens"].iloc[0] and "用户" in converted_tokens["tokens"].iloc[0]
    assert "QQ" in converted_tokens["tokens"].iloc[1]  # ＱＱ folded by NFKC, then allow-listed
    assert "用户" not in plain_tokens["tokens"].iloc[0]  # no conversion without corpus.opencc
    # the record is part of the file: a change of corpus.opencc changes stage 2's cache key
    assert plain.documents.read_bytes() != converted.documents.read_bytes()


def test_model_input_texts_keep_the_dictionary_words_in_order(seed_outputs):
    from zhtopics.results import RunResults

    tokens, dictionary, _ = load_segmented(seed_outputs)
    expected = [[t for t in document if t in dictionary.token2id] for document in tokens["tokens"]]
    data = RunResults(seed_outputs).model_input()
    assert list(data.iter_texts(batch_size=7)) == expected
    rows = [5, 0, 144, 5]
    assert data.texts_of(rows) == [expected[row] for row in rows]


def test_first_positions_and_distinct_keys_are_numpy_s():
    from zhtopics.segment.vocabulary import _distinct, _first_positions

    rng = np.random.default_rng(0)
    keys = rng.integers(0, 50, 1000)
    assert np.array_equal(_distinct(keys), np.unique(keys))
    assert np.array_equal(_distinct(keys[:1]), keys[:1]) and len(_distinct(keys[:0])) == 0
    for local_ids in (keys, np.unique(keys, return_inverse=True)[1][np.argsort(keys, kind="stable")]):
        unique, position = np.unique(local_ids, return_index=True)
        expected = np.full(60, -1)
        expected[unique] = position
        assert np.array_equal(_first_positions(local_ids, 60), expected)
    index: dict[int, int] = {}
    in_order = np.array([index.setdefault(key, len(index)) for key in keys.tolist()])  # as the workers number
    unique, position = np.unique(in_order, return_index=True)
    assert np.array_equal(_first_positions(in_order, len(index)), position)


@pytest.mark.parametrize("docs_per_piece", [1, 7, 4096])
def test_bags_of_words_do_not_depend_on_the_piece_size(docs_per_piece):
    from zhtopics.segment.vocabulary import bags_of_words

    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 12, 300).astype(np.int32)
    ids = rng.integers(0, 50, lengths.sum()).astype(np.int32)
    final = np.full(50, -1, dtype=np.int64)
    final[np.sort(rng.choice(50, 30, replace=False))] = np.arange(30)
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    expected_pairs = [
        sorted(Counter(final[ids[doc_of == doc]][final[ids[doc_of == doc]] >= 0].tolist()).items())
        for doc in range(len(lengths))
    ]
    bow_ids, bow_counts, bow_lengths, in_dictionary = bags_of_words(ids, lengths, final, docs_per_piece)
    assert bow_ids.dtype == bow_counts.dtype == np.int32 and bow_lengths.dtype == in_dictionary.dtype == np.int64
    ends = np.cumsum(bow_lengths).tolist()
    pairs = list(zip(bow_ids.tolist(), bow_counts.tolist(), strict=True))
    assert [pairs[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)] == expected_pairs
    assert in_dictionary.tolist() == [sum(n for _, n in bag) for bag in expected_pairs]
    assert [len(array) for array in bags_of_words(ids[:0], lengths[:0], final)] == [0, 0, 0, 0]


def test_the_vocabulary_of_chunks_is_gensim_s_dictionary():
    # CorpusVocabulary.add, with the workers' ChunkFrequencies or counting them itself, builds
    # the Dictionary gensim's add_documents builds, insertion orders included
    from zhtopics.segment.vocabulary import CorpusVocabulary, chunk_frequencies

    rng = np.random.default_rng(2)
    given, counted, reference = CorpusVocabulary(), CorpusVocabulary(), Dictionary()
    for _ in range(5):
        lengths = rng.integers(0, 9, 40).astype(np.int32)
        words = [f"w{n}" for n in rng.integers(0, 60, lengths.sum()).tolist()]
        ends = np.cumsum(lengths).tolist()
        reference.add_documents([words[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)])
        index: dict[str, int] = {}
        local_ids = np.array([index.setdefault(word, len(index)) for word in words], dtype=np.int32)
        frequencies = chunk_frequencies(local_ids, lengths, len(index))
        ids = given.add(list(index), local_ids, lengths, frequencies)
        assert np.array_equal(ids, counted.add(list(index), local_ids, lengths))
        assert [given.tokens[i] for i in ids.tolist()] == words
    for built in (given.dictionary(), counted.dictionary()):
        for attribute in ("token2id", "dfs", "cfs"):
            assert list(getattr(built, attribute).items()) == list(getattr(reference, attribute).items())
        assert (built.num_docs, built.num_pos, built.num_nnz) == (
            reference.num_docs,
            reference.num_pos,
            reference.num_nnz,
        )
