"""The two Spark modelling paths (zhtopics.spark.modeling) on a small planted corpus, local[2].

The corpus is made here: K = 5 topics over disjoint blocks of 40 words, each document 20
words mostly (90%) from its one planted topic, plus three documents with no word of the
vocabulary. The tokens go straight to ``fit_topics`` (no segmentation: that is the
pipeline's, tested in its own tests), so the thresholds measure the modelling alone.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyspark")

from benchmarks.recovery import normalized_mutual_info
from zhtopics.errors import ZhtopicsError
from zhtopics.params import load_params
from zhtopics.spark.modeling import fit_topics, topic_columns

K, WORDS_PER_TOPIC, DOCS, LENGTH = 5, 40, 1500, 20
#: Planted recovery every path must reach on this corpus. All three reached NMI 1.0 when
#: the test was written (local[2]); a path that loses its topics falls far below (a random
#: assignment scores about 0.0).
MIN_NMI = 0.9


@pytest.fixture(scope="module")
def planted(spark):
    """(tokens DataFrame, vocabulary, planted topic of each doc_id 0..DOCS-1)."""
    import pandas as pd

    rng = np.random.default_rng(7)
    vocabulary = [f"词{topic}_{word}" for topic in range(K) for word in range(WORDS_PER_TOPIC)]
    topics = rng.integers(0, K, DOCS)
    own = rng.random((DOCS, LENGTH)) < 0.9
    words = np.where(
        own,
        topics[:, None] * WORDS_PER_TOPIC + rng.integers(0, WORDS_PER_TOPIC, (DOCS, LENGTH)),
        rng.integers(0, K * WORDS_PER_TOPIC, (DOCS, LENGTH)),
    )
    texts = [[vocabulary[w] for w in row] for row in words]
    for row in (3, 500, 1400):  # no word of the vocabulary
        texts[row] = ["未知"]
    frame = pd.DataFrame({"doc_id": np.arange(DOCS, dtype=np.int64), "tokens": texts})
    return spark.createDataFrame(frame, "doc_id long, tokens array<string>"), vocabulary, topics


def modeling_params(path: str, partitions: int = 2, engine: str = "tomotopy"):
    return load_params(
        overrides={
            "spark_modeling": {
                "path": path,
                "partitions": partitions,
                "sample": {"engine": engine, "docs": 1000},
                "mllib": {"max_iterations": 30, "batch_docs": 500},
            },
            "engines": {"tomotopy": {"iterations": 100}, "dmm": {"iterations": 10}},
        }
    )


def fit(spark, planted, path: str, seed: int = 1, **options):
    tokens, vocabulary, _ = planted
    params = modeling_params(path, **options)
    model = fit_topics(spark, tokens, vocabulary, K, seed, params.spark_modeling, params.engines)
    frame = model.doc_topics.toPandas().sort_values("doc_id")
    return model, frame


@pytest.mark.parametrize(("path", "engine"), [("sample", "tomotopy"), ("sample", "dmm"), ("mllib", "tomotopy")])
def test_paths_recover_planted_topics(spark, planted, path, engine):
    model, frame = fit(spark, planted, path, engine=engine)
    k = model.topic_word.shape[0]
    theta = frame[topic_columns(k)].to_numpy()
    assert frame["doc_id"].tolist() == list(range(DOCS))
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(model.topic_word.sum(axis=1), 1.0, atol=1e-9)
    assert model.topic_word.shape[1] == len(planted[1])
    np.testing.assert_allclose(theta[[3, 500, 1400]], 1.0 / k)  # no known word: uniform
    known = np.setdiff1d(np.arange(DOCS), [3, 500, 1400])
    nmi = normalized_mutual_info(planted[2][known], theta[known].argmax(axis=1))
    assert nmi > MIN_NMI, f"{path}/{engine}: NMI {nmi:.3f}"
    assert model.details["path"] == path


@pytest.mark.parametrize("path", ["sample", "mllib"])
def test_same_seed_same_model(spark, planted, path):
    first, first_frame = fit(spark, planted, path, seed=3)
    second, second_frame = fit(spark, planted, path, seed=3)
    assert np.array_equal(first.topic_word, second.topic_word)
    assert first_frame.equals(second_frame)
    other, _ = fit(spark, planted, path, seed=4)
    assert not np.array_equal(first.topic_word, other.topic_word)


def test_sample_path_does_not_depend_on_partitions(spark, planted):
    two, two_frame = fit(spark, planted, "sample", partitions=2)
    three, three_frame = fit(spark, planted, "sample", partitions=3)
    assert np.array_equal(two.topic_word, three.topic_word)
    assert two_frame.reset_index(drop=True).equals(three_frame.reset_index(drop=True))


def test_bad_input_is_one_line(spark, planted):
    tokens, vocabulary, _ = planted
    params = modeling_params("sample")
    with pytest.raises(ZhtopicsError, match="at least 1"):
        fit_topics(spark, tokens, vocabulary, 0, 1, params.spark_modeling, params.engines)
    with pytest.raises(ZhtopicsError, match="no sampled document has a token"):
        fit_topics(spark, tokens, ["没有"], K, 1, params.spark_modeling, params.engines)
