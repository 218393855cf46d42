"""One SparkSession for all the Spark tests: local[2], a 1 GB driver, the project's settings.

The stages find it as the active session (:func:`zhtopics.spark.session.spark_session`),
so the tests pay the JVM's start once. Skipped without pyspark (the ``spark`` extra).
"""

from __future__ import annotations

import os
import sys

import pytest

from zhtopics.params import load_params

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
