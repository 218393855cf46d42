"""Property and fuzz tests (hypothesis) for stage 1's cleaning and reading.

Every test is derandomized (the same examples on every run) and bounded to a few seconds;
run with ``--hypothesis-show-statistics`` to see how many examples each one tried.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import zhtopics.ingest.build as build
from zhtopics.errors import ZhtopicsError
from zhtopics.ingest import TextNormalizer, prepare_corpus, write_prepared
from zhtopics.ingest.dedup import duplicate_key, find_duplicate_groups, key_hashes
from zhtopics.ingest.docshare import parse_docshare, parse_lines
from zhtopics.ingest.markup import strip_markup
from zhtopics.ingest.normalize import trim
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths

from ..conftest import SEED_PARAMS
from ..strategies import CHINESE, FILE_TEXT, NORMALIZE, bounded

# Any code point, lone surrogates included (JSON escapes can produce them).
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80)
INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")


# ----------------------------------------------------------------------------- normaliser


def _visible(text: str) -> str:
    """The characters the normaliser promises to keep: NFKC, without whitespace, control or invisible characters."""
    text = unicodedata.normalize("NFKC", re.sub(r"[\ud800-\udfff]", "\ufffd", text))
    return "".join(c for c in INVISIBLE.sub("", text) if not c.isspace() and unicodedata.category(c) != "Cc")


@bounded(1500)
@given(ANY_TEXT)
@example("ＡＢＣ１２３，微信\u200b电商\x07 ")
@example("👨\u200d👩\u200d👧 a\u200db \ud800")
def test_normalizer_keeps_every_visible_character(text):
    normalized = NORMALIZE(text)
    assert normalized == normalized.strip() and "  " not in normalized
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in normalized)
    # nothing but whitespace, control and invisible characters is removed, in order
    assert _visible(normalized.replace("\u200d", "")) == _visible(text).replace("\u200d", "")
    # a zero-width joiner survives only inside an emoji sequence
    for match in re.finditer("\u200d", normalized):
        assert 0 < match.start() < len(normalized) - 1
    assert NORMALIZE(normalized) == normalized


def _reference_normalize(text: str) -> str:
    """Every step of the normaliser on every text (it skips the steps after NFKC when they
    have nothing to change)."""
    from zhtopics.ingest import normalize as n

    if not text.isascii():
        text = unicodedata.normalize("NFKC", n._SURROGATE.sub("\ufffd", text))
        text = n._LONE_ZWJ.sub("", n._INVISIBLE.sub("", text))
    text = n._SPACE_BETWEEN_CJK.sub("", n._CONTROL.sub(" ", text))
    return n._WHITESPACE.sub(" ", text).strip()


@bounded(1500)
@given(ANY_TEXT)
def test_normalizer_shortcut_changes_nothing(text):
    assert NORMALIZE(text) == _reference_normalize(text)


@bounded(300)
@given(FILE_TEXT)
def test_normalizer_with_opencc_never_fails(text):
    assert isinstance(TextNormalizer("t2s")(text), str)


# ----------------------------------------------------------------------------- markup

PLAIN = st.text(
    alphabet=st.one_of(CHINESE, st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="<>&")), max_size=12
)
TAGS = st.sampled_from(
    [
        "<b>",
        "</b>",
        '<span class="x">',
        "</span>",
        '<a href="http://x.cn/?a=1&b=2">',
        "</a>",
        "<br/>",
        "<br>",
        "<p>",
        "</p>",
        "<div id='d'>",
        "</div>",
        "<li>",
        "<!-- 广告 -->",
        "<img src=x />",
    ]
)
ENTITIES = st.sampled_from(
    [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&#20013;", "中"),
        ("&#x6587;", "文"),
        ("&nbsp;", "\xa0"),
    ]
)


@bounded(1500)
@given(FILE_TEXT)
@example("if a<b then c>d")
@example("<script>x")
def test_strip_markup_never_fails_and_reports_every_change(text):
    stripped, changed = strip_markup(text)
    assert isinstance(stripped, str)
    assert changed == (stripped != text)
    if "<" not in text and "&" not in text:
        assert stripped == text and not changed


@bounded(1000)
@given(
    st.lists(
        st.one_of(
            PLAIN.map(lambda t: ("text", t)), TAGS.map(lambda t: ("tag", t)), ENTITIES.map(lambda e: ("entity", e))
        ),
        max_size=12,
    )
)
def test_strip_markup_keeps_all_the_text_between_tags(pieces):
    html = "".join(p if kind != "entity" else p[0] for kind, p in pieces)
    expected = "".join(p if kind == "text" else p[1] if kind == "entity" else "" for kind, p in pieces)
    stripped, changed = strip_markup(html)
    assert "".join(NORMALIZE(stripped).split()) == "".join(NORMALIZE(expected).split())
    assert changed == any(kind != "text" for kind, _ in pieces)


# ----------------------------------------------------------------------------- duplicates


@bounded(1500)
@given(ANY_TEXT, st.text(alphabet=st.characters(categories=["P", "Zs"]), max_size=5), st.integers(0, 80))
def test_duplicate_key_keeps_letters_and_digits_and_ignores_punctuation(text, punctuation, at):
    key = duplicate_key(text)
    assert key == "".join(c for c in text if c.isalnum()).lower()
    assert duplicate_key(text[:at] + punctuation + text[at:]) == key


@bounded(300)
@given(
    st.lists(
        st.sampled_from(["微信电商走不通。", "微信电商, 走不通!", "物流是难题。", "信任很难建立。", "", "好"]),
        max_size=30,
    )
)
def test_duplicate_groups_do_not_depend_on_hash_collisions(texts):
    """Equal hashes are only candidates: with every hash colliding the groups are the same."""
    exact = replace(load_params().corpus.duplicates, near=False)
    true_groups = find_duplicate_groups(texts, exact)
    assert find_duplicate_groups(texts, exact, hashes=[0] * len(texts)) == true_groups
    assert (
        find_duplicate_groups(
            pd.Series(texts, dtype="str"), exact, hashes=key_hashes([duplicate_key(t) for t in texts])
        )
        == true_groups
    )
    keys = [duplicate_key(t) for t in texts]
    for members, similarity in true_groups:
        assert len({keys[i] for i in members}) == 1 and set(similarity.values()) == {1.0}
    grouped = {i for members, _ in true_groups for i in members}
    assert len({keys[i] for i in range(len(texts)) if i not in grouped}) == len(texts) - len(grouped)


# ----------------------------------------------------------------------------- parsers

LINES = st.lists(FILE_TEXT.map(NORMALIZE), max_size=25)
DOCSHARE_PIECES = [
    "微信电商走不通",
    "合集下载",
    "下载文档前请自行甄别文档内容的完整性",
    "相关文档",
    "【期刊名称】《商业价值》",
    "【作者】张三",
    "【摘要】微信电商的问题很多。",
    "【相关文献】",
    "1.农资电商此路走不通",
    "文/倪卫涛",
    "倪卫涛",
    "一、社交与电商",
    "这一行被",
    "截断了。",
    "”他说。",
    "用户的购买习惯很难改变。",
    "",
    "",
    "(一)物流",
    "微信电商走不通用户的习惯",
]
DOCSHARE_LINES = st.lists(st.one_of(st.sampled_from(DOCSHARE_PIECES), FILE_TEXT.map(NORMALIZE)), max_size=25)


@bounded(1000)
@given(LINES)
def test_parse_lines_keeps_every_nonblank_line(lines):
    parsed = parse_lines(lines, "x.txt", "x")
    assert [p["text"] for p in parsed.paragraphs] == [line for line in lines if line]
    assert [p["lines"] for p in parsed.paragraphs] == [[n] for n, line in enumerate(lines, start=1) if line]
    assert len(parsed.articles) == 1 and not parsed.removed


@bounded(1500)
@given(DOCSHARE_LINES)
def test_parse_docshare_accounts_for_every_line_and_character(lines):
    parsed = parse_docshare(lines, "x.txt")
    used = {n for p in parsed.paragraphs for n in p["lines"]} | {n for r in parsed.removed for n in r["lines"]}
    assert used == {n for n, line in enumerate(lines, start=1) if line}
    # every character of the input is in a paragraph or in a removal record
    kept = "".join(p["text"] for p in parsed.paragraphs) + "".join(r["text"] for r in parsed.removed)
    assert Counter("".join(lines).replace(" ", "")) == Counter(kept.replace(" ", ""))
    assert all(0 <= p["article"] < len(parsed.articles) for p in parsed.paragraphs)


# ----------------------------------------------------------------------------- chunked reading


@pytest.fixture(scope="module")
def corpus_params():
    return load_params(SEED_PARAMS).corpus


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


ROW_TEXTS = st.sampled_from(
    [
        "微信电商走不通。",
        "微信电商,走不通!",
        "物流是社区电商的难题。",
        "所以物流是社区电商的难题。",
        "信任很难建立,朋友圈的熟人关系有限。",
        "",
        "好",
        "<b>信任</b>很难建立,朋友圈的熟人关系有限。",
    ]
)


@bounded(60)
@given(
    st.lists(st.tuples(ROW_TEXTS, st.sampled_from(["u1", "u2", "u3"])), min_size=1, max_size=25),
    st.sampled_from(["csv", "jsonl", "parquet"]),
    st.integers(1, 4),
)
def test_reading_in_chunks_changes_nothing(scratch, corpus_params, monkeypatch_module, rows, kind, chunk_rows):
    """Tables read in chunks of 1-4 rows give the tables read in one chunk (duplicates across chunks included)."""
    frame = pd.DataFrame(
        {
            "text": [text for text, _ in rows],
            "user": [user for _, user in rows],
            "id": [f"p{i % 7}" for i in range(len(rows))],
        }
    )
    path = scratch / f"chunks.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "jsonl":
        path.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in frame.to_dict("records")), encoding="utf-8"
        )
    else:
        frame.to_parquet(path)
    params = replace(corpus_params, group_column="user", id_column="id")

    def run():
        try:
            return prepare_corpus(path, params)
        except ZhtopicsError as error:  # no text at all, or ids mostly repeated: the same error both ways
            return str(error)

    whole = run()
    monkeypatch_module.setattr(build, "CHUNK_ROWS", chunk_rows)
    try:
        chunked = run()
    finally:
        monkeypatch_module.setattr(build, "CHUNK_ROWS", 100_000)
    if isinstance(whole, str):
        assert chunked == whole
        return
    for table in ("documents", "removed", "articles", "altered", "sources"):
        pd.testing.assert_frame_equal(getattr(whole, table), getattr(chunked, table))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


# ----------------------------------------------------------------------------- reader fuzzing

GOOD_ROWS = [
    {"text": "微信电商为什么走不通。用户的购买习惯很难改变。", "user": "u1", "n": 1},
    {"text": "朋友圈卖面膜的微商越来越多,信任却越来越少。", "user": "u2", "n": 2},
    {"text": "<p>物流和货源是社区电商的两大难题。</p>", "user": "u1", "n": 3},
]


def valid_file(kind: str) -> bytes:
    """A small valid input of each kind."""
    frame = pd.DataFrame(GOOD_ROWS)
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if kind == "tsv":
        return frame.to_csv(index=False, sep="\t").encode("gb18030")
    if kind == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in GOOD_ROWS).encode("utf-8")
    if kind == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return buffer.getvalue()
    if kind == "docshare.txt":
        return "合集标题\n\n合集下载\n\n第一篇\n\n第一篇\n\n第一篇开头的一句话。\n\n这一行被\n截断了。\n\n相关文档\n".encode()
    return "\n".join(row["text"] for row in GOOD_ROWS).encode("big5", errors="replace")


KINDS = ["txt", "docshare.txt", "csv", "tsv", "jsonl", "parquet"]


def damaged(kind: str):
    """Random bytes, or a valid file truncated and with some bytes overwritten."""
    good = valid_file(kind)
    edited = st.tuples(
        st.integers(0, len(good)), st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=4)
    )
    return st.one_of(st.binary(max_size=200), edited.map(lambda e: bytes(_overwrite(good, e[1]))[: e[0]]))


def _overwrite(data: bytes, edits) -> bytearray:
    data = bytearray(data)
    for position, value in edits:
        data[position] = value
    return data


@pytest.mark.parametrize("kind", KINDS)
@bounded(150)
@given(data=st.data())
def test_readers_give_a_result_or_a_zhtopics_error(scratch, corpus_params, kind, data):
    """Random bytes, and valid files truncated or with bytes overwritten: a normal (and
    writable) result, or a one-line ZhtopicsError naming the file; never another exception."""
    suffix = kind.rsplit(".", 1)[-1]
    path = scratch / f"fuzz-{kind.replace('.', '-')}.{suffix}"
    path.write_bytes(data.draw(damaged(kind), label="file bytes"))
    try:
        prepared = prepare_corpus(path, corpus_params)
    except ZhtopicsError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))
        return
    write_prepared(prepared, OutputPaths(scratch / f"out-{kind}"))


# ----------------------------------------------------------------------------- text as written


def _full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (what NFKC folds back)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


WRITTEN_LINES = st.lists(
    st.one_of(
        st.sampled_from(DOCSHARE_PIECES),
        st.sampled_from(DOCSHARE_PIECES).map(_full_width),
        st.sampled_from(DOCSHARE_PIECES).map(lambda piece: f" {piece}\u3000"),
        FILE_TEXT,
    ),
    max_size=25,
)


@bounded(1500)
@given(WRITTEN_LINES)
@example(["合集", "", "标题", "", "标题", "标题（一）正文，", "ＡＢ", "ＣＤ。"])
def test_parse_docshare_decides_on_normalised_lines_and_keeps_the_lines_as_written(originals):
    lines = [NORMALIZE(line) for line in originals]
    decided = parse_docshare(lines, "x.txt")
    written = parse_docshare(lines, "x.txt", originals, NORMALIZE)
    # the same decisions as on the normalised lines alone
    assert [(a["norm_title"], a["first_line"]) for a in written.articles] == [
        (a["title"], a["first_line"]) for a in decided.articles
    ]
    assert [(p["norm"], p["lines"], p["line_joins"]) for p in written.paragraphs] == [
        (p["text"], p["lines"], p["line_joins"]) for p in decided.paragraphs
    ]
    assert [(r["lines"], r["reason"]) for r in written.removed] == [(r["lines"], r["reason"]) for r in decided.removed]
    assert written.notes == decided.notes
    # every character as written is in a paragraph or a removal record, and nothing else is
    # (apart from what normalisation removes at the ends of a line, and the space that joins
    # a broken line between Latin letters)
    kept = "".join(p["text"] for p in written.paragraphs) + "".join(r["text"] for r in written.removed)
    assert _visible_counts("".join(trim(line) for line in originals if NORMALIZE(line))) == _visible_counts(kept)
    for paragraph in written.paragraphs:  # a paragraph as written normalises to what the rules read
        # (up to a space: NFKC turns a spacing accent such as ´ into a space and a combining
        # mark, which a line's ends lose and the middle of a joined paragraph keeps)
        assert NORMALIZE(paragraph["text"]).replace(" ", "") == NORMALIZE(paragraph["norm"]).replace(" ", "")


def _visible_counts(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace())


@bounded(80)
@given(st.lists(st.one_of(FILE_TEXT, st.tuples(TAGS, PLAIN, TAGS).map("".join)), min_size=1, max_size=12))
def test_output_text_is_the_input_text_minus_markup(scratch, corpus_params, cells):
    """Each row's text in documents.parquet (or removed.csv, for a copy or a row without
    enough text) is the cell as written, markup stripped and ends trimmed (``trim``: what
    normalisation removes there): nothing else."""
    path = scratch / "as-written.parquet"
    pd.DataFrame({"text": cells}).to_parquet(path)
    try:
        prepared = prepare_corpus(path, corpus_params)
    except ZhtopicsError:  # no row with text
        assert all(len(duplicate_key(NORMALIZE(strip_markup(cell)[0]))) < corpus_params.min_chars for cell in cells)
        return
    expected = [trim(strip_markup(cell)[0]) for cell in cells]
    rows = pd.concat([prepared.documents[["doc_id", "text"]], prepared.removed[["doc_id", "text"]]])
    for doc_id, text in zip(rows["doc_id"], rows["text"]):
        assert text == expected[int(doc_id.rsplit("-p", 1)[1]) - 1]
    assert len(rows) == len(cells)
    markup_rows = {row for row, cell in enumerate(cells) if strip_markup(cell)[1]}
    assert len(prepared.altered) == len(markup_rows)
