"""Run manifest: what a run read, with which code and packages, and what it wrote.

At the end of ``zhtopics run`` :func:`write_run_manifest` writes
``<out>/results/run_manifest.json``:

- ``command``: the command line, paths relative to the folder it was run from;
- ``zhtopics``: version, git commit, whether the work tree had uncommitted changes, and
  ``code_sha256``, a hash of the package's source files (exact even in a dirty work tree);
- ``python``, ``platform`` and ``packages``: versions of the packages that shape results
  (from :mod:`importlib.metadata`), and ``requirements_lock_sha256``;
- ``input``: the input's path relative to the output folder and the SHA-256 of every file
  the corpus reader takes from it; ``lexicon``: the same for the files named in the
  parameters (user dictionary, stopwords, allow-list, themes, glossary, font);
- ``options`` (``--k``, figures, report) and ``params``: the full merged parameters;
- ``results`` and ``figures``: the SHA-256 of every file under ``results/`` and ``figures/``.

Wall-clock times are the one thing two runs of the same inputs do not share. They sit in
the ``seconds`` columns that the results contract requires (``sweep.csv``,
``engine_comparison.csv``) and in ``figures/engines_fit_seconds.png``. The manifest lists
them under ``timings``: for a table, a second hash of its content without those columns; for
the timing figure, that it is one. ``zhtopics verify`` (:mod:`zhtopics.verify`) compares
those hashes, so that every other byte is checked.

No date is recorded, so two runs of the same inputs give the same manifest except for the
command line (which names the output folder). :func:`provenance` gives the short summary
the HTML reports print in their footer (git commit, parameter hash, corpus hash, versions,
date).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zhtopics import __version__
from zhtopics.atomic import within_temporary, write_text
from zhtopics.cache import file_digest
from zhtopics.errors import ZhtopicsError
from zhtopics.params import Params, params_hash, params_to_dict
from zhtopics.paths import OutputPaths
from zhtopics.provenance.code import SOURCE_CHECKOUT, code_digest, package_files, package_versions

if TYPE_CHECKING:
    from zhtopics.pipeline import RunOptions, StageContext
from zhtopics.errors import InputError

logger = logging.getLogger(__name__)

MANIFEST_NAME = "run_manifest.json"
MANIFEST_VERSION = 2
#: The pinned lock of a source checkout (an installed package has none: recorded as null).
LOCK_FILE = SOURCE_CHECKOUT / "requirements.lock" if SOURCE_CHECKOUT else None
#: Distributions whose version can change what a run writes (recorded, and compared by verify).
KEY_PACKAGES = (
    "gensim",
    "tomotopy",
    "jieba",
    "rjieba",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "mplfonts",
    "wordcloud",
    "pyLDAvis",
    "fonttools",
    "stopwordsiso",
    "opencc",
    "datasketch",
    "rapidfuzz",
    "emoji",
    "charset-normalizer",
    "PyYAML",
)
#: Packages named in the footer of the HTML reports (zhtopics.report).
FOOTER_PACKAGES = ("gensim", "tomotopy", "jieba", "pandas", "numpy", "matplotlib", "pyLDAvis", "nbconvert", "papermill")
#: Columns of results tables that hold wall-clock durations (different on every run).
TIMING_COLUMNS = ("seconds", "fit_seconds", "seconds_mean_over_seeds")
#: Figures (file stems) that zhtopics.figures draws from wall-clock times: the only files of
#: figures/ that differ between two runs of the same inputs.
TIMING_FIGURES = frozenset({"engines_fit_seconds"})
#: Parameters naming input files other than the corpus (dotted key path).
LEXICON_PARAMS = (
    "segment.userdict",
    "segment.stopwords_file",
    "segment.allowlist",
    "segment.evaluative",
    "themes.file",
    "figures.glossary",
    "topic_map.font_file",
)


# ----------------------------------------------------------------------------- provenance helpers


# What a run is made from, for the "uncommitted changes" flag (paths relative to the project).
RUN_INPUTS = ("src", "params.yaml", "data/lexicon", "data/raw", "notebooks", "pyproject.toml", "requirements.lock")


def git_commit(root: Path | None = SOURCE_CHECKOUT) -> dict | None:
    """The git commit of ``root`` and whether the files that make a run (code, parameters,
    lexicons, lock, notebooks) have uncommitted changes. Generated files (results/,
    figures/, README.md's findings) are left out: a run rewrites them itself.

    Returns
    -------
    dict or None
        ``{"commit": <40 hex>, "dirty": bool}``; None when zhtopics runs from an installed
        package (no ``root``), ``root`` is not a git work tree or git is not installed.
    """
    if root is None:
        return None

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    inputs = [path for path in RUN_INPUTS if (root / path).exists()]
    return {"commit": commit, "dirty": bool(git("status", "--porcelain", "--untracked-files=no", "--", *inputs))}


def code_sha256() -> str:
    """SHA-256 over the zhtopics package's files (modules, style file, templates, notebooks,
    lexicons), by relative path: it changes exactly when the code that computes the outputs
    changes (:mod:`zhtopics.provenance.code`)."""
    return code_digest(package_files(), length=64)


def lock_sha256(lock_file: Path | None = LOCK_FILE) -> str | None:
    """SHA-256 of ``requirements.lock`` (None when zhtopics runs from an installed package)."""
    return file_digest(lock_file) if lock_file is not None and lock_file.is_file() else None


def corpus_sha256(paths: OutputPaths) -> str:
    """Short hash of the input files' SHA-256 as ``data/interim/sources.csv`` lists them."""
    if not paths.sources.exists():
        return "unknown"
    with open(paths.sources, encoding="utf-8", newline="") as handle:
        digests = sorted(row["sha256"] for row in csv.DictReader(handle))
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def provenance(paths: OutputPaths, params: Params) -> dict:
    """Provenance for the HTML reports' footer: git commit, parameter hash, corpus hash,
    package versions and date (``SOURCE_DATE_EPOCH`` when set, else now, UTC).

    Returns
    -------
    dict
        ``git_commit`` (12 hex digits, ``" (with uncommitted changes)"`` appended when the
        work tree is dirty, or ``"unknown"``), ``params_hash``, ``corpus_sha256``,
        ``versions`` (zhtopics and :data:`FOOTER_PACKAGES`) and ``date`` (ISO 8601): the
        keys ``zhtopics.report.run_manifest`` returns.
    """
    git = git_commit()
    commit = "unknown" if git is None else git["commit"][:12] + (" (with uncommitted changes)" if git["dirty"] else "")
    versions = {"zhtopics": __version__}
    versions.update({name: version or "not installed" for name, version in package_versions(FOOTER_PACKAGES).items()})
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return {
        "git_commit": commit,
        "params_hash": params_hash(params, paths.root),
        "corpus_sha256": corpus_sha256(paths),
        "versions": versions,
        "date": when.isoformat(timespec="seconds"),
    }


# ----------------------------------------------------------------------------- inputs


def input_files(input_path: Path) -> list[Path]:
    """The files the corpus reader takes from ``input_path`` (:func:`zhtopics.ingest.list_input_files`:
    the file itself, or a folder's ``.txt`` files, hidden ones included), sorted; none when
    the reader would refuse the path (missing, unsupported, a folder without ``.txt`` files)."""
    from zhtopics.ingest import list_input_files

    try:
        return list_input_files(input_path)
    except InputError:
        return []


def input_hashes(input_path: Path) -> dict[str, str]:
    """File name (relative to the input folder, or the file's own name) → SHA-256."""
    input_path = Path(input_path)
    base = input_path if input_path.is_dir() else input_path.parent
    return {p.relative_to(base).as_posix(): file_digest(p) for p in input_files(input_path)}


def _param(params: Params, dotted: str):
    value = params
    for key in dotted.split("."):
        value = getattr(value, key)
    return value


def lexicon_hashes(params: Params, root: Path) -> dict[str, dict]:
    """Parameter → ``{"path": relative to the run folder, "sha256": ...}`` for every file named
    in :data:`LEXICON_PARAMS` that the run reads (the glossary only with ``figures.gloss``);
    a missing file has sha256 null."""
    hashes = {}
    for dotted in LEXICON_PARAMS:
        path = _param(params, dotted)
        if path is None or (dotted == "figures.glossary" and not params.figures.gloss):
            continue
        hashes[dotted] = {"path": params_to_dict(path, root), "sha256": file_digest(path) if path.is_file() else None}
    return hashes


# ----------------------------------------------------------------------------- outputs


def csv_digest_without(path: Path, columns: Sequence[str]) -> str:
    """SHA-256 of a CSV file's cells with ``columns`` left out (every other cell byte for byte)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return hashlib.sha256(b"").hexdigest()
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([row[i] if i < len(row) else "" for i in keep])
    return hashlib.sha256(buffer.getvalue().encode("utf-8")).hexdigest()


def _csv_timing_columns(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    return [name for name in header if name in TIMING_COLUMNS]


def output_hashes(root: Path, folder: str) -> dict:
    """Hashes of every file under ``root/folder`` (``results`` or ``figures``).

    Parameters
    ----------
    root : Path
        The output folder of a run.
    folder : str
        ``"results"`` or ``"figures"``.

    Returns
    -------
    dict
        ``files``: path relative to ``root`` (POSIX) → SHA-256, for every file except the
        manifest itself and leftover temporary files; ``timings``: for each file holding
        wall-clock times, either ``{"columns": [...], "sha256_without_timings": ...}`` (a
        CSV table) or ``{"figure": "wall-clock times"}`` (a figure drawn from them).
    """
    base = Path(root) / folder
    files, timings = {}, {}
    if not base.is_dir():
        return {"files": files, "timings": timings}
    stems = TIMING_FIGURES if folder == "figures" else frozenset()
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        if within_temporary(path, base) or path.name == MANIFEST_NAME or "__pycache__" in path.parts:
            continue
        name = path.relative_to(root).as_posix()
        files[name] = file_digest(path)
        if path.suffix == ".csv" and (columns := _csv_timing_columns(path)):
            timings[name] = {"columns": columns, "sha256_without_timings": csv_digest_without(path, columns)}
        elif path.stem in stems:
            timings[name] = {"figure": "wall-clock times"}
    return {"files": files, "timings": timings}


# ----------------------------------------------------------------------------- the manifest


def relative_command(argv: Sequence[str], cwd: Path | None = None) -> list[str]:
    """``zhtopics`` and its arguments, every argument naming an existing path made relative
    to ``cwd`` (so the manifest holds no absolute path of this machine)."""
    cwd = Path(cwd or Path.cwd())

    def relative(token: str) -> str:
        if token.startswith("-") and "=" in token:
            flag, value = token.split("=", 1)
            return f"{flag}={relative(value)}"
        if token.startswith("-") or not token:
            return token
        path = Path(token)
        if path.is_absolute() or path.exists():
            try:
                return os.path.relpath(path, cwd)
            except ValueError:  # another drive (Windows)
                return token
        return token

    return ["zhtopics", *(relative(str(token)) for token in argv)]


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()


def build_run_manifest(context: StageContext, options: RunOptions) -> dict:
    """Everything :func:`write_run_manifest` records (see the module docstring).

    Parameters
    ----------
    context : StageContext
        The run's output folder, parameters, input and ``--k``.
    options : RunOptions
        Whether figures and reports ran, the command line, the parameter files read.
    """
    root, params, input_path = Path(context.paths.root), context.params, Path(context.input)
    git = git_commit()
    return {
        "manifest_version": MANIFEST_VERSION,
        "command": relative_command(options.argv),
        "zhtopics": {
            "version": __version__,
            "git_commit": git["commit"] if git else None,
            "git_dirty": git["dirty"] if git else None,
            "code_sha256": code_sha256(),
        },
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "packages": package_versions(KEY_PACKAGES),
        "requirements_lock_sha256": lock_sha256(),
        "input": {
            "path": _relative(input_path, root),
            "kind": "folder" if input_path.is_dir() else "file",
            "files": input_hashes(input_path),
        },
        "lexicon": lexicon_hashes(params, root),
        "config": [
            {"path": _relative(config, root), "sha256": file_digest(Path(config)) if Path(config).is_file() else None}
            for config in options.config_files
        ],
        "options": {"k": context.k, "figures": options.figures, "report": options.report},
        "params_sha256": params_hash(params, root),
        "params": params_to_dict(params, root),
        "results": output_hashes(root, "results"),
        "figures": output_hashes(root, "figures"),
    }


def write_run_manifest(context: StageContext, options: RunOptions) -> Path:
    """Write ``<out>/results/run_manifest.json`` (atomically); arguments as :func:`build_run_manifest`.

    Returns
    -------
    Path
        The manifest file.
    """
    manifest = build_run_manifest(context, options)
    target = context.paths.result("run_manifest")
    write_text(target, json.dumps(manifest, ensure_ascii=False, indent=1, default=str) + "\n")
    logger.info(
        "wrote %s (%d results files, %d figures)",
        target,
        len(manifest["results"]["files"]),
        len(manifest["figures"]["files"]),
    )
    return target


def read_run_manifest(path: Path) -> dict:
    """Read a manifest written by :func:`write_run_manifest`.

    Raises
    ------
    ZhtopicsError
        Naming the file when it is missing, not JSON, or not a zhtopics run manifest.
    """
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ZhtopicsError(f"{path}: not found") from None
    except (OSError, ValueError) as error:
        raise ZhtopicsError(f"{path}: not a readable JSON file ({error})") from None
    needed = {"manifest_version", "input", "params", "results", "figures", "options"}
    if not isinstance(manifest, dict) or not needed <= set(manifest):
        missing = sorted(needed - set(manifest)) if isinstance(manifest, dict) else sorted(needed)
        raise ZhtopicsError(f"{path}: not a zhtopics run manifest (no {', '.join(missing)})")
    if manifest["manifest_version"] != MANIFEST_VERSION:
        raise ZhtopicsError(
            f"{path}: manifest version {manifest['manifest_version']}, this zhtopics reads {MANIFEST_VERSION}"
        )
    return manifest


def reproducible_part(manifest: dict) -> dict:
    """The part of a manifest that two runs of the same inputs share: everything but the
    command line (it names the output folder) and the raw hashes of the files holding
    wall-clock times (their ``timings`` entries, hashed without the times, stay)."""
    part = json.loads(json.dumps(manifest))
    part.pop("command", None)
    for section in ("results", "figures"):
        for name in part.get(section, {}).get("timings", {}):
            part[section]["files"].pop(name, None)
    return part
