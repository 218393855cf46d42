"""``zhtopics verify MANIFEST``: re-run a recorded run and report every file that differs.

The manifest (:mod:`zhtopics.manifest`) records the input, the full parameters, the run
options and the SHA-256 of every file under ``results/`` and ``figures/``. Verification:

1. compares this environment with the recorded one (zhtopics version and git commit,
   Python, package versions, the hash of ``requirements.lock``) and the input and lexicon
   files with their recorded hashes: each difference is a warning, since it explains (and
   may cause) differences below;
2. checks the files beside the manifest (the run folder it sits in) against their
   recorded hashes: a file edited or replaced since the run is reported;
3. re-runs the pipeline from the recorded input, parameters and options into a temporary
   folder (``--no-report``: reports are not in the manifest) and compares every output
   with its recorded hash. Tables holding wall-clock times are compared without those
   columns, and the timing figure only by presence (see :mod:`zhtopics.manifest`).

The outcome is identical (exit status 0) or a list of differing files (exit status 1).
"""

from __future__ import annotations

import contextlib
import logging
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from zhtopics import __version__
from zhtopics.cache import file_digest
from zhtopics.errors import ZhtopicsError
from zhtopics.params import resolve_path
from zhtopics.paths import OutputPaths
from zhtopics.provenance.code import package_versions
from zhtopics.provenance.manifest import (
    code_sha256,
    git_commit,
    input_hashes,
    lock_sha256,
    output_hashes,
    read_run_manifest,
)

logger = logging.getLogger(__name__)

SECTIONS = ("results", "figures")


@dataclass
class Verification:
    """The outcome of :func:`verify_manifest`.

    Attributes
    ----------
    warnings : list of str
        Environment and input differences (versions, lock file, input or lexicon files).
    changed : list of str
        Files beside the manifest whose content no longer matches their recorded hash
        (edited since the run: ``results/topics.csv``), or that are missing there
        (``results/topics.csv (missing)``).
    differences : list of str
        Outputs of the re-run that differ from the recorded ones: ``results/topics.csv``
        (other content), ``... (missing in the re-run)``, ``... (not in the manifest)``.
    compared : int
        How many recorded files the re-run was compared on.
    work : Path or None
        The re-run's folder when it was kept.
    """

    warnings: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    compared: int = 0
    work: Path | None = None

    @property
    def identical(self) -> bool:
        """True when the re-run reproduces every recorded file and none was changed since."""
        return not self.changed and not self.differences


def environment_warnings(manifest: dict) -> list[str]:
    """Differences between this environment and the recorded one, one line each."""
    warnings = []
    recorded = manifest.get("zhtopics") or {}
    if recorded.get("version") not in (None, __version__):
        warnings.append(f"zhtopics {__version__} now, {recorded['version']} in the manifest")
    git = git_commit()
    if recorded.get("git_commit") and git and git["commit"] != recorded["git_commit"]:
        warnings.append(f"git commit {git['commit'][:12]} now, {recorded['git_commit'][:12]} in the manifest")
    if recorded.get("code_sha256") and code_sha256() != recorded["code_sha256"]:
        warnings.append("the zhtopics source files differ from the recorded run's (code_sha256)")
    if manifest.get("python") not in (None, platform.python_version()):
        warnings.append(f"Python {platform.python_version()} now, {manifest['python']} in the manifest")
    packages = manifest.get("packages") or {}
    current = package_versions(packages)
    for name, version in packages.items():
        if current.get(name) != version:
            warnings.append(
                f"{name} {current.get(name) or 'not installed'} now, {version or 'not installed'} in the manifest"
            )
    recorded_lock = manifest.get("requirements_lock_sha256")
    if recorded_lock and lock_sha256() != recorded_lock:
        warnings.append("requirements.lock differs from the one recorded in the manifest")
    return warnings


def input_warnings(manifest: dict, input_path: Path, run_root: Path) -> list[str]:
    """Input and lexicon files that are missing or differ from their recorded hashes."""
    warnings = []
    recorded = manifest["input"].get("files") or {}
    current = input_hashes(input_path)
    for name in sorted(set(recorded) | set(current)):
        if name not in current:
            warnings.append(f"input {name}: missing (recorded in the manifest)")
        elif name not in recorded:
            warnings.append(f"input {name}: not in the manifest (a new file)")
        elif current[name] != recorded[name]:
            warnings.append(f"input {name}: content differs from the recorded one")
    for param, entry in (manifest.get("lexicon") or {}).items():
        path = resolve_path(entry["path"], run_root)
        digest = file_digest(path) if path.is_file() else None
        if digest != entry.get("sha256"):
            warnings.append(
                f"{param} {entry['path']}: "
                + ("missing" if digest is None else "content differs from the recorded one")
            )
    return warnings


def _same(name: str, recorded: dict, current: dict) -> bool:
    """Whether a file of ``current`` matches ``recorded`` (both from output_hashes), timings aside."""
    timing = recorded["timings"].get(name)
    if timing is None:
        return recorded["files"][name] == current["files"].get(name)
    if "figure" in timing:
        return name in current["files"]  # drawn from wall-clock times: only its presence can be checked
    now = current["timings"].get(name, {})
    return timing.get("sha256_without_timings") == now.get("sha256_without_timings")


def compare_outputs(recorded: dict, current: dict) -> list[str]:
    """Lines naming every file whose hash differs between two :func:`output_hashes` results."""
    lines = []
    for name in sorted(set(recorded["files"]) | set(current["files"])):
        if name not in current["files"]:
            lines.append(f"{name} (missing in the re-run)")
        elif name not in recorded["files"]:
            lines.append(f"{name} (not in the manifest: written by the re-run only)")
        elif not _same(name, recorded, current):
            lines.append(name)
    return lines


def changed_since_run(manifest: dict, run_root: Path) -> list[str]:
    """Files beside the manifest that no longer match their recorded hashes."""
    lines = []
    for section in SECTIONS:
        recorded = manifest[section]
        if not (run_root / section).is_dir():
            continue
        current = output_hashes(run_root, section)
        for name in sorted(recorded["files"]):
            if name not in current["files"]:
                lines.append(f"{name} (missing)")
            elif current["files"][name] != recorded["files"][name]:
                lines.append(name)
    return lines


def rerun(manifest: dict, input_path: Path, run_root: Path, work: Path) -> None:
    """Run the pipeline from the recorded input, parameters and options into ``work``.

    The recorded parameters name files relative to the run folder (``run_root``); they are
    read from there.
    """
    from zhtopics.params import load_params
    from zhtopics.pipeline import RunOptions, StageContext, run_pipeline

    params = load_params(overrides=manifest["params"], overrides_base=run_root, overrides_source="the manifest")
    options = manifest["options"]
    context = StageContext(OutputPaths(work), params, input=input_path, k=options.get("k"))
    run_pipeline(context, RunOptions(figures=bool(options.get("figures")), report=False), say=logger.info)


def verify_manifest(manifest_path: Path, keep: bool = False) -> Verification:
    """Verify a run manifest (see the module docstring).

    Parameters
    ----------
    manifest_path : Path
        ``<out>/results/run_manifest.json`` of the run to verify.
    keep : bool
        Keep the re-run's temporary folder (its path is in ``Verification.work``).

    Returns
    -------
    Verification

    Raises
    ------
    ZhtopicsError
        When the manifest is unreadable, its input is missing, or the re-run fails.
    """
    manifest_path = Path(manifest_path)
    manifest = read_run_manifest(manifest_path)
    run_root = manifest_path.resolve().parent.parent
    input_path = (run_root / manifest["input"]["path"]).resolve()
    if not input_path.exists():
        raise ZhtopicsError(
            f"{manifest_path}: its input {manifest['input']['path']} (relative to {run_root}) "
            "is not there; verify needs the input beside the run folder as it was"
        )
    outcome = Verification()
    outcome.warnings = environment_warnings(manifest) + input_warnings(manifest, input_path, run_root)
    outcome.changed = changed_since_run(manifest, run_root)
    work = Path(tempfile.mkdtemp(prefix="zhtopics-verify-"))
    try:
        rerun(manifest, input_path, run_root, work / "out")
        for section in SECTIONS:
            if section == "figures" and not manifest["options"].get("figures"):
                continue
            recorded, current = manifest[section], output_hashes(work / "out", section)
            outcome.compared += len(recorded["files"])
            outcome.differences += compare_outputs(recorded, current)
    finally:
        if keep:
            outcome.work = work / "out"
        else:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)
    return outcome
