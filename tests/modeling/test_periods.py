"""Periods of documents and prevalence by time: dates read without guessing, binning, the
years articles state, undated rows recorded, and planted shares inside the intervals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.periods import (
    UNDATED_COLUMNS,
    article_dating,
    column_dating,
    corpus_dating,
    parse_dates,
    period_labels,
    stated_years,
)
from zhtopics.modeling.prevalence import PREVALENCE_TIME_COLUMNS
from zhtopics.modeling.tables import paragraph_occurrences, time_view
from zhtopics.params import load_params

SETTINGS = load_params().prevalence


def _documents(values: list, groups: list | None = None, source: str = "posts.csv") -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "article_id": groups or ["g"] * n,
            "source_file": source,
            "date": values,
        }
    )


def test_dates_are_read_in_common_forms_and_a_year_alone_keeps_its_precision():
    values = pd.Series(
        ["2014-05-29", "2014/5/3 08:00", "2014年5月29日", "2014年11月", "2014", "2020-03-01T23:30+08:00"]
    )
    dates, precision = parse_dates(values)
    assert dates.dt.strftime("%Y-%m-%d").tolist() == [
        "2014-05-29",
        "2014-05-03",
        "2014-05-29",
        "2014-11-01",
        "2014-01-01",
        "2020-03-01",  # the date as written, not moved to UTC
    ]
    assert precision.tolist() == ["day", "day", "day", "month", "year", "day"]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("year", ["2014", "2014", "2015", "2015"]),
        ("quarter", ["2014Q1", "2014Q4", "2015Q2", None]),
        ("month", ["2014-03", "2014-12", "2015-04", None]),
    ],
)
def test_periods_bin_dates_by_year_quarter_and_month(period, expected):
    dates, precision = parse_dates(pd.Series(["2014-03-31", "2014-12-01", "2015-04-01", "2015"]))
    labels = period_labels(dates, precision, period)
    assert [None if pd.isna(label) else label for label in labels] == expected


def test_a_column_without_any_date_is_a_one_line_error_naming_file_column_and_value():
    with pytest.raises(
        ZhtopicsError, match=r"^posts\.csv: column 'date': no value can be read as a date \(e\.g\. 'yesterday'\)$"
    ):
        column_dating(_documents(["", "yesterday", "soon"]), "date", "year")
    with pytest.raises(ZhtopicsError, match="prevalence.period"):
        column_dating(_documents(["2014"]), "date", "week")
    with pytest.raises(ZhtopicsError, match="no column 'when'"):
        column_dating(_documents(["2014"]), "when", "year")


def test_rows_whose_date_cannot_be_read_are_recorded_not_dropped_silently():
    dating = column_dating(_documents(["2014-01-02", "yesterday", None, "2015", "2015-06-01"]), "date", "quarter")
    assert dating.doc_ids.tolist() == ["d0", "d4"] and dating.periods.tolist() == ["2014Q1", "2015Q2"]
    assert dating.undated.columns.tolist() == UNDATED_COLUMNS
    assert dating.undated[["doc_id", "value", "reason"]].values.tolist() == [
        ["d1", "yesterday", "not a date"],
        ["d2", "", "no value"],
        ["d3", "2015", "states only the year"],
    ]


def _removed(lines: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_file": "scrape.txt",
            "lines": [str(i) for i in range(len(lines))],
            "article_id": list(lines),
            "doc_id": None,
            "reason": "journal metadata",
            "duplicate_of": None,
            "text": list(lines.values()),
        }
    )


def test_the_year_an_article_states_in_its_journal_record_is_found_and_others_get_none():
    articles = pd.DataFrame({"article_id": ["a1", "a2", "a3"], "article_title": ["A", "B", "C"]})
    removed = pd.concat(
        [
            _removed({"a2": "【期刊名称】《商业价值》", "a1": "【年(卷),期】2014(000)011"}),
            _removed({"a3": "【年（卷），期】2019（12）03"}),
            # a year in a paragraph's text is not when the article was written
            pd.DataFrame({"article_id": ["a2"], "reason": ["duplicate"], "text": ["【年(卷),期】2010(000)001"]}),
        ]
    )
    years = stated_years(removed, articles)
    assert years["year"].tolist()[0] == 2014 and pd.isna(years["year"].iloc[1]) and years["year"].iloc[2] == 2019
    assert years.loc[0, "stated_as"] == "【年(卷),期】2014(000)011"
    occurrences = pd.DataFrame({"doc_id": ["p1", "p2", "p3", "p1"], "article_id": ["a1", "a2", "a3", "a2"]})
    dating = article_dating(years, occurrences, "year")
    assert dating.doc_ids.tolist() == ["p1", "p3"] and dating.periods.tolist() == ["2014", "2019"]
    assert dating.undated[["group", "reason"]].values.tolist() == [["a2", "no year stated"]]
    monthly = article_dating(years, occurrences, "month")
    assert len(monthly.doc_ids) == 0 and set(monthly.undated["reason"]) == {"no year stated", "states only the year"}


def test_without_time_column_or_stated_year_there_are_no_periods():
    documents = _documents(["x", "y"])
    articles = pd.DataFrame({"article_id": ["g"], "article_title": ["G"]})
    occurrences = paragraph_occurrences(documents, None)
    assert corpus_dating(documents, occurrences, None, articles, None, "year") == (None, None)
    dating, years = corpus_dating(
        documents, occurrences, _removed({"g": "【年(卷),期】2014(000)011"}), articles, None, "year"
    )
    assert dating.periods.tolist() == ["2014", "2014"] and years["year"].tolist() == [2014]


def test_planted_shares_per_period_fall_inside_the_intervals_most_of_the_time():
    """A generated table with date and group columns: topic 0's share grows from 0.2 to 0.7
    over twelve months; each document's shares are drawn around its month's share."""
    rng = np.random.default_rng(11)
    months = pd.period_range("2020-01", periods=12, freq="M")
    planted = np.linspace(0.2, 0.7, 12)
    per_month = 60
    dates, groups, theta = [], [], []
    for month, share in zip(months, planted):
        days = rng.integers(1, 28, per_month)
        dates += [f"{month.year}-{month.month:02d}-{day:02d}" for day in days]
        groups += rng.choice(["u1", "u2", "u3"], per_month).tolist()
        first = rng.beta(share * 20, (1 - share) * 20, per_month)
        theta.append(np.column_stack([first, 1 - first]))
    theta = np.vstack(theta)
    documents = _documents(dates, groups)
    doc_topics = pd.DataFrame(
        {"doc_id": documents["doc_id"], "n_tokens": 10, "topic_0": theta[:, 0], "topic_1": theta[:, 1]}
    )
    covered = []
    for period, expected_periods in (("month", 12), ("quarter", 4), ("year", 1)):
        dating = column_dating(documents, "date", period)
        table = time_view(doc_topics, 2, dating, replace(SETTINGS, draws=400, level=0.95, seed=1))
        assert table.columns.tolist() == PREVALENCE_TIME_COLUMNS
        assert table["period"].nunique() == expected_periods and table["period"].is_monotonic_increasing
        if period == "month":
            topic0 = table[table["topic"] == 0].reset_index(drop=True)
            covered = (topic0["low"] <= planted) & (planted <= topic0["high"])
            assert topic0["n_docs"].tolist() == [per_month] * 12
            # the trend is recovered: the shares rise with the planted ones
            assert np.corrcoef(topic0["share"], planted)[0, 1] > 0.95
    assert covered.mean() >= 0.75  # 95% intervals: most months cover the planted share
