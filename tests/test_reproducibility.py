"""Reproducibility: the same inputs, parameters and lock give the same bytes, and
``zhtopics verify`` proves it for a recorded run (or names every file that differs).

Two runs of the whole pipeline (figures included) into two folders, in two processes with
different hash seeds, must write byte-identical files under results/ and figures/, with
these exceptions, each compared in the way stated:

- ``results/sweep.csv`` (``seconds``) and ``results/engine_comparison.csv``
  (``seconds_mean_over_seeds``): wall-clock fit times, required by the results contract;
  compared without those columns.
- ``figures/engines_fit_seconds.png``: the chart of those times; only its presence is
  compared.
- ``results/run_manifest.json``: its command line names the output folder, and it holds
  the raw hashes of the two tables above; compared without those
  (:func:`zhtopics.manifest.reproducible_part`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from zhtopics.cli import main
from zhtopics.provenance.manifest import MANIFEST_NAME, csv_digest_without, reproducible_part

from .conftest import SEED_FILE, SEED_PARAMS

TINY = """
sweep:
  engines: [gensim, tomotopy]
  k: [2, 3]
  seeds: [1, 2]
engines:
  gensim:
    passes: 3
    iterations: 30
  tomotopy:
    iterations: 50
themes:
  guided:
    extra_topics: 0
"""
TIMING_TABLES = {"results/sweep.csv": ["seconds"], "results/engine_comparison.csv": ["seconds_mean_over_seeds"]}
TIMING_FIGURES = {"figures/engines_fit_seconds.png"}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("results", "figures")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    """The pipeline (figures, no reports) on a copy of the seed corpus, twice, in two processes."""
    root = tmp_path_factory.mktemp("reproducibility")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus)
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    runs = [
        subprocess.Popen(  # side by side: independent folders
            [
                sys.executable,
                "-m",
                "zhtopics",
                "run",
                "corpus",
                "--out",
                name,
                "--config",
                str(SEED_PARAMS),
                "--config",
                "tiny.yaml",
                "--no-report",
                "-q",
            ],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        for name, hash_seed in (("first", "1"), ("second", "2"))
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    return root / "first", root / "second"


def test_two_runs_write_identical_results_and_figures(two_runs):
    first, second = map(_files, two_runs)
    assert set(first) == set(second)
    assert {
        "results/topics.csv",
        "results/doc_topics.csv",
        "figures/topic_map.html",
        "figures/topics_top_words.svg",
        *TIMING_TABLES,
        *TIMING_FIGURES,
    } <= set(first)
    assert any(name.startswith("results/topics_") for name in first)  # the other engine, whichever the rule chose
    exceptions = {*TIMING_TABLES, *TIMING_FIGURES, f"results/{MANIFEST_NAME}"}
    differing = sorted(name for name in set(first) - exceptions if first[name] != second[name])
    assert differing == []
    for name, columns in TIMING_TABLES.items():
        assert csv_digest_without(two_runs[0] / name, columns) == csv_digest_without(two_runs[1] / name, columns)
    manifests = [json.loads(root.joinpath("results", MANIFEST_NAME).read_text(encoding="utf-8")) for root in two_runs]
    assert manifests[0]["command"] != manifests[1]["command"]  # names the output folder
    assert reproducible_part(manifests[0]) == reproducible_part(manifests[1])


def _png_text_chunks(data: bytes) -> dict[bytes, bytes]:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG file, keyword → text."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, position = {}, 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword, _, text = body.partition(b"\0")
            chunks[keyword] = zlib.decompress(text[1:]) if kind == b"zTXt" else text
        position += 12 + length
    return chunks


def test_figures_carry_no_date_version_or_path(two_runs):
    root = two_runs[0]
    absolute = re.compile(rb"(/tmp/|/home/|/root/|/Users/|[A-Z]:\\\\)")
    for path in sorted((root / "figures").iterdir()):
        data = path.read_bytes()
        assert str(root).encode() not in data and not absolute.search(data), path.name
        if path.suffix == ".png":
            assert _png_text_chunks(data) == {}, path.name  # no Software (matplotlib version), no date
        elif path.suffix == ".svg":
            assert b"<dc:date>" not in data and b"Matplotlib v" not in data, path.name
    manifest = (root / "results" / MANIFEST_NAME).read_text(encoding="utf-8")
    assert str(root) not in manifest and str(root.parent) not in manifest  # relative paths only


# ----------------------------------------------------------------------------- verify


def test_verify_reproduces_a_run_with_figures(two_runs, capsys):
    assert main(["verify", str(two_runs[0] / "results" / MANIFEST_NAME)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"verified: the re-run reproduces all \d+ recorded files", out)


SMALLER = """
sweep:
  engines: [tomotopy]
  k: [2]
  seeds: [1]
engines:
  tomotopy:
    iterations: 50
themes:
  guided:
    enabled: false
"""


@pytest.fixture
def small_run(tmp_path) -> Path:
    """A run without figures (fast), in a folder beside its input."""
    corpus = tmp_path / "corpus.txt"
    shutil.copy(SEED_FILE, corpus)
    config = tmp_path / "smaller.yaml"
    config.write_text(SMALLER, encoding="utf-8")
    out = tmp_path / "run"
    argv = ["run", str(corpus), "--out", str(out), "--config", str(SEED_PARAMS), "--config", str(config)]
    assert main([*argv, "--no-figures", "--no-report", "-q"]) == 0
    return out


def test_verify_names_a_tampered_file_and_a_result_the_rerun_does_not_reproduce(small_run, capsys):
    manifest_file = small_run / "results" / MANIFEST_NAME
    # A results file edited after the run.
    topics = small_run / "results" / "topics.csv"
    topics.write_text(topics.read_text(encoding="utf-8").replace("topic,rank", "topic,rank ", 1), encoding="utf-8")
    # A recorded hash the pipeline does not give (as if the run had written another table).
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["results"]["files"]["results/doc_topics.csv"] = "0" * 64
    manifest["results"]["timings"]["results/sweep.csv"]["sha256_without_timings"] = "0" * 64
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(manifest_file)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "changed since the run: results/doc_topics.csv",  # its recorded hash was replaced
        "changed since the run: results/topics.csv",
        "differs in the re-run: results/doc_topics.csv",
        "differs in the re-run: results/sweep.csv",  # compared without its seconds column
    ]
    assert "zhtopics: verify: 3 of the " in captured.err and " recorded files differ from " in captured.err


def test_verify_warns_about_changed_inputs_and_versions(small_run, capsys):
    manifest_file = small_run / "results" / MANIFEST_NAME
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["packages"]["numpy"] = "0.0.1"
    manifest["requirements_lock_sha256"] = "0" * 64
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    corpus = small_run.parent / "corpus.txt"
    corpus.write_text(corpus.read_text(encoding="utf-8") + "\n微信电商的新问题。\n", encoding="utf-8")
    status = main(["verify", str(manifest_file), "-q"])
    err = capsys.readouterr().err
    assert "zhtopics: warning: numpy" in err and "0.0.1 in the manifest" in err
    assert "zhtopics: warning: requirements.lock differs" in err
    assert "zhtopics: warning: input corpus.txt: content differs from the recorded one" in err
    assert status in (0, 1)  # an added paragraph may or may not change the tables


def test_verify_errors_are_one_line(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "run_manifest.json")]) == 2
    assert capsys.readouterr().err == f"zhtopics: error: {tmp_path / 'run_manifest.json'}: not found\n"
    (tmp_path / "run_manifest.json").write_text("{}", encoding="utf-8")
    assert main(["verify", str(tmp_path / "run_manifest.json")]) == 2
    assert "not a zhtopics run manifest" in capsys.readouterr().err


def test_the_manifest_describes_the_folder_or_is_not_there(small_run):
    manifest_file = small_run / "results" / MANIFEST_NAME
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    assert manifest["command"][:2] == ["zhtopics", "run"] and manifest["input"]["path"] == "../corpus.txt"
    assert manifest["options"] == {"k": None, "figures": False, "report": False}
    assert set(manifest["results"]["files"]) == {
        f"results/{p.name}" for p in (small_run / "results").iterdir() if p.name != MANIFEST_NAME
    }
    assert manifest["results"]["timings"]["results/sweep.csv"]["columns"] == ["seconds"]
    assert set(manifest["lexicon"]) == {
        "segment.userdict",
        "segment.stopwords_file",
        "segment.allowlist",
        "themes.file",
    }
    assert main(["summary", "--out", str(small_run), "-q"]) == 0
    assert manifest_file.exists()  # the summary is written from results/: nothing else changes
    assert main(["themes", "--out", str(small_run), "-q"]) == 0
    assert not manifest_file.exists()  # results/ were rewritten outside a recorded run


def test_provenance_is_what_the_report_footer_shows(small_run, monkeypatch):
    from zhtopics.params import load_params
    from zhtopics.paths import OutputPaths
    from zhtopics.provenance.manifest import provenance
    from zhtopics.report import run_manifest

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    paths, params = OutputPaths(small_run), load_params()
    assert provenance(paths, params) == run_manifest(paths, params)
