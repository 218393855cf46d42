"""The embedded font: a subset covering the page's characters."""

from __future__ import annotations

import re

from .model import K


def test_embedded_font_covers_the_terms(prepared, page):
    ranges = re.search(r"unicode-range: ([^;]+);", page).group(1)
    covered = set()
    for part in ranges.split(", "):
        start, _, end = part.removeprefix("U+").partition("-")
        covered.update(range(int(start, 16), int(end or start, 16) + 1))
    shown = "".join(prepared.topic_info["Term"]) + "".join(f"主题{i}" for i in range(K)) + "测试"
    assert {ord(c) for c in shown if ord(c) > 0x7F} <= covered
    font = re.search(r"base64,([A-Za-z0-9+/=]+)", page).group(1)
    assert len(font) < 100_000  # a subset, not the 16 MB font
