#!/usr/bin/env python3
"""Rewrite environment.yml from pyproject.toml and requirements.lock.

environment.yml (for conda users) lists python, pip and every *direct*
dependency of zhtopics (pyproject's [project.dependencies] plus the ``dev``
extra), each pinned to exactly the version in requirements.lock.  This script
is the single place that knows how a PyPI name maps to a conda-forge package
(or that a package must come from pip instead); tools/lock.sh runs it after
regenerating the lock, and tests/test_environment.py imports it to check that
the two files agree.

Usage:
    python3 tools/sync_environment.py           # rewrite environment.yml
    python3 tools/sync_environment.py --check   # exit 1 if it is out of date

Standard library only (Python >= 3.11 for tomllib).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
#: The optional extras' locks: extra → lock file (each pins only what it adds to LOCK).
EXTRA_LOCKS = {"spark": ROOT / "requirements-spark.lock", "bench": ROOT / "requirements-bench.lock"}
ENVIRONMENT = ROOT / "environment.yml"

ENV_NAME = "zhtopics"
CHANNELS = ["conda-forge"]

# Marker: install from PyPI through the environment's pip section.
PIP = None

# Normalised PyPI name -> conda-forge package name, or PIP when conda-forge has
# no such package or its package of that name is not the Python binding.
# Every direct dependency must have an entry: adding a dependency to
# pyproject.toml without deciding here makes `make lock` fail loudly.
CONDA_NAMES: dict[str, str | None] = {
    "bitermplus": PIP,  # not on conda-forge
    "charset-normalizer": "charset-normalizer",
    "datasketch": "datasketch",
    "emoji": "emoji",
    "filelock": "filelock",
    "fonttools": "fonttools",
    "hypothesis": "hypothesis",
    "gensim": "gensim",
    "jieba": "jieba",
    "jupyterlab": "jupyterlab",
    "jupytext": "jupytext",
    "matplotlib": "matplotlib",
    "mplfonts": PIP,  # ships Noto Sans CJK SC; not on conda-forge
    "nbconvert": "nbconvert",
    "numba": "numba",
    "numpy": "numpy",
    "opencc": PIP,  # conda-forge's opencc is the C++ library, not this binding
    "openpyxl": "openpyxl",
    "pandas": "pandas",
    "papermill": "papermill",
    "pyarrow": "pyarrow",
    "pyldavis": "pyldavis",
    "pytest": "pytest",
    "pyyaml": "pyyaml",
    "psutil": "psutil",
    "rapidfuzz": "rapidfuzz",
    "rjieba": PIP,  # Rust jieba binding; not on conda-forge
    "ruff": "ruff",
    "scikit-learn": "scikit-learn",
    "scipy": "scipy",
    "selenium": "selenium",
    "stopwordsiso": PIP,  # not on conda-forge
    "tomotopy": PIP,  # PyPI wheels; no conda-forge package of this version
    "setuptools": "setuptools",
    "wheel": "wheel",
    "tqdm": "tqdm",
    "wordcloud": "wordcloud",
}

_NAME_RE = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_PIN_RE = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==([^\s=;,]+)$")


def normalize(name: str) -> str:
    """PEP 503 normalisation: lowercase, runs of -, _ and . become -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def conda_to_pypi(conda_name: str) -> str:
    """Map a conda-forge package name back to the normalised PyPI name."""
    reverse = {conda: pypi for pypi, conda in CONDA_NAMES.items() if conda is not None}
    try:
        return reverse[normalize(conda_name)]
    except KeyError:
        raise KeyError(f"conda package {conda_name!r} has no entry in CONDA_NAMES ({Path(__file__).name})") from None


def load_pyproject(path: Path = PYPROJECT) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def requirement_name(requirement: str) -> str:
    match = _NAME_RE.match(requirement)
    if not match:
        raise ValueError(f"cannot read a package name from {requirement!r}")
    return normalize(match.group(1))


def direct_dependencies(pyproject: dict | None = None) -> list[str]:
    """Normalised names of [project.dependencies] plus the dev extra."""
    project = (pyproject or load_pyproject())["project"]
    requirements = list(project.get("dependencies", []))
    requirements += project.get("optional-dependencies", {}).get("dev", [])
    names: list[str] = []
    for requirement in requirements:
        name = requirement_name(requirement)
        if name not in names:
            names.append(name)
    return names


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """Parse requirements.lock into {normalised name: version}.

    Every line that is not blank or a comment must be ``name==version``.
    """
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN_RE.match(line)
        if not match:
            raise ValueError(f"{path.name}:{number}: not a name==version pin: {raw!r}")
        name = normalize(match.group(1))
        if name in pins:
            raise ValueError(f"{path.name}:{number}: {name} is pinned twice")
        pins[name] = match.group(2)
    return pins


def python_series(pyproject: dict | None = None) -> str:
    """The single X.Y series allowed by requires-python (e.g. '3.11')."""
    spec = (pyproject or load_pyproject())["project"]["requires-python"]
    lower = re.search(r">=\s*(\d+)\.(\d+)", spec)
    upper = re.search(r"<\s*(\d+)\.(\d+)", spec)
    if not lower or not upper:
        raise ValueError(f"requires-python {spec!r} is not of the form '>=X.Y,<X.Z'")
    major, minor = int(lower.group(1)), int(lower.group(2))
    if (int(upper.group(1)), int(upper.group(2))) != (major, minor + 1):
        raise ValueError(f"requires-python {spec!r} allows more than one X.Y series")
    return f"{major}.{minor}"


def render_environment(pyproject: dict | None = None, pins: dict[str, str] | None = None) -> str:
    pyproject = pyproject or load_pyproject()
    pins = read_lock() if pins is None else pins
    conda: list[str] = []
    pip: list[str] = []
    for name in direct_dependencies(pyproject):
        if name not in CONDA_NAMES:
            raise KeyError(
                f"direct dependency {name!r} has no entry in CONDA_NAMES in "
                f"tools/{Path(__file__).name}: say which conda-forge package it is, or PIP"
            )
        if name not in pins:
            raise KeyError(f"direct dependency {name!r} is not pinned in requirements.lock")
        conda_name = CONDA_NAMES[name]
        if conda_name is PIP:
            pip.append(f"{name}=={pins[name]}")
        else:
            conda.append(f"{conda_name}={pins[name]}")

    lines = [
        "# Conda environment for zhtopics. It mirrors requirements.lock: every direct",
        "# dependency (pyproject.toml's dependencies plus the dev extra) is pinned to",
        "# exactly the version in the lock; tests/test_environment.py checks they agree.",
        "# GENERATED by tools/sync_environment.py, which `make lock` (tools/lock.sh) runs",
        "# after regenerating requirements.lock -- do not edit the pins by hand; change",
        "# the conda/pip name mapping in tools/sync_environment.py instead.",
        "#   conda env create -f environment.yml && conda activate zhtopics",
        "# Optional extras, pinned in their own locks (only what they add to this one):",
        "#   pip install --no-deps -r requirements-spark.lock   # zhtopics run --spark",
        "#   pip install --no-deps -r requirements-bench.lock   # make bench's peer pipelines",
        f"name: {ENV_NAME}",
        "channels:",
        *[f"  - {channel}" for channel in CHANNELS],
        "dependencies:",
        f"  - python={python_series(pyproject)}",
        "  - pip",
        *[f"  - {entry}" for entry in sorted(conda)],
        "  - pip:",
        *[f"      - {entry}" for entry in sorted(pip)],
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if environment.yml is out of date")
    args = parser.parse_args(argv)
    text = render_environment()
    current = ENVIRONMENT.read_text(encoding="utf-8") if ENVIRONMENT.exists() else None
    if args.check:
        if current != text:
            print(f"{ENVIRONMENT.name} is out of date: run python3 tools/{Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{ENVIRONMENT.name} is up to date")
        return 0
    if current != text:
        ENVIRONMENT.write_text(text, encoding="utf-8")
        print(f"wrote {ENVIRONMENT.name}")
    else:
        print(f"{ENVIRONMENT.name} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
