"""What an HTML page would run: scripts, event handlers, script URLs, embedded documents.

The parser behind :func:`zhtopics.report.active_content` (which reports and topic maps
must pass before they are written), in a module of its own so that both
:mod:`zhtopics.topic_map` (whose writer refuses a page with active content) and
:mod:`zhtopics.report` use it without importing each other in a circle. Which scripts are
allowed is the caller's to say (``allowed_script``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

#: Elements that load or run other documents or code, or redirect the page.
_ACTIVE_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"})
#: URL schemes that run code when followed or loaded.
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|livescript):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers skip these inside a scheme


class _ActiveContentFinder(HTMLParser):
    """Collects what a page would run: scripts, event-handler attributes, script URLs."""

    def __init__(self, allowed_script):
        super().__init__(convert_charrefs=True)
        self.allowed_script = allowed_script
        self.found: list[str] = []
        self._script: list[str] | None = None
        self._script_tag = ""

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text() or f"<{tag}>"
        if tag in _ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}> element: {text[:120]}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"event handler {name}= in {text[:120]}")
            elif name == "srcdoc":
                self.found.append(f"srcdoc= in {text[:120]}")
            elif _SCRIPT_URL.match(_IGNORED_IN_URLS.sub("", value)):
                self.found.append(f"script URL in {name}= of {text[:120]}")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.found.append(f"redirect: {text[:120]}")
        if tag == "script":
            self._script, self._script_tag = [], text

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            code = "".join(self._script)
            if self._script_tag != "<script>" or not self.allowed_script(code):
                self.found.append(f"script not written by zhtopics: {self._script_tag}{code[:120]!r}")
            self._script = None

    def close(self):
        super().close()
        if self._script is not None:  # an unterminated <script> runs to the end of the page
            self.handle_endtag("script")


def find_active_content(page: str, allowed_script: Callable[[str], bool]) -> list[str]:
    """What a page would run besides the scripts ``allowed_script`` accepts.

    Parameters
    ----------
    page : str
        HTML (or SVG) text.
    allowed_script : callable
        Takes the code of a bare ``<script>`` element (no attributes) and says whether it
        may run; any other script is a finding.

    Returns
    -------
    list of str
        One description per finding, in page order (empty for a safe page).
    """
    finder = _ActiveContentFinder(allowed_script)
    finder.feed(page)
    finder.close()
    return finder.found
