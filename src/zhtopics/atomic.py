"""Atomic file writes: a file is either its old complete version or its new complete one.

Every artifact zhtopics writes goes through :func:`atomic_path` (or the two small helpers
below it): the writer fills a temporary file in the same folder, and only a writer that
finished renames it over the target (``os.replace`` is atomic on POSIX within one file
system). A run killed at any moment therefore leaves no half-written table, model or figure
behind, only a ``.*.tmp-*`` file that the next run overwrites or ignores.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

TEMP_MARKER = ".tmp-"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    The temporary name keeps the suffix (``savefig`` and ``to_parquet`` infer the format
    from it) and starts with a dot. On an exception the temporary file is removed and the
    old ``path``, if any, is left untouched.

    Examples
    --------
    >>> with atomic_path(out / "topics.csv") as tmp:   # doctest: +SKIP
    ...     table.to_csv(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}{TEMP_MARKER}{os.getpid()}{path.suffix}")
    try:
        yield temporary
        if temporary.exists():
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; when the block succeeds, replace
    ``path`` (and whatever it held) with it. On an exception the temporary folder is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}{TEMP_MARKER}{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        yield temporary
        shutil.rmtree(path, ignore_errors=True)
        os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding=encoding)


def write_csv(table, path: str | Path) -> None:
    """``table.to_csv(path, index=False)`` for a pandas DataFrame, atomically."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def is_temporary(path: str | Path) -> bool:
    """True for a leftover temporary file of :func:`atomic_path` (never a result), or a
    folder filled under a temporary name of the same form before being renamed into place."""
    name = Path(path).name
    return name.startswith(".") and TEMP_MARKER in name


def within_temporary(path: str | Path, root: str | Path) -> bool:
    """True when ``path`` or any folder between ``root`` and it is temporary (:func:`is_temporary`)."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        parts = (Path(path).name,)
    return any(is_temporary(part) for part in parts)


def remove_temporaries(folders: Iterable[str | Path]) -> list[Path]:
    """Delete the temporary files and folders that killed writers left below ``folders``.

    Only call this while holding the output folder's lock (``zhtopics.cli.output_lock``):
    then no other zhtopics process is writing there, and every temporary file is a leftover.

    Returns
    -------
    list of Path
        The files and folders removed.
    """
    removed = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(f".*{TEMP_MARKER}*")):
            if not is_temporary(path) or any(path.is_relative_to(done) for done in removed):
                continue
            with contextlib.suppress(FileNotFoundError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
    if removed:
        logger.info("removed %d temporary files or folders left by an interrupted run", len(removed))
    return removed
