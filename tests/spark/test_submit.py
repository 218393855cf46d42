"""README's spark-submit command: the package's ``__main__.py`` submitted as the application."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import zhtopics
from benchmarks.generate import PlantedModel, write_corpus


def test_spark_submit_runs_the_pipeline(tmp_path):
    pytest.importorskip("pyspark")
    submit = Path(sys.executable).with_name("spark-submit")
    if not submit.exists():
        pytest.skip("spark-submit is not next to this interpreter")
    corpus = tmp_path / "posts.csv"
    write_corpus(corpus, 60, PlantedModel(seed=0, k=2, vocabulary_size=100))
    application = Path(zhtopics.__file__).with_name("__main__.py")
    argv = [str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false", str(application)]
    argv += ["run", str(corpus), "--out", str(tmp_path / "out"), "--k", "2", "--spark", "local[2]"]
    argv += ["--no-figures", "--no-report", "-q"]
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    doc_topics = pd.read_csv(tmp_path / "out/results/doc_topics.csv")
    assert len(doc_topics) == 60 and {"topic_0", "topic_1"} <= set(doc_topics.columns)
