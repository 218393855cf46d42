"""HTML safety: everything that checks or cleans a page before it is shared.

Reports are mailed to other people and show scraped text, so they are checked before they
are written: text from the corpus reaches a page only escaped (pandas escapes table cells;
notebooks pass every data value they put into Markdown through :func:`escape_markdown`),
:func:`active_content` must find nothing the topic maps did not write, and
:func:`network_references` nothing a page would fetch. Nor do reports show this machine's
folders: absolute paths in printed output (warnings, logging) are replaced
(:func:`redact_paths`).
"""

from __future__ import annotations

import html
import logging
import re
import sys
import tempfile
from pathlib import Path

from zhtopics.html_audit import find_active_content
from zhtopics.params import PACKAGE_DIR
from zhtopics.provenance.code import SOURCE_CHECKOUT
from zhtopics.topic_map import is_map_script

logger = logging.getLogger(__name__)

#: The ASCII punctuation Markdown (CommonMark, GitHub's tables, autolinks and math) may read
#: as syntax; ``& < > " '`` become HTML entities instead. Commas, semicolons, ``%``, ``?``,
#: ``=``, ``/`` and quotes are never syntax and stay as written (a paragraph reads as it was).
MARKDOWN_SYNTAX = "\\`*_{}[]()#+-.!|~$^:@"
_MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(MARKDOWN_SYNTAX) + "])")


def escape_markdown(value) -> str:
    r"""``value`` as Markdown that shows exactly its text: no markup, links, HTML or math.

    Notebooks put data (topic labels, article titles, paragraphs) into ``Markdown(...)``
    outputs, and nbconvert renders Markdown with any raw HTML in it, so every data value
    goes through this first. The punctuation of :data:`MARKDOWN_SYNTAX` is backslash-escaped
    (CommonMark: a backslash before punctuation makes it literal) and ``&``, ``<``, ``>``, ``"``, ``'``
    become HTML character references (:func:`html.escape`). Whitespace runs, line breaks
    included, become one space, so the value stays inline (no new paragraph, list or code
    block); HTML collapses them the same way when showing text.

    Parameters
    ----------
    value : object
        Anything; ``str(value)`` is escaped.

    Returns
    -------
    str

    Examples
    --------
    >>> escape_markdown("[点击](javascript:x) <b>*粗*</b>")
    '\\[点击\\]\\(javascript\\:x\\) &lt;b&gt;\\*粗\\*&lt;/b&gt;'
    >>> escape_markdown("99%的商家, 玩不转; 为什么?")
    '99%的商家, 玩不转; 为什么?'
    """
    text = " ".join(str(value).split())
    return html.escape(_MARKDOWN_PUNCTUATION.sub(r"\\\1", text), quote=True)


# Real fetches only: src/href-like attributes, CSS url() and @import, with http(s): or
# protocol-relative // targets. Namespace strings inside scripts are not matched.
_ATTRIBUTE_FETCH = re.compile(
    r"""(?<![\w-])(?:src|href|xlink:href|srcset|poster|action|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""",
    re.IGNORECASE,
)
_CSS_FETCH = re.compile(r"""url\(\s*["']?\s*((?:https?:)?//[^"')\s]*)""", re.IGNORECASE)
_IMPORT_FETCH = re.compile(r"""@import\s+["']\s*((?:https?:)?//[^"']*)""", re.IGNORECASE)


def network_references(html: str) -> list[str]:
    """What a page would fetch from the network: its http(s) and ``//`` resource URLs.

    Looks at ``src``/``href``-like attributes, CSS ``url()`` and ``@import``. Strings that
    are only data (e.g. the SVG namespace ``"http://www.w3.org/2000/svg"`` inside d3) are
    not fetches and are not reported.

    Parameters
    ----------
    html : str
        HTML text.

    Returns
    -------
    list of str
        The URLs, in order of appearance (empty for an offline page).
    """
    found = []
    for pattern in (_ATTRIBUTE_FETCH, _CSS_FETCH, _IMPORT_FETCH):
        found += [(m.start(), m.group(1)) for m in pattern.finditer(html)]
    return [url for _, url in sorted(found)]


def active_content(page: str) -> list[str]:
    """What a page would run besides the topic maps' own scripts.

    Reports and topic maps show corpus text, which must arrive as text. This lists every
    ``<script>`` element that is neither :func:`zhtopics.topic_map.library_script` nor a map's draw script
    (whose data must be valid JSON), every event-handler attribute (``onerror=``,
    ``onload=`` ...), ``javascript:``/``vbscript:`` URLs in any attribute, ``srcdoc``,
    embedded documents (``<iframe>``, ``<object>``, ``<embed>``, ``<base>`` ...) and
    ``<meta http-equiv="refresh">``. nbconvert's offline template writes none of these,
    so a non-empty list means text reached the page unescaped.

    Parameters
    ----------
    page : str
        HTML (or SVG) text.

    Returns
    -------
    list of str
        One description per finding, in page order (empty for a safe page).
    """
    return find_active_content(page, is_map_script)


def _local_folders(out_dir: Path) -> list[tuple[str, str]]:
    """This machine's folders a report must not show, each with its stand-in, longest first."""
    named = [
        (out_dir, "."),
        (SOURCE_CHECKOUT or PACKAGE_DIR, "<project>" if SOURCE_CHECKOUT else "<zhtopics>"),
        (Path(sys.prefix), "<python>"),
        (Path(sys.base_prefix), "<python>"),
        (Path(tempfile.gettempdir()), "<tmp>"),
    ]
    try:
        named.append((Path.home(), "~"))
    except RuntimeError:  # no home folder known (e.g. a container user without one)
        pass
    folders: dict[str, str] = {}
    for folder, stand_in in named:
        for form in (str(folder), str(folder.resolve())):
            if len(form) > 1:  # never "/" itself
                folders.setdefault(form, stand_in)
    return sorted(folders.items(), key=lambda item: -len(item[0]))


def redact_paths(notebook, out_dir: Path) -> int:
    """Replace this machine's folders in a notebook's printed output (stdout, stderr).

    Warnings and log records print absolute paths (a library's file, the output folder).
    In every stream output, the output folder becomes ``.`` (the folder the notebook runs
    in), the project folder ``<project>``, the Python installation ``<python>``, the home
    folder ``~`` and the temporary folder ``<tmp>``. A folder is only replaced as a whole
    path component (``/tmp`` in ``/tmpfiles`` or in ``http://host/tmp`` stays). Rich
    outputs (tables, text/html, Markdown) are data and are left as they are.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        Changed in place.
    out_dir : Path
        The output folder the notebook read.

    Returns
    -------
    int
        How many paths were replaced.
    """
    folders = _local_folders(Path(out_dir))
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(f) for f, _ in folders) + r")(?![\w.-])")
    stand_ins = dict(folders)
    replaced = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"], count = pattern.subn(lambda m: stand_ins[m.group(1)], output["text"])
                replaced += count
    return replaced
