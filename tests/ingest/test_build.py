"""Stage 1: the seed corpus's structure, cleaning and provenance; other formats and encodings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import zhtopics.ingest.build as build
from zhtopics.errors import InputError
from zhtopics.ingest import TextNormalizer, detect_encoding, prepare_corpus
from zhtopics.ingest.dedup import duplicate_key

SEED_TITLES = [
    "屡战屡败的社交电商缘何柳暗花明",
    "做电商失败的5大原因,你可能正在经受其中一种!",
    "新零售背景下微信社区电商发展存在的问题及对策",
    "微信电商走不通的八个理由",
    "8大理由告诉你微信电商为什么走不通",
    "微信电商无红利可言,99%小商家将玩不转",
    "微商失败的十大原因",
    "屡战屡败的社交电商缘何柳暗花明",
    "八大理由告诉你微信电商为什么走不通",
]


# ----------------------------------------------------------------------------- seed


def test_seed_has_nine_articles_with_their_titles(seed_prepared):
    articles = seed_prepared.articles
    assert articles["article_title"].tolist() == SEED_TITLES
    assert articles["article_id"].is_unique


@pytest.mark.parametrize(
    "fragment, reason",
    [
        ("合集下载", "collection header"),
        ("下载文档前请自行甄别", "site boilerplate"),
        ("仅部分预览", "site boilerplate"),
        ("如文档侵犯您的权益", "site boilerplate"),
        ("相关文档", "site boilerplate"),
        ("最新文档", "site boilerplate"),
        ("文章来源于", "site boilerplate"),
        ("因版权原因", "site boilerplate"),
        ("【期刊名称】《商业价值》", "journal metadata"),
        ("【中图分类】F713.36", "journal metadata"),
        ("【相关文献】", "journal metadata"),
        ("农资电商此路走不通", "related-literature list"),
        ("冯永辉:实体农牧企业做电商走不通", "related-literature list"),
        ("文/倪卫涛", "byline"),
        ("特别策划EXCLUSIVE", "title at paragraph start"),
    ],
)
def test_boilerplate_and_metadata_are_removed_and_recorded(seed_prepared, fragment, reason):
    documents, removed = seed_prepared.documents, seed_prepared.removed
    assert not documents["text"].str.contains(fragment, regex=False).any()
    recorded = removed[removed["text"].str.contains(fragment, regex=False)]
    assert reason in set(recorded["reason"]), recorded


def test_standalone_byline_is_removed(seed_prepared):
    removed = seed_prepared.removed
    assert ((removed["text"] == "倪卫涛") & (removed["reason"] == "byline")).any()


def test_no_title_survives_as_a_paragraph_or_prefix(seed_prepared):
    texts = seed_prepared.documents["text"]
    for title in set(SEED_TITLES):
        assert not (texts == title).any()
        assert not texts.str.startswith(title).any(), title
    # Each title line is recorded: the article starts plus every repeat.
    title_rows = seed_prepared.removed[seed_prepared.removed["reason"].isin(["article title", "title repeated"])]
    assert (title_rows["reason"] == "article title").sum() == 9


def test_every_removed_raw_line_is_accounted_for(seed_prepared, seed_lines):
    """Each non-blank raw line ends up in a paragraph's source_lines or in removed.csv."""
    used = set()
    frames = [seed_prepared.documents["source_lines"], seed_prepared.removed["lines"]]
    for spans in pd.concat(frames):
        for span in str(spans).split(", "):
            first, _, last = span.partition("-")
            used.update(range(int(first), int(last or first) + 1))
    missing = [n for n, line in enumerate(seed_lines, start=1) if line.strip() and n not in used]
    assert missing == []


@pytest.mark.parametrize(
    "joined, lines",
    [
        ("告知用户从另外的平台", "314-315"),
        ("而朋友圈电商又是此姑娘第一人开始做", "346-347"),
        ("在碎片化时代分权是难以避免的", "379-380"),
    ],
)
def test_mid_sentence_breaks_are_joined(seed_prepared, joined, lines):
    rows = seed_prepared.documents[seed_prepared.documents["text"].str.contains(joined, regex=False)]
    assert len(rows) == 1
    assert rows["source_lines"].iloc[0] == lines
    assert "broken line" in rows["line_joins"].iloc[0]


def test_section_headings_join_their_paragraph(seed_prepared):
    texts = seed_prepared.documents["text"]
    assert texts.str.startswith("四、社交与电商“泾渭分明”微信是社交工具").any()
    assert not (texts == "七、微信承载不了电商的“重量”").any()


def test_paragraph_text_comes_from_its_source_lines(seed_prepared, seed_lines):
    normalize = TextNormalizer()
    for row in seed_prepared.documents.itertuples():
        first, _, last = row.source_lines.partition("-")
        source = "".join(normalize(seed_lines[n - 1]) for n in range(int(first), int(last or first) + 1))
        assert duplicate_key(row.text) in duplicate_key(source), row.doc_id


def test_duplicates_are_kept_once_and_recorded(seed_prepared):
    documents, removed = seed_prepared.documents, seed_prepared.removed
    keys = documents["text"].map(duplicate_key)
    assert keys.is_unique
    # The excerpt article (a04) repeats the full one (a09): its paragraphs stay in a09.
    excerpt = removed[(removed["article_id"] == "a04") & removed["reason"].str.contains("duplicate of a09")]
    assert len(excerpt) == 11
    kept = documents.set_index("doc_id")
    for row in excerpt.itertuples():
        keeper = row.reason.rsplit(" of ", 1)[1]
        assert row.doc_id in kept.loc[keeper, "duplicates"].split("; ")
    # The journal abstract (a05) is a near duplicate of the full article's last paragraph.
    abstract = removed[(removed["article_id"] == "a05") & removed["reason"].str.startswith("near duplicate")]
    assert len(abstract) == 1
    articles = seed_prepared.articles.set_index("article_id")
    assert articles.loc["a04", "duplicates_elsewhere"] == 11 and articles.loc["a04", "paragraphs_kept"] == 0


def test_seed_reads_cleanly_with_nothing_altered(seed_prepared):
    assert seed_prepared.altered.empty
    assert seed_prepared.sources[["status", "problem", "replaced_bytes"]].values.tolist() == [["ok", "", 0]]


def test_documents_table_has_contract_columns(seed_prepared):
    columns = set(seed_prepared.documents.columns)
    assert {"doc_id", "article_id", "article_title", "position", "text", "source_lines"} <= columns
    assert seed_prepared.documents["doc_id"].is_unique


# ----------------------------------------------------------------------------- other inputs

CHINESE = [
    "微信电商为什么走不通,用户的购买习惯很难改变。",
    "朋友圈卖面膜的微商越来越多,信任却越来越少。",
    "物流和货源是社区电商的两大难题。",
]
TRADITIONAL = [
    "微信電商為什麼走不通,用戶的購買習慣很難改變。",
    "朋友圈賣面膜的微商越來越多,信任卻越來越少。",
    "物流和貨源是社區電商的兩大難題。",
]


@pytest.mark.parametrize(
    "lines, encoding, expected",
    [
        (CHINESE, "utf-8", "utf-8"),
        (CHINESE, "utf-8-sig", "utf-8-sig"),
        (CHINESE, "gbk", "gb18030"),
        (CHINESE, "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
    ],
)
def test_encodings_are_detected_and_reported(tmp_path, params, lines, encoding, expected):
    path = tmp_path / "posts.txt"
    path.write_bytes("\n".join(lines).encode(encoding))
    assert detect_encoding(path.read_bytes(), path) == expected
    prepared = prepare_corpus(path, params.corpus)
    assert prepared.documents["text"].tolist() == [TextNormalizer()(line) for line in lines]
    assert prepared.sources["encoding"].tolist() == [expected]
    assert prepared.sources["format"].tolist() == ["lines"]


def test_undecodable_file_is_a_one_line_error(tmp_path, params):
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(InputError, match="binary.txt: cannot decode"):
        prepare_corpus(path, params.corpus)


def test_folder_of_txt_files_gives_one_article_per_file(tmp_path, params):
    (tmp_path / "b.txt").write_text("\n".join(CHINESE[1:]), encoding="utf-8")
    (tmp_path / "a.txt").write_text(CHINESE[0] + "\n\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    prepared = prepare_corpus(tmp_path, params.corpus)
    assert prepared.articles["article_title"].tolist() == ["a", "b"]
    assert prepared.documents["article_id"].tolist() == ["a01", "a02", "a02"]
    assert prepared.documents["source_file"].tolist() == ["a.txt", "b.txt", "b.txt"]


def test_csv_extra_columns_pass_through(tmp_path, params):
    path = tmp_path / "posts.csv"
    frame = pd.DataFrame(
        {
            "post": ["p1", "p2", "p3", "p4"],
            "content": CHINESE + [CHINESE[0]],
            "user": ["u1", "u2", "u1", "u2"],
            "likes": ["3", "0", "12", "1"],
        }
    )
    frame.to_csv(path, index=False)
    corpus_params = params.replace(
        corpus={"text_column": "content", "id_column": "post", "group_column": "user", "duplicates": {"keep": "first"}}
    ).corpus
    prepared = prepare_corpus(path, corpus_params)
    documents = prepared.documents
    assert documents["doc_id"].tolist() == ["p1", "p2", "p3"]
    assert documents["likes"].tolist() == ["3", "0", "12"]
    assert (
        documents["user"].tolist()
        == documents["article_id"]
        .map(dict(zip(prepared.articles["article_id"], prepared.articles["article_title"])))
        .tolist()
    )
    assert documents.loc[0, "duplicates"] == "p4"
    assert prepared.removed["doc_id"].tolist() == ["p4"]


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_exact_duplicates_are_found_across_chunks(tmp_path, params, monkeypatch, suffix):
    """Tables are read in chunks of build.CHUNK_ROWS rows: the result does not depend on it."""
    texts = [
        CHINESE[0],
        "用户的购买习惯很难改变。",
        CHINESE[1],
        "好",
        CHINESE[2],
        "信任却越来越少。",
        CHINESE[0] + "!",
        CHINESE[2],
        None,
        CHINESE[1],
    ]
    frame = pd.DataFrame({"text": texts, "post": [f"p{i}" for i in range(len(texts))]})
    path = tmp_path / f"posts.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "jsonl":
        path.write_text(
            "\n".join(json.dumps(row, ensure_ascii=False) for row in frame.to_dict("records")), encoding="utf-8"
        )
    else:
        frame.to_parquet(path)
    corpus_params = params.replace(corpus=dict(id_column="post")).corpus
    whole = prepare_corpus(path, corpus_params)
    monkeypatch.setattr(build, "CHUNK_ROWS", 2)
    chunked = prepare_corpus(path, corpus_params)
    for table in ("documents", "removed", "articles", "altered"):
        pd.testing.assert_frame_equal(getattr(whole, table), getattr(chunked, table))
    duplicates = chunked.removed[chunked.removed["duplicate_of"].notna()]
    assert duplicates[["doc_id", "duplicate_of"]].values.tolist() == [["p6", "p0"], ["p9", "p2"], ["p7", "p4"]]
    assert chunked.documents["doc_id"].tolist() == ["p0", "p1", "p2", "p4", "p5"]


def test_jsonl_and_parquet_tables(tmp_path, params):
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps({"text": t, "n": i}, ensure_ascii=False) for i, t in enumerate(CHINESE)), encoding="utf-8"
    )
    documents = prepare_corpus(jsonl, params.corpus).documents
    assert documents["text"].tolist() == CHINESE and documents["n"].tolist() == [0, 1, 2]
    parquet = tmp_path / "posts.parquet"
    pd.DataFrame({"body": CHINESE, "source": ["x", "y", "z"]}).to_parquet(parquet)
    documents = prepare_corpus(parquet, params.replace(corpus=dict(text_column="body")).corpus).documents
    assert documents["source"].tolist() == ["x", "y", "z"]


@pytest.mark.parametrize(
    "name, content, options, message",
    [
        ("posts.csv", "a,b\n1,2\n", {}, "posts.csv: which column holds the text"),
        ("posts.csv", "a,b\n1,2\n", {"text_column": "body"}, "posts.csv: no column 'body'"),
        ("posts.jsonl", "[1]\n{oops\n", {}, "posts.jsonl: no line is a JSON object (first bad: line 1"),
        (
            "posts.csv",
            "text,id\n微信,1\n电商,1\n社交,1\n",
            {"id_column": "id"},
            "posts.csv: id column 'id' is not an id",
        ),
        ("posts.csv", "text\n好\n", {}, "posts.csv: no paragraphs with text were found (1 paragraph: shorter than"),
        ("posts.xlsx", "", {}, "posts.xlsx: empty file"),
        ("posts.xls", "", {}, "posts.xls: unsupported file type"),
        ("empty.txt", "\n\n", {}, "empty.txt: no paragraphs with text"),
    ],
)
def test_bad_input_errors_name_the_file_and_problem(tmp_path, params, name, content, options, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        prepare_corpus(path, params.replace(corpus=dict(**options)).corpus)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
