"""The LDAvis data: pyLDAvis's prepare in row order, the reproducible layout, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.topic_map import pcoa, prepare_topic_map, topic_map_html

from .model import WORDS, D, K, page_data


def _shares(model, keep=slice(None)) -> np.ndarray:
    sizes = model["doc_topic"][keep].T @ model["doc_lengths"][keep]
    return 100 * sizes / sizes.sum()


def test_topics_are_numbered_0_to_k_minus_1_in_row_order(model, prepared):
    coordinates = prepared.topic_coordinates
    assert coordinates["topics"].tolist() == list(range(K))
    assert list(prepared.topic_order) == list(range(K))
    np.testing.assert_allclose(coordinates["Freq"].to_numpy(), _shares(model))
    info = prepared.topic_info
    for i in range(K):
        rows = info[info["Category"] == f"Topic{i}"]
        assert rows.loc[rows["logprob"].idxmax(), "Term"] == WORDS[int(np.argmax(model["topic_word"][i]))]
    assert set(prepared.token_table["Topic"]) <= set(range(K))


def test_layout_is_pyldavis_pcoa_with_fixed_signs(model, prepared):
    from pyLDAvis._prepare import js_PCoA

    ours = prepared.topic_coordinates[["x", "y"]].to_numpy()
    theirs = np.real(js_PCoA(model["topic_word"]))
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-9)
    np.testing.assert_allclose(ours, pcoa(model["topic_word"]), atol=1e-9)
    for axis in range(2):
        assert ours[np.argmax(np.abs(ours[:, axis])), axis] > 0


def test_documents_without_tokens_are_left_out(model):
    broken = {**model, "doc_lengths": model["doc_lengths"].copy(), "doc_topic": model["doc_topic"].copy()}
    broken["doc_lengths"][[3, 7]] = 0
    broken["doc_topic"][3] = np.nan  # an empty document's topic row may be anything
    prepared = prepare_topic_map(**broken)
    keep = broken["doc_lengths"] > 0
    np.testing.assert_allclose(prepared.topic_coordinates["Freq"].to_numpy(), _shares(broken, keep))
    assert page_data(topic_map_html(prepared, embed_font=False))["mdsDat"]["topics"] == list(range(K))


def test_zero_probabilities_do_not_reach_the_page(model):
    topic_word = model["topic_word"].copy()
    topic_word[0, -1] = 0.0
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    prepared = prepare_topic_map(**{**model, "topic_word": topic_word})
    assert np.isfinite(prepared.topic_info[["logprob", "loglift"]].to_numpy()).all()
    assert min(page_data(topic_map_html(prepared, embed_font=False))["tinfo"]["logprob"]) > -30


def test_unusable_inputs_are_clear_errors(model):
    with pytest.raises(ZhtopicsError, match="no document has tokens"):
        prepare_topic_map(**{**model, "doc_lengths": np.zeros(D, dtype=int)})
    with pytest.raises(ZhtopicsError, match="disagree"):
        prepare_topic_map(**{**model, "vocab": WORDS[:-1]})
    with pytest.raises(ZhtopicsError, match="at least 2 topics"):
        prepare_topic_map(**{**model, "topic_word": model["topic_word"][:1], "doc_topic": np.ones((D, 1))})
