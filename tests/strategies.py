"""Shared hypothesis settings and text strategies of the property tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from zhtopics.corpus import TextNormalizer


def bounded(max_examples: int):
    """Derandomized settings: same examples every run, no deadline, no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


NORMALIZE = TextNormalizer()
# Text a file can hold after decoding (no surrogates), leaning towards Chinese, emoji and markup.
CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SYMBOLS = st.sampled_from(list("，。！？、“”《》（）【】 \t\n\u3000\u200b\u200d\ufeff👍🏽👨👩❤\ufe0fＡＢ１２<>&;/#xab"))
FILE_TEXT = st.text(alphabet=st.one_of(CHINESE, SYMBOLS, st.characters(exclude_categories=["Cs"])), max_size=80)
