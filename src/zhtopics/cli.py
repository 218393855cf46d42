"""The ``zhtopics`` command line: one subcommand per stage, and ``run`` for all of them.

Examples
--------
::

    zhtopics run data/raw --out .                      # what `make run` does
    zhtopics run posts.csv --out work/ --text-column content --group-column user
    zhtopics prepare articles/ --out work/             # stage 1 only
    zhtopics segment --out work/                       # stage 2, from stage 1's table
    zhtopics verify work/results/run_manifest.json     # re-run a recorded run, compare every file

Exit status: 0 success; 1 an internal error (a bug: one line, ``-v`` shows the traceback)
or, for ``verify``, outputs that differ from the manifest; 2 bad input or parameters
(one line naming the file and the problem), or an output folder in use by another run;
130 interrupted (Ctrl-C).

Commands that write take a lock on ``<out>/.zhtopics.lock`` (:func:`output_lock`): a
second run on the same folder stops at once instead of mixing its files with the first's.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from zhtopics import __version__
from zhtopics.atomic import is_temporary, remove_temporaries, write_csv
from zhtopics.config import OutputPaths, ZhtopicsError, load_params

logger = logging.getLogger("zhtopics")

LOCK_NAME = ".zhtopics.lock"
#: Commands that leave results/ and figures/ as they are (or rewrite summary.md from them):
#: the run manifest still describes the folder after them. Every other command removes it.
KEEP_MANIFEST = {"summary", "report"}
#: Folders below ``--out`` that zhtopics writes (leftover temporary files are removed from them).
OUTPUT_FOLDERS = ("data/interim", "data/processed", ".cache", "models", "results", "figures", "reports")
#: OSError numbers that are the user's environment, not a bug: exit status 2 with one line.
USER_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.ENOSPC,
    errno.EROFS,
    errno.EDQUOT,
    errno.ENAMETOOLONG,
    errno.ELOOP,
}


def _overrides(args: argparse.Namespace) -> dict:
    """Map command-line flags onto the parameters (input flags → corpus, --k → sweep.k)."""
    overrides = {}
    if getattr(args, "k", None) is not None:
        overrides["sweep"] = {"k": [args.k]}
    corpus = {}
    for flag, key in (
        ("text_column", "text_column"),
        ("id_column", "id_column"),
        ("group_column", "group_column"),
        ("encoding", "encoding"),
        ("txt_format", "txt_format"),
    ):
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
    from zhtopics.corpus import altered_path, prepare_corpus, write_prepared

    prepared = prepare_corpus(args.input, params["corpus"])
    write_prepared(prepared, paths)
    for _, source in prepared.sources.iterrows():
        if source.get("status", "ok") in ("ok", "warning"):
            _say(
                args,
                f"read {source['source_file']}: {source['format']}, encoding {source['encoding']}, "
                f"{source['articles']} articles, {source['paragraphs']} paragraphs"
                + (f" ({source['problem']})" if source.get("status") == "warning" else ""),
            )
        else:
            _say(args, f"{source['source_file']}: {source['status']}: {source['problem']}")
    altered = (
        f", {altered_path(paths)} ({len(prepared.altered)} changed, with the original text)"
        if getattr(prepared, "altered", None) is not None and len(prepared.altered)
        else ""
    )
    _say(
        args,
        f"wrote {paths.documents} ({len(prepared.documents)} paragraphs) and "
        f"{paths.removed} ({len(prepared.removed)} removals with reasons){altered}",
    )


def cmd_segment(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.segment import segment_corpus

    summary = segment_corpus(paths, params["segment"])
    _say(
        args,
        f"wrote {paths.processed}/: {summary['documents']} documents, {summary['tokens_in_dictionary']} tokens, "
        f"vocabulary {summary['vocabulary']}",
    )


def _sweep(args: argparse.Namespace, params: dict, paths: OutputPaths):
    """Run (or read from the cache) the sweep; write sweep.csv and stability.csv."""
    from zhtopics.engines import ModelInput
    from zhtopics.sweep import run_sweep, stability_table

    data = ModelInput.load(paths)
    runs, topic_words = run_sweep(data, params, paths.sweep_cache)
    stability, typicality = stability_table(topic_words)
    for table, name in ((runs, "sweep.csv"), (stability, "stability.csv")):
        write_csv(table, paths.results / name)
    return data, runs, stability, typicality


def cmd_sweep(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    _, runs, stability, _ = _sweep(args, params, paths)
    _say(
        args,
        f"wrote {paths.results}/sweep.csv ({len(runs)} runs: {runs['engine'].nunique()} engines, "
        f"K {runs['k'].min()}-{runs['k'].max()}, {runs['seed'].nunique()} seeds) and stability.csv",
    )


def cmd_train(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    from zhtopics.train import train_final, write_results

    data, runs, stability, typicality = _sweep(args, params, paths)
    choice, models = train_final(data, params, runs, stability, typicality, paths, force_k=getattr(args, "k", None))
    write_results(choice, models, data, paths, runs, params["train"]["topn"])
    chosen = models[choice["engine"]]
    _say(
        args,
        f"chose {choice['engine']} at K={choice['k']} (seed {chosen.seed}; mean {choice['metric']} "
        f"{choice['chosen_metric_mean']:.3f}, best {choice['best']['metric_mean']:.3f} at "
        f"{choice['best']['engine']} K={choice['best']['k']}); wrote {paths.models}/ and {paths.results}/",
    )


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
    from zhtopics.report import render_summary, update_readme, write_summary

    summary = render_summary(paths)
    write_summary(paths, summary)
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
    lexicon = [
        resolve(segment_params[key]) for key in ("userdict", "stopwords_file", "allowlist") if segment_params.get(key)
    ]

    def model_dirs(prefix: str) -> list[Path]:
        return sorted(
            p
            for p in models.glob("*_k*")
            if p.name.startswith("guided_") == (prefix == "guided_") and not is_temporary(p)
        )

    train_files = [
        "sweep.csv",
        "stability.csv",
        "model_choice.json",
        "topics.csv",
        "doc_topics.csv",
        "article_topics.csv",
        "engine_comparison.csv",
    ]
    topic_map_code = [
        "topic_map/__init__.py",
        "topic_map/ldavis.py",
        "topic_map/assets.py",
        "topic_map/fonts.py",
        "topic_map/page.py",
        "html_audit.py",
    ]
    plan = [
        {
            "name": "prepare",
            "run": cmd_prepare,
            "inputs": lambda: [args.input],
            "params": params["corpus"],
            "code": ["config.py", "corpus.py", "encodings.py"],
            "outputs": lambda: [paths.interim],
        },
        {
            "name": "segment",
            "run": cmd_segment,
            "inputs": lambda: [paths.documents, *lexicon],
            # processes and chunk_size change how fast, not what: they do not re-run the stage
            "params": {k: v for k, v in segment_params.items() if k not in ("processes", "chunk_size")},
            "code": ["config.py", "corpus.py", "encodings.py", "segment.py"],
            "outputs": lambda: [paths.processed],
        },
        {
            "name": "train",
            "run": cmd_train,
            "inputs": lambda: [paths.tokens, paths.dictionary, paths.documents, paths.removed],
            "params": {key: params[key] for key in ("engines", "sweep", "selection", "train")},
            "code": ["engines.py", "sweep.py", "train.py"],
            "outputs": lambda: [
                *(results / name for name in train_files),
                *results.glob("topics_*.csv"),
                *model_dirs(""),
            ],
        },
        {
            "name": "themes",
            "run": cmd_themes,
            "inputs": lambda: [
                paths.tokens,
                paths.dictionary,
                paths.documents,
                *(results / name for name in train_files),
                *model_dirs(""),
                resolve(params["themes"]["file"]),
            ],
            "params": {key: params[key] for key in ("themes", "engines", "sweep")},
            "code": ["engines.py", "sweep.py", "train.py", "themes.py"],
            "outputs": lambda: [
                *(
                    results.glob(name)
                    for name in ("topic_labels.csv", "topic_evidence.csv", "theme_seed_coverage.csv", "guided_*")
                ),
                *model_dirs("guided_"),
            ],
        },
    ]

    def upstream() -> list[Path]:
        # Everything stages 1-5 wrote (summary.md and the run manifest are written last, from these).
        return [
            paths.interim,
            paths.processed,
            models,
            *(p for p in results.glob("*") if p.name not in ("summary.md", "run_manifest.json")),
        ]

    if not args.no_figures:
        plan.append(
            {
                "name": "figures",
                "run": cmd_figures,
                "inputs": lambda: upstream() + [resolve(params["figures"]["glossary"])],
                "params": {"figures": params["figures"], "topic_map": params["topic_map"]},
                "code": ["figures.py", "zhtopics.mplstyle", *topic_map_code, "results.py"],
                "outputs": lambda: [paths.root / "figures"],
            }
        )
    if not args.no_report:
        from zhtopics.report import NOTEBOOKS

        plan.append(
            {
                "name": "report",
                "run": cmd_report,
                "inputs": lambda: upstream() + [NOTEBOOKS],
                "params": {"segment": segment_params},
                "code": [
                    "report/__init__.py",
                    "report/execute.py",
                    "report/safety.py",
                    "figures.py",
                    "zhtopics.mplstyle",
                    *topic_map_code,
                    "results.py",
                    "report/templates/offline/index.html.j2",
                ],
                "outputs": lambda: [paths.root / "reports"],
            }
        )
    return plan


def _flatten(outputs) -> list[Path]:
    flat = []
    for item in outputs:
        flat += list(item) if not isinstance(item, Path) else [item]
    return flat


def cmd_run(args: argparse.Namespace, params: dict, paths: OutputPaths) -> None:
    """Every stage in order; a stage whose inputs, parameters and code are unchanged since
    its last run (and whose outputs are untouched) is skipped, unless ``--force``.

    A stage's record is dropped before it runs and written after it finished, so a run
    killed midway re-runs the interrupted stage next time. Last, the run manifest
    (``results/run_manifest.json``, :mod:`zhtopics.manifest`) records inputs, parameters,
    versions and the hash of every file under results/ and figures/."""
    from zhtopics.cache import StageCache
    from zhtopics.manifest import write_run_manifest

    cache = StageCache(paths.root / ".cache" / "stages")
    for stage in _stage_plan(args, params, paths):
        name = stage["name"]
        # Inputs are listed when the stage is reached: upstream stages may have just written them.
        key = cache.key([Path(p) for p in stage["inputs"]()], stage["params"], stage["code"])
        if not args.force and cache.is_fresh(name, key):
            _say(args, f"{name}: unchanged since the last run, skipped")
            continue
        started = time.perf_counter()
        cache.forget(name)  # a run killed inside the stage leaves no record: the stage runs again
        stage["run"](args, params, paths)
        # Outputs are listed after the stage ran: it may create them (e.g. models/<engine>_k<K>/).
        cache.record(name, key, _flatten(stage["outputs"]()))
        logger.info("%s finished in %.1f s", name, time.perf_counter() - started)
    cmd_summary(args, params, paths)
    manifest = write_run_manifest(
        paths,
        params,
        input_path=args.input,
        argv=getattr(args, "argv", None) or [],
        options={"k": args.k, "figures": not args.no_figures, "report": not args.no_report},
        config=args.config,
    )
    _say(args, f"wrote {manifest}")


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-run the run a manifest records and report every file that differs (0 identical, 1 not)."""
    from zhtopics.verify import verify_manifest

    outcome = verify_manifest(args.manifest, keep=args.keep)
    for warning in outcome.warnings:
        print(f"zhtopics: warning: {warning}", file=sys.stderr)
    for line in outcome.changed:
        print(f"changed since the run: {line}")
    for line in outcome.differences:
        print(f"differs in the re-run: {line}")
    if outcome.work is not None:
        _say(args, f"the re-run is kept in {outcome.work}")
    if outcome.identical:
        _say(args, f"verified: the re-run reproduces all {outcome.compared} recorded files of {args.manifest}")
        return 0
    problems = len(outcome.changed) + len(outcome.differences)
    print(
        f"zhtopics: verify: {problems} difference{'s' if problems != 1 else ''} from {args.manifest} "
        f"({outcome.compared} recorded files compared)",
        file=sys.stderr,
    )
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhtopics",
        description="Topic models of Chinese texts.",
        epilog="exit status: 0 success; 1 internal error (a bug), or verify found differences; "
        "2 bad input or parameters, or the output folder is in use by another run; 130 interrupted",
    )
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
    inputs.add_argument(
        "--format",
        dest="txt_format",
        choices=["auto", "docshare", "lines"],
        help="how to read .txt files (default: corpus.txt_format in params.yaml)",
    )
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument("--k", type=int, help="fix the number of topics (the sweep runs only this K)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("prepare", parents=[inputs, common], help="stage 1: read and clean input into data/interim/")
    sub.add_parser(
        "segment", parents=[common], help="stage 2: tokens, Dictionary and bag of words into data/processed/"
    )
    sub.add_parser(
        "sweep", parents=[model, common], help="stage 3: engines x K x seeds, coherence and stability into results/"
    )
    sub.add_parser(
        "train", parents=[model, common], help="stage 4: choose engine and K, fit the final models into models/"
    )
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
    verify = sub.add_parser(
        "verify", help="re-run a recorded run (results/run_manifest.json) and report files that differ"
    )
    verify.add_argument("manifest", type=Path, help="the run's results/run_manifest.json")
    verify.add_argument("--keep", action="store_true", help="keep the re-run's temporary folder")
    verify.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: libraries too)")
    verify.add_argument("-q", "--quiet", action="store_true", help="only differences and errors")
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Default: the stages print a short summary and log warnings; ``-v`` logs each step,
    ``-vv`` adds debug messages and the libraries' (gensim's) own logging."""
    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        format="%(levelname)s %(name)s: %(message)s", level=logging.INFO if verbose >= 2 else logging.WARNING
    )
    logging.getLogger("zhtopics").setLevel(level)


COMMANDS = {
    "prepare": cmd_prepare,
    "segment": cmd_segment,
    "sweep": cmd_sweep,
    "train": cmd_train,
    "themes": cmd_themes,
    "figures": cmd_figures,
    "report": cmd_report,
    "summary": cmd_summary,
    "run": cmd_run,
}


def _drop_run_manifest(paths: OutputPaths) -> None:
    """Remove ``results/run_manifest.json`` before a command changes the folder: a manifest
    is there only when it describes the folder's content (``run`` writes a new one last)."""
    from zhtopics.manifest import MANIFEST_NAME

    manifest = paths.results / MANIFEST_NAME
    if manifest.exists():
        manifest.unlink()
        logger.info("removed %s: it described the folder before this command", manifest)


def _lock_holder(lock_file: Path) -> str:
    """The pid written in a lock file by its holder (``unknown`` if not readable yet)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = lock_file.read_text(encoding="ascii").strip()
        if text.isdigit():
            return text
    return "unknown"


@contextlib.contextmanager
def output_lock(root: Path) -> Iterator[None]:
    """Hold ``<root>/.zhtopics.lock`` while a command writes below ``root``.

    The lock is an OS file lock (``filelock.FileLock``, ``flock`` on Linux): the kernel
    releases it when the process ends, however it ends, so a killed run never leaves a
    stale lock. The holder writes its pid into the file (and empties it on release) for
    the message another run shows.

    Raises
    ------
    ZhtopicsError
        At once, when another process holds the lock:
        ``<root> is in use by another zhtopics run (pid N); wait for it or use another --out``.
    """
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    lock_file = root / LOCK_NAME

    def write_pid(descriptor: int) -> None:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)

    lock = FileLock(lock_file, on_acquired=write_pid)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        raise ZhtopicsError(
            f"{root} is in use by another zhtopics run (pid {_lock_holder(lock_file)}); "
            "wait for it or use another --out"
        ) from None
    except OSError as error:
        if error.errno not in (errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP):
            raise
        logger.warning(
            "%s: the file system does not support locks (%s); not protected against a second run",
            lock_file,
            error.strerror,
        )
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.truncate(lock_file, 0)
        lock.release()


def _internal_error(error: BaseException, verbose: int) -> int:
    """Report an unexpected exception (a bug) in one line, or with its traceback under ``-v``."""
    if verbose:
        traceback.print_exception(error, file=sys.stderr)
    message = " ".join(str(error).split()) or "(no message)"
    hint = "" if verbose else "; rerun with -v for the traceback"
    print(f"zhtopics: internal error: {type(error).__name__}: {message} (this is a bug{hint})", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``zhtopics``; returns the exit status.

    Returns
    -------
    int
        0 success; 2 bad input or parameters, an unreadable file or an output folder in
        use (one line naming the file and the problem); 1 an internal error (a bug, one
        line; ``-v`` adds the traceback) or, for ``verify``, outputs that differ; 130
        interrupted.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    level = logger.level
    _configure_logging(args.verbose, args.quiet)
    try:
        return _main(args)
    finally:
        logger.setLevel(level)  # called in-process (tests, verify): leave logging as it was


def _main(args: argparse.Namespace) -> int:
    """:func:`main` after parsing: run the command, map exceptions to exit statuses."""
    try:
        if args.command == "verify":
            return cmd_verify(args)
        params = load_params(args.config, _overrides(args))
        paths = OutputPaths(args.out)
        with output_lock(paths.root):
            remove_temporaries(paths.root / name for name in OUTPUT_FOLDERS)
            if args.command not in KEEP_MANIFEST:
                _drop_run_manifest(paths)
            COMMANDS[args.command](args, params, paths)
    except ZhtopicsError as error:
        print(f"zhtopics: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if (
            not isinstance(error, (PermissionError, FileNotFoundError, IsADirectoryError, NotADirectoryError))
            and error.errno not in USER_ERRNOS
        ):
            return _internal_error(error, args.verbose)
        where = f"{error.filename}: " if error.filename else ""
        print(f"zhtopics: error: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zhtopics: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # anything else is a bug: one line, the traceback with -v
        return _internal_error(error, args.verbose)
    return 0
