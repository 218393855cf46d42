"""Excel workbooks (.xlsx), the usual output of Weibo scrapers: a sheet chosen by name or
number, every value read as text as CSV's are, one-line errors naming the file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from zhtopics.errors import InputError
from zhtopics.ingest import prepare_corpus
from zhtopics.ingest.tables import TableReader

POSTS = pd.DataFrame(
    {
        "mid": [4500000000000001, 2, 3],
        "content": ["微信电商的信任问题越来越多。", "物流和货源是社区电商的难题。", "朋友圈卖面膜伤了熟人关系。"],
        "likes": [1.0, 2.5, None],
        "date": [dt.datetime(2021, 1, 2, 8, 30), dt.datetime(2021, 2, 3), dt.datetime(2021, 3, 4)],
    }
)


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "posts.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["说明"]}).to_excel(writer, sheet_name="readme", index=False)
        POSTS.to_excel(writer, sheet_name="posts", index=False)
    return path


@pytest.mark.parametrize("sheet", ["posts", 1])
def test_a_sheet_by_name_or_number_with_values_as_text(workbook, params, sheet):
    corpus = params.replace(corpus={"text_column": "content", "id_column": "mid", "sheet": sheet}).corpus
    prepared = prepare_corpus(workbook, corpus)
    documents = prepared.documents
    assert documents["doc_id"].tolist() == ["4500000000000001", "2", "3"]  # a long id stays exact
    assert documents["likes"].tolist() == ["1", "2.5", ""]
    assert documents["date"].tolist()[0] == "2021-01-02T08:30:00"
    assert prepared.sources[["format", "encoding"]].values.tolist() == [["table:xlsx", "xlsx"]]


def test_the_first_sheet_by_default(workbook, params):
    with pytest.raises(InputError, match=r"posts.xlsx: no column 'content' \(columns: note\)"):
        prepare_corpus(workbook, params.replace(corpus={"text_column": "content"}).corpus)


def test_chunks_give_the_same_rows(workbook):
    whole = pd.concat([c.frame for c in TableReader(workbook, sheet="posts").chunks()], ignore_index=True)
    pieces = list(TableReader(workbook, sheet="posts", chunk_rows=1).chunks())
    assert len(pieces) == 3 and [c.labels for c in pieces] == [["row 2"], ["row 3"], ["row 4"]]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in pieces], ignore_index=True), whole)


@pytest.mark.parametrize(
    "sheet, message",
    [("nope", "no sheet 'nope' (sheets: readme, posts)"), (5, "no sheet number 5 (sheets, from 0: readme, posts)")],
)
def test_a_missing_sheet_names_the_sheets(workbook, params, sheet, message):
    with pytest.raises(InputError, match=f"posts.xlsx: {message}".replace("(", r"\(").replace(")", r"\)")):
        prepare_corpus(workbook, params.replace(corpus={"text_column": "content", "sheet": sheet}).corpus)


def test_broken_or_empty_workbooks_are_one_line_errors(tmp_path, params):
    corpus = params.replace(corpus={"text_column": "content"}).corpus
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match=r"broken.xlsx: not a readable Excel workbook") as error:
        prepare_corpus(broken, corpus)
    assert "\n" not in str(error.value)
    empty = tmp_path / "empty.xlsx"
    pd.DataFrame().to_excel(empty, index=False)
    with pytest.raises(InputError, match="empty.xlsx: sheet 'Sheet1'"):
        prepare_corpus(empty, corpus)
