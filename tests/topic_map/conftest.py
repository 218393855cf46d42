"""Fixtures of the topic map tests: the synthetic model, its prepared data and its page."""

from __future__ import annotations

import pytest

from zhtopics.topic_map import prepare_topic_map, topic_map_html

from .model import K, synthetic_model


@pytest.fixture(scope="module")
def model() -> dict:
    return synthetic_model()


@pytest.fixture(scope="module")
def prepared(model):
    return prepare_topic_map(**model)


@pytest.fixture(scope="module")
def page(prepared) -> str:
    return topic_map_html(prepared, labels=[f"主题{i}" for i in range(K)], title="测试 topic map")
