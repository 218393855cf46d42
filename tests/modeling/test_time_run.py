"""`zhtopics run` on a small table with date and group columns: prevalence_by_time.csv with the
contract's columns, undated rows recorded, the over-time figure reproducible byte for byte,
and a date column with no date a one-line error."""

from __future__ import annotations

import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.paths import OutputPaths
from zhtopics.plots import write_figures
from zhtopics.results import RunResults

from ..plots.test_write import SENTENCES, SMALL_CONFIG

CONFIG = SMALL_CONFIG + "prevalence:\n  draws: 200\n  period: quarter\n"


def _posts(dates: list[str]) -> pd.DataFrame:
    texts = [sentence for group in SENTENCES.values() for sentence in group]
    users = [name for name in SENTENCES for _ in SENTENCES[name]]
    return pd.DataFrame({"content": texts, "user": users, "date": (dates * len(texts))[: len(texts)]})


@pytest.fixture(scope="module")
def time_run(tmp_path_factory) -> RunResults:
    root = tmp_path_factory.mktemp("time")
    dates = ["2020-01-15", "2020-02-03", "2020-05-20", "2020-08-08", "2020-11-30", "2021-02-01", "不详"]
    _posts(dates).to_csv(root / "posts.csv", index=False)
    (root / "small.yaml").write_text(CONFIG, encoding="utf-8")
    argv = ["run", str(root / "posts.csv"), "--out", str(root / "out"), "--config", str(root / "small.yaml")]
    argv += ["--text-column", "content", "--group-column", "user", "--time-column", "date", "-q", "--no-report"]
    assert main(argv) == 0
    return RunResults(OutputPaths(root / "out"))


def test_run_with_a_time_column_writes_prevalence_by_time(time_run):
    table = time_run.prevalence_by_time
    assert table.columns.tolist()[:6] == ["period", "topic", "share", "low", "high", "n_docs"]
    assert table["period"].unique().tolist() == ["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1"]
    k = time_run.choice["topics"]
    assert len(table) == 5 * k
    shares = table.groupby("period")["share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0, abs=1e-4)  # each period's shares add up
    undated = time_run.undated
    assert undated["value"].unique().tolist() == ["不详"] and (undated["reason"] == "not a date").all()
    assert table.drop_duplicates("period")["n_docs"].sum() + len(undated) == len(time_run.documents)
    assert not time_run.has("article_years")


def test_the_over_time_figure_is_written_and_reproducible(time_run, params):
    folder = time_run.paths.figures
    first = (folder / "prevalence_over_time.png").read_bytes()
    assert first.startswith(b"\x89PNG") and (folder / "prevalence_by_group.png").exists()
    write_figures(time_run, params.figures, time_run.params.prevalence)
    assert (folder / "prevalence_over_time.png").read_bytes() == first


def test_a_time_column_without_dates_is_a_one_line_error(tmp_path, capsys):
    _posts(["yesterday", "soon"]).to_csv(tmp_path / "posts.csv", index=False)
    (tmp_path / "small.yaml").write_text(CONFIG, encoding="utf-8")
    argv = [
        "run",
        str(tmp_path / "posts.csv"),
        "--out",
        str(tmp_path / "out"),
        "--config",
        str(tmp_path / "small.yaml"),
    ]
    argv += ["--text-column", "content", "--time-column", "date", "--no-report", "--no-figures"]
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == ["zhtopics: error: posts.csv: column 'date': no value can be read as a date (e.g. 'yesterday')"]
    assert not (tmp_path / "out" / "results" / "sweep.csv").exists()  # stopped before the sweep


def test_a_missing_time_column_is_named_at_prepare(tmp_path, capsys):
    _posts(["2020-01-01"]).to_csv(tmp_path / "posts.csv", index=False)
    argv = ["prepare", str(tmp_path / "posts.csv"), "--out", str(tmp_path / "out"), "--text-column", "content"]
    assert main([*argv, "--time-column", "when"]) == 2
    assert "no column 'when' for --time-column" in capsys.readouterr().err
