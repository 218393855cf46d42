"""Loading parameters: the packaged defaults, then layers of files and flags, checked key by key.

See :mod:`zhtopics.params` for the layers and the rules.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.params.sections import (
    CorpusParams,
    FiguresParams,
    FrozenMapping,
    InferParams,
    PrevalenceParams,
    SegmentParams,
    SelectionParams,
    SparkModelingParams,
    SparkParams,
    SweepParams,
    ThemesParams,
    TopicMapParams,
    TrainParams,
    ValidateParams,
)

#: The installed package's folder (package data: params.yaml, lexicons, notebooks, templates).
PACKAGE_DIR = Path(str(resources.files("zhtopics")))
#: The packaged defaults: the only place parameter values are written down.
DEFAULTS_FILE = PACKAGE_DIR / "params.yaml"
#: How parameter files name a file shipped inside the package.
PACKAGE_PREFIX = "<zhtopics>/"
#: The study's own parameter file, looked up in the output folder.
STUDY_PARAMS = "params.yaml"


@dataclass(frozen=True)
class Params:
    """Every parameter of a run, one section per stage (see the packaged ``params.yaml``).

    ``engines`` maps each registered engine's name to its own parameter class
    (:mod:`zhtopics.modeling.engines`): adding an engine adds its section there and its
    defaults to ``params.yaml``, nothing here.
    """

    corpus: CorpusParams
    segment: SegmentParams
    engines: Mapping[str, Any]
    sweep: SweepParams
    selection: SelectionParams
    train: TrainParams
    prevalence: PrevalenceParams
    themes: ThemesParams
    figures: FiguresParams
    topic_map: TopicMapParams
    infer: InferParams
    validate: ValidateParams
    spark: SparkParams
    spark_modeling: SparkModelingParams

    def replace(self, **changes: Mapping) -> Params:
        """A copy with some values changed, checked like a config file, e.g.
        ``params.replace(sweep={"k": [5]}, segment={"userdict": None})``."""
        return _load_layers(_Layer(params_to_dict(self), None, "defaults"), _Layer(changes, Path.cwd(), "replace()"))


# ----------------------------------------------------------------------------- type checks

_SCALAR_NAMES = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    Path: "a string (a file)",
}
_LIST_NAMES = {
    bool: "a list of true/false values",
    int: "a list of integers",
    float: "a list of numbers",
    str: "a list of strings",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _options(kind) -> tuple:
    """The members of a union type (``A | B``, ``Optional``), or ``(kind,)``."""
    if typing.get_origin(kind) in (Union, types.UnionType):
        return typing.get_args(kind)
    return (kind,)


def _matches(value: Any, kind) -> bool:
    """True when a YAML value fits the declared type (an int is a number, a bool never is)."""
    if kind is type(None):
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return _is_int(value)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in (str, Path):
        return isinstance(value, (str, Path))
    origin = typing.get_origin(kind)
    if origin is Literal:
        return isinstance(value, str) and value in typing.get_args(kind)
    if origin is list:
        (element,) = typing.get_args(kind)
        return isinstance(value, list) and all(_matches(item, element) for item in value)
    if origin in (Union, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(kind))
    if dataclasses.is_dataclass(kind):
        return isinstance(value, Mapping)
    return True


def _describe(kind) -> str:
    """``int | None`` → "null or an integer", for error messages."""
    options = _options(kind)
    if len(options) > 1:
        names = [_describe(option) for option in options if option is not type(None)]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return ("null or " if type(None) in options else "") + text
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(kind))
    if typing.get_origin(kind) is list:
        return _LIST_NAMES.get(typing.get_args(kind)[0], "a list")
    if dataclasses.is_dataclass(kind):
        return "a mapping (a section of keys)"
    return _SCALAR_NAMES.get(kind, getattr(kind, "__name__", str(kind)))


def _shown(value: Any, limit: int = 60) -> str:
    """``value`` as an error message shows it: YAML-like, short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(str(value) if isinstance(value, Path) else value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.cache
def _fields(section) -> dict[str, dataclasses.Field]:
    hints = typing.get_type_hints(section)
    fields = {f.name: f for f in dataclasses.fields(section)}
    for name, f in fields.items():
        f.type = hints[name]
    return fields


def _engine_types() -> dict[str, type]:
    """Engine name → its parameter class, from the engine registry."""
    from zhtopics.modeling.engines import engine_params_types

    return engine_params_types()


# ----------------------------------------------------------------------------- layers


@dataclasses.dataclass
class _Layer:
    """One source of parameters: its values, the folder its relative paths start from, its name."""

    data: Mapping
    base: Path | None
    source: str


def resolve_path(value: str | Path, base: Path | None) -> Path:
    """A file parameter as a path: ``<zhtopics>/...`` in the package, relative to ``base`` otherwise."""
    text = str(value)
    if text.startswith(PACKAGE_PREFIX):
        return PACKAGE_DIR / text[len(PACKAGE_PREFIX) :]
    path = Path(text).expanduser()
    if path.is_absolute() or base is None:
        return path
    return base / path


def _merge_value(name: str, current: Any, value: Any, kind, layer: _Layer, expected: str | None = None) -> Any:
    """``value`` of ``layer`` checked against ``kind`` and merged over ``current``.

    A mapping given for a section merges key by key over the section's current values (an
    empty section changes nothing). ``expected`` describes the values in error messages
    (default: from ``kind``)."""
    expected = expected or _describe(kind)
    options = _options(kind)
    section = next((option for option in options if dataclasses.is_dataclass(option)), None)
    if section is not None and value is None and len(options) == 1:
        if current is None:  # the first layer (the defaults) must give every section
            raise ZhtopicsError(f"{layer.source}: {name}: missing (an empty section)")
        return current
    if section is not None and isinstance(value, Mapping):
        # a section that is one form among several (sweep.k) is described as a whole
        whole = f"{name}: expected {expected}" if len(options) > 1 else None
        return _merge_section(
            f"{name}.",
            current if isinstance(current, Mapping) else {},
            value,
            section,
            layer,
            complete=not isinstance(current, Mapping),
            whole=whole,
        )
    if not _matches(value, kind):
        raise ZhtopicsError(f"{layer.source}: {name}: expected {expected}, got {_shown(value)}")
    if Path in options and value is not None:
        return resolve_path(value, layer.base)
    return value


def _merge_section(
    where: str, current: Mapping, given: Mapping, section, layer: _Layer, complete: bool, whole: str | None = None
) -> dict:
    """Merge a mapping of ``layer`` over a section's current values, checking every key.

    ``whole``: the message for a wrong value inside a section that is one form of a
    parameter among several (``sweep.k: expected a mapping ...``)."""
    fields = _fields(section)
    merged = dict(current)
    for key, value in given.items():
        name = f"{where}{key}"
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ZhtopicsError(f"{layer.source}: unknown parameter '{name}' (known here: {known})")
        if section is Params and key == "engines":
            merged[key] = _merge_engines(name, current.get(key, {}), value, layer)
            continue
        kind = fields[key].type
        if whole is not None and not _matches(value, kind):
            raise ZhtopicsError(f"{layer.source}: {whole}, got {_shown(given)}")
        merged[key] = _merge_value(name, current.get(key), value, kind, layer, fields[key].metadata.get("expected"))
    if complete:
        missing = [key for key in fields if key not in merged]
        if missing:
            raise ZhtopicsError(f"{layer.source}: {where.rstrip('.') or 'parameters'}: missing {', '.join(missing)}")
    return merged


def _merge_engines(where: str, current: Mapping, given: Any, layer: _Layer) -> dict:
    if given is None:
        return dict(current)
    if not isinstance(given, Mapping):
        raise ZhtopicsError(f"{layer.source}: {where}: expected a mapping (a section of keys), got {_shown(given)}")
    known = _engine_types()
    merged = dict(current)
    for engine, value in given.items():
        if engine not in known:
            names = ", ".join(sorted(known))
            raise ZhtopicsError(f"{layer.source}: unknown parameter '{where}.{engine}' (known here: {names})")
        merged[engine] = _merge_value(f"{where}.{engine}", current.get(engine), value, known[engine], layer)
    return merged


def _build(kind, raw: Any) -> Any:
    """Turn merged raw values into the frozen section classes."""
    section = next((option for option in _options(kind) if dataclasses.is_dataclass(option)), None)
    if section is None or not isinstance(raw, Mapping):
        return raw
    values = {}
    for name, f in _fields(section).items():
        if section is Params and name == "engines":
            engines = _engine_types()
            missing = sorted(set(engines) - set(raw[name]))
            if missing:
                raise ZhtopicsError(f"{DEFAULTS_FILE}: engines.{missing[0]}: a registered engine has no defaults")
            values[name] = FrozenMapping({e: _build(engines[e], v) for e, v in raw[name].items()})
        else:
            values[name] = _build(f.type, raw[name])
    return section(**values)


def _load_layers(*layers: _Layer) -> Params:
    raw: dict = {}
    for number, layer in enumerate(layers):
        raw = _merge_section("", raw, layer.data, Params, layer, complete=number == 0)
    return _build(Params, raw)


# ----------------------------------------------------------------------------- reading files


def read_yaml(path: Path) -> dict:
    """Parse a parameter file; any problem is an :class:`InputError` naming the file (and line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
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


def _file_layer(path: str | Path) -> _Layer:
    path = Path(path)
    return _Layer(read_yaml(path), path.resolve().parent, str(path))


def load_params(
    *files: str | Path | None,
    overrides: Mapping | None = None,
    overrides_base: Path | None = None,
    overrides_source: str = "command line",
) -> Params:
    """The packaged defaults, then each file of ``files`` (None is skipped), then ``overrides``.

    Parameters
    ----------
    *files : str or Path or None
        YAML files with only the keys to change (a study's ``params.yaml``, a ``--config``).
        Relative file parameters in a file resolve against that file's folder.
    overrides : mapping, optional
        Nested values merged last (the command line's flags).
    overrides_base : Path, optional
        The folder relative paths in ``overrides`` resolve against (default: the current folder).
    overrides_source : str
        How error messages name the overrides.

    Returns
    -------
    Params

    Raises
    ------
    ZhtopicsError
        If a file is missing or invalid (naming the file and the line), a key is not a
        known parameter, or a value has the wrong type (naming the file and the key path).
    """
    layers = [_file_layer(DEFAULTS_FILE)]
    layers += [_file_layer(path) for path in files if path is not None]
    if overrides:
        layers.append(_Layer(overrides, overrides_base or Path.cwd(), overrides_source))
    return _load_layers(*layers)


def study_params_file(out: str | Path) -> Path | None:
    """The study's ``params.yaml`` in the output folder, if it has one."""
    candidate = Path(out) / STUDY_PARAMS
    return candidate if candidate.is_file() else None


# ----------------------------------------------------------------------------- writing back


def _path_text(path: Path, root: Path | None) -> str:
    try:
        return PACKAGE_PREFIX + path.resolve().relative_to(PACKAGE_DIR.resolve()).as_posix()
    except ValueError:
        pass
    if root is None:
        return str(path)
    return Path(os.path.relpath(path.resolve(), Path(root).resolve())).as_posix()


def params_to_dict(value: Any, root: Path | None = None) -> Any:
    """Parameters (or a section) as plain data: file paths relative to ``root`` (a run
    folder), or ``<zhtopics>/...`` for the package's own files; absolute without ``root``."""
    if dataclasses.is_dataclass(value):
        return {f.name: params_to_dict(getattr(value, f.name), root) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: params_to_dict(item, root) for key, item in value.items()}
    if isinstance(value, list):
        return [params_to_dict(item, root) for item in value]
    if isinstance(value, Path):
        return _path_text(value, root)
    return value


def params_hash(section: Any, root: Path | None = None) -> str:
    """Short, stable hash of parameters (or a section), for manifests and caches."""
    blob = json.dumps(params_to_dict(section, root), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
