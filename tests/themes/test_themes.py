"""Theme naming, evidence paragraphs, the themes file, and the guided model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhtopics.errors import InputError
from zhtopics.params import load_params
from zhtopics.themes import fit_guided, label_topics, load_themes, topic_evidence

from ..conftest import PLANTED_TOPICS, SEED_PARAMS

THEMES = [
    {"id": "logistics", "name": "物流与货源", "name_en": "logistics", "seeds": ["物流", "货源", "配送"]},
    {"id": "trust", "name": "信任与品质", "name_en": "trust", "seeds": ["信任", "口碑"]},
]
VOCABULARY = {word: i for i, word in enumerate(["物流", "货源", "配送", "信任", "口碑", "微信", "电商", "用户"])}
UNIFORM = np.ones(len(VOCABULARY))  # every word as frequent: relevance ranks as probability does


def _label(topic_word, themes, topn, min_score, word_frequency=UNIFORM, relevance_lambda=0.6):
    return label_topics(
        topic_word,
        VOCABULARY,
        themes,
        topn=topn,
        min_score=min_score,
        word_frequency=word_frequency,
        relevance_lambda=relevance_lambda,
    )


def _topics(*rows):
    matrix = np.array(rows, dtype=float) + 1e-6
    return matrix / matrix.sum(axis=1, keepdims=True)


def test_topics_are_named_after_the_theme_their_top_words_carry():
    topic_word = _topics(
        [5, 4, 3, 0, 0, 1, 1, 1],  # logistics
        [0, 0, 0, 6, 4, 1, 1, 1],  # trust
        [0, 0, 0, 0, 0, 5, 4, 3],  # neither: labelled by its top words
        [3, 1, 0, 0, 0, 0, 2, 0],  # logistics again, weaker
    )
    labels = _label(topic_word, THEMES, topn=5, min_score=0.3)
    assert labels["label"].tolist() == ["物流与货源", "信任与品质", "微信 · 电商 · 用户", "物流与货源(物流)"]
    assert labels["theme_id"].tolist() == ["logistics", "trust", "", "logistics"]
    assert labels.loc[0, "score"] == pytest.approx(12 / 14, abs=1e-3)  # top 5 weights: 5 4 3 1 1
    assert labels.loc[0, "runner_up"] == "信任与品质"


def test_min_score_decides_whether_a_theme_names_a_topic():
    topic_word = _topics([1, 0, 0, 0, 0, 3, 3, 3])
    assert _label(topic_word, THEMES, topn=4, min_score=0.05)["label"][0] == "物流与货源"
    assert _label(topic_word, THEMES, topn=4, min_score=0.5)["label"][0] == "微信 · 电商 · 用户"


def test_evidence_is_the_highest_share_paragraphs_with_tokens():
    doc_topics = pd.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3", "d4"],
            "text": ["a", "b", "c", "d"],
            "n_tokens": [5, 5, 0, 5],
            "topic_0": [0.9, 0.2, 0.95, 0.6],
            "topic_1": [0.1, 0.8, 0.05, 0.4],
            "article_id": ["a1", "a1", "a2", "a2"],
            "article_title": ["A", "A", "B", "B"],
        }
    )
    evidence = topic_evidence(doc_topics, 2, per_topic=2)  # no dominant_topic column: the argmax
    assert evidence[evidence["topic"] == 0]["doc_id"].tolist() == ["d1", "d4"]  # d3 has no tokens
    assert evidence[evidence["topic"] == 1]["article_title"].tolist() == ["A", "B"]


def test_themes_file_of_the_project_loads_and_bad_files_are_named(tmp_path):
    themes = load_themes(load_params(SEED_PARAMS).themes.file)
    assert len(themes) >= 8 and all(theme["seeds"] for theme in themes)
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes:\n  - id: x\n    name: X\n", encoding="utf-8")
    with pytest.raises(InputError, match="themes.yaml: theme 1 has no seeds"):
        load_themes(bad)


def test_guided_model_puts_each_theme_in_its_seeded_topic(planted):
    themes = [{"id": f"t{i}", "name": f"T{i}", "seeds": words[:2]} for i, words in enumerate(PLANTED_TOPICS)]
    params = load_params(
        overrides={
            "themes": {"guided": {"extra_topics": 1, "seed_prior": 1.0, "other_prior": 0.01}},
            "engines": {"tomotopy": {"alpha": 0.1, "eta": 0.01, "iterations": 300}},
        }
    )
    fitted, topic_themes = fit_guided(planted, themes, params.themes.guided, params.engines["tomotopy"], seed=1)
    assert fitted.k == 4 and topic_themes == ["t0", "t1", "t2", ""]
    for index, words in enumerate(PLANTED_TOPICS):
        top = set(fitted.top_words(planted.dictionary, 6)[index])
        assert len(top & set(words)) >= 5


def test_without_a_themes_file_topics_are_named_by_their_words():
    topic_word = _topics([5, 4, 3, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 5, 4, 3])
    labels = _label(topic_word, [], topn=5, min_score=0.1)
    assert labels["label"].tolist() == ["物流 · 货源 · 配送", "微信 · 电商 · 用户"]
    assert labels["theme_id"].tolist() == ["", ""] and labels["runner_up"].tolist() == ["", ""]


# ----------------------------------------------------------------------------- distinctive words


def test_relevance_labels_pick_distinctive_over_frequent_words():
    # 微信 电商 用户 are the corpus's generic words: the most probable in every topic.
    frequency = np.array([3, 3, 3, 3, 3, 100, 100, 100], dtype=float)
    topic_word = _topics([3, 2, 2, 0, 0, 6, 5, 4], [0, 0, 0, 3, 2, 6, 5, 4])
    by_probability = _label(topic_word, [], topn=5, min_score=0.1, word_frequency=frequency, relevance_lambda=1.0)
    assert by_probability["label"].tolist() == ["微信 · 电商 · 用户", "微信 · 电商 · 用户"]
    labels = _label(topic_word, [], topn=5, min_score=0.1, word_frequency=frequency, relevance_lambda=0.6)
    assert labels["label"].tolist() == ["物流 · 货源 · 配送", "信任 · 口碑 · 微信"]
    assert labels["top_words"][0].split()[:3] == ["微信", "电商", "用户"]  # top_words stay by probability
    assert labels["distinctive_words"][0].split()[:3] == ["物流", "货源", "配送"]
    assert labels.columns.tolist()[-2:] == ["top_words", "distinctive_words"]


def test_a_second_topic_of_a_theme_adds_its_most_distinctive_word():
    frequency = np.array([3, 3, 3, 3, 3, 100, 100, 100], dtype=float)
    topic_word = _topics([6, 5, 4, 0, 0, 1, 1, 1], [1, 0, 2, 0, 0, 5, 0, 0])
    labels = _label(topic_word, THEMES, topn=3, min_score=0.1, word_frequency=frequency)
    assert labels["label"].tolist() == ["物流与货源", "物流与货源(配送)"]


def test_relevance_is_the_ldavis_formula():
    from zhtopics.themes.labels import relevance

    topic_word = np.array([[0.5, 0.3, 0.2]])
    frequency = np.array([5.0, 3.0, 2.0])  # p(w) = 0.5 0.3 0.2
    expected = 0.6 * np.log([0.5, 0.3, 0.2]) + 0.4 * np.log([1.0, 1.0, 1.0])
    np.testing.assert_allclose(relevance(topic_word, frequency, 0.6)[0], expected)
    np.testing.assert_allclose(relevance(topic_word, frequency, 0.0)[0], 0.0, atol=1e-12)


# ----------------------------------------------------------------------------- evidence over articles


def _doc_topics(shares: list[float], articles: list[str], **columns) -> pd.DataFrame:
    n = len(shares)
    return pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "text": [f"text {i}" for i in range(n)],
            "n_tokens": 5,
            "topic_0": shares,
            "topic_1": [1 - s for s in shares],
            "article_id": articles,
            "article_title": [a.upper() for a in articles],
            **columns,
        }
    )


def test_evidence_spreads_over_articles_highest_share_first():
    # Article a has the four best paragraphs of topic 0; b and c one each, weaker.
    doc_topics = _doc_topics([0.99, 0.98, 0.97, 0.96, 0.7, 0.8, 0.1], ["a", "a", "a", "a", "b", "c", "c"])
    evidence = topic_evidence(doc_topics, 2, per_topic=3)
    topic0 = evidence[evidence["topic"] == 0]
    assert topic0["doc_id"].tolist() == ["d0", "d5", "d4"]  # one per article, highest share first
    assert topic0["article_id"].tolist() == ["a", "c", "b"]
    more = topic_evidence(doc_topics, 2, per_topic=5)
    assert more[more["topic"] == 0]["doc_id"].tolist() == ["d0", "d5", "d4", "d1", "d2"]  # then a second round
    # Two ids under one title (a repost) are one article; an empty title falls back to the id.
    doc_topics["article_title"] = ["A", "A", "A", "A", "", "A", "A"]
    reposted = topic_evidence(doc_topics, 2, per_topic=3)
    assert reposted[reposted["topic"] == 0]["doc_id"].tolist() == ["d0", "d4", "d1"]


def test_evidence_prefers_paragraphs_the_topic_dominates_and_that_do_not_flip():
    doc_topics = _doc_topics(
        [0.9, 0.95, 0.6, 0.4],
        ["a", "b", "c", "d"],
        dominant_topic=[0, 0, 0, 1],
        flips_between_seeds=[False, True, False, False],
    )
    evidence = topic_evidence(doc_topics, 2, per_topic=3)
    # d1 has the highest share but flips between seeds: after the stable ones.
    assert evidence[evidence["topic"] == 0]["doc_id"].tolist() == ["d0", "d2", "d1"]
    assert evidence[evidence["topic"] == 1]["doc_id"].tolist() == ["d3", "d2", "d0"]
