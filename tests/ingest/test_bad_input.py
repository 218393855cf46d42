"""Stage 1 on bad input: every problem is a one-line error naming the file, or a recorded decision.

Each test builds its small input files in ``tmp_path``. The decisions tested here are
listed in the docstring of :mod:`zhtopics.ingest` ("Bad input: what happens").
"""

from __future__ import annotations

import json
import logging
import struct
import time
import zlib

import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.errors import InputError
from zhtopics.ingest import prepare_corpus, write_prepared
from zhtopics.ingest.encodings import REPLACED_REASON
from zhtopics.ingest.markup import MARKUP_REASON
from zhtopics.ingest.tables import SURROGATE_REASON
from zhtopics.paths import OutputPaths

GOOD = [
    "微信电商为什么走不通。用户的购买习惯很难改变。",
    "朋友圈卖面膜的微商越来越多。信任却越来越少。",
    "物流和货源是社区电商的两大难题。",
]
TRADITIONAL = ["微信電商為什麼走不通。用戶的購買習慣很難改變。", "朋友圈賣面膜的微商越來越多。信任卻越來越少。"]


def png_bytes() -> bytes:
    """A valid 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def corrupt_utf8(text: str) -> bytes:
    """UTF-8 of ``text`` with one invalid byte inserted inside its second character."""
    data = text.encode("utf-8")
    return data[:4] + b"\xff" + data[4:]


@pytest.fixture
def corpus_params(params):
    """The seed study's parameters (``prepare`` changes their corpus section)."""
    return params


def prepare(path, params, **options):
    return prepare_corpus(path, params.replace(corpus=options).corpus)


def assert_one_line_error(error: pytest.ExceptionInfo, *fragments: str) -> None:
    message = str(error.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def table_bytes(kind: str, rows: list[dict], encoding: str = "utf-8") -> bytes:
    """A table of ``rows`` as a .csv, .tsv or .jsonl file's bytes."""
    if kind == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode(encoding)
    return pd.DataFrame(rows).to_csv(index=False, sep="," if kind == "csv" else "\t").encode(encoding)


# ----------------------------------------------------------------------------- empty input


@pytest.mark.parametrize("name", ["notes.txt", "posts.csv", "posts.tsv", "posts.jsonl", "posts.parquet"])
def test_empty_file_is_a_one_line_error(tmp_path, corpus_params, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, f"{name}: ", "empty file")


@pytest.mark.parametrize("suffix", ["txt", "csv", "tsv", "jsonl"])
def test_whitespace_only_file_is_a_one_line_error(tmp_path, corpus_params, suffix):
    path = tmp_path / f"blank.{suffix}"
    path.write_bytes(" \n\t\n\u3000\n\n".encode("utf-8"))
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, f"blank.{suffix}: ")


def test_empty_and_blank_files_in_a_folder_are_recorded_and_the_others_read(tmp_path, corpus_params):
    (tmp_path / "a.txt").write_text(GOOD[0], encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text(" \n\n\t", encoding="utf-8")
    prepared = prepare(tmp_path, corpus_params)
    assert prepared.documents["text"].tolist() == [GOOD[0]]
    sources = prepared.sources.set_index("source_file")
    assert sources.loc["a.txt", "status"] == "ok"
    assert sources.loc["b.txt", ["status", "problem"]].tolist() == ["empty", "empty file"]
    assert sources.loc["c.txt", ["status", "problem"]].tolist() == ["empty", "only whitespace"]


def test_header_only_table_is_an_error(tmp_path, corpus_params):
    path = tmp_path / "posts.csv"
    path.write_text("text,user\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, "posts.csv: no paragraphs with text were found (no rows)")


# ----------------------------------------------------------------------------- stopwords


def test_stopword_only_file_is_kept_by_prepare_and_emptied_by_segmentation(tmp_path, params):
    from ..conftest import load_segmented, segment_prepared

    path = tmp_path / "stopwords.txt"
    path.write_text("我们\n因为所以\n他们的\n", encoding="utf-8")
    prepared = prepare_corpus(path, params.corpus)
    assert prepared.documents["text"].tolist() == ["我们", "因为所以", "他们的"]
    assert prepared.sources["status"].tolist() == ["ok"]
    paths = segment_prepared(prepared, tmp_path / "out", params.segment)
    tokens = load_segmented(paths)[0]
    summary = json.loads(paths.segment_summary.read_text(encoding="utf-8"))
    assert tokens["n_tokens"].tolist() == [0, 0, 0]
    assert summary["documents_without_tokens"] == prepared.documents["doc_id"].tolist()


# ----------------------------------------------------------------------------- binary and encodings


@pytest.mark.parametrize(
    "content, kind",
    [
        (png_bytes(), "a PNG image"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (e.g. .docx, .xlsx)"),
        (b"abc\x00\x01\x02def", "binary data (it has NUL bytes)"),
    ],
)
@pytest.mark.parametrize("suffix", ["txt", "csv", "jsonl"])
def test_binary_file_is_a_one_line_error(tmp_path, corpus_params, content, kind, suffix):
    path = tmp_path / f"photo.{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, f"photo.{suffix}: looks like {kind}, not text")


def test_binary_file_in_a_folder_is_skipped_and_recorded(tmp_path, corpus_params, caplog):
    (tmp_path / "a.txt").write_text("\n".join(GOOD), encoding="utf-8")
    (tmp_path / "photo.txt").write_bytes(png_bytes())
    with caplog.at_level(logging.WARNING, logger="zhtopics.ingest"):
        prepared = prepare(tmp_path, corpus_params)
    assert prepared.documents["text"].tolist() == GOOD
    skipped = prepared.sources.set_index("source_file").loc["photo.txt"]
    assert skipped["status"] == "skipped" and "looks like a PNG image" in skipped["problem"]
    removed = prepared.removed[prepared.removed["source_file"] == "photo.txt"]
    assert removed["reason"].tolist() == ["file skipped: looks like a PNG image, not text"]
    assert "photo.txt: skipped" in caplog.text


def test_utf16_is_a_clear_error_unless_asked_for(tmp_path, corpus_params):
    path = tmp_path / "posts.txt"
    path.write_bytes("\n".join(GOOD).encode("utf-16"))
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, "posts.txt: UTF-16 text is not supported")
    assert prepare(path, corpus_params, encoding="utf-16").documents["text"].tolist() == GOOD


@pytest.mark.parametrize(
    "lines, encoding, expected",
    [
        (GOOD, "utf-8-sig", "utf-8-sig"),
        (GOOD, "gbk", "gb18030"),
        (GOOD, "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_table_encodings_are_detected_and_reported(tmp_path, corpus_params, lines, encoding, expected, kind):
    path = tmp_path / f"posts.{kind}"
    path.write_bytes(table_bytes(kind, [{"text": line, "user": "u1"} for line in lines], encoding))
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == lines
    assert prepared.documents["user"].tolist() == ["u1"] * len(lines)
    assert prepared.sources[["encoding", "status"]].values.tolist() == [[expected, "ok"]]


def test_mixed_encodings_in_a_folder_are_each_detected(tmp_path, corpus_params):
    encodings = {"a.txt": "utf-8", "b.txt": "utf-8-sig", "c.txt": "gbk", "d.txt": "big5"}
    texts = {"a.txt": GOOD[:1], "b.txt": GOOD[1:2], "c.txt": GOOD[2:], "d.txt": TRADITIONAL}
    for name, encoding in encodings.items():
        (tmp_path / name).write_bytes("\n".join(texts[name]).encode(encoding))
    prepared = prepare(tmp_path, corpus_params)
    assert prepared.sources["encoding"].tolist() == ["utf-8", "utf-8-sig", "gb18030", "big5"]
    assert prepared.documents["text"].tolist() == GOOD + TRADITIONAL
    assert set(prepared.documents["source_file"]) == set(encodings)


def test_invalid_bytes_in_utf8_text_are_replaced_and_recorded(tmp_path, corpus_params, caplog):
    path = tmp_path / "posts.txt"
    path.write_bytes(corrupt_utf8(GOOD[0]) + "\n".join(["", *GOOD[1:]]).encode("utf-8"))
    with caplog.at_level(logging.WARNING, logger="zhtopics.ingest"):
        prepared = prepare(path, corpus_params)
    source = prepared.sources.iloc[0]
    assert source["encoding"] == "utf-8" and source["replaced_bytes"] == 4 and source["status"] == "warning"
    assert "4 undecodable bytes replaced with U+FFFD" in source["problem"]
    assert "undecodable bytes" in caplog.text
    first = prepared.documents.iloc[0]
    assert "\ufffd" in first["text"] and first["text"].endswith(GOOD[0][2:])
    altered = prepared.altered
    assert altered[["lines", "doc_id", "reason"]].values.tolist() == [["1", first["doc_id"], REPLACED_REASON]]
    assert "\\xff" in altered["original"].iloc[0]
    assert prepared.documents["text"].tolist()[1:] == GOOD[1:]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_invalid_bytes_in_utf8_tables_are_replaced_and_recorded(tmp_path, corpus_params, kind):
    path = tmp_path / f"posts.{kind}"
    good = table_bytes(kind, [{"text": line} for line in GOOD])
    broken_at = good.index(GOOD[1].encode("utf-8")) + 3  # between two characters
    path.write_bytes(good[:broken_at] + b"\xfe" + good[broken_at:])
    prepared = prepare(path, corpus_params)
    assert prepared.sources["replaced_bytes"].tolist() == [1]
    assert "\ufffd" in prepared.documents["text"].iloc[1]
    assert prepared.altered[["lines", "reason"]].values.tolist() == [
        [("row 2" if kind == "csv" else "line 2"), REPLACED_REASON]
    ]


def test_mostly_undecodable_text_is_an_error(tmp_path, corpus_params):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, "noise.txt: cannot decode as UTF-8, GB18030/GBK or Big5")


def test_unknown_encoding_is_an_error(tmp_path, corpus_params):
    path = tmp_path / "posts.txt"
    path.write_text(GOOD[0], encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params, encoding="no-such-codec")
    assert_one_line_error(error, "posts.txt: unknown encoding 'no-such-codec'")


# ----------------------------------------------------------------------------- long lines, scripts, symbols


@pytest.mark.parametrize("suffix", ["txt", "csv"])
def test_a_10_mb_line_is_read_in_linear_time(tmp_path, corpus_params, suffix):
    def run(megabytes: int) -> tuple[float, int]:
        unit = "微信电商的用户为什么走不通。"
        text = unit * (megabytes * 1_000_000 // len(unit.encode("utf-8")))
        path = tmp_path / f"long{megabytes}.{suffix}"
        path.write_bytes(("text\n" if suffix == "csv" else "").encode() + text.encode("utf-8"))
        started = time.perf_counter()
        prepared = prepare(path, corpus_params)
        return time.perf_counter() - started, int(prepared.documents["n_chars"].iloc[0])

    small_seconds, _ = run(1)
    seconds, n_chars = run(10)
    assert n_chars > 3_000_000
    assert seconds < 30 and seconds < 25 * max(small_seconds, 0.05)  # linear: about 10x, never 100x


@pytest.mark.parametrize("suffix", ["txt", "csv"])
def test_traditional_chinese_is_kept_or_converted(tmp_path, corpus_params, suffix):
    path = tmp_path / f"posts.{suffix}"
    path.write_bytes(
        table_bytes("csv", [{"text": line} for line in TRADITIONAL])
        if suffix == "csv"
        else "\n".join(TRADITIONAL).encode("big5")
    )
    assert prepare(path, corpus_params).documents["text"].tolist() == TRADITIONAL
    # converted for duplicate detection and segmentation only: the text stays as written
    assert prepare(path, corpus_params, opencc="t2s").documents["text"].tolist() == TRADITIONAL


def test_opencc_finds_copies_across_scripts_and_keeps_each_text_as_written(tmp_path, corpus_params):
    path = tmp_path / "posts.csv"
    path.write_bytes(table_bytes("csv", [{"text": line} for line in [TRADITIONAL[0], GOOD[0], GOOD[2]]]))
    assert len(prepare(path, corpus_params).documents) == 3
    converted = prepare(path, corpus_params, opencc="t2s")
    assert converted.documents["text"].tolist() == [TRADITIONAL[0], GOOD[2]]
    assert converted.removed[["reason", "text"]].values.tolist() == [["exact duplicate of a01-p001", GOOD[0]]]
    assert converted.normalization == {"unicode": "NFKC", "opencc": "t2s", "hashtags": "keep"}


def test_emoji_and_full_width_forms_are_kept_as_written_and_folded_for_duplicates(tmp_path, corpus_params):
    path = tmp_path / "posts.txt"
    lines = ["微商👍🏽真的走不通👨‍👩‍👧 ＡＢＣ１２３！", "🇨🇳❤️微信电商1️⃣", "微商真的走不通 ABC123!"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == lines[:2]
    # NFKC folds ＡＢＣ１２３！ for duplicate detection: the third line is a copy of the first
    assert prepared.removed[["doc_id", "reason", "text"]].values.tolist() == [
        ["a01-p003", "exact duplicate of a01-p001", lines[2]]
    ]
    assert prepared.altered.empty


# ----------------------------------------------------------------------------- markup


def test_html_in_text_is_stripped_and_recorded(tmp_path, corpus_params):
    path = tmp_path / "page.txt"
    line = f"<p>{GOOD[0]}</p><br/>AT&amp;T &lt;b&gt;<script>var x = 1;</script><!-- ad -->"
    path.write_text(f"{line}\n{GOOD[1]}\n", encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == [f"{GOOD[0]} AT&T <b>", GOOD[1]]
    assert prepared.altered[["lines", "doc_id", "reason", "original"]].values.tolist() == [
        ["1", prepared.documents["doc_id"].iloc[0], MARKUP_REASON, line]
    ]
    assert prepared.sources["status"].tolist() == ["warning"]
    kept = prepare(path, corpus_params, markup="keep")
    assert kept.documents["text"].iloc[0] == line and kept.altered.empty


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_html_in_table_cells_is_stripped_and_recorded(tmp_path, corpus_params, kind):
    rows = [{"text": f'<div class="post">{GOOD[0]}</div>', "id": "p1"}, {"text": GOOD[1], "id": "p2"}]
    path = tmp_path / f"posts.{kind}"
    if kind == "parquet":
        pd.DataFrame(rows).to_parquet(path)
    else:
        path.write_bytes(table_bytes(kind, rows))
    prepared = prepare(path, corpus_params, id_column="id")
    assert prepared.documents["text"].tolist() == GOOD[:2]
    assert prepared.altered[["doc_id", "reason", "original"]].values.tolist() == [
        ["p1", MARKUP_REASON, rows[0]["text"]]
    ]


def test_text_that_only_looks_like_markup_is_untouched(tmp_path, corpus_params):
    path = tmp_path / "posts.txt"
    lines = ["价格<100元,销量>1000件", "<微信电商>走不通", "AT&T和B&Q"]
    path.write_text("\n".join(lines), encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == lines and prepared.altered.empty


# ----------------------------------------------------------------------------- tables


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "posts.csv: which column holds the text? pass --text-column (columns: body, user)"),
        ({"text_column": "content"}, "posts.csv: no column 'content' (columns: body, user)"),
        (
            {"text_column": "body", "id_column": "mid"},
            "posts.csv: no column 'mid' for --id-column (columns: body, user)",
        ),
        ({"text_column": "body", "group_column": "author"}, "posts.csv: no column 'author' for --group-column"),
    ],
)
def test_missing_or_misnamed_columns_list_the_columns(tmp_path, corpus_params, options, message):
    path = tmp_path / "posts.csv"
    path.write_text(f"body,user\n{GOOD[0]},u1\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params, **options)
    assert_one_line_error(error, message)


def test_jsonl_text_key_absent_lists_the_keys(tmp_path, corpus_params):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(table_bytes("jsonl", [{"body": GOOD[0], "user": "u1"}]))
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, "posts.jsonl: which column holds the text? pass --text-column (columns: body, user)")


def test_quoted_newlines_stay_inside_their_field(tmp_path, corpus_params):
    path = tmp_path / "posts.csv"
    path.write_text(f'text,user\n"{GOOD[0]}\r\n{GOOD[1]}",u1\n{GOOD[2]},u2\n', encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == [f"{GOOD[0]}\r\n{GOOD[1]}", GOOD[2]]  # as written
    assert prepared.documents["source_lines"].tolist() == ["row 1", "row 2"]


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("csv", ["empty text", "empty text", "shorter than corpus.min_chars=2"]),
        ("jsonl", ["missing text", "empty text", "shorter than corpus.min_chars=2", "missing text"]),
        ("parquet", ["missing text", "empty text", "shorter than corpus.min_chars=2"]),
    ],
)
def test_rows_without_text_are_removed_with_a_reason(tmp_path, corpus_params, kind, expected):
    path = tmp_path / f"posts.{kind}"
    texts = [GOOD[0], None, "   ", "好"]
    if kind == "parquet":
        pd.DataFrame({"text": texts, "n": range(4)}).to_parquet(path)
    elif kind == "jsonl":
        rows = [{"text": text, "n": n} for n, text in enumerate(texts)] + [{"n": 4}]
        path.write_bytes(table_bytes("jsonl", rows))
    else:
        path.write_text(f'text,n\n{GOOD[0]},0\n,1\n"   ",2\n好,3\n', encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == [GOOD[0]]
    assert prepared.removed["reason"].tolist() == expected
    assert prepared.removed["doc_id"].notna().all()


@pytest.mark.parametrize(
    "content, message",
    [
        (
            f"text,id\n{GOOD[0]},1\n{GOOD[1]},2,3\n",
            "posts.csv: not a valid CSV file (Error tokenizing data. C error: Expected 2 fields in line 3, saw 3)",
        ),
        (
            f'text,id\n"{GOOD[0]},1\n',
            "posts.csv: not a valid CSV file (Error tokenizing data. C error: EOF inside string",
        ),
    ],
)
def test_malformed_csv_is_an_error_naming_the_line(tmp_path, corpus_params, content, message):
    path = tmp_path / "posts.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, message)


def test_broken_jsonl_lines_are_skipped_and_recorded(tmp_path, corpus_params, caplog):
    lines = [
        json.dumps({"text": GOOD[0]}, ensure_ascii=False),
        '{"text": "oops',
        "[1, 2]",
        json.dumps({"text": GOOD[1]}, ensure_ascii=False),
        "",
        "[" * 100_000,
        json.dumps({"text": GOOD[2]}, ensure_ascii=False),
    ]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="zhtopics.ingest"):
        prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == GOOD
    assert prepared.documents["source_lines"].tolist() == ["line 1", "line 4", "line 7"]
    removed = prepared.removed
    assert removed["lines"].tolist() == ["line 2", "line 3", "line 6"]
    assert removed["reason"].tolist() == [
        "invalid JSON: Unterminated string starting at",
        "not a JSON object",
        "invalid JSON: nested too deeply",
    ]
    assert removed["text"].tolist()[:2] == ['{"text": "oops', "[1, 2]"]
    assert prepared.sources["status"].tolist() == ["warning"]
    assert "3 lines skipped" in prepared.sources["problem"].iloc[0] and "3 lines skipped" in caplog.text


def test_jsonl_without_any_object_is_an_error(tmp_path, corpus_params):
    path = tmp_path / "posts.jsonl"
    path.write_text('{\n  "text": "一个数组"\n}\n', encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(
        error,
        "posts.jsonl: no line is a JSON object (first bad: line 1, invalid JSON",
        "expected one JSON object per line",
    )


def test_lone_surrogate_escapes_are_replaced_and_recorded(tmp_path, corpus_params):
    path = tmp_path / "posts.jsonl"
    line = '{"text": "' + GOOD[0] + '\\ud800", "user": "\\udfff"}'
    path.write_text(line + "\n" + json.dumps({"text": GOOD[1], "user": "u"}) + "\n", encoding="utf-8")
    prepared = prepare(path, corpus_params)
    assert prepared.documents["text"].tolist() == [GOOD[0] + "\ufffd", GOOD[1]]
    assert prepared.documents["user"].tolist() == ["\ufffd", "u"]
    assert prepared.altered[["lines", "reason", "original"]].values.tolist() == [["line 1", SURROGATE_REASON, line]]
    write_prepared(prepared, OutputPaths(tmp_path / "out"))  # Parquet needs valid UTF-8


def test_mixed_type_json_column_is_written_as_text(tmp_path, corpus_params):
    path = tmp_path / "posts.jsonl"
    values = [1, "a", [1, 2], {"k": "值"}, None, {}]
    path.write_bytes(
        table_bytes("jsonl", [{"text": f"{GOOD[0]}{i}号", "meta": value} for i, value in enumerate(values)])
    )
    prepared = prepare(path, corpus_params, duplicates={"near": False})
    assert prepared.documents["meta"].tolist()[:4] == ["1", "a", "[1, 2]", '{"k": "值"}']
    assert pd.isna(prepared.documents["meta"].iloc[4]) and prepared.documents["meta"].iloc[5] == "{}"
    assert "column 'meta' has values of mixed types: written as JSON text" in prepared.sources["problem"].iloc[0]
    out = OutputPaths(tmp_path / "out")
    write_prepared(prepared, out)
    assert pd.read_parquet(out.documents)["meta"].tolist()[:2] == ["1", "a"]


def test_repeated_and_missing_ids_are_made_unique_and_recorded(tmp_path, corpus_params, caplog):
    path = tmp_path / "posts.jsonl"
    ids = ["m1", "m1", "m2", None, "m1#2", "m1"]
    rows = [{"mid": mid, "text": f"{GOOD[0]}第{i}条"} for i, mid in enumerate(ids)]
    path.write_bytes(table_bytes("jsonl", rows))
    with caplog.at_level(logging.WARNING, logger="zhtopics.ingest"):
        prepared = prepare(path, corpus_params, id_column="mid", duplicates={"near": False})
    assert prepared.documents["doc_id"].tolist() == ["m1", "m1#3", "m2", "a01-p004", "m1#2", "m1#4"]
    altered = prepared.altered
    assert altered[["doc_id", "reason"]].values.tolist() == [
        ["a01-p004", "missing id: positional doc_id used"],
        ["m1#3", "repeated id: suffix added"],
        ["m1#4", "repeated id: suffix added"],
    ]
    assert pd.isna(altered["original"].iloc[0]) and altered["original"].tolist()[1:] == ["m1", "m1"]
    assert "2 repeated ids made unique" in prepared.sources["problem"].iloc[0] and "repeated ids" in caplog.text


def test_an_id_column_that_mostly_repeats_is_an_error(tmp_path, corpus_params):
    path = tmp_path / "posts.csv"
    path.write_bytes(table_bytes("csv", [{"user": "u1", "text": line} for line in GOOD]))
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params, id_column="user")
    assert_one_line_error(
        error, "posts.csv: id column 'user' is not an id: 2 of 3 rows repeat an earlier value (e.g. 'u1')"
    )


@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_parquet_is_an_error(tmp_path, corpus_params, cut):
    path = tmp_path / "posts.parquet"
    pd.DataFrame({"text": GOOD}).to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(InputError) as error:
        prepare(path, corpus_params)
    assert_one_line_error(error, "posts.parquet: not a readable Parquet file")


# ----------------------------------------------------------------------------- all together


def test_a_folder_of_good_and_bad_files_reads_the_good_and_reports_every_problem(tmp_path, corpus_params):
    folder = tmp_path / "articles"
    folder.mkdir()
    files = {
        "01-good.txt": "\n".join(GOOD).encode("utf-8"),
        "02-empty.txt": b"",
        "03-blank.txt": b"  \n\n",
        "04-stopwords.txt": "我们\n因为所以\n".encode(),
        "05-photo.txt": png_bytes(),
        "06-bom.txt": "\ufeff微信的社交属性很强。".encode("utf-8"),
        "07-gbk.txt": "社区电商的物流成本很高。".encode("gbk"),
        "08-big5.txt": "熟人之間的信任很難維持。".encode("big5"),
        "09-damaged.txt": corrupt_utf8("公众号的转化率一直很低。"),
        "10-long.txt": ("流量红利已经消失。" * 200_000).encode("utf-8"),
        "11-html.txt": "<p>平台习惯&amp;阿里的优势</p>".encode(),
        "12-emoji.txt": "微商👍🏽真的不容易".encode(),
        "13-utf16.txt": "微商".encode("utf-16"),
        "14-noise.txt": bytes(range(0x80, 0x100)) * 4,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "table.csv").write_text("text\n好\n", encoding="utf-8")
    (folder / "sub").mkdir()
    prepared = prepare(folder, corpus_params)
    sources = prepared.sources.set_index("source_file")
    assert list(sources.index) == [*files, "sub", "table.csv"]
    status = sources["status"].to_dict()
    assert status == {
        "01-good.txt": "ok",
        "02-empty.txt": "empty",
        "03-blank.txt": "empty",
        "04-stopwords.txt": "ok",
        "05-photo.txt": "skipped",
        "06-bom.txt": "ok",
        "07-gbk.txt": "ok",
        "08-big5.txt": "ok",
        "09-damaged.txt": "warning",
        "10-long.txt": "ok",
        "11-html.txt": "warning",
        "12-emoji.txt": "ok",
        "13-utf16.txt": "skipped",
        "14-noise.txt": "skipped",
        "sub": "ignored",
        "table.csv": "ignored",
    }
    assert (sources.loc[[name for name, s in status.items() if s != "ok"], "problem"].str.len() > 0).all()
    assert sources.loc["07-gbk.txt", "encoding"] == "gb18030" and sources.loc["08-big5.txt", "encoding"] == "big5"
    assert sources.loc["09-damaged.txt", "replaced_bytes"] == 4
    documents = prepared.documents
    read = {
        "01-good.txt",
        "04-stopwords.txt",
        "06-bom.txt",
        "07-gbk.txt",
        "08-big5.txt",
        "09-damaged.txt",
        "10-long.txt",
        "11-html.txt",
        "12-emoji.txt",
    }
    assert set(documents["source_file"]) == read
    assert documents.loc[documents["source_file"] == "12-emoji.txt", "text"].tolist() == ["微商👍🏽真的不容易"]
    assert documents.loc[documents["source_file"] == "11-html.txt", "text"].tolist() == ["平台习惯&阿里的优势"]
    skipped = prepared.removed[prepared.removed["reason"].str.startswith("file skipped")]
    assert skipped["source_file"].tolist() == ["05-photo.txt", "13-utf16.txt", "14-noise.txt"]
    assert set(prepared.altered["source_file"]) == {"09-damaged.txt", "11-html.txt"}
    out = OutputPaths(tmp_path / "out")
    write_prepared(prepared, out)
    assert pd.read_csv(out.altered)["reason"].tolist() == [REPLACED_REASON, MARKUP_REASON]
    assert pd.read_csv(out.sources)["status"].tolist() == list(status.values())


def test_a_folder_with_no_readable_text_is_an_error_listing_each_file(tmp_path, corpus_params):
    (tmp_path / "a.txt").write_bytes(png_bytes())
    (tmp_path / "b.txt").write_bytes(b"")
    with pytest.raises(InputError) as error:
        prepare(tmp_path, corpus_params)
    assert_one_line_error(
        error,
        f"{tmp_path}: no paragraphs with text were found (a.txt: looks like a PNG image, not text; b.txt: empty file)",
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("photo.txt", png_bytes(), "photo.txt: looks like a PNG image, not text"),
        ("posts.jsonl", b"[1]\n", "posts.jsonl: no line is a JSON object"),
        ("posts.csv", f"body\n{GOOD[0]}\n".encode(), "posts.csv: which column holds the text?"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["prepare", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("zhtopics: error: ") and message in errors[0]
