"""The ``zhtopics`` command line: argparse onto the pipeline; printing and exit codes only.

Examples
--------
::

    zhtopics run data/raw --out .                      # what `make run` does
    zhtopics run posts.csv --out work/ --text-column content --group-column user
    zhtopics prepare articles/ --out work/             # stage 1 only
    zhtopics segment --out work/                       # stage 2, from stage 1's table
    zhtopics verify work/results/run_manifest.json     # re-run a recorded run, compare every file
    zhtopics infer work/ new_posts.csv --out applied/  # the run's model on new documents
    zhtopics validate export work/ --out work/validation   # a kit for human coders
    zhtopics validate score work/ coder_a.csv coder_b.csv --kit work/validation

Parameters: the packaged defaults, then the study's ``<out>/params.yaml`` if the output
folder has one, then ``--config FILE``, then the flags (:mod:`zhtopics.params`).

Exit status: 0 success; 1 an internal error (a bug: one line, ``-v`` shows the traceback)
or, for ``verify``, outputs that differ from the manifest; 2 bad input or parameters
(one line naming the file and the problem), or an output folder in use by another run;
130 interrupted (Ctrl-C).

Nothing in the package imports this module.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import traceback
from pathlib import Path

from zhtopics import __version__
from zhtopics.errors import ZhtopicsError

logger = logging.getLogger("zhtopics")

#: Commands that leave results/ and figures/ as they are (or rewrite summary.md from them):
#: the run manifest still describes the folder after them. Every other command removes it.
KEEP_MANIFEST = {"summary", "report"}
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
#: Flags that set a ``corpus`` parameter.
CORPUS_FLAGS = ("text_column", "id_column", "group_column", "time_column", "encoding", "txt_format", "sheet")


def _overrides(args: argparse.Namespace) -> dict:
    """Map command-line flags onto the parameters (input flags → corpus, --k → sweep.k)."""
    overrides = {}
    if getattr(args, "k", None) is not None:
        overrides["sweep"] = {"k": [args.k]}
    corpus = {flag: getattr(args, flag) for flag in CORPUS_FLAGS if getattr(args, flag, None) is not None}
    if isinstance(corpus.get("sheet"), str) and corpus["sheet"].isdigit():
        corpus["sheet"] = int(corpus["sheet"])  # --sheet 0: the first sheet
    if corpus:
        overrides["corpus"] = corpus
    if getattr(args, "spark", None) is not None:
        overrides["spark"] = {"master": args.spark}
    return overrides


def _say(args: argparse.Namespace):
    """The printer of a command's console lines (nothing with ``--quiet``)."""
    return (lambda line: None) if args.quiet else print


def _parameter_files(args: argparse.Namespace) -> list[Path]:
    """The study's ``<out>/params.yaml`` (if any), then each ``--config`` in order."""
    from zhtopics.params import study_params_file

    files = [study_params_file(args.out), *args.config]
    return [Path(file) for file in files if file is not None]


def _context(args: argparse.Namespace):
    from zhtopics.params import load_params
    from zhtopics.paths import OutputPaths
    from zhtopics.pipeline import StageContext

    files = _parameter_files(args)
    params = load_params(*files, overrides=_overrides(args))
    logger.info("parameters: the packaged defaults%s", "".join(f", then {file}" for file in files))
    return StageContext(OutputPaths(args.out), params, input=getattr(args, "input", None), k=getattr(args, "k", None))


def cmd_stage(args: argparse.Namespace) -> int:
    """One stage (``zhtopics prepare``, ``segment``, ...): run now, without the stage cache."""
    from zhtopics.lock import open_output
    from zhtopics.pipeline import run_stage

    context = _context(args)
    with open_output(context.paths, keep_manifest=args.command in KEEP_MANIFEST):
        for line in run_stage(args.command, context):
            _say(args)(line)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from zhtopics.lock import open_output
    from zhtopics.report.summary import write_summary_files

    context = _context(args)
    with open_output(context.paths, keep_manifest=True):
        for line in write_summary_files(context.run, context.params, args.readme):
            _say(args)(line)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Every stage in order, skipping those unchanged since their last run (:mod:`zhtopics.pipeline`)."""
    from zhtopics.lock import open_output
    from zhtopics.pipeline import RunOptions, run_pipeline

    context = _context(args)
    options = RunOptions(
        figures=not args.no_figures,
        report=not args.no_report,
        force=args.force,
        readme=args.readme,
        argv=args.argv,
        config_files=_parameter_files(args),
    )
    try:
        with open_output(context.paths):
            run_pipeline(context, options, say=_say(args))
    finally:
        session = sys.modules.get("zhtopics.spark.session")  # loaded only by a Spark run
        if session is not None:
            session.stop_session()
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """``zhtopics init DIR``: scaffold a study folder (:mod:`zhtopics.init`)."""
    from zhtopics.init import init_study

    written = init_study(args.folder)
    _say(args)(f"wrote {len(written)} files in {args.folder}/ (params.yaml, lexicon/, README.md) and data/raw/")
    _say(args)(f"next: put your corpus in {args.folder}/data/raw/, then read {args.folder}/README.md")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-run the run a manifest records and report every file that differs (0 identical, 1 not)."""
    from zhtopics.provenance.verify import verify_manifest

    outcome = verify_manifest(args.manifest, keep=args.keep)
    for warning in outcome.warnings:
        print(f"zhtopics: warning: {warning}", file=sys.stderr)
    for line in outcome.changed:
        print(f"changed since the run: {line}")
    for line in outcome.differences:
        print(f"differs in the re-run: {line}")
    if outcome.work is not None:
        _say(args)(f"the re-run is kept in {outcome.work}")
    if outcome.identical:
        _say(args)(f"verified: the re-run reproduces all {outcome.compared} recorded files of {args.manifest}")
        return 0
    differing = {line.split(" (")[0] for line in [*outcome.changed, *outcome.differences]}
    print(
        f"zhtopics: verify: {len(differing)} of the {outcome.compared} recorded files "
        f"{'differs' if len(differing) == 1 else 'differ'} from {args.manifest}",
        file=sys.stderr,
    )
    return 1


def cmd_infer(args: argparse.Namespace) -> int:
    """``zhtopics infer RUN_DIR INPUT --out DIR``: the run's final model on new documents (:mod:`zhtopics.inference`)."""
    from zhtopics.inference import infer_new_documents

    columns = {"text_column": args.text_column, "id_column": args.id_column, "group_column": args.group_column}
    outcome = infer_new_documents(args.run_dir, args.input, args.out, columns)
    for line in outcome.lines():
        _say(args)(line)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``zhtopics validate export|score``: the kit for human coders and the scores of their answers
    (:mod:`zhtopics.validate`)."""
    if args.action == "export":
        from zhtopics.validate import export_kit

        lines = export_kit(args.run_dir, args.out)
    else:
        from zhtopics.validate import score_answers

        lines = score_answers(args.run_dir, args.coded, kit=args.kit, out=args.out)
    for line in lines:
        _say(args)(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from zhtopics.pipeline import STAGE_BY_NAME

    parser = argparse.ArgumentParser(
        prog="zhtopics",
        description="Topic models of Chinese texts.",
        epilog="exit status: 0 success; 1 internal error (a bug), or verify found differences; "
        "2 bad input or parameters, or the output folder is in use by another run; 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"zhtopics {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    common.add_argument(
        "--config",
        type=Path,
        action="append",
        default=[],
        help="YAML file with the parameters to change, over <out>/params.yaml if any (repeatable: later files win)",
    )
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: libraries too)")
    common.add_argument("-q", "--quiet", action="store_true", help="only errors")
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument(
        "input", type=Path, help=".txt file, folder of .txt files, or .csv/.tsv/.jsonl/.parquet/.xlsx table"
    )
    inputs.add_argument("--text-column", help="table column holding the text (default: corpus.text_column)")
    inputs.add_argument("--id-column", help="table column with a unique id per row")
    inputs.add_argument("--group-column", help="table column grouping rows (article, author, ...)")
    inputs.add_argument("--time-column", help="table column of dates: topic shares per period (prevalence.period)")
    inputs.add_argument("--encoding", help="input encoding (default: detect UTF-8, GB18030/GBK, Big5)")
    inputs.add_argument("--sheet", help="the sheet of an .xlsx workbook, by name or number (default: the first)")
    inputs.add_argument(
        "--format",
        dest="txt_format",
        choices=["auto", "docshare", "lines"],
        help="how to read .txt files (default: corpus.txt_format)",
    )
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument("--k", type=int, help="fix the number of topics (the sweep runs only this K)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def stage_parser(name: str, parents: list):
        text = STAGE_BY_NAME[name].help
        return sub.add_parser(name, parents=parents, help=text, description=text[0].upper() + text[1:] + ".")

    stage_parser("prepare", [inputs, common])
    stage_parser("segment", [common])
    stage_parser("sweep", [model, common])
    stage_parser("train", [model, common])
    stage_parser("themes", [common])
    stage_parser("figures", [common])
    stage_parser("report", [common])
    text = "results/summary.md (and a README's findings section) from results/"
    summary = sub.add_parser("summary", parents=[common], help=text, description=text)
    summary.add_argument("--readme", type=Path, help="also replace the findings section of this README")
    text = "every stage, from the input to the last output; unchanged stages are skipped"
    run = sub.add_parser("run", parents=[inputs, model, common], help=text, description=text)
    run.add_argument("--readme", type=Path, help="also replace the findings section of this README")
    run.add_argument("--no-figures", action="store_true", help="skip the figures and the topic map")
    run.add_argument("--no-report", action="store_true", help="skip executing the notebooks into reports/")
    run.add_argument("--force", action="store_true", help="run every stage even if nothing changed")
    run.add_argument(
        "--spark",
        metavar="MASTER",
        help="run stages 1, 2 and the final model as Spark jobs: local[*], local[2], spark://host:7077, yarn ... "
        "(sets spark.master; needs the spark extra and Java 17)",
    )
    text = "scaffold a study folder: params.yaml, empty lexicons, data/raw/ and a README saying what to do next"
    init = sub.add_parser("init", help=text, description=text)
    init.add_argument("folder", type=Path, help="the study folder (created if missing)")
    init.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    init.add_argument("-q", "--quiet", action="store_true", help="only errors")
    text = "apply a run's final model to new documents: DIR/results/doc_topics.csv, words outside its vocabulary"
    infer = sub.add_parser("infer", help=text, description=text)
    infer.add_argument(
        "run_dir", type=Path, help="the output folder of `zhtopics run` (its model, parameters, lexicons)"
    )
    infer.add_argument("input", type=Path, help="new documents, in any format `zhtopics run` reads")
    infer.add_argument("--out", type=Path, required=True, help="folder for the results (not the run folder)")
    infer.add_argument("--text-column", help="table column holding the text (default: the run's)")
    infer.add_argument("--id-column", help="table column with a unique id per row (default: the run's; '' for none)")
    infer.add_argument("--group-column", help="table column grouping rows (default: the run's; '' for none)")
    infer.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: libraries too)")
    infer.add_argument("-q", "--quiet", action="store_true", help="only errors")
    text = "validation by human coders: export a kit (word and topic intrusion, a coding sheet), score the answers"
    validate = sub.add_parser("validate", help=text, description=text)
    actions = validate.add_subparsers(dest="action", required=True, metavar="ACTION")
    text = "write the coders' page and sheet (for_coders/) and the answer key, from the run's parameters (validate:)"
    export = actions.add_parser("export", help=text, description=text)
    export.add_argument("run_dir", type=Path, help="the output folder of `zhtopics run`")
    export.add_argument("--out", type=Path, required=True, help="the kit's folder")
    text = (
        "score coders' answers: word-intrusion precision, topic log odds, agreement with the model, inter-coder kappa"
    )
    score = actions.add_parser("score", help=text, description=text)
    score.add_argument("run_dir", type=Path, help="the output folder of `zhtopics run`")
    score.add_argument("coded", type=Path, nargs="+", metavar="CODED.csv", help="one or two coders' answer files")
    score.add_argument("--kit", type=Path, help="the kit's folder (default: RUN_DIR/validation)")
    score.add_argument("--out", type=Path, help="folder for the scores (default: the kit's scores/)")
    for parser_ in (export, score):
        parser_.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: libraries too)")
        parser_.add_argument("-q", "--quiet", action="store_true", help="only errors")
    text = "re-run a recorded run (results/run_manifest.json) and report the files that differ"
    verify = sub.add_parser("verify", help=text, description=text)
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


def _command(args: argparse.Namespace):
    if args.command == "verify":
        return cmd_verify
    if args.command == "init":
        return cmd_init
    if args.command == "summary":
        return cmd_summary
    if args.command == "run":
        return cmd_run
    if args.command == "infer":
        return cmd_infer
    if args.command == "validate":
        return cmd_validate
    return cmd_stage


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
        logger.setLevel(level)  # called in-process (tests): leave logging as it was


def _main(args: argparse.Namespace) -> int:
    """:func:`main` after parsing: run the command, map exceptions to exit statuses."""
    try:
        return _command(args)(args)
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
