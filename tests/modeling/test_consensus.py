"""Consensus across seeds: alignment, seed support, flips, and the final model it makes."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import normalized_mutual_info_score

from zhtopics.modeling import ModelInput
from zhtopics.modeling.consensus import (
    align_seeds,
    aligned_doc_topics,
    consensus_doc_topic,
    match_topics,
    seed_consensus,
)
from zhtopics.modeling.engines import fit, get_engine, load_model
from zhtopics.modeling.metrics import stability
from zhtopics.modeling.rules import needs_heldout
from zhtopics.modeling.sweep import run_sweep, stability_table
from zhtopics.modeling.train import train_final
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths

from ..conftest import make_planted_input

FAST = load_params(overrides={"engines": {"tomotopy": {"iterations": 300}}})


def _topics(n_topics: int, n_terms: int = 60, seed: int = 0) -> np.ndarray:
    """Topics on disjoint blocks of words (plus a little of every word)."""
    rng = np.random.default_rng(seed)
    matrix = np.full((n_topics, n_terms), 1e-3)
    block = n_terms // n_topics
    for t in range(n_topics):
        matrix[t, t * block : (t + 1) * block] += rng.dirichlet(np.ones(block))
    return matrix / matrix.sum(axis=1, keepdims=True)


def _mixture_corpus(n_docs: int = 150, k: int = 5, seed: int = 0):
    """LDA-style documents over overlapping topics: (ModelInput, planted dominant topic)."""
    rng = np.random.default_rng(seed)
    n_terms = 12 * k
    phi = np.zeros((k, n_terms))
    for t in range(k):
        support = np.r_[np.arange(t * 12, t * 12 + 12), ((t + 1) % k) * 12 + np.arange(6)]
        phi[t, support] = rng.dirichlet(np.full(len(support), 0.5))
    texts, planted = [], []
    for _ in range(n_docs):
        z = rng.choice(k, size=30, p=rng.dirichlet(np.full(k, 0.3)))
        texts.append([f"w{rng.choice(n_terms, p=phi[t])}" for t in z])
        planted.append(np.bincount(z, minlength=k).argmax())
    return ModelInput(Dictionary(texts), texts), np.array(planted)


# --------------------------------------------------------------------------- alignment


def test_rectangular_matching_leaves_topics_without_a_partner_unmatched():
    reference = _topics(4)
    matching, similarity = match_topics(reference, reference[[3, 1]])
    assert matching.tolist() == [-1, 1, -1, 0]
    assert similarity[[1, 3]] == pytest.approx([1.0, 1.0]) and similarity[[0, 2]].tolist() == [0.0, 0.0]


def test_support_counts_the_seeds_that_find_each_topic():
    rng = np.random.default_rng(1)
    stable = _topics(4)
    unstable = _topics(4, seed=9)[:, rng.permutation(60)]  # unrelated word distributions
    seeds = [stable]  # the reference finds all four topics
    for s in range(4):
        other = stable.copy()
        if s > 0:  # three of the other four seeds have another topic in place of topic 3
            other[3] = unstable[s]
        seeds.append(other[[2, 0, 3, 1]])  # and every seed numbers its topics its own way
    alignment = align_seeds(seeds, [1, 2, 3, 4, 5], reference=0, min_similarity=0.5)
    assert alignment.seeds_found.tolist() == [5, 5, 5, 2]
    assert alignment.matching[1].tolist() == [1, 3, 0, 2]
    assert alignment.unmatched_topics() == [0, 0, 1, 1, 1]
    # Only the seeds that find topic 3 make its consensus words: the reference's topic.
    np.testing.assert_allclose(alignment.topic_word, stable, atol=1e-12)
    summary = alignment.summary()
    assert summary["reference_seed"] == 1 and summary["topics"][3]["seeds_found"] == 2


def test_seeds_with_more_or_fewer_topics_than_the_reference():
    reference = _topics(4)
    fewer = reference[[1, 0, 2]]  # topic 3 missing (a mixture engine dropped an empty cluster)
    more = np.vstack([reference, _topics(5, seed=3)[4]])[[4, 0, 1, 2, 3]]
    alignment = align_seeds([reference, fewer, more], [7, 8, 9], reference=0, min_similarity=0.5)
    assert alignment.seeds_found.tolist() == [3, 3, 3, 2]
    assert alignment.seed_topics == [4, 3, 5] and alignment.unmatched_topics() == [0, 0, 1]
    doc_topic = np.random.default_rng(0).dirichlet(np.ones(4), size=6)
    doc_topic, dominant, agreement = consensus_doc_topic(
        alignment, [doc_topic, doc_topic[:, [1, 0, 2]], np.c_[np.zeros(6), doc_topic]]
    )
    np.testing.assert_allclose(doc_topic.sum(axis=1), 1.0)
    assert doc_topic.shape == (6, 4) and (dominant >= 0).all()


def test_aligned_doc_topics_put_every_seed_in_the_reference_topic_numbers():
    reference = _topics(4)
    fewer = reference[[1, 0, 2]]  # topic 3 missing
    alignment = align_seeds([reference, fewer], [7, 8], reference=0, min_similarity=0.5)
    doc_topic = np.random.default_rng(0).dirichlet(np.ones(4), size=6)
    seed_fewer = doc_topic[:, [1, 0, 2]] / doc_topic[:, [1, 0, 2]].sum(axis=1, keepdims=True)
    aligned = aligned_doc_topics(alignment, [doc_topic, seed_fewer])
    assert aligned.shape == (2, 6, 4) and aligned.dtype == np.float32
    np.testing.assert_allclose(aligned[0], doc_topic, rtol=1e-6)
    np.testing.assert_allclose(aligned[1][:, :3], seed_fewer[:, [1, 0, 2]], rtol=1e-6)  # back in reference order
    assert (aligned[1][:, 3] == 0).all()  # the topic the seed does not find
    with pytest.raises(ValueError, match="expected 2"):
        aligned_doc_topics(alignment, [doc_topic])


# --------------------------------------------------------------------------- doc-topic, votes and flips


def _consensus_by_np_add_at(alignment, doc_topics, empty_docs):
    """consensus_doc_topic as first written: every seed through fancy indexing and np.add.at."""
    total = votes = None
    for s, matrix in enumerate(doc_topics):
        mapping = alignment.to_reference(s)
        if total is None:
            total = np.zeros((matrix.shape[0], alignment.k))
            votes = np.zeros((matrix.shape[0], alignment.k), dtype=np.int32)
        shared = np.flatnonzero(mapping >= 0)
        total[:, mapping[shared]] += matrix[:, shared]
        vote = mapping[matrix.argmax(axis=1)]
        voting = np.flatnonzero(vote >= 0)
        np.add.at(votes, (voting, vote[voting]), 1)
    sums = total.sum(axis=1, keepdims=True)
    doc_topic = np.where(sums > 0, total / np.where(sums > 0, sums, 1.0), 1.0 / alignment.k)
    dominant = (votes + 0.5 * doc_topic).argmax(axis=1)
    agreement = votes[np.arange(len(dominant)), dominant] / len(alignment.seeds)
    doc_topic[empty_docs] = 1.0 / alignment.k
    dominant[empty_docs] = -1
    agreement[empty_docs] = np.nan
    return doc_topic, dominant, agreement


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_consensus_doc_topic_has_the_bits_of_the_first_version(n_seeds):
    rng = np.random.default_rng(n_seeds)
    topics = _topics(5)
    topic_words = [topics] + [topics[rng.permutation(5)] for _ in range(n_seeds - 1)]
    if n_seeds > 1:
        topic_words[-1] = _topics(4, seed=9)  # a seed with a topic fewer, matched differently
    doc_topics = [rng.dirichlet(np.full(m.shape[0], 0.3), 200) for m in topic_words]
    alignment = align_seeds(topic_words, list(range(1, n_seeds + 1)), 0, 0.5)
    got = consensus_doc_topic(alignment, iter(doc_topics), [3, 7])
    expected = _consensus_by_np_add_at(alignment, doc_topics, [3, 7])
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_ambiguous_documents_are_flagged_and_the_majority_decides():
    identity = _topics(3)
    permuted = identity[[1, 2, 0]]  # this seed's topics 0, 1, 2 are the reference's 1, 2, 0
    topic_words = [identity, permuted, identity, permuted, identity]
    alignment = align_seeds(topic_words, [1, 2, 3, 4, 5], 0, 0.5)

    def seed_rows(rows, permute):
        rows = np.array(rows, dtype=float)
        return rows[:, [1, 2, 0]] if permute else rows

    clear = [0.9, 0.05, 0.05]
    votes = [[0.6, 0.4, 0.0], [0.6, 0.4, 0.0], [0.4, 0.6, 0.0], [0.4, 0.6, 0.0], [0.4, 0.6, 0.0]]
    split = [[0.6, 0.4, 0.0], [0.6, 0.4, 0.0], [0.4, 0.6, 0.0], [0.4, 0.6, 0.0], [0.0, 0.4, 0.6]]
    # Topic 2 is in every seed's share of the document (background words); three seeds give
    # its largest share to topic 0, two to topic 2: the mean share would pick topic 2.
    background = [[0.5, 0.1, 0.4]] * 3 + [[0.1, 0.1, 0.8]] * 2
    uniform = [1 / 3] * 3
    matrices = [seed_rows([clear, votes[s], split[s], background[s], uniform], s % 2 == 1) for s in range(5)]
    doc_topic, dominant, agreement = consensus_doc_topic(alignment, matrices, empty_docs=[4])
    assert dominant.tolist() == [0, 1, 1, 0, -1]  # doc 2: topics 0 and 1 have two votes each; 1 has more share
    assert doc_topic[3].argmax() == 2
    assert agreement[:4] == pytest.approx([1.0, 0.6, 0.4, 0.6]) and np.isnan(agreement[4])
    final = seed_consensus(_fitted(identity, matrices[0]), topic_words, matrices, [1, 2, 3, 4, 5], 0.5)
    assert final.flips(0.6).tolist() == [False, False, True, False, False]
    assert final.flips(0.75).tolist() == [False, True, True, True, False]
    columns = final.agreement_columns(0.75)
    assert columns.columns.tolist() == ["seed_agreement", "flips_between_seeds"]


def _fitted(topic_word, doc_topic):
    from zhtopics.modeling.engines import FittedModel

    return FittedModel("tomotopy", topic_word.shape[0], 1, topic_word, doc_topic, 0.0, {}, empty_docs=[4])


def test_documents_of_words_two_topics_share_flip_and_pure_ones_do_not():
    rng = np.random.default_rng(3)
    own = [[f"a{i}" for i in range(10)], [f"b{i}" for i in range(10)], [f"c{i}" for i in range(10)]]
    shared = [f"s{i}" for i in range(6)]  # words of topics 0 and 1 alike
    pure = [list(rng.choice(own[d % 3] + (shared if d % 3 < 2 else []), size=20)) for d in range(90)]
    ambiguous = [list(rng.choice(shared, size=12)) for _ in range(20)]
    data = ModelInput(Dictionary(pure + ambiguous), pure + ambiguous)
    seeds = [1, 2, 3, 4, 5]
    fits = [fit("tomotopy", data, 3, seed, FAST.engines) for seed in seeds]
    reference = int(np.argmax(stability([f.topic_word for f in fits])["typicality"]))
    final = seed_consensus(fits[reference], [f.topic_word for f in fits], [f.doc_topic for f in fits], seeds, 0.5)
    assert final.alignment.seeds_found.tolist() == [5, 5, 5]
    assert final.agreement[:90].min() == 1.0
    assert final.agreement[90:].mean() < 0.8
    assert not final.flips(0.8)[:90].any() and final.flips(0.8)[90:].mean() > 0.3


# --------------------------------------------------------------------------- recovery of planted topics


def test_consensus_recovers_planted_topics_as_well_as_a_single_seed():
    data, planted = _mixture_corpus()
    seeds = [1, 2, 3, 4, 5]
    fits = [fit("tomotopy", data, 5, seed, FAST.engines) for seed in seeds]
    single = [normalized_mutual_info_score(planted, f.doc_topic.argmax(axis=1)) for f in fits]
    reference = int(np.argmax(stability([f.topic_word for f in fits])["typicality"]))
    final = seed_consensus(fits[reference], [f.topic_word for f in fits], [f.doc_topic for f in fits], seeds, 0.5)
    consensus = normalized_mutual_info_score(planted, final.dominant)
    assert consensus >= np.mean(single)
    assert consensus >= single[reference] - 0.01


# --------------------------------------------------------------------------- the final model of train


@pytest.fixture(scope="module")
def planted_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("consensus")
    data = make_planted_input(n_docs=60, doc_length=20)
    params = FAST.replace(sweep={"engines": ["tomotopy"], "k": [3], "seeds": [1, 2, 3], "processes": 1})
    return folder, data, params


def _train(folder, data, params):
    paths = OutputPaths(folder)
    sweep = run_sweep(data, params, paths.sweep_cache, processes=1, heldout=needs_heldout(params.selection.rule))
    table, typicality = stability_table(sweep.topic_words)
    choice, finals = train_final(data, params, sweep, table, typicality, paths)
    return paths, choice, finals["tomotopy"]


def test_final_model_is_the_consensus_numbered_as_its_reference_seed(planted_sweep):
    folder, data, params = planted_sweep
    paths, choice, final = _train(folder / "kept", data, params)
    model_dir = paths.model_dir("tomotopy", 3)
    np.testing.assert_allclose(np.load(model_dir / "topic_word.npy"), final.model.topic_word)
    loaded = load_model(model_dir, "tomotopy", 3, final.model.seed, {}, 0.0, [])
    inferred = get_engine("tomotopy").infer(loaded, [data.texts_of([row])[0] for row in range(data.n_docs)])
    assert (inferred.argmax(axis=1) == final.dominant).mean() >= 0.95
    import json

    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["consensus"]["seeds"] == [1, 2, 3] and manifest["seed"] == manifest["consensus"]["reference_seed"]
    assert [t["seeds_found"] for t in manifest["consensus"]["topics"]] == [3, 3, 3]


def test_consensus_is_the_same_when_train_fits_the_seeds_again(planted_sweep):
    folder, data, params = planted_sweep
    _, _, kept = _train(folder / "kept", data, params)
    refit_params = params.replace(sweep={"keep_doc_topics_mb": 0})
    paths, _, refitted = _train(folder / "refit", data, refit_params)
    assert len(list(paths.sweep_cache.glob("*.doc_topic.npy"))) == 3  # fitted again by train, then kept
    np.testing.assert_array_equal(kept.model.doc_topic, refitted.model.doc_topic)
    np.testing.assert_array_equal(kept.dominant, refitted.dominant)
