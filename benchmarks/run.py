"""``make bench``: speed, memory and planted-topic recovery of zhtopics, in one run on the same inputs.

Parts (``--parts``, all by default), each written to ``<results>/<part>.json``:

- ``segmentation_throughput``: MB/s of jieba.lcut, jieba.posseg, rjieba (cut and tag) and
  the project's configured path (``Segmenter.tokens`` in one process, and the whole
  ``segment_corpus`` stage with the configured processes) on the same texts: a
  generated corpus (the end-to-end generator, same seed) and the seed corpus' paragraphs
  repeated; each with its ratio to jieba.posseg.
- ``seed_sweep``: ``zhtopics run data/raw --no-figures --no-report`` with the default
  sweep, cold (fresh output folder) and cached (same folder again).
- ``end_to_end``: per size (10^4, 10^5, 10^6 generated documents of about 60 characters)
  and engine, ``zhtopics run corpus.csv --k 20 --config bench_<engine>.yaml --no-figures
  --no-report`` as a subprocess: wall time, peak memory of the process tree, per-stage
  times and memory (from ``-v``'s "<stage> finished in X s" lines), time per document, and
  planted-topic recovery (``benchmarks/recovery.py``).
- ``peers``: per size, the pipelines a researcher would run instead (``benchmarks/peers/``:
  the jieba + gensim tutorial, direct tomotopy, BERTopic with scikit-learn embeddings, the
  Spark MLlib slot), each as ``python -m benchmarks.peers NAME corpus.csv`` in a subprocess
  measured like the zhtopics runs, with the same model settings as the zhtopics configs and
  the same planted-topic recovery. A peer that cannot run here is recorded with the reason.
- ``rerun``: ``zhtopics run data/raw`` with figures and reports (what ``make run`` does),
  cold then unchanged, and the ratio.

``--sizes 1e5 --pipelines tutorial,tomotopy-direct`` runs only those sizes and pipelines
(zhtopics configs: gensim, tomotopy, dmm; peers: :data:`benchmarks.peers.PEERS`); rows of
``end_to_end.json`` and ``peers.json`` not run again are kept from the previous run, each
row with the run it comes from (``run_id``).

Then ``<results>/README.md`` is rendered from the JSON files alone (``--render-only``
re-renders it). Corpora and working folders live in ``benchmarks/data/`` (not committed).
``--quick`` (10^4 documents, 1 MB of text) writes to ``benchmarks/data/results-quick/``
so that it never overwrites the committed results.

Memory: the process tree (the ``zhtopics`` process and every worker it forks) is polled
every 0.2 s with psutil; ``peak_rss_tree`` is the largest sum of RSS over the tree (forked
workers share copy-on-write pages, so this over-counts them: an upper bound), and
``peak_pss_tree`` the largest sum of PSS (shared pages split between processes). ``peak_rss_largest_process`` is the kernel's own maximum RSS of the largest
single process (``wait4``'s ``ru_maxrss``). MiB = 2^20 bytes; the 4 GB target is read as
4 GiB = 4096 MiB.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`, and no module here shadows a library's
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import PlantedModel, PlantedTruth, segmentation_survival, write_corpus  # noqa: E402

BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
PARTS = ("segmentation_throughput", "seed_sweep", "end_to_end", "peers", "rerun")
SEED_INPUT = ROOT / "data" / "raw"
#: The seed study's parameters (its lexicons over the packaged defaults).
SEED_PARAMS = ROOT / "params.yaml"
MIB = 2**20

# The corpus of every end-to-end run and of the throughput test (same generator, same seed).
GENERATOR = {
    "k": 20,
    "doc_chars": 60,
    "seed": 0,
    "vocabulary_size": 2000,
    "alpha": 0.1,
    "beta": 1.0,
    "background": 0.05,
}
K = 20
# Engine settings for scale (the defaults are tuned for the 145-paragraph seed corpus).
BENCH_CONFIG = {
    "gensim": {
        "sweep": {"engines": ["gensim"], "seeds": [1]},
        "engines": {"gensim": {"passes": 2, "iterations": 50, "chunksize": 2000}},
        "themes": {"guided": {"enabled": False}},
    },
    "tomotopy": {
        "sweep": {"engines": ["tomotopy"], "seeds": [1]},
        # one model on both cores (reproducible for the same number of workers)
        "engines": {"tomotopy": {"iterations": 200, "workers": 2}},
        "themes": {"guided": {"enabled": False}},
    },
    "dmm": {
        "sweep": {"engines": ["dmm"], "seeds": [1]},
        # the packaged defaults (engines.dmm: 30 Gibbs sweeps, one thread); K = 20 is its upper bound
        "themes": {"guided": {"enabled": False}},
    },
    # zhtopics' Spark execution mode in local[2] (zhtopics run --spark): stages 1, 2 and the
    # model as Spark jobs, the model as spark_modeling says (packaged defaults)
    "spark": {
        "spark": {"master": "local[2]"},
        "sweep": {"seeds": [1]},
        "themes": {"guided": {"enabled": False}},
    },
}
DEFAULT_SIZES = (10**4, 10**5, 10**6)
#: Without ``--sizes``, peers run at these sizes and above (10^4 documents say little about scale).
PEER_MIN_DOCS = 10**5


def _peer_names() -> list[str]:
    from benchmarks.peers import PEERS

    return list(PEERS)


PEER_NAMES = _peer_names()


def _size(text: str) -> int:
    """A number of documents as ``100000``, ``1e5`` or ``10^5``."""
    try:
        value = float(text.replace("10^", "1e")) if "^" in text else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of documents: {text!r}") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a whole positive number of documents: {text!r}")
    return int(value)


def _names(text: str) -> list[str]:
    """``--pipelines``: comma-separated names of zhtopics configs and peers."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCH_CONFIG and name not in PEER_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown pipeline {', '.join(unknown)} (known: {', '.join([*BENCH_CONFIG, *PEER_NAMES])})"
        )
    return names


# the pipeline logs "<stage> finished in X s" (logger zhtopics.pipeline; zhtopics before issue 10)
STAGE_LINE = re.compile(r"INFO zhtopics(?:\.pipeline)?: (\w+) finished in ([\d.]+) s")
SKIP_LINE = re.compile(r"^(\w+): unchanged since the last run, skipped")
LOG_LINE = re.compile(r"^(INFO|WARNING|ERROR|CRITICAL) |^\w+: unchanged since the last run, skipped")


# --------------------------------------------------------------------------- machine and provenance


def machine_info() -> dict:
    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in (
        "jieba",
        "rjieba",
        "gensim",
        "tomotopy",
        "numba",
        "numpy",
        "pandas",
        "pyarrow",
        "datasketch",
        "psutil",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "params.yaml", "pyproject.toml")
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": git("rev-parse", "--short=12", "HEAD").strip(),
        "uncommitted_pipeline_changes": sorted(line[3:] for line in dirty.splitlines()) if dirty else [],
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- measured subprocess


def run_measured(argv: list[str], log_path: Path, timeout: float) -> dict:
    """Run a command, polling the memory of its process tree; kill it after ``timeout`` s.

    Returns wall time, exit status (or "timeout"), peak RSS/PSS of the tree, the largest
    process' ru_maxrss, per-stage times and peak memory, and the log's INFO/WARNING lines
    with the second they arrived.
    """
    import psutil

    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    busy_before = _busy_cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines: list[tuple[float, str]] = []

    def read():
        buffer = b""
        with open(log_path, "wb") as log:
            while True:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                log.write(chunk)
                buffer += chunk
                *complete, buffer = re.split(rb"[\r\n]", buffer)
                now = time.perf_counter() - started
                lines.extend((now, part.decode("utf-8", "replace")) for part in complete if part.strip())
            if buffer.strip():
                lines.append((time.perf_counter() - started, buffer.decode("utf-8", "replace")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[tuple[float, int, int | None, int]] = []  # (t, rss sum, pss sum or None, processes)
    status, rusage = None, None
    # CPU seconds of every process seen in the tree, as last sampled: a process that is never
    # waited for (the JVM of a Spark run, and its Python workers) is missing from wait4's rusage
    tree_cpu: dict[int, float] = {}
    root = psutil.Process(proc.pid)
    while True:
        pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status, rusage = os.waitstatus_to_exitcode(wait_status), usage
            break
        now = time.perf_counter() - started
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        rss = pss = 0
        for process in tree:
            try:
                info = process.memory_full_info()  # /proc/<pid>/smaps_rollup: cheap
                rss += info.rss
                pss += info.pss
                times = process.cpu_times()
                tree_cpu[process.pid] = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                pass
        samples.append((round(now, 2), rss, pss, len(tree)))
        if now > timeout:
            os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.time() + 10
            while time.time() < deadline:
                pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                time.sleep(0.2)
            else:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, wait_status, usage = os.wait4(proc.pid, 0)
            status, rusage = "timeout", usage
            break
        time.sleep(0.2)
    proc.returncode = status if isinstance(status, int) else -9  # reaped by wait4, tell Popen
    try:  # workers left behind by a killed run
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    reader.join(timeout=10)
    wall = time.perf_counter() - started
    own_cpu = max(rusage.ru_utime + rusage.ru_stime if rusage else 0.0, sum(tree_cpu.values()))
    other_cpu = max(_busy_cpu_seconds() - busy_before - own_cpu, 0.0)
    stages, previous = [], 0.0
    for t, line in lines:
        match = STAGE_LINE.search(line)
        if match:
            window = [s for s in samples if previous <= s[0] <= t]
            stages.append(
                {
                    "stage": match.group(1),
                    "seconds": float(match.group(2)),
                    "ended_at": round(t, 2),
                    "peak_rss_tree_mib": round(max((s[1] for s in window), default=0) / MIB, 1),
                    "peak_pss_tree_mib": round(max((s[2] for s in window if s[2] is not None), default=0) / MIB, 1),
                }
            )
            previous = t
        skipped = SKIP_LINE.search(line)
        if skipped:
            stages.append({"stage": skipped.group(1), "skipped": True, "ended_at": round(t, 2)})
            previous = t
    pss_values = [s[2] for s in samples if s[2] is not None]
    return {
        "command": " ".join(str(a) for a in argv),
        "status": status if status == "timeout" else ("ok" if status == 0 else f"exit {status}"),
        "wall_seconds": round(wall, 2),
        "timeout_seconds": timeout,
        "peak_rss_tree_mib": round(max((s[1] for s in samples), default=0) / MIB, 1),
        "peak_pss_tree_mib": round(max(pss_values, default=0) / MIB, 1),
        "peak_rss_largest_process_mib": round(rusage.ru_maxrss / 1024, 1) if rusage else None,
        "max_processes": max((s[3] for s in samples), default=0),
        "cpu_seconds_children": round(rusage.ru_utime + rusage.ru_stime, 1) if rusage else None,
        "cpu_seconds_tree": round(own_cpu, 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        # CPU time the machine spent on other processes meanwhile (other users' jobs compete
        # for the same cores): share of all cores over the run.
        "other_cpu_seconds": round(other_cpu, 1),
        "other_cpu_share": round(other_cpu / (wall * (os.cpu_count() or 1)), 3) if wall else None,
        "stages": stages,
        "unlogged_seconds": round(wall - sum(s.get("seconds", 0) for s in stages), 2),
        "startup_seconds": (
            round(stages[0]["ended_at"] - stages[0]["seconds"], 2) if stages and not stages[0].get("skipped") else None
        ),
        "log": [[round(t, 2), line] for t, line in lines if LOG_LINE.match(line)][:200],
        "log_tail": [line for _, line in lines[-15:]] if status != 0 else [],
        "log_file": str(log_path.relative_to(ROOT)) if log_path.is_relative_to(ROOT) else str(log_path),
    }


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children (the segmentation workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _busy_cpu_seconds() -> float:
    """Seconds all CPUs spent busy since boot (everything but idle and iowait)."""
    import psutil

    times = psutil.cpu_times()
    return (
        sum(times)
        - times.idle
        - getattr(times, "iowait", 0.0)
        - getattr(times, "guest", 0.0)
        - getattr(times, "guest_nice", 0.0)
    )


def zhtopics(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhtopics", *args]


# --------------------------------------------------------------------------- part a: segmentation


def _seed_paragraphs() -> list[str]:
    from zhtopics.ingest import prepare_corpus
    from zhtopics.params import load_params

    return prepare_corpus(SEED_INPUT, load_params(SEED_PARAMS).corpus).documents["text"].tolist()


def _texts_of_size(source: list[str], megabytes: float) -> list[str]:
    """Repeat ``source`` in order until it holds ``megabytes`` MB (10^6 bytes) of UTF-8."""
    texts, size, i = [], 0, 0
    while size < megabytes * 1e6:
        text = source[i % len(source)]
        texts.append(text)
        size += len(text.encode("utf-8"))
        i += 1
    return texts


WARMUP_TEXT = "今天北京的天气很好，我们去公园散步。"  # loads a segmenter's dictionaries before timing


def _timed(make, texts: list[str], min_seconds: float = 3.0, max_runs: int = 3) -> dict:
    """Best of up to ``max_runs`` passes over ``texts`` (one pass when a pass takes ``min_seconds``).

    ``make()`` gives the function to time; it is called anew for every pass (a fresh
    Segmenter each time, so its per-word memory starts empty as in a real run) and warmed up
    on :data:`WARMUP_TEXT` (a sentence not in the texts) before the clock starts.
    """
    times, init = [], None
    while len(times) < max_runs:
        started = time.perf_counter()
        function = make()
        function(WARMUP_TEXT)
        init = time.perf_counter() - started if init is None else init
        started = time.perf_counter()
        for text in texts:
            function(text)
        times.append(time.perf_counter() - started)
        if times[-1] >= min_seconds:
            break
    return {"seconds": round(min(times), 4), "runs": len(times), "init_seconds": round(init, 3)}


def segmentation_throughput(megabytes: float) -> dict:
    import tempfile

    import jieba
    import jieba.posseg
    import pandas as pd
    import rjieba

    from zhtopics.params import load_params
    from zhtopics.paths import OutputPaths
    from zhtopics.segment import BACKENDS, Segmenter, segment_corpus, segment_texts
    from zhtopics.segment.workers import _processes

    jieba.setLogLevel(60)
    params = load_params(SEED_PARAMS).segment
    configured = Segmenter(params)
    backend = configured.backend
    processes = _processes(params)
    model = PlantedModel(**GENERATOR)
    generated = []
    for batch in model.batches(10**6):
        generated.extend(batch.texts)
        if sum(len(t.encode()) for t in generated) >= megabytes * 1e6:
            break
    corpora = {
        "generated": _texts_of_size(generated, megabytes),
        "seed_paragraphs_repeated": _texts_of_size(_seed_paragraphs(), megabytes),
    }
    methods = {
        "jieba.lcut": lambda: jieba.lcut,
        "jieba.posseg": lambda: jieba.posseg.lcut,
        "rjieba.cut": lambda: rjieba.Jieba().cut,
        "rjieba.tag": lambda: rjieba.Jieba().tag,
        f"Segmenter.tokens (configured: backend {backend}; 1 process)": lambda: Segmenter(params).tokens,
    }
    for other in BACKENDS:  # the other backend(s) too, one process
        if other != backend:
            methods[f"Segmenter.tokens (backend {other}; 1 process)"] = lambda b=other: (
                Segmenter(dataclasses.replace(params, backend=b)).tokens
            )
    results = {}
    busy_before, own_before, part_started = _busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
    for name, texts in corpora.items():
        size = sum(len(t.encode("utf-8")) for t in texts)
        rows = {}
        for method, make in methods.items():
            rows[method] = _timed(make, texts)
            rows[method]["mb_per_s"] = round(size / 1e6 / rows[method]["seconds"], 3)
            print(f"  {name}: {method}: {rows[method]['mb_per_s']} MB/s", flush=True)
        # cut + POS and other filters, configured processes
        started = time.perf_counter()
        segment_texts(texts, params)
        seconds = time.perf_counter() - started
        label = f"segment_texts (configured: backend {backend}, {processes} processes)"
        rows[label] = {
            "mb_per_s": round(size / 1e6 / seconds, 3),
            "seconds": round(seconds, 4),
            "runs": 1,
            "configured_path": True,
        }
        print(f"  {name}: {label}: {rows[label]['mb_per_s']} MB/s", flush=True)
        # the streamed stage `zhtopics segment` runs
        documents = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
        with tempfile.TemporaryDirectory() as folder:
            paths = OutputPaths(Path(folder))
            paths.interim.mkdir(parents=True)
            documents.to_parquet(paths.documents, index=False)
            started = time.perf_counter()
            segment_corpus(paths, params)
            seconds = time.perf_counter() - started
        label = (
            f"segment_corpus (configured: backend {backend}, {processes} processes; the whole stage: "
            "+ Dictionary, filter_extremes, tokens.parquet, corpus.mm)"
        )
        rows[label] = {
            "mb_per_s": round(size / 1e6 / seconds, 3),
            "seconds": round(seconds, 4),
            "runs": 1,
            "configured_stage": True,
        }
        print(f"  {name}: {label}: {rows[label]['mb_per_s']} MB/s", flush=True)
        base = rows["jieba.posseg"]["mb_per_s"]
        for row in rows.values():
            row["ratio_to_jieba_posseg"] = round(row["mb_per_s"] / base, 2)
        results[name] = {"documents": len(texts), "megabytes": round(size / 1e6, 3), "methods": rows}
    # Worker start-up is paid once per run: the configured path on 10 times more text (the
    # same kind of text, so the ratio is to jieba.posseg measured on that text above).
    generated_large = []
    for batch in model.batches(10**7):
        generated_large.extend(batch.texts)
        if sum(len(t.encode()) for t in generated_large) >= 10 * megabytes * 1e6:
            break
    larger = {
        "generated": generated_large,
        "seed_paragraphs_repeated": _texts_of_size(_seed_paragraphs(), 10 * megabytes),
    }
    for name, large in larger.items():
        size = sum(len(t.encode("utf-8")) for t in large)
        rows = {}
        timing = _timed(lambda: Segmenter(params).tokens, large, max_runs=1)
        rows[f"Segmenter.tokens (configured: backend {backend}; 1 process)"] = dict(
            timing, mb_per_s=round(size / 1e6 / timing["seconds"], 3)
        )
        started = time.perf_counter()
        segment_texts(large, params)
        seconds = time.perf_counter() - started
        rows[f"segment_texts (configured: backend {backend}, {processes} processes)"] = {
            "mb_per_s": round(size / 1e6 / seconds, 3),
            "seconds": round(seconds, 4),
            "runs": 1,
            "configured_path": True,
        }
        base = results[name]["methods"]["jieba.posseg"]["mb_per_s"]
        for method, row in rows.items():
            row["ratio_to_jieba_posseg"] = round(row["mb_per_s"] / base, 2)
            print(f"  {name} x10: {method}: {row['mb_per_s']} MB/s", flush=True)
        results[f"{name}_x10"] = {
            "documents": len(large),
            "megabytes": round(size / 1e6, 3),
            "methods": rows,
            "note": f"ratios to jieba.posseg on the '{name}' text",
        }
    part_wall = time.perf_counter() - part_started
    other_cpu = max(_busy_cpu_seconds() - busy_before - (_own_cpu_seconds() - own_before), 0.0)
    return {
        "segment_params": params,
        "backend": backend,
        "processes": processes,
        "texts": results,
        "other_cpu_seconds": round(other_cpu, 1),
        "other_cpu_share": round(other_cpu / (part_wall * (os.cpu_count() or 1)), 3),
        "note": "MB = 10^6 bytes of UTF-8 input. Single-process rows call the function once per document "
        "(best of up to 3 passes, dictionaries loaded before the clock starts, a fresh Segmenter per pass). "
        "segment_texts is the configured segmentation (cut, POS and other filters) in the configured "
        "worker processes, worker start-up included; segment_corpus (segment_documents before it existed) is the whole stage (plus the "
        "Dictionary and filter_extremes).",
    }


# --------------------------------------------------------------------------- part b and d: seed corpus runs


def _supports_force() -> bool:
    """Whether ``zhtopics run`` has ``--force`` (rerun every stage even when unchanged)."""
    from zhtopics.cli import build_parser

    return "--force" in build_parser()._subparsers._group_actions[0].choices["run"].format_help()


def seed_runs(name: str, extra: list[str], timeout: float, forced: bool = False) -> dict:
    """``zhtopics run data/raw`` into a fresh folder (cold), then again into the same folder
    (unchanged); with ``forced``, a third time with ``--force`` (every stage reruns, the
    sweep reads its run cache)."""
    folder = DATA / "work" / name
    shutil.rmtree(folder, ignore_errors=True)
    plan = [("cold", []), ("unchanged", [])]
    if forced and _supports_force():
        plan.append(("forced (--force: stages rerun, sweep cache read)", ["--force"]))
    runs = {}
    for label, flags in plan:
        print(f"  {name}: {label} run ...", flush=True)
        slug = label.split()[0]
        runs[label] = run_measured(
            zhtopics(
                "run",
                str(SEED_INPUT.relative_to(ROOT)),
                "--out",
                str(folder.relative_to(ROOT)),
                "--config",
                str(SEED_PARAMS.relative_to(ROOT)),
                "-v",
                *extra,
                *flags,
            ),
            DATA / "logs" / f"{name}_{slug}.log",
            timeout,
        )
        print(f"    {runs[label]['status']}, {runs[label]['wall_seconds']} s", flush=True)
    ratios = {}
    for label, run in runs.items():
        if label != "cold" and runs["cold"]["status"] == "ok" and run["status"] == "ok":
            ratios[label] = round(run["wall_seconds"] / runs["cold"]["wall_seconds"], 4)
    return {"runs": runs, "ratio_to_cold": ratios, "ratio_unchanged_to_cold": ratios.get("unchanged")}


# --------------------------------------------------------------------------- part c: end to end


def corpus_for(n_docs: int) -> tuple[Path, PlantedTruth, dict]:
    """The generated corpus of ``n_docs`` documents, from the cache in benchmarks/data/corpora/."""
    model = PlantedModel(**GENERATOR)
    probe = model.empty_truth(n_docs)
    path = DATA / "corpora" / f"planted_n{n_docs}_k{GENERATOR['k']}_{probe.key()}.csv"
    if path.exists() and path.with_suffix(".truth.npz").exists():
        truth = PlantedTruth.load(path.with_suffix(""))
        return path, truth, {"cached": True, **truth.stats}
    print(f"  generating {n_docs} documents -> {path.relative_to(ROOT)}", flush=True)
    truth = write_corpus(path, n_docs, model)
    return path, truth, {"cached": False, **truth.stats}


def end_to_end(sizes: list[int], engines: list[str], timeout: float) -> dict:
    import yaml

    from benchmarks.recovery import recovery
    from zhtopics.params import load_params, params_to_dict

    configs = {}
    for engine in engines:
        path = DATA / "work" / f"bench_{engine}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(BENCH_CONFIG[engine], sort_keys=False, allow_unicode=True), encoding="utf-8")
        resolved = load_params(path, overrides={"sweep": {"k": [K]}, "corpus": {"text_column": "text"}})
        configs[engine] = {
            "file": str(path.relative_to(ROOT)),
            "yaml": path.read_text(encoding="utf-8"),
            "resolved": {
                section: params_to_dict(getattr(resolved, section), ROOT)
                for section in ("corpus", "segment", "sweep", "engines")
            },
        }
    survival = segmentation_survival(PlantedModel(**GENERATOR), 2000)
    runs = []
    for n_docs in sizes:
        corpus, truth, generation = corpus_for(n_docs)
        for engine in engines:
            out = DATA / "work" / f"e2e_{engine}_{n_docs}"
            shutil.rmtree(out, ignore_errors=True)
            print(f"  {n_docs} documents, {engine} ...", flush=True)
            # The command runs under benchmarks/sample_stages.py: the same `zhtopics run`, in-process,
            # with a sampling thread that attributes time and memory to the functions on the stack.
            profile = DATA / "profile" / f"e2e_{engine}_{n_docs}.json"
            profile.unlink(missing_ok=True)
            command = [
                "run",
                str(corpus.relative_to(ROOT)),
                "--out",
                str(out.relative_to(ROOT)),
                "--text-column",
                "text",
                "--k",
                str(K),
                "--config",
                configs[engine]["file"],
                "--no-figures",
                "--no-report",
                "-v",
            ]
            measured = run_measured(
                [
                    sys.executable,
                    str((BENCH / "sample_stages.py").relative_to(ROOT)),
                    "--out-json",
                    str(profile.relative_to(ROOT)),
                    "--",
                    *command,
                ],
                DATA / "logs" / f"e2e_{engine}_{n_docs}.log",
                timeout,
            )
            measured["command"] = "zhtopics " + " ".join(command)
            row = {
                "documents": n_docs,
                "engine": engine,
                "corpus": str(corpus.relative_to(ROOT)),
                "generation": generation,
                **measured,
            }
            if profile.exists():
                sampled = json.loads(profile.read_text(encoding="utf-8"))
                row["profile"] = {
                    key: sampled[key] for key in ("wall_seconds", "interval", "peak_pss_tree_mib", "peak_at")
                }
                row["profile"]["inclusive"] = sampled["inclusive"][:30]
                row["profile"]["exclusive"] = sampled["exclusive"][:20]
                row["profile"]["file"] = str(profile.relative_to(ROOT))
            row["us_per_document"] = (
                round(measured["wall_seconds"] / n_docs * 1e6, 2) if measured["status"] == "ok" else None
            )
            if measured["status"] == "ok":
                try:
                    row["recovery"] = recovery(out, truth)
                except Exception as error:  # report, do not lose the timing
                    row["recovery"] = {"error": f"{type(error).__name__}: {error}"}
                row["fit_seconds"] = _fit_seconds(out, engine)
            print(
                f"    {measured['status']}, {measured['wall_seconds']} s, peak RSS tree {measured['peak_rss_tree_mib']} MiB"
                + (f", NMI {row['recovery']['documents']['nmi']}" if "documents" in row.get("recovery", {}) else ""),
                flush=True,
            )
            runs.append(row)
    return {"generator": GENERATOR, "k": K, "configs": configs, "segmentation_survival": survival, "runs": runs}


def _fit_seconds(out: Path, engine: str) -> dict:
    """The sweep's fit time and the final model's fit time, from the run's own outputs."""
    import pandas as pd

    result = {}
    sweep = out / "results" / "sweep.csv"
    if sweep.exists():
        result["sweep_fit"] = round(float(pd.read_csv(sweep)["seconds"].sum()), 2)
    manifest = out / "models" / f"{engine}_k{K}" / "manifest.json"
    if list((out / ".cache" / "sweep").glob("*/doc_topic.npy")):
        # the sweep kept its model (one seed per setting) and training loaded it: no second fit
        result["final_fit"] = 0.0
        result["final_model"] = "reused from the sweep"
    elif manifest.exists():
        result["final_fit"] = json.loads(manifest.read_text(encoding="utf-8")).get("fit_seconds")
        result["final_model"] = "fitted again"
    return result


# --------------------------------------------------------------------------- part e: peers


def peer_settings() -> dict:
    """The model settings of every peer: the zhtopics bench configs' (same K, seed, gensim and
    tomotopy settings), as :class:`benchmarks.peers.PeerSettings` fields."""
    return {
        "k": K,
        "seed": BENCH_CONFIG["gensim"]["sweep"]["seeds"][0],
        "gensim": BENCH_CONFIG["gensim"]["engines"]["gensim"],
        "tomotopy": BENCH_CONFIG["tomotopy"]["engines"]["tomotopy"],
        "text_column": "text",
    }


def peers(sizes: list[int], names: list[str], timeout: float) -> dict:
    """Each peer on each size's corpus, in a measured subprocess (see the module docstring)."""
    import numpy as np

    from benchmarks.peers import PEERS, unavailable
    from benchmarks.recovery import recovery_of_assignments

    settings = peer_settings()
    runs = []
    for n_docs in sizes:
        corpus, truth, generation = corpus_for(n_docs)
        for name in names:
            row = {
                "documents": n_docs,
                "pipeline": name,
                "description": PEERS[name].description,
                "same_model_as": PEERS[name].same_model_as,
                "corpus": str(corpus.relative_to(ROOT)),
            }
            reason = unavailable(name) or _too_slow(name, n_docs, runs, timeout)
            if reason is not None:
                print(f"  {n_docs} documents, peer {name}: skipped ({reason})", flush=True)
                runs.append({**row, "status": "skipped", "reason": reason})
                continue
            out = DATA / "work" / f"peer_{name}_{n_docs}"
            shutil.rmtree(out, ignore_errors=True)
            print(f"  {n_docs} documents, peer {name} ...", flush=True)
            command = [sys.executable, "-m", "benchmarks.peers", name, str(corpus.relative_to(ROOT))]
            command += ["--out", str(out.relative_to(ROOT)), "--settings", json.dumps(settings)]
            measured = run_measured(command, DATA / "logs" / f"peer_{name}_{n_docs}.log", timeout)
            measured["command"] = " ".join(command[1:-1]) + " '<settings>'"
            row.update(measured)
            row["us_per_document"] = (
                round(measured["wall_seconds"] / n_docs * 1e6, 2) if measured["status"] == "ok" else None
            )
            if measured["status"] == "ok":
                peer = json.loads((out / "peer.json").read_text(encoding="utf-8"))
                row["peer_stages"], row["info"] = peer["stages"], peer["info"]
                topic_word = vocabulary = None
                if (out / "topic_word.npy").exists():
                    topic_word = np.load(out / "topic_word.npy")
                    vocabulary = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))
                dominant = np.load(out / "dominant.npy")
                row["recovery"] = recovery_of_assignments(
                    truth, np.arange(len(dominant)), dominant, topic_word, vocabulary
                )
            print(
                f"    {measured['status']}, {measured['wall_seconds']} s, peak RSS tree {measured['peak_rss_tree_mib']} MiB"
                + (f", NMI {row['recovery']['documents']['nmi']}" if "recovery" in row else ""),
                flush=True,
            )
            runs.append(row)
    return {"settings": settings, "generator": GENERATOR, "runs": runs}


def _too_slow(name: str, n_docs: int, runs: list[dict], timeout: float) -> str | None:
    """Why peer ``name`` would not finish ``n_docs`` documents within ``timeout``, judged from its
    run on a smaller corpus in this benchmark, or None: the seconds of its own steps (reading,
    tokenising, fitting, assigning; start-up excluded) grown in proportion to the documents, a
    lower bound for every peer here (none is faster than linear; UMAP's neighbour search grows
    faster)."""
    smaller = [
        row for row in runs if row["pipeline"] == name and row.get("status") == "ok" and row["documents"] < n_docs
    ]
    if not smaller:
        return None
    last = max(smaller, key=lambda row: row["documents"])
    work = sum(last.get("peer_stages", {}).values())  # its steps, without start-up and imports
    estimate = work * n_docs / last["documents"]
    if estimate <= timeout:
        return None
    return (
        f"its steps took {work:.0f} s at {last['documents']:,} documents, so at least {estimate:.0f} s at "
        f"{n_docs:,} (they grow at least linearly), over the --timeout of {timeout:.0f} s"
    )


def merge_runs(previous: Path, payload: dict, run_id: str, key: tuple[str, str]) -> dict:
    """``payload`` with the rows of the previous results file that this run did not redo.

    Every row carries the ``run_id`` it was measured in; rows are identified by ``key``
    (documents, engine or pipeline) and sorted by them."""
    for row in payload["runs"]:
        row.setdefault("run_id", run_id)
    if previous.exists():
        old = json.loads(previous.read_text(encoding="utf-8"))
        done = {tuple(row[k] for k in key) for row in payload["runs"]}
        for row in old.get("runs", []):
            if tuple(row[k] for k in key) not in done:
                row.setdefault("run_id", old.get("run_id"))
                payload["runs"].append(row)
                for section in ("configs",):  # a kept row's configuration stays described
                    if section in old and section in payload:
                        for name, config in old[section].items():
                            payload[section].setdefault(name, config)
    payload["runs"].sort(key=lambda row: tuple(row[k] for k in key))
    return payload


# --------------------------------------------------------------------------- results


def write_part(results: Path, name: str, payload: dict, meta: dict) -> None:
    results.mkdir(parents=True, exist_ok=True)
    data = {"part": name, **meta, **payload}
    (results / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=_size,
        nargs="+",
        default=None,
        help="numbers of generated documents, e.g. 1e5 1e6 (default 1e4 1e5 1e6; peers then run at 1e5 and 1e6)",
    )
    parser.add_argument(
        "--pipelines",
        type=_names,
        default=None,
        help=f"comma-separated, default all: zhtopics configs ({', '.join(BENCH_CONFIG)}) and peers "
        f"({', '.join(PEER_NAMES)})",
    )
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10^4 documents and 1 MB of text; results to benchmarks/data/results-quick/",
    )
    parser.add_argument("--segment-mb", type=float, default=5.0, help="MB of text for the throughput test")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds before a run is killed and recorded as timeout"
    )
    parser.add_argument("--results", type=Path, help="output folder (default benchmarks/results/)")
    parser.add_argument("--render-only", action="store_true", help="only re-render README.md from the JSON files")
    args = parser.parse_args(argv)
    pipelines = args.pipelines or [*BENCH_CONFIG, *PEER_NAMES]
    args.engines = [name for name in pipelines if name in BENCH_CONFIG]
    args.peers = [name for name in pipelines if name in PEER_NAMES]
    peer_sizes = args.sizes or [n for n in DEFAULT_SIZES if n >= PEER_MIN_DOCS]
    args.sizes = args.sizes or list(DEFAULT_SIZES)
    if args.quick:
        args.sizes, args.segment_mb, peer_sizes = [10**4], 1.0, [10**4]
    results = args.results or (DATA / "results-quick" if args.quick else BENCH / "results")
    if not args.render_only:
        meta = {
            "run_id": _now(),
            "machine": machine_info(),
            "command": "benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        started = time.perf_counter()
        for part in PARTS:
            if part not in args.parts:
                continue
            print(f"== {part}", flush=True)
            part_started = time.perf_counter()
            if part == "segmentation_throughput":
                payload = segmentation_throughput(args.segment_mb)
            elif part == "seed_sweep":
                payload = seed_runs("seed_sweep", ["--no-figures", "--no-report"], args.timeout, forced=True)
            elif part == "end_to_end":
                if not args.engines:
                    continue
                payload = end_to_end(args.sizes, args.engines, args.timeout)
                payload = merge_runs(results / f"{part}.json", payload, meta["run_id"], ("documents", "engine"))
            elif part == "peers":
                if not args.peers or not peer_sizes:
                    continue
                payload = peers(peer_sizes, args.peers, args.timeout)
                payload = merge_runs(results / f"{part}.json", payload, meta["run_id"], ("documents", "pipeline"))
            else:
                payload = seed_runs("rerun", [], args.timeout)
            payload["part_seconds"] = round(time.perf_counter() - part_started, 1)
            payload["finished"] = _now()
            write_part(results, part, payload, meta)
        print(f"== done in {time.perf_counter() - started:.0f} s", flush=True)
    from benchmarks.report import render, update_readme_scale

    (results / "README.md").write_text(render(results), encoding="utf-8")
    print(f"wrote {results / 'README.md'}")
    if results == BENCH / "results" and update_readme_scale(ROOT / "README.md", results):
        print("updated README.md's peer section")
    return 0


if __name__ == "__main__":
    sys.exit(main())
