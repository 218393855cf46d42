"""The two Spark modelling paths measured on planted corpora: time, memory, recovery, reproducibility.

For each corpus size (the first 10^4 and all 10^5 documents of the benchmarks' planted
corpus, K = 20) one child process prepares the tokens in Spark and then one child process
per configuration fits topics with :func:`zhtopics.spark.modeling.fit_topics`:

- ``prepare`` (Spark, ``--master``): read the CSV, segment every text with the project's
  :class:`~zhtopics.segment.segmenter.Segmenter` (packaged defaults, loaded once per Python
  worker) inside ``mapInPandas``, write the tokens as Parquet; the vocabulary with gensim's
  ``filter_extremes`` semantics (document frequency >= no_below, <= no_above × documents,
  the keep_n most frequent by document frequency, ties by the word) collected to the
  driver; the bag of words (``CountVectorizerModel.from_vocabulary``) written to the
  ``noop`` sink. This is a stand-in for the pipeline's own Spark stages (another module),
  here to time the stages of docs/scale.md on the same tokens.
- ``fit``: ``fit_topics`` with ``spark_modeling.path`` = sample or mllib; doc_topics written
  as Parquet (for the sample path this runs the distributed inference); then written once
  more from that Parquet (the cost of writing alone); NMI of the dominant topic against
  the planted one (:func:`benchmarks.recovery.document_recovery`).
- ``sweep``: the project's own sweep (:func:`zhtopics.modeling.sweep.run_sweep`) and
  selection rule on the sample the sample path fits on, over a small grid: its cost per
  run, to project the cost of the default grid.

Reproducibility (at ``--repro-sizes``, default 10^4; the other sizes are fitted once): each
path is fitted with seed 1 twice on 2 partitions and once on 4; the
topic-word matrices are compared (bit-identical, else the mean L1 distance of topics
matched one-to-one by Hungarian matching).

Memory: the parent polls the child's process tree (the driver's Python, the JVM it starts
and the Python workers the JVM forks) every 0.2 s (:func:`benchmarks.run.run_measured`):
peak RSS and PSS of the tree. The machine is shared: timings carry the load average.

Command line (writes ``benchmarks/results/spark_paths.json`` and ``.md``; ``report``
rewrites the markdown from the JSON)::

    PYTHONPATH=$PWD/src nice .venv/bin/python benchmarks/spark_paths.py --sweep --rates
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`

BENCH = ROOT / "benchmarks"
WORK = BENCH / "data" / "spark_paths"
RESULTS = BENCH / "results"
K = 20
SIZES = (10_000, 100_000)


# --------------------------------------------------------------------------- worker functions


_SEGMENTER = None


def _segment_batches(batches: Iterator) -> Iterator:
    """``mapInPandas``: gen_id, text → doc_id, tokens (one Segmenter per Python worker)."""
    import pandas as pd

    global _SEGMENTER
    if _SEGMENTER is None:
        from zhtopics.params import load_params
        from zhtopics.segment.segmenter import Segmenter

        _SEGMENTER = Segmenter(load_params().segment)
    for batch in batches:
        tokens = [_SEGMENTER.tokens(text) if isinstance(text, str) else [] for text in batch["text"]]
        yield pd.DataFrame({"doc_id": batch["gen_id"].to_numpy(dtype=np.int64), "tokens": tokens})


# --------------------------------------------------------------------------- children


def _session(master: str, scratch: Path):
    """A local session as the pipeline starts it: no UI, no event log, loopback only."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # the workers import benchmarks.spark_paths and zhtopics from this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.eventLog.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.local.dir", str(scratch))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _tree_cpu() -> float:
    """CPU seconds (user + system) of this process and all its descendants so far: the JVM
    and the Python workers it forks included (reaped children count through the parent's
    ``children_*`` times). On a shared machine this, unlike wall time, is the work done."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for process in (me, *me.children(recursive=True)):
        try:
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


_CPU_MARK = [0.0]


def _timed(step: dict, name: str, started: float) -> float:
    """Record the wall seconds since ``started`` as ``step[name]`` and the tree's CPU seconds
    since the last mark as ``step["cpu_" + name]``."""
    now = time.perf_counter()
    step[name] = round(now - started, 2)
    cpu = _tree_cpu()
    step["cpu_" + name] = round(cpu - _CPU_MARK[0], 2)
    _CPU_MARK[0] = cpu
    return now


def child_prepare(args) -> dict:
    from pyspark.ml.feature import CountVectorizerModel
    from pyspark.sql import functions as F

    from zhtopics.params import load_params

    folder = WORK / args.tag
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict = {}
    t = time.perf_counter()
    spark = _session(args.master, WORK / "scratch")
    t = _timed(seconds, "session", t)
    texts = (
        spark.read.csv(args.corpus, header=True, multiLine=True, escape='"', schema="gen_id long, text string")
        .filter(F.col("gen_id") < args.n)
        .repartition(args.partitions, "gen_id")
    )
    tokens = texts.mapInPandas(_segment_batches, schema="doc_id long, tokens array<string>")
    tokens.write.mode("overwrite").parquet(str(folder / "tokens.parquet"))
    t = _timed(seconds, "read_segment_write", t)
    tokens = spark.read.parquet(str(folder / "tokens.parquet"))
    counted = tokens.agg(F.count("*").alias("documents"), F.sum(F.size("tokens")).alias("tokens")).first()
    documents = counted["documents"]
    extremes = load_params().segment.filter_extremes
    frequency = tokens.select(F.explode(F.array_distinct("tokens")).alias("word")).groupBy("word").count()
    kept = (
        frequency.filter((F.col("count") >= extremes.no_below) & (F.col("count") <= extremes.no_above * documents))
        .orderBy(F.desc("count"), "word")
        .limit(extremes.keep_n)
        .collect()
    )
    vocabulary = sorted(row["word"] for row in kept)
    (folder / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    t = _timed(seconds, "vocabulary", t)
    vectorizer = CountVectorizerModel.from_vocabulary(vocabulary, inputCol="tokens", outputCol="features")
    vectorizer.transform(tokens).write.format("noop").mode("overwrite").save()
    t = _timed(seconds, "bag_of_words", t)
    spark.stop()
    return {"documents": documents, "tokens": counted["tokens"], "vocabulary": len(vocabulary), "seconds": seconds}


def _nmi(folder: Path, k: int) -> dict:
    import pandas as pd

    from benchmarks.generate import PlantedTruth
    from benchmarks.recovery import document_recovery

    frame = pd.read_parquet(folder / "doc_topics.parquet").sort_values("doc_id")
    theta = frame[[f"topic_{t}" for t in range(k)]].to_numpy()
    dominant = np.where(theta.max(axis=1) > theta.min(axis=1), theta.argmax(axis=1), -1)
    truth = PlantedTruth.load(CORPUS.with_suffix(""))
    return document_recovery(truth.planted_topic[frame["doc_id"].to_numpy()], dominant)


def child_fit(args) -> dict:
    from zhtopics.params import load_params
    from zhtopics.spark.modeling import fit_topics

    source = WORK / f"prepare_{args.n}"
    folder = WORK / args.tag
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict = {}
    t = time.perf_counter()
    spark = _session(args.master, WORK / "scratch")
    t = _timed(seconds, "session", t)
    overrides = {"spark_modeling": {"path": args.path, "partitions": args.partitions}}
    if args.sample_docs:
        overrides["spark_modeling"]["sample"] = {"docs": args.sample_docs}
    params = load_params(overrides=overrides)
    vocabulary = json.loads((source / "vocabulary.json").read_text(encoding="utf-8"))
    tokens = spark.read.parquet(str(source / "tokens.parquet"))
    model = fit_topics(spark, tokens, vocabulary, K, args.seed, params.spark_modeling, params.engines)
    t = _timed(seconds, "fit_topics", t)
    model.doc_topics.write.mode("overwrite").parquet(str(folder / "doc_topics.parquet"))
    t = _timed(seconds, "doc_topics_infer_and_write", t)
    spark.read.parquet(str(folder / "doc_topics.parquet")).write.mode("overwrite").parquet(
        str(folder / "doc_topics_copy.parquet")
    )
    t = _timed(seconds, "doc_topics_write_again", t)
    spark.stop()
    np.save(folder / "topic_word.npy", model.topic_word)
    k = model.topic_word.shape[0]
    return {
        "details": model.details,
        "seconds": seconds,
        "recovery": _nmi(folder, k),
        "spark_modeling": params.spark_modeling.__repr__(),
    }


def child_sweep(args) -> dict:
    from zhtopics.modeling.select import choose_setting
    from zhtopics.modeling.sweep import run_sweep, stability_table
    from zhtopics.params import load_params
    from zhtopics.spark.modeling import fixed_partitioning, sample_input

    source = WORK / f"prepare_{args.n}"
    seconds: dict = {}
    t = time.perf_counter()
    spark = _session(args.master, WORK / "scratch")
    params = load_params(
        overrides={
            "sweep": {"engines": ["tomotopy"], "k": [10, 20, 30], "seeds": [1, 2], "processes": 2},
            "spark_modeling": {"sample": {"docs": args.sample_docs}} if args.sample_docs else {},
        }
    )
    vocabulary = json.loads((source / "vocabulary.json").read_text(encoding="utf-8"))
    tokens = fixed_partitioning(spark.read.parquet(str(source / "tokens.parquet")), params.spark_modeling.partitions)
    t = _timed(seconds, "session_and_read", t)
    data, _, total = sample_input(tokens, vocabulary, params.spark_modeling.sample.docs, 1)
    t = _timed(seconds, "sample", t)
    spark.stop()
    cache = WORK / args.tag / "sweep_cache"
    if cache.exists():
        import shutil

        shutil.rmtree(cache)
    sweep = run_sweep(data, params, cache)
    t = _timed(seconds, "sweep", t)
    stability, _ = stability_table(sweep.topic_words)
    choice = choose_setting(sweep.runs, stability, params.selection)
    t = _timed(seconds, "select", t)
    return {
        "documents": total,
        "sample_docs": data.n_docs,
        "grid": {"engines": ["tomotopy"], "k": [10, 20, 30], "seeds": [1, 2]},
        "runs": len(sweep.runs),
        "chosen": {"engine": choice["engine"], "k": int(choice["k"])},
        "rule": params.selection.rule,
        "tomotopy_iterations": params.engines["tomotopy"].iterations,
        "seconds": seconds,
        "seconds_per_run": round(seconds["sweep"] / len(sweep.runs), 2),
    }


# --------------------------------------------------------------------------- the parent


CORPUS = BENCH / "data" / "corpora" / "planted_n100000_k20_f3cf3f67b3.csv"


def measured(tag: str, argv: list[str], timeout: float) -> dict:
    """Run one child under the memory poller and merge its own JSON into the measurement."""
    from benchmarks.run import run_measured

    out = WORK / f"{tag}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--tag", tag, "--result", str(out)]
    print("  ", tag, " ".join(argv), flush=True)
    run = run_measured(command, WORK / "logs" / f"{tag}.log", timeout)
    keep = ("status", "wall_seconds", "peak_rss_tree_mib", "peak_pss_tree_mib", "max_processes")
    row = {key: run[key] for key in keep} | {"load_average_1min": run["load_average_1min"]}
    row["other_cpu_share"] = run["other_cpu_share"]
    if out.exists():
        row.update(json.loads(out.read_text(encoding="utf-8")))
    else:
        row["log_tail"] = run["log_tail"]
    print(
        "     ->", row.get("status"), row.get("wall_seconds"), "s", row.get("recovery", {}).get("nmi", ""), flush=True
    )
    return row


def matched_l1(a: np.ndarray, b: np.ndarray) -> float:
    """Mean L1 distance between topics matched one-to-one (Hungarian on L1 distances)."""
    from scipy.optimize import linear_sum_assignment

    cost = np.abs(a[:, None, :] - b[None, :, :]).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    return round(float(cost[rows, cols].mean()), 4)


def compare(tag_a: str, tag_b: str) -> dict:
    a, b = np.load(WORK / tag_a / "topic_word.npy"), np.load(WORK / tag_b / "topic_word.npy")
    if a.shape == b.shape and np.array_equal(a, b):
        return {"identical": True, "matched_mean_l1": 0.0}
    return {"identical": False, "matched_mean_l1": matched_l1(a, b) if a.shape == b.shape else None}


def main_parent(args) -> int:
    if not CORPUS.exists():
        from benchmarks.run import corpus_for

        corpus_for(100_000)
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict = {"corpus": str(CORPUS.relative_to(ROOT)), "k": K, "sizes": {}, "machine": {}}
    from benchmarks.run import machine_info

    results["machine"] = machine_info()
    timeout = args.timeout
    for n in [] if args.only_rates else args.sizes:
        entry: dict = {}
        base = ["--corpus", str(CORPUS), "--n", str(n)]
        entry["prepare"] = measured(f"prepare_{n}", ["prepare", *base, "--master", "local[2]"], timeout)
        repeats = (("p2_a", 2), ("p2_b", 2), ("p4", 4)) if n in args.repro_sizes else (("p2_a", 2),)
        for path in ("sample", "mllib"):
            runs = {}
            for label, partitions in repeats:
                tag = f"fit_{n}_{path}_{label}"
                argv = ["fit", *base, "--path", path, "--partitions", str(partitions), "--master", "local[2]"]
                runs[label] = measured(tag, argv, timeout)
            entry[path] = {"runs": runs}
            if len(runs) == 3:
                entry[path]["same_seed_same_partitions"] = compare(f"fit_{n}_{path}_p2_a", f"fit_{n}_{path}_p2_b")
                entry[path]["same_seed_2_vs_4_partitions"] = compare(f"fit_{n}_{path}_p2_a", f"fit_{n}_{path}_p4")
        results["sizes"][str(n)] = entry
        _write(results, args.merge)
    if args.rates:
        n = max(args.sizes)
        base = ["--corpus", str(CORPUS), "--n", str(n)]
        results["local1"] = {
            "prepare": measured(f"prepare_{n}_local1", ["prepare", *base, "--master", "local[1]"], timeout),
            "sample": measured(
                f"fit_{n}_sample_local1",
                ["fit", *base, "--path", "sample", "--partitions", "2", "--master", "local[1]"],
                timeout,
            ),
        }
        results["local1"]["sample_local1_vs_local2"] = compare(f"fit_{n}_sample_p2_a", f"fit_{n}_sample_local1")
        _write(results, args.merge)
    if args.sweep:
        n = max(args.sizes)
        results["sweep_on_sample"] = measured(
            f"sweep_{n}", ["sweep", "--corpus", str(CORPUS), "--n", str(n), "--master", "local[2]"], timeout
        )
        _write(results, args.merge)
    return 0


def _write(results: dict, merge: bool = False) -> None:
    """Write the JSON and the markdown; with ``merge``, over the sizes already in the JSON
    (the sizes measured by separate invocations)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "spark_paths.json"
    if merge and target.exists():
        merged = json.loads(target.read_text(encoding="utf-8"))
        sizes = {**merged.get("sizes", {}), **results["sizes"]}
        results = {**merged, **results, "sizes": dict(sorted(sizes.items(), key=lambda item: int(item[0])))}
    (RESULTS / "spark_paths.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (RESULTS / "spark_paths.md").write_text(report(results), encoding="utf-8")


def report(results: dict) -> str:
    """The measurements as markdown tables (every number from spark_paths.json)."""
    lines = [
        "# The Spark modelling paths on planted corpora (local[2])",
        "",
        "Written by `benchmarks/spark_paths.py` (do not edit: re-run it). Corpus: "
        f"`{results['corpus']}` (its first N documents), K = {results['k']}. The machine was shared "
        "with other jobs: the load average is given per run, and times are upper bounds.",
        "",
        "Each step is given as wall seconds / CPU seconds of the whole process tree (driver, JVM, "
        "Python workers); CPU seconds are what the step costs whatever the load.",
        "",
        "| N | path | partitions | run | wall s | session s | fit_topics s | doc_topics infer+write s | "
        "write again s | NMI | peak RSS tree MiB | peak PSS tree MiB | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, entry in results["sizes"].items():
        for path in ("sample", "mllib"):
            if path not in entry:
                continue
            for label, run in entry[path]["runs"].items():
                s = run.get("seconds", {})
                lines.append(
                    f"| {n} | {path} | {label[:2].lstrip('p')} | {label} | {run['wall_seconds']} | "
                    f"{_step(s, 'session')} | {_step(s, 'fit_topics')} | {_step(s, 'doc_topics_infer_and_write')} | "
                    f"{_step(s, 'doc_topics_write_again')} | {run.get('recovery', {}).get('nmi', run['status'])} | "
                    f"{run['peak_rss_tree_mib']} | {run['peak_pss_tree_mib']} | {run['load_average_1min']} |"
                )
    lines += ["", "## Reproducibility (topic-word matrices, seed 1)", ""]
    lines += ["| N | path | same seed, same partitions | same seed, 2 vs 4 partitions |", "| --- | --- | --- | --- |"]
    for n, entry in results["sizes"].items():
        for path in ("sample", "mllib"):
            if "same_seed_same_partitions" in entry.get(path, {}):
                same, other = entry[path]["same_seed_same_partitions"], entry[path]["same_seed_2_vs_4_partitions"]
                lines.append(f"| {n} | {path} | {_same(same)} | {_same(other)} |")
    lines += ["", "## Steps inside fit_topics (seconds)", ""]
    for n, entry in results["sizes"].items():
        for path in ("sample", "mllib"):
            if path in entry:
                run = entry[path]["runs"]["p2_a"]
                lines.append(f"- N = {n}, {path}: {json.dumps(run.get('details', {}).get('seconds', {}))}")
    lines += ["", "## Preparing the tokens (a stand-in for the pipeline's Spark stages)", ""]
    lines += ["| N | master | documents | vocabulary | seconds per step | wall s | peak PSS tree MiB |"]
    lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
    prepared = [(n, "local[2]", e["prepare"]) for n, e in results["sizes"].items()]
    if "local1" in results:
        prepared.append((str(max(int(n) for n in results["sizes"])), "local[1]", results["local1"]["prepare"]))
    for n, master, run in prepared:
        lines.append(
            f"| {n} | {master} | {run.get('documents', '')} | {run.get('vocabulary', '')} | "
            f"{json.dumps(run.get('seconds', {}))} | {run['wall_seconds']} | {run['peak_pss_tree_mib']} |"
        )
    if "local1" in results:
        run = results["local1"]["sample"]
        s = run.get("seconds", {})
        lines += [
            "",
            f"Sample path in local[1] at N = {max(int(n) for n in results['sizes'])}: fit_topics "
            f"{s.get('fit_topics')} s (steps {json.dumps(run.get('details', {}).get('seconds', {}))}), "
            f"doc_topics infer+write {s.get('doc_topics_infer_and_write')} s, write again "
            f"{s.get('doc_topics_write_again')} s, NMI {run.get('recovery', {}).get('nmi')}; "
            f"CPU seconds {json.dumps({key: value for key, value in s.items() if key.startswith('cpu_')})}; "
            f"topic-word matrix against local[2]: "
            f"{_same(results['local1']['sample_local1_vs_local2']) if 'sample_local1_vs_local2' in results['local1'] else ''}.",
        ]
    lines += ["", *choice_text(results)]
    if "sweep_on_sample" in results:
        run = results["sweep_on_sample"]
        lines += [
            "",
            "## The sweep over K and seeds on the sample",
            "",
            f"The project's sweep and rule (`{run.get('rule')}`) on the sample path's sample "
            f"({run.get('sample_docs')} of {run.get('documents')} documents), grid {json.dumps(run.get('grid'))}, "
            f"tomotopy {run.get('tomotopy_iterations')} iterations, 2 processes: {run.get('runs')} runs, "
            f"{json.dumps(run.get('seconds'))} s, {run.get('seconds_per_run')} s per run; chosen "
            f"{json.dumps(run.get('chosen'))}. Peak PSS of the tree {run['peak_pss_tree_mib']} MiB.",
        ]
    return "\n".join(lines) + "\n"


def choice_text(results: dict) -> list[str]:
    """The default path and the evidence for it, from the measurements (the rule: the path
    with the higher NMI at every size; it must also be the configured default)."""
    from zhtopics.params import load_params

    nmi = {
        path: {n: e[path]["runs"]["p2_a"].get("recovery", {}).get("nmi") for n, e in results["sizes"].items()}
        for path in ("sample", "mllib")
    }
    better = {n: max(("sample", "mllib"), key=lambda path: nmi[path][n] or 0.0) for n in results["sizes"]}
    winner = set(better.values()).pop() if len(set(better.values())) == 1 else None
    default = load_params().spark_modeling.path
    lines = ["## The default path", ""]
    for n in results["sizes"]:
        lines.append(f"- N = {n}: NMI sample {nmi['sample'][n]}, mllib {nmi['mllib'][n]} (higher: {better[n]}).")
    for n, entry in results["sizes"].items():
        for path in ("sample", "mllib"):
            if "same_seed_2_vs_4_partitions" in entry.get(path, {}):
                lines.append(
                    f"- N = {n}, {path}, 2 vs 4 partitions: {_same(entry[path]['same_seed_2_vs_4_partitions'])}."
                )
    largest = str(max(int(n) for n in results["sizes"]))
    runs = {path: results["sizes"][largest][path]["runs"]["p2_a"] for path in ("sample", "mllib")}
    for path, run in runs.items():
        s = run.get("seconds", {})
        cpu = (s.get("cpu_fit_topics") or 0) + (s.get("cpu_doc_topics_infer_and_write") or 0)
        lines.append(
            f"- N = {largest}, {path}: fit and doc_topics {round(cpu, 1)} CPU s, peak PSS of all processes "
            f"{run['peak_pss_tree_mib']} MiB."
        )
    verdict = (
        f"The path with the higher NMI at every size is **{winner}**; `spark_modeling.path` in params.yaml is "
        f"`{default}`" + ("." if winner == default else " — they disagree: revisit the default.")
    )
    lines += ["", verdict]
    lines += [
        "",
        "The sweep over K and seeds runs on the sample, with the project's own sweep and selection rule "
        "(`zhtopics.spark.modeling.sample_input` gives the ModelInput): the same engines, metrics, held-out "
        "evidence and consensus as on one machine, at a cost that does not grow with the corpus. As distributed "
        "MLlib jobs it would cost a full distributed fit per (K, seed), without the project's engines and "
        "evidence, and each fit would depend on the partitioning.",
    ]
    return lines


def _step(seconds: dict, name: str) -> str:
    """``wall / cpu`` of one step (the CPU part only when it was measured)."""
    if name not in seconds:
        return ""
    cpu = seconds.get("cpu_" + name)
    return f"{seconds[name]}" + (f" / {cpu}" if cpu is not None else "")


def _same(entry: dict) -> str:
    return "bit-identical" if entry["identical"] else f"differs: matched mean L1 {entry['matched_mean_l1']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="all", choices=["all", "prepare", "fit", "sweep", "report"])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--n", type=int)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--repro-sizes", type=int, nargs="*", default=[SIZES[0]], help="sizes run 3 times (reproducibility)"
    )
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--path", choices=["sample", "mllib"])
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample-docs", type=int, default=None, help="default: spark_modeling.sample.docs")
    parser.add_argument("--tag")
    parser.add_argument("--result", type=Path)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--rates", action="store_true", help="also local[1] at the largest size")
    parser.add_argument("--only-rates", action="store_true", help="local[1] only (with --rates), no sizes")
    parser.add_argument("--sweep", action="store_true", help="also the sweep on the sample")
    parser.add_argument("--merge", action="store_true", help="add to the sizes already in spark_paths.json")
    args = parser.parse_args(argv)
    if args.mode == "all":
        return main_parent(args)
    if args.mode == "report":  # the markdown again from the JSON
        results = json.loads((RESULTS / "spark_paths.json").read_text(encoding="utf-8"))
        if "local1" in results and "sample_local1_vs_local2" not in results["local1"]:
            n = max(int(n) for n in results["sizes"])
            results["local1"]["sample_local1_vs_local2"] = compare(f"fit_{n}_sample_p2_a", f"fit_{n}_sample_local1")
        _write(results)
        return 0
    child = {"prepare": child_prepare, "fit": child_fit, "sweep": child_sweep}[args.mode]
    result = child(args)
    args.result.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
