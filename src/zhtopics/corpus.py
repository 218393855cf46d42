"""Stage 1: read raw input of any supported format and encoding into a documents table.

The output is one row per paragraph (``data/interim/documents.parquet``) with where it
came from, plus a record of everything that was removed and why (``removed.csv``), the
articles found (``articles.csv``) and the input files read (``sources.csv``).

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
  and group columns; every other column passes through.

Every text is normalised (NFKC, control and zero-width characters removed, whitespace
collapsed, optional OpenCC conversion), and exact and near-duplicate paragraphs are kept
once: the kept row lists the doc_ids of its copies, and each copy is in ``removed.csv``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from zhtopics.cache import file_digest
from zhtopics.config import InputError, OutputPaths, ZhtopicsError

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".parquet": None}
TEXT_SUFFIXES = {".txt"}

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
# Zero-width and other format characters that NFKC keeps.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_NOT_WORD = re.compile(r"[\W_]+")


# --------------------------------------------------------------------------- reading


def detect_encoding(data: bytes, path: str | Path) -> str:
    """Name the encoding of a text file: utf-8-sig, utf-8, gb18030 or big5.

    UTF-8 is tried first (strictly). Otherwise GB18030 (a superset of GBK and GB2312) and
    Big5 are tried; when both decode, charset-normalizer chooses between them.

    Raises
    ------
    InputError
        When none of the supported encodings decodes the file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            data.decode(encoding)
            candidates.append(encoding)
        except UnicodeDecodeError:
            pass
    if not candidates:
        raise InputError(path, "cannot decode as UTF-8, GB18030/GBK or Big5; convert it to UTF-8")
    if len(candidates) == 1:
        return candidates[0]
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        return "gb18030"
    return "big5" if best.encoding in ("big5", "big5hkscs", "cp950") else "gb18030"


def read_text(path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Read a text file, detecting its encoding unless one is given.

    Returns
    -------
    text : str
    encoding : str
        The encoding used (reported in ``sources.csv``).
    """
    path = Path(path)
    data = path.read_bytes()
    if encoding == "auto":
        encoding = detect_encoding(data, path)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise InputError(path, f"cannot decode as {encoding}: {error}") from None


class TextNormalizer:
    """Normalise text: NFKC, invisible and control characters, whitespace, optional OpenCC.

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
        text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _SPACE_BETWEEN_CJK.sub("", text)
        text = _WHITESPACE.sub(" ", text).strip()
        if self._converter is not None:
            text = self._converter.convert(text)
        return text


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
            parsed.paragraphs.append(
                {"article": 0, "text": line, "lines": [number], "line_joins": ""}
            )
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
            line == collection_title
            or line == following
            or line == previous
            or (following is not None and following.startswith(line) and len(following) > len(line))
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
        if current is None and line[0] in CLOSING_QUOTES and parsed.paragraphs and parsed.paragraphs[-1]["article"] == len(parsed.articles) - 1:
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
            if last_title_index is not None and lines[last_title_index] == line and parsed.articles and not _has_text_since(parsed, len(parsed.articles) - 1):
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
                parsed.articles.append({"title": Path(source_file).stem, "source_file": source_file, "first_line": i + 1})
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
                    {"lines": paragraph["lines"][:1], "article": article, "reason": "byline at paragraph start", "text": match.group(0)}
                )
                text = text[match.end() :]
                break
        paragraph["text"] = text.strip()


# --------------------------------------------------------------------------- tables


def read_table(
    path: Path,
    text_column: str | None,
    encoding: str = "auto",
) -> tuple[pd.DataFrame, str, str, list[str]]:
    """Read a CSV/TSV/JSONL/Parquet table.

    Returns
    -------
    frame : DataFrame
        All columns; CSV/TSV/JSONL values are read as text so they pass through unchanged.
    text_column : str
        The text column (``text`` is used when none is given and it exists).
    encoding : str
    row_labels : list of str
        Where each row came from (``line N`` or ``row N``), for provenance.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:
            raise InputError(path, f"not a readable Parquet file ({type(error).__name__}: {error})") from None
        encoding = "parquet"
        row_labels = [f"row {i + 1}" for i in range(len(frame))]
    else:
        text, encoding = read_text(path, encoding)
        if suffix == ".jsonl":
            records, row_labels = [], []
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise InputError(path, f"line {number} is not valid JSON ({error.msg})") from None
                if not isinstance(record, dict):
                    raise InputError(path, f"line {number} is not a JSON object")
                records.append(record)
                row_labels.append(f"line {number}")
            frame = pd.DataFrame.from_records(records)
            frame = frame.astype(object).where(frame.notna(), None)
        else:
            try:
                frame = pd.read_csv(
                    io.StringIO(text), sep=TABLE_SUFFIXES[suffix], dtype=str, keep_default_na=False
                )
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
                first_line = str(error).strip().splitlines()[0] if str(error).strip() else "empty file"
                raise InputError(path, f"not a valid {suffix[1:].upper()} file ({first_line})") from None
            row_labels = [f"row {i + 1}" for i in range(len(frame))]
    columns = [str(c) for c in frame.columns]
    if text_column is None:
        if "text" not in columns:
            raise InputError(path, f"which column holds the text? pass --text-column (columns: {', '.join(columns)})")
        text_column = "text"
    if text_column not in columns:
        raise InputError(path, f"no column '{text_column}' (columns: {', '.join(columns)})")
    return frame, text_column, encoding, row_labels


# --------------------------------------------------------------------------- duplicates


def duplicate_key(text: str) -> str:
    """The text with whitespace and punctuation removed, lower-cased: equal keys are exact duplicates."""
    return _NOT_WORD.sub("", text).lower()


def _shingles(key: str, size: int) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def _jaccard(a: str, b: str, size: int) -> float:
    """Jaccard similarity of two keys' character shingles."""
    sa, sb = _shingles(a, size), _shingles(b, size)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def find_duplicate_groups(
    texts: list[str],
    near: bool = True,
    threshold: float = 0.8,
    shingle_size: int = 5,
    num_perm: int = 128,
    max_near_docs: int = 200_000,
) -> list[tuple[list[int], dict[int, float]]]:
    """Group texts that are exact or near duplicates of each other.

    Parameters
    ----------
    texts : list of str
    near : bool
        Also group near duplicates: Jaccard similarity of character shingles at least
        ``threshold``, found with datasketch ``MinHashLSH`` and confirmed exactly.
    threshold, shingle_size, num_perm
        As in datasketch; ``shingle_size`` is in characters.
    max_near_docs : int
        Above this many distinct texts, near-duplicate detection is skipped with a warning
        (its index grows with the corpus); exact duplicates are always grouped.

    Returns
    -------
    list of (members, similarity)
        One entry per group of two or more texts, members in input order; ``similarity``
        maps each member to its Jaccard similarity with the first member (1.0 if exact).
    """
    keys = [duplicate_key(text) for text in texts]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_with_key: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in first_with_key:
            union(first_with_key[key], i)
        else:
            first_with_key[key] = i

    if near and len(first_with_key) > max_near_docs:
        logger.warning("near-duplicate detection skipped: %d distinct paragraphs > corpus.duplicates.max_docs=%d "
                       "(exact duplicates are still removed)", len(first_with_key), max_near_docs)
        near = False
    if near:
        from datasketch import MinHash, MinHashLSH

        candidates = [i for i in first_with_key.values() if len(keys[i]) >= shingle_size * 2]
        # One pass: each paragraph's MinHash is made, queried against the earlier ones and
        # inserted; shingles are hashed with CRC-32 (deterministic, much faster than SHA-1).
        signatures = MinHash.generator(
            ([s.encode("utf-8") for s in sorted(_shingles(keys[i], shingle_size))] for i in candidates),
            num_perm=num_perm, seed=1, hashfunc=zlib.crc32,
        )
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for i, minhash in tqdm(
            zip(candidates, signatures), total=len(candidates), desc="near duplicates", unit="para",
            disable=len(candidates) < 20000,
        ):
            for j in lsh.query(minhash):
                if _jaccard(keys[i], keys[j], shingle_size) >= threshold:
                    union(j, i)
            lsh.insert(i, minhash)

    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    result = []
    for members in groups.values():
        if len(members) < 2:
            continue
        head = members[0]
        similarity = {member: 1.0 if keys[member] == keys[head] else round(_jaccard(keys[head], keys[member], shingle_size), 3)
                      for member in members}
        result.append((members, similarity))
    return result


# --------------------------------------------------------------------------- the stage


@dataclass
class PreparedCorpus:
    """The outputs of stage 1 as tables."""

    documents: pd.DataFrame
    removed: pd.DataFrame
    articles: pd.DataFrame
    sources: pd.DataFrame


DOCUMENT_COLUMNS = [
    "doc_id", "article_id", "article_title", "position", "text", "n_chars",
    "source_file", "source_lines", "line_joins", "duplicates",
]
REMOVED_COLUMNS = ["source_file", "lines", "article_id", "doc_id", "reason", "duplicate_of", "text"]


def _line_span(lines: list[int]) -> str:
    return str(lines[0]) if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"


def list_input_files(input_path: str | Path) -> list[Path]:
    """The files an input path stands for: the file itself, or a folder's ``.txt`` files."""
    path = Path(input_path)
    if not path.exists():
        raise InputError(path, "no such file or folder")
    if path.is_file():
        if path.suffix.lower() not in TEXT_SUFFIXES | set(TABLE_SUFFIXES):
            supported = ", ".join(sorted(TEXT_SUFFIXES | set(TABLE_SUFFIXES)))
            raise InputError(path, f"unsupported file type '{path.suffix}' (supported: {supported})")
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    ignored = sorted(p.name for p in path.iterdir() if p.is_file() and p not in files and not p.name.startswith("."))
    if ignored:
        logger.warning("%s: ignoring files that are not .txt: %s", path, ", ".join(ignored))
    if not files:
        raise InputError(path, "folder has no .txt files (for a table, pass the file itself)")
    return files


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
        For unreadable or unsupported input, naming the file and the problem.
    """
    normalize = TextNormalizer(params.get("opencc"))
    files = list_input_files(input_path)
    article_rows: list[dict] = []
    paragraph_rows: list[dict] = []
    removed_rows: list[dict] = []
    source_rows: list[dict] = []
    passthrough: list[str] = []

    for path in tqdm(files, desc="reading", unit="file", disable=len(files) < 20):
        source_file = path.name
        if path.suffix.lower() in TABLE_SUFFIXES:
            frame, text_column, encoding, row_labels = read_table(path, params.get("text_column"), params.get("encoding", "auto"))
            fmt = f"table:{path.suffix.lower()[1:]}"
            parsed, passthrough = _parse_table(frame, text_column, params, path, row_labels)
        else:
            raw, encoding = read_text(path, params.get("encoding", "auto"))
            lines = [normalize(line) for line in raw.splitlines()]
            fmt = params.get("txt_format", "auto")
            if fmt == "auto":
                fmt = "docshare" if looks_like_docshare(lines) else "lines"
            if fmt == "docshare":
                parsed = parse_docshare(lines, source_file)
            elif fmt == "lines":
                parsed = parse_lines(lines, source_file, path.stem)
            else:
                raise ZhtopicsError(f"corpus.txt_format: '{fmt}' is not one of auto, docshare, lines")
        logger.info("%s: %s, encoding %s, %d articles, %d paragraphs", source_file, fmt, encoding,
                    len(parsed.articles), len(parsed.paragraphs))
        offset = len(article_rows)
        for article in parsed.articles:
            article_rows.append(dict(article, source_file=source_file))
        for paragraph in parsed.paragraphs:
            paragraph_rows.append(dict(paragraph, article=paragraph["article"] + offset, source_file=source_file))
        for row in parsed.removed:
            article = row.get("article")
            removed_rows.append(dict(row, article=None if article is None else article + offset, source_file=source_file))
        source_rows.append(
            {"source_file": source_file, "path": str(path), "format": fmt, "encoding": encoding,
             "bytes": path.stat().st_size, "sha256": file_digest(path), "articles": len(parsed.articles),
             "paragraphs": len(parsed.paragraphs), "removed_lines": len(parsed.removed), **parsed.notes}
        )
    return _assemble(article_rows, paragraph_rows, removed_rows, source_rows, passthrough, params, normalize)


def _parse_table(frame: pd.DataFrame, text_column: str, params: dict, path: Path, row_labels: list[str]) -> tuple[Parsed, list[str]]:
    """Turn a table into articles (groups) and paragraphs (rows), keeping other columns."""
    id_column, group_column = params.get("id_column"), params.get("group_column")
    for option, column in (("--id-column", id_column), ("--group-column", group_column)):
        if column is not None and column not in frame.columns:
            raise InputError(path, f"no column '{column}' for {option} (columns: {', '.join(map(str, frame.columns))})")
    if id_column is not None:
        ids = frame[id_column].astype(str)
        if frame[id_column].isna().any():
            raise InputError(path, f"id column '{id_column}' has empty values")
        repeated = ids[ids.duplicated()].unique()
        if len(repeated):
            raise InputError(path, f"id column '{id_column}' is not unique (e.g. '{repeated[0]}' repeats)")
    passthrough = [str(c) for c in frame.columns if c != text_column]
    parsed = Parsed()
    article_of_group: dict[str, int] = {}
    groups = frame[group_column].astype(str).tolist() if group_column else [path.stem] * len(frame)
    texts = frame[text_column].tolist()
    ids = frame[id_column].astype(str).tolist() if id_column is not None else [None] * len(frame)
    extras = frame[passthrough].to_dict("records")  # column-wise conversion, not one lookup per cell
    for index, (group, value, doc_id, extra) in enumerate(zip(groups, texts, ids, extras)):
        if group not in article_of_group:
            article_of_group[group] = len(parsed.articles)
            parsed.articles.append({"title": group, "source_file": path.name, "first_line": row_labels[index]})
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        parsed.paragraphs.append(
            {"article": article_of_group[group], "text": text, "lines": [row_labels[index]], "line_joins": "",
             "doc_id": doc_id, "extra": extra}
        )
    return parsed, passthrough


def _assemble(article_rows, paragraph_rows, removed_rows, source_rows, passthrough, params, normalize) -> PreparedCorpus:
    """Number articles and paragraphs, drop short and duplicate paragraphs (recording them)."""
    width = max(2, len(str(len(article_rows))))
    for number, article in enumerate(article_rows, start=1):
        article["article_id"] = f"a{number:0{width}d}"
    positions: dict[int, int] = {}
    per_article = Counter(p["article"] for p in paragraph_rows)
    para_width = max(3, len(str(max(per_article.values(), default=0))))
    rows = []
    for paragraph in paragraph_rows:
        article = article_rows[paragraph["article"]]
        positions[paragraph["article"]] = positions.get(paragraph["article"], 0) + 1
        position = positions[paragraph["article"]]
        text = normalize(paragraph["text"])
        row = {
            "doc_id": paragraph.get("doc_id") or f"{article['article_id']}-p{position:0{para_width}d}",
            "article_id": article["article_id"],
            "article_title": article["title"],
            "position": position,
            "text": text,
            "n_chars": len(text),
            "source_file": paragraph["source_file"],
            "source_lines": ", ".join(str(x) for x in paragraph["lines"]) if isinstance(paragraph["lines"][0], str) else _line_span(paragraph["lines"]),
            "line_joins": paragraph["line_joins"],
            "duplicates": "",
        }
        for column, value in paragraph.get("extra", {}).items():
            row[column if column not in DOCUMENT_COLUMNS else f"input_{column}"] = value
        rows.append(row)

    removed = []
    for row in removed_rows:
        lines = row["lines"]
        removed.append({
            "source_file": row["source_file"],
            "lines": ", ".join(lines) if isinstance(lines[0], str) else _line_span(lines),
            "article_id": None if row["article"] is None else article_rows[row["article"]]["article_id"],
            "doc_id": None, "reason": row["reason"], "text": row["text"],
        })

    min_chars = params.get("min_chars", 1)
    n_paragraphs = len(rows)
    kept = []
    for row in rows:
        if len(duplicate_key(row["text"])) < min_chars:
            removed.append({"source_file": row["source_file"], "lines": row["source_lines"], "article_id": row["article_id"],
                            "doc_id": row["doc_id"], "reason": f"shorter than corpus.min_chars={min_chars}", "text": row["text"]})
        else:
            kept.append(row)
    rows = kept
    if not rows:
        files = ", ".join(s["source_file"] for s in source_rows)
        raise InputError(files, "no paragraphs with text were found")

    dup = params.get("duplicates", {})
    groups = find_duplicate_groups(
        [row["text"] for row in rows], near=dup.get("near", True), threshold=dup.get("threshold", 0.8),
        shingle_size=dup.get("shingle_size", 5), num_perm=dup.get("num_perm", 128),
        max_near_docs=dup.get("max_docs", 200_000),
    )
    article_chars: dict[str, int] = {}
    for row in rows:
        article_chars[row["article_id"]] = article_chars.get(row["article_id"], 0) + row["n_chars"]
    keep_rule = dup.get("keep", "longest_article")
    if keep_rule not in ("longest_article", "first"):
        raise ZhtopicsError(f"corpus.duplicates.keep: '{keep_rule}' is not one of longest_article, first")
    dropped: set[int] = set()
    for members, similarity in groups:
        if keep_rule == "longest_article":
            keeper = max(members, key=lambda i: (article_chars[rows[i]["article_id"]], -i))
        else:
            keeper = members[0]
        copies = [i for i in members if i != keeper]
        rows[keeper]["duplicates"] = "; ".join(rows[i]["doc_id"] for i in copies)
        for i in copies:
            dropped.add(i)
            exact = duplicate_key(rows[i]["text"]) == duplicate_key(rows[keeper]["text"])
            kind = "exact duplicate" if exact else f"near duplicate (Jaccard {_pair_similarity(rows[i]['text'], rows[keeper]['text'], dup.get('shingle_size', 5)):.2f})"
            removed.append({"source_file": rows[i]["source_file"], "lines": rows[i]["source_lines"],
                            "article_id": rows[i]["article_id"], "doc_id": rows[i]["doc_id"],
                            "reason": f"{kind} of {rows[keeper]['doc_id']}", "duplicate_of": rows[keeper]["doc_id"],
                            "text": rows[i]["text"]})
    documents = pd.DataFrame([row for i, row in enumerate(rows) if i not in dropped])
    documents = documents[DOCUMENT_COLUMNS + [c for c in documents.columns if c not in DOCUMENT_COLUMNS]]
    documents = documents.reset_index(drop=True)

    articles = pd.DataFrame(article_rows).rename(columns={"title": "article_title"})
    counts_all = pd.Series([r["article_id"] for r in rows]).value_counts()
    counts_kept = documents["article_id"].value_counts()
    articles["paragraphs"] = articles["article_id"].map(counts_all).fillna(0).astype(int)
    articles["paragraphs_kept"] = articles["article_id"].map(counts_kept).fillna(0).astype(int)
    articles["duplicates_elsewhere"] = articles["paragraphs"] - articles["paragraphs_kept"]
    articles = articles[["article_id", "article_title", "source_file", "first_line", "paragraphs", "paragraphs_kept", "duplicates_elsewhere"]]
    articles["first_line"] = articles["first_line"].astype(str)
    logger.info("%d paragraphs kept of %d; %d duplicates and %d other removals recorded",
                len(documents), n_paragraphs, len(dropped), len(removed) - len(dropped))
    return PreparedCorpus(
        documents=documents,
        removed=pd.DataFrame(removed, columns=REMOVED_COLUMNS),
        articles=articles,
        sources=pd.DataFrame(source_rows),
    )


def _pair_similarity(a: str, b: str, size: int) -> float:
    return _jaccard(duplicate_key(a), duplicate_key(b), size)


def write_prepared(prepared: PreparedCorpus, paths: OutputPaths) -> None:
    """Write the stage-1 tables to ``data/interim/`` below the output folder."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    prepared.documents.to_parquet(paths.documents, index=False)
    prepared.removed.to_csv(paths.removed, index=False, quoting=csv.QUOTE_MINIMAL)
    prepared.articles.to_csv(paths.articles, index=False)
    prepared.sources.to_csv(paths.sources, index=False)
    logger.info("wrote %s (%d paragraphs) and removed.csv (%d rows)", paths.documents, len(prepared.documents), len(prepared.removed))


def load_documents(paths: OutputPaths) -> pd.DataFrame:
    """Read the documents table written by :func:`write_prepared`."""
    if not paths.documents.exists():
        raise InputError(paths.documents, "not found; run `zhtopics prepare` first")
    return pd.read_parquet(paths.documents)
