"""Text normalisation: NFKC, invisible and control characters, whitespace, optional OpenCC.

The normalised text is what the rules of stage 1 (the ``docshare`` reader, duplicate
detection) and segmentation read; it is never shown. Every output keeps the text as
written (after markup stripping, :mod:`zhtopics.ingest.markup`). Stage 1 normalises each
line and cell with :class:`TextNormalizer`, and records its parameters in
``documents.parquet`` (:meth:`TextNormalizer.record`, :data:`RECORD_KEY`); stage 2
normalises the documents again with the normaliser recorded
(:meth:`TextNormalizer.from_record`), so that a change of ``corpus.opencc`` changes
``documents.parquet`` and with it stage 2's cache key.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

# Zero-width and other format characters that NFKC keeps (the zero-width joiner U+200D is
# handled apart: kept inside emoji sequences such as 👨‍👩‍👧).
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\ufe0f\U0001f000-\U0001faff"
)
_LONE_ZWJ = re.compile(rf"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# Any character the steps after NFKC change or remove: a text without one is left as it is.
_AFTER_NFKC = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b\u200c\u200d\u200e\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
# What normalisation removes at the ends of a text: whitespace, control and invisible characters.
_EDGES = re.compile(
    r"^[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]+"
    r"|[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]+$"
)
# NFKC without unicodedata.normalize for the common Chinese text (about three times faster):
# a text made only of characters NFKC leaves as they are (ASCII, the CJK unified ideographs,
# common CJK and general punctuation) and of characters whose compatibility decomposition is
# made of those (full-width ASCII, the ideographic space, the ellipsis) has no combining
# character and none that composes with the one before it (none is NFC_QC = Maybe), so its
# NFKC is its NFKD, character by character: the decompositions substituted.
# tests/ingest/test_normalize.py checks these properties against unicodedata.
_NFKC_SAME = (
    (0x00, 0x7F),
    (0xB7, 0xB7),
    (0x2014, 0x2014),
    (0x2018, 0x2019),
    (0x201C, 0x201D),
    (0x3001, 0x3003),
    (0x3008, 0x3011),
    (0x3014, 0x301F),
    (0x4E00, 0x9FFF),
)
_NFKC_DECOMPOSED = ((0x2026, 0x2026), (0x3000, 0x3000), (0xFF01, 0xFF5E))
_NFKC_SUBSTITUTES = {
    chr(c): unicodedata.normalize("NFKD", chr(c)) for low, high in _NFKC_DECOMPOSED for c in range(low, high + 1)
}
_OUTSIDE_SIMPLE_NFKC = re.compile(
    "[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _NFKC_SAME + _NFKC_DECOMPOSED) + "]"
)
_NFKC_DECOMPOSABLE = re.compile("[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _NFKC_DECOMPOSED) + "]")


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)`` (with lone surrogates as U+FFFD), by
    substitution when ``text`` has only the characters above."""
    if _OUTSIDE_SIMPLE_NFKC.search(text) is None:
        return _NFKC_DECOMPOSABLE.sub(lambda match: _NFKC_SUBSTITUTES[match.group()], text)
    return unicodedata.normalize("NFKC", _SURROGATE.sub("\ufffd", text))


#: The key of ``documents.parquet``'s schema metadata that records the normaliser.
RECORD_KEY = b"zhtopics.normalization"


def trim(text: str) -> str:
    """``text`` as written without what normalisation removes at its ends (whitespace,
    control and invisible characters): the form kept of a line or a cell."""
    return _EDGES.sub("", text) if text and (_EDGES.match(text) or _EDGES.search(text[-1])) else text


class TextNormalizer:
    """Normalise text: NFKC, invisible and control characters, whitespace, optional OpenCC.

    What it changes: NFKC folds compatibility forms (full-width letters, digits and
    punctuation; emoji are kept); zero-width and other invisible format characters are
    removed, except a zero-width joiner between two emoji; lone UTF-16 surrogates become
    U+FFFD; control characters and runs of whitespace become one space; whitespace between
    two CJK characters is removed; the ends are stripped. Every other character is kept.

    Parameters
    ----------
    opencc : str, optional
        An OpenCC configuration such as ``"t2s"`` (traditional to simplified).
    """

    def __init__(self, opencc: str | None = None):
        self.opencc = opencc
        self._converter = None
        if opencc:
            import opencc as opencc_module

            try:
                self._converter = opencc_module.OpenCC(opencc)
            except Exception as error:  # OpenCC raises a bare RuntimeError for bad names
                raise ZhtopicsError(f"corpus.opencc: unknown OpenCC configuration '{opencc}' ({error})") from None

    def __reduce__(self):  # pickled as its configuration (worker processes rebuild the converter)
        return (type(self), (self.opencc,))

    def __call__(self, text: str) -> str:
        if not text.isascii():
            text = _nfkc(text)
        if _AFTER_NFKC.search(text) is not None:  # most texts have nothing for the steps below
            if not text.isascii():
                text = _INVISIBLE.sub("", text)
                if "\u200d" in text:
                    text = _LONE_ZWJ.sub("", text)
            text = _CONTROL.sub(" ", text)
            text = _SPACE_BETWEEN_CJK.sub("", text)
            text = _WHITESPACE.sub(" ", text).strip()
        if self._converter is not None:
            text = self._converter.convert(text)
        return text

    def record(self) -> dict:
        """What this normaliser does, as plain data (written into ``documents.parquet``)."""
        return {"unicode": "NFKC", "opencc": self.opencc}

    @staticmethod
    def read_record(metadata: dict | None) -> dict:
        """The record stage 1 wrote in a Parquet schema's ``metadata`` (under
        :data:`RECORD_KEY`): the normaliser's :meth:`record` and ``hashtags`` (the
        ``corpus.social.hashtags`` setting); empty for a file without one."""
        raw = (metadata or {}).get(RECORD_KEY)
        return {} if raw is None else json.loads(raw)

    @classmethod
    def from_record(cls, metadata: dict | None) -> TextNormalizer:
        """The normaliser recorded in a Parquet schema's ``metadata`` (under :data:`RECORD_KEY`).

        A file without the record (written by hand, or by zhtopics before texts were kept
        as written, when they were already normalised) gets NFKC without OpenCC: the
        normalisation is idempotent, so already normalised text is left as it is.
        """
        return cls(cls.read_record(metadata).get("opencc"))
