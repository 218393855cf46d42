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
    labels = label_topics(topic_word, VOCABULARY, THEMES, topn=5, min_score=0.3)
    assert labels["label"].tolist() == ["物流与货源", "信任与品质", "微信 · 电商 · 用户", "物流与货源(物流)"]
    assert labels["theme_id"].tolist() == ["logistics", "trust", "", "logistics"]
    assert labels.loc[0, "score"] == pytest.approx(12 / 14, abs=1e-3)  # top 5 weights: 5 4 3 1 1
    assert labels.loc[0, "runner_up"] == "信任与品质"


def test_min_score_decides_whether_a_theme_names_a_topic():
    topic_word = _topics([1, 0, 0, 0, 0, 3, 3, 3])
    assert label_topics(topic_word, VOCABULARY, THEMES, topn=4, min_score=0.05)["label"][0] == "物流与货源"
    assert label_topics(topic_word, VOCABULARY, THEMES, topn=4, min_score=0.5)["label"][0] == "微信 · 电商 · 用户"


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
    evidence = topic_evidence(doc_topics, 2, per_topic=2)
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
    labels = label_topics(topic_word, VOCABULARY, [], topn=5, min_score=0.1)
    assert labels["label"].tolist() == ["物流 · 货源 · 配送", "微信 · 电商 · 用户"]
    assert labels["theme_id"].tolist() == ["", ""] and labels["runner_up"].tolist() == ["", ""]
