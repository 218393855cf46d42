"""One SparkSession for all the Spark tests: local[2], a 1 GB driver, the project's settings.

The stages find it as the active session (:func:`zhtopics.spark.session.spark_session`),
so the tests pay the JVM's start once. Without pyspark (the ``spark`` extra) the tests that
need it are not collected, except on CI (CI=true), where `make test` installs it and its
absence is an error.
"""

from __future__ import annotations

import os
import sys

import pytest

from zhtopics.params import load_params

try:
    import pyspark  # noqa: F401
except ImportError:
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("pyspark is not installed: on CI, `make test` installs requirements-spark.lock") from None
    collect_ignore = ["test_pipeline.py", "test_modeling.py"]

#: The ``spark`` parameters of the tests (the stages read the session's, set here).
TEST_SPARK = {"master": "local[2]", "driver_memory": "1g", "partitions": 4}


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from zhtopics.spark.session import check_java, session_config

    check_java()
    params = load_params(overrides={"spark": TEST_SPARK}).spark
    os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = SparkSession.builder.master(params.master)
    for key, value in session_config(params, tmp_path_factory.mktemp("spark-scratch")).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
