"""Paths and parameters: the one place that knows where things live.

Every research parameter lives in ``params.yaml`` at the project root, one section per
stage. :func:`load_params` reads it and merges a user's ``--config`` file over it, so a
user file only needs the keys it changes. Relative paths inside the parameters (the
lexicon files) are resolved against the project root.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PARAMS_FILE = PROJECT_ROOT / "params.yaml"


class ZhtopicsError(Exception):
    """An error the user can fix (bad input, bad parameter); shown as one line, no traceback."""


class InputError(ZhtopicsError):
    """A problem with an input file. The message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class OutputPaths:
    """Where the stages write, below one output folder (``--out``; ``.`` for the project).

    Parameters
    ----------
    root : Path
        The output folder. ``make run`` uses the project root.
    """

    root: Path

    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def documents(self) -> Path:
        return self.interim / "documents.parquet"

    @property
    def removed(self) -> Path:
        return self.interim / "removed.csv"

    @property
    def articles(self) -> Path:
        return self.interim / "articles.csv"

    @property
    def sources(self) -> Path:
        return self.interim / "sources.csv"

    @property
    def tokens(self) -> Path:
        return self.processed / "tokens.parquet"

    @property
    def dictionary(self) -> Path:
        return self.processed / "dictionary.gensim"

    @property
    def dictionary_text(self) -> Path:
        return self.processed / "dictionary.txt"

    @property
    def bow(self) -> Path:
        return self.processed / "corpus.mm"

    @property
    def segment_summary(self) -> Path:
        return self.processed / "segment_summary.json"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def sweep_cache(self) -> Path:
        """Cached sweep runs (one JSON row and one topic-word matrix per run)."""
        return self.root / ".cache" / "sweep"


def _merge(base: dict, override: dict, where: str = "") -> dict:
    """Recursively merge ``override`` into a copy of ``base``; unknown keys are errors."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            known = ", ".join(sorted(base))
            raise ZhtopicsError(f"unknown parameter '{where}{key}' (known here: {known})")
        if isinstance(base[key], dict) and isinstance(value, dict):
            merged[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "parameter file not found") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(path, f"not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping of sections (corpus:, segment:, ...)")
    return data


def load_params(config: str | Path | None = None, overrides: dict | None = None) -> dict:
    """Read ``params.yaml``, then merge a user's config file and explicit overrides over it.

    Parameters
    ----------
    config : str or Path, optional
        A YAML file with only the keys to change (same sections as ``params.yaml``).
    overrides : dict, optional
        Nested dict merged last (used by the CLI for flags such as ``--text-column``).

    Returns
    -------
    dict
        The full parameter tree.

    Raises
    ------
    ZhtopicsError
        If a file is missing or invalid, or a key is not a known parameter.
    """
    params = _read_yaml(DEFAULT_PARAMS_FILE)
    if config is not None:
        params = _merge(params, _read_yaml(Path(config)))
    if overrides:
        params = _merge(params, overrides)
    return params


def resolve(path: str | Path) -> Path:
    """Resolve a path from ``params.yaml`` against the project root."""
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def params_hash(section: Any) -> str:
    """Short, stable hash of a parameter (sub)tree, for manifests and caches."""
    blob = json.dumps(section, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
