"""When each document was written, binned into periods (for ``results/prevalence_by_time.csv``).

Two sources, in this order:

- **a time column** (``corpus.time_column``, ``--time-column``): each document's own value,
  read by :func:`parse_dates`. A value that is not a date is never guessed: its document is
  left out of the periods and recorded in ``results/undated.csv`` with the value as written.
  When no value of the column is a date, the run stops with a one-line error naming the
  input file, the column and an example value.
- **the year an article states** (the seed's scrapes, ``txt_format: docshare``): a journal
  record's ``【年(卷),期】2014(000)011`` line, which stage 1 removes as journal metadata and
  records verbatim in ``data/interim/removed.csv`` (:func:`stated_years`). An article
  that states no year has no period: it is recorded in ``undated.csv``, never dated by the
  years its text mentions (``追溯到2010年左右`` is not when it was written). Its documents
  belong to every article they occur in (a paragraph kept once and repeated elsewhere),
  as for ``prevalence_by_group.csv``.

A period is a calendar ``year`` (``2014``), ``quarter`` (``2014Q2``) or ``month``
(``2014-05``), ``prevalence.period``. A value coarser than the period (``2014`` when the
period is a month) is not placed in one of its months: it is recorded as undated with the
reason.

The periods are groups of :func:`zhtopics.modeling.prevalence.group_shares`: the same
token-weighted shares and the same bootstrap intervals.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zhtopics.errors import ZhtopicsError

logger = logging.getLogger(__name__)

#: Columns of ``results/undated.csv``: what was left out of the periods, and why.
UNDATED_COLUMNS = ["group", "doc_id", "value", "reason"]
#: The journal record's line stating the year (``【年(卷),期】2014(000)011``), as written or
#: with full-width punctuation.
STATED_YEAR = re.compile(r"^【年[(（]卷[)）][,，]期】\s*(?P<year>(?:19|20)\d{2})")
#: The precision of a value: a year alone, a year and a month, or more (a day, a time).
_YEAR_ONLY = re.compile(r"^\s*(?:19|20)\d{2}\s*年?\s*$")
_YEAR_MONTH = re.compile(r"^\s*(?:19|20)\d{2}\s*(?:[-/.年])\s*\d{1,2}\s*月?\s*$")
#: 2014年5月29日 → 2014-5-29 (pandas reads the ISO-like form); a trailing time zone is
#: dropped so that each value keeps its own wall-clock date.
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_TIME_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_PRECISION = {"year": 0, "quarter": 1, "month": 2, "day": 3}
PERIODS = ("year", "quarter", "month")


@dataclass(frozen=True)
class Dating:
    """Which documents fall in which period.

    Attributes
    ----------
    doc_ids, periods : ndarray
        The memberships, one pair per (document, period), documents in table order.
    undated : DataFrame
        :data:`UNDATED_COLUMNS`: the documents (or articles) left out, with the value as
        written and the reason.
    source : str
        Where the dates come from, for the console and the reports.
    """

    doc_ids: np.ndarray
    periods: np.ndarray
    undated: pd.DataFrame
    source: str


def check_period(period: str) -> None:
    """A one-line error for a ``prevalence.period`` that is not year, quarter or month."""
    if period not in PERIODS:
        raise ZhtopicsError(f"prevalence.period: '{period}' must be one of {', '.join(PERIODS)}")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read values as dates, without guessing.

    ISO dates and times (``2014-05-29``, ``2014/5/29 08:00``), ``2014年5月29日``, ``2014年5月``,
    ``2014``. pandas reads each value by its own format (``format="mixed"``; a day and a
    month written as ``05/06/2014`` are read month first). A time zone is dropped (the date
    as written is kept).

    Parameters
    ----------
    values : Series
        The values as written (any type; read as text).

    Returns
    -------
    dates : Series
        datetime64, NaT where the value is not a date (empty, or text that is not one).
    precision : Series
        "year", "month" or "day": what the value states (a year alone is not a 1 January).
    """
    text = values.astype("string").str.strip()
    cleaned = text.str.replace(_CHINESE_DATE, lambda m: "-".join(g for g in m.groups() if g), regex=True)
    cleaned = cleaned.str.replace(_TIME_ZONE, "", regex=True).str.replace("年", "", regex=False)
    dates = pd.to_datetime(cleaned, format="mixed", errors="coerce")
    precision = pd.Series("day", index=values.index, dtype=object)
    precision[text.str.match(_YEAR_MONTH).fillna(False).astype(bool)] = "month"
    precision[text.str.match(_YEAR_ONLY).fillna(False).astype(bool)] = "year"
    return dates, precision


def period_labels(dates: pd.Series, precision: pd.Series, period: str) -> pd.Series:
    """Each date's period label (``2014``, ``2014Q2``, ``2014-05``); NA where the date is
    missing or coarser than the period (a year alone has no quarter)."""
    check_period(period)
    code = {"year": "Y", "quarter": "Q", "month": "M"}[period]
    labels = dates.dt.to_period(code).astype("string")
    fine_enough = precision.map(_PRECISION) >= _PRECISION[period]
    return labels.where(dates.notna() & fine_enough.to_numpy(), pd.NA)


def column_dating(documents: pd.DataFrame, column: str, period: str) -> Dating:
    """The periods of the documents of a table from their time column.

    Parameters
    ----------
    documents : DataFrame
        Stage 1's documents table: doc_id, article_id, source_file and the passed-through
        input columns (among them ``column``).
    column : str
        ``corpus.time_column``.
    period : str
        ``prevalence.period``.

    Raises
    ------
    ZhtopicsError
        When the column is absent, or none of its values is a date (naming the file, the
        column and a value).
    """
    check_period(period)
    if column not in documents.columns:
        raise ZhtopicsError(
            f"corpus.time_column: no column '{column}' in the prepared documents; rerun `zhtopics prepare`"
        )
    values = documents[column]
    dates, precision = parse_dates(values)
    written = values.notna() & (values.astype("string").str.strip() != "")
    if not dates.notna().any():
        example = values[written].iloc[0] if written.any() else "(every value is empty)"
        files = documents["source_file"] if "source_file" in documents.columns else pd.Series([""])
        name = str(files.iloc[0]) if files.nunique() == 1 else f"{files.nunique()} input files"
        raise ZhtopicsError(f"{name}: column '{column}': no value can be read as a date (e.g. '{example}')")
    labels = period_labels(dates, precision, period)
    placed = labels.notna().to_numpy()
    reason = np.select(
        [~written.to_numpy(), dates.isna().to_numpy(), precision.to_numpy() == "year"],
        ["no value", "not a date", "states only the year"],
        "states only the month",
    )
    undated = pd.DataFrame(
        {
            "group": documents["article_id"].astype(str).to_numpy()[~placed],
            "doc_id": documents["doc_id"].astype(str).to_numpy()[~placed],
            "value": values.astype("string").fillna("").to_numpy()[~placed],
            "reason": reason[~placed],
        },
        columns=UNDATED_COLUMNS,
    )
    source = f"column '{column}' ({period})"
    return Dating(documents["doc_id"].astype(str).to_numpy()[placed], labels.to_numpy()[placed], undated, source)


def stated_years(removed: pd.DataFrame | None, articles: pd.DataFrame) -> pd.DataFrame:
    """The year each article states in its journal record (``【年(卷),期】2014(000)011``).

    Parameters
    ----------
    removed : DataFrame or None
        Stage 1's ``removed.csv`` (the journal metadata lines, as written, with their article).
    articles : DataFrame
        Stage 1's ``articles.csv``.

    Returns
    -------
    DataFrame
        One row per article: article_id, article_title, year (empty where none is stated),
        stated_as (the line as written) and lines (where it is in the input).
    """
    table = articles[["article_id", "article_title"]].astype(str).reset_index(drop=True)
    found = pd.DataFrame(columns=["article_id", "year", "stated_as", "lines"])
    if removed is not None and len(removed):
        metadata = removed[removed["reason"] == "journal metadata"].dropna(subset=["article_id"])
        match = metadata["text"].astype(str).str.extract(STATED_YEAR)
        hits = metadata.assign(year=match["year"]).dropna(subset=["year"])
        found = hits.drop_duplicates("article_id")[["article_id", "year", "text", "lines"]]
        found = found.rename(columns={"text": "stated_as"}).astype(str)
    table = table.merge(found, on="article_id", how="left")
    table["year"] = pd.array(pd.to_numeric(table["year"]), dtype="Int64")
    return table[["article_id", "article_title", "year", "stated_as", "lines"]]


def article_dating(years: pd.DataFrame, occurrences: pd.DataFrame, period: str) -> Dating:
    """The periods of the documents from the years their articles state.

    Parameters
    ----------
    years : DataFrame
        :func:`stated_years`.
    occurrences : DataFrame
        doc_id, article_id: every place a kept document occurs
        (:func:`zhtopics.modeling.tables.paragraph_occurrences`).
    period : str
        ``prevalence.period``; an article states only a year, so only ``year`` places it.
    """
    check_period(period)
    by_article = years.set_index("article_id")["year"]
    year = occurrences["article_id"].astype(str).map(by_article)
    placed = year.notna().to_numpy() & (period == "year")
    unstated = years[years["year"].isna()]
    too_coarse = years[years["year"].notna()] if period != "year" else years.iloc[:0]
    undated = pd.DataFrame(
        {
            "group": [*unstated["article_id"], *too_coarse["article_id"]],
            "doc_id": "",
            "value": [""] * len(unstated) + list(too_coarse["stated_as"]),
            "reason": ["no year stated"] * len(unstated) + ["states only the year"] * len(too_coarse),
        },
        columns=UNDATED_COLUMNS,
    )
    labels = year[placed].astype("Int64").astype(str).to_numpy()
    source = f"years stated by the articles ({int(years['year'].notna().sum())} of {len(years)})"
    return Dating(occurrences["doc_id"].astype(str).to_numpy()[placed], labels, undated, source)


def corpus_dating(
    documents: pd.DataFrame,
    occurrences: pd.DataFrame,
    removed: pd.DataFrame | None,
    articles: pd.DataFrame,
    time_column: str | None,
    period: str,
) -> tuple[Dating | None, pd.DataFrame | None]:
    """The run's periods: from ``time_column`` when given, else from the years the articles state.

    ``occurrences`` (doc_id, article_id) are every place a kept document occurs
    (:func:`zhtopics.modeling.tables.paragraph_occurrences`); the other tables are stage 1's.

    Returns
    -------
    dating : Dating or None
        None when the run has no dates (no time column, and no article states a year).
    years : DataFrame or None
        :func:`stated_years` when the periods come from the articles (``article_years.csv``).
    """
    check_period(period)
    if time_column is not None:
        return column_dating(documents, time_column, period), None
    years = stated_years(removed, articles)
    if not years["year"].notna().any():
        return None, None
    return article_dating(years, occurrences, period), years
