"""The ``zhtopics`` command line: one subcommand per stage, and ``run`` for all of them.

Examples
--------
::

    zhtopics run data/raw --out .                      # what `make run` does
    zhtopics run posts.csv --out work/ --text-column content --group-column user
    zhtopics prepare articles/ --out work/             # stage 1 only
    zhtopics segment --out work/                       # stage 2, from stage 1's table
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from zhtopics import __version__
from zhtopics.config import OutputPaths, ZhtopicsError, load_params

logger = logging.getLogger("zhtopics")


def _overrides(args: argparse.Namespace) -> dict:
    """Map command-line flags onto the parameters (input flags → corpus, --k → sweep.k)."""
    overrides = {}
    if getattr(args, "k", None) is not None:
        overrides["sweep"] = {"k": [args.k]}
    corpus = {}
    for flag, key in (("text_column", "text_column"), ("id_column", "id_column"),
                      ("group_column", "group_column"), ("encoding", "encoding"), ("txt_format", "txt_format")):
        value = getattr(args, flag, None)
        if value is not None:
            corpus[key] = value
    if corpus:
        overrides["corpus"] = corpus
    return overrides


def _say(args: argparse.Namespace, message: str) -> None:
    """Print a stage's one-line summary (not with ``--quiet``)."""
    if not args.quiet:
        print(message)


def cmd_prepare(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.corpus import prepare_corpus, write_prepared

    prepared = prepare_corpus(args.input, params["corpus"])
    write_prepared(prepared, paths)
    for _, source in prepared.sources.iterrows():
        _say(args, f"read {source['source_file']}: {source['format']}, encoding {source['encoding']}, "
              f"{source['articles']} articles, {source['paragraphs']} paragraphs")
    _say(args, f"wrote {paths.documents} ({len(prepared.documents)} paragraphs) and "
          f"{paths.removed} ({len(prepared.removed)} removals with reasons)")


def cmd_segment(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.segment import segment_corpus

    summary = segment_corpus(paths, params["segment"])
    _say(args, f"wrote {paths.processed}/: {summary['documents']} documents, {summary['tokens_in_dictionary']} tokens, "
          f"vocabulary {summary['vocabulary']}")


def _sweep(args: argparse.Namespace, params: dict, paths: OutputPaths):
    """Run (or read from the cache) the sweep; write sweep.csv and stability.csv."""
    from zhtopics.engines import ModelInput
    from zhtopics.sweep import run_sweep, stability_table

    data = ModelInput.load(paths)
    runs, topic_words = run_sweep(data, params, paths.sweep_cache)
    stability, typicality = stability_table(topic_words)
    paths.results.mkdir(parents=True, exist_ok=True)
    runs.to_csv(paths.results / "sweep.csv", index=False)
    stability.to_csv(paths.results / "stability.csv", index=False)
    return data, runs, stability, typicality


def cmd_sweep(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    _, runs, stability, _ = _sweep(args, params, paths)
    _say(args, f"wrote {paths.results}/sweep.csv ({len(runs)} runs: {runs['engine'].nunique()} engines, "
               f"K {runs['k'].min()}-{runs['k'].max()}, {runs['seed'].nunique()} seeds) and stability.csv")


def cmd_train(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.train import train_final, write_results

    data, runs, stability, typicality = _sweep(args, params, paths)
    choice, models = train_final(data, params, runs, stability, typicality, paths, force_k=getattr(args, "k", None))
    write_results(choice, models, data, paths, runs, params["train"]["topn"])
    chosen = models[choice["engine"]]
    _say(args, f"chose {choice['engine']} at K={choice['k']} (seed {chosen.seed}; mean {choice['metric']} "
               f"{choice['chosen_metric_mean']:.3f}, best {choice['best']['metric_mean']:.3f} at "
               f"{choice['best']['engine']} K={choice['best']['k']}); wrote {paths.models}/ and {paths.results}/")


def cmd_themes(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    import json

    from zhtopics.engines import ModelInput
    from zhtopics.themes import run_themes

    choice_file = paths.results / "model_choice.json"
    if not choice_file.exists():
        raise ZhtopicsError(f"{choice_file}: not found; run `zhtopics train` first")
    choice = json.loads(choice_file.read_text(encoding="utf-8"))
    summary = run_themes(ModelInput.load(paths), params, paths, choice)
    _say(args, "topics: " + "; ".join(f"{i}: {label}" for i, label in enumerate(summary["labels"])))


def cmd_figures(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.figures import write_figures
    from zhtopics.topic_map import write_topic_map

    written = write_figures(paths, params)
    topic_map = write_topic_map(paths, params)
    _say(args, f"wrote {len(written)} figure files and {topic_map.name} to {paths.root / 'figures'}/")


def cmd_report(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.report import write_reports

    reports = write_reports(paths, params)
    _say(args, f"wrote {len(reports)} reports and index.html to {paths.root / 'reports'}/")


def cmd_summary(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.summary import render_summary, update_readme

    summary = render_summary(paths)
    (paths.results / "summary.md").write_text(summary + "\n", encoding="utf-8")
    message = f"wrote {paths.results}/summary.md"
    if getattr(args, "readme", None):
        changed = update_readme(args.readme, summary)
        message += f"; {args.readme} {'updated' if changed else 'unchanged'}"
    _say(args, message)


def _stage_plan(args: argparse.Namespace, params: dict, paths: OutputPaths) -> list[dict]:
    """What each stage of ``run`` reads and writes, for skipping unchanged stages (cache.py).

    ``inputs`` and ``outputs`` are functions: they are listed when the stage is reached and
    after it ran, since a stage reads what the stages before it have just written."""
    from zhtopics.config import resolve

    results, models = paths.results, paths.models
    segment_params = params["segment"]
    lexicon = [resolve(segment_params[key]) for key in ("userdict", "stopwords_file", "allowlist") if segment_params.get(key)]

    def model_dirs(prefix: str) -> list[Path]:
        return sorted(p for p in models.glob("*_k*") if p.name.startswith("guided_") == (prefix == "guided_"))

    train_files = ["sweep.csv", "stability.csv", "model_choice.json", "topics.csv", "doc_topics.csv",
                   "article_topics.csv", "engine_comparison.csv"]
    plan = [
        {"name": "prepare", "run": cmd_prepare, "inputs": lambda: [args.input], "params": params["corpus"],
         "code": ["config.py", "corpus.py"], "outputs": lambda: [paths.interim]},
        {"name": "segment", "run": cmd_segment, "inputs": lambda: [paths.documents, *lexicon],
         # processes and chunk_size change how fast, not what: they do not re-run the stage
         "params": {k: v for k, v in segment_params.items() if k not in ("processes", "chunk_size")},
         "code": ["config.py", "corpus.py", "segment.py"], "outputs": lambda: [paths.processed]},
        {"name": "train", "run": cmd_train, "inputs": lambda: [paths.tokens, paths.dictionary, paths.documents, paths.removed],
         "params": {key: params[key] for key in ("engines", "sweep", "selection", "train")},
         "code": ["engines.py", "sweep.py", "train.py"],
         "outputs": lambda: [*(results / name for name in train_files), *results.glob("topics_*.csv"), *model_dirs("")]},
        {"name": "themes", "run": cmd_themes,
         "inputs": lambda: [paths.tokens, paths.dictionary, paths.documents, *(results / name for name in train_files),
                            *model_dirs(""), resolve(params["themes"]["file"])],
         "params": {key: params[key] for key in ("themes", "engines", "sweep")},
         "code": ["engines.py", "sweep.py", "train.py", "themes.py"],
         "outputs": lambda: [*(results.glob(name) for name in ("topic_labels.csv", "topic_evidence.csv",
                                                                 "theme_seed_coverage.csv", "guided_*")),
                             *model_dirs("guided_")]},
    ]
    def upstream() -> list[Path]:
        # Everything stages 1-5 wrote (summary.md is written last, from these).
        return [paths.interim, paths.processed, models, *(p for p in results.glob("*") if p.name != "summary.md")]

    if not args.no_figures:
        plan.append({"name": "figures", "run": cmd_figures, "inputs": lambda: upstream() + [resolve(params["figures"]["glossary"])],
                     "params": {"figures": params["figures"], "topic_map": params["topic_map"]},
                     "code": ["figures.py", "zhtopics.mplstyle", "topic_map.py", "results.py"],
                     "outputs": lambda: [paths.root / "figures"]})
    if not args.no_report:
        from zhtopics.report import NOTEBOOKS

        plan.append({"name": "report", "run": cmd_report, "inputs": lambda: upstream() + [NOTEBOOKS],
                     "params": {"segment": segment_params},
                     "code": ["report.py", "figures.py", "zhtopics.mplstyle", "topic_map.py", "results.py",
                              "templates/offline/index.html.j2"],
                     "outputs": lambda: [paths.root / "reports"]})
    return plan


def _flatten(outputs) -> list[Path]:
    flat = []
    for item in outputs:
        flat += list(item) if not isinstance(item, Path) else [item]
    return flat


def cmd_run(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    """Every stage in order; a stage whose inputs, parameters and code are unchanged since
    its last run (and whose outputs are untouched) is skipped, unless ``--force``."""
    from zhtopics.cache import StageCache

    cache = StageCache(paths.root / ".cache" / "stages")
    for stage in _stage_plan(args, params, paths):
        name = stage["name"]
        # Inputs are listed when the stage is reached: upstream stages may have just written them.
        key = cache.key([Path(p) for p in stage["inputs"]()], stage["params"], stage["code"])
        if not args.force and cache.is_fresh(name, key):
            _say(args, f"{name}: unchanged since the last run, skipped")
            continue
        started = time.perf_counter()
        stage["run"](args, params, paths)
        # Outputs are listed after the stage ran: it may create them (e.g. models/<engine>_k<K>/).
        cache.record(name, key, _flatten(stage["outputs"]()))
        logger.info("%s finished in %.1f s", name, time.perf_counter() - started)
    cmd_summary(args, params, paths)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhtopics", description="Topic models of Chinese texts.")
    parser.add_argument("--version", action="version", version=f"zhtopics {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    common.add_argument("--config", type=Path, help="YAML file with parameters to change (see params.yaml)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: libraries too)")
    common.add_argument("-q", "--quiet", action="store_true", help="only errors")
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("input", type=Path, help=".txt file, folder of .txt files, or .csv/.tsv/.jsonl/.parquet table")
    inputs.add_argument("--text-column", help="table column holding the text (default: 'text')")
    inputs.add_argument("--id-column", help="table column with a unique id per row")
    inputs.add_argument("--group-column", help="table column grouping rows (article, author, ...)")
    inputs.add_argument("--encoding", help="input encoding (default: detect UTF-8, GB18030/GBK, Big5)")
    inputs.add_argument("--format", dest="txt_format", choices=["auto", "docshare", "lines"],
                        help="how to read .txt files (default: corpus.txt_format in params.yaml)")
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument("--k", type=int, help="fix the number of topics (the sweep runs only this K)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("prepare", parents=[inputs, common], help="stage 1: read and clean input into data/interim/")
    sub.add_parser("segment", parents=[common], help="stage 2: tokens, Dictionary and bag of words into data/processed/")
    sub.add_parser("sweep", parents=[model, common], help="stage 3: engines x K x seeds, coherence and stability into results/")
    sub.add_parser("train", parents=[model, common], help="stage 4: choose engine and K, fit the final models into models/")
    sub.add_parser("themes", parents=[common], help="stage 5: name topics, evidence paragraphs, guided model")
    summary = sub.add_parser("summary", parents=[common], help="results/summary.md (and README findings) from results/")
    summary.add_argument("--readme", type=Path, help="also replace the findings section of this README")
    run = sub.add_parser("run", parents=[inputs, model, common], help="every stage, from the input to the last output")
    run.add_argument("--readme", type=Path, help="also replace the findings section of this README")
    run.add_argument("--no-figures", action="store_true", help="skip the figures and the topic map")
    run.add_argument("--no-report", action="store_true", help="skip executing the notebooks into reports/")
    run.add_argument("--force", action="store_true", help="run every stage even if nothing changed")
    sub.add_parser("figures", parents=[common], help="stage 6: figures/ (PNG, SVG) and the offline topic map")
    sub.add_parser("report", parents=[common], help="stage 7: execute notebooks/ into self-contained reports/*.html")
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Default: the stages print a short summary and log warnings; ``-v`` logs each step,
    ``-vv`` adds debug messages and the libraries' (gensim's) own logging."""
    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.INFO if verbose >= 2 else logging.WARNING)
    logging.getLogger("zhtopics").setLevel(level)


COMMANDS = {"prepare": cmd_prepare, "segment": cmd_segment, "sweep": cmd_sweep, "train": cmd_train,
            "themes": cmd_themes, "figures": cmd_figures, "report": cmd_report, "summary": cmd_summary, "run": cmd_run}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``zhtopics``; returns the exit status (2 for a user error)."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        params = load_params(args.config, _overrides(args))
        COMMANDS[args.command](args, params, OutputPaths(args.out))
    except ZhtopicsError as error:
        print(f"zhtopics: error: {error}", file=sys.stderr)
        return 2
    except (PermissionError, IsADirectoryError) as error:
        print(f"zhtopics: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zhtopics: interrupted", file=sys.stderr)
        return 130
    return 0
