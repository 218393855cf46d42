"""One writer per output folder: the lock, and the clean-up before a command writes.

Commands that write take an OS file lock on ``<out>/.zhtopics.lock``
(:func:`output_lock`): a second run on the same folder stops at once instead of mixing
its files with the first's. Holding it, :func:`open_output` removes the temporary files a
killed run left and the run manifest of a folder about to change.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from zhtopics.atomic import remove_temporaries
from zhtopics.errors import ZhtopicsError
from zhtopics.paths import OutputPaths

logger = logging.getLogger(__name__)


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
    lock_file = OutputPaths(root).lock

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


def _drop_run_manifest(paths: OutputPaths) -> None:
    """Remove ``results/run_manifest.json`` before a command changes the folder: a manifest
    is there only when it describes the folder's content (``run`` writes a new one last)."""
    manifest = paths.result("run_manifest")
    if manifest.exists():
        manifest.unlink()
        logger.info("removed %s: it described the folder before this command", manifest)


@contextlib.contextmanager
def open_output(paths: OutputPaths, keep_manifest: bool = False) -> Iterator[OutputPaths]:
    """Hold the output folder's lock while a command writes below it.

    Leftover temporary files of killed writers are removed first; so is the run manifest,
    unless ``keep_manifest`` (commands that leave results/ and figures/ as they are): a
    manifest is there only when it describes the folder's content.
    """
    created = not paths.root.exists()
    try:
        with output_lock(paths.root):
            remove_temporaries(paths.output_folders())
            if not keep_manifest:
                _drop_run_manifest(paths)
            yield paths
    except BaseException:
        if created:
            _remove_if_empty(paths)
        raise


def _remove_if_empty(paths: OutputPaths) -> None:
    """Remove an output folder this command created when it failed before writing anything
    into it (it holds only the lock file and empty folders), instead of leaving that behind."""
    leftovers = [p for p in paths.root.rglob("*") if p.is_file() and p != paths.lock]
    if not leftovers:
        shutil.rmtree(paths.root, ignore_errors=True)
        logger.info("removed %s: the command failed before writing anything there", paths.root)
