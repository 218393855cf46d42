"""Fixtures of the segmentation tests: a Segmenter per backend, built once per module."""

from __future__ import annotations

import pytest

from zhtopics.segment import Segmenter


@pytest.fixture(scope="module")
def segmenter(params) -> Segmenter:
    """The reference backend, jieba.posseg (the project's default may be rjieba)."""
    return Segmenter(params.replace(segment=dict(backend="jieba")).segment)


@pytest.fixture(scope="module")
def rjieba_segmenter(params) -> Segmenter:
    return Segmenter(params.replace(segment=dict(backend="rjieba")).segment)
