"""How large a sample coherence needs: its spread over samples of each size (issue 13).

The sweep computes c_v, c_npmi and u_mass on a fixed random sample of
``sweep.coherence_docs`` documents (``ModelInput.reference``). For a finished run folder
(``zhtopics run`` on a generated corpus), this takes the chosen model's top
``sweep.coherence_topn`` words per topic (``results/topics.csv``) and computes each measure
on ``--repeats`` different random samples of each size: the standard deviation over the
samples is the sampling standard error of the estimate at that size; the seconds are those
of one sample. Written to ``benchmarks/results/coherence_sample.{json,md}``.

    PYTHONPATH=src .venv/bin/python benchmarks/coherence_sample.py /tmp/run_1e5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (1000, 2000, 5000, 10000, 20000, 50000)


def measure(run_folder: Path, sizes=SIZES, repeats: int = 5, topn: int = 10) -> dict:
    """Each measure's mean, standard error and seconds per sample size (see the module docstring)."""
    from zhtopics.modeling.metrics import COHERENCE_MEASURES, coherence
    from zhtopics.paths import OutputPaths
    from zhtopics.results import RunResults

    data = RunResults(OutputPaths(run_folder)).model_input()
    topics_table = pd.read_csv(run_folder / "results" / "topics.csv")
    topics = [
        group.sort_values("rank")["word"].astype(str).tolist()[:topn] for _, group in topics_table.groupby("topic")
    ]
    rows = []
    for size in sizes:
        if size > len(data.rows_with_tokens()):
            continue
        for measure_name in COHERENCE_MEASURES:
            values, seconds = [], []
            for seed in range(repeats):
                reference = data.reference(size, seed=seed)
                started = time.perf_counter()
                values.append(coherence(topics, reference, measure_name))
                seconds.append(time.perf_counter() - started)
            rows.append(
                {
                    "docs": size,
                    "measure": measure_name,
                    "mean": round(float(np.mean(values)), 5),
                    "standard_error": round(float(np.std(values, ddof=1)), 5),
                    "seconds": round(float(np.median(seconds)), 3),
                    "values": [round(v, 5) for v in values],
                }
            )
            print(rows[-1], flush=True)
    return {
        "run_folder": str(run_folder),
        "documents": data.n_docs,
        "topics": len(topics),
        "repeats": repeats,
        "rows": rows,
    }


def render(result: dict) -> str:
    lines = [
        "# Coherence on a sample: standard error by sample size",
        "",
        f"Written by `benchmarks/coherence_sample.py` from `coherence_sample.json`: {result['topics']} topics of a "
        f"run on {result['documents']} generated documents; each measure on {result['repeats']} random samples "
        "per size (standard error = standard deviation over the samples; seconds: median for one sample, "
        "on a shared, loaded machine).",
        "",
        "| docs | measure | mean | standard error | seconds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['docs']} | {row['measure']} | {row['mean']} | {row['standard_error']} | {row['seconds']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_folder", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = measure(args.run_folder, sizes=args.sizes, repeats=args.repeats)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "coherence_sample.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (args.results / "coherence_sample.md").write_text(render(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
