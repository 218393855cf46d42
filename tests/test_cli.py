"""End to end through the command line: the seed corpus, reproducibility, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.paths import OutputPaths
from zhtopics.provenance.manifest import reproducible_part

from .conftest import SEED_FILE, SEED_PARAMS

SMALL_SWEEP = """
sweep:
  k: [4, 5]
  seeds: [1, 2]
engines:
  tomotopy:
    iterations: 200
"""
TIMING = {"seconds", "fit_seconds", "seconds_mean_over_seeds"}


def _outputs(root):
    """Every output file's content, with timings (which differ run to run) taken out."""
    outputs = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".cache" in path.parts:
            continue
        name = str(path.relative_to(root))
        if path.suffix == ".csv":
            table = pd.read_csv(path)
            outputs[name] = table.drop(columns=[c for c in table.columns if c in TIMING]).to_csv(index=False)
        elif path.name == "manifest.json":
            manifest = json.loads(path.read_text(encoding="utf-8"))
            outputs[name] = {key: value for key, value in manifest.items() if key not in TIMING}
        elif path.name == "run_manifest.json":  # its command line names the output folder
            outputs[name] = reproducible_part(json.loads(path.read_text(encoding="utf-8")))
        else:
            outputs[name] = path.read_bytes()
    return outputs


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """The whole pipeline on the seed corpus with a small sweep, run twice."""
    root = tmp_path_factory.mktemp("e2e")
    config = root / "small.yaml"
    config.write_text(SMALL_SWEEP, encoding="utf-8")
    for name in ("first", "second"):
        argv = ["run", str(SEED_FILE.parent), "--out", str(root / name), "--config", str(SEED_PARAMS)]
        argv += ["--config", str(config), "-q"]
        assert main([*argv, "--no-figures", "--no-report"]) == 0
    return root / "first", root / "second"


def test_run_twice_gives_identical_outputs(seed_run):
    first, second = seed_run
    outputs = _outputs(first)
    assert {
        "data/interim/documents.parquet",
        "data/interim/removed.csv",
        "data/processed/tokens.parquet",
        "data/processed/dictionary.gensim",
        "data/processed/bow_ids.int32",
    } <= set(outputs)
    assert outputs == _outputs(second)


def test_run_writes_the_results_contract(seed_run):
    results = seed_run[0] / "results"
    sweep = pd.read_csv(results / "sweep.csv")
    contract = ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "seconds"]
    assert sweep.columns.tolist()[: len(contract)] == contract  # additions come after the contract's columns
    assert set(sweep.columns[len(contract) :]) <= {"topics", "heldout_ll", "heldout_tokens", "subsample_agreement"}
    assert len(sweep) == 3 * 2 * 2  # the default engines (gensim, tomotopy, dmm) x K x seeds
    topics = pd.read_csv(results / "topics.csv")
    assert topics.columns.tolist() == ["topic", "rank", "word", "weight"]
    choice = json.loads((results / "model_choice.json").read_text(encoding="utf-8"))
    k = choice["k"]
    assert sorted(topics["topic"].unique()) == list(range(k)) and topics["rank"].max() == 30
    doc_topics = pd.read_csv(results / "doc_topics.csv")
    documents = pd.read_parquet(OutputPaths(seed_run[0]).documents)
    assert doc_topics["doc_id"].tolist() == documents["doc_id"].tolist()
    expected = ["doc_id", "text", "dominant_topic"] + [f"topic_{i}" for i in range(k)] + ["article_id", "article_title"]
    assert set(expected) <= set(doc_topics.columns)
    articles = pd.read_csv(results / "article_topics.csv")
    assert len(articles) == 9  # the excerpt and the abstract are profiled through their duplicates
    labels = pd.read_csv(results / "topic_labels.csv")
    assert labels["topic"].tolist() == list(range(k)) and labels["label"].is_unique
    evidence = pd.read_csv(results / "topic_evidence.csv")
    assert set(evidence["topic"]) == set(range(k)) and evidence["article_title"].notna().all()
    for name in ("stability.csv", "engine_comparison.csv", "guided_topics.csv", "guided_topic_labels.csv"):
        assert (results / name).exists()
    models = seed_run[0] / "models"
    for engine in ("gensim", "tomotopy"):
        manifest = json.loads((models / f"{engine}_k{k}" / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["k"] == k and manifest["selection"]["engine"] == choice["engine"]
        assert manifest["versions"]["gensim"] and manifest["input_fingerprint"]


def test_csv_through_the_command_line(tmp_path):
    table = tmp_path / "weibo.csv"
    pd.DataFrame(
        {
            "mid": ["1", "2"],
            "content": ["朋友圈卖面膜的微商越来越多。", "物流和货源是社区电商的难题。"],
            "city": ["北京", "上海"],
        }
    ).to_csv(table, index=False)
    out = tmp_path / "out"
    assert main(["prepare", str(table), "--out", str(out), "--text-column", "content", "--id-column", "mid", "-q"]) == 0
    documents = pd.read_parquet(OutputPaths(out).documents)
    assert documents[["doc_id", "city"]].values.tolist() == [["1", "北京"], ["2", "上海"]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["prepare", "missing.txt"], "missing.txt: no such file or folder"),
        (["run", "{table}"], "which column holds the text? pass --text-column"),
        (["run", "{table}", "--config", "{config}"], "unknown parameter 'corpus.no_such_key'"),
        (["run", "{table}", "--text-column", "b"], "too little to model"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,微信电商\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("corpus:\n  no_such_key: 1\n", encoding="utf-8")
    argv = [a.format(table=table, config=config) for a in args] + ["--out", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-m", "zhtopics", *argv], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("zhtopics: error:")]
    assert len(errors) == 1 and message in errors[0]


def test_summary_and_readme_findings_come_from_results(seed_run, tmp_path):
    from zhtopics.report.summary import END, START, update_readme

    summary = (seed_run[0] / "results" / "summary.md").read_text(encoding="utf-8")
    choice = json.loads((seed_run[0] / "results" / "model_choice.json").read_text(encoding="utf-8"))
    assert f"**{choice['engine']}, K = {choice['k']}**" in summary
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nstale numbers\n{END}\noutro\n", encoding="utf-8")
    assert update_readme(readme, summary.strip())
    text = readme.read_text(encoding="utf-8")
    assert "stale numbers" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert not update_readme(readme, summary.strip())


# ----------------------------------------------------------------------------- exit status


def test_a_bug_is_one_line_with_status_1_and_the_traceback_with_v(tmp_path, monkeypatch, capsys):
    import zhtopics.cli

    def broken(args):
        raise KeyError("topic_9")

    monkeypatch.setattr(zhtopics.cli, "cmd_stage", broken)
    assert main(["segment", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == ("zhtopics: internal error: KeyError: 'topic_9' (this is a bug; rerun with -v for the traceback)\n")
    assert main(["segment", "--out", str(tmp_path), "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and 'raise KeyError("topic_9")' in err
    assert err.splitlines()[-1] == "zhtopics: internal error: KeyError: 'topic_9' (this is a bug)"


@pytest.mark.parametrize(
    "error, status, message",
    [
        (KeyboardInterrupt(), 130, "zhtopics: interrupted"),
        (
            PermissionError(13, "Permission denied", "data/raw/a.txt"),
            2,
            "zhtopics: error: data/raw/a.txt: Permission denied",
        ),
        (OSError(28, "No space left on device"), 2, "zhtopics: error: No space left on device"),
        (OSError(5, "Input/output error"), 1, "zhtopics: internal error: OSError: [Errno 5] Input/output error"),
    ],
)
def test_exit_status_of_other_failures(tmp_path, monkeypatch, capsys, error, status, message):
    import zhtopics.cli

    def failing(args):
        raise error

    monkeypatch.setattr(zhtopics.cli, "cmd_stage", failing)
    assert main(["segment", "--out", str(tmp_path)]) == status
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)


def test_unreadable_config_is_status_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zhtopics", "segment", "--out", str(tmp_path / "out"), "--config", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.startswith(f"zhtopics: error: {tmp_path}: ")
    assert len(result.stderr.splitlines()) == 1


# ----------------------------------------------------------------------------- concurrent runs


HOLD_LOCK = """
import sys, time
from pathlib import Path
from zhtopics.lock import output_lock
with output_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_run_on_the_same_folder_fails_fast(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert (out / ".zhtopics.lock").read_text().strip() == str(holder.pid)
        argv = [sys.executable, "-m", "zhtopics", "prepare", str(SEED_FILE), "--out", str(out)]
        second = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert second.returncode == 2
        assert second.stderr == (
            f"zhtopics: error: {out} is in use by another zhtopics run (pid {holder.pid}); "
            "wait for it or use another --out\n"
        )
        assert not (out / "data").exists()  # it wrote nothing
        # Another folder is free.
        assert subprocess.run([*argv[:-1], str(tmp_path / "other"), "-q"], timeout=60).returncode == 0
    finally:
        holder.kill()  # SIGKILL: the kernel drops the lock with the process
        holder.wait()
    assert subprocess.run([*argv, "-q"], timeout=60).returncode == 0
    assert (out / ".zhtopics.lock").read_text() == ""  # the pid is cleared on release


def test_a_failed_run_removes_the_output_folder_it_created_and_left_empty(tmp_path):
    out = tmp_path / "new"
    result = subprocess.run(
        [sys.executable, "-m", "zhtopics", "run", str(tmp_path / "missing.txt"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()  # a folder that existed before stays, even empty
    subprocess.run([sys.executable, "-m", "zhtopics", "run", str(tmp_path / "missing.txt"), "--out", str(kept)])
    assert kept.is_dir()
