"""Sweep: metrics, stability across seeds, parallel runs and the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling import ModelInput
from zhtopics.modeling.metrics import matched_similarity, stability, topic_diversity
from zhtopics.modeling.sweep import run_sweep, stability_table
from zhtopics.params import load_params

from ..conftest import make_planted_input

SMALL_VALUES = {
    "engines": {"gensim": {"passes": 5, "iterations": 50}, "tomotopy": {"iterations": 100}},
    "sweep": {
        "engines": ["gensim", "tomotopy"],
        "k": [2, 3],
        "seeds": [1, 2],
        "coherence_topn": 5,
        "diversity_topn": 5,
        "processes": 2,
    },
}
SMALL = load_params(overrides=SMALL_VALUES)


def test_stability_is_one_for_identical_models_and_low_for_shuffled():
    rng = np.random.default_rng(0)
    topics = rng.dirichlet(np.full(200, 0.05), size=5)
    permuted = topics[[3, 1, 4, 0, 2]]  # same topics, other order
    assert stability([topics, topics, permuted])["stability"] == pytest.approx(1.0)
    shuffled = [topics[:, rng.permutation(200)] for _ in range(3)]  # words shuffled: unrelated topics
    assert stability([topics, *shuffled])["stability"] < 0.3


def test_matched_similarity_returns_the_matching():
    a = np.eye(3) + 0.01
    similarity, matching = matched_similarity(a, a[[2, 0, 1]])
    assert similarity == pytest.approx(1.0)
    assert matching.tolist() == [1, 2, 0]


def test_matched_similarity_of_models_with_different_numbers_of_topics():
    # a mixture engine keeps different numbers of clusters under different seeds
    a = np.eye(3) + 0.01
    similarity, matching = matched_similarity(a, a[:2])
    assert similarity == pytest.approx(2 / 3) and matching.tolist() == [0, 1, -1]
    assert matched_similarity(a[:2], a)[0] == pytest.approx(2 / 3)


def test_topic_diversity():
    disjoint = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]]) + 1e-9
    same = np.array([[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0]]) + 1e-9
    assert topic_diversity(disjoint, topn=2) == 1.0
    assert topic_diversity(same, topn=2) == 0.5


@pytest.fixture(scope="module")
def small_input() -> ModelInput:
    return make_planted_input(n_docs=30, doc_length=15)


def test_sweep_rows_cache_and_parallel_equals_serial(tmp_path, small_input):
    result = run_sweep(small_input, SMALL, tmp_path / "cache")
    runs, topic_words = result.runs, result.topic_words
    assert runs.columns.tolist() == ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "seconds", "topics"]
    assert len(runs) == 8 and runs[["c_v", "c_npmi", "u_mass", "diversity"]].notna().all().all()
    assert len(list((tmp_path / "cache").glob("*.json"))) == 8
    serial_result = run_sweep(small_input, SMALL, tmp_path / "serial", processes=1)
    serial, serial_words = serial_result.runs, serial_result.topic_words
    metrics = ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity"]
    assert serial[metrics].equals(runs[metrics])
    for spec in topic_words:
        np.testing.assert_array_equal(topic_words[spec], serial_words[spec])
    # Unchanged: every run comes from the cache, identical, seconds included.
    stamp = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
    again = run_sweep(small_input, SMALL, tmp_path / "cache").runs
    assert again.equals(runs)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()} == stamp


def test_cache_is_invalidated_by_params_and_corpus(tmp_path, small_input):
    cache = tmp_path / "cache"
    run_sweep(small_input, SMALL, cache)
    changed = SMALL.replace(engines={"tomotopy": {"iterations": 150}})
    run_sweep(small_input, changed, cache)
    assert len(list(cache.glob("*.json"))) == 12  # the 4 tomotopy runs again, gensim reused
    other = make_planted_input(n_docs=30, doc_length=15, seed=1)
    run_sweep(other, SMALL, cache)
    assert len(list(cache.glob("*.json"))) == 20


def test_stability_table_gives_one_row_per_setting(tmp_path, small_input):
    topic_words = run_sweep(small_input, SMALL, tmp_path / "cache").topic_words
    table, typicality = stability_table(topic_words)
    assert len(table) == 4 and set(table["pairs"]) == {1}
    assert set(typicality) == set(topic_words)


def test_cache_is_invalidated_by_code_version(tmp_path, small_input, monkeypatch):
    import zhtopics.modeling.sweep

    cache = tmp_path / "cache"
    run_sweep(small_input, SMALL, cache)
    monkeypatch.setattr(zhtopics.modeling.sweep, "code_version", lambda: "another-version")
    run_sweep(small_input, SMALL, cache, processes=1)
    assert len(list(cache.glob("*.json"))) == 16


def test_sweep_caps_k_at_the_documents_with_tokens(tmp_path, caplog):
    tiny = make_planted_input(n_docs=4, doc_length=10)
    params = SMALL.replace(sweep={"engines": ["tomotopy"], "k": [2, 3, 4, 5, 6], "seeds": [1]})
    with caplog.at_level("WARNING", logger="zhtopics.modeling.sweep"):
        runs = run_sweep(tiny, params, tmp_path / "cache", processes=1).runs
    assert sorted(runs["k"]) == [2, 3, 4]
    assert "K = 5, 6 are skipped" in caplog.text


def test_a_single_k_larger_than_the_corpus_is_an_error(tmp_path):
    params = SMALL.replace(sweep={"engines": ["tomotopy"], "k": [9], "seeds": [1]})
    with pytest.raises(ZhtopicsError, match="K = 9 topics but only 4 documents have tokens"):
        run_sweep(make_planted_input(n_docs=4, doc_length=10), params, tmp_path / "cache", processes=1)
