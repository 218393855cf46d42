"""The package's structure: stages declared once, cache keys that cover every imported module,
no import cycle, engines chosen through the registry only, defaults in one file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zhtopics.params import DEFAULTS_FILE, PACKAGE_DIR
from zhtopics.pipeline import STAGE_BY_NAME, STAGES
from zhtopics.provenance.code import imported_modules, module_closure, package_modules

from .conftest import SEED_FILE


def _relative(files) -> set[str]:
    return {Path(os.path.abspath(f)).relative_to(os.path.abspath(PACKAGE_DIR)).as_posix() for f in files}


def test_every_stage_function_exists_and_its_code_covers_what_it_imports():
    for stage in [*STAGES, STAGE_BY_NAME["sweep"]]:
        assert callable(stage.load()), stage.name
        code = _relative(stage.code_files())
        assert stage.module.removeprefix("zhtopics.").replace(".", "/") + ".py" in code
    # What the hand-written lists of before missed: train uses params, atomic and the run reader;
    # prepare reads encodings through the ingest package; report reads the notebooks.
    assert {"params/loading.py", "atomic.py", "results.py", "modeling/engines/gensim_lda.py"} <= _relative(
        STAGE_BY_NAME["train"].code_files()
    )
    assert {"ingest/encodings.py", "atomic.py", "params/sections.py"} <= _relative(
        STAGE_BY_NAME["prepare"].code_files()
    )
    report = _relative(STAGE_BY_NAME["report"].code_files())
    assert any(name.startswith("notebooks/") and name.endswith(".ipynb") for name in report)
    assert "report/templates/offline/index.html.j2" in report


def test_the_closure_follows_imports_inside_functions():
    # zhtopics.results imports the model input only inside RunResults.model_input()
    assert "modeling/data.py" in _relative(module_closure("zhtopics.results"))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_and_nothing_imports_the_command_line():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the check can fail
    graph = {name: imported_modules(name, runtime_only=True) for name in package_modules()}
    # A package's __init__ re-exports its modules: an edge from a module to its own package's
    # __init__ (or an ancestor's) is the package importing itself, not a cycle between modules.
    graph = {
        name: {target for target in targets if not (name.startswith(target + ".") or target == "zhtopics")}
        for name, targets in graph.items()
    }
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))
    importers = sorted(name for name, targets in graph.items() if "zhtopics.cli" in targets)
    assert importers == ["zhtopics.__main__"]


def test_engines_are_chosen_only_through_the_registry():
    dispatch = re.compile(r"""engine\s*[!=]=\s*["']""")
    offenders = [
        f"{path.relative_to(PACKAGE_DIR)}:{number}"
        for path in PACKAGE_DIR.rglob("*.py")
        if "modeling/engines" not in path.as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if dispatch.search(line)
    ]
    assert offenders == []


def test_defaults_live_only_in_the_packaged_params_file():
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    assert "filter_extremes" in text and "min_chars" in text
    # no second copy of a section's defaults in the code (FIGURE_DEFAULTS, topic_map.DEFAULTS)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE_DIR.rglob("*.py"))
    assert not re.search(r"^\w*DEFAULTS\s*=\s*\{", sources, re.MULTILINE)
    # and no fallback values for parameters (.get("no_below", 5) and the like)
    assert not re.search(r"""\.get\(\s*["'](no_below|min_chars|min_token_chars|iterations|passes)["']\s*,""", sources)


def test_editing_a_module_a_stage_imports_runs_that_stage_again(tmp_path):
    """A copy of the package, run twice; then a module only the train stage (and what follows)
    imports is edited: train and themes run again, prepare and segment are skipped."""
    source = tmp_path / "src"
    shutil.copytree(PACKAGE_DIR, source / "zhtopics", ignore=shutil.ignore_patterns("__pycache__"), symlinks=False)
    config = tmp_path / "small.yaml"
    config.write_text(
        "sweep: {k: [2], seeds: [1], engines: [tomotopy]}\nengines: {tomotopy: {iterations: 50}}\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SEED_FILE.read_text(encoding="utf-8")[:6000], encoding="utf-8")
    command = [sys.executable, "-m", "zhtopics", "run", str(corpus), "--out", str(tmp_path / "out")]
    command += ["--config", str(config), "--no-figures", "--no-report"]
    environment = {"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"}

    def skipped() -> list[str]:
        result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return [line.split(":")[0] for line in result.stdout.splitlines() if "unchanged since the last run" in line]

    assert skipped() == []
    assert skipped() == ["prepare", "segment", "train", "themes"]
    selection = source / "zhtopics" / "modeling" / "select.py"
    selection.write_text(selection.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert skipped() == ["prepare", "segment"]


@pytest.mark.parametrize("module", ["zhtopics.modeling.select", "zhtopics.ingest.encodings"])
def test_a_deep_module_is_in_the_code_of_the_stages_that_reach_it(module):
    file = module.removeprefix("zhtopics.").replace(".", "/") + ".py"
    reached = {stage.name for stage in STAGES if file in _relative(stage.code_files())}
    expected = {"zhtopics.modeling.select": {"train", "themes"}, "zhtopics.ingest.encodings": {"prepare"}}[module]
    assert expected <= reached
