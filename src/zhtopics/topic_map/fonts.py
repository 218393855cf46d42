"""The embedded font: a subset of a CJK font with only the characters a page shows.

The Chinese terms of a topic map (and the Chinese text of a report) get an embedded
subset of a CJK font, so the page needs neither a network nor a CJK system font.
:func:`font_face_css` writes the ``@font-face`` rule; the default font is Noto Sans CJK SC
from the ``mplfonts`` package (:func:`default_font_file`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

#: The CJK font subset into the page unless another ``font_file`` is given: Noto Sans CJK SC
#: (SIL Open Font License 1.1), shipped by the ``mplfonts`` package.
DEFAULT_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


def _digest(text: str, length: int = 10) -> str:
    """A short stable hex digest of a string (Python's hash() is salted per process)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def default_font_file() -> Path:
    """Noto Sans CJK SC from the installed ``mplfonts`` package."""
    package, name = DEFAULT_FONT
    return Path(str(resources.files(package).joinpath(name)))


def _unicode_range(codepoints: Sequence[int]) -> str:
    """CSS ``unicode-range`` of sorted code points, consecutive runs merged."""
    runs: list[list[int]] = []
    for cp in codepoints:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


@lru_cache(maxsize=16)
def _font_subset(font_file: str, characters: str) -> tuple[bytes, tuple[int, ...]]:
    """WOFF bytes of ``font_file`` reduced to ``characters``, and the code points it covers."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"  # zlib; WOFF2 would need the brotli module
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.layout_features = []  # no glyph substitutions needed: the font's default forms are SC
    options.notdef_outline = True
    options.recalc_timestamp = False  # same input, same bytes
    with TTFont(font_file, recalcTimestamp=False, lazy=True) as font:  # closes the font file
        cmap = font.getBestCmap()
        covered = tuple(sorted(ord(c) for c in characters if ord(c) in cmap))
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=covered)
        subsetter.subset(font)
        font.flavor = "woff"
        buffer = io.BytesIO()
        font.save(buffer)
    return buffer.getvalue(), covered


def font_face_css(characters: str, font_file: str | Path | None = None) -> tuple[str, str]:
    """An @font-face with the glyphs of ``characters`` (non-ASCII only) embedded as base64.

    Parameters
    ----------
    characters : str
        The text the page shows (terms, labels, title).
    font_file : str or Path, optional
        An OTF/TTF font; default :func:`default_font_file`.

    Returns
    -------
    (css, family)
        The rule and its font-family name (unique to the character set), or ``("", "")``
        when the font covers none of the characters.
    """
    path = Path(font_file) if font_file is not None else default_font_file()
    if not path.is_file():
        raise ZhtopicsError(f"{path}: font file not found (topic_map.font_file)")
    wanted = "".join(sorted({c for c in characters if ord(c) > 0x7F}))
    if not wanted:
        return "", ""
    data, covered = _font_subset(str(path), wanted)
    if not covered:
        return "", ""
    family = "zhtopics-cjk-" + _digest("".join(map(chr, covered)))
    logger.debug("topic map: %d glyphs of %s embedded (%d bytes)", len(covered), path.name, len(data))
    css = (
        f'@font-face {{ font-family: "{family}"; '
        f'src: url(data:font/woff;base64,{base64.b64encode(data).decode("ascii")}) format("woff"); '
        f"unicode-range: {_unicode_range(covered)}; }}"
    )
    return css, family
