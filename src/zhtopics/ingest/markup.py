"""HTML markup in texts: detecting it and stripping it (``corpus.markup: strip``).

Tags and comments are removed (block tags become spaces, ``<script>``/``<style>`` lose
their content) and entities are decoded by the standard library's ``html.parser``; runs
of HTML whitespace then become one space, as a browser shows them. The stage records each
changed line or row in ``altered.csv`` with :data:`MARKUP_REASON`.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

MARKUP_REASON = "HTML markup removed"

# A tag, comment, declaration or character reference: the signs of HTML in a text.
_MARKUP = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9:-]*\s*|!--.*?--|![A-Za-z][^<>]*|\?[^<>]*)>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.DOTALL,
)
# Tags that separate text (replaced by a space, so words on either side are not glued).
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
# HTML's whitespace (not U+00A0 or U+3000): a browser shows a run of it as one space.
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")
# Tags whose content is code, not text.
SKIPPED_TAGS = frozenset({"script", "style"})


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment (stdlib ``html.parser``: entities decoded as ``html.unescape`` does)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = tag
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skipping:
            self._skipping = None
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skipping is None:
            self.parts.append(data)


def has_markup(text: str) -> bool:
    """True when ``text`` holds an HTML tag, comment or character reference."""
    return ("<" in text or "&" in text) and _MARKUP.search(text) is not None


def strip_markup(text: str) -> tuple[str, bool]:
    """Remove HTML markup from a text that has some (see :func:`has_markup`).

    Tags, comments and declarations are removed (block-level tags such as ``<p>``,
    ``<br>``, ``<li>`` become a space; ``<script>`` and ``<style>`` lose their content) and
    character references are decoded, by the standard library's ``html.parser``; runs of
    HTML whitespace (space, tab, line breaks) become one space, as a browser shows them. A
    text without markup is returned unchanged.

    Returns
    -------
    text : str
    changed : bool
        Whether anything was removed or decoded (the caller records it).
    """
    if not has_markup(text):
        return text, False
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    stripped = _HTML_WHITESPACE.sub(" ", "".join(parser.parts))
    return stripped, stripped != text
