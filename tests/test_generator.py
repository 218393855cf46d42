"""The benchmarks' synthetic corpus generator (benchmarks/generate.py) and recovery measure
(benchmarks/recovery.py): reproducible, realistic unsegmented text, topics the real pipeline
finds again."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import PUNCTUATION, PlantedModel, excluded_words, generate_corpus, write_corpus
from benchmarks.recovery import document_recovery, normalized_mutual_info, recovery
from zhtopics.cli import main

SMALL = dict(k=5, vocabulary_size=250)
_ALLOWED_CHARS = re.compile(r"^[\u4e00-\u9fff" + "".join(PUNCTUATION) + r"]+$")
# One engine, one seed, K fixed on the command line; the guided model's seed words belong
# to the seed corpus, not to generated text.
SMALL_CONFIG = """
sweep:
  engines: [tomotopy]
  seeds: [1]
engines:
  tomotopy:
    iterations: 200
themes:
  guided:
    enabled: false
"""


def test_same_seed_same_corpus_and_larger_corpora_extend_smaller_ones():
    texts, truth = generate_corpus(300, seed=3, **SMALL)
    again, truth_again = generate_corpus(300, seed=3, **SMALL)
    assert texts == again
    np.testing.assert_array_equal(truth.theta, truth_again.theta)
    np.testing.assert_array_equal(truth.planted_topic, truth_again.planted_topic)
    assert truth.vocabulary == truth_again.vocabulary and truth.key() == truth_again.key()
    other, _ = generate_corpus(300, seed=4, **SMALL)
    assert other != texts
    prefix, prefix_truth = generate_corpus(120, seed=3, **SMALL)
    assert prefix == texts[:120]
    np.testing.assert_array_equal(prefix_truth.planted_topic, truth.planted_topic[:120])


def test_streamed_corpus_is_the_listed_one():
    texts, truth = generate_corpus(250, seed=1, **SMALL)
    stream, streamed_truth = generate_corpus(250, seed=1, stream=True, **SMALL)
    assert list(stream) == texts
    np.testing.assert_array_equal(streamed_truth.planted_topic, truth.planted_topic)


@pytest.mark.parametrize("doc_chars", [30, 60])
def test_documents_are_unsegmented_chinese_of_the_requested_length(doc_chars):
    texts, _ = generate_corpus(2000, doc_chars=doc_chars, seed=0)
    lengths = np.array([len(text) for text in texts])
    assert abs(lengths.mean() - doc_chars) < 0.1 * doc_chars
    assert not any(re.search(r"\s", text) for text in texts)
    assert all(_ALLOWED_CHARS.match(text) for text in texts)
    assert all(text.endswith("。") for text in texts)
    with_comma = np.mean(["，" in text[:-1] for text in texts])
    assert with_comma > (0.5 if doc_chars == 30 else 0.8)


def test_planted_topics_are_distinct_nouns_and_verbs_outside_the_filters():
    _, truth = generate_corpus(50, seed=0)
    assert len(truth.vocabulary) == len(set(truth.vocabulary)) == 2000
    assert not set(truth.vocabulary) & excluded_words()
    assert all(2 <= len(word) <= 4 for word in truth.vocabulary)
    np.testing.assert_allclose(truth.topic_word.sum(axis=1), 1.0)
    np.testing.assert_allclose(truth.theta.sum(axis=1), 1.0, rtol=1e-5)
    # each topic's mass (beyond the uniform background) sits on its own block of words
    own = truth.topic_word[np.arange(truth.k)[:, None] == truth.word_topic[None, :]].reshape(truth.k, -1).sum(axis=1)
    assert (own > 0.9).all()
    assert set(np.unique(truth.planted_topic)) <= set(range(truth.k))
    assert ((truth.planted_share > 0) & (truth.planted_share <= 1)).all()


def test_nmi_and_matched_accuracy():
    rng = np.random.default_rng(0)
    planted = rng.integers(0, 5, 600)
    relabelled = (planted + 2) % 5
    assert normalized_mutual_info(planted, relabelled) == pytest.approx(1.0)
    assert document_recovery(planted, relabelled)["matched_accuracy"] == 1.0
    assert normalized_mutual_info(planted, rng.integers(0, 5, 600)) < 0.05
    from sklearn.metrics import normalized_mutual_info_score

    noisy = np.where(rng.random(600) < 0.3, rng.integers(0, 5, 600), planted)
    assert normalized_mutual_info(planted, noisy) == pytest.approx(normalized_mutual_info_score(planted, noisy))


def test_planted_topics_are_recovered_by_the_pipeline(tmp_path):
    """600 documents, 5 planted topics, through `zhtopics run` (segmentation included).

    Threshold: over generator seeds 0-9 this setting gave NMI 0.89-0.96 (median 0.94;
    seed 0, used here, 0.95); a run where the sampler merges two planted topics and splits
    another (seen with other settings) scores about 0.8; unrelated labelings of 600
    documents into 5 groups score about 0.01. So NMI >= 0.75 fails when recovery breaks
    (planted words lost in segmentation, doc_topics rows out of line with the documents,
    a model that does not converge), not on an unlucky local optimum.
    """
    corpus = tmp_path / "planted.csv"
    truth = write_corpus(corpus, 600, PlantedModel(seed=0, **SMALL))
    config = tmp_path / "small.yaml"
    config.write_text(SMALL_CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    argv = [
        "run",
        str(corpus),
        "--out",
        str(out),
        "--text-column",
        "text",
        "--k",
        "5",
        "--config",
        str(config),
        "-q",
        "--no-figures",
        "--no-report",
    ]
    assert main(argv) == 0
    doc_topics = pd.read_csv(out / "results" / "doc_topics.csv", usecols=["gen_id", "planted_topic"])
    assert doc_topics["planted_topic"].tolist() == truth.planted_topic[doc_topics["gen_id"]].tolist()
    result = recovery(out, truth)
    assert result["documents"]["documents_dropped_by_prepare"] == 0
    assert result["documents"]["nmi"] >= 0.75, result
    assert result["topics"]["planted_vocabulary_kept"] >= 0.95, result
    assert result["topics"]["mean_matched_cosine"] >= 0.7, result
