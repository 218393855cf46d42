"""Which files an input path stands for: a text or table file itself, or a folder's ``.txt`` files."""

from __future__ import annotations

import logging
from pathlib import Path

from zhtopics.errors import InputError
from zhtopics.ingest.tables import TABLE_SUFFIXES

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt"}


def list_input_files(input_path: str | Path) -> list[Path]:
    """The files the reader takes from an input path: the file itself, or a folder's ``.txt``
    files (hidden ones included), in name order. Quiet: nothing is logged (the reader warns
    about the folder's entries it ignores).

    Raises
    ------
    InputError
        As the reader does: no such path, an unsupported file type, a folder without ``.txt`` files.
    """
    return _input_files(input_path, warn=False)[0]


def _input_files(input_path: str | Path, warn: bool = True) -> tuple[list[Path], list[Path]]:
    """The files to read, and (for a folder) the entries that are not read (a warning lists
    them, unless ``warn`` is false)."""
    path = Path(input_path)
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_file():
        if path.suffix.lower() not in TEXT_SUFFIXES | set(TABLE_SUFFIXES):
            supported = ", ".join(sorted(TEXT_SUFFIXES | set(TABLE_SUFFIXES)))
            raise InputError(path, f"unsupported file type '{path.suffix}' (supported: {supported})")
        return [path], []
    try:
        entries = sorted(path.iterdir())
    except OSError as error:
        raise InputError(path, f"cannot list the folder: {error.strerror or error}") from None
    files = [p for p in entries if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
    ignored = [p for p in entries if p not in files and not p.name.startswith(".")]
    if ignored and warn:
        logger.warning("%s: ignoring what is not a .txt file: %s", path, ", ".join(p.name for p in ignored))
    if not files:
        raise InputError(path, "folder has no .txt files (for a table, pass the file itself)")
    return files, ignored
