"""results/results.xlsx: every results table in one workbook, text as written, byte-reproducible."""

from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

from zhtopics.paths import OutputPaths
from zhtopics.report.workbook import write_workbook
from zhtopics.results import RunResults


@pytest.fixture()
def run(tmp_path) -> RunResults:
    paths = OutputPaths(tmp_path)
    paths.results.mkdir(parents=True)
    pd.DataFrame(
        {
            "topic": [0, 1],
            "label": ["信任与品质", "=SUM(A1)"],
            "score": [0.5, None],
        }
    ).to_csv(paths.result("topic_labels"), index=False)
    pd.DataFrame(
        {
            "doc_id": ["007", "a01-p002"],
            "text": ["唉，西湖边散步看日落，杭州的秋天很美！\x07", "朋友圈卖货：熟人不好意思拒绝"],
            "topic_0": [0.9, 0.2],
        }
    ).to_csv(paths.result("doc_topics"), index=False)
    return RunResults(paths)


def test_the_workbook_holds_every_table_with_text_as_written(run):
    path = write_workbook(run, 10)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["about", "topic_labels", "doc_topics"]
    labels = list(workbook["topic_labels"].values)
    assert labels[0] == ("topic", "label", "score")
    assert labels[2] == (1, "=SUM(A1)", None)  # text, not a formula; empty stays empty
    assert workbook["topic_labels"]["B3"].data_type == "s"
    documents = list(workbook["doc_topics"].values)
    assert documents[1] == ("007", "唉，西湖边散步看日落，杭州的秋天很美！", 0.9)  # full-width kept; BEL removed
    assert list(workbook["about"].values)[1] == ("topic_labels", "results/topic_labels.csv", 2, None)


def test_the_workbook_is_byte_reproducible(run):
    first = hashlib.sha256(write_workbook(run, 10).read_bytes()).hexdigest()
    second = hashlib.sha256(write_workbook(run, 10).read_bytes()).hexdigest()
    assert first == second


def test_a_table_longer_than_a_sheet_keeps_its_first_rows_and_says_so(run):
    workbook = openpyxl.load_workbook(write_workbook(run, 1))
    assert len(list(workbook["doc_topics"].values)) == 2  # header and one row
    assert "the first 1 rows" in list(workbook["about"].values)[2][3]
