"""Stage 1: read raw input of any supported format and encoding into a documents table.

The output is one row per paragraph (``data/interim/documents.parquet``) with where it
came from, plus a record of everything that was removed and why (``removed.csv``), of
everything that was changed beyond normalisation and why (``altered.csv``), the articles
found (``articles.csv``) and the input files read, with a status and problem per file
(``sources.csv``).

Inputs
------
- ``.txt`` in ``docshare`` form: a scrape of a document-sharing site, like the seed corpus.
  Articles start at title lines (repeated, or repeated at the start of the next
  paragraph); paragraphs are separated by blank lines; a line that does not end a sentence
  and is followed directly by another is joined to it (PDF line breaks, and section
  headings that belong to the paragraph below). Collection headers, site boilerplate,
  journal metadata (``【期刊名称】…``), related-literature lists and bylines are removed.
- ``.txt`` in ``lines`` form: one paragraph per non-empty line; the file is one article.
- A folder: every ``.txt`` file in it, in name order.
- Tables (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``) with a text column; optional id
  and group columns; every other column passes through. Tables are read in chunks of
  :data:`CHUNK_ROWS` rows (pandas ``read_csv(chunksize=...)``, JSONL line by line,
  ``pyarrow.parquet.ParquetFile.iter_batches``), so memory grows with the kept text, not
  with the whole file held as Python objects.

Every text is cleaned (HTML markup stripped, see below) and normalised (NFKC, control
and zero-width characters removed, whitespace collapsed, optional OpenCC conversion), and
exact and near-duplicate paragraphs are kept once: the kept row lists the doc_ids of its
copies, and each copy is in ``removed.csv``. Exact duplicates are found across the whole
input through a 64-bit hash of each paragraph's duplicate key (pandas ``hash_array``);
paragraphs whose hashes are equal are compared on the keys themselves, so a hash collision
can never merge two different paragraphs.

Bad input: what happens
-----------------------
Nothing is lost silently: a problem either stops the stage with one line naming the file
and the problem (:class:`~zhtopics.config.InputError`, exit status 2), or is recorded —
in ``removed.csv`` (what was dropped), ``altered.csv`` (what was changed, with the original)
and the ``status`` / ``problem`` columns of ``sources.csv`` — and logged as a warning.

- Empty file, or a file of only whitespace: as the only input, an error ("no paragraphs
  with text were found (empty file)"); in a folder, status ``empty`` and the other files
  are read.
- A file of only stopwords: kept as paragraphs (segmentation later leaves them without
  tokens and lists them in ``segment_summary.json``).
- Binary file (NUL bytes in its first 8 KB, or a known signature such as PNG, PDF or ZIP),
  UTF-16/UTF-32 text, or bytes no supported encoding decodes: as the only input, an error
  ("looks like a PNG image, not text"); in a folder, the file is skipped (status
  ``skipped``, and a ``removed.csv`` row "file skipped: ...").
- Encodings: UTF-8 (with or without BOM), GB18030/GBK and Big5 are detected per file and
  reported in ``sources.csv`` (a folder may mix them).
- Invalid bytes: a file that is UTF-8 apart from a few invalid bytes (at most 20% of its
  non-ASCII bytes; GBK or Big5 text read as UTF-8 has a quarter or more of them invalid
  on any 5 characters of the seed corpus), or a file that no encoding decodes cleanly but
  one decodes with at most 1% of its bytes invalid, is decoded with U+FFFD in place of
  the invalid bytes: the count is in ``sources.csv`` (``replaced_bytes``), a warning is
  logged and each line (text files, with the bytes shown as ``\\xff``) or row (tables)
  concerned is in ``altered.csv``. More invalid bytes: error. A damaged Parquet file
  (truncated, invalid UTF-8 in a string column) is an error.
- A very long line: read in linear time; paragraphs longer than :data:`NEAR_MAX_CHARS`
  characters are left out of near-duplicate detection only (exact duplicates still count).
- Traditional Chinese: kept as it is, or converted with ``corpus.opencc: t2s``.
- Emoji and full-width forms: NFKC keeps emoji and folds full-width forms; zero-width
  joiners inside emoji sequences are kept, other zero-width characters removed.
- HTML markup (``corpus.markup: strip``, the default): in a text that contains a tag,
  comment or character reference, tags and comments are removed (block tags such as
  ``<p>`` and ``<br>`` become spaces, ``<script>``/``<style>`` lose their content) and
  entities are decoded (stdlib ``html.parser``, i.e. ``html.unescape``); each changed line
  or row is in ``altered.csv`` with its original. Text files are cleaned line by line, so
  a tag or a ``<script>`` block spanning several lines is not recognised across them.
- Tables: a missing or misnamed text, id or group column is an error listing the columns;
  quoted newlines inside a CSV field are read as part of the field; a row with a missing
  (NaN, null) or empty text is in ``removed.csv`` ("missing text", "empty text"); a
  malformed CSV row (wrong number of fields, unclosed quote) is an error naming the line,
  since the rows after it cannot be trusted.
- JSONL: a line that is not valid JSON, or not a JSON object, is skipped and recorded
  (``removed.csv``: "invalid JSON: <the parser's message>" or "not a JSON object", with
  the line number and the raw line; a warning), so one bad line does not lose the good ones; a file without
  any valid line is an error. Lone UTF-16 surrogate escapes (``"\\ud800"``) are replaced
  with U+FFFD (``altered.csv``).
- Ids (``--id-column``): a repeated id is made unique with a suffix (the second ``42``
  becomes ``42#2``) and a missing id gets the positional doc_id (``a01-p003``); both are
  recorded in ``altered.csv`` (the original id in ``original``) and warned about. When more
  than half of the rows repeat an earlier id the column is not an id column: error.
- A passthrough column that cannot be written to Parquet as it is (JSON values of mixed
  types, empty objects) is written as JSON text, noted in ``sources.csv`` and warned about.
- A folder's entries that are not ``.txt`` files (tables, subfolders) are not read: they
  are listed in ``sources.csv`` with status ``ignored`` and warned about.

``altered.csv`` (:func:`altered_path`) has one row per change: ``source_file``, ``lines``
(line number or ``row N`` / ``line N``), ``doc_id`` (empty when the line was removed
anyway), ``reason`` and ``original`` (the text, or id, before the change).
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from zhtopics.atomic import atomic_path, write_csv
from zhtopics.cache import file_digest
from zhtopics.config import InputError, OutputPaths, ZhtopicsError
from zhtopics.encodings import Decoding, decode_text_file, detect_encoding, read_text, sniff_encoding  # noqa: F401

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".parquet": None}
TEXT_SUFFIXES = {".txt"}
# Rows per chunk when reading tables, and paragraphs per block held in memory.
CHUNK_ROWS = 100_000
# Paragraphs with a longer duplicate key are left out of near-duplicate detection (their
# shingle sets and MinHash matrices grow with their length); exact duplicates still count.
NEAR_MAX_CHARS = 100_000
# Files at least this large get a progress bar while they are read.
PROGRESS_BYTES = 20_000_000

# Lines of the document-sharing site that are not part of any article.
DOCSHARE_BOILERPLATE = {
    r"^合集下载$": "collection header",
    r"下载文档前请自行甄别": "site boilerplate",
    r"仅部分预览": "site boilerplate",
    r"如文档侵犯您的权益": "site boilerplate",
    r"^(相关文档|最新文档|相关推荐|猜你喜欢)$": "site boilerplate",
    r"^文章来源于": "site boilerplate",
    r"^因版权原因": "site boilerplate",
}
# A line with one of these markers is a docshare scrape (for txt_format: auto).
DOCSHARE_MARKERS = ("合集下载", "下载文档前请自行甄别", "【期刊名称】")
JOURNAL_FIELD = re.compile(r"^【(?P<field>[^】]{1,12})】(?P<value>.*)$")
RELATED_ITEM = re.compile(r"^\d{1,2}[.、]")
BYLINE = re.compile(r"^(?:文|作者|撰文)\s*[/:／]\s*(?P<name>\S{1,12})$")
SECTION_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.]|[(（][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十\d]+[章节条点])"
)
# A line ending in one of these ends a sentence; anything else continues on the next line.
SENTENCE_END = "。!?…;”’」』)."
CLOSING_QUOTES = "”’」』"
TITLE_MAX_CHARS = 60
HEADING_MAX_CHARS = 40
# Zero-width and other format characters that NFKC keeps (the zero-width joiner U+200D is
# handled apart: kept inside emoji sequences such as 👨‍👩‍👧).
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\ufe0f\U0001f000-\U0001faff"
)
_LONE_ZWJ = re.compile(rf"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_NOT_WORD = re.compile(r"[\W_]+")

ALTERED_COLUMNS = ["source_file", "lines", "doc_id", "reason", "original"]
REPLACED_REASON = "undecodable bytes replaced with U+FFFD"
MARKUP_REASON = "HTML markup removed"
SURROGATE_REASON = "lone UTF-16 surrogate replaced with U+FFFD"


# --------------------------------------------------------------------------- decoding
# in zhtopics.encodings (detect_encoding and read_text are re-exported here)

# --------------------------------------------------------------------------- cleaning


class TextNormalizer:
    """Normalise text: NFKC, invisible and control characters, whitespace, optional OpenCC.

    What it changes: NFKC folds compatibility forms (full-width letters, digits and
    punctuation; emoji are kept); zero-width and other invisible format characters are
    removed, except a zero-width joiner between two emoji; lone UTF-16 surrogates become
    U+FFFD; control characters and runs of whitespace become one space; whitespace between
    two CJK characters is removed; the ends are stripped. Every other character is kept.

    Parameters
    ----------
    opencc : str, optional
        An OpenCC configuration such as ``"t2s"`` (traditional to simplified).
    """

    def __init__(self, opencc: str | None = None):
        self.opencc = opencc
        self._converter = None
        if opencc:
            import opencc as opencc_module

            try:
                self._converter = opencc_module.OpenCC(opencc)
            except Exception as error:  # OpenCC raises a bare RuntimeError for bad names
                raise ZhtopicsError(f"corpus.opencc: unknown OpenCC configuration '{opencc}' ({error})") from None

    def __call__(self, text: str) -> str:
        if not text.isascii():
            text = _SURROGATE.sub("\ufffd", text)
            text = unicodedata.normalize("NFKC", text)
            text = _INVISIBLE.sub("", text)
            if "\u200d" in text:
                text = _LONE_ZWJ.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _SPACE_BETWEEN_CJK.sub("", text)
        text = _WHITESPACE.sub(" ", text).strip()
        if self._converter is not None:
            text = self._converter.convert(text)
        return text


# A tag, comment, declaration or character reference: the signs of HTML in a text.
_MARKUP = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9:-]*\s*|!--.*?--|![A-Za-z][^<>]*|\?[^<>]*)>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.DOTALL,
)
# Tags that separate text (replaced by a space, so words on either side are not glued).
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
# Tags whose content is code, not text.
SKIPPED_TAGS = frozenset({"script", "style"})


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment (stdlib ``html.parser``: entities decoded as ``html.unescape`` does)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = tag
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skipping:
            self._skipping = None
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skipping is None:
            self.parts.append(data)


def has_markup(text: str) -> bool:
    """True when ``text`` holds an HTML tag, comment or character reference."""
    return ("<" in text or "&" in text) and _MARKUP.search(text) is not None


def strip_markup(text: str) -> tuple[str, bool]:
    """Remove HTML markup from a text that has some (see :func:`has_markup`).

    Tags, comments and declarations are removed (block-level tags such as ``<p>``,
    ``<br>``, ``<li>`` become a space; ``<script>`` and ``<style>`` lose their content) and
    character references are decoded, by the standard library's ``html.parser``. A text
    without markup is returned unchanged.

    Returns
    -------
    text : str
    changed : bool
        Whether anything was removed or decoded (the caller records it).
    """
    if not has_markup(text):
        return text, False
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    stripped = "".join(parser.parts)
    return stripped, stripped != text


def _join(left: str, right: str) -> str:
    """Join two pieces of a broken line: no space, except between two Latin letters/digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


# --------------------------------------------------------------------------- parsing


@dataclass
class Parsed:
    """What a reader found in one source: articles, paragraphs and removed lines."""

    articles: list[dict] = field(default_factory=list)
    paragraphs: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def looks_like_docshare(lines: list[str]) -> bool:
    """True when the text carries the document-sharing site's markers."""
    return any(marker in line for line in lines for marker in DOCSHARE_MARKERS)


def parse_lines(lines: list[str], source_file: str, title: str) -> Parsed:
    """One paragraph per non-empty line; the whole file is one article called ``title``."""
    parsed = Parsed(articles=[{"title": title, "source_file": source_file, "first_line": 1}])
    for number, line in enumerate(lines, start=1):
        if line:
            parsed.paragraphs.append({"article": 0, "text": line, "lines": [number], "line_joins": ""})
    return parsed


def _collect_authors(lines: list[str]) -> set[str]:
    authors = set()
    for line in lines:
        match = JOURNAL_FIELD.match(line)
        if match and match["field"] == "作者":
            authors.update(name for name in re.split(r"[,;\s]+", match["value"]) if name)
        match = BYLINE.match(line)
        if match:
            authors.add(match["name"])
    return authors


def _title_lines(lines: list[str], collection_title: str | None) -> set[int]:
    """Indices of lines that are article titles (see module docstring)."""
    nonblank = [i for i, line in enumerate(lines) if line]
    titles = set()
    for position, i in enumerate(nonblank):
        line = lines[i]
        if len(line) > TITLE_MAX_CHARS:
            continue
        previous = lines[nonblank[position - 1]] if position > 0 else None
        following = lines[nonblank[position + 1]] if position + 1 < len(nonblank) else None
        if (
            line in (collection_title, following, previous)
            or following is not None
            and following.startswith(line)
            and len(following) > len(line)
        ):
            titles.add(i)
    return titles


def parse_docshare(lines: list[str], source_file: str) -> Parsed:
    """Parse a document-sharing-site scrape (see the module docstring for the rules).

    Parameters
    ----------
    lines : list of str
        Normalised lines of the file (blank lines kept as empty strings).
    source_file : str
        Name recorded in the provenance columns.

    Returns
    -------
    Parsed
        Articles, paragraphs (with the 1-based line numbers they came from) and removed
        lines with reasons.
    """
    parsed = Parsed()
    authors = _collect_authors(lines)
    first = next((i for i, line in enumerate(lines) if line), None)
    collection_title = lines[first] if first is not None else None
    titles = _title_lines(lines, collection_title)
    notes = {"broken_lines_joined": 0, "headings_joined": 0}

    def remove(index: int, reason: str, text: str | None = None) -> None:
        article = len(parsed.articles) - 1 if parsed.articles else None
        parsed.removed.append(
            {"lines": [index + 1], "article": article, "reason": reason, "text": lines[index] if text is None else text}
        )

    current: dict | None = None  # the paragraph being built
    in_related_list = False
    last_title_index = None
    for i, line in enumerate(lines):
        if not line:
            current = None
            continue
        # Joined to the paragraph above: the line before did not end a sentence, or was a
        # section heading; or this line opens with a closing quote cut off from its sentence.
        is_continuation = current is not None and (
            lines[i - 1][-1] not in SENTENCE_END or (len(current["lines"]) == 1 and _is_heading(current["text"]))
        )
        if (
            current is None
            and line[0] in CLOSING_QUOTES
            and parsed.paragraphs
            and parsed.paragraphs[-1]["article"] == len(parsed.articles) - 1
        ):
            current, is_continuation = parsed.paragraphs[-1], True
        reason = next((why for pattern, why in DOCSHARE_BOILERPLATE.items() if re.search(pattern, line)), None)
        field_match = JOURNAL_FIELD.match(line)
        if i == first:
            remove(i, "collection title")
            current = None
        elif reason:
            remove(i, reason)
            current, in_related_list = None, False
        elif i in titles and not is_continuation:
            if (
                last_title_index is not None
                and lines[last_title_index] == line
                and parsed.articles
                and not _has_text_since(parsed, len(parsed.articles) - 1)
            ):
                remove(i, "title repeated")
            else:
                parsed.articles.append({"title": line, "source_file": source_file, "first_line": i + 1})
                remove(i, "article title")
            last_title_index, current, in_related_list = i, None, False
        elif field_match and field_match["field"] != "摘要":
            remove(i, "journal metadata")
            in_related_list = field_match["field"] == "相关文献"
            current = None
        elif in_related_list and RELATED_ITEM.match(line):
            remove(i, "related-literature list")
        elif line in authors or BYLINE.match(line):
            remove(i, "byline")
            current = None
        else:
            if field_match:  # 【摘要】: the abstract is the article's text; its label is not
                remove(i, "journal metadata label", f"【{field_match['field']}】")
                line = field_match["value"].strip()
            in_related_list = False
            if not parsed.articles:
                parsed.articles.append(
                    {"title": Path(source_file).stem, "source_file": source_file, "first_line": i + 1}
                )
            if is_continuation and current is not None:
                kind = "heading" if len(current["lines"]) == 1 and _is_heading(current["text"]) else "broken line"
                notes["headings_joined" if kind == "heading" else "broken_lines_joined"] += 1
                current["text"] = _join(current["text"], line)
                current["lines"].append(i + 1)
                current["line_joins"] = ", ".join(filter(None, [current["line_joins"], kind]))
            else:
                current = {"article": len(parsed.articles) - 1, "text": line, "lines": [i + 1], "line_joins": ""}
                parsed.paragraphs.append(current)
    _strip_leading_titles(parsed, authors)
    parsed.notes = notes
    return parsed


def _is_heading(text: str) -> bool:
    return len(text) <= HEADING_MAX_CHARS and SECTION_HEADING.match(text) is not None


def _has_text_since(parsed: Parsed, article: int) -> bool:
    return any(p["article"] == article for p in parsed.paragraphs)


def _strip_leading_titles(parsed: Parsed, authors: set[str]) -> None:
    """Remove an article's title (and anything before it, e.g. a column label) and a byline
    from the start of its first paragraph, recording what was cut."""
    seen = set()
    for paragraph in parsed.paragraphs:
        article = paragraph["article"]
        if article in seen:
            continue
        seen.add(article)
        title = parsed.articles[article]["title"]
        text = paragraph["text"]
        at = text.find(title, 0, len(title) + 20)
        if at >= 0 and len(text) > at + len(title):
            cut = text[: at + len(title)]
            text = text[at + len(title) :]
            parsed.removed.append(
                {"lines": paragraph["lines"][:1], "article": article, "reason": "title at paragraph start", "text": cut}
            )
        for author in sorted(authors, key=len, reverse=True):
            match = re.match(rf"^(?:文|作者|撰文)\s*[/:／]\s*{re.escape(author)}", text)
            if match and len(text) > match.end():
                parsed.removed.append(
                    {
                        "lines": paragraph["lines"][:1],
                        "article": article,
                        "reason": "byline at paragraph start",
                        "text": match.group(0),
                    }
                )
                text = text[match.end() :]
                break
        paragraph["text"] = text.strip()


# --------------------------------------------------------------------------- tables


# --------------------------------------------------------------------------- tables


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

    def __init__(self, path: str | Path, encoding: str = "auto", chunk_rows: int | None = None):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        self.encoding = encoding
        self.chunk_rows = max(1, int(chunk_rows or CHUNK_ROWS))
        self.decoding: Decoding | None = None

    @property
    def encoding_name(self) -> str:
        return "parquet" if self.suffix == ".parquet" else (self.decoding.encoding if self.decoding else self.encoding)

    def chunks(self) -> Iterator[TableChunk]:
        """The file's rows, chunk after chunk (at least one chunk, maybe empty).

        Raises
        ------
        InputError
            When the file cannot be read as its format (naming the file and the problem).
        """
        if self.suffix == ".parquet":
            return self._parquet_chunks()
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


# --------------------------------------------------------------------------- duplicates


def duplicate_key(text: str) -> str:
    """The text with whitespace and punctuation removed, lower-cased: equal keys are exact duplicates."""
    return _NOT_WORD.sub("", text).lower()


def key_hashes(keys: Sequence[str]) -> np.ndarray:
    """64-bit hashes (uint64) of duplicate keys: equal keys, equal hashes (pandas ``hash_array``,
    deterministic). Different keys may collide; callers confirm equality on the keys."""
    array = np.asarray(keys, dtype=object) if len(keys) else np.empty(0, dtype=object)
    try:
        return pd.util.hash_array(array, categorize=False)
    except UnicodeEncodeError:  # lone surrogates (never in normalised text): hash a stand-in
        return pd.util.hash_array(
            np.asarray([_SURROGATE.sub("\ufffd", k) for k in keys], dtype=object), categorize=False
        )


def _shingles(key: str, size: int) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def _jaccard(a: str, b: str, size: int) -> float:
    """Jaccard similarity of two keys' character shingles."""
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def _take(texts: Sequence[str], indices) -> list[str]:
    """``texts[i]`` for each index (a Series by position, gathered at once)."""
    if isinstance(texts, pd.Series):
        return texts.iloc[np.asarray(indices, dtype=np.int64)].tolist()
    return [texts[i] for i in indices]


def _minhashes(shingle_lists: Iterable[list[bytes]], num_perm: int) -> Iterator:
    """One datasketch MinHash per list of shingles, as ``MinHash.generator`` makes them, but
    updated in slices so that a long paragraph does not need a (num_perm x shingles) matrix."""
    from datasketch import MinHash

    base = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32)
    for shingles in shingle_lists:
        minhash = base.copy()
        for start in range(0, len(shingles), 20_000):
            minhash.update_batch(shingles[start : start + 20_000])
        yield minhash


def find_duplicate_groups(
    texts: Sequence[str],
    near: bool = True,
    threshold: float = 0.8,
    shingle_size: int = 5,
    num_perm: int = 128,
    max_near_docs: int = 200_000,
    hashes: np.ndarray | None = None,
) -> list[tuple[list[int], dict[int, float]]]:
    """Group texts that are exact or near duplicates of each other.

    Exact duplicates (equal :func:`duplicate_key`) are found through 64-bit hashes of the
    keys; texts whose hashes are equal are compared on their keys, so a collision never
    groups different texts. Only those texts' keys are computed, which keeps memory low
    on large inputs.

    Parameters
    ----------
    texts : sequence of str
        A list, or a Series (read by position).
    near : bool
        Also group near duplicates: Jaccard similarity of character shingles at least
        ``threshold``, found with datasketch ``MinHashLSH`` and confirmed exactly.
    threshold, shingle_size, num_perm
        As in datasketch; ``shingle_size`` is in characters.
    max_near_docs : int
        Above this many distinct texts, near-duplicate detection is skipped with a warning
        (its index grows with the corpus); exact duplicates are always grouped.
    hashes : array of uint64, optional
        :func:`key_hashes` of the texts' keys, when already known.

    Returns
    -------
    list of (members, similarity)
        One entry per group of two or more texts, members in input order, groups in the
        order of their first member; ``similarity`` maps each member to its Jaccard
        similarity with the first member (1.0 if exact).
    """
    groups, exact_first, keys = _duplicate_groups(texts, near, threshold, shingle_size, num_perm, max_near_docs, hashes)
    # Similarity to the first member: 1.0 within its exact copies, Jaccard of the keys otherwise.
    mixed = [members for members in groups if len({exact_first[i] for i in members}) > 1]
    needed = sorted({exact_first[i] for members in mixed for i in members} - set(keys))
    keys.update(zip(needed, map(duplicate_key, _take(texts, needed))))
    result = []
    for members in groups:
        head = exact_first[members[0]]
        similarity = {
            member: 1.0
            if exact_first[member] == head
            else round(_jaccard(keys[head], keys[exact_first[member]], shingle_size), 3)
            for member in members
        }
        result.append((members, similarity))
    return result


def _duplicate_groups(texts, near, threshold, shingle_size, num_perm, max_near_docs, hashes):
    """The work of :func:`find_duplicate_groups`: the groups (lists of members); for each
    text the first text with the same key (an int array: two texts are exact duplicates
    when their entries are equal); and the keys computed for near-duplicate detection."""
    n = len(texts)
    if hashes is None:
        hashes = key_hashes([duplicate_key(text) for text in _take(texts, range(n))])
    codes, _ = pd.factorize(np.asarray(hashes, dtype=np.uint64))
    repeats = np.bincount(codes, minlength=1)[codes] > 1 if n else np.zeros(0, dtype=bool)
    exact_first = np.arange(n)  # the first text with the same key
    parent: dict[int, int] = {}  # union-find over the texts that have a copy

    def find(i: int) -> int:
        root = i
        while parent.get(root, root) != root:
            root = parent[root]
        while i != root:
            parent[i], i = root, parent[i]
        return root

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
            parent.setdefault(min(a, b), min(a, b))

    repeated = np.flatnonzero(repeats)
    first_with_key: dict[str, int] = {}
    for i, text in zip(repeated.tolist(), _take(texts, repeated)):
        first = first_with_key.setdefault(duplicate_key(text), i)
        if first != i:
            union(first, i)
            exact_first[i] = first
    distinct = int(n - len(repeated)) + len(first_with_key)
    del first_with_key

    near_keys: dict[int, str] = {}
    if near and distinct > max_near_docs:
        logger.warning(
            "near-duplicate detection skipped: %d distinct paragraphs > corpus.duplicates.max_docs=%d "
            "(exact duplicates are still removed)",
            distinct,
            max_near_docs,
        )
        near = False
    if near:
        from datasketch import MinHashLSH

        firsts = np.flatnonzero(exact_first == np.arange(n))
        too_long = 0
        for i, text in zip(firsts.tolist(), _take(texts, firsts)):
            key = duplicate_key(text)
            if len(key) > NEAR_MAX_CHARS:
                too_long += 1
            elif len(key) >= shingle_size * 2:
                near_keys[i] = key
        if too_long:
            logger.info(
                "%d paragraphs longer than %d characters left out of near-duplicate detection "
                "(exact duplicates still count)",
                too_long,
                NEAR_MAX_CHARS,
            )
        # One pass: each paragraph's MinHash is made, queried against the earlier ones and
        # inserted; shingles are hashed with CRC-32 (deterministic, much faster than SHA-1).
        signatures = _minhashes(
            ([s.encode("utf-8") for s in sorted(_shingles(key, shingle_size))] for key in near_keys.values()), num_perm
        )
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for i, minhash in tqdm(
            zip(near_keys, signatures),
            total=len(near_keys),
            desc="near duplicates",
            unit="para",
            disable=len(near_keys) < 20000,
        ):
            for j in lsh.query(minhash):
                if _jaccard(near_keys[i], near_keys[j], shingle_size) >= threshold:
                    union(j, i)
            lsh.insert(i, minhash)

    groups: dict[int, list[int]] = {}
    for i in sorted(parent):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values()), exact_first, near_keys


# --------------------------------------------------------------------------- the stage


@dataclass
class PreparedCorpus:
    """The outputs of stage 1 as tables."""

    documents: pd.DataFrame
    removed: pd.DataFrame
    articles: pd.DataFrame
    sources: pd.DataFrame
    altered: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALTERED_COLUMNS))


DOCUMENT_COLUMNS = [
    "doc_id",
    "article_id",
    "article_title",
    "position",
    "text",
    "n_chars",
    "source_file",
    "source_lines",
    "line_joins",
    "duplicates",
]
REMOVED_COLUMNS = ["source_file", "lines", "article_id", "doc_id", "reason", "duplicate_of", "text"]
SOURCE_COUNTS = ("bytes", "replaced_bytes", "articles", "paragraphs", "removed_lines", "altered")
# Why a paragraph is dropped before duplicate detection (codes in _ParagraphStore's "drop").
KEPT, MISSING_TEXT, EMPTY_TEXT, TOO_SHORT = 0, 1, 2, 3


def _line_span(lines: list[int]) -> str:
    return str(lines[0]) if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"


def _lines_label(lines: list) -> str:
    return ", ".join(lines) if isinstance(lines[0], str) else _line_span(lines)


def list_input_files(input_path: str | Path) -> list[Path]:
    """The files an input path stands for: the file itself, or a folder's ``.txt`` files."""
    return _input_files(input_path)[0]


def _input_files(input_path: str | Path) -> tuple[list[Path], list[Path]]:
    """The files to read, and (for a folder) the entries that are not read."""
    path = Path(input_path)
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_file():
        if path.suffix.lower() not in TEXT_SUFFIXES | set(TABLE_SUFFIXES):
            supported = ", ".join(sorted(TEXT_SUFFIXES | set(TABLE_SUFFIXES)))
            raise InputError(path, f"unsupported file type '{path.suffix}' (supported: {supported})")
        return [path], []
    try:
        entries = sorted(path.iterdir())
    except OSError as error:
        raise InputError(path, f"cannot list the folder: {error.strerror or error}") from None
    files = [p for p in entries if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
    ignored = [p for p in entries if p not in files and not p.name.startswith(".")]
    if ignored:
        logger.warning("%s: ignoring what is not a .txt file: %s", path, ", ".join(p.name for p in ignored))
    if not files:
        raise InputError(path, "folder has no .txt files (for a table, pass the file itself)")
    return files, ignored


class _ParagraphStore:
    """Every paragraph read, as blocks of columns (text as Arrow-backed strings).

    This is what stage 1 holds per paragraph until the end, when ids are numbered and
    duplicates resolved: a few numbers, the cleaned text and its provenance strings.
    """

    COLUMNS = (
        "article",
        "position",
        "text",
        "n_chars",
        "file",
        "source_lines",
        "line_joins",
        "given_id",
        "key_hash",
        "drop",
    )

    def __init__(self, block_rows: int):
        self.block_rows = block_rows
        self._buffer: dict[str, list] = {column: [] for column in self.COLUMNS}
        self._hashes: list[np.ndarray] = []
        self._blocks: list[pd.DataFrame] = []
        self.rows = 0

    def extend(self, columns: dict[str, list], hashes: np.ndarray) -> None:
        for column in self.COLUMNS[:-2] + ("drop",):
            self._buffer[column].extend(columns[column])
        self._hashes.append(hashes)
        self.rows += len(columns["text"])
        if len(self._buffer["text"]) >= self.block_rows:
            self._flush()

    def _flush(self) -> None:
        buffer = self._buffer
        if not buffer["text"]:
            return
        self._blocks.append(
            pd.DataFrame(
                {
                    "article": np.asarray(buffer["article"], dtype=np.int64),
                    "position": np.asarray(buffer["position"], dtype=np.int64),
                    "text": pd.array(buffer["text"], dtype="str"),
                    "n_chars": np.asarray(buffer["n_chars"], dtype=np.int64),
                    "file": np.asarray(buffer["file"], dtype=np.int32),
                    "source_lines": pd.array(buffer["source_lines"], dtype="str"),
                    "line_joins": pd.array(buffer["line_joins"], dtype="str"),
                    "given_id": pd.array(buffer["given_id"], dtype="str"),
                    "key_hash": np.concatenate(self._hashes) if self._hashes else np.empty(0, dtype=np.uint64),
                    "drop": np.asarray(buffer["drop"], dtype=np.int8),
                }
            )
        )
        self._buffer = {column: [] for column in self.COLUMNS}
        self._hashes = []

    def frame(self) -> pd.DataFrame:
        """All paragraphs in input order (the blocks are released)."""
        self._flush()
        blocks, self._blocks = self._blocks, []
        if not blocks:
            return pd.DataFrame({column: [] for column in self.COLUMNS})
        if len(blocks) == 1:
            return blocks[0]
        frame = pd.concat(blocks, ignore_index=True)
        del blocks
        # One Arrow chunk per string column: Parquet pages then do not depend on the block size.
        import pyarrow as pa

        for column in ("text", "source_lines", "line_joins", "given_id"):
            chunked = pa.array(frame[column].array)  # the Arrow data, without a copy
            if isinstance(chunked, pa.ChunkedArray):
                frame[column] = pd.array(chunked.combine_chunks(), dtype="str")
        return frame


class _CorpusBuilder:
    """Reads input files one after the other into a :class:`_ParagraphStore` plus the records
    of what was removed and altered, then numbers, de-duplicates and tabulates (:meth:`finish`)."""

    def __init__(self, params: dict, normalize: TextNormalizer):
        self.params = params
        self.normalize = normalize
        self.min_chars = params.get("min_chars", 1)
        markup = params.get("markup", "strip")
        if markup not in ("strip", "keep"):
            raise ZhtopicsError(f"corpus.markup: '{markup}' is not one of strip, keep")
        self.strip_markup = markup == "strip"
        self.encoding = params.get("encoding", "auto") or "auto"
        self.store = _ParagraphStore(CHUNK_ROWS)
        self.articles: list[dict] = []
        self.article_paragraphs: list[int] = []  # paragraphs per article so far (positions)
        self.removed: list[dict] = []  # removed while reading, in input order
        self.altered: list[tuple] = []  # (source_file, lines, paragraph number or None, reason, original)
        self.sources: list[dict] = []
        self.files: list[str] = []
        self.extras: list[pd.DataFrame] = []  # passthrough columns of a table, per chunk
        self.table_path: Path | None = None
        self.id_column: str | None = None

    # ------------------------------------------------------------------ reading

    def add_file(self, path: Path) -> None:
        """Read one input file (raises InputError for a file that cannot be read)."""
        source_file = path.name
        file_index = len(self.files)
        self.files.append(source_file)
        marks = (len(self.articles), self.store.rows, len(self.removed), len(self.altered))
        try:
            if path.suffix.lower() in TABLE_SUFFIXES:
                info = self._add_table(path, file_index)
            else:
                info = self._add_text(path, file_index)
        except InputError:
            self.files.pop()
            raise
        articles, paragraphs = len(self.articles) - marks[0], self.store.rows - marks[1]
        removed, altered = len(self.removed) - marks[2], len(self.altered) - marks[3]
        problems = info["problems"]
        if info["replaced"]:
            problems.insert(0, f"{info['replaced']} undecodable bytes replaced with U+FFFD")
        if altered:
            unit = "row" if path.suffix.lower() in TABLE_SUFFIXES else "line"
            problems.append(f"{altered} {unit}{'s' * (altered > 1)} altered, see altered.csv")
        logger.info(
            "%s: %s, encoding %s, %d articles, %d paragraphs",
            source_file,
            info["format"],
            info["encoding"],
            articles,
            paragraphs,
        )
        for problem in problems:
            logger.warning("%s: %s", path, problem)
        status = "ok" if not problems else "warning"
        if paragraphs == 0:
            status = "empty"
            problems.append(info.get("empty") or "no paragraphs")
        self.sources.append(
            self._source_row(
                path,
                info["format"],
                info["encoding"],
                status,
                problems,
                info["replaced"],
                articles,
                paragraphs,
                removed,
                altered,
                info.get("notes", {}),
            )
        )

    def add_unreadable(self, path: Path, error: InputError, fmt: str) -> None:
        """Record a file of a folder that could not be read: skipped, with the reason."""
        logger.warning("%s: skipped: %s", path, error.problem)
        self.removed.append(
            {
                "source_file": path.name,
                "lines": "",
                "article": None,
                "reason": f"file skipped: {error.problem}",
                "text": "",
            }
        )
        self.sources.append(self._source_row(path, fmt, "", "skipped", [error.problem], 0, 0, 0, 1, 0, {}))

    def add_ignored(self, path: Path) -> None:
        """Record an entry of a folder that is not read (not a .txt file)."""
        problem = "subfolder: not read" if path.is_dir() else "not a .txt file: not read"
        size = path.stat().st_size if path.is_file() else None
        self.sources.append(
            {
                "source_file": path.name,
                "path": str(path),
                "format": "",
                "encoding": "",
                "bytes": size,
                "sha256": "",
                "status": "ignored",
                "problem": problem,
                "replaced_bytes": 0,
                "articles": 0,
                "paragraphs": 0,
                "removed_lines": 0,
                "altered": 0,
            }
        )

    @staticmethod
    def _source_row(
        path, fmt, encoding, status, problems, replaced, articles, paragraphs, removed, altered, notes
    ) -> dict:
        try:
            size, digest = path.stat().st_size, file_digest(path)
        except OSError:
            size, digest = None, ""
        return {
            "source_file": path.name,
            "path": str(path),
            "format": fmt,
            "encoding": encoding,
            "bytes": size,
            "sha256": digest,
            "status": status,
            "problem": "; ".join(problems),
            "replaced_bytes": replaced,
            "articles": articles,
            "paragraphs": paragraphs,
            "removed_lines": removed,
            "altered": altered,
            **notes,
        }

    def _clean(self, text: str) -> tuple[str, str | None]:
        """Strip markup (if any and if enabled): (text, reason it was altered or None)."""
        if self.strip_markup and ("<" in text or "&" in text):
            stripped, changed = strip_markup(text)
            if changed:
                return stripped, MARKUP_REASON
        return text, None

    def _new_article(self, title: str, source_file: str, first_line) -> int:
        self.articles.append({"title": title, "source_file": source_file, "first_line": first_line})
        self.article_paragraphs.append(0)
        return len(self.articles) - 1

    def _add_paragraphs(
        self,
        articles: list[int],
        texts: list[str],
        missing: list[bool] | None,
        labels: list[str],
        joins: list[str],
        file_index: int,
        given_ids: list[str | None] | None,
    ) -> None:
        """Normalise and store paragraphs (in order); number them within their articles."""
        normalize, min_chars, counts = self.normalize, self.min_chars, self.article_paragraphs
        positions, cleaned, lengths, keys, drops = [], [], [], [], []
        for index, (article, text) in enumerate(zip(articles, texts)):
            counts[article] += 1
            positions.append(counts[article])
            text = normalize(text)
            key = duplicate_key(text)
            cleaned.append(text)
            lengths.append(len(text))
            keys.append(key)
            if len(key) >= min_chars:
                drops.append(KEPT)
            elif missing is not None and missing[index]:
                drops.append(MISSING_TEXT)
            else:
                drops.append(EMPTY_TEXT if not text else TOO_SHORT)
        self.store.extend(
            {
                "article": articles,
                "position": positions,
                "text": cleaned,
                "n_chars": lengths,
                "file": [file_index] * len(texts),
                "source_lines": labels,
                "line_joins": joins,
                "given_id": given_ids if given_ids is not None else [None] * len(texts),
                "drop": drops,
            },
            key_hashes(keys),
        )

    def _add_text(self, path: Path, file_index: int) -> tuple:
        source_file = path.name
        raw, decoding, data = decode_text_file(path, self.encoding)
        raw_lines = raw.splitlines()
        altered_lines: list[tuple[int, str, str]] = []  # (line number, reason, original)
        if decoding.replaced_bytes:
            escaped = data.decode(decoding.encoding, errors="backslashreplace").splitlines()
            altered_lines += [
                (number, REPLACED_REASON, escaped[number - 1] if number <= len(escaped) else line)
                for number, line in enumerate(raw_lines, start=1)
                if "\ufffd" in line
            ]
        lines = []
        for number, line in enumerate(raw_lines, start=1):
            line, reason = self._clean(line)
            if reason:
                altered_lines.append((number, reason, raw_lines[number - 1]))
            lines.append(self.normalize(line))
        fmt = self.params.get("txt_format", "auto")
        if fmt == "auto":
            fmt = "docshare" if looks_like_docshare(lines) else "lines"
        if fmt == "docshare":
            parsed = parse_docshare(lines, source_file)
        elif fmt == "lines":
            parsed = parse_lines(lines, source_file, path.stem)
        else:
            raise ZhtopicsError(f"corpus.txt_format: '{fmt}' is not one of auto, docshare, lines")
        offset = len(self.articles)
        for article in parsed.articles:
            self._new_article(article["title"], source_file, article["first_line"])
        for row in parsed.removed:
            article = row.get("article")
            self.removed.append(
                {
                    "source_file": source_file,
                    "lines": _lines_label(row["lines"]),
                    "article": None if article is None else article + offset,
                    "reason": row["reason"],
                    "text": row["text"],
                }
            )
        first_paragraph = self.store.rows
        paragraphs = parsed.paragraphs
        self._add_paragraphs(
            [p["article"] + offset for p in paragraphs],
            [p["text"] for p in paragraphs],
            None,
            [_lines_label(p["lines"]) for p in paragraphs],
            [p["line_joins"] for p in paragraphs],
            file_index,
            None,
        )
        if altered_lines:
            paragraph_of_line = {line: first_paragraph + k for k, p in enumerate(paragraphs) for line in p["lines"]}
            for number, reason, original in sorted(altered_lines):
                self.altered.append((source_file, str(number), paragraph_of_line.get(number), reason, original))
        if not data:
            empty = "empty file"
        elif not raw.strip():
            empty = "only whitespace"
        else:
            empty = "every line was removed (see removed.csv)"
        return {
            "format": fmt,
            "encoding": decoding.encoding,
            "replaced": decoding.replaced_bytes,
            "notes": parsed.notes,
            "problems": [],
            "empty": empty,
        }

    def _add_table(self, path: Path, file_index: int) -> tuple:
        params, source_file = self.params, path.name
        if path.stat().st_size == 0:
            raise InputError(path, "empty file")
        reader = TableReader(path, self.encoding)
        id_column, group_column = params.get("id_column"), params.get("group_column")
        text_column, problems = None, []
        rename: dict = {}  # passthrough column → its name in the documents table
        used = set(DOCUMENT_COLUMNS)
        article_of_group: dict[str, int] = {}
        invalid_lines, first_invalid = 0, None
        for chunk in reader.chunks():
            frame = chunk.frame
            if text_column is None:
                columns = [str(c) for c in frame.columns]
                if not columns:
                    raise InputError(
                        path, "empty file" if path.stat().st_size == 0 else "no rows: the file holds only blank lines"
                    )
                text_column = _table_column(path, columns, params.get("text_column"))
                for option, column in (("--id-column", id_column), ("--group-column", group_column)):
                    if column is not None and column not in columns:
                        raise InputError(path, f"no column '{column}' for {option} (columns: {', '.join(columns)})")
                if group_column is None:
                    self._new_article(path.stem, source_file, chunk.labels[0] if chunk.labels else "")
            for label, reason, raw in chunk.skipped:
                invalid_lines += 1
                first_invalid = first_invalid or f"{label}, {reason}"
                self.removed.append(
                    {"source_file": source_file, "lines": label, "article": None, "reason": reason, "text": raw}
                )
            n = len(frame)
            if n == 0:
                continue
            for column in (id_column, group_column):
                if column is not None and column not in frame.columns:  # JSONL: key absent from this chunk
                    frame[column] = pd.Series([None] * n, dtype=object)
            if group_column is None:
                articles = [len(self.articles) - 1] * n
            else:
                articles = []
                for group, label in zip(frame[group_column].astype(str).tolist(), chunk.labels):
                    article = article_of_group.get(group)
                    if article is None:
                        article = article_of_group[group] = self._new_article(group, source_file, label)
                    articles.append(article)
            given_ids = None
            if id_column is not None:
                ids = frame[id_column]
                given_ids = [
                    None if absent else value for value, absent in zip(ids.astype(str).tolist(), ids.isna().tolist())
                ]
            first_paragraph = self.store.rows
            texts, missing = [], []
            altered = list(chunk.altered)  # (row, reason, original)
            damaged = reader.decoding is not None and reader.decoding.replaced_bytes > 0
            recorded_damage = {row for row, reason, _ in altered if reason == REPLACED_REASON}
            for row, value in enumerate(frame[text_column].tolist() if text_column in frame.columns else [None] * n):
                if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                    texts.append("")
                    missing.append(True)
                    continue
                text = value if isinstance(value, str) else str(value)
                if damaged and "\ufffd" in text and row not in recorded_damage:
                    altered.append((row, REPLACED_REASON, None))
                text, reason = self._clean(text)
                if reason:
                    altered.append((row, reason, value))
                texts.append(text)
                missing.append(False)
            self._add_paragraphs(articles, texts, missing, chunk.labels, [""] * n, file_index, given_ids)
            for row, reason, original in sorted(altered, key=lambda entry: entry[0]):
                self.altered.append((source_file, chunk.labels[row], first_paragraph + row, reason, original))
            extras = frame.drop(columns=[text_column]) if text_column in frame.columns else frame
            for column in extras.columns:
                if column not in rename:  # a DOCUMENT_COLUMNS name (or a taken one) gets an input_ prefix
                    name = str(column)
                    while name in used:
                        name = f"input_{name}"
                    rename[column] = name
                    used.add(name)
            self.extras.append(extras.rename(columns=rename))
        if invalid_lines:
            problems.append(
                f"{invalid_lines} line{'s' * (invalid_lines > 1)} skipped, see removed.csv (first: {first_invalid})"
            )
        self.table_path, self.id_column = path, id_column
        return {
            "format": f"table:{reader.suffix[1:]}",
            "encoding": reader.encoding_name,
            "replaced": reader.decoding.replaced_bytes if reader.decoding else 0,
            "problems": problems,
            "empty": "no rows",
        }

    # ------------------------------------------------------------------ the tables

    def finish(self, input_path: Path) -> PreparedCorpus:
        """Number articles and paragraphs, record dropped, altered and duplicate paragraphs."""
        params = self.params
        rows = self.store.frame()
        n_paragraphs = len(rows)
        if not n_paragraphs:
            raise InputError(input_path, self._no_text_problem())
        width = max(2, len(str(len(self.articles))))
        article_ids = np.asarray([f"a{number:0{width}d}" for number in range(1, len(self.articles) + 1)], dtype=object)
        titles = np.asarray([article["title"] for article in self.articles], dtype=object)
        files = np.asarray(self.files, dtype=object)
        para_width = max(3, len(str(max(self.article_paragraphs, default=0))))
        article_index = rows["article"].to_numpy()
        article_id = pd.Series(article_ids[article_index], dtype="str")
        doc_id = article_id + "-p" + rows["position"].astype(str).str.zfill(para_width)
        if self.id_column is not None:
            doc_id = self._given_ids(rows, doc_id)
        rows["doc_id"], rows["article_id"] = doc_id, article_id
        source_file = pd.Series(files[rows["file"].to_numpy()], dtype="str")

        removed = []
        for row in self.removed:
            article = row["article"]
            removed.append(
                {
                    "source_file": row["source_file"],
                    "lines": row["lines"],
                    "article_id": None if article is None else article_ids[article],
                    "doc_id": None,
                    "reason": row["reason"],
                    "text": row["text"],
                }
            )
        drop = rows["drop"].to_numpy()
        reasons = {
            MISSING_TEXT: "missing text",
            EMPTY_TEXT: "empty text",
            TOO_SHORT: f"shorter than corpus.min_chars={self.min_chars}",
        }
        for i in np.flatnonzero(drop != KEPT).tolist():
            removed.append(
                {
                    "source_file": source_file.iat[i],
                    "lines": rows["source_lines"].iat[i],
                    "article_id": article_id.iat[i],
                    "doc_id": doc_id.iat[i],
                    "reason": reasons[int(drop[i])],
                    "text": rows["text"].iat[i],
                }
            )
        kept_index = np.flatnonzero(drop == KEPT)
        if not len(kept_index):
            counts = pd.Series(drop).map(reasons).value_counts(sort=False)
            raise InputError(input_path, self._no_text_problem(counts.to_dict()))
        if len(kept_index) == n_paragraphs:
            kept, kept_source_file = rows, source_file
        else:
            kept = rows.take(kept_index).reset_index(drop=True)
            kept_source_file = source_file.take(kept_index).reset_index(drop=True)
        del rows, source_file, article_id

        dup = params.get("duplicates", {})
        shingle_size = dup.get("shingle_size", 5)
        groups, exact_first, _ = _duplicate_groups(
            kept["text"],
            dup.get("near", True),
            dup.get("threshold", 0.8),
            shingle_size,
            dup.get("num_perm", 128),
            dup.get("max_docs", 200_000),
            kept["key_hash"].to_numpy(),
        )
        keep_rule = dup.get("keep", "longest_article")
        if keep_rule not in ("longest_article", "first"):
            raise ZhtopicsError(f"corpus.duplicates.keep: '{keep_rule}' is not one of longest_article, first")
        kept_article = kept["article"].to_numpy()
        article_chars = np.bincount(kept_article, weights=kept["n_chars"].to_numpy(), minlength=len(self.articles))
        dropped, keepers = [], []  # each copy, and the paragraph kept in its place
        for members in groups:
            if keep_rule == "longest_article":
                keeper = max(members, key=lambda i: (article_chars[kept_article[i]], -i))
            else:
                keeper = members[0]
            for i in members:
                if i != keeper:
                    dropped.append(i)
                    keepers.append(keeper)
        del groups
        copy_ids, keeper_ids = _take(kept["doc_id"], dropped), _take(kept["doc_id"], keepers)
        duplicates: dict[int, list[str]] = {}  # keeper → its copies' doc_ids
        for keeper, copy_id in zip(keepers, copy_ids):
            duplicates.setdefault(keeper, []).append(copy_id)
        # the removal records of the copies, column by column
        copy_texts = _take(kept["text"], dropped)
        reasons = [f"exact duplicate of {keeper_id}" for keeper_id in keeper_ids]
        near_pairs = [
            (n, keeper) for n, (i, keeper) in enumerate(zip(dropped, keepers)) if exact_first[i] != exact_first[keeper]
        ]
        keeper_texts = _take(kept["text"], [keeper for _, keeper in near_pairs])
        for (n, _), keeper_text in zip(near_pairs, keeper_texts):
            jaccard = _pair_similarity(copy_texts[n], keeper_text, shingle_size)
            reasons[n] = f"near duplicate (Jaccard {jaccard:.2f}) of {keeper_ids[n]}"
        removed_copies = {
            "source_file": _take(kept_source_file, dropped),
            "lines": _take(kept["source_lines"], dropped),
            "article_id": _take(kept["article_id"], dropped),
            "doc_id": copy_ids,
            "reason": reasons,
            "duplicate_of": keeper_ids,
            "text": copy_texts,
        }
        del copy_texts, keeper_ids
        keep = np.ones(len(kept), dtype=bool)
        keep[dropped] = False
        duplicates_column = np.full(len(kept), "", dtype=object)
        for keeper, copies in duplicates.items():
            duplicates_column[keeper] = "; ".join(copies)
        documents = pd.DataFrame(
            {
                "doc_id": kept["doc_id"],
                "article_id": kept["article_id"],
                "article_title": pd.Series(titles[kept_article], dtype="str"),
                "position": kept["position"],
                "text": kept["text"],
                "n_chars": kept["n_chars"],
                "source_file": kept_source_file,
                "source_lines": kept["source_lines"],
                "line_joins": kept["line_joins"],
                "duplicates": pd.Series(duplicates_column, dtype="str"),
            }
        )
        documents = documents[keep].reset_index(drop=True)
        del kept, kept_source_file, duplicates_column
        extras = self._extras(kept_index[keep])
        if extras is not None:
            documents = pd.concat([documents, extras], axis=1)

        articles = pd.DataFrame(self.articles, columns=["title", "source_file", "first_line"]).rename(
            columns={"title": "article_title"}
        )
        articles.insert(0, "article_id", article_ids)
        counts_all = np.bincount(kept_article, minlength=len(self.articles))
        counts_kept = np.bincount(kept_article[keep], minlength=len(self.articles))
        articles["paragraphs"] = counts_all.astype(int)
        articles["paragraphs_kept"] = counts_kept.astype(int)
        articles["duplicates_elsewhere"] = articles["paragraphs"] - articles["paragraphs_kept"]
        articles["first_line"] = articles["first_line"].astype(str)
        articles = articles[
            [
                "article_id",
                "article_title",
                "source_file",
                "first_line",
                "paragraphs",
                "paragraphs_kept",
                "duplicates_elsewhere",
            ]
        ]

        altered = pd.DataFrame(
            [
                (source, lines, None if number is None else doc_id.iat[number], reason, original)
                for source, lines, number, reason, original in self.altered
            ],
            columns=ALTERED_COLUMNS,
        )
        logger.info(
            "%d paragraphs kept of %d; %d duplicates and %d other removals recorded; %d alterations",
            len(documents),
            n_paragraphs,
            len(dropped),
            len(removed),
            len(altered),
        )
        sources = pd.DataFrame(self.sources)
        for column in sources.columns:  # counts stay integers where a file has none (ignored, not docshare)
            counts = column in SOURCE_COUNTS or column in ("broken_lines_joined", "headings_joined")
            if counts and sources[column].isna().any():
                sources[column] = sources[column].astype("Int64")
        return PreparedCorpus(
            documents=documents,
            removed=pd.DataFrame(
                {column: [row.get(column) for row in removed] + removed_copies[column] for column in REMOVED_COLUMNS},
                columns=REMOVED_COLUMNS,
            ),
            articles=articles,
            sources=sources,
            altered=altered,
        )

    def _no_text_problem(self, dropped: dict[str, int] | None = None) -> str:
        """Why there is nothing to keep (for the error): each file's problem, and how many
        paragraphs were dropped for which reason."""
        if len(self.sources) == 1:
            details = [self.sources[0]["problem"]] if self.sources[0]["problem"] else []
        else:
            details = [f"{row['source_file']}: {row['problem']}" for row in self.sources if row["problem"]]
        details += [f"{count} paragraph{'s' * (count > 1)}: {reason}" for reason, count in (dropped or {}).items()]
        return "no paragraphs with text were found" + (f" ({'; '.join(details)})" if details else "")

    def _given_ids(self, rows: pd.DataFrame, positional: pd.Series) -> pd.Series:
        """doc_ids from the id column: a missing id gets the positional one, a repeated id a
        suffix (#2, #3, ...); both recorded in altered.csv. Error when most ids repeat."""
        given = rows["given_id"]
        missing = (given.isna() | (given == "")).to_numpy()
        doc_id = given.where(~missing, positional)
        path, source_file = self.table_path, self.table_path.name
        labels = rows["source_lines"]
        for i in np.flatnonzero(missing).tolist():
            self.altered.append((source_file, labels.iat[i], i, "missing id: positional doc_id used", None))
        repeated = doc_id.duplicated(keep="first").to_numpy()
        n_repeated = int(repeated.sum())
        if n_repeated:
            first = doc_id.iat[int(np.flatnonzero(repeated)[0])]
            if n_repeated * 2 > len(doc_id):
                raise InputError(
                    path,
                    f"id column '{self.id_column}' is not an id: {n_repeated} of {len(doc_id)} rows "
                    f"repeat an earlier value (e.g. '{first}'); use --group-column for groups",
                )
            taken = set(doc_id.tolist())
            suffix: dict[str, int] = {}
            values = doc_id.to_numpy(dtype=object).copy()
            for i in np.flatnonzero(repeated).tolist():
                base = values[i]
                number = suffix.get(base, 2)
                while f"{base}#{number}" in taken:
                    number += 1
                values[i] = f"{base}#{number}"
                taken.add(values[i])
                suffix[base] = number + 1
                self.altered.append((source_file, labels.iat[i], i, "repeated id: suffix added", base))
            doc_id = pd.Series(values, dtype="str")
            message = (
                f"id column '{self.id_column}': {n_repeated} repeated ids made unique with a suffix (first: '{first}')"
            )
            logger.warning("%s: %s", path, message)
            self._note_table_problem(message)
        if missing.any():
            message = f"id column '{self.id_column}': {int(missing.sum())} rows without an id got a positional doc_id"
            logger.warning("%s: %s", path, message)
            self._note_table_problem(message)
        return doc_id.reset_index(drop=True)

    def _note_table_problem(self, message: str) -> None:
        """Add a problem to the table's row of sources.csv (known only at the end)."""
        for row in self.sources:
            if row["path"] == str(self.table_path):
                row["problem"] = "; ".join(filter(None, [row["problem"], message]))
                row["status"] = "warning" if row["status"] == "ok" else row["status"]
                row["altered"] = sum(1 for entry in self.altered if entry[0] == row["source_file"])

    def _extras(self, kept_index: np.ndarray) -> pd.DataFrame | None:
        """The table's passthrough columns for the kept paragraphs, each writable to Parquet."""
        if not self.extras or not any(len(frame.columns) for frame in self.extras):
            return None
        extras = pd.concat(self.extras, ignore_index=True) if len(self.extras) > 1 else self.extras[0]
        self.extras = []
        extras = extras.take(kept_index).reset_index(drop=True)
        for column in extras.columns:
            if extras[column].dtype == object:  # typed as a table built from the values would type them
                values = extras[column]
                extras[column] = pd.Series(values.where(values.notna(), None).tolist(), index=extras.index)
        for column in extras.columns:
            if extras[column].dtype == object and not _parquet_writable(extras[column]):
                extras[column] = extras[column].map(_as_json_text).astype("str")
                message = f"column '{column}' has values of mixed types: written as JSON text"
                logger.warning("%s: %s", self.table_path, message)
                self._note_table_problem(message)
        return extras


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


def prepare_corpus(input_path: str | Path, params: dict) -> PreparedCorpus:
    """Read, clean, split and de-duplicate an input into the stage-1 tables.

    Parameters
    ----------
    input_path : str or Path
        A ``.txt`` file, a folder of ``.txt`` files, or a table file.
    params : dict
        The ``corpus`` section of the parameters.

    Returns
    -------
    PreparedCorpus

    Raises
    ------
    InputError
        For unreadable or unsupported input, naming the file and the problem. In a
        folder, a file that cannot be read is skipped and recorded instead (see the module
        docstring); the error comes only when no file has text.
    """
    input_path = Path(input_path)
    files, ignored = _input_files(input_path)
    builder = _CorpusBuilder(params, TextNormalizer(params.get("opencc")))
    folder = input_path.is_dir()
    for path in tqdm(files, desc="reading", unit="file", disable=len(files) < 20):
        try:
            builder.add_file(path)
        except InputError as error:
            if not folder or error.path != path:
                raise
            builder.add_unreadable(path, error, path.suffix.lower().lstrip("."))
    for path in ignored:
        builder.add_ignored(path)
    return builder.finish(input_path)


def _pair_similarity(a: str, b: str, size: int) -> float:
    return _jaccard(duplicate_key(a), duplicate_key(b), size)


def altered_path(paths: OutputPaths) -> Path:
    """Where :func:`write_prepared` writes the alterations table (``data/interim/altered.csv``)."""
    return paths.interim / "altered.csv"


def write_prepared(prepared: PreparedCorpus, paths: OutputPaths) -> None:
    """Write the stage-1 tables to ``data/interim/`` below the output folder (each file atomically)."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    with atomic_path(paths.documents) as temporary:
        prepared.documents.to_parquet(temporary, index=False)
    for table, path in (
        (prepared.removed, paths.removed),
        (prepared.articles, paths.articles),
        (prepared.sources, paths.sources),
        (prepared.altered, altered_path(paths)),
    ):
        write_csv(table, path)
    logger.info(
        "wrote %s (%d paragraphs), removed.csv (%d rows) and altered.csv (%d rows)",
        paths.documents,
        len(prepared.documents),
        len(prepared.removed),
        len(prepared.altered),
    )


def load_documents(paths: OutputPaths) -> pd.DataFrame:
    """Read the documents table written by :func:`write_prepared`."""
    if not paths.documents.exists():
        raise InputError(paths.documents, "not found; run `zhtopics prepare` first")
    return pd.read_parquet(paths.documents)
