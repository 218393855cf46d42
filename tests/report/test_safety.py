"""Reports that are safe to share: corpus text reaches HTML only as text, and no report or
figure shows this machine's folders.

Scraped text can hold markup. These tests feed script and markup payloads through every
path by which data reaches a page (topic labels, terms, evidence paragraphs, article
titles, table cells, the topic map's JSON, the report footer and index), first to the
functions directly, then through the whole pipeline on a small corpus, and open the
results in headless Chromium without network: no injected code may run, and the payloads
must be shown as the text they are.

The corpus stage may strip HTML tags from input text one day, so the pipeline run also
carries payloads that survive stripping (Markdown links, template syntax, an unterminated
tag, ``script``/``onerror`` as plain words) and payloads in places the corpus stage does
not touch (theme names in the themes file, which become topic labels).
"""

from __future__ import annotations

import html
import json
import re
import string
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from nbconvert.filters.markdown import markdown2html

from zhtopics.cli import main
from zhtopics.paths import OutputPaths
from zhtopics.report import active_content, escape_markdown, network_references, redact_paths
from zhtopics.report.execute import footer_html, index_html, notebook_html
from zhtopics.report.safety import _local_folders
from zhtopics.topic_map import library_script, prepare_topic_map, topic_map_fragment, topic_map_html
from zhtopics.topic_map.assets import _script_json

from ..conftest import PROJECT_ROOT
from ..topic_map.model import K, synthetic_model

#: Markup that would run code, or change the page, if it reached HTML unescaped. Each sets
#: ``window.__pwned`` (or opens an alert), which the browser tests look for.
PAYLOADS = [
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<img src=x onerror=window.__pwned=1//",  # unterminated: survives a naive tag stripper
    "<svg onload=window.__pwned=1>",
    "<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "[点击](javascript:window.__pwned=1)",
    "<javascript:window.__pwned=1>",
    "{{ 7*7 }} {% raw %} ${7*7}",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; &#60;b&#62;",
    "**粗体** `代码` $x$ <!-- 注释",
    "<img src=x onerror=alert(1)>",
    "行\u2028分隔\u2029段落",
]

PLANTED = [
    ["物流", "货源", "配送", "快递", "库存", "供应商", "运输", "仓库"],
    ["信任", "口碑", "品质", "诚信", "售后", "质量", "保障", "信誉"],
    ["流量", "红利", "搜索", "广告", "曝光", "关注", "粉丝", "推广"],
]

#: Theme names become topic labels (the corpus stage never sees them).
THEMES = [
    {
        "id": "logistics",
        "name": "</script><script>window.__pwned=1</script>物流",
        "name_en": "<b>logistics</b>",
        "seeds": PLANTED[0][:5],
    },
    {"id": "trust", "name": "[信任](javascript:window.__pwned=1)", "name_en": "{{ 7*7 }}", "seeds": PLANTED[1][:5]},
    {
        "id": "traffic",
        "name": '<img src=x onerror="window.__pwned=1">流量',
        "name_en": "**traffic** $x$",
        "seeds": PLANTED[2][:5],
    },
]
LATIN_WORDS = ["script", "onerror", "alert"]  # kept through segmentation by the test's allow-list

SMALL_RUN = {
    "sweep": {"k": [3], "seeds": [1]},
    "engines": {"tomotopy": {"iterations": 100}, "gensim": {"passes": 2, "iterations": 50}},
    "themes": {"min_score": 0.05},
}


def _normal(text: str) -> str:
    """Whitespace runs as one space (how HTML shows text; escape_markdown does the same)."""
    return " ".join(text.split())


class _Text(HTMLParser):
    """The tags and the text of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_comment(self, data):
        self.tags.append("<!--")

    def handle_data(self, data):
        self.text += data


def _parse(fragment: str) -> _Text:
    parsed = _Text()
    parsed.feed(fragment)
    parsed.close()
    return parsed


# ---------------------------------------------------------------------------------------
# The functions, fed payloads directly
# ---------------------------------------------------------------------------------------


def test_script_json_keeps_the_value_and_cannot_end_the_script():
    data = {"Term": PAYLOADS, "nested": [{"x": "<!--<script>-->"}], "n": np.int64(3)}
    text = _script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {**data, "n": 3}
    parsed = _parse(f"<script>var data = {text};</script><p>after</p>")
    assert parsed.tags == ["script", "p"] and parsed.text.endswith("after")
    assert active_content(f"<script>{library_script()[len('<script>') : -len('</script>')]}</script>") == []


@settings(max_examples=400, deadline=None, database=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(PAYLOADS + list(string.punctuation) + ["\n\n", "    ", "1. ", "# ", "www.x.cn"]),
            st.characters(blacklist_categories=("Cs",)),
        ),
        max_size=12,
    ).map("".join)
)
def test_escape_markdown_renders_exactly_the_text(value):
    """Through nbconvert's own Markdown renderer: no element but the paragraph, the text unchanged."""
    rendered = _parse(markdown2html("文本 " + escape_markdown(value)))
    assert rendered.tags == ["p"], rendered.tags
    assert _normal(rendered.text) == _normal("文本 " + value)


def test_topic_map_shows_payload_labels_terms_and_title_as_text():
    model = synthetic_model()
    model["vocab"] = PAYLOADS + model["vocab"][len(PAYLOADS) :]
    prepared = prepare_topic_map(**model)
    labels = [PAYLOADS[i] for i in range(K)]
    page = topic_map_html(prepared, labels, title=PAYLOADS[0], embed_font=False)
    fragment = topic_map_fragment(prepared, labels, div_id="m", embed_font=False)
    for html_text in (page, fragment):
        assert active_content(html_text) == []
        for label in labels:
            assert f"<td>{html.escape(label)}</td>" in html_text
    assert f"<title>{html.escape(PAYLOADS[0])}</title>" in page and f"<h1>{html.escape(PAYLOADS[0])}</h1>" in page


def test_footer_and_index_escape_what_they_show():
    manifest = {
        "git_commit": PAYLOADS[0],
        "params_hash": PAYLOADS[1],
        "corpus_sha256": PAYLOADS[5],
        "date": PAYLOADS[7],
        "versions": {PAYLOADS[3]: PAYLOADS[10]},
    }
    page = index_html([('x" onmouseover="window.__pwned=1', PAYLOADS[1])], manifest)
    assert active_content(page) == []
    assert active_content(footer_html(manifest)) == []
    text = _normal(_parse(page).text)
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[10]):
        assert _normal(payload) in text


def test_active_content_finds_what_injected_markup_would_run():
    for payload in PAYLOADS[:5] + PAYLOADS[10:11]:
        assert active_content(f"<p>{payload}</p>"), payload
    # Markdown renders these into links: why data goes into Markdown only escaped
    for payload in PAYLOADS[5:7]:
        assert active_content(markdown2html(payload)), payload
    for page in (
        '<meta http-equiv="refresh" content="0;url=x">',
        '<a href=" java\tscript:x">a</a>',
        '<base href="x">',
        '<script src="x.js"></script>',
        "<p><script>unterminated",
    ):
        assert active_content(page), page
    # the maps' own scripts pass, a draw script with anything but JSON data does not
    fragment = topic_map_fragment(prepare_topic_map(**synthetic_model()), div_id="m", embed_font=False)
    assert active_content(fragment) == []
    assert active_content(fragment.replace("var data = {", "var data = window.__pwned=1||{")) != []


def test_network_references_finds_fetches_only():
    assert network_references('<script src="https://cdn.example.org/d3.js"></script>') == [
        "https://cdn.example.org/d3.js"
    ]
    assert network_references("<link rel=stylesheet href='//x'>") == ["//x"]
    assert network_references("<style>body { background: url(http://x.org/a.png) }</style>") == ["http://x.org/a.png"]
    assert network_references('<style>@import "https://x.org/a.css";</style>') == ["https://x.org/a.css"]
    assert network_references('<svg><a xlink:href="http://x.org/p.pdf"></a></svg>') == ["http://x.org/p.pdf"]
    # namespace URIs and URLs in comments or strings of a script are data, not fetches
    assert (
        network_references(
            '<script>var ns = "http://www.w3.org/2000/svg"; // https://d3js.org\n'
            '.attr("xlink:href", "http://vis.stanford.edu/x.pdf")</script>'
        )
        == []
    )
    assert network_references('<a href="#top"></a><img src="data:image/png;base64,AAAA">') == []


def test_notebook_rendering_escapes_tables_and_markdown(browser, tmp_path):
    """Cells as the notebooks write them (a DataFrame, Markdown built with escape_markdown, a
    topic map with payload labels), exported like a report and opened in the browser."""
    table = pd.DataFrame({"article_title": PAYLOADS, "text": PAYLOADS[::-1]}, index=pd.Index(PAYLOADS, name="<i>"))
    markdown = "\n".join(f"- **{escape_markdown(p)}** ({i}) {escape_markdown(p)}" for i, p in enumerate(PAYLOADS))
    prepared = prepare_topic_map(**synthetic_model())
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# 报告 · report"))
    for data in (
        {"text/html": table._repr_html_(), "text/plain": repr(table)},
        {"text/markdown": markdown, "text/plain": markdown},
        {"text/html": topic_map_fragment(prepared, PAYLOADS[:K]), "text/plain": "map"},
    ):
        cell = nbformat.v4.new_code_cell("display(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        notebook.cells.append(cell)
    page = notebook_html(
        notebook,
        "report",
        footer_html({"git_commit": PAYLOADS[0], "params_hash": "", "corpus_sha256": "", "date": "", "versions": {}}),
    )
    assert active_content(page) == []
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    _assert_nothing_ran(browser, path, maps=1)
    shown = _normal(browser.text())
    for payload in PAYLOADS:
        assert _normal(payload) in shown, payload


def test_topic_map_term_hover_shows_the_term_as_text(browser, tmp_path):
    """LDAvis reads a hovered term back from the page (patched to textContent)."""
    model = synthetic_model()
    term = "<b>a&b</b>"
    model["vocab"] = [term] + model["vocab"][1:]
    prepared = prepare_topic_map(**model)
    page = tmp_path / "map.html"
    page.write_text(topic_map_html(prepared, embed_font=False), encoding="utf-8")
    _assert_nothing_ran(browser, page, maps=1)
    hovered = browser.script(
        "var term = arguments[0], t = Array.from(document.querySelectorAll('#topic-map text.terms'))"
        ".filter(function (e) { return e.textContent === term; })[0];"
        "if (!t) { return null; } t.dispatchEvent(new MouseEvent('mouseover'));"
        "return document.querySelector('#topic-map .circleGuideTitle').textContent;",
        term,
    )
    assert hovered == f"Conditional topic distribution given term = '{term}'"


def test_redact_paths_replaces_whole_folders_in_printed_output(tmp_path):
    out = tmp_path / "out"
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text=f"{PROJECT_ROOT}/.venv/lib/x.py:1: Warning\n"
            f"{out}/results/a.csv\nhttp://example.cn{tempfile.gettempdir()}/x "
            f"{tempfile.gettempdir()}files\n",
        ),
        nbformat.v4.new_output("display_data", data={"text/plain": str(out)}),
    ]
    notebook.cells.append(cell)
    assert redact_paths(notebook, out) == 2
    text = cell.outputs[0]["text"]
    assert text.startswith(("<python>/lib/x.py", "<project>/.venv/lib/x.py")) and "\n./results/a.csv\n" in text
    assert f"http://example.cn{tempfile.gettempdir()}/x {tempfile.gettempdir()}files" in text  # not local folders
    assert cell.outputs[1]["data"]["text/plain"] == str(out)  # data is left alone


# ---------------------------------------------------------------------------------------
# The whole pipeline on a corpus carrying payloads
# ---------------------------------------------------------------------------------------


def _corpus(n_docs: int = 60) -> pd.DataFrame:
    """Three planted topics; payloads at the start of paragraphs, in titles and in a passthrough column."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n_docs):
        words = list(rng.choice(PLANTED[i % 3], 20))
        sentences = ["".join(words[j : j + 4]) for j in range(0, 20, 4)]
        text = "，".join(sentences) + "。"
        if i % 3 == 0:
            text += " " + " ".join(LATIN_WORDS)
        if i < 2 * len(PAYLOADS):
            text = PAYLOADS[i % len(PAYLOADS)] + text
        rows.append(
            {
                "id": f"d{i:03d}",
                "text": text,
                "title": f"{PAYLOADS[i % 8]}文章{i % 8}",
                "note": PAYLOADS[(i + 1) % len(PAYLOADS)],
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory) -> OutputPaths:
    """``zhtopics run`` (figures and reports included) on the payload corpus, once."""
    root = tmp_path_factory.mktemp("payloads")
    source = root / "posts.csv"
    _corpus().to_csv(source, index=False)
    themes = root / "themes.yaml"
    themes.write_text(yaml.safe_dump({"themes": THEMES}, allow_unicode=True), encoding="utf-8")
    allowlist = root / "allowlist.txt"
    allowlist.write_text("\n".join(word.upper() for word in LATIN_WORDS) + "\n", encoding="utf-8")
    config = root / "small.yaml"
    params = {
        **SMALL_RUN,
        "themes": {**SMALL_RUN["themes"], "file": str(themes)},
        "segment": {"allowlist": str(allowlist)},
    }
    config.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    out = root / "out"
    argv = [
        "run",
        str(source),
        "--out",
        str(out),
        "--config",
        str(config),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--group-column",
        "title",
        "-q",
    ]
    assert main(argv) == 0
    return OutputPaths(out)


def _pages(paths: OutputPaths) -> list[Path]:
    return sorted((paths.root / "reports").glob("*.html")) + [paths.root / "figures" / "topic_map.html"]


def _assert_nothing_ran(browser, page: Path, maps: int) -> None:
    opened = browser.open(page, expect_maps=maps)
    assert browser.alert_text() is None, page.name
    assert browser.script("return typeof window.__pwned;") == "undefined", page.name
    assert opened.severe == [], (page.name, opened.severe)
    assert opened.network_requests == [] and opened.failed_requests == [], page.name
    assert browser.handler_attributes() == [], page.name
    assert len(opened.maps) == maps, page.name


def test_pipeline_pages_have_no_active_content(payload_run):
    pages = _pages(payload_run) + sorted((payload_run.root / "figures").glob("*.svg"))
    assert len(pages) >= 8
    for page in pages:
        assert active_content(page.read_text(encoding="utf-8")) == [], page.name


def test_pipeline_pages_run_nothing_injected_and_show_payloads_as_text(browser, payload_run):
    results = payload_run.results
    labels = pd.read_csv(results / "topic_labels.csv")["label"].tolist()
    evidence = pd.read_csv(results / "topic_evidence.csv")
    titles = pd.read_csv(results / "article_topics.csv")["article_title"].tolist()
    assert {theme["name"] for theme in THEMES} <= set(labels), "the payload themes should name the topics"
    shown = {}
    for page in _pages(payload_run):
        _assert_nothing_ran(browser, page, maps=1 if page.name in ("04-topics.html", "topic_map.html") else 0)
        shown[page.name] = _normal(browser.text())
        if page.name == "topic_map.html":
            terms = browser.script(
                "return Array.from(document.querySelectorAll('text.terms'))"
                ".map(function (t) { return t.textContent; });"
            )
            assert {word.lower() for word in terms} & set(LATIN_WORDS), "the Latin payload words should be terms"
    for label in labels:
        assert _normal(label) in shown["04-topics.html"] and _normal(label) in shown["topic_map.html"], label
    for text, title in zip(evidence["text"], evidence["article_title"]):
        assert _normal(text) in shown["04-topics.html"] and _normal(title) in shown["04-topics.html"]
    for title in titles:  # pandas shortens table cells to 50 characters
        assert _normal(title) in shown["05-articles.html"] and _normal(title)[:45] in shown["01-corpus.html"]


def _local_path_pattern(out: Path) -> re.Pattern:
    """This machine's folders (output, project, Python, home, temporary folder), as whole paths."""
    folders = {form for form, _ in _local_folders(out)} | {str(out), str(out.resolve()), str(PROJECT_ROOT)}
    return re.compile(
        r"(?<![\w.-])(" + "|".join(re.escape(f) for f in sorted(folders, key=len, reverse=True)) + r")(?![\w.-])"
    )


_BASE64_DATA = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def test_no_report_or_figure_shows_a_local_folder(payload_run):
    """Every file under reports/ and figures/: the text (base64 data aside) or a PNG's text chunks."""
    from PIL import Image

    out = payload_run.root
    pattern = _local_path_pattern(out)
    files = sorted(p for folder in ("reports", "figures") for p in (out / folder).rglob("*") if p.is_file())
    assert len(files) > 10
    leaks = []
    for path in files:
        if path.suffix == ".png":  # tEXt, zTXt and iTXt chunks (the pixels are compressed)
            with Image.open(path) as image:
                texts = [str(value) for value in (*image.info.values(), *getattr(image, "text", {}).values())]
        else:
            texts = [path.read_bytes().decode("utf-8", errors="replace")]
        for text in texts:
            match = pattern.search(_BASE64_DATA.sub("", text))
            if match:
                leaks.append(f"{path.relative_to(out)}: ...{text[max(0, match.start() - 60) : match.end() + 40]!r}")
    assert leaks == []
    report = (out / "reports" / "01-corpus.html").read_text(encoding="utf-8")
    assert not re.search(r'out_dir</span> <span class="o">=</span>', report)  # the parameters cells are left out
