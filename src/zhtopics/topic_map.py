"""The interactive topic map (LDAvis), as one self-contained HTML file that works offline.

pyLDAvis's ``save_html`` and ``display`` load d3 and the LDAvis script and style sheet from
public CDNs, so the page stays blank without a network. Here the same files, read from the
installed pyLDAvis package folder (``pyLDAvis/js``), are inlined into the page together with
the prepared data, and the Chinese terms get an embedded subset of a CJK font (only the
characters on the page), so the map needs neither a network nor a CJK system font.

- :func:`prepare_topic_map` runs ``pyLDAvis.prepare`` with topic numbers 0..K-1 in the
  model's row order (the numbers of ``results/topics.csv`` and ``topic_labels.csv``).
- :func:`topic_map_html` is the standalone page, :func:`topic_map_fragment` the same map for
  a notebook output (``IPython.display.HTML``; it also survives nbconvert's HTML export).
- :func:`write_topic_map` draws the chosen model into ``figures/topic_map.html``.
- :func:`network_references` lists what a page would fetch from the network, and
  :func:`active_content` what it would run besides the map's own code (reports check both).

Text from the corpus (terms, labels, headings) reaches the page only escaped: labels and
headings through :func:`html.escape`, the LDAvis data as JSON that cannot end its
``<script>`` element (:func:`_script_json`); LDAvis draws terms with d3's ``text()``.

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

import base64
import hashlib
import html
import io
import json
import logging
import re
import string
import uuid
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from zhtopics.atomic import write_text
from zhtopics.config import OutputPaths, ZhtopicsError, resolve

logger = logging.getLogger(__name__)

#: ``topic_map`` parameters used when ``params.yaml`` has no such section (or lacks a key).
DEFAULTS = {"terms": 30, "lambda_step": 0.01, "embed_font": True, "font_file": None}

#: Floor for topic-word probabilities: LDAvis takes their logarithm, and log(0) would put
#: -Infinity (not valid JSON) into the page.
MIN_PROBABILITY = 1e-12

#: The CJK font subset into the page unless another ``font_file`` is given: Noto Sans CJK SC
#: (SIL Open Font License 1.1), shipped by the ``mplfonts`` package.
DEFAULT_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")

CSS_CLASS = "zhtopics-topic-map"
PAGE_DIV_ID = "topic-map"
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

# Real fetches only: src/href-like attributes, CSS url() and @import, with http(s): or
# protocol-relative // targets. Namespace strings inside scripts are not matched.
_ATTRIBUTE_FETCH = re.compile(
    r"""(?<![\w-])(?:src|href|xlink:href|srcset|poster|action|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""",
    re.IGNORECASE,
)
_CSS_FETCH = re.compile(r"""url\(\s*["']?\s*((?:https?:)?//[^"')\s]*)""", re.IGNORECASE)
_IMPORT_FETCH = re.compile(r"""@import\s+["']\s*((?:https?:)?//[^"']*)""", re.IGNORECASE)

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
#: A draw script as :func:`active_content` recognises it: the template with its two slots.
_DRAW_PATTERN = re.compile(
    re.escape(_DRAW_SCRIPT.template)
    .replace(re.escape("$div_id"), r"(?P<div_id>[A-Za-z][\w-]*)")
    .replace(re.escape("$data"), r"(?P<data>.*)"),
    re.DOTALL,
)

#: Elements that load or run other documents or code, or redirect the page.
_ACTIVE_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"})
#: URL schemes that run code when followed or loaded.
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|livescript):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers skip these inside a scheme


# ---------------------------------------------------------------------------------------
# Preparing the data
# ---------------------------------------------------------------------------------------


def _js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (natural log), LDAvis's distance between two topics."""
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q)) ** 2


def pcoa(distributions: np.ndarray) -> np.ndarray:
    """Topic coordinates by principal coordinate analysis of Jensen-Shannon divergences.

    The same method as pyLDAvis's ``mds="pcoa"`` (``js_PCoA``), made reproducible: the
    symmetric eigensolver (``eigh``; ``eig`` may return complex values for a matrix that
    is symmetric only up to rounding) and a fixed sign per axis (the coordinate of largest
    absolute value is positive), which LAPACK leaves arbitrary.

    Parameters
    ----------
    distributions : ndarray, shape (K, V)
        One probability distribution per row.

    Returns
    -------
    ndarray, shape (K, 2)
    """
    from scipy.spatial.distance import pdist, squareform

    distributions = np.asarray(distributions, dtype=np.float64)
    n = distributions.shape[0]
    coordinates = np.zeros((n, 2))
    if n < 2:
        return coordinates
    squared = squareform(pdist(distributions, metric=_js_divergence)) ** 2
    centring = np.eye(n) - np.full((n, n), 1.0 / n)
    inner = -centring @ squared @ centring / 2
    values, vectors = np.linalg.eigh((inner + inner.T) / 2)
    order = np.argsort(values, kind="stable")[::-1][:2]
    values = np.clip(values[order], 0.0, None)
    axes = vectors[:, order] * np.sqrt(values)
    for j in range(axes.shape[1]):
        if axes[np.argmax(np.abs(axes[:, j])), j] < 0:
            axes[:, j] = -axes[:, j]
    coordinates[:, : axes.shape[1]] = axes
    return coordinates


def prepare_topic_map(
    topic_word: np.ndarray,
    doc_topic: np.ndarray,
    doc_lengths: Sequence[int],
    vocab: Sequence[str],
    term_frequency: Sequence[float],
    *,
    terms: int = 30,
    lambda_step: float = 0.01,
):
    """The LDAvis data of a model, with topic numbers 0..K-1 in the order of its rows.

    Runs ``pyLDAvis.prepare`` with ``sort_topics=False`` and ``start_index=0`` (so topic
    ``i`` of the map is row ``i`` of ``topic_word``, as in ``results/topics.csv``), the
    reproducible :func:`pcoa` layout and one process (``n_jobs=1``: the computation takes
    a fraction of a second; worker processes would take longer to start).

    Parameters
    ----------
    topic_word : ndarray, shape (K, V)
        Topic-word probabilities (rows sum to 1; column ``j`` is word ``vocab[j]``).
        Probabilities below :data:`MIN_PROBABILITY` are raised to it (rows renormalised).
    doc_topic : ndarray, shape (D, K)
        Document-topic probabilities, rows in document order.
    doc_lengths : sequence of int, length D
        Tokens of each document in the vocabulary. Documents of length 0 carry no
        information and are left out (their topic rows may be anything, even NaN).
    vocab : sequence of str, length V
    term_frequency : sequence of float, length V
        Corpus frequency of each word. (pyLDAvis only checks its length: it draws the
        model's own estimate, the topic-word matrix weighted by topic sizes.)
    terms : int
        Terms in the bar chart (LDAvis's ``R``; the chart shows at most 30).
    lambda_step : float
        Grid step of the relevance slider.

    Returns
    -------
    pyLDAvis.PreparedData

    Raises
    ------
    ZhtopicsError
        If the shapes disagree, there are fewer than two topics, or no document has tokens.
    """
    import pyLDAvis

    topic_word = np.asarray(topic_word, dtype=np.float64)
    doc_topic = np.asarray(doc_topic, dtype=np.float64)
    doc_lengths = np.asarray(doc_lengths, dtype=np.int64)
    vocab = [str(word) for word in vocab]
    term_frequency = np.asarray(term_frequency, dtype=np.float64)
    if topic_word.ndim != 2 or doc_topic.ndim != 2:
        raise ZhtopicsError("topic map: topic_word and doc_topic must be matrices")
    k, v = topic_word.shape
    problems = []
    if doc_topic.shape[1] != k:
        problems.append(f"doc_topic has {doc_topic.shape[1]} topics, topic_word {k}")
    if len(doc_lengths) != doc_topic.shape[0]:
        problems.append(f"{len(doc_lengths)} document lengths for {doc_topic.shape[0]} doc_topic rows")
    if len(vocab) != v or len(term_frequency) != v:
        problems.append(f"{len(vocab)} words and {len(term_frequency)} frequencies for {v} topic_word columns")
    if problems:
        raise ZhtopicsError("topic map: inputs disagree: " + "; ".join(problems))
    if k < 2:
        raise ZhtopicsError(f"topic map: needs at least 2 topics, the model has {k}")
    keep = doc_lengths > 0
    if not keep.any():
        raise ZhtopicsError("topic map: no document has tokens in the dictionary")
    if not keep.all():
        logger.info("topic map: %d of %d documents have no tokens and are left out", (~keep).sum(), len(keep))
    doc_topic = doc_topic[keep]
    doc_topic = doc_topic / doc_topic.sum(axis=1, keepdims=True)
    topic_word = np.maximum(topic_word, MIN_PROBABILITY)
    topic_word = topic_word / topic_word.sum(axis=1, keepdims=True)
    return pyLDAvis.prepare(
        topic_word,
        doc_topic,
        doc_lengths[keep],
        vocab,
        term_frequency,
        R=terms,
        lambda_step=lambda_step,
        mds=pcoa,
        n_jobs=1,
        sort_topics=False,
        start_index=0,
    )


def _prepared_dict(prepared) -> dict:
    """The JSON-ready dict of a PreparedData, numbers rounded (smaller, stable page)."""
    coordinates = prepared.topic_coordinates.round({"x": 6, "y": 6, "Freq": 6})
    info = prepared.topic_info.round({"Freq": 4, "Total": 4, "logprob": 4, "loglift": 4})
    tokens = prepared.token_table.round({"Freq": 6})
    return {
        "mdsDat": coordinates.to_dict(orient="list"),
        "tinfo": info.to_dict(orient="list"),
        "token.table": tokens.to_dict(orient="list"),
        "R": int(prepared.R),
        "lambda.step": float(prepared.lambda_step),
        "plot.opts": dict(prepared.plot_opts),
        "topic.order": [int(t) for t in prepared.topic_order],
    }


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


# ---------------------------------------------------------------------------------------
# The shipped JavaScript and CSS
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# The embedded font
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------


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


def _is_map_script(code: str) -> bool:
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


def active_content(page: str) -> list[str]:
    """What a page would run besides the topic maps' own scripts.

    Reports and topic maps show corpus text, which must arrive as text. This lists every
    ``<script>`` element that is neither :func:`library_script` nor a map's draw script
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
    finder = _ActiveContentFinder(_is_map_script)
    finder.feed(page)
    finder.close()
    return finder.found


def _page_characters(prepared, labels: Sequence[str] | None, title: str) -> str:
    parts = [title, *(labels or [])]
    parts += prepared.topic_info["Term"].astype(str).tolist()
    parts += prepared.token_table["Term"].astype(str).tolist()
    return "".join(parts)


def _labels_table(prepared, labels: Sequence[str]) -> str:
    coordinates = prepared.topic_coordinates
    if len(labels) != len(coordinates):
        raise ZhtopicsError(f"topic map: {len(labels)} labels for {len(coordinates)} topics")
    rows = []
    for (topic, share), label in zip(coordinates[["topics", "Freq"]].itertuples(index=False), labels):
        rows.append(
            f'<tr><td class="num">{int(topic)}</td><td>{html.escape(str(label))}</td>'
            f'<td class="num">{float(share):.1f}</td></tr>'
        )
    return (
        '<table class="zhtopics-labels">\n<thead><tr><th>topic</th><th>label</th><th>% of tokens</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _map_block(
    prepared,
    labels: Sequence[str] | None,
    div_id: str,
    heading: str | None,
    embed_font: bool,
    font_file: str | Path | None,
) -> str:
    """The map: style, optional heading and label table, the div, the library and the call."""
    if not re.fullmatch(r"[A-Za-z][\w-]*", div_id):
        raise ValueError(f"div_id must be a valid HTML id without spaces: {div_id!r}")
    font_css, family = ("", "")
    if embed_font:
        font_css, family = font_face_css(_page_characters(prepared, labels, heading or ""), font_file)
    fonts = (f'"{family}", ' if family else "") + "sans-serif"
    scope = f".{CSS_CLASS}"
    style = "\n".join(
        filter(
            None,
            [
                font_css,
                _no_closing_tag(_scope_css(_library_files()["css"].read_text(encoding="utf-8"), scope), "style"),
                f"{scope} {{ font-family: {fonts}; overflow-x: auto; }}",
                f"{scope} text {{ font-family: {fonts}; }}",
                f"{scope} h1 {{ font-size: 20px; font-weight: normal; margin: 8px 0; }}",
                f"{scope} table.zhtopics-labels {{ border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }}",
                f"{scope} table.zhtopics-labels th, {scope} table.zhtopics-labels td "
                "{ border-bottom: 1px solid #ddd; padding: 2px 10px; text-align: left; }",
                f"{scope} table.zhtopics-labels td.num {{ text-align: right; }}",
            ],
        )
    )
    data = _script_json(_prepared_dict(prepared))
    draw = "<script>" + _DRAW_SCRIPT.substitute(div_id=div_id, data=data) + "</script>"
    parts = [f'<div class="{CSS_CLASS}">', f"<style>\n{style}\n</style>"]
    if heading:
        parts.append(f"<h1>{html.escape(heading)}</h1>")
    if labels is not None:
        parts.append(_labels_table(prepared, labels))
    parts += [f'<div id="{div_id}"></div>', library_script(), draw, "</div>"]
    return "\n".join(parts)


def topic_map_html(
    prepared,
    labels: Sequence[str] | None = None,
    title: str = "Topic map",
    *,
    embed_font: bool = True,
    font_file: str | Path | None = None,
) -> str:
    """One self-contained HTML page of the topic map; nothing is fetched from the network.

    Parameters
    ----------
    prepared : pyLDAvis.PreparedData
        From :func:`prepare_topic_map`.
    labels : sequence of str, optional
        One label per topic, in topic order; shown in a table above the map.
    title : str
        Page title and heading.
    embed_font : bool
        Embed the glyphs of the page's non-ASCII characters (see :func:`font_face_css`),
        so Chinese renders without a CJK system font.
    font_file : str or Path, optional
        The font to subset; default Noto Sans CJK SC from ``mplfonts``.

    Returns
    -------
    str
        The page. The same inputs give the same text, byte for byte.
    """
    block = _map_block(prepared, labels, PAGE_DIV_ID, title, embed_font, font_file)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{block}\n</body>\n</html>\n"
    )


def topic_map_fragment(
    prepared,
    labels: Sequence[str] | None = None,
    *,
    div_id: str | None = None,
    embed_font: bool = True,
    font_file: str | Path | None = None,
) -> str:
    """The topic map as an HTML fragment for a notebook output.

    ``IPython.display.HTML(topic_map_fragment(prepared))`` shows it in JupyterLab (the
    notebook must be trusted for its scripts to run when reopened) and in nbconvert's HTML
    export. Several fragments can be shown in one page: each has its own div id, and the
    inlined d3/LDAvis code runs only once per page.

    Parameters
    ----------
    prepared : pyLDAvis.PreparedData
    labels : sequence of str, optional
        One label per topic, shown in a table above the map.
    div_id : str, optional
        The id of the map's div; default a new random one per call.
    embed_font, font_file
        As in :func:`topic_map_html`.

    Returns
    -------
    str
        No <html>, <head> or <body>; one wrapping <div>.
    """
    div_id = div_id or f"zhtopics-map-{uuid.uuid4().hex[:12]}"
    return _map_block(prepared, labels, div_id, None, embed_font, font_file)


# ---------------------------------------------------------------------------------------
# The project's map
# ---------------------------------------------------------------------------------------


def _need(path: Path, command: str) -> Path:
    if not path.exists():
        raise ZhtopicsError(f"{path}: not found; run `zhtopics {command}` first")
    return path


def topic_map_file(paths: OutputPaths) -> Path:
    return paths.root / "figures" / "topic_map.html"


def write_topic_map(paths: OutputPaths, params: dict) -> Path:
    """Draw the chosen model's topic map into ``figures/topic_map.html``.

    Reads ``results/model_choice.json``, the model in ``models/<engine>_k<K>/``
    (``topic_word.npy``, ``doc_topic.npy``, ``dictionary.gensim``),
    ``results/topic_labels.csv`` and ``data/processed/tokens.parquet``. Document lengths
    are ``n_in_dictionary``; term frequencies the Dictionary's collection frequencies.

    Parameters
    ----------
    paths : OutputPaths
    params : dict
        The parameter tree; its ``topic_map`` section (``terms``, ``lambda_step``,
        ``embed_font``, ``font_file``) is optional, :data:`DEFAULTS` fill what is missing.

    Returns
    -------
    Path
        The written page.

    Raises
    ------
    ZhtopicsError
        When an input is missing (naming the file and the command that writes it), the
        inputs do not belong together, or the page fails :func:`active_content`.
    """
    from gensim.corpora import Dictionary

    options = {**DEFAULTS, **(params.get("topic_map") or {})}
    if not isinstance(options["terms"], int) or isinstance(options["terms"], bool) or options["terms"] < 1:
        raise ZhtopicsError(f"topic_map.terms: expected a positive integer, got {options['terms']!r}")
    if not isinstance(options["lambda_step"], (int, float)) or not 0 < options["lambda_step"] <= 1:
        raise ZhtopicsError(f"topic_map.lambda_step: expected a number in (0, 1], got {options['lambda_step']!r}")
    choice = json.loads(_need(paths.results / "model_choice.json", "train").read_text(encoding="utf-8"))
    engine, k = choice["engine"], int(choice["k"])
    folder = paths.models / f"{engine}_k{k}"
    topic_word = np.load(_need(folder / "topic_word.npy", "train"))
    doc_topic = np.load(_need(folder / "doc_topic.npy", "train"))
    dictionary = Dictionary.load(str(_need(folder / "dictionary.gensim", "train")))
    tokens = pd.read_parquet(_need(paths.tokens, "segment"), columns=["doc_id", "n_in_dictionary"])
    labels_table = pd.read_csv(_need(paths.results / "topic_labels.csv", "themes"))

    if len(tokens) != doc_topic.shape[0]:
        raise ZhtopicsError(
            f"{paths.tokens}: {len(tokens)} documents but the {engine} K={k} model has "
            f"{doc_topic.shape[0]}; run `zhtopics train` again"
        )
    if len(dictionary) != topic_word.shape[1]:
        raise ZhtopicsError(
            f"{folder / 'dictionary.gensim'}: {len(dictionary)} words but topic_word.npy has "
            f"{topic_word.shape[1]} columns; run `zhtopics train` again"
        )
    labels_table = labels_table.sort_values("topic")
    if labels_table["topic"].tolist() != list(range(k)):
        raise ZhtopicsError(
            f"{paths.results / 'topic_labels.csv'}: topics are not 0..{k - 1} of the chosen "
            f"model; run `zhtopics themes` again"
        )

    vocab = [dictionary[i] for i in range(len(dictionary))]
    frequency = [dictionary.cfs.get(i, 0) for i in range(len(dictionary))]
    prepared = prepare_topic_map(
        topic_word,
        doc_topic,
        tokens["n_in_dictionary"].to_numpy(),
        vocab,
        frequency,
        terms=int(options["terms"]),
        lambda_step=float(options["lambda_step"]),
    )
    font_file = resolve(options["font_file"]) if options["font_file"] else None
    page = topic_map_html(
        prepared,
        labels_table["label"].astype(str).tolist(),
        title=f"Topic map: {engine}, K = {k}",
        embed_font=bool(options["embed_font"]),
        font_file=font_file,
    )
    unsafe = active_content(page)
    if unsafe:  # cannot happen while labels are escaped and the data is _script_json
        raise ZhtopicsError(f"topic map: the page would run code zhtopics did not write: {unsafe[0]}")
    target = topic_map_file(paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, page)
    logger.info("topic map: %s (%d KB)", target, len(page.encode("utf-8")) // 1024)
    return target
