"""The map's JavaScript and CSS, inlined into the page: nothing is fetched from a CDN.

pyLDAvis's ``save_html`` and ``display`` load d3 and the LDAvis script and style sheet from
public CDNs, so the page stays blank without a network. Here the same files, read from the
installed pyLDAvis package folder (``pyLDAvis/js``), are inlined into the page together with
the prepared data (:func:`library_script`, :func:`library_css`, :func:`draw_script`).

Text from the corpus reaches a draw script only as JSON that cannot end its ``<script>``
element (:func:`_script_json`); LDAvis draws terms with d3's ``text()``.
:func:`is_map_script` recognises the library and the draw scripts, the only scripts a
page may run (:func:`zhtopics.report.active_content`).

Two things of the shipped LDAvis script are adjusted while inlining (:data:`LDAVIS_PATCHES`):

1. It assumes topics numbered from 1, with 0 meaning "no topic selected". With 0-based
   numbers (``start_index=0``) topic 0 could not stay selected and hovering a term resized
   the wrong circles (off by one; pyLDAvis issue #265, fixed upstream after 3.4.1). The
   patches make the first topic number and the "none" value (first - 1) data driven.
2. It parses any URL fragment containing ``&`` as its saved state; only ``#topic=...`` is
   parsed now, so a notebook's own anchors cannot break it.
3. It reads a hovered term back from its label's ``innerHTML``, so a term such as ``a&b``
   or ``<b>`` came back HTML-escaped (``a&amp;b``) into the size guide's title and the
   saved state; it reads ``textContent`` now (the term as it is).

d3 v5 and LDAvis are evaluated in a private scope: no global ``d3`` is defined or
overwritten (a page may hold another d3 version), d3's AMD branch is bypassed (nbconvert's
page loads require.js, under which d3 would otherwise register as an anonymous module and
never be drawn), and the code runs once per page however many maps it shows.
"""

from __future__ import annotations

import json
import logging
import re
import string
from functools import lru_cache
from pathlib import Path

import numpy as np

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

_GLOBAL = "zhtopicsLDAvis"  # the one global name the inlined code defines

#: (shipped text, replacement, expected count) applied to pyLDAvis's LDAvis script; see the
#: module docstring. A pyLDAvis upgrade that changes these lines fails loudly here.
LDAVIS_PATCHES: tuple[tuple[str, str, int], ...] = (
    (
        "K = data['mdsDat'].x.length;",
        "K = data['mdsDat'].x.length;\n"
        "        var zhFirst = Math.min.apply(null, data['mdsDat'].topics), zhNone = zhFirst - 1;\n"
        "        vis_state.topic = zhNone;",
        1,
    ),
    ("vis_state.topic > 0", "vis_state.topic > zhNone", 7),
    ("Math.min(K, +value_old + 1)", "Math.min(zhFirst + K - 1, +value_old + 1)", 1),
    ("Math.max(0, +value_old - 1)", "Math.max(zhNone, +value_old - 1)", 1),
    (
        "if (!isNaN(value_new) && value_new > 0) {",
        'if (value_new !== "" && !isNaN(value_new) && value_new > zhNone) {',
        1,
    ),
    ("Math.min(K, Math.max(1, value_new))", "Math.min(zhFirst + K - 1, Math.max(zhFirst, value_new))", 1),
    ('topicInput.min = "0";', "topicInput.min = String(zhNone);", 1),
    ("topicInput.max = K;", "topicInput.max = zhFirst + K - 1;", 1),
    ('topicInput.value = "0";', "topicInput.value = String(zhNone);", 1),
    (".Topic - 1]", ".Topic - zhFirst]", 2),
    (
        "Math.round(Math.min(K, Math.max(0, vis_state.topic)))",
        "Math.round(Math.min(zhFirst + K - 1, Math.max(zhNone, vis_state.topic)))",
        1,
    ),
    (
        "document.getElementById(topicID).value = vis_state.topic = 0;",
        "document.getElementById(topicID).value = vis_state.topic = zhNone;",
        1,
    ),
    ("if (params.length > 1) {", "if (params.length > 2 && /^#topic=/.test(params[0])) {", 1),
    ("term.innerHTML", "term.textContent", 2),
)


#: The script that draws one map (``$div_id``: the map's div, ``$data``: :func:`_script_json`).
_DRAW_SCRIPT = string.Template(
    "\n"
    "(function () {\n"
    '  var id = "$div_id";\n'
    "  var data = $data;\n"
    "  function draw(tries) {\n"
    "    var element = document.getElementById(id);\n"
    f"    if (element && window.{_GLOBAL}) {{\n"
    '      if (!element.hasAttribute("data-drawn")) {\n'
    '        element.setAttribute("data-drawn", "true");\n'
    f'        new window.{_GLOBAL}("#" + id, data);\n'
    "      }\n"
    "    } else if (tries < 600) {\n"
    "      // not in the document yet (a notebook output being attached): try again\n"
    "      setTimeout(function () { draw(tries + 1); }, 100);\n"
    "    }\n"
    "  }\n"
    "  draw(0);\n"
    "})();\n"
)
#: A draw script as :func:`is_map_script` recognises it: the template with its two slots.
_DRAW_PATTERN = re.compile(
    re.escape(_DRAW_SCRIPT.template)
    .replace(re.escape("$div_id"), r"(?P<div_id>[A-Za-z][\w-]*)")
    .replace(re.escape("$data"), r"(?P<data>.*)"),
    re.DOTALL,
)


@lru_cache(maxsize=1)
def _library_files() -> dict[str, Path]:
    """The d3, LDAvis script and LDAvis style files the installed pyLDAvis's templates use."""
    from pyLDAvis import urls

    files = {"d3": Path(urls.D3_LOCAL), "ldavis": Path(urls.LDAVIS_LOCAL), "css": Path(urls.LDAVIS_CSS_LOCAL)}
    for name, path in files.items():
        if not path.is_file():
            raise ZhtopicsError(f"{path}: not found; the pyLDAvis installation is incomplete (needed for {name})")
    return files


def patch_ldavis(source: str) -> str:
    """Apply :data:`LDAVIS_PATCHES` to the LDAvis script, each exactly as often as expected."""
    import pyLDAvis

    for old, new, expected in LDAVIS_PATCHES:
        found = source.count(old)
        if found != expected:
            raise RuntimeError(
                f"pyLDAvis {pyLDAvis.__version__}: the LDAvis script is not the one "
                f"zhtopics was written for: {old!r} occurs {found} times, expected {expected}"
            )
        source = source.replace(old, new)
    return source


def _scope_css(css: str, scope: str) -> str:
    """Prefix every selector of a flat style sheet with ``scope``; drop notebook layout hacks.

    LDAvis's sheet styles every ``path`` and ``text`` of the page and widens Jupyter's
    ``.container``/``.output_area``; inside a notebook that would restyle other outputs.
    """
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        kept = [
            s.strip() for s in selectors.split(",") if s.strip() and s.strip() not in (".container", ".output_area")
        ]
        if kept:
            body = " ".join(line.strip() for line in body.strip().splitlines())
            rules.append(", ".join(f"{scope} {s}" for s in kept) + " { " + body + " }")
    return "\n".join(rules)


def _no_closing_tag(text: str, tag: str) -> str:
    return re.sub(f"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


@lru_cache(maxsize=1)
def library_script() -> str:
    """The <script> defining ``window.zhtopicsLDAvis`` once per page (d3 and LDAvis inside)."""
    files = _library_files()
    d3 = _no_closing_tag(files["d3"].read_text(encoding="utf-8"), "script")
    ldavis = _no_closing_tag(patch_ldavis(files["ldavis"].read_text(encoding="utf-8")), "script")
    import pyLDAvis

    return (
        "<script>\n"
        f"/* d3 ({files['d3'].name}) and LDAvis ({files['ldavis'].name}) from pyLDAvis {pyLDAvis.__version__}, "
        "inlined by zhtopics.topic_map: evaluated once per page in a private scope. */\n"
        f'if (typeof window.{_GLOBAL} === "undefined") {{\n'
        f"window.{_GLOBAL} = (function () {{\n"
        "var scope = {};\n"
        "(function (define, exports, module) {\n"
        f"{d3}\n"
        "}).call(scope);\n"
        "var d3 = scope.d3;\n"
        "return (function () {\n"
        f"{ldavis}\n"
        "return LDAvis;\n"
        "})();\n"
        "})();\n"
        "}\n"
        "</script>"
    )


def library_css(scope: str) -> str:
    """LDAvis's style sheet, every selector prefixed with ``scope`` (see :func:`_scope_css`),
    ready to go inside a <style> element."""
    return _no_closing_tag(_scope_css(_library_files()["css"].read_text(encoding="utf-8"), scope), "style")


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: Characters written as JSON ``\\uXXXX`` escapes in :func:`_script_json`. ``<`` is what
#: could end the <script> element (``</script>``) or open a comment (``<!--``); ``>`` and
#: ``&`` matter if the page is ever read as XHTML; U+2028/2029 end a line in older
#: JavaScript. None of them can occur in JSON outside a string, so the text stays the same
#: JSON value.
_SCRIPT_JSON_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}


def _script_json(data) -> str:
    """JSON to write inside a <script> element: the same value, and it cannot end the element.

    Parameters
    ----------
    data : object
        JSON-serialisable data (numpy numbers and arrays are converted).

    Returns
    -------
    str
        Compact JSON with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX``
        escapes, so corpus text such as ``</script><script>...`` stays a string.

    Raises
    ------
    ZhtopicsError
        When the data holds NaN or infinity (not JSON).
    """
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default)
    except ValueError as error:  # NaN or infinity: a zero probability got through
        raise ZhtopicsError(f"topic map: the prepared data has non-finite numbers ({error})") from None
    return text.translate(_SCRIPT_JSON_ESCAPES)


def draw_script(div_id: str, data) -> str:
    """The <script> that draws one map into the div ``div_id`` from ``data`` (see :func:`_script_json`)."""
    return "<script>" + _DRAW_SCRIPT.substitute(div_id=div_id, data=_script_json(data)) + "</script>"


def is_map_script(code: str) -> bool:
    """Whether ``code`` is the inlined library or a draw script with valid JSON data."""
    if "<script>" + code + "</script>" == library_script():
        return True
    match = _DRAW_PATTERN.fullmatch(code)
    if match is None:
        return False
    try:
        json.loads(match.group("data"))
    except ValueError:
        return False
    return True
