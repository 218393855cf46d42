"""Interrupted runs: ``zhtopics run`` killed (SIGKILL) at many moments, then run again to
completion, gives the same results as a run that was never interrupted.

Each kill point is a file the run writes: the run is killed as soon as that file appears
(or is replaced), so the points are the same on every machine, whatever its speed. The
runs form a chain in one output folder (each restart skips the stages that finished and is
killed further on), then two more kills interrupt a ``--force`` rerun of a complete folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zhtopics.atomic import is_temporary
from zhtopics.provenance.manifest import reproducible_part

from .conftest import SEED_FILE

TINY = """
sweep:
  engines: [tomotopy]
  k: [2, 3]
  seeds: [1, 2]
  processes: 2
engines:
  tomotopy:
    iterations: 50
themes:
  guided:
    enabled: false
"""
#: Where to kill the run: a glob below the output folder; the run is killed as soon as a
#: file matching it is created or replaced. In pipeline order.
KILL_POINTS = [
    "data/interim/*",  # prepare writing its tables
    ".cache/stages/prepare.json",  # prepare recorded, segment starting
    "data/processed/tokens.parquet",  # segment writing
    ".cache/sweep/*.json",  # the sweep's first run cached, the others fitting
    "results/sweep.csv",  # sweep written, stability and training next
    "models/*/topic_word.npy",  # a final model being saved
    "results/topics.csv",  # training writing its tables
    "results/topic_labels.csv",  # themes writing
    "results/summary.md",  # every stage recorded and the summary written, manifest next
]
#: Kill points of a ``--force`` rerun over a complete folder (outputs and records present).
FORCED_KILL_POINTS = ["results/topics.csv", "results/topic_labels.csv"]
#: Columns with wall-clock times (the results contract keeps them in these tables).
TIMING_COLUMNS = {"sweep.csv": ["seconds"], "engine_comparison.csv": ["seconds_mean_over_seeds"]}


def _command(out: Path, config: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "zhtopics",
        "run",
        str(SEED_FILE),
        "--out",
        str(out),
        "--config",
        str(config),
        "--no-figures",
        "--no-report",
        "-q",
        *extra,
    ]


def _snapshot(out: Path, pattern: str) -> dict[Path, tuple]:
    state = {}
    for path in out.glob(pattern):
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        if path.is_file() and not is_temporary(path):
            state[path] = (info.st_ino, info.st_mtime_ns, info.st_size)
    return state


def run_and_kill(command: list[str], out: Path, pattern: str, timeout: float = 60) -> bool:
    """Start ``command``; SIGKILL its process group as soon as a file matching ``pattern``
    below ``out`` is created or replaced. True if it was killed, False if it ended first."""
    before = _snapshot(out, pattern)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            now = _snapshot(out, pattern)
            if any(before.get(path) != state for path, state in now.items()):
                os.killpg(process.pid, signal.SIGKILL)  # the run and its sweep workers
                process.wait()
                return True
            time.sleep(0.001)
        assert process.poll() is not None, f"{command} still running after {timeout} s"
        stderr = process.stderr.read().decode()
        assert process.returncode == 0, stderr
        return False
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stderr.close()


def _without_timings(path: Path) -> bytes:
    """The file's bytes; for a table with wall-clock columns, its CSV without them."""
    columns = TIMING_COLUMNS.get(path.name)
    if not columns:
        return path.read_bytes()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    return buffer.getvalue().encode()


def results_of(out: Path) -> dict[str, bytes]:
    """Every file under results/; the manifest without its command line (which names the
    folder) and the raw hashes of the tables with wall-clock times."""
    files = {}
    for path in sorted((out / "results").iterdir()):
        if path.name == "run_manifest.json":
            manifest = reproducible_part(json.loads(path.read_text(encoding="utf-8")))
            # The code's provenance (git commit, source hash) is compared in test_reproducibility;
            # here only what the runs wrote, which a commit landing between the runs would not change.
            manifest.pop("zhtopics")
            files[path.name] = json.dumps(manifest, sort_keys=True).encode()
        else:
            files[path.name] = _without_timings(path)
    return files


def leftovers(out: Path) -> list[str]:
    """Temporary files and folders of killed writers still below ``out``."""
    return [str(p.relative_to(out)) for p in out.rglob("*") if is_temporary(p)]


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory) -> Path:
    config = tmp_path_factory.mktemp("interrupt") / "tiny.yaml"
    config.write_text(TINY, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def reference(tiny_config) -> dict[str, bytes]:
    out = tiny_config.parent / "reference"
    subprocess.run(_command(out, tiny_config), check=True, capture_output=True)
    return results_of(out)


def test_killed_runs_complete_to_the_same_results(tiny_config, reference):
    out = tiny_config.parent / "interrupted"
    killed = [point for point in KILL_POINTS if run_and_kill(_command(out, tiny_config), out, point)]
    print(f"killed at {len(killed)} of {len(KILL_POINTS)} points: {killed}")
    # Each kill point is a file written early in its stage or between stages; on a loaded
    # machine a few may be passed before the kill lands, but most must be hit.
    assert len(killed) >= len(KILL_POINTS) // 2, f"killed only at {killed}"
    final = subprocess.run(_command(out, tiny_config), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert results_of(out) == reference
    assert leftovers(out) == []  # temporary files of the killed writers were cleaned up

    forced = [point for point in FORCED_KILL_POINTS if run_and_kill(_command(out, tiny_config, "--force"), out, point)]
    print(f"--force rerun killed at {forced}")
    assert forced, "no --force rerun was killed"
    final = subprocess.run(_command(out, tiny_config), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert "train: unchanged" not in final.stdout  # its record was dropped before it ran
    assert results_of(out) == reference


def test_leftovers_of_killed_writers_are_removed_and_ignored(tmp_path):
    from zhtopics.atomic import remove_temporaries, within_temporary
    from zhtopics.cache import StageCache

    models = tmp_path / "models"
    (models / "tomotopy_k3").mkdir(parents=True)
    (models / "tomotopy_k3" / "topic_word.npy").write_bytes(b"complete")
    half_folder = models / ".tomotopy_k3.tmp-4242"  # a model folder being filled when the run was killed
    half_folder.mkdir()
    (half_folder / "topic_word.npy").write_bytes(b"half")
    half_file = tmp_path / "results" / ".topics.tmp-4242.csv"
    half_file.parent.mkdir()
    half_file.write_text("topic,rank\n0,", encoding="utf-8")
    assert within_temporary(half_folder / "topic_word.npy", models)
    assert not within_temporary(models / "tomotopy_k3" / "topic_word.npy", models)
    cache = StageCache(tmp_path / "stages")
    key = cache.key([models], {}, "code-1")
    cache.record("train", key, [models])
    assert "tmp-4242" not in (tmp_path / "stages" / "train.json").read_text(encoding="utf-8")
    removed = remove_temporaries([models, tmp_path / "results", tmp_path / "missing"])
    assert sorted(p.name for p in removed) == [".tomotopy_k3.tmp-4242", ".topics.tmp-4242.csv"]
    assert not half_folder.exists() and not half_file.exists()
    assert cache.key([models], {}, "code-1") == key and cache.is_fresh("train", key)
