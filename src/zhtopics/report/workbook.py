"""``results/results.xlsx``: the results tables in one Excel workbook, for readers who live in
spreadsheets.

One sheet per CSV table of ``results/`` that the run wrote (topic labels and evidence
first, then the topics, documents, groups, the model choice's tables and the guided model's),
each with the CSV's columns and values, except the wall-clock timings
(:data:`zhtopics.provenance.manifest.TIMING_COLUMNS`, which differ between two runs of the
same inputs and stay in the CSVs), so that the workbook is reproducible. A sheet holds at most
``train.workbook_max_rows`` data rows (and Excel at most 1,048,576 rows with the header): a
longer table (``doc_topics`` of a large corpus) keeps its first rows and the ``about`` sheet
says so; the CSV is always whole. openpyxl writes one cell at a time (tens of microseconds
each), so every document of a large corpus in the workbook cost more than the model's fit.

The file is byte-for-byte reproducible: openpyxl writes the cells, and the zip entries and
the document properties get a fixed date (openpyxl stamps both with the current time). That
wrapper (:class:`_FixedDateZip`) is the one piece written here by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from pathlib import Path

import pandas as pd

from zhtopics.atomic import atomic_path
from zhtopics.provenance.manifest import TIMING_COLUMNS
from zhtopics.results import RunResults

logger = logging.getLogger(__name__)

#: The sheets, in order: results table name → sheet name (Excel: at most 31 characters).
SHEETS = {
    "topic_labels": "topic_labels",
    "topic_evidence": "topic_evidence",
    "topics": "topics",
    "article_topics": "group_topics",
    "prevalence_by_group": "prevalence_by_group",
    "prevalence_by_time": "prevalence_by_time",
    "undated": "undated",
    "article_years": "article_years",
    "doc_topics": "doc_topics",
    "engine_comparison": "engine_comparison",
    "sweep": "sweep",
    "stability": "stability",
    "theme_seed_coverage": "theme_seed_coverage",
    "guided_topic_labels": "guided_topic_labels",
    "guided_topics": "guided_topics",
    "guided_article_topics": "guided_group_topics",
    "guided_prevalence_by_group": "guided_prevalence_by_group",
    "guided_agreement": "guided_agreement",
}
#: Excel's limit of rows per sheet (the header is one of them).
MAX_ROWS = 1_048_576
#: The date every entry and property of the workbook carries (zip's earliest).
FIXED_DATE = dt.datetime(1980, 1, 1)


class _FixedDateZip(zipfile.ZipFile):
    """A ZipFile whose every entry carries :data:`FIXED_DATE` and the same permissions
    (openpyxl adds entries with ``writestr`` and, for the worksheets of a write-only
    workbook, ``write`` from a temporary file, which would take the file's time)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_DATE.timetuple()[:6])
            zinfo_or_arcname.compress_type = compress_type or self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes(), compress_type, compresslevel)


def _cell(sheet, value):
    """A value as Excel should show it: text as written (control characters Excel cannot hold
    removed; text starting with ``=`` stays text, not a formula), numbers as numbers."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return value.item() if hasattr(value, "item") else value


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text; those whose every value is a number written as a number (no
    leading zeros, as ``007``, which is an identifier) become numbers; empty cells stay empty.

    >>> typed = _typed(pd.DataFrame({"id": ["007", "8"], "share": ["0.5", ""], "flag": ["True", "False"]}))
    >>> [pd.api.types.is_numeric_dtype(dtype) for dtype in typed.dtypes]
    [False, True, False]
    """
    typed = {}
    for column in table.columns:
        values = table[column]
        filled = values[values != ""]
        numeric = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numeric.notna().all() and not filled.str.match(r"^-?0\d").any():
            typed[column] = pd.to_numeric(values.replace("", None))
        else:
            typed[column] = values.replace("", None)
    return pd.DataFrame(typed)


def write_workbook(run: RunResults, max_data_rows: int) -> Path:
    """Write ``results/results.xlsx`` from the run's results tables; return its path.

    A write-only workbook (openpyxl), so a large ``doc_topics`` streams through instead of
    being held as cell objects.

    Parameters
    ----------
    run : RunResults
    max_data_rows : int
        Rows of a table kept below its header (``train.workbook_max_rows``; at most Excel's
        limit, :data:`MAX_ROWS` with the header).
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    contents = [["sheet", "source", "rows", "note"]]
    max_rows = min(max_data_rows + 1, MAX_ROWS)  # with the header
    for name, sheet_name in SHEETS.items():
        if not run.has(name):
            continue
        source = run.result_file(name)
        table = _typed(pd.read_csv(source, dtype=str, keep_default_na=False, nrows=max_rows))
        table = table.drop(columns=[c for c in TIMING_COLUMNS if c in table.columns])
        note = ""
        if len(table) >= max_rows:  # more data rows than a sheet holds besides its header
            table = table.iloc[: max_rows - 1]
            note = f"the first {max_rows - 1} rows; the whole table is results/{source.name}"
            logger.info(
                "results.xlsx: %s keeps its first %d rows (train.workbook_max_rows); the CSV has them all",
                sheet_name,
                max_rows - 1,
            )
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(list(table.columns))
        for row in table.itertuples(index=False):
            sheet.append([_cell(sheet, value) for value in row])
        contents.append([sheet_name, f"results/{source.name}", len(table), note])
    about = workbook.create_sheet("about", 0)
    for row in contents:
        about.append(row)
    workbook.properties.created = workbook.properties.modified = FIXED_DATE
    workbook.properties.creator = "zhtopics"
    target = run.paths.result("workbook")
    with atomic_path(target) as temporary:
        # ExcelWriter.save() writes every part and closes the archive
        ExcelWriter(workbook, _FixedDateZip(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return target
