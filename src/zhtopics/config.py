"""Paths and parameters: the one place that knows where things live.

Every research parameter lives in ``params.yaml`` at the project root, one section per
stage. :func:`load_params` reads it and merges a user's ``--config`` file over it, so a
user file only needs the keys it changes. Relative paths inside the parameters (the
lexicon files) are resolved against the project root.

A user's file is checked key by key: an unknown key, or a value whose type is not the
default's (an integer is accepted for a number, a boolean never for a number; lists by
their elements' type; :data:`ALTERNATIVES` lists the parameters that take several forms,
:data:`NULL_ALLOWED` those that may be null), stops with one line naming the file, the key
path and the problem, e.g. ``my.yaml: sweep.seeds: expected a list of integers, got 'abc'``.
Broken YAML names the file and the line.
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


# ----------------------------------------------------------------------------- validation

#: Human names of the types a parameter may have, for error messages.
_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", dict: "a mapping"}
_LIST_NAMES = {
    bool: "a list of true/false values",
    int: "a list of integers",
    float: "a list of numbers",
    str: "a list of strings",
}

#: Parameters whose value may be null although their default is not (the code treats null as "none" / "all").
NULL_ALLOWED = {
    "segment.userdict",
    "segment.stopwords_iso",
    "segment.stopwords_file",
    "segment.allowlist",
    "segment.filter_extremes.keep_n",
    "sweep.coherence_docs",
}

#: Parameters that accept more than the type of their default (the default is one form among several).
#: Each entry is (description for the error message, check returning True when the value is valid).
ALTERNATIVES: dict[str, tuple[str, Any]] = {}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_list_of(check, value: Any) -> bool:
    return isinstance(value, list) and all(check(item) for item in value)


def _is_k_range(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and {"start", "stop"} <= set(value) <= {"start", "stop", "step"}
        and all(_is_int(v) for v in value.values())
    )


ALTERNATIVES.update(
    {
        # the numbers of topics: {start, stop, step} (stop included), a list, or one K
        "sweep.k": (
            "a mapping {start, stop, step} of integers, a list of integers or an integer",
            lambda v: _is_k_range(v) or _is_list_of(_is_int, v) or _is_int(v),
        ),
        # gensim LdaModel's alpha: 'symmetric', 'asymmetric', 'auto', a number or one number per topic
        "engines.gensim.alpha": (
            "a string ('symmetric', 'asymmetric', 'auto'), a number or a list of numbers",
            lambda v: isinstance(v, str) or _is_number(v) or _is_list_of(_is_number, v),
        ),
        # gensim LdaModel's eta (default null): 'symmetric', 'auto', a number or one number per word
        "engines.gensim.eta": (
            "null, a string ('symmetric', 'auto'), a number or a list of numbers",
            lambda v: v is None or isinstance(v, str) or _is_number(v) or _is_list_of(_is_number, v),
        ),
        # tomotopy LDAModel's alpha: a number or one number per topic
        "engines.tomotopy.alpha": (
            "a number or a list of numbers",
            lambda v: _is_number(v) or _is_list_of(_is_number, v),
        ),
        # null-default parameters, with the type they take otherwise
        "corpus.text_column": ("null or a string", lambda v: v is None or isinstance(v, str)),
        "corpus.id_column": ("null or a string", lambda v: v is None or isinstance(v, str)),
        "corpus.group_column": ("null or a string", lambda v: v is None or isinstance(v, str)),
        "corpus.opencc": (
            "null or a string (an OpenCC configuration such as t2s)",
            lambda v: v is None or isinstance(v, str),
        ),
        "segment.chunk_size": ("null or an integer", lambda v: v is None or _is_int(v)),
        "topic_map.font_file": ("null or a string (a font file)", lambda v: v is None or isinstance(v, str)),
    }
)


def _shown(value: Any, limit: int = 60) -> str:
    """``value`` as the error message shows it: YAML-like, short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _expected(default: Any) -> str:
    """What a value must be, from the default's type (lists by their elements' type)."""
    if isinstance(default, list):
        kinds = {float if _is_number(item) and not _is_int(item) else type(item) for item in default}
        if len(kinds) == 1 and (kind := kinds.pop()) in _LIST_NAMES:
            return _LIST_NAMES[int if kind is int and all(_is_int(i) for i in default) else kind]
        return "a list"
    return _TYPE_NAMES.get(type(default), type(default).__name__)


def _matches(value: Any, default: Any) -> bool:
    """True when ``value`` has the type of ``default`` (an int is accepted for a float,
    a boolean is never accepted for a number; lists are checked element by element)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if _is_int(default):
        return _is_int(value)
    if isinstance(default, float):
        return _is_number(value)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        if not isinstance(value, list):
            return False
        if not default:
            return True
        element = default[0]
        if all(_is_int(item) for item in default):
            return all(_is_int(item) for item in value)
        if all(_is_number(item) for item in default):
            return all(_is_number(item) for item in value)
        if all(isinstance(item, type(element)) for item in default):
            return all(isinstance(item, type(element)) for item in value)
        return True
    return True


def check_value(name: str, value: Any, default: Any) -> str | None:
    """Why ``value`` is not valid for the parameter ``name`` whose default is ``default``.

    Parameters
    ----------
    name : str
        Dotted key path, e.g. ``sweep.seeds``.
    value : Any
        The value given (after YAML parsing).
    default : Any
        The value in ``params.yaml``; its type is the expected type, except for the
        parameters of :data:`ALTERNATIVES` (several forms) and :data:`NULL_ALLOWED`
        (null accepted too). A parameter whose default is null accepts any value unless it
        is listed in :data:`ALTERNATIVES`.

    Returns
    -------
    str or None
        ``"expected a list of integers, got 'abc'"``, or None when the value is valid.
    """
    if name in ALTERNATIVES:
        description, check = ALTERNATIVES[name]
        return None if check(value) else f"expected {description}, got {_shown(value)}"
    if default is None or (value is None and name in NULL_ALLOWED):
        return None
    if _matches(value, default):
        return None
    return f"expected {_expected(default)}, got {_shown(value)}"


def _merge(base: dict, override: dict, where: str = "", source: str | None = None) -> dict:
    """Recursively merge ``override`` into a copy of ``base``, checking every key and value.

    Unknown keys are errors, and so are values whose type differs from the default's
    (:func:`check_value`). A section given as null (``segment:`` with nothing below it)
    changes nothing. Errors start with ``source`` (the file they come from)."""
    prefix = f"{source}: " if source else ""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        name = f"{where}{key}"
        if key not in base:
            known = ", ".join(sorted(map(str, base)))
            raise ZhtopicsError(f"{prefix}unknown parameter '{name}' (known here: {known})")
        default = base[key]
        if isinstance(default, dict) and name not in ALTERNATIVES:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ZhtopicsError(f"{prefix}{name}: expected a mapping (a section of keys), got {_shown(value)}")
            merged[key] = _merge(default, value, f"{name}.", source)
            continue
        if isinstance(default, dict) and isinstance(value, dict) and name in ALTERNATIVES:
            # e.g. sweep.k: {start: 2, stop: 5} keeps the default step
            unknown = sorted(set(value) - set(default))
            if unknown:
                known = ", ".join(sorted(map(str, default)))
                raise ZhtopicsError(f"{prefix}unknown parameter '{name}.{unknown[0]}' (known here: {known})")
            value = {**default, **value}
        problem = check_value(name, value, default)
        if problem:
            raise ZhtopicsError(f"{prefix}{name}: {problem}")
        merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml(path: Path) -> dict:
    """Parse a parameter file; any problem is an :class:`InputError` naming the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "parameter file not found") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    except OSError as error:
        raise InputError(path, error.strerror or str(error)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(getattr(error, "problem", None) or "").split())
        raise InputError(path, f"{where}not valid YAML" + (f" ({problem})" if problem else "")) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping of sections (corpus:, segment:, ...)")
    return data


def load_params(
    config: str | Path | None = None, overrides: dict | None = None, overrides_source: str = "command line"
) -> dict:
    """Read ``params.yaml``, then merge a user's config file and explicit overrides over it.

    Every key of the config file and of the overrides must exist in ``params.yaml`` and
    its value must have the type of the default there (see :func:`check_value`).

    Parameters
    ----------
    config : str or Path, optional
        A YAML file with only the keys to change (same sections as ``params.yaml``).
    overrides : dict, optional
        Nested dict merged last (used by the CLI for flags such as ``--text-column``).
    overrides_source : str
        How error messages name the overrides (default ``command line``).

    Returns
    -------
    dict
        The full parameter tree.

    Raises
    ------
    ZhtopicsError
        If a file is missing or invalid (naming the file and the line), a key is not a
        known parameter, or a value has the wrong type (naming the file and the key path),
        e.g. ``my.yaml: sweep.seeds: expected a list of integers, got 'abc'``.
    """
    params = _read_yaml(DEFAULT_PARAMS_FILE)
    if config is not None:
        params = _merge(params, _read_yaml(Path(config)), source=str(config))
    if overrides:
        params = _merge(params, overrides, source=overrides_source)
    return params


def resolve(path: str | Path) -> Path:
    """Resolve a path from ``params.yaml`` against the project root."""
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def params_hash(section: Any) -> str:
    """Short, stable hash of a parameter (sub)tree, for manifests and caches."""
    blob = json.dumps(section, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
