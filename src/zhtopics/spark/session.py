"""The SparkSession of a run: checked Java, no network, no UI, workers on this interpreter.

:func:`spark_session` starts (or reuses) the session the Spark stages share; the CLI
stops it when the command ends (:func:`stop_session`). Before the JVM starts,
:func:`check_java` runs ``java -version`` so that a missing or old Java is one clear
line, not a Py4J traceback.

What the session never does: download jars (``spark.jars.packages`` is never set), open
the web UI (``spark.ui.enabled`` false unless ``spark.ui``), write event logs outside the
output folder. Python workers run the interpreter running zhtopics (``PYSPARK_PYTHON``),
so they import the same zhtopics; on a cluster, zhtopics must be installed in that same
interpreter path on every executor (README, "Running on a cluster").
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from zhtopics.errors import ZhtopicsError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from zhtopics.params import SparkParams

logger = logging.getLogger(__name__)

#: Spark 4 runs on Java 17 or later.
MIN_JAVA = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')

_started: SparkSession | None = None


def java_major(output: str) -> int | None:
    """The major version in the output of ``java -version`` (``"1.8.0_392"`` → 8).

    Examples
    --------
    >>> java_major('openjdk version "17.0.15" 2025-04-15'), java_major('java version "1.8.0_392"')
    (17, 8)
    """
    match = _VERSION.search(output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java() -> str:
    """The ``java`` Spark will start (``$JAVA_HOME/bin/java``, else the one on PATH), checked.

    Raises
    ------
    ZhtopicsError
        When there is no Java, or it is older than :data:`MIN_JAVA`.
    """
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    where = f"JAVA_HOME={home}" if home else "PATH"
    if java is None or not Path(java).exists():
        raise ZhtopicsError(f"--spark needs Java {MIN_JAVA} or later, and there is no java on {where}")
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        raise ZhtopicsError(f"--spark: {java} -version failed: {error}") from None
    major = java_major(done.stderr + done.stdout)
    if major is None or major < MIN_JAVA:
        found = (done.stderr or done.stdout).strip().splitlines()[:1]
        raise ZhtopicsError(
            f"--spark needs Java {MIN_JAVA} or later; {java} is {found[0] if found else 'of unknown version'}"
        )
    return java


def session_config(params: SparkParams, scratch: Path) -> dict[str, str]:
    """The Spark configuration of a run (everything set explicitly; nothing downloaded).

    Parameters
    ----------
    params : SparkParams
        The ``spark`` section (``master`` set).
    scratch : Path
        Spark's local scratch folder (shuffle files, spills), below the output folder.
    """
    config = {
        "spark.app.name": params.app_name,
        "spark.driver.memory": params.driver_memory,
        "spark.ui.enabled": str(params.ui).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.eventLog.enabled": str(params.event_log).lower(),
        "spark.sql.shuffle.partitions": str(params.partitions),
        "spark.default.parallelism": str(params.partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.local.dir": str(scratch),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.executorEnv.PYTHONHASHSEED": "0",
    }
    if params.event_log:
        config["spark.eventLog.dir"] = str(scratch / "events")
        (scratch / "events").mkdir(parents=True, exist_ok=True)
    if params.master.startswith("local"):
        # one machine: the driver listens on loopback only
        config["spark.driver.bindAddress"] = "127.0.0.1"
        config["spark.driver.host"] = "127.0.0.1"
    return config


def spark_session(params: SparkParams, scratch: Path) -> SparkSession:
    """The run's SparkSession: the active one (a test's, a notebook's) or a new one.

    Raises
    ------
    ZhtopicsError
        Without pyspark (the ``spark`` extra), or without Java 17+.
    """
    global _started
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ZhtopicsError("--spark needs pyspark: pip install 'zhtopics[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    check_java()
    # pyspark 4.3 warns that pandas >= 3 is "not yet fully supported". The paths used here
    # (mapInPandas, toPandas and Arrow batches of strings, integers, doubles and string
    # arrays) give the single-machine stages' files exactly (tests/spark): the warning is
    # silenced on purpose, not by accident.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    if params.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "hostname resolves to loopback" warning
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    scratch.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.master(params.master)
    for key, value in session_config(params, scratch).items():
        builder = builder.config(key, value)
    logger.info("starting Spark (%s, driver memory %s)", params.master, params.driver_memory)
    _started = builder.getOrCreate()
    _started.sparkContext.setLogLevel("ERROR")
    return _started


def stop_session() -> None:
    """Stop the session :func:`spark_session` started (if any)."""
    global _started
    if _started is not None:
        _started.stop()
        _started = None
