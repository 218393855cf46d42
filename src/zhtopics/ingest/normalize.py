"""Text normalisation: NFKC, invisible and control characters, whitespace, optional OpenCC.

Every line and cell stage 1 reads goes through :class:`TextNormalizer` (after markup
stripping, :mod:`zhtopics.ingest.markup`); the result is what duplicate detection and
segmentation see.
"""

from __future__ import annotations

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

    def __call__(self, text: str) -> str:
        if not text.isascii():
            text = _SURROGATE.sub("\ufffd", text)
            text = unicodedata.normalize("NFKC", text)
            text = _INVISIBLE.sub("", text)
            if "\u200d" in text:
                text = _LONE_ZWJ.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _SPACE_BETWEEN_CJK.sub("", text)
        text = _WHITESPACE.sub(" ", text).strip()
        if self._converter is not None:
            text = self._converter.convert(text)
        return text
