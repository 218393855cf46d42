"""Stage 7: execute the notebooks and export each as one self-contained HTML report.

Each ``notebooks/NN-name.ipynb`` is executed with papermill (its ``parameters`` cell gets
``out_dir``, the folder whose results it reads) and exported with nbconvert's JupyterLab
template minus everything it would fetch from a CDN (``templates/offline``): images are
embedded, the interactive topic map carries its own JavaScript, and a footer records the
run (git commit, parameter hash, input hash, package versions, date). ``reports/index.html``
links the reports.

A page is checked before it is written (:mod:`zhtopics.report.safety`): it must fetch
nothing (:func:`network_references`) and run nothing the topic maps did not write
(:func:`active_content`). Notebooks run in the output folder with ``out_dir = "."``, and
absolute paths in their printed output are replaced (:func:`redact_paths`).
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from zhtopics.atomic import write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.params import PACKAGE_DIR, Params
from zhtopics.paths import OutputPaths
from zhtopics.provenance.manifest import provenance as run_manifest
from zhtopics.report.safety import active_content, network_references, redact_paths
from zhtopics.results import RunResults
from zhtopics.small_corpus import small_corpus_warning
from zhtopics.topic_map import font_face_css

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)

#: The notebooks shipped with the package (in a source checkout, the project's notebooks/).
NOTEBOOKS = PACKAGE_DIR / "notebooks"
TEMPLATES = Path(__file__).parent / "templates"
#: The report notebooks: 01-… to 99-… (00-explore is the exploring notebook, not a report of a run).
NOTEBOOK_NAME = re.compile(r"^(?!00-)\d\d-[\w-]+\.ipynb$")

#: Cell tags of the parameters cells, which reports leave out.
PARAMETER_TAGS = frozenset({"parameters", "injected-parameters"})
#: How a folded code cell looks: a small grey "code" line that opens it.
CODE_STYLE = (
    "<style>details.zhtopics-code > summary { cursor: pointer; color: #777; font-size: 80%; margin: .2em 0 }"
    " details.zhtopics-code[open] > summary { margin-bottom: .4em }</style>"
)

#: nbconvert's messages while exporting: debug level only (``-vv`` shows them), not on the console.
NBCONVERT_LOG = logging.getLogger(f"{__name__}.nbconvert")
NBCONVERT_LOG.setLevel(logging.ERROR)

#: Run in each report's kernel before its cells: tqdm.auto (imported by zhtopics modules)
#: warns on import when ipywidgets is missing, and the warning names this machine's
#: site-packages folder. Progress bars are never shown in reports.
KERNEL_SETUP = '__import__("warnings").filterwarnings("ignore", message="IProgress not found")'


def footer_html(manifest: dict) -> str:
    """The provenance footer added at the end of every report."""
    versions = ", ".join(f"{name} {version}" for name, version in manifest["versions"].items())
    items = [
        ("git commit", manifest["git_commit"]),
        ("params hash", manifest["params_hash"]),
        ("corpus sha256", manifest["corpus_sha256"]),
        ("generated", manifest["date"]),
        ("packages", versions),
    ]
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(str(v))}</code></dd>" for k, v in items)
    return (
        '<footer class="zhtopics-manifest" style="margin:3em 0 1em;padding:1em;border-top:1px solid #ccc;'
        'font-size:85%;color:#444"><strong>Run manifest</strong>'
        f'<dl style="display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em">{rows}</dl></footer>'
    )


def list_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered report notebooks, in run order (not ``00-explore``)."""
    notebooks = sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if not notebooks:
        raise ZhtopicsError(f"{folder}: no numbered notebooks (NN-name.ipynb)")
    return notebooks


def execute_notebook(notebook: Path, out_dir: Path, executed: Path):
    """Run a notebook top to bottom with papermill, in ``out_dir``, with ``out_dir = "."``.

    The kernel's working folder is the output folder and the parameters cell (shown in the
    report) gets ``"."``: a path relative to the notebook's folder would spell out this
    machine's folders (``../../../tmp/...``). :data:`KERNEL_SETUP` runs first.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook (also written to ``executed``).
    """
    import papermill

    try:
        return papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters={"out_dir": "."},
            kernel_name="python3",
            cwd=str(out_dir),
            progress_bar=False,
            log_output=False,
            # the kernel's own log (e.g. "running over TCP without encryption": it listens on
            # localhost only; "KeyboardInterrupt caught in kernel" when papermill stops a kernel
            # that is slow to shut down on a busy machine) is not the reader's business; a cell
            # that fails is still reported, as PapermillExecutionError below
            extra_arguments=[f"--IPKernelApp.exec_lines={KERNEL_SETUP}", "--IPKernelApp.log_level=CRITICAL"],
        )
    except papermill.PapermillExecutionError as error:
        raise ZhtopicsError(f"{notebook.name}: cell {error.exec_count} failed: {error.ename}: {error.evalue}") from None


def notebook_html(notebook, title: str, footer: str, banner: str = "") -> str:
    """Export an executed notebook to one self-contained HTML page with the footer, and the
    ``banner`` (HTML, e.g. :func:`warning_banner`) first in its main content."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    exporter.embed_images = True
    # the parameters cells (the notebook's and papermill's injected one) are machinery, not narrative
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(PARAMETER_TAGS)), enabled=True)
    exporter.log = NBCONVERT_LOG  # its accessibility notes (alternative text of figures) stay at debug level
    page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    marker = "</main>" if "</main>" in page else "</body>"
    page = page.replace(marker, footer + marker, 1)
    if banner:
        opening = page.index(">", page.index("<main") if "<main" in page else page.index("<body")) + 1
        page = page[:opening] + banner + page[opening:]
    return page.replace("</head>", CODE_STYLE + _cjk_font_style(page) + "</head>", 1)


def warning_banner(text: str) -> str:
    """A warning box for the top of a report (the text escaped)."""
    return (
        '<div class="zhtopics-warning" role="alert" style="margin:1em 0;padding:0.8em 1em;border:1px solid #c9a227;'
        f'background:#fff8e1;border-radius:4px">{html.escape(text)}</div>'
    )


def _cjk_font_style(page: str) -> str:
    """A <style> embedding the glyphs of the page's Chinese text (a subset of Noto Sans CJK SC
    from mplfonts), first in JupyterLab's font stacks, so text renders on machines without
    a CJK font. Latin text keeps the page's fonts (the subset's unicode-range is CJK only)."""
    css, family = font_face_css(page)
    if not css:
        return ""
    stacks = {
        "--jp-content-font-family": "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
        "--jp-ui-font-family": "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
        "--jp-code-font-family": "Menlo, Consolas, 'DejaVu Sans Mono', monospace",
    }
    variables = " ".join(f'{name}: "{family}", {stack};' for name, stack in stacks.items())
    return f"<style>{css} :root {{ {variables} }} body {{ font-family: var(--jp-content-font-family); }}</style>"


def index_html(reports: list[tuple[str, str]], manifest: dict) -> str:
    """``reports/index.html``: a list of the reports (file name, title) and the run manifest."""
    items = "".join(f'<li><a href="{html.escape(name)}">{html.escape(title)}</a></li>' for name, title in reports)
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>zhtopics reports</title>'
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}</style></head>"
        f"<body><h1>zhtopics reports</h1><ol>{items}</ol>{footer_html(manifest)}</body></html>\n"
    )


def _title(notebook) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "report"


def write_reports(paths: OutputPaths, params: Params, notebooks: list[Path] | None = None) -> list[Path]:
    """Execute every notebook on ``paths`` and write ``reports/NN-name.html`` and ``index.html``.

    Raises
    ------
    ZhtopicsError
        When a notebook fails (naming it, the cell and the error), or a page would fetch
        from the network or run code the topic maps did not write (:func:`active_content`:
        corpus text reached it unescaped).
    """
    from tqdm.auto import tqdm

    notebooks = notebooks or list_notebooks()
    reports = paths.reports
    executed_dir = paths.executed_notebooks
    reports.mkdir(parents=True, exist_ok=True)
    executed_dir.mkdir(parents=True, exist_ok=True)
    manifest = run_manifest(paths, params)
    footer = footer_html(manifest)
    warning = small_corpus_warning(RunResults(paths).segment_summary, params.train.small_corpus)
    banner = warning_banner(warning) if warning else ""
    written, index = [], []
    for notebook in tqdm(notebooks, desc="reports", unit="notebook", disable=None):
        executed = execute_notebook(notebook, paths.root.resolve(), executed_dir / notebook.name)
        redacted = redact_paths(executed, paths.root.resolve())
        if redacted:
            logger.warning(
                "%s: %d absolute paths in printed output replaced (see its stderr/stdout cells)",
                notebook.name,
                redacted,
            )
        title = _title(executed)
        page = notebook_html(executed, title, footer, banner)
        fetched = network_references(page)
        if fetched:
            raise ZhtopicsError(
                f"{notebook.name}: the exported page would fetch {fetched[0]} (and {len(fetched) - 1} more)"
            )
        unsafe = active_content(page)
        if unsafe:
            raise ZhtopicsError(
                f"{notebook.name}: the exported page would run code zhtopics did not write "
                f"(text reached it unescaped): {unsafe[0]} (and {len(unsafe) - 1} more)"
            )
        target = reports / notebook.with_suffix(".html").name
        write_text(target, page)
        written.append(target)
        index.append((target.name, title))
        logger.info("wrote %s (%d KB)", target, len(page.encode()) // 1024)
    write_text(reports / "index.html", index_html(index, manifest))
    write_text(reports / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return written


def run_report(context: StageContext) -> list[str]:
    """Stage 7 (``zhtopics report``): every notebook executed on the output folder, as HTML."""
    reports = write_reports(context.paths, context.params)
    return [f"wrote {len(reports)} reports and index.html to {context.paths.reports}/"]
