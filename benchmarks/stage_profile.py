"""Where a ``zhtopics run`` spends its time outside the model (issue 13, target 3).

Runs ``zhtopics run <corpus> --out <tmp> --text-column text --k 20 --config bench_<engine>.yaml
--no-figures --no-report -v`` (the configs of ``benchmarks/run.py``'s end-to-end part) under
``benchmarks/sample_stages.py`` and records, from files the run wrote:

- the wall time of each stage (the pipeline's "<stage> finished in X s" lines) and of the
  finish (summary, workbook, manifest: the rest of the wall time after the last stage);
- the seconds of chosen steps inside the stages (the sampler's inclusive time per function);
- the input size: UTF-8 bytes of the texts in ``data/interim/documents.parquet``, so the
  segment stage's rate in MB/s (10^6 bytes) is input MB / segment seconds;
- the model's fit seconds (``results/sweep.csv``; plus the final fit when the model was fitted
  again) and the non-model share = (wall - fit) / wall.

Each run is stored under a label (``--label before``, ``--label after``) in
``benchmarks/results/stage_profile.json``; ``stage_profile.md`` is rendered from that file.
Timings depend on the machine's load: the load average before and after and the CPU seconds
of the run are recorded with each run.

    PYTHONPATH=src .venv/bin/python benchmarks/stage_profile.py /tmp/zhb/c1e5.csv --label before
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
STAGE_LINE = re.compile(r"INFO zhtopics\.pipeline: (\w+) finished in ([\d.]+) s")
#: Steps inside the stages: sampler function name → what it is.
STEPS = {
    "dedup._duplicate_groups": "prepare: duplicate detection",
    "normalize.__call__": "prepare: normalisation",
    "stage._segment_batches": "segment: segmenting (workers) + Dictionary",
    "stage._segment_to_ids": "segment: segmenting (workers) + vocabulary (this branch)",
    "stage._write_tokens_and_bows": "segment: tokens.parquet, bags of words, corpus.mm",
    "stage._write_tokens_and_bows_from_ids": "segment: tokens.parquet, bags of words (this branch)",
    "bow.serialize_mm": "segment: corpus.mm",
    "sweep._fit_runs": "train: sweep (fits + scores)",
    "metrics.coherence": "train: coherence",
    "data.__getitem__": "train: documents handed to the engine",
    "pipeline.finish_run": "finish: summary, workbook, manifest",
    "workbook.write_workbook": "finish: results.xlsx",
}


def _input_megabytes(out: Path) -> float:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    texts = pq.read_table(out / "data" / "interim" / "documents.parquet", columns=["text"]).column(0)
    return round(pc.sum(pc.binary_length(texts.cast("binary"))).as_py() / 1e6, 3)


def _config(engine: str, folder: Path) -> Path:
    import yaml

    from benchmarks.run import BENCH_CONFIG

    path = folder / f"bench_{engine}.yaml"
    path.write_text(yaml.safe_dump(BENCH_CONFIG[engine], sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def profile_run(corpus: Path, engine: str, keep: Path | None = None) -> dict:
    """One measured run of ``corpus`` with the benchmark's ``engine`` config."""
    from benchmarks.run import K, _fit_seconds

    with tempfile.TemporaryDirectory(prefix="stage_profile-") as scratch:
        scratch = Path(scratch)
        out = keep or scratch / "run"
        shutil.rmtree(out, ignore_errors=True)
        sampled = scratch / "profile.json"
        command = [
            "run",
            str(corpus),
            "--out",
            str(out),
            "--text-column",
            "text",
            "--k",
            str(K),
            "--config",
            str(_config(engine, scratch)),
            "--no-figures",
            "--no-report",
            "-v",
        ]
        argv = [sys.executable, str(Path(__file__).resolve()), "--inner-json", str(sampled), "--"]
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run([*argv, *command], capture_output=True, text=True, env=dict(os.environ))
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != 0:
            raise SystemExit(f"zhtopics run failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
        log = completed.stdout + completed.stderr
        stages = {m.group(1): float(m.group(2)) for m in STAGE_LINE.finditer(log)}
        profile = json.loads(sampled.read_text(encoding="utf-8"))
        inclusive = {row["function"]: row["seconds"] for row in profile["inclusive"]}
        run_seconds = inclusive.get("cli.main", profile["wall_seconds"])
        stages["finish"] = round(inclusive.get("pipeline.finish_run", 0.0), 2)
        fit = _fit_seconds(out, engine)
        fit_seconds = fit.get("sweep_fit", 0.0) + (fit.get("final_fit") or 0.0)
        megabytes = _input_megabytes(out)
        return {
            "corpus": str(corpus),
            "documents": _documents(out),
            "engine": engine,
            "command": "zhtopics " + " ".join(command[:1] + ["<corpus>"] + command[2:3] + ["<tmp>"] + command[4:]),
            "input_megabytes": megabytes,
            "wall_seconds": round(run_seconds, 2),
            "process_wall_seconds": round(wall, 2),
            "cpu_seconds": round(
                cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1
            ),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "stages": stages,
            # None: not among the sampler's 40 longest functions (or not called)
            "steps": {name: inclusive.get(function) for function, name in STEPS.items()},
            # CPU seconds (this process and its workers) per stage and in the engines' fit: what
            # the load of other jobs on the machine does not inflate as it inflates wall time
            "stage_cpu_seconds": {name: round(value, 2) for name, value in profile["cpu_seconds"].items()},
            "non_model_cpu_share": round(
                1
                - profile["cpu_seconds"].get("model fit", 0.0)
                / sum(v for k, v in profile["cpu_seconds"].items() if k != "model fit"),
                3,
            ),
            "fit_seconds": round(fit_seconds, 2),
            "non_model_seconds": round(run_seconds - fit_seconds, 2),
            "non_model_share": round((run_seconds - fit_seconds) / run_seconds, 3),
            "segment_mb_per_s": round(megabytes / stages["segment"], 2) if stages.get("segment") else None,
            "profile_top_exclusive": profile["exclusive"][:15],
        }


def _inner(out_json: Path, command: list[str]) -> int:
    """The measured run, in this process: ``zhtopics`` under the sampler of
    ``benchmarks/sample_stages.py``, with the CPU seconds of each stage, of the finish and of
    the engines' ``fit`` added up (``resource.getrusage`` of this process and its reaped
    children: the segmentation and sweep workers)."""
    from benchmarks.sample_stages import sample_run
    from zhtopics import pipeline
    from zhtopics.modeling.engines import ENGINES

    cpu: dict[str, float] = {}

    def clock() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                key = name(*args) if callable(name) else name
                cpu[key] = cpu.get(key, 0.0) + clock() - started

        return wrapper

    pipeline.run_stage = timed(lambda stage, *_: stage if isinstance(stage, str) else stage.name, pipeline.run_stage)
    pipeline.finish_run = timed("finish", pipeline.finish_run)
    for engine in ENGINES.values():
        engine.fit = timed("model fit", engine.fit)
    result = sample_run(command)
    result["cpu_seconds"] = cpu
    out_json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if result["status"] == 0 else 1


def _documents(out: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(out / "data" / "interim" / "documents.parquet").metadata.num_rows


def render(runs: dict) -> str:
    """``stage_profile.md``: one table per corpus size, a column per label."""
    lines = [
        "# Stage profile (issue 13, target 3)",
        "",
        "Written by `benchmarks/stage_profile.py` from `stage_profile.json`. Seconds of wall time "
        "(under the load shown: the machine is shared); non-model share = (wall - model fit) / wall; "
        "segment MB/s = UTF-8 MB of the documents' texts / segment stage seconds. A step shown as None "
        "was not among the sampler's 40 longest functions (or was not called by that code).",
        "",
    ]
    by_size: dict[tuple, dict] = {}
    for label, run in runs.items():
        by_size.setdefault((run["documents"], run["engine"]), {})[label] = run
    for (documents, engine), labelled in sorted(by_size.items()):
        labels = list(labelled)
        lines += [f"## {documents} documents, {engine}", "", "| | " + " | ".join(labels) + " |"]
        lines.append("| --- |" + " --- |" * len(labels))
        first = labelled[labels[0]]
        rows = [("input MB", lambda r: r["input_megabytes"])]
        rows += [(f"stage {s}", lambda r, s=s: r["stages"].get(s)) for s in first["stages"]]
        rows += [(f"step: {s}", lambda r, s=s: r["steps"].get(s)) for s in first["steps"]]
        rows += [
            ("wall s", lambda r: r["wall_seconds"]),
            ("model fit s", lambda r: r["fit_seconds"]),
            ("non-model s", lambda r: r["non_model_seconds"]),
            ("non-model share", lambda r: r["non_model_share"]),
            ("segment MB/s", lambda r: r["segment_mb_per_s"]),
            ("CPU s (all processes)", lambda r: r["cpu_seconds"]),
            *[
                (f"CPU s: {name}", lambda r, name=name: r.get("stage_cpu_seconds", {}).get(name))
                for name in ("prepare", "segment", "train", "themes", "finish", "model fit")
            ],
            ("non-model share of CPU", lambda r: r.get("non_model_cpu_share")),
            ("load average (1 min) before, after", lambda r: r["load_average_1min"]),
        ]
        for name, value in rows:
            lines.append(f"| {name} | " + " | ".join(str(value(labelled[label])) for label in labels) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a generated corpus (benchmarks/generate.py), .csv")
    parser.add_argument("--label", required=True, help="name of this measurement (e.g. before, after)")
    parser.add_argument("--engine", default="gensim")
    parser.add_argument("--keep", type=Path, help="run folder to keep (default: a temporary one)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--inner-json":  # the measured child process
        return _inner(Path(argv[1]), [a for a in argv[3:]])
    args = parser.parse_args(argv)
    run = profile_run(args.corpus.resolve(), args.engine, args.keep)
    target = args.results / "stage_profile.json"
    runs = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    runs[f"{args.label} ({run['documents']}, {args.engine})"] = run
    args.results.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.results / "stage_profile.md").write_text(render(runs), encoding="utf-8")
    print(json.dumps({k: v for k, v in run.items() if k != "profile_top_exclusive"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
