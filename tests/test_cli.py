"""End to end through the command line: the seed corpus, reproducibility, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.config import OutputPaths

from .conftest import SEED_FILE


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_twice_gives_identical_outputs(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["run", str(SEED_FILE.parent), "--out", str(first), "-q"]) == 0
    assert main(["run", str(SEED_FILE.parent), "--out", str(second), "-q"]) == 0
    outputs = _files(first)
    assert {str(p) for p in outputs} >= {
        "data/interim/documents.parquet", "data/interim/removed.csv", "data/processed/tokens.parquet",
        "data/processed/dictionary.gensim", "data/processed/corpus.mm",
    }
    assert outputs == _files(second)
    documents = pd.read_parquet(OutputPaths(first).documents)
    assert documents["article_id"].nunique() == 7  # a04 and a05 live on as duplicates of a09


def test_csv_through_the_command_line(tmp_path):
    table = tmp_path / "weibo.csv"
    pd.DataFrame({"mid": ["1", "2"], "content": ["朋友圈卖面膜的微商越来越多。", "物流和货源是社区电商的难题。"],
                  "city": ["北京", "上海"]}).to_csv(table, index=False)
    out = tmp_path / "out"
    assert main(["run", str(table), "--out", str(out), "--text-column", "content", "--id-column", "mid", "-q"]) == 0
    documents = pd.read_parquet(OutputPaths(out).documents)
    assert documents[["doc_id", "city"]].values.tolist() == [["1", "北京"], ["2", "上海"]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["prepare", "missing.txt"], "missing.txt: no such file or folder"),
        (["run", "{table}"], "which column holds the text? pass --text-column"),
        (["run", "{table}", "--config", "{config}"], "unknown parameter 'corpus.no_such_key'"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("corpus:\n  no_such_key: 1\n", encoding="utf-8")
    argv = [a.format(table=table, config=config) for a in args] + ["--out", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-m", "zhtopics", *argv], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
