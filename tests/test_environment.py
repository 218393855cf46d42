"""requirements.lock, environment.yml, pyproject.toml and the running venv agree.

The name mapping and parsers live in tools/sync_environment.py (the script that
writes environment.yml from the lock); they are imported from there so the
test and the generator cannot disagree about what a conda name means.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def _load_sync_environment():
    path = ROOT / "tools" / "sync_environment.py"
    spec = importlib.util.spec_from_file_location("sync_environment", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _load_sync_environment()


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return sync.load_pyproject(ROOT / "pyproject.toml")


@pytest.fixture(scope="module")
def lock() -> dict[str, str]:
    return sync.read_lock(ROOT / "requirements.lock")


@pytest.fixture(scope="module")
def environment() -> dict:
    with open(ROOT / "environment.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _split_environment(environment: dict) -> tuple[str | None, dict[str, str]]:
    """Return (python version, {normalised PyPI name: version}) of environment.yml."""
    python = None
    pins: dict[str, str] = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            assert set(entry) == {"pip"}, f"unexpected section in environment.yml: {entry}"
            for line in entry["pip"]:
                if line.strip() == "-e .":
                    continue
                match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
                assert match, f"pip entry {line!r} in environment.yml is not pinned with =="
                name = sync.normalize(match.group(1))
                assert name not in pins, f"{name} is listed twice in environment.yml"
                pins[name] = match.group(2)
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:=([^=\s]+))?", entry.strip())
        assert match, f"conda entry {entry!r} in environment.yml is not name=version"
        conda_name, version = match.group(1), match.group(2)
        if conda_name == "pip":
            continue
        assert version, f"conda entry {entry!r} in environment.yml is not pinned"
        if conda_name == "python":
            python = version
            continue
        name = sync.conda_to_pypi(conda_name)
        assert name not in pins, f"{name} is listed twice in environment.yml"
        pins[name] = version
    return python, pins


def test_lock_pins_every_line_exactly():
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert pins, "requirements.lock pins nothing"
    bad = [line for line in pins if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^=\s;]+", line)]
    assert not bad, f"lines of requirements.lock not pinned with ==: {bad}"
    names = [sync.normalize(line.split("==")[0]) for line in pins]
    assert len(names) == len(set(names)), "requirements.lock pins a package twice"
    assert "zhtopics" not in names, "requirements.lock must not pin the project itself"


def test_lock_contains_every_direct_dependency(pyproject, lock):
    missing = [name for name in sync.direct_dependencies(pyproject) if name not in lock]
    assert not missing, f"direct dependencies missing from requirements.lock: {missing}"


def test_environment_pins_equal_lock(environment, lock):
    _, pins = _split_environment(environment)
    assert pins, "environment.yml lists no packages"
    missing = sorted(name for name in pins if name not in lock)
    assert not missing, f"in environment.yml but not in requirements.lock: {missing}"
    differ = {name: (version, lock[name]) for name, version in pins.items() if version != lock[name]}
    assert not differ, f"environment.yml vs requirements.lock (env, lock): {differ}"


def test_environment_lists_every_direct_dependency(pyproject, environment):
    _, pins = _split_environment(environment)
    missing = [name for name in sync.direct_dependencies(pyproject) if name not in pins]
    assert not missing, f"direct dependencies missing from environment.yml: {missing}"


def test_environment_installs_the_project(environment):
    pip_sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert len(pip_sections) == 1 and pip_sections[0][-1] == "-e .", (
        "environment.yml's pip section must end with '-e .'"
    )
    assert environment["name"] == "zhtopics"
    assert environment["channels"] == ["conda-forge"]


def test_environment_python_matches_requires_python(pyproject, environment):
    python, _ = _split_environment(environment)
    assert python, "environment.yml does not pin python"
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    assert re.fullmatch(r"\d+\.\d+", python), f"pin python to a series (X.Y), not {python!r}"
    major, minor = map(int, python.split("."))
    # every release of the pinned series is allowed, and nothing next to it
    assert f"{major}.{minor}.0" in requires and f"{major}.{minor}.99" in requires, (
        f"python={python} is not allowed by requires-python {requires}"
    )
    assert f"{major}.{minor - 1}.99" not in requires and f"{major}.{minor + 1}.0" not in requires, (
        f"requires-python {requires} allows more than python {python}"
    )
    assert python == sync.python_series(pyproject)


def test_environment_yml_is_what_sync_environment_writes(pyproject, lock):
    current = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert current == sync.render_environment(pyproject, lock), (
        "environment.yml is stale: run `python3 tools/sync_environment.py` (or `make lock`)"
    )


def test_running_interpreter_matches_requires_python(pyproject):
    version = ".".join(map(str, sys.version_info[:3]))
    assert version in SpecifierSet(pyproject["project"]["requires-python"])


@pytest.mark.parametrize("name", sync.direct_dependencies(sync.load_pyproject(ROOT / "pyproject.toml")))
def test_installed_version_equals_lock(name, lock):
    """The interpreter running the tests has exactly the locked direct dependencies."""
    try:
        installed = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{name} is not installed in {sys.prefix}; run `make venv`")
    assert installed == lock[name], (
        f"{name} {installed} is installed but requirements.lock pins {lock[name]}; run `make venv`"
    )


@pytest.mark.parametrize("extra", sorted(sync.EXTRA_LOCKS))
def test_extra_lock_adds_only_what_the_extra_needs(extra, pyproject, lock):
    """An extra's lock pins every line with ==, names the extra's own requirements and
    repeats nothing of requirements.lock (the Makefile installs it with --no-deps)."""
    path = sync.EXTRA_LOCKS[extra]
    pins = sync.read_lock(path)
    requirements = [sync.requirement_name(r) for r in pyproject["project"]["optional-dependencies"][extra]]
    missing = [name for name in requirements if name not in pins]
    assert not missing, f"{path.name} does not pin the {extra} extra's {missing}; run `make lock`"
    repeated = sorted(set(pins) & set(lock))
    assert not repeated, f"{path.name} repeats pins of requirements.lock: {repeated}"


def test_bench_lock_has_bertopic_without_torch():
    pins = sync.read_lock(sync.EXTRA_LOCKS["bench"])
    assert "bertopic" in pins
    assert not {"torch", "sentence-transformers", "transformers"} & set(pins)


def test_installed_pyspark_equals_its_lock():
    """`make test` installs the Spark extra; outside CI a venv without it skips this."""
    pinned = sync.read_lock(sync.EXTRA_LOCKS["spark"])
    try:
        installed = importlib.metadata.version("pyspark")
    except importlib.metadata.PackageNotFoundError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pyspark is not installed: on CI, `make test` installs requirements-spark.lock")
        pytest.skip("pyspark is not installed (`make spark`)")
    assert installed == pinned["pyspark"], (
        f"pyspark {installed} installed, requirements-spark.lock pins {pinned['pyspark']}"
    )
