"""The errors a user can fix: shown as one line naming the file and the problem, no traceback."""

from __future__ import annotations

from pathlib import Path


class ZhtopicsError(Exception):
    """An error the user can fix (bad input, bad parameter); shown as one line, no traceback."""


class InputError(ZhtopicsError):
    """A problem with an input file. The message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")
