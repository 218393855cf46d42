"""Model choice rule, typical seed, and the result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhtopics.modeling import FittedModel
from zhtopics.modeling.select import choose_setting, typical_seed
from zhtopics.modeling.tables import article_topics_table, doc_topics_table, paragraph_occurrences
from zhtopics.params import load_params

SELECTION = load_params(
    overrides={"selection": {"rule": "coherence_sd", "metric": "c_v", "min_stability": 0.6, "min_diversity": 0.5}}
).selection


def _sweep(settings: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """settings: (engine, k) -> (c_v of each seed, diversity, stability)."""
    runs, stability = [], []
    for (engine, k), (values, diversity, stable) in settings.items():
        for seed, value in enumerate(values, start=1):
            runs.append(
                {
                    "engine": engine,
                    "k": k,
                    "seed": seed,
                    "c_v": value,
                    "c_npmi": 0.0,
                    "u_mass": -1.0,
                    "diversity": diversity,
                    "seconds": 0.1,
                }
            )
        stability.append({"engine": engine, "k": k, "stability": stable})
    return pd.DataFrame(runs), pd.DataFrame(stability)


def test_rule_picks_smallest_k_within_one_sd_of_the_best():
    runs, stability = _sweep(
        {
            ("tomotopy", 4): ([0.40, 0.42, 0.44], 0.9, 0.8),  # mean 0.42: more than 1 sd below the best
            ("tomotopy", 6): ([0.45, 0.47, 0.49], 0.9, 0.8),  # mean 0.47: within 1 sd (0.02) of 0.48
            ("tomotopy", 8): ([0.46, 0.48, 0.50], 0.9, 0.8),  # best mean 0.48, sd 0.02
            ("gensim", 5): ([0.47, 0.47, 0.47], 0.9, 0.8),  # within, but K=5 < 6: chosen
        }
    )
    choice = choose_setting(runs, stability, SELECTION)
    assert (choice["engine"], choice["k"]) == ("gensim", 5)
    assert choice["best"] == {
        "engine": "tomotopy",
        "k": 8,
        "metric_mean": pytest.approx(0.48),
        "metric_sd": pytest.approx(0.02),
    }
    assert not choice["fallback_to_all_settings"]


def test_rule_skips_unstable_or_redundant_settings():
    runs, stability = _sweep(
        {
            ("gensim", 3): ([0.60, 0.60], 0.9, 0.4),  # highest c_v but unstable across seeds
            ("gensim", 4): ([0.58, 0.58], 0.3, 0.9),  # topics repeat each other's words
            ("tomotopy", 5): ([0.45, 0.45], 0.9, 0.7),
            ("tomotopy", 7): ([0.50, 0.50], 0.9, 0.7),
        }
    )
    choice = choose_setting(runs, stability, SELECTION)
    assert (choice["engine"], choice["k"]) == ("tomotopy", 7)
    assert choice["eligible_settings"] == 2


def test_rule_falls_back_to_all_settings_and_says_so():
    runs, stability = _sweep({("gensim", 3): ([0.5, 0.5], 0.9, 0.1), ("gensim", 4): ([0.4, 0.4], 0.9, 0.1)})
    choice = choose_setting(runs, stability, SELECTION)
    assert choice["fallback_to_all_settings"] and choice["k"] == 3


def test_at_equal_k_the_engine_with_higher_mean_wins():
    runs, stability = _sweep({("gensim", 6): ([0.40, 0.42], 0.9, 0.8), ("tomotopy", 6): ([0.45, 0.47], 0.9, 0.8)})
    assert choose_setting(runs, stability, SELECTION)["engine"] == "tomotopy"


def test_typical_seed_is_the_medoid():
    typicality = {("tomotopy", 6, 1): 0.70, ("tomotopy", 6, 2): 0.81, ("tomotopy", 6, 3): 0.75, ("gensim", 6, 1): 0.99}
    assert typical_seed(typicality, "tomotopy", 6) == (2, 0.81)


def test_doc_and_article_tables_count_duplicates_in_every_article():
    documents = pd.DataFrame(
        {
            "doc_id": ["a1-p1", "a1-p2", "a2-p1"],
            "text": ["x", "y", "z"],
            "article_id": ["a1", "a1", "a2"],
            "article_title": ["A", "A", "B"],
            "likes": [1, 2, 3],
        }
    )
    tokens = pd.DataFrame({"doc_id": ["a1-p1", "a1-p2", "a2-p1"], "n_in_dictionary": [10, 0, 30]})
    fitted = FittedModel(
        "tomotopy", 2, 1, np.full((2, 4), 0.25), np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]), 0.1, {}, empty_docs=[1]
    )
    doc_topics = doc_topics_table(fitted, documents, tokens)
    assert doc_topics.columns.tolist()[:6] == ["doc_id", "text", "dominant_topic", "n_tokens", "topic_0", "topic_1"]
    assert doc_topics["dominant_topic"].tolist() == [0, -1, 1]
    assert doc_topics["likes"].tolist() == [1, 2, 3]
    # a3 (an excerpt) had a copy of a1-p1, removed as a duplicate: it still counts for a3.
    removed = pd.DataFrame({"doc_id": ["a3-p1"], "article_id": ["a3"], "duplicate_of": ["a1-p1"]})
    articles = pd.DataFrame({"article_id": ["a1", "a2", "a3"], "article_title": ["A", "B", "C"]})
    table = article_topics_table(doc_topics, 2, paragraph_occurrences(documents, removed), articles).set_index(
        "article_id"
    )
    assert table.loc["a3", "paragraphs"] == 1 and table.loc["a3", "topic_0"] == pytest.approx(0.9)
    assert table.loc["a1", "topic_0"] == pytest.approx(0.9)  # the empty paragraph carries no weight
    assert table.loc["a2", "dominant_topic"] == 1


def test_doc_topics_written_in_pieces_equal_the_whole_table(tmp_path):
    from zhtopics.modeling.tables import write_doc_topics

    n = 23
    documents = pd.DataFrame(
        {
            "doc_id": [f"d{i:02d}" for i in range(n)],
            "text": [f"文本,{i}" for i in range(n)],
            "likes": [float(i) if i % 5 else np.nan for i in range(n)],
        }
    )
    tokens = pd.DataFrame(
        {"doc_id": documents["doc_id"], "n_in_dictionary": [0 if i in (3, 17) else i for i in range(n)]}
    )
    doc_topic = np.random.default_rng(0).dirichlet([0.5] * 3, size=n)
    fitted = FittedModel("gensim", 3, 1, np.full((3, 4), 0.25), doc_topic, 0.1, {}, empty_docs=[3, 17])
    shares = write_doc_topics(fitted, documents, tokens, tmp_path / "pieces.csv", rows_per_piece=4)
    doc_topics_table(fitted, documents, tokens).to_csv(tmp_path / "whole.csv", index=False)
    assert (tmp_path / "pieces.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert pd.read_csv(tmp_path / "pieces.csv")["dominant_topic"].tolist()[3] == -1
    assert shares.columns.tolist() == ["doc_id", "n_tokens", "topic_0", "topic_1", "topic_2"]
