"""Render ``benchmarks/results/README.md`` from the JSON files ``benchmarks/run.py`` wrote.

Every number in the page is read from those files; nothing is measured here. The
targets (issue text) are checked here, from the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

TARGETS = {
    "segmentation_ratio": 100.0,
    "e2e_seconds_1e6": 600.0,
    "e2e_peak_mib_1e6": 4096.0,
    "per_doc_ratio_1e6_1e5": 1.5,
    "rerun_ratio": 0.10,
}
PARTS = ("segmentation_throughput", "seed_sweep", "end_to_end", "rerun")
STAGES = ("prepare", "segment", "train", "themes", "figures", "report")


def _load(results: Path) -> dict:
    parts = {}
    for part in PARTS:
        path = results / f"{part}.json"
        if path.exists():
            parts[part] = json.loads(path.read_text(encoding="utf-8"))
    return parts


def _n(value, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)):
        text = f"{value:,.{digits}f}" if digits else f"{value:,.0f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _size(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent else f"{n:,}"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _e2e(parts: dict, n_docs: int, engine: str) -> dict | None:
    for row in parts.get("end_to_end", {}).get("runs", []):
        if row["documents"] == n_docs and row["engine"] == engine:
            return row
    return None


def check_targets(parts: dict) -> list[list[str]]:
    """Rows (target, measured, verdict) of the issue's targets, from the parts' JSON."""
    rows = []
    seg = parts.get("segmentation_throughput")
    if seg:
        for text, result in seg["texts"].items():
            methods = result["methods"]
            stage = next((name for name, row in methods.items() if row.get("configured_path")), None)
            stage = stage or next((name for name, row in methods.items() if row.get("configured_stage")), None)
            if stage is None:
                continue
            base_text = seg["texts"].get(text.removesuffix("_x10")) or seg["texts"]["generated"]
            posseg = (methods.get("jieba.posseg") or base_text["methods"]["jieba.posseg"])["mb_per_s"]
            ratio = methods[stage]["ratio_to_jieba_posseg"]
            limit = TARGETS["segmentation_ratio"]
            verdict = (
                "**met**"
                if ratio >= limit
                else f"**missed** by {limit / ratio:.1f}× (needs {limit:.0f}×, has {ratio:.1f}×)"
            )
            rows.append(
                [
                    f"segmentation with POS filter ≥ {limit:.0f}× jieba.posseg ({text.replace('_', ' ')} text, "
                    f"{result['megabytes']:.0f} MB; {stage})",
                    f"{ratio:.1f}× ({methods[stage]['mb_per_s']:.2f} vs {posseg:.2f} MB/s)",
                    verdict,
                ]
            )
    e2e = parts.get("end_to_end")
    if e2e:
        engines = sorted({row["engine"] for row in e2e["runs"]})
        for engine in engines:
            big = _e2e(parts, 10**6, engine)
            limit = TARGETS["e2e_seconds_1e6"]
            if big is None:
                rows.append([f"10^6 documents end to end ≤ {limit / 60:.0f} min ({engine})", "not measured", "—"])
            elif big["status"] != "ok":
                rows.append(
                    [
                        f"10^6 documents end to end ≤ {limit / 60:.0f} min ({engine})",
                        f"{big['status']} after {big['wall_seconds']:.0f} s",
                        f"**missed** ({big['status']})",
                    ]
                )
            else:
                wall = big["wall_seconds"]
                verdict = (
                    "**met**"
                    if wall <= limit
                    else f"**missed** by {wall - limit:.0f} s ({wall / limit:.2f}× the limit)"
                )
                rows.append(
                    [
                        f"10^6 documents end to end ≤ {limit / 60:.0f} min ({engine})",
                        f"{wall:.0f} s ({wall / 60:.1f} min)",
                        verdict,
                    ]
                )
            limit = TARGETS["e2e_peak_mib_1e6"]
            if big is not None and big["peak_rss_tree_mib"]:
                rss, pss = big["peak_rss_tree_mib"], big["peak_pss_tree_mib"]
                if rss < limit:
                    verdict = "**met**"
                elif pss and pss < limit:
                    verdict = f"RSS sum over by {rss - limit:.0f} MiB, **met** by PSS (shared pages counted once)"
                else:
                    verdict = f"**missed** by {rss - limit:.0f} MiB ({rss / limit:.2f}× the limit)"
                note = " (incomplete run)" if big["status"] != "ok" else ""
                rows.append(
                    [
                        f"10^6 documents peak memory < 4 GiB ({engine})",
                        f"RSS tree {rss:,.0f} MiB, PSS tree {pss:,.0f} MiB, largest process {_n(big['peak_rss_largest_process_mib'], 0)} MiB{note}",
                        verdict,
                    ]
                )
            mid = _e2e(parts, 10**5, engine)
            limit = TARGETS["per_doc_ratio_1e6_1e5"]
            if big and mid and big.get("us_per_document") and mid.get("us_per_document"):
                ratio = big["us_per_document"] / mid["us_per_document"]
                verdict = "**met**" if ratio <= limit else f"**missed** by {ratio / limit:.2f}× ({ratio:.2f} > {limit})"
                rows.append(
                    [
                        f"time per document at 10^6 ≤ {limit}× that at 10^5 ({engine})",
                        f"{big['us_per_document']:.0f} vs {mid['us_per_document']:.0f} µs/doc = {ratio:.2f}×",
                        verdict,
                    ]
                )
            else:
                rows.append(
                    [
                        f"time per document at 10^6 ≤ {limit}× that at 10^5 ({engine})",
                        "not measured (a run is missing or failed)",
                        "—",
                    ]
                )
            quality = []
            for row in sorted((r for r in e2e["runs"] if r["engine"] == engine), key=lambda r: r["documents"]):
                documents = row.get("recovery", {}).get("documents")
                quality.append(
                    f"{_size(row['documents'])}: " + (f"NMI {documents['nmi']:.3f}" if documents else row["status"])
                )
            rows.append(
                [
                    f"planted-topic recovery at each size ({engine}; no threshold: speed must not hide a loss)",
                    "; ".join(quality),
                    "see below",
                ]
            )
    rerun = parts.get("rerun")
    if rerun:
        ratio = rerun.get("ratio_unchanged_to_cold")
        limit = TARGETS["rerun_ratio"]
        cold, again = rerun["runs"]["cold"]["wall_seconds"], rerun["runs"]["unchanged"]["wall_seconds"]
        if ratio is None:
            rows.append([f"no-change rerun of `make run` < {limit:.0%} of the cold run", "a run failed", "—"])
        else:
            verdict = (
                "**met**"
                if ratio < limit
                else f"**missed** by {ratio / limit:.1f}× ({again - limit * cold:.0f} s over {limit * cold:.0f} s)"
            )
            rows.append(
                [
                    f"no-change rerun of `make run` < {limit:.0%} of the cold run",
                    f"{again:.1f} s / {cold:.1f} s = {ratio:.1%}",
                    verdict,
                ]
            )
    return rows


def _stage_cells(run: dict, stages: tuple[str, ...]) -> list[str]:
    by_name = {stage["stage"]: stage for stage in run.get("stages", [])}
    cells = []
    for name in stages:
        stage = by_name.get(name)
        if stage is None:
            cells.append("—")
        elif stage.get("skipped"):
            cells.append("skipped (unchanged)")
        else:
            cells.append(
                f"{stage['seconds']:,.1f} s / {stage['peak_rss_tree_mib']:,.0f} / {stage.get('peak_pss_tree_mib', 0):,.0f} MiB"
            )
    return cells


def _run_rows(runs: dict, stages) -> list[list[str]]:
    """Table rows of labelled runs: status, wall time, other load, peak memory, stage cells."""
    return [
        [
            label,
            run["status"],
            f"{run['wall_seconds']:.1f}",
            _pct(run.get("other_cpu_share")),
            f"{run['peak_rss_tree_mib']:,.0f}",
            f"{run['peak_pss_tree_mib']:,.0f}",
            *_stage_cells(run, stages),
            _n(run.get("unlogged_seconds"), 1),
        ]
        for label, run in runs.items()
    ]


def render(results: Path) -> str:
    parts = _load(Path(results))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`) from the JSON files in this folder "
        "(`benchmarks/report.py` renders them; do not edit by hand). Units: s = seconds of wall time, "
        'MB = 10^6 bytes, MiB = 2^20 bytes, µs/doc = wall time per input document. "Other load" is the share '
        "of the machine's CPU time (all cores) that other processes used during a run: the machine is shared, and "
        "wall times measured under load are pessimistic.",
        "",
    ]
    if not parts:
        return "\n".join(lines + ["No results yet: run `make bench`."]) + "\n"
    first = next(iter(parts.values()))
    machine = first["machine"]
    run_ids = sorted({part["run_id"] for part in parts.values()})
    lines += [
        f"- Run: {', '.join(run_ids)} (UTC){'' if len(run_ids) == 1 else ' — the parts come from different runs'}; "
        f"command `{first['command']}`",
        f"- Machine: {machine['cpu_model']}, {machine['nproc']} CPUs ({machine['usable_cpus']} usable), "
        f"{machine['ram_gib']} GiB RAM, Python {machine['python']}, {machine['platform']}",
        f"- Code: git {machine['git_commit']}"
        + (
            f" with uncommitted changes to {', '.join(machine['uncommitted_pipeline_changes'])}"
            if machine["uncommitted_pipeline_changes"]
            else ""
        ),
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v),
        "",
        "## Targets",
        "",
        *_table(["target", "measured", "verdict"], check_targets(parts)),
        "",
    ]
    seg = parts.get("segmentation_throughput")
    if seg:
        lines += [
            "## Segmentation throughput",
            "",
            seg["note"]
            + (
                f" Other processes used {_pct(seg.get('other_cpu_share'))} of the machine's CPU time during this part."
                if seg.get("other_cpu_share") is not None
                else ""
            ),
            "",
        ]
        for text, result in seg["texts"].items():
            note = f"; {result['note']}" if result.get("note") else ""
            lines += [f"**{text}** ({result['documents']:,} documents, {result['megabytes']:.2f} MB{note}):", ""]
            rows = [
                [
                    name,
                    f"{row['mb_per_s']:.3f}",
                    f"{row['ratio_to_jieba_posseg']:.2f}×",
                    f"{row['seconds']:.2f}",
                    row["runs"],
                    _n(row.get("init_seconds"), 2),
                ]
                for name, row in result["methods"].items()
            ]
            lines += _table(["method", "MB/s", "× jieba.posseg", "seconds (best run)", "runs", "init s"], rows) + [""]
        params = seg["segment_params"]
        lines += [
            "Configured `segment` parameters: "
            + ", ".join(
                f"`{key}: {json.dumps(params[key], ensure_ascii=False)}`"
                for key in params
                if key not in ("filter_extremes", "phrases")
            ),
            "",
        ]
    sweep = parts.get("seed_sweep")
    if sweep:
        lines += [
            "## Default sweep on the seed corpus",
            "",
            "`zhtopics run data/raw --out <fresh folder> --no-figures --no-report -v` (cold), then the same folder again "
            "(unchanged: stages whose inputs, parameters and code are unchanged are skipped), then with `--force` "
            "when the CLI has it (every stage reruns; the sweep reads its per-run cache). Stage cells: seconds / "
            "peak RSS / peak PSS of the process tree during the stage, in MiB.",
            "",
        ]
        rows = _run_rows(sweep["runs"], ("prepare", "segment", "train", "themes"))
        lines += _table(
            [
                "run",
                "status",
                "wall s",
                "other load",
                "peak RSS tree MiB",
                "peak PSS tree MiB",
                "prepare",
                "segment",
                "train (sweep + final)",
                "themes",
                "rest s (start-up, summary, exit)",
            ],
            rows,
        )
        lines += [
            "",
            "Wall time / cold run: "
            + "; ".join(f"{label} {100 * ratio:.1f} %" for label, ratio in sweep.get("ratio_to_cold", {}).items())
            + ".",
            "",
        ]
    e2e = parts.get("end_to_end")
    if e2e:
        generator = e2e["generator"]
        survival = e2e["segmentation_survival"]
        lines += [
            "## End to end on generated corpora",
            "",
            f"`zhtopics run corpus.csv --text-column text --k {e2e['k']} --config bench_<engine>.yaml --no-figures --no-report -v`, "
            "one fresh output folder per run. Corpus: `benchmarks/generate.py` with "
            + ", ".join(f"{k}={v}" for k, v in generator.items())
            + f" (K = {generator['k']} planted topics, {generator['vocabulary_size']} planted words from jieba's dictionary). "
            "Memory: RSS tree = largest sum of RSS over the process and its workers (polled every 0.2 s; an upper bound, "
            "shared pages counted in every process), PSS tree = the same with shared pages split, "
            "largest process = kernel's ru_maxrss of the biggest single process.",
            "",
        ]
        rows = []
        for run in e2e["runs"]:
            rec = run.get("recovery", {})
            docs, topics = rec.get("documents"), rec.get("topics")
            rows.append(
                [
                    _size(run["documents"]),
                    run["engine"],
                    run["status"],
                    f"{run['wall_seconds']:,.1f}",
                    _n(run.get("us_per_document"), 0),
                    _pct(run.get("other_cpu_share")),
                    f"{run['peak_rss_tree_mib']:,.0f}",
                    f"{run['peak_pss_tree_mib']:,.0f}",
                    _n(run.get("peak_rss_largest_process_mib"), 0),
                    _n(docs and docs["nmi"], 3),
                    _n(docs and docs.get("oracle_on_first_documents", {}).get("oracle_nmi"), 3),
                    _n(docs and docs["ari"], 3),
                    _n(docs and docs["matched_accuracy"], 3),
                    _n(topics and topics["mean_matched_cosine"], 3),
                    _n(topics and topics["min_matched_cosine"], 3),
                    _n(topics and topics["top10_purity"], 2),
                    _n(topics and topics["planted_vocabulary_kept"], 3),
                ]
            )
        lines += _table(
            [
                "documents",
                "engine",
                "status",
                "wall s",
                "µs/doc",
                "other load",
                "peak RSS tree MiB",
                "peak PSS tree MiB",
                "largest process MiB",
                "NMI",
                "oracle NMI (first 10^4 docs)",
                "ARI",
                "matched accuracy",
                "mean matched cosine",
                "min matched cosine",
                "top-10 purity",
                "planted words in Dictionary",
            ],
            rows,
        )
        lines += [
            "",
            "Recovery: NMI / ARI / matched accuracy compare each document's planted dominant topic (the topic "
            "that produced most of its words) with `doc_topics.csv`'s `dominant_topic`; the oracle NMI is what the planted "
            "topic-word distributions themselves achieve on the first 10^4 documents (each word votes for topics with "
            "its planted probabilities): the ceiling, below 1 because ~25-word documents mix topics (alpha 0.1, K 20); "
            "cosine compares planted and fitted topic-word distributions "
            "after one-to-one (Hungarian) matching; top-10 purity is the share of a fitted topic's top 10 words "
            "planted in its matched topic. See `benchmarks/recovery.py`.",
            "",
            "Where the time and memory go (stage cells: seconds / peak RSS tree / peak PSS tree in MiB during the stage; `train` holds the sweep "
            "— one fit plus coherence — and the final model, fitted again or reused from the sweep):",
            "",
        ]
        rows = []
        for run in e2e["runs"]:
            fits = run.get("fit_seconds", {})
            train = next((s["seconds"] for s in run.get("stages", []) if s["stage"] == "train"), None)
            rest = None
            if train is not None and fits.get("sweep_fit") is not None and fits.get("final_fit") is not None:
                rest = train - fits["sweep_fit"] - fits["final_fit"]
            segment = next((s for s in run.get("stages", []) if s["stage"] == "segment" and not s.get("skipped")), None)
            text_bytes = run["generation"].get("text_bytes")
            speed = text_bytes / 1e6 / segment["seconds"] if segment and text_bytes and segment["seconds"] else None
            rows.append(
                [
                    _size(run["documents"]),
                    run["engine"],
                    _n(run.get("startup_seconds"), 1),
                    *_stage_cells(run, ("prepare", "segment")),
                    _n(speed, 2),
                    *_stage_cells(run, ("train",)),
                    _n(fits.get("sweep_fit"), 1),
                    "reused" if fits.get("final_model") == "reused from the sweep" else _n(fits.get("final_fit"), 1),
                    _n(rest, 1),
                    *_stage_cells(run, ("themes",)),
                    _n(run.get("unlogged_seconds"), 1),
                ]
            )
        lines += _table(
            [
                "documents",
                "engine",
                "start-up s",
                "prepare",
                "segment",
                "segment stage MB/s",
                "train",
                "sweep fit s",
                "final fit s",
                "train other s (coherence, load, write)",
                "themes",
                "rest s (start-up, summary, exit)",
            ],
            rows,
        )
        largest = max(run["documents"] for run in e2e["runs"])
        for run in e2e["runs"]:
            profile = run.get("profile")
            if run["documents"] != largest or not profile:
                continue
            peak = profile.get("peak_at") or {}
            lines += [
                "",
                f"Sampled profile of the {_size(largest)} run, {run['engine']} (`benchmarks/sample_stages.py`: the main "
                f"thread's stack every {profile['interval']} s; peak PSS tree {_n(profile['peak_pss_tree_mib'], 0)} MiB "
                f"at {_n(peak.get('seconds'), 0)} s in `{' > '.join(peak.get('stack', [])[2:])}` → `{peak.get('leaf')}`). "
                "Inclusive: time with the function on the stack; exclusive: innermost zhtopics function → innermost frame "
                "(`threading.py:wait` = waiting for worker processes):",
                "",
            ]
            inclusive = [
                [
                    f"`{row['function']}`",
                    f"{row['seconds']:,.1f}",
                    f"{row['share']:.1%}",
                    f"{row['peak_pss_tree_mib']:,}",
                ]
                for row in profile["inclusive"]
                if not row["function"].startswith("cli.main")
            ][:18]
            exclusive = [
                [
                    f"`{row['function']}`",
                    f"{row['seconds']:,.1f}",
                    f"{row['share']:.1%}",
                    f"{row['peak_pss_tree_mib']:,}",
                ]
                for row in profile["exclusive"]
            ][:12]
            lines += _table(["inclusive", "s", "share", "peak PSS tree MiB"], inclusive) + [""]
            lines += _table(["exclusive", "s", "share", "peak PSS tree MiB"], exclusive)
        lines += ["", "Generated corpora:", ""]
        seen = set()
        rows = []
        for run in e2e["runs"]:
            if run["corpus"] in seen:
                continue
            seen.add(run["corpus"])
            g = run["generation"]
            rows.append(
                [
                    _size(run["documents"]),
                    f"`{run['corpus']}`",
                    _n(g.get("mean_chars_per_doc"), 1),
                    _n(g.get("bytes") and g["bytes"] / 1e6, 1),
                    _n(g.get("generate_seconds"), 1),
                ]
            )
        lines += _table(["documents", "file", "mean characters per document", "MB", "generation s"], rows)
        lines += [
            "",
            f"Planted words surviving segmentation (project `Segmenter`, first {survival['documents']:,} documents): "
            f"token recall {survival['token_recall']:.2%}, token precision {survival['token_precision']:.2%}, "
            f"{survival['vocabulary_survival']:.2%} of the planted words seen come out whole at least once. "
            "Most often lost: "
            + ", ".join(f"{w} ({c})" for w, c in survival["lost_words"][:8])
            + "; most frequent tokens that are not planted words: "
            + ", ".join(f"{w} ({c})" for w, c in survival["foreign_tokens"][:8])
            + ".",
            "",
            "Configuration of the runs (`--config`, merged over `params.yaml`; `--k 20` fixes K):",
            "",
        ]
        for _engine, config in e2e["configs"].items():
            lines += [f"`{config['file']}`:", "", "```yaml", config["yaml"].rstrip(), "```", ""]
    rerun = parts.get("rerun")
    if rerun:
        lines += [
            "## No-change rerun of `make run`",
            "",
            "`zhtopics run data/raw --out <fresh folder>` with figures and reports (what `make run` runs, without "
            "`--readme`), then again on the unchanged folder.",
            "",
        ]
        rows = _run_rows(rerun["runs"], STAGES)
        lines += _table(
            [
                "run",
                "status",
                "wall s",
                "other load",
                "peak RSS tree MiB",
                "peak PSS tree MiB",
                *STAGES,
                "rest s (start-up, summary, exit)",
            ],
            rows,
        )
        lines += [
            "",
            f"Unchanged / cold: {_n(rerun['ratio_unchanged_to_cold'] and 100 * rerun['ratio_unchanged_to_cold'], 1, '%')}.",
            "",
        ]
    agreement = Path(results) / "segmentation_agreement.md"
    if agreement.exists():
        lines += [
            "## Segmentation agreement",
            "",
            "See [segmentation_agreement.md](segmentation_agreement.md) (written by "
            "`benchmarks/segmentation_agreement.py`, a separate run).",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
