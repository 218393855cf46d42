"""Skip a stage whose inputs, parameters and code have not changed since it last ran.

Each stage of ``zhtopics run`` declares what it reads (files, parameter sections, the
modules that compute it) and what it writes. Its key is a hash of the input files'
contents, those parameters and those modules' source. After a stage runs, the key and a
hash of every output file are recorded in ``<out>/.cache/stages/<stage>.json``; next time,
the stage is skipped when the key is the same and the outputs are still there, unchanged.
Downstream stages read upstream outputs, so a change anywhere re-runs exactly the stages
it reaches.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from zhtopics import __version__

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).parent


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content (read in 1 MB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expand(paths: list[Path]) -> list[Path]:
    """Files of a list of files and folders (folders recursively), sorted, skipping caches."""
    files = []
    for path in paths:
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        elif path.exists():
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

    def key(self, inputs: list[Path], params: dict, code: list[str]) -> str:
        """Hash of the input files (names relative to nothing: content only, in order), the
        parameters and the source of the named modules of this package."""
        digest = hashlib.sha256(__version__.encode())
        for path in _expand(inputs):
            digest.update(path.name.encode())
            digest.update(file_digest(path).encode())
        digest.update(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode())
        for name in sorted(code):
            digest.update(name.encode())
            digest.update((PACKAGE / name).read_bytes())
        return digest.hexdigest()

    def _record_file(self, stage: str) -> Path:
        return self.folder / f"{stage}.json"

    def is_fresh(self, stage: str, key: str) -> bool:
        """True when the stage last ran with this key and its outputs are unchanged."""
        record_file = self._record_file(stage)
        if not record_file.exists():
            return False
        record = json.loads(record_file.read_text(encoding="utf-8"))
        if record.get("key") != key:
            return False
        for name, digest in record.get("outputs", {}).items():
            path = Path(name)
            if not path.exists() or file_digest(path) != digest:
                logger.info("%s: output %s changed or missing, running again", stage, name)
                return False
        return True

    def record(self, stage: str, key: str, outputs: list[Path]) -> None:
        """Remember that the stage ran with ``key`` and wrote ``outputs`` (files or folders)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        files = {str(path.resolve()): file_digest(path) for path in _expand(outputs)}
        self._record_file(stage).write_text(json.dumps({"key": key, "outputs": files}, indent=1) + "\n", encoding="utf-8")

    def forget(self, stage: str) -> None:
        self._record_file(stage).unlink(missing_ok=True)
