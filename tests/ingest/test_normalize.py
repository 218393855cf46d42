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


def _characters(ranges) -> list[str]:
    return [chr(c) for low, high in ranges for c in range(low, high + 1)]


def test_the_simple_nfkc_characters_have_the_properties_it_relies_on():
    import unicodedata

    from zhtopics.ingest.normalize import _NFKC_DECOMPOSED, _NFKC_SAME, _NFKC_SUBSTITUTES

    same = set(_characters(_NFKC_SAME))
    for character in same:  # left as they are, starters
        assert unicodedata.normalize("NFKC", character) == character
        assert unicodedata.combining(character) == 0
    for character in _characters(_NFKC_DECOMPOSED):  # decomposed into those
        substitute = _NFKC_SUBSTITUTES[character]
        assert substitute == unicodedata.normalize("NFKC", character) == unicodedata.normalize("NFKD", character)
        assert set(substitute) <= same
    # none is the second character of a canonical composition (NFC_QC = Maybe): the second
    # characters of every two-character canonical decomposition, and the Hangul vowels and
    # trailing consonants (composed by rule)
    seconds = {chr(0x1161 + i) for i in range(21)} | {chr(0x11A8 + i) for i in range(27)}
    for code in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            seconds.add(chr(int(decomposition[1], 16)))
    assert not same & seconds


def test_the_simple_nfkc_is_unicodedata_s():
    import random
    import unicodedata

    from zhtopics.ingest.normalize import _NFKC_DECOMPOSED, _NFKC_SAME, _nfkc

    simple = _characters(_NFKC_SAME) + _characters(_NFKC_DECOMPOSED)
    others = ["\u0301", "\u3099", "\uff9e", "\u1161", "\ud800", "\ufb01", "\u2460", "\u00e9", "e", "\uac00"]
    rng = random.Random(0)
    for _ in range(3000):
        text = "".join(rng.choice(simple) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.3:  # a character outside: unicodedata does it all
            position = rng.randint(0, len(text))
            text = text[:position] + rng.choice(others) + text[position:]
        assert _nfkc(text) == unicodedata.normalize("NFKC", text.replace("\ud800", "\ufffd"))
