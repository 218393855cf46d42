"""Stage 2 (segment_corpus): Dictionary, bag of words and the files on disk."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from gensim.corpora import Dictionary, MmCorpus

from zhtopics.segment import apply_phrases, load_segmented, segment_documents


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


@pytest.mark.parametrize("phrases", [False, True])
def test_streamed_stage_equals_the_in_memory_one(params, seed_prepared, tmp_path, phrases):
    # segment_corpus reads, segments and writes in batches (7 documents here, so the seed's
    # 145 paragraphs take 21 batches); every output must equal the in-memory reference.
    import numpy as np

    from zhtopics.config import OutputPaths
    from zhtopics.corpus import write_prepared
    from zhtopics.engines import ModelInput
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
