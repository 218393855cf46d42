"""Table inputs (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``, ``.xlsx``), read in chunks of rows.

:class:`TableReader` yields :class:`TableChunk` blocks of :data:`CHUNK_ROWS` rows (pandas
``read_csv(chunksize=...)``, JSONL line by line, ``pyarrow.parquet.ParquetFile.iter_batches``,
Excel workbooks row by row with openpyxl's read-only mode),
so memory grows with the kept text, not with the whole file held as Python objects. The
column helpers find the text column and make passthrough columns writable to Parquet.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from zhtopics.errors import InputError
from zhtopics.ingest.encodings import REPLACED_REASON, Decoding, sniff_encoding
from zhtopics.ingest.normalize import _SURROGATE

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".parquet": None, ".xlsx": None}
# Rows per chunk when reading tables, and paragraphs per block held in memory.
CHUNK_ROWS = 100_000
# Files at least this large get a progress bar while they are read.
PROGRESS_BYTES = 20_000_000
SURROGATE_REASON = "lone UTF-16 surrogate replaced with U+FFFD"


@dataclass
class TableChunk:
    """A block of rows of a table file.

    Attributes
    ----------
    frame : DataFrame
        Every column; CSV/TSV values are text, JSONL values as JSON gives them (object
        columns), Parquet columns as pyarrow converts them.
    labels : list of str
        Where each row came from (``row N`` or ``line N``), for provenance.
    altered : list of (int, str, str or None)
        Changes made while reading: (row in the chunk, reason, original).
    skipped : list of (str, str, str)
        Lines that did not become rows: (label, reason, raw text).
    """

    frame: pd.DataFrame
    labels: list[str]
    altered: list[tuple[int, str, str | None]] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


def _progress(path: Path, total: int, unit: str):
    return tqdm(
        total=total,
        desc=f"reading {path.name}",
        unit=unit,
        unit_scale=True,
        disable=path.stat().st_size < PROGRESS_BYTES,
    )


def _replace_surrogates(value):
    """``value`` (parsed JSON) with lone surrogates in its strings replaced by U+FFFD; and
    whether anything changed."""
    if isinstance(value, str):
        replaced = _SURROGATE.sub("\ufffd", value)
        return replaced, replaced != value
    if isinstance(value, list):
        items = [_replace_surrogates(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if isinstance(value, dict):
        items = [(_replace_surrogates(k), _replace_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in items}, any(ck or cv for (_, ck), (_, cv) in items)
    return value, False


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class TableReader:
    """Read a ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet`` file in chunks of rows.

    CSV and TSV go through pandas ``read_csv(chunksize=...)`` with every value read as
    text (so ids and numbers pass through unchanged); JSONL is read line by line; Parquet
    by batches (``ParquetFile.iter_batches``). Text files are decoded as
    :func:`sniff_encoding` decides (invalid bytes, if tolerated, become U+FFFD).

    Parameters
    ----------
    path : str or Path
    encoding : str
        ``"auto"`` or a codec name (text formats only).
    chunk_rows : int, optional
        Rows per chunk (default :data:`CHUNK_ROWS`).

    Attributes
    ----------
    decoding : Decoding or None
        How the file was decoded (None for Parquet), known once reading started.
    """

    def __init__(
        self, path: str | Path, encoding: str = "auto", chunk_rows: int | None = None, sheet: str | int | None = None
    ):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        self.encoding = encoding
        self.chunk_rows = max(1, int(chunk_rows or CHUNK_ROWS))
        self.sheet = sheet
        self.decoding: Decoding | None = None

    @property
    def encoding_name(self) -> str:
        if self.suffix in (".parquet", ".xlsx"):
            return self.suffix[1:]
        return self.decoding.encoding if self.decoding else self.encoding

    def chunks(self) -> Iterator[TableChunk]:
        """The file's rows, chunk after chunk (at least one chunk, maybe empty).

        Raises
        ------
        InputError
            When the file cannot be read as its format (naming the file and the problem).
        """
        if self.suffix == ".parquet":
            return self._parquet_chunks()
        if self.suffix == ".xlsx":
            return self._xlsx_chunks()
        if self.suffix == ".jsonl":
            return self._jsonl_chunks()
        if self.suffix in TABLE_SUFFIXES:
            return self._csv_chunks()
        raise InputError(self.path, f"unsupported table type '{self.suffix}'")

    def _csv_chunks(self) -> Iterator[TableChunk]:
        path, kind = self.path, self.suffix[1:].upper()
        self.decoding = sniff_encoding(path, self.encoding)
        size = path.stat().st_size
        first_row = 1
        with open(path, "rb") as handle, _progress(path, size, "B") as bar:
            try:
                reader = pd.read_csv(
                    handle,
                    sep=TABLE_SUFFIXES[self.suffix],
                    dtype=str,
                    keep_default_na=False,
                    chunksize=self.chunk_rows,
                    encoding=self.decoding.encoding,
                    encoding_errors=self.decoding.errors,
                )
            except pd.errors.EmptyDataError:
                raise InputError(
                    path, "empty file" if size == 0 else "no header row: the file holds only blank lines"
                ) from None
            except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as error:
                raise InputError(path, f"not a valid {kind} file ({_first_line(error)})") from None
            with reader:
                while True:
                    try:
                        frame = next(reader)
                    except StopIteration:
                        break
                    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, UnicodeDecodeError) as error:
                        raise InputError(path, f"not a valid {kind} file ({_first_line(error)})") from None
                    labels = [f"row {first_row + i}" for i in range(len(frame))]
                    first_row += len(frame)
                    bar.update(handle.tell() - bar.n)
                    yield TableChunk(frame.reset_index(drop=True), labels)

    def _jsonl_chunks(self) -> Iterator[TableChunk]:
        path = self.path
        self.decoding = decoding = sniff_encoding(path, self.encoding)
        records: list[dict] = []
        chunk = TableChunk(pd.DataFrame(), [])
        yielded = valid = 0
        first_problem = None
        with open(path, "rb") as handle, _progress(path, path.stat().st_size, "B") as bar:
            for number, raw in enumerate(handle, start=1):
                raw = raw.rstrip(b"\r\n")
                try:
                    line = raw.decode(decoding.encoding)
                    damaged = False
                except UnicodeDecodeError:
                    line, damaged = raw.decode(decoding.encoding, errors="replace"), True
                if not line.strip():
                    continue
                problem = None
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    problem = f"invalid JSON: {error.msg}"
                except RecursionError:
                    problem = "invalid JSON: nested too deeply"
                else:
                    if not isinstance(record, dict):
                        problem = "not a JSON object"
                if problem is not None:
                    chunk.skipped.append((f"line {number}", problem, line))
                    first_problem = first_problem or f"line {number}, {problem}"
                    continue
                if _SURROGATE_ESCAPE.search(line):
                    record, changed = _replace_surrogates(record)
                    if changed:
                        chunk.altered.append((len(records), SURROGATE_REASON, line))
                if damaged:
                    chunk.altered.append(
                        (len(records), REPLACED_REASON, raw.decode(decoding.encoding, errors="backslashreplace"))
                    )
                records.append(record)
                chunk.labels.append(f"line {number}")
                valid += 1
                if len(records) >= self.chunk_rows:
                    chunk.frame = _records_frame(records)
                    bar.update(handle.tell() - bar.n)
                    yield chunk
                    yielded += 1
                    records, chunk = [], TableChunk(pd.DataFrame(), [])
            bar.update(handle.tell() - bar.n)
        if valid == 0 and first_problem is not None:
            raise InputError(
                path, f"no line is a JSON object (first bad: {first_problem}); expected one JSON object per line"
            )
        if records or chunk.skipped or not yielded:
            chunk.frame = _records_frame(records)
            yield chunk

    def _parquet_chunks(self) -> Iterator[TableChunk]:
        import pyarrow.parquet as pq

        path = self.path

        def unreadable(error: Exception) -> InputError:
            return InputError(path, f"not a readable Parquet file ({type(error).__name__}: {_first_line(error)})")

        try:  # any failure of pyarrow on this file is a problem of the file
            parquet = pq.ParquetFile(path)
            batches = parquet.iter_batches(batch_size=self.chunk_rows)
            total = parquet.metadata.num_rows
            empty = parquet.schema_arrow.empty_table()
        except Exception as error:
            raise unreadable(error) from None
        first_row, seen = 1, False
        try:
            with _progress(path, total, "row") as bar:
                while True:
                    try:
                        batch = next(batches, None)
                        if batch is None and seen:
                            break
                        batch = batch if batch is not None else empty
                        batch.validate(full=True)  # e.g. invalid UTF-8 in a damaged file
                        frame = batch.to_pandas().reset_index(drop=True)
                    except Exception as error:
                        raise unreadable(error) from None
                    seen = True
                    labels = [f"row {first_row + i}" for i in range(len(frame))]
                    first_row += len(frame)
                    bar.update(len(frame))
                    yield TableChunk(frame, labels)
                    if batch is empty:  # an empty file: one chunk with its columns and no rows
                        break
        finally:
            parquet.close()

    def _xlsx_chunks(self) -> Iterator[TableChunk]:
        """An Excel workbook's sheet (``corpus.sheet``: a name, a 0-based index, or null for the
        first), its first row the header. Every value is read as text, as CSV's are: a whole
        number stays ``42``, a date becomes ISO 8601, an empty cell an empty string."""
        import zipfile

        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        path = self.path
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise InputError(path, f"not a readable Excel workbook (.xlsx) ({_first_line(error)})") from None
        try:
            sheet = _xlsx_sheet(workbook, self.sheet, path)
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise InputError(path, f"sheet '{sheet.title}' is empty")
            columns = _xlsx_columns(header, path, sheet.title)
            chunk, first_row = [], 2
            total = max((sheet.max_row or 1) - 1, 0)
            with _progress(path, total, "row") as bar:
                for number, values in enumerate(rows, start=2):
                    chunk.append([_xlsx_text(value) for value in values[: len(columns)]])
                    if len(chunk) >= self.chunk_rows:
                        yield _xlsx_chunk(chunk, columns, first_row)
                        bar.update(len(chunk))
                        chunk, first_row = [], number + 1
                if chunk or first_row == 2:
                    yield _xlsx_chunk(chunk, columns, first_row)
                    bar.update(len(chunk))
        finally:
            workbook.close()


def _xlsx_sheet(workbook, sheet: str | int | None, path: Path):
    names = workbook.sheetnames
    if sheet is None:
        return workbook[names[0]]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(path, f"no sheet number {sheet} (sheets, from 0: {', '.join(names)})")
        return workbook[names[sheet]]
    if sheet not in names:
        raise InputError(path, f"no sheet '{sheet}' (sheets: {', '.join(names)})")
    return workbook[sheet]


def _xlsx_columns(header: tuple, path: Path, title: str) -> list[str]:
    """The header row's names; trailing empty cells are not columns, an empty name inside is an error."""
    names = [_xlsx_text(value) for value in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise InputError(path, f"sheet '{title}' has no header row")
    if "" in names:
        raise InputError(path, f"sheet '{title}': column {names.index('') + 1} of the header row has no name")
    return names


def _xlsx_text(value) -> str:
    """A cell's value as CSV would give it: text (whole numbers without a decimal point)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _xlsx_chunk(rows: list[list[str]], columns: list[str], first_row: int) -> TableChunk:
    padded = [row + [""] * (len(columns) - len(row)) for row in rows]
    frame = pd.DataFrame(padded, columns=columns, dtype=object) if padded else pd.DataFrame(columns=columns)
    return TableChunk(frame.reset_index(drop=True), [f"row {first_row + i}" for i in range(len(rows))])


def _records_frame(records: list[dict]) -> pd.DataFrame:
    """JSON records as a DataFrame of object columns (values untouched), columns in order of appearance."""
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    return pd.DataFrame(
        {column: pd.Series([record.get(column) for record in records], dtype=object) for column in columns},
        index=pd.RangeIndex(len(records)),
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _table_column(path: Path, columns: list[str], text_column: str | None) -> str:
    if text_column is None:
        if "text" not in columns:
            raise InputError(path, f"which column holds the text? pass --text-column (columns: {', '.join(columns)})")
        return "text"
    if text_column not in columns:
        raise InputError(path, f"no column '{text_column}' (columns: {', '.join(columns)})")
    return text_column


def _parquet_writable(column: pd.Series) -> bool:
    """Whether pyarrow can write this (object) column to Parquet as it is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.write_table(pa.table({"c": pa.array(column, from_pandas=True)}), io.BytesIO())
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return False
    return True


def _as_json_text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)
