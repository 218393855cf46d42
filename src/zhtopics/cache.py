"""Skip a stage whose inputs, parameters and code have not changed since it last ran.

Each stage of ``zhtopics run`` declares what it reads (files, parameter sections, the
modules that compute it) and what it writes (:mod:`zhtopics.pipeline`). Its key is a hash
of the input files' contents, those parameters and its code version. After a stage runs, the key and a
hash of every output file are recorded in ``<out>/.cache/stages/<stage>.json``; next time,
the stage is skipped when the key is the same and the outputs are still there, unchanged.
Downstream stages read upstream outputs, so a change anywhere re-runs exactly the stages
it reaches.

Only complete runs are trusted. ``zhtopics run`` forgets a stage's record before running
it and writes the new record last, atomically (:mod:`zhtopics.atomic`), after every output
was written and hashed: a run killed at any moment leaves either no record (the stage runs
again) or a complete one whose output hashes are checked before the stage is skipped.
Leftover temporary files of killed writers (``.*.tmp-*``) are neither inputs nor outputs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from zhtopics.atomic import is_temporary, within_temporary, write_text

logger = logging.getLogger(__name__)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content (read in 1 MB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expand(paths: list[Path]) -> list[Path]:
    """Files of a list of files and folders (folders recursively), sorted, skipping caches and
    the temporary files and folders a killed writer may have left (:mod:`zhtopics.atomic`)."""
    files = []
    for path in paths:
        if path.is_dir():
            files += [
                p
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and not within_temporary(p, path)
            ]
        elif path.is_file() and not is_temporary(path):
            files.append(path)
    return sorted(set(files))


@dataclass
class StageCache:
    """The record of each stage's last run below an output folder.

    Parameters
    ----------
    folder : Path
        Where the records live (``<out>/.cache/stages``).
    """

    folder: Path

    def key(self, inputs: list[Path], params: dict, code_version: str) -> str:
        """Hash of the input files (names and content, in order: not where they are), the
        parameters and the stage's code version (:meth:`zhtopics.pipeline.Stage.code_version`)."""
        digest = hashlib.sha256(code_version.encode())
        for path in _expand(inputs):
            digest.update(path.name.encode())
            digest.update(file_digest(path).encode())
        digest.update(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode())
        return digest.hexdigest()

    def _record_file(self, stage: str) -> Path:
        return self.folder / f"{stage}.json"

    def read_record(self, stage: str) -> dict | None:
        """The stage's last record, or None when there is none or it cannot be read.

        A record that cannot be parsed (e.g. written by a version that did not write
        atomically, then killed) counts as no record: the stage runs again."""
        record_file = self._record_file(stage)
        try:
            record = json.loads(record_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("%s: unreadable stage record (%s); running the stage again", record_file, error)
            return None
        if not isinstance(record, dict) or not isinstance(record.get("outputs"), dict):
            logger.warning("%s: incomplete stage record; running the stage again", record_file)
            return None
        return record

    def is_fresh(self, stage: str, key: str) -> bool:
        """True when the stage last ran to completion with this key and its outputs are unchanged.

        Every recorded output must still exist with the recorded SHA-256."""
        record = self.read_record(stage)
        if record is None or record.get("key") != key:
            return False
        for name, digest in record["outputs"].items():
            path = Path(name)
            if not path.is_file() or file_digest(path) != digest:
                logger.info("%s: output %s changed or missing, running again", stage, name)
                return False
        return True

    def record(self, stage: str, key: str, outputs: list[Path]) -> None:
        """Remember that the stage ran with ``key`` and wrote ``outputs`` (files or folders).

        Call it after the stage finished: the outputs are hashed now, and the record is
        written atomically, so it exists only complete and only after every output."""
        files = {str(path.resolve()): file_digest(path) for path in _expand(outputs)}
        write_text(self._record_file(stage), json.dumps({"key": key, "outputs": files}, indent=1) + "\n")

    def forget(self, stage: str) -> None:
        """Drop the stage's record (before running it: a run killed midway leaves none)."""
        self._record_file(stage).unlink(missing_ok=True)
