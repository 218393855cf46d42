"""The code version of a computation: the source of every zhtopics module it imports.

One scheme for the three places that need to know whether code changed: the stage cache
of ``zhtopics run`` (a stage re-runs when a module it imports changed), the sweep's run
cache (a cached model is reused only by the same code) and the run manifest (the code
version of a whole run). Each names its starting modules; :func:`module_closure` follows
their ``import`` statements (read from the source with :mod:`ast`, so imports inside
functions count too) through the zhtopics package, and :func:`code_digest` hashes those
files with the package data files named beside them.

Written here rather than taken from :mod:`modulefinder`: that follows every third-party
and standard-library import as well (slow) and reports modules, not the package files a
digest needs; restricted to one package, an import walk is a few lines.

Examples
--------
>>> files = module_closure("zhtopics.provenance.code")
>>> [f.name for f in files]
['__init__.py', '__init__.py', 'code.py']
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import logging
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from zhtopics import __version__

logger = logging.getLogger(__name__)

PACKAGE = "zhtopics"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _source_checkout() -> Path | None:
    """The project folder when zhtopics runs from a source checkout (``<root>/src/zhtopics``
    beside ``<root>/pyproject.toml``: the editable install of ``make``), else None."""
    root = PACKAGE_DIR.parent.parent
    if PACKAGE_DIR.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


#: The project folder of a source checkout (git commit, lock file), or None for an installed package.
SOURCE_CHECKOUT = _source_checkout()


def _module_file(name: str) -> Path | None:
    """The source file of a zhtopics module or package (``__init__.py``), without importing it."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Ids of the nodes whose imports never run for an importer of the module: the
    ``if TYPE_CHECKING:`` blocks (imports for annotations only) and the body of a
    module-level ``__getattr__`` (lazy attributes such as ``zhtopics.Study``)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        lazy = isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and node in tree.body
        if lazy or (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            for statement in node.body:
                skipped |= {id(child) for child in ast.walk(statement)}
    return skipped


def imported_modules(name: str, runtime_only: bool = False) -> set[str]:
    """The zhtopics modules that module ``name`` imports, at any depth of its code.

    Parameters
    ----------
    name : str
        A dotted zhtopics module name.
    runtime_only : bool
        Leave out the implicit imports of parent packages (for an import graph); by
        default they count (for a code version: a package's ``__init__`` runs first).
    """
    file = _module_file(name)
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    skipped = _skipped_nodes(tree)
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = (
                importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                if node.level
                else node.module
            )
            if not base:
                continue
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    if not runtime_only:  # a module's parents are imported first (their __init__ runs)
        found |= {".".join(m.split(".")[:i]) for m in found for i in range(1, m.count(".") + 1)}
    return {m for m in found if m.split(".")[0] == PACKAGE and m != name and _module_file(m) is not None}


def package_modules() -> list[str]:
    """Every module of the zhtopics package, dotted."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        names.append(".".join((PACKAGE, *parts[:-1])) if parts[-1] == "__init__" else ".".join((PACKAGE, *parts)))
    return names


@functools.cache
def module_closure(*modules: str) -> tuple[Path, ...]:
    """Every zhtopics source file the named modules import, directly or not, sorted.

    Parameters
    ----------
    *modules : str
        Dotted module names, e.g. ``"zhtopics.modeling.sweep"``.

    Returns
    -------
    tuple of Path
        The files, including the modules' own and their packages' ``__init__.py``.
    """
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        file = _module_file(name)
        if file is None:
            raise ValueError(f"{name} is not a module of the {PACKAGE} package")
        seen[name] = file
        parents = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}  # their __init__ runs first
        todo += sorted((imported_modules(name) | parents) - set(seen))
    return tuple(sorted(set(seen.values())))


def code_digest(files: Iterable[Path], length: int = 16) -> str:
    """SHA-256 of zhtopics' version and the given files (names relative to the package, and contents)."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(set(map(Path, files))):
        try:  # not resolved: notebooks/ is a symbolic link out of the package in a source checkout
            name = Path(os.path.abspath(path)).relative_to(PACKAGE_DIR).as_posix()
        except ValueError:
            name = path.name
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:length]


def package_files() -> list[Path]:
    """Every source and data file of the package (for the run manifest's code hash)."""
    return sorted(
        path
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    )


def package_versions(packages: Iterable[str]) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
