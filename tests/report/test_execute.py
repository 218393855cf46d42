"""Notebooks (paired, output-free, executable on a slice) and the self-contained HTML reports."""

from __future__ import annotations

import re

import jupytext
import nbformat
import pytest

from zhtopics.cli import main
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths
from zhtopics.report import NOTEBOOKS, active_content, list_notebooks, network_references, write_reports

from ..conftest import SEED_FILE

SLICE_LINES = 281  # the seed file up to the site boilerplate before the last article: eight articles
SMALL_SWEEP = "sweep:\n  k: [3, 4]\n  seeds: [1, 2]\nengines:\n  tomotopy:\n    iterations: 200\n"


@pytest.fixture(scope="module")
def slice_run(tmp_path_factory) -> OutputPaths:
    """The pipeline (stages 1-5) on a slice of the seed corpus with a small sweep."""
    root = tmp_path_factory.mktemp("slice")
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()[:SLICE_LINES]
    source = root / "raw" / "seed_slice.txt"
    source.parent.mkdir()
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = root / "small.yaml"
    config.write_text(SMALL_SWEEP, encoding="utf-8")
    out = root / "out"
    argv = ["run", str(source), "--out", str(out), "--config", str(config), "-q", "--no-figures", "--no-report"]
    assert main(argv) == 0
    return OutputPaths(out)


def test_notebooks_are_numbered_paired_and_without_outputs():
    notebooks = list_notebooks()
    assert [p.name[:2] for p in notebooks] == ["01", "02", "03", "04", "05", "06", "07"]
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), f"{path.name} has outputs"
        assert "parameters" in code[0].metadata.get("tags", []), (
            f"{path.name}: first code cell is not tagged parameters"
        )
        paired = jupytext.read(path.with_suffix(".py"))
        assert [c.source for c in paired.cells] == [c.source for c in notebook.cells], f"{path.name} and its .py differ"


def test_network_references_finds_fetches_only():
    page = (
        '<script src="https://cdn.example/require.js"></script><link href="//fonts.example/x.css">'
        '<style>a{background:url(http://x.example/a.png)}</style><img src="data:image/png;base64,AAA">'
        '<script>var ns = "http://www.w3.org/2000/svg";</script><a href="02-segmentation.html">next</a>'
    )
    assert network_references(page) == [
        "https://cdn.example/require.js",
        "//fonts.example/x.css",
        "http://x.example/a.png",
    ]


@pytest.fixture(scope="module")
def reports(slice_run):
    return write_reports(slice_run, load_params())


def test_every_notebook_executes_on_a_slice_into_a_self_contained_report(reports, slice_run):
    assert [p.stem for p in reports] == [p.stem for p in list_notebooks(NOTEBOOKS)]
    for report in reports:
        page = report.read_text(encoding="utf-8")
        assert network_references(page) == [], report.name
        assert "Run manifest" in page and "params hash" in page and "corpus sha256" in page
        # no error or warning printed into a report (nbconvert marks stderr output with this mime type)
        assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page, report.name
        assert active_content(page) == [], report.name
        assert re.search(r'<img[^>]+src="data:image/png;base64,', page) or report.name.startswith("06")
    index = (slice_run.root / "reports" / "index.html").read_text(encoding="utf-8")
    for report in reports:
        assert f'href="{report.name}"' in index
    assert network_references(index) == []


def test_topics_report_carries_the_interactive_map(reports):
    page = next(p for p in reports if p.name.startswith("04")).read_text(encoding="utf-8")
    assert "LDAvis" in page and "d3" in page


def test_report_and_topic_map_open_offline_in_a_browser(browser, reports, slice_run):
    """The slice's topic map and the topics report, in headless Chromium with no network:
    one LDAvis circle per topic, no console errors, no request leaving the machine."""
    from zhtopics.results import RunResults
    from zhtopics.topic_map import write_topic_map

    k = RunResults(slice_run).choice["k"]
    topic_map = write_topic_map(RunResults(slice_run), load_params().topic_map)
    report = next(p for p in reports if p.name.startswith("04"))
    for page in (topic_map, report):
        opened = browser.open(page)
        assert opened.circles == k, page.name
        assert opened.severe == [], (page.name, opened.severe)
        assert opened.network_requests == [], page.name


def test_reports_open_with_the_narrative_and_fold_their_code(reports):
    """Readers see the narrative, tables and figures first: no parameters cell, every code
    cell folded in a closed <details> a reader can open, and the first thing on the page is
    the notebook's heading and text, not code."""
    for report in reports:
        if report.name == "index.html":
            continue
        page = report.read_text(encoding="utf-8")
        main = page[page.index("<main") :]
        assert "out_dir" not in main.split('class="zhtopics-code"')[0]  # nothing before the first code
        assert main.index("<h1") < main.index('<details class="zhtopics-code">')
        assert 'id="injected-parameters"' not in page and "# Parameters" not in page
        code_cells = re.findall(r'<div[^>]*class="[^"]*\bjp-CodeCell\b', page)
        assert code_cells and page.count('<details class="zhtopics-code">') == len(code_cells)
