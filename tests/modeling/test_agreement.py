"""Agreement of two models: matched topics (Hungarian on word distributions) and paragraph assignments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.agreement import (
    AGREEMENT_COLUMNS,
    agreement_summary,
    agreement_table,
    assignment_agreement,
    match_topics,
    topic_similarity,
)


def _topics(k: int, v: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(v, 0.05), size=k)


def test_identical_models_agree_fully_in_any_topic_order():
    topic_word = _topics(4, 60, 0)
    order = [2, 0, 3, 1]
    matches = match_topics(topic_word, topic_word[order])
    assert matches["guided_topic"].tolist() == [order.index(t) for t in range(4)]
    assert matches["similarity"].tolist() == pytest.approx([1.0] * 4)
    dominant = np.random.default_rng(1).integers(0, 4, 80)
    relabelled = np.array(order)[dominant]  # the same grouping under other topic numbers
    agreement = assignment_agreement(dominant, relabelled)
    assert agreement["nmi"] == agreement["ami"] == agreement["adjusted_rand"] == 1.0


def test_unrelated_models_agree_little():
    first, second = _topics(5, 400, 2), _topics(5, 400, 3)
    assert match_topics(first, second)["similarity"].max() < 0.5
    rng = np.random.default_rng(4)
    agreement = assignment_agreement(rng.integers(0, 5, 300), rng.integers(0, 5, 300))
    assert agreement["nmi"] < 0.05 and abs(agreement["ami"]) < 0.02 and abs(agreement["adjusted_rand"]) < 0.02


def test_models_of_different_sizes_leave_topics_unmatched_and_documents_without_tokens_out():
    small = _topics(2, 50, 5)
    large = np.vstack([_topics(2, 50, 6), small[::-1]])
    matches = match_topics(small, large)
    assert matches["guided_topic"].tolist()[:2] == [3, 2]
    assert matches["guided_topic"].tolist()[2:] == [0, 1] and matches["topic"].isna().sum() == 2
    agreement = assignment_agreement(np.array([0, 1, -1, 0, 1]), np.array([1, 0, 2, 1, -1]))
    assert agreement["documents"] == 3
    assert agreement_summary(matches, agreement)["matched_topics"] == 2


def test_agreement_table_names_both_sides_and_vocabularies_must_match():
    matches = match_topics(_topics(2, 30, 7), _topics(3, 30, 8))
    labels = pd.DataFrame({"topic": [0, 1], "label": ["物流", "信任"]})
    guided = pd.DataFrame({"topic": [0, 1, 2], "label": ["信任与品质", "物流与货源", "流量与红利"]})
    table = agreement_table(matches, labels, guided)
    assert table.columns.tolist() == AGREEMENT_COLUMNS
    assert set(table["label"]) == {"物流", "信任", ""} and (table["guided_label"] != "").all()
    with pytest.raises(ZhtopicsError, match="same Dictionary"):
        topic_similarity(_topics(2, 30, 0), _topics(2, 31, 0))
