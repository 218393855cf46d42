"""Property tests (hypothesis) for segmentation: on any text stage 1 can produce.

Every test is derandomized (the same examples on every run) and bounded to a few seconds;
run with ``--hypothesis-show-statistics`` to see how many examples each one tried.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import example, given

from zhtopics.params import load_params

from ..conftest import SEED_PARAMS
from ..strategies import FILE_TEXT, NORMALIZE, bounded

_SEGMENTERS: dict = {}


def segmenter(backend: str):
    """One Segmenter per backend for the module (building one loads the dictionary)."""
    from zhtopics.segment import Segmenter

    if backend not in _SEGMENTERS:
        _SEGMENTERS[backend] = Segmenter(load_params(SEED_PARAMS).segment, backend=backend)
    return _SEGMENTERS[backend]


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
@bounded(300)
@given(text=FILE_TEXT.map(NORMALIZE))
@example(text="微信电商为什么走不通 QQ o2o 钱")
def test_segmentation_loses_no_text_and_keeps_only_words_of_the_text(backend, text):
    """On any text stage 1 can produce: the cut covers the text, every kept token is a word
    of the text, every other word is counted as removed, and both entry points agree."""
    segment = segmenter(backend)
    words = [word for word, _ in segment.cut(text)]
    assert "".join(words) == text
    removed = {reason: Counter() for reason in ("punctuation", "number", "latin", "stopword", "pos", "short")}
    tokens = segment.tokens(text, removed)
    for token in tokens:
        assert token in text or token.lower() in text.lower()
    assert len(tokens) + sum(sum(c.values()) for c in removed.values()) == sum(1 for w in words if w.strip())
    token_lists, _ = segment.segment([text])
    assert token_lists == [tokens]


def test_rjieba_segmenter_on_a_lone_surrogate():
    # rjieba (Rust) cannot take a lone surrogate; the Segmenter replaces it with U+FFFD
    assert segmenter("rjieba").tokens("物流\ud800货源") == segmenter("rjieba").tokens("物流\ufffd货源")
