"""The text normaliser: NFKC, whitespace, control characters, OpenCC."""

from __future__ import annotations

import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest import TextNormalizer


def test_normalizer_nfkc_whitespace_control_characters():
    normalize = TextNormalizer()
    assert normalize("ＡＢＣ１２３，微信\u200b电商\x07 ") == "ABC123,微信电商"
    assert normalize("微 信  电商 and  more") == "微信电商 and more"


def test_normalizer_opencc_traditional_to_simplified():
    assert TextNormalizer("t2s")("微信電商為什麼走不通") == "微信电商为什么走不通"
    with pytest.raises(ZhtopicsError, match="OpenCC"):
        TextNormalizer("no-such-config")
