"""The topic map in a real browser (headless Chromium) with the network cut off.

Needs Debian's chromium and chromium-driver (``.ci/run`` installs them). Without them the
tests are skipped, except on CI (``CI=true``) where that is a failure.
"""

from __future__ import annotations

import math
import time

import pytest

from zhtopics.topic_map import prepare_topic_map, topic_map_fragment, topic_map_html

from .topic_map.model import K, synthetic_model

LABELS = [f"主题{i}" for i in range(K)]

# Stands in for require.js (nbconvert's page loads it from a CDN): with an AMD define
# present, d3's UMD wrapper would register an anonymous module instead of drawing.
FAKE_AMD = "window.define = function () {}; window.define.amd = {}; window.require = function () {};"


@pytest.fixture(scope="module")
def prepared():
    return prepare_topic_map(**synthetic_model())


# the bar-chart label showing a term (ids of these labels go stale after a topic is cleared:
# LDAvis re-labels the default bars without renumbering them, so find it by its text)
TERM_LABEL = (
    "var term = arguments[0]; Array.from(document.querySelectorAll('#topic-map text.terms'))"
    ".filter(function (t) { return t.textContent === term; })[0]"
)


def _settled_radii(browser, timeout: float = 3.0) -> list[float]:
    """Topic circle radii once LDAvis's 750 ms animation has ended (two equal readings)."""
    read = (
        "return Array.from(document.querySelectorAll('#topic-map-leftpanel circle.dot'))"
        ".map(function (c) { return +c.getAttribute('r'); });"
    )
    previous, deadline = None, time.monotonic() + timeout
    time.sleep(0.7)
    while time.monotonic() < deadline:
        radii = browser.script(read)
        if radii == previous:
            return radii
        previous = radii
        time.sleep(0.1)
    return previous


def _errors(report) -> list[str]:
    return [entry["message"] for entry in report.severe]


def _assert_clean(report, maps: int) -> None:
    assert report.circles == maps * K, f"{report.circles} topic circles for {maps} maps of {K} topics"
    assert len(report.maps) == maps
    assert _errors(report) == []
    assert report.network_requests == [] and report.failed_requests == []


def test_network_is_really_blocked(browser, tmp_path):
    page = tmp_path / "fetches.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://example.com/x.png"></body></html>', encoding="utf-8")
    report = browser.open(page, expect_maps=0)
    assert report.network_requests == ["http://example.com/x.png"]
    assert report.failed_requests and report.failed_requests[0][0] == "http://example.com/x.png"


def test_page_draws_offline(browser, tmp_path, prepared):
    page = tmp_path / "topic_map.html"
    page.write_text(topic_map_html(prepared, LABELS, title="测试"), encoding="utf-8")
    report = browser.open(page)
    _assert_clean(report, maps=1)
    assert report.maps == ["topic-map"]
    labels = browser.script(
        "return Array.from(document.querySelectorAll('#topic-map-leftpanel text.txt'))"
        ".map(function (t) { return t.textContent; });"
    )
    assert labels == [str(i) for i in range(K)]


def test_topic_zero_and_term_hover(browser, tmp_path, prepared):
    """The patched LDAvis: topic 0 is a topic, and a term resizes the right circles."""
    page = tmp_path / "topic_map.html"
    page.write_text(topic_map_html(prepared, embed_font=False), encoding="utf-8")
    browser.open(page)
    # hover the most salient term (first bar of the default chart): circle areas show P(topic | term)
    term = prepared.topic_info["Term"].iloc[0]
    share = prepared.token_table[prepared.token_table["Term"] == term].set_index("Topic")["Freq"]
    browser.script(TERM_LABEL + ".dispatchEvent(new MouseEvent('mouseover'));", term)
    radii = _settled_radii(browser)
    assert all(math.isfinite(r) for r in radii)
    expected = [share.get(i, 0.0) for i in range(K)]
    total = sum(r * r for r in radii)
    assert [r * r / total for r in radii] == pytest.approx([e / sum(expected) for e in expected], abs=1e-3)
    browser.script(TERM_LABEL + ".dispatchEvent(new MouseEvent('mouseout'));", term)

    # topic 0 can be selected, and the buttons step through 0..K-1 and back to none (-1)
    title = "return document.querySelector('#topic-map .bubble-tool').textContent;"
    selected = "return document.getElementById('topic-map-topic').value;"
    assert browser.script(selected) == "-1"  # nothing selected
    browser.script(
        "document.getElementById('topic-map-topic0').dispatchEvent(new MouseEvent('click', {bubbles: true}));"
    )
    assert "Relevant Terms for Topic 0 " in browser.script(title)
    browser.script("document.getElementById('topic-map-topic-up').click();")
    assert browser.script(selected) == "1" and "for Topic 1 " in browser.script(title)
    for _ in range(K):
        browser.script("document.getElementById('topic-map-topic-up').click();")
    assert browser.script(selected) == str(K - 1)
    for _ in range(K + 1):
        browser.script("document.getElementById('topic-map-topic-down').click();")
    assert browser.script(selected) == "-1"
    assert browser.report().severe == []


def test_fragments_draw_in_one_page(browser, tmp_path, prepared):
    fragments = [topic_map_fragment(prepared), topic_map_fragment(prepared, LABELS)]
    page = tmp_path / "fragments.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<script>{FAKE_AMD}</script></head><body>\n" + "\n".join(fragments) + "\n</body></html>",
        encoding="utf-8",
    )
    report = browser.open(page, expect_maps=2)
    _assert_clean(report, maps=2)
    assert browser.script("return typeof window.d3;") == "undefined"  # private d3, no global


def test_fragments_survive_nbconvert_export(browser, tmp_path, prepared):
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    for labels in (None, LABELS):
        cell = nbformat.v4.new_code_cell("HTML(topic_map_fragment(prepared))")
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={
                    "text/html": topic_map_fragment(prepared, labels),
                    "text/plain": "<IPython.core.display.HTML object>",
                },
            )
        ]
        notebook.cells.append(cell)
    # the page's own CDN scripts (require.js, MathJax) replaced by local stand-ins
    (tmp_path / "require.js").write_text(FAKE_AMD, encoding="utf-8")
    (tmp_path / "mathjax.js").write_text("", encoding="utf-8")
    exporter = HTMLExporter(require_js_url="require.js", mathjax_url="mathjax.js")
    body, _ = exporter.from_notebook_node(notebook)
    page = tmp_path / "notebook.html"
    page.write_text(body, encoding="utf-8")
    report = browser.open(page, expect_maps=2)
    _assert_clean(report, maps=2)
