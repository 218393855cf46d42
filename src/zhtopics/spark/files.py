"""Spark's Parquet folders and the single files the one-machine stages read.

Spark writes a table as a folder of part files. :func:`write_ordered` writes one sorted
by a column across its parts (range-partitioned, sorted within each part), so
:func:`single_file` can stream the parts, in name order, into the one Parquet file the
single-machine stages and :class:`~zhtopics.results.RunResults` read, one row group at a
time (the driver never holds the table).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from zhtopics.atomic import atomic_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

logger = logging.getLogger(__name__)


def write_ordered(frame: DataFrame, folder: Path, order: str, partitions: int) -> None:
    """Write ``frame`` as Parquet parts under ``folder``, sorted by ``order`` across the parts
    (replacing what a killed run may have left there)."""
    frame.repartitionByRange(partitions, order).sortWithinPartitions(order).write.mode("overwrite").parquet(str(folder))


def parts(folder: Path) -> list[Path]:
    """The Parquet part files of a Spark output folder, in order."""
    return sorted(folder.glob("part-*.parquet"))


def single_file(folder: Path, target: Path, columns: list[str] | None = None, metadata: dict | None = None) -> int:
    """Stream the parts of ``folder`` (in order) into one Parquet file ``target``, atomically.

    Parameters
    ----------
    columns : list of str, optional
        The columns to keep (default: all).
    metadata : dict, optional
        Schema metadata to add (key → JSON-able value).

    Returns
    -------
    int
        The rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = parts(folder)
    if not files:
        raise FileNotFoundError(f"{folder}: no Parquet parts")
    schema = pq.ParquetFile(files[0]).schema_arrow.remove_metadata()
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    if metadata:
        schema = schema.with_metadata({key: json.dumps(value, sort_keys=True) for key, value in metadata.items()})
    rows = 0
    with atomic_path(target) as temporary, pq.ParquetWriter(temporary, schema) as writer:
        for file in files:
            for batch in pq.ParquetFile(file).iter_batches(batch_size=100_000, columns=columns):
                writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
                rows += batch.num_rows
    return rows
