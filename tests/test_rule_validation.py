"""The validation of the rule that chooses engine and K (benchmarks/validate_rules.py), on a
small planted family, and the README table it generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.families import make_corpus, segment_family, study_params
from benchmarks.rule_report import END, START, render_markdown
from benchmarks.validate_rules import Settings, corpus_runs, evaluate_corpus
from zhtopics.params import load_params

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT / "benchmarks" / "results" / "rule_validation.json"


@pytest.fixture(scope="module")
def small_family(tmp_path_factory):
    """A paragraph-like corpus (120 documents, 5 planted themes), every rule evaluated on a
    sweep of two engines (the mixture and tomotopy's LDA) over K = 2..8 with two seeds."""
    folder = tmp_path_factory.mktemp("family")
    corpus = make_corpus("paragraphs", k=5, seed=11, n_docs=120)
    segmented = segment_family(corpus, folder / corpus.name)
    settings = Settings(engines=("dmm", "tomotopy"), ks=tuple(range(2, 9)), seeds=(1, 2), processes=1)
    params = study_params().replace(sweep={"seeds": list(settings.seeds)})
    runs = corpus_runs(segmented.model_input(), params, settings, folder / "runs")
    return evaluate_corpus(segmented, runs, params)


def test_the_default_rule_recovers_a_small_planted_family(small_family):
    """The rule params.yaml names (the one the validation chose) finds the planted K within
    one and the planted assignments about as well as the best engine told the true K."""
    rule = load_params().selection.rule
    choice = next(row for row in small_family["choices"] if row["variant"] == rule)
    assert abs(choice["k_error"]) <= 1, choice
    assert choice["nmi"] >= max(small_family["oracle_nmi"].values()) - 0.1, (choice, small_family["oracle_nmi"])
    assert choice["nmi"] >= 0.7


def test_readme_validation_table_is_the_one_the_validation_wrote():
    """README's rule-validation section is rendered from benchmarks/results/rule_validation.json
    (``python benchmarks/rule_report.py --readme README.md``), not typed by hand; and the
    rule it chose is the packaged default."""
    result = json.loads(VALIDATION.read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(START, 1)[1].split(END, 1)[0]
    assert section == "\n" + render_markdown(result, readme=True)
    assert result["choice"]["rule"] == load_params().selection.rule


def test_the_validation_notebook_runs_and_is_not_a_report(tmp_path):
    import papermill

    from zhtopics.report import list_notebooks

    notebook = ROOT / "notebooks" / "rule-validation.ipynb"
    assert notebook.exists() and notebook not in list_notebooks()
    executed = tmp_path / "validation.ipynb"
    papermill.execute_notebook(
        str(notebook), str(executed), kernel_name="python3", cwd=str(notebook.parent), progress_bar=False
    )
    text = executed.read_text(encoding="utf-8")
    assert "chosen rule: " + json.loads(VALIDATION.read_text(encoding="utf-8"))["choice"]["rule"] in text
