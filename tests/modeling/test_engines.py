"""Both engines: planted topics are recovered, a fixed seed reproduces, matrices are well formed."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling import ENGINES, ModelInput, fit
from zhtopics.modeling.metrics import stability
from zhtopics.modeling.tables import topic_word_table
from zhtopics.params import load_params

from ..conftest import PLANTED_TOPICS

ENGINE_PARAMS = load_params(
    overrides={"engines": {"gensim": {"passes": 20, "iterations": 200}, "tomotopy": {"iterations": 300, "workers": 1}}}
).engines


def _recovered(fitted, dictionary) -> bool:
    """Every planted topic has a fitted topic with at least 5 of its words among the top 6."""
    found = [set(words) for words in fitted.top_words(dictionary, 6)]
    return all(max(len(set(planted_words) & words) for words in found) >= 5 for planted_words in PLANTED_TOPICS)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_recovers_planted_topics(planted, engine):
    """Over the default seeds, the most typical run (the one the pipeline keeps) recovers the
    planted topics and assigns each document to the topic it was drawn from; so do most runs.
    (gensim's variational Bayes can merge two planted topics for an unlucky seed, which is
    why the pipeline keeps the typical seed and not an arbitrary one.)"""
    fits = [fit(engine, planted, 3, seed, ENGINE_PARAMS) for seed in (1, 2, 3, 4, 5)]
    typical = fits[int(np.argmax(stability([f.topic_word for f in fits])["typicality"]))]
    assert _recovered(typical, planted.dictionary)
    assert sum(_recovered(f, planted.dictionary) for f in fits) >= 4
    assert typical.topic_word.shape == (3, len(planted.dictionary))
    assert typical.doc_topic.shape == (planted.n_docs, 3)
    np.testing.assert_allclose(typical.topic_word.sum(axis=1), 1.0)
    np.testing.assert_allclose(typical.doc_topic.sum(axis=1), 1.0)
    dominant = typical.doc_topic.argmax(axis=1)
    assert len({tuple(sorted(set(dominant[start::3]))) for start in range(3)}) == 3
    for start in range(3):
        assert len(set(dominant[start::3])) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_fixed_seed_reproduces_the_same_model(planted, engine):
    first = fit(engine, planted, 3, 11, ENGINE_PARAMS)
    second = fit(engine, planted, 3, 11, ENGINE_PARAMS)
    np.testing.assert_array_equal(first.topic_word, second.topic_word)
    np.testing.assert_array_equal(first.doc_topic, second.doc_topic)


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_documents_get_uniform_rows(engine):
    texts = [["物流", "货源"], [], ["信任", "口碑"], ["物流", "配送"], ["信任", "品质"]]
    data = ModelInput(Dictionary(texts), texts, [str(i) for i in range(5)])
    fitted = fit(engine, data, 2, 1, ENGINE_PARAMS)
    assert fitted.empty_docs == [1]
    np.testing.assert_allclose(fitted.doc_topic[1], [0.5, 0.5])


def test_topic_word_table_has_contract_columns(planted):
    fitted = fit("tomotopy", planted, 3, 1, ENGINE_PARAMS)
    table = topic_word_table(fitted, planted.dictionary, topn=5)
    assert table.columns.tolist() == ["topic", "rank", "word", "weight"]
    assert len(table) == 15
    assert table.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing).all()


def test_unknown_engine_is_a_clear_error(planted):
    with pytest.raises(ZhtopicsError, match="unknown engine 'mallet'"):
        fit("mallet", planted, 3, 1, ENGINE_PARAMS)


def test_tomotopy_with_two_workers_is_reproducible(planted):
    # workers > 1 (ParallelScheme.PARTITION): the same seed and number of workers give the
    # same model, and the model still finds the planted topics.
    params = load_params(overrides={"engines": {"tomotopy": {"iterations": 300, "workers": 2}}}).engines
    first, second = (fit("tomotopy", planted, 3, 7, params) for _ in range(2))
    assert np.array_equal(first.topic_word, second.topic_word)
    assert np.array_equal(first.doc_topic, second.doc_topic)
    assert first.params["workers"] == 2
    assert _recovered(first, planted.dictionary)


@pytest.mark.parametrize("engine", ENGINES)
def test_inference_on_new_texts_finds_their_topics(planted, engine):
    """The engine's own inference: texts taken from the training corpus get their training
    topics back, the same rows every time; a text of unknown words gets a uniform row."""
    from zhtopics.modeling import get_engine

    spec = get_engine(engine)
    fitted = fit(engine, planted, 3, 1, ENGINE_PARAMS)
    texts = planted.texts_of(range(30))
    theta = spec.infer(fitted, texts + [["未知", "词语"]], seed=3)
    assert theta.shape == (31, 3)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    agree = (theta[:30].argmax(axis=1) == fitted.doc_topic[:30].argmax(axis=1)).mean()
    assert agree >= 0.9
    np.testing.assert_allclose(theta[30], 1 / 3)
    np.testing.assert_array_equal(theta, spec.infer(fitted, texts + [["未知", "词语"]], seed=3))


@pytest.mark.parametrize("engine", ENGINES)
def test_document_completion_prefers_the_fitted_topics(planted, engine):
    """log p(second half | first half) is higher under the fitted model than under the same
    model with its topics' words shuffled (a model that learnt nothing)."""
    from zhtopics.modeling import get_engine

    spec = get_engine(engine)
    fitted = fit(engine, planted, 3, 1, ENGINE_PARAMS)
    texts = planted.texts_of(range(60))
    observed, held_out = [t[: len(t) // 2] for t in texts], [t[len(t) // 2 :] for t in texts]
    good = spec.completion_log_likelihood(fitted, observed, held_out)
    assert good.shape == (60,) and (good < 0).all()
    shuffled = np.random.default_rng(0).permutation(fitted.topic_word.shape[1])
    fitted.topic_word = fitted.topic_word[:, shuffled]
    assert good.sum() > spec.completion_log_likelihood(fitted, observed, held_out).sum()
