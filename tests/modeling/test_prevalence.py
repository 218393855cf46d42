"""Shares per group with a bootstrap interval: the point share, coverage, width, seeds, edge cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.prevalence import PREVALENCE_COLUMNS, group_shares, prevalence_table
from zhtopics.modeling.tables import article_views
from zhtopics.params import load_params

SETTINGS = load_params().prevalence


def _settings(draws: int, level: float, seed: int = 0, bootstrap_max_docs: int = 10_000):
    return replace(SETTINGS, draws=draws, level=level, seed=seed, bootstrap_max_docs=bootstrap_max_docs)


def _documents(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """n documents, each mostly topic 0 (with probability ``share``) or topic 1."""
    main = rng.random(n) < share
    doc_topic = np.where(main[:, None], [0.9, 0.1], [0.1, 0.9])
    return doc_topic


def test_point_share_is_token_weighted_and_a_document_may_count_in_several_groups():
    doc_topic = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    shares = group_shares(doc_topic, np.array([30, 10, 0]), [0, 1, 2, 0], ["a", "a", "a", "b"], _settings(200, 0.9))
    assert shares.groups == ["a", "b"]
    np.testing.assert_allclose(shares.share, [[0.75, 0.25], [1.0, 0.0]])
    assert shares.n_docs.tolist() == [3, 1] and shares.n_tokens.tolist() == [40, 30]
    assert np.isnan(shares.low[1]).all() and np.isnan(shares.high[1]).all()  # one document: no interval


def test_intervals_cover_the_share_and_shrink_with_more_paragraphs():
    rng = np.random.default_rng(1)
    small, large = _documents(8, 0.6, rng), _documents(200, 0.6, rng)
    doc_topic = np.vstack([small, large])
    groups = ["small"] * 8 + ["large"] * 200
    shares = group_shares(doc_topic, np.full(208, 10), np.arange(208), groups, _settings(500, 0.95))
    assert (shares.low <= shares.share).all() and (shares.share <= shares.high).all()
    width = shares.high - shares.low
    assert width[0, 0] > 2 * width[1, 0] > 0  # 25 times the paragraphs: about a fifth of the width


def test_intervals_cover_the_true_share_at_about_their_level():
    rng = np.random.default_rng(7)
    true_share = 0.1 + 0.8 * 0.6  # mean share of topic 0 when 60% of documents are mostly topic 0
    groups, rows, blocks = [], [], []
    for g in range(200):
        blocks.append(_documents(40, 0.6, rng))
        rows += list(range(40 * g, 40 * g + 40))
        groups += [g] * 40
    shares = group_shares(np.vstack(blocks), np.full(40 * 200, 5), rows, groups, _settings(400, 0.9))
    covered = ((shares.low[:, 0] <= true_share) & (true_share <= shares.high[:, 0])).mean()
    assert 0.8 <= covered <= 0.97


def test_the_same_seed_gives_the_same_intervals_and_seeds_widen_them():
    rng = np.random.default_rng(3)
    doc_topic = _documents(30, 0.5, rng)
    args = (np.full(30, 4), np.arange(30), ["g"] * 30, _settings(300, 0.9, seed=5))
    first, again = group_shares(doc_topic, *args), group_shares(doc_topic, *args)
    np.testing.assert_array_equal(first.low, again.low)
    # three seeds' models that disagree on topic 0 by ±0.1: the interval covers that too
    models = np.stack([np.clip(doc_topic + d * np.array([1, -1]), 0, 1) for d in (-0.1, 0.0, 0.1)])
    seeds = group_shares(models, *args)
    np.testing.assert_allclose(seeds.share, first.share)
    assert (seeds.high - seeds.low)[0, 0] > (first.high - first.low)[0, 0]
    # the point estimate can be given apart (the consensus): the seeds then widen the interval only
    pointed = group_shares(models, *args, point=doc_topic * 0.5 + 0.25)
    np.testing.assert_allclose(pointed.share, (doc_topic * 0.5 + 0.25).mean(axis=0)[None, :])
    np.testing.assert_array_equal(pointed.low, seeds.low)


def test_large_groups_get_the_normal_interval_the_bootstrap_converges_to():
    rng = np.random.default_rng(9)
    doc_topic = rng.dirichlet([0.3, 0.3, 0.3], size=3000)
    n_tokens = rng.integers(0, 40, 3000)
    groups = np.repeat(["a", "b", "c"], 1000)
    resampled = group_shares(doc_topic, n_tokens, np.arange(3000), groups, _settings(2000, 0.9))
    normal = group_shares(doc_topic, n_tokens, np.arange(3000), groups, _settings(2000, 0.9, bootstrap_max_docs=999))
    np.testing.assert_array_equal(normal.share, resampled.share)
    np.testing.assert_allclose(normal.low, resampled.low, atol=0.005)
    np.testing.assert_allclose(normal.high, resampled.high, atol=0.005)
    assert not np.array_equal(normal.low, resampled.low)  # the other method did run
    # several seeds' models: their spread widens the normal interval too
    models = np.stack([doc_topic, np.roll(doc_topic, 1, axis=1)])
    spread = group_shares(models, n_tokens, np.arange(3000), groups, _settings(10, 0.9, bootstrap_max_docs=999))
    assert ((spread.high - spread.low) > (normal.high - normal.low)).all()


def test_bad_settings_and_shapes_are_one_line_errors():
    doc_topic = np.full((2, 2), 0.5)
    with pytest.raises(ZhtopicsError, match="prevalence.level"):
        group_shares(doc_topic, [1, 1], [0, 1], ["a", "a"], _settings(10, 1.5))
    with pytest.raises(ZhtopicsError, match="prevalence.draws"):
        group_shares(doc_topic, [1, 1], [0, 1], ["a", "a"], _settings(0, 0.9))
    with pytest.raises(ZhtopicsError, match="prevalence.bootstrap_max_docs"):
        group_shares(doc_topic, [1, 1], [0, 1], ["a", "a"], _settings(10, 0.9, bootstrap_max_docs=1))
    with pytest.raises(ZhtopicsError, match="n_tokens"):
        group_shares(doc_topic, [1, 1, 1], [0, 1], ["a", "a"], _settings(10, 0.9))


def test_groups_without_tokens_and_the_table_columns():
    shares = group_shares(np.full((2, 2), 0.5), [0, 0], [0, 1], ["a", "a"], _settings(50, 0.9))
    table = prevalence_table(shares)
    assert (
        table.columns.tolist() == PREVALENCE_COLUMNS == ["group", "topic", "share", "low", "high", "n_docs", "n_tokens"]
    )
    assert table["share"].isna().all() and table["n_docs"].tolist() == [2, 2]


def test_article_views_add_copies_and_give_one_prevalence_row_per_article_and_topic():
    documents = pd.DataFrame({"doc_id": ["a1-p1", "a1-p2", "a1-p3", "a2-p1"], "article_id": ["a1", "a1", "a1", "a2"]})
    doc_topics = pd.DataFrame(
        {"doc_id": documents["doc_id"], "n_tokens": [10, 10, 10, 5], "topic_0": [0.9, 0.8, 0.1, 0.5]}
    ).assign(topic_1=lambda t: 1 - t["topic_0"])
    removed = pd.DataFrame(
        {"article_id": ["ex", "ex"], "doc_id": ["ex-p1", "ex-p2"], "duplicate_of": ["a1-p1", "a1-p2"]}
    )
    articles = pd.DataFrame({"article_id": ["a1", "ex", "a2"], "article_title": ["A", "Excerpt", "B"]})
    table, prevalence = article_views(doc_topics, 2, documents, removed, articles, SETTINGS)
    assert table.columns.tolist()[-2:] == ["copy_of", "copied_share"]
    assert table.set_index("article_id")["copy_of"].to_dict() == {"a1": "", "ex": "a1", "a2": ""}
    assert prevalence["group"].tolist() == ["a1", "a1", "ex", "ex", "a2", "a2"]
    merged = prevalence[prevalence["topic"] == 0].set_index("group")["share"]
    assert merged.to_dict() == pytest.approx(table.set_index("article_id")["topic_0"].to_dict())
    assert prevalence.set_index("group").loc["ex", "n_docs"].tolist() == [2, 2]


def test_quantiles_over_finite_values_match_numpy():
    from zhtopics.modeling.prevalence import _finite_quantiles

    rng = np.random.default_rng(0)
    values = rng.random((101, 7, 3))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 0, 0] = np.nan  # a cell with no finite value: NaN
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(values, [2.5, 97.5], axis=0)
    for got, want in zip(_finite_quantiles(values, [2.5, 97.5]), expected):
        np.testing.assert_allclose(got, want, equal_nan=True)


@pytest.mark.parametrize("n_models", [1, 3])
@pytest.mark.parametrize("memberships", ["every document once", "some documents, twice"])
def test_the_normal_interval_keeps_the_bits_of_the_first_version(n_models, memberships):
    # group_shares skips copies (all rows, all groups, one model); the numbers are those of
    # the expressions it was first written with
    from scipy.stats import norm

    rng = np.random.default_rng(n_models)
    doc_topic = rng.dirichlet(np.full(4, 0.3), (n_models, 300)).round(6)
    n_tokens = rng.integers(0, 30, 300)
    if memberships == "every document once":
        rows, groups = np.arange(300), np.repeat(["a", "b", "c"], 100)
    else:
        rows, groups = np.r_[np.arange(0, 300, 2), np.arange(100)], np.r_[["a"] * 150, ["b"] * 100]
    settings = _settings(10, 0.9, bootstrap_max_docs=2)
    got = group_shares(doc_topic if n_models > 1 else doc_topic[0], n_tokens, rows, groups, settings)
    # the first version
    weights = n_tokens.astype(float)[rows]
    weighted = weights[None, :, None] * doc_topic[:, rows, :]
    sizes = pd.Series(groups).value_counts(sort=False).to_numpy()
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    totals = np.add.reduceat(weights, starts)
    share = np.add.reduceat(weighted.mean(axis=0), starts, axis=0) / totals[:, None]
    shares = np.stack([np.add.reduceat(model, starts, axis=0) / totals[:, None] for model in weighted])
    within = np.stack(
        [
            np.add.reduceat((model - weights[:, None] * s[owner]) ** 2, starts, axis=0) / totals[:, None] ** 2
            for model, s in zip(weighted, shares, strict=True)
        ]
    ).mean(axis=0)
    spread = np.sqrt(within + shares.var(axis=0))
    z = norm.ppf(0.5 + 0.9 / 2)
    low = np.clip(shares.mean(axis=0) - z * spread, 0.0, 1.0)
    high = np.clip(shares.mean(axis=0) + z * spread, 0.0, 1.0)
    for a, b in ((got.share, share), (got.low, low), (got.high, high)):
        assert a.tobytes() == b.tobytes()
