"""A plain (non-editable) install of the package runs the seed study from another folder:
the defaults, lexicons, notebooks and templates are package data, found through
importlib.resources, not through the source checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT, SEED_FILE, SEED_PARAMS

SMALL = """
sweep: {k: [3, 4], seeds: [1, 2], engines: [tomotopy], processes: 2}
engines: {tomotopy: {iterations: 200}}
themes: {guided: {extra_topics: 0}}
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A wheel built from the checkout (offline: the dev extra pins setuptools and wheel),
    installed into a new virtual environment whose only other packages are the project's
    dependencies (through a .pth file naming this environment's site-packages, whose own .pth
    files, the editable install among them, are then not read)."""
    root = tmp_path_factory.mktemp("install")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(root / "dist")]
    subprocess.run([*build, str(PROJECT_ROOT)], check=True, capture_output=True, cwd=root)
    (wheel,) = (root / "dist").glob("zhtopics-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "zhtopics/params.yaml" in names and "zhtopics/notebooks/04-topics.ipynb" in names
    assert "zhtopics/lexicon/stopwords.txt" in names and "zhtopics/report/templates/offline/index.html.j2" in names
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    target = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q", "--target", str(site)]
    subprocess.run([*target, str(wheel)], check=True, capture_output=True)
    return venv / "bin" / "python"


def test_the_installed_package_is_not_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [
            str(installed),
            "-c",
            "import zhtopics, zhtopics.params as p; print(zhtopics.__file__); print(p.DEFAULTS_FILE)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split()
    assert all("site-packages" in line and str(PROJECT_ROOT / "src") not in line for line in where)


def test_an_installed_package_runs_the_seed_study_from_another_folder(installed, tmp_path):
    config = tmp_path / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    command = [str(installed), "-m", "zhtopics", "run", str(SEED_FILE), "--out", "out", "-q"]
    command += ["--config", str(SEED_PARAMS), "--config", str(config)]
    # Jupyter's data files (nbconvert's templates) live under the dependencies' prefix
    environment = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600, env=environment)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert (out / "results" / "topic_labels.csv").exists() and (out / "figures" / "topic_map.html").exists()
    reports = sorted(p.name for p in (out / "reports").glob("*.html"))
    assert reports == [
        f"{name}.html"
        for name in (
            "01-corpus",
            "02-segmentation",
            "03-model-choice",
            "04-topics",
            "05-articles",
            "06-engines",
            "07-prevalence",
            "index",
        )
    ]
    manifest = (out / "results" / "run_manifest.json").read_text(encoding="utf-8")
    assert '"<zhtopics>/lexicon/stopwords.txt"' in manifest  # the packaged lexicon, named portably
    assert '"requirements_lock_sha256": null' in manifest  # an installed package has no lock file
