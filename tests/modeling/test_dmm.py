"""The Dirichlet multinomial mixture engine (``dmm``): its sampler against the exact
posterior, planted one-topic documents, K as an upper bound, seeds, inference, completion."""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pytest
from gensim.corpora import Dictionary
from numba import njit

from zhtopics.modeling import ModelInput, fit, get_engine
from zhtopics.modeling.engines import load_model, save_model
from zhtopics.modeling.engines.dmm import _LOG_TABLE_SIZE, _Bags, _log_conditional, _log_table, _sweep, gibbs
from zhtopics.params import load_params

from ..conftest import PLANTED_TOPICS, make_planted_input

PARAMS = load_params().engines  # the packaged defaults of engines.dmm


def _exact_grouping(dominant: np.ndarray, n_topics: int = 3) -> bool:
    """make_planted_input's document i comes from topic i % 3: every planted topic is one
    cluster, and no two share one."""
    groups = [set(dominant[start::n_topics]) for start in range(n_topics)]
    return all(len(g) == 1 for g in groups) and len(set().union(*groups)) == n_topics


# --------------------------------------------------------------------------- the sampler itself


@njit
def _conditional_without_table(ids, counts, length, word_cluster, cluster_docs, cluster_tokens, alpha, beta, vbeta):
    """The sampler's conditional as it was before the log table (log called every time)."""
    out = np.empty(len(cluster_docs))
    for k in range(len(cluster_docs)):
        total = cluster_tokens[k] + vbeta
        out[k] = math.log(cluster_docs[k] + alpha) - (math.lgamma(total + length) - math.lgamma(total))
    for j in range(len(ids)):
        w, c = ids[j], counts[j]
        for k in range(len(cluster_docs)):
            n = word_cluster[w, k] + beta
            out[k] += math.log(n) if c == 1 else math.lgamma(n + c) - math.lgamma(n)
    return out


def test_the_log_table_gives_the_bits_of_log_below_and_above_its_size():
    beta, alpha = 0.1, 0.1
    table = _log_table(beta, _LOG_TABLE_SIZE)
    assert all(table[i] == math.log(i + beta) for i in (0, 1, 2, 999, _LOG_TABLE_SIZE - 1))
    # words counted below and above the table's size, once and twice in the document
    word_cluster = np.array([[7, _LOG_TABLE_SIZE + 5], [3, 1], [_LOG_TABLE_SIZE, 0]], dtype=np.int64)
    cluster_docs, cluster_tokens = np.array([4, 9], dtype=np.int64), np.array([10, 2 * _LOG_TABLE_SIZE], dtype=np.int64)
    ids, counts = np.array([0, 1, 2], dtype=np.int32), np.array([1, 2, 1], dtype=np.int32)
    out, vbeta = np.empty(2), 3 * beta
    _log_conditional(ids, counts, 0, 3, 4, word_cluster, cluster_docs, cluster_tokens, alpha, beta, table, out)
    expected = _conditional_without_table(
        ids, counts, 4, word_cluster, cluster_docs, cluster_tokens, alpha, beta, vbeta
    )
    assert out.tolist() == expected.tolist()


DOCS = [[0, 0, 1], [0, 1], [2, 3, 3], [3, 2], [1, 2], [3, 3, 3, 0]]


def _exact_posterior(alpha, beta, k, n_words, with_length_term=True):
    """p(z | w) of the collapsed DMM for every assignment z of DOCS, by enumeration:
    Π_k Γ(m_k + α) Π_w Γ(n_kw + β) / Γ(n_k + Vβ) (constants dropped)."""
    states = list(itertools.product(range(k), repeat=len(DOCS)))
    log_p = []
    for z in states:
        total = 0.0
        for cluster in range(k):
            words = [w for doc, c in zip(DOCS, z) if c == cluster for w in doc]
            total += math.lgamma(sum(c == cluster for c in z) + alpha)
            total -= math.lgamma(len(words) + n_words * beta) if with_length_term else 0.0
            total += sum(math.lgamma(words.count(w) + beta) for w in range(n_words))
        log_p.append(total)
    p = np.exp(np.array(log_p) - max(log_p))
    return states, p / p.sum()


def test_the_gibbs_chain_samples_the_exact_posterior():
    """On six documents and two clusters, the chain's visits to the 2^6 assignments match the
    enumerated posterior (total variation ~0.01, Monte Carlo error); a sampler that left out
    the length term of Yin & Wang's eq. 4 would be ~0.8 away."""
    alpha, beta, k, n_words = 0.5, 0.5, 2, 4
    states, exact = _exact_posterior(alpha, beta, k, n_words)
    _, wrong = _exact_posterior(alpha, beta, k, n_words, with_length_term=False)
    bags = _Bags.of_texts([[str(w) for w in doc] for doc in DOCS], {str(w): w for w in range(n_words)})
    z, word_cluster, cluster_docs, cluster_tokens = gibbs(bags, n_words, k, alpha, beta, 0, seed=0)
    rng, index, visits, sweeps = (
        np.random.default_rng(0),
        {s: i for i, s in enumerate(states)},
        np.zeros(len(states)),
        50_000,
    )
    for _ in range(sweeps):
        _sweep(*bags, z, word_cluster, cluster_docs, cluster_tokens, alpha, beta, rng.random(len(DOCS)))
        visits[index[tuple(z.tolist())]] += 1
    frequency = visits / sweeps
    assert 0.5 * np.abs(frequency - exact).sum() < 0.03
    assert 0.5 * np.abs(exact - wrong).sum() > 0.5  # the check has the power to see a wrong sampler


# --------------------------------------------------------------------------- planted topics, K as a bound


@pytest.mark.parametrize(("n_docs", "doc_length"), [(90, 30), (90, 8)])
def test_planted_one_topic_documents_are_grouped_exactly(n_docs, doc_length):
    data = make_planted_input(n_docs, doc_length)
    fitted = fit("dmm", data, 3, 1, PARAMS)
    assert fitted.k == 3
    assert _exact_grouping(fitted.doc_topic.argmax(axis=1))
    top = [set(words) for words in fitted.top_words(data.dictionary, 8)]
    assert all(max(len(set(words) & t) for t in top) >= 7 for words in PLANTED_TOPICS)


def test_k_is_an_upper_bound_and_empty_clusters_are_dropped(planted, caplog):
    with caplog.at_level(logging.INFO, logger="zhtopics.modeling.engines.dmm"):
        fitted = fit("dmm", planted, 10, 1, PARAMS)
    assert fitted.k == 3
    assert fitted.params["k_requested"] == 10 and fitted.params["clusters_dropped"] == 7
    assert fitted.native.clusters_dropped == 7
    assert "7 of K = 10 clusters ended empty and were dropped" in caplog.text
    assert fitted.topic_word.shape == (3, len(planted.dictionary))
    assert fitted.doc_topic.shape == (planted.n_docs, 3)
    np.testing.assert_allclose(fitted.topic_word.sum(axis=1), 1.0)
    np.testing.assert_allclose(fitted.doc_topic.sum(axis=1), 1.0)
    assert _exact_grouping(fitted.doc_topic.argmax(axis=1))
    # renumbered largest first: cluster sizes never increase
    sizes = fitted.native.cluster_docs
    assert (np.diff(sizes) <= 0).all() and sizes.sum() == planted.n_docs
    # topic_word is the smoothed counts
    counts = fitted.native.cluster_word
    np.testing.assert_allclose(fitted.topic_word, (counts + 0.1) / (counts + 0.1).sum(axis=1, keepdims=True))


def test_unequal_clusters_come_largest_first():
    texts = [PLANTED_TOPICS[0][:4]] * 5 + [PLANTED_TOPICS[1][:4]] * 12 + [PLANTED_TOPICS[2][:4]] * 8
    data = ModelInput(Dictionary(texts), texts)
    fitted = fit("dmm", data, 5, 2, PARAMS)
    assert fitted.native.cluster_docs.tolist() == [12, 8, 5]
    assert fitted.doc_topic[5:17].argmax(axis=1).tolist() == [0] * 12


def test_documents_without_tokens_get_uniform_rows():
    texts = [["物流", "货源"], [], ["信任", "口碑"], ["物流", "配送"], ["信任", "品质"], []]
    data = ModelInput(Dictionary([t for t in texts if t]), texts)
    fitted = fit("dmm", data, 4, 1, PARAMS)
    assert fitted.empty_docs == [1, 5]
    np.testing.assert_allclose(fitted.doc_topic[[1, 5]], 1.0 / fitted.k)
    assert fitted.native.cluster_docs.sum() == 4  # they take no part in the counts


def test_long_documents_do_not_underflow():
    """A 600-token document's conditional is ~exp(-4000): computed in logs, the clusters still
    separate (tweetopic's sampler gives uniform rows here: benchmarks/tweetopic_check.py)."""
    data = make_planted_input(30, 600)
    fitted = fit("dmm", data, 4, 1, PARAMS)
    assert np.isfinite(fitted.doc_topic).all()
    assert _exact_grouping(fitted.doc_topic.argmax(axis=1))


# --------------------------------------------------------------------------- seeds, files


def test_same_seed_same_model_byte_for_byte(planted, tmp_path):
    first, second = (fit("dmm", planted, 6, 11, PARAMS) for _ in range(2))
    assert first.topic_word.tobytes() == second.topic_word.tobytes()
    assert first.doc_topic.tobytes() == second.doc_topic.tobytes()
    engine = get_engine("dmm")
    engine.save_native(first.native, tmp_path / "a.npz")
    engine.save_native(second.native, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    other = fit("dmm", make_planted_input(90, 8), 6, 12, PARAMS)
    assert other.doc_topic.tobytes() != first.doc_topic.tobytes()


def test_another_seed_is_another_chain():
    data = make_planted_input(90, 8)
    runs = [fit("dmm", data, 6, seed, PARAMS).doc_topic for seed in (1, 2)]
    assert runs[0].tobytes() != runs[1].tobytes()


def test_a_saved_model_loads_with_its_kept_clusters(planted, tmp_path):
    fitted = fit("dmm", planted, 8, 3, PARAMS)
    save_model(fitted, tmp_path / "model", planted.dictionary)
    loaded = load_model(tmp_path / "model", "dmm", 8, 3, {}, 0.0, [])
    assert loaded.k == fitted.k == 3
    assert loaded.native.k_requested == 8 and loaded.native.clusters_dropped == 5
    np.testing.assert_array_equal(loaded.native.cluster_word, fitted.native.cluster_word)
    texts = planted.texts_of(range(9))
    np.testing.assert_array_equal(get_engine("dmm").infer(loaded, texts), get_engine("dmm").infer(fitted, texts))


def test_a_model_file_of_another_format_is_refused(planted, tmp_path):
    from zhtopics.errors import ZhtopicsError

    np.savez(tmp_path / "old.npz", format=np.int64(99))
    with pytest.raises(ZhtopicsError, match="format 99"):
        get_engine("dmm").load_native(tmp_path / "old.npz")


# --------------------------------------------------------------------------- inference and completion


def test_inference_on_training_texts_returns_their_clusters(planted):
    engine = get_engine("dmm")
    fitted = fit("dmm", planted, 6, 1, PARAMS)
    texts = planted.texts_of(range(planted.n_docs))
    theta = engine.infer(fitted, texts + [["未知", "词语"], []])
    assert theta.shape == (planted.n_docs + 2, fitted.k)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    np.testing.assert_array_equal(theta[:-2].argmax(axis=1), fitted.doc_topic.argmax(axis=1))
    np.testing.assert_allclose(theta[-2:], 1.0 / fitted.k)


def test_inference_is_the_conditional_of_a_new_document():
    """For a new document: p(k | d) ∝ (m_k + α) Π_w Π_j (n_kw + β + j) / Π_i (n_k + Vβ + i)."""
    texts = [["物流", "货源", "物流"], ["物流", "配送"], ["信任", "口碑"], ["信任", "品质", "口碑"]]
    data = ModelInput(Dictionary(texts), texts)
    fitted = fit("dmm", data, 2, 1, PARAMS)
    state, new = fitted.native, ["物流", "物流", "信任", "未知"]
    v, a, b = len(data.dictionary), state.alpha, state.beta
    log_p = []
    for k in range(state.k):
        n_k = state.cluster_word[k].sum()
        value = math.log(state.cluster_docs[k] + a)
        for j, word in enumerate(["物流", "物流"]):
            value += math.log(state.cluster_word[k, data.dictionary.token2id[word]] + b + j)
        value += math.log(state.cluster_word[k, data.dictionary.token2id["信任"]] + b)
        value -= sum(math.log(n_k + v * b + i) for i in range(3))
        log_p.append(value)
    expected = np.exp(np.array(log_p) - max(log_p))
    np.testing.assert_allclose(get_engine("dmm").infer(fitted, [new])[0], expected / expected.sum())


def test_completion_is_the_mixture_form():
    texts = [["物流", "货源"], ["物流", "配送"], ["信任", "口碑"], ["信任", "品质"]]
    data = ModelInput(Dictionary(texts), texts)
    engine = get_engine("dmm")
    fitted = fit("dmm", data, 2, 1, PARAMS)
    observed, held_out = [["物流"], []], [["配送", "货源"], ["信任", "未知"]]
    theta = engine.infer(fitted, observed)
    column = data.dictionary.token2id
    phi = fitted.topic_word
    expected = [
        math.log(sum(theta[0, k] * phi[k, column["配送"]] * phi[k, column["货源"]] for k in range(fitted.k))),
        math.log(sum(phi[k, column["信任"]] for k in range(fitted.k)) / fitted.k),
    ]
    np.testing.assert_allclose(engine.completion_log_likelihood(fitted, observed, held_out), expected)
    assert engine.completion_log_likelihood(fitted, [["物流"]], [["未知"]]).tolist() == [0.0]


def test_completion_prefers_the_fitted_clusters(planted):
    engine = get_engine("dmm")
    fitted = fit("dmm", planted, 6, 1, PARAMS)
    texts = planted.texts_of(range(60))
    observed, held_out = [t[: len(t) // 2] for t in texts], [t[len(t) // 2 :] for t in texts]
    good = engine.completion_log_likelihood(fitted, observed, held_out)
    assert good.shape == (60,) and (good < 0).all()
    shuffled = np.random.default_rng(0).permutation(fitted.topic_word.shape[1])
    fitted.topic_word = fitted.topic_word[:, shuffled]
    assert good.sum() > engine.completion_log_likelihood(fitted, observed, held_out).sum()
