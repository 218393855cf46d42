"""Stage 1's reader: input files one after the other into paragraphs, then :func:`prepare_corpus`.

:class:`_CorpusBuilder` reads each file (a text file through the ``docshare`` or ``lines``
reader, a table through :class:`~zhtopics.ingest.tables.TableReader`), cleans and
normalises every text and keeps the paragraphs in a
:class:`~zhtopics.ingest.store._ParagraphStore`, with records of what was removed or
altered and one row per file for ``sources.csv``; :func:`~zhtopics.ingest.tabulate.tabulate`
then numbers, de-duplicates and builds the tables.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from zhtopics.cache import file_digest
from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.ingest.dedup import duplicate_key, key_hashes
from zhtopics.ingest.docshare import Parsed, looks_like_docshare, parse_docshare, parse_lines
from zhtopics.ingest.encodings import REPLACED_REASON, decode_text_file
from zhtopics.ingest.files import _input_files
from zhtopics.ingest.markup import MARKUP_REASON, strip_markup
from zhtopics.ingest.normalize import TextNormalizer, trim
from zhtopics.ingest.prepared import DOCUMENT_COLUMNS, PreparedCorpus
from zhtopics.ingest.social import SocialCleaner
from zhtopics.ingest.store import EMPTY_TEXT, KEPT, MISSING_TEXT, TOO_SHORT, _ParagraphStore
from zhtopics.ingest.tables import CHUNK_ROWS, TABLE_SUFFIXES, TableChunk, TableReader, _table_column
from zhtopics.ingest.tabulate import tabulate
from zhtopics.params import CorpusParams

logger = logging.getLogger(__name__)


class _CorpusBuilder:
    """Reads input files one after the other into a :class:`_ParagraphStore` plus the records
    of what was removed and altered; :func:`~zhtopics.ingest.tabulate.tabulate` then numbers,
    de-duplicates and tabulates."""

    def __init__(self, params: CorpusParams, normalize: TextNormalizer):
        self.params = params
        self.normalize = normalize
        self.min_chars = params.min_chars
        self.strip_markup = params.markup == "strip"
        self.social = SocialCleaner(params.social)
        self.encoding = params.encoding or "auto"
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
            "%s: %s, encoding %s, %d groups (articles), %d documents (paragraphs)",
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

    def _clean(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Strip markup (if any and if enabled), then social-media cleaning (``corpus.social``):
        the text, and each change as (reason, the text before it)."""
        changes = []
        if self.strip_markup and ("<" in text or "&" in text):
            stripped, changed = strip_markup(text)
            if changed:
                changes.append((MARKUP_REASON, text))
                text = stripped
        if self.social.active:
            cleaned, reason = self.social(text)
            if reason:
                changes.append((reason, text))
                text = cleaned
        return text, changes

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
        """Store paragraphs as written (in order), numbered within their articles; their
        normalised text gives the duplicate key and the length."""
        normalize, min_chars, counts = self.normalize, self.min_chars, self.article_paragraphs
        positions, kept, lengths, keys, drops = [], [], [], [], []
        for index, (article, text) in enumerate(zip(articles, texts)):
            counts[article] += 1
            positions.append(counts[article])
            normalized = normalize(text)
            key = duplicate_key(normalized)
            kept.append(trim(text))
            lengths.append(len(normalized))
            keys.append(key)
            if len(key) >= min_chars:
                drops.append(KEPT)
            elif missing is not None and missing[index]:
                drops.append(MISSING_TEXT)
            else:
                drops.append(EMPTY_TEXT if not normalized else TOO_SHORT)
        self.store.extend(
            {
                "article": articles,
                "position": positions,
                "text": kept,
                "n_chars": lengths,
                "file": [file_index] * len(texts),
                "source_lines": labels,
                "line_joins": joins,
                "given_id": given_ids if given_ids is not None else [None] * len(texts),
                "drop": drops,
            },
            key_hashes(keys),
        )

    def _add_text(self, path: Path, file_index: int) -> dict:
        raw, decoding, data, lines, originals, altered_lines = self._text_lines(path)
        fmt = self.params.txt_format
        if fmt == "auto":
            fmt = "docshare" if looks_like_docshare(lines) else "lines"
        if fmt == "docshare":
            parsed = parse_docshare(lines, path.name, originals, self.normalize)
        elif fmt == "lines":
            parsed = parse_lines(lines, path.name, path.stem, originals)
        else:
            raise ZhtopicsError(f"corpus.txt_format: '{fmt}' is not one of auto, docshare, lines")
        self._add_parsed(parsed, path.name, file_index, altered_lines)
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

    def _text_lines(self, path: Path) -> tuple:
        """Decode a text file, clean its lines and normalise them (the readers decide on the
        normalised lines and keep the cleaned ones).

        Returns
        -------
        raw : str
            The decoded text.
        decoding : Decoding
        data : bytes
            The file's bytes.
        lines : list of str
            Its lines, cleaned and normalised.
        originals : list of str
            Its lines, cleaned (markup stripped): the text as written.
        altered_lines : list of (int, str, str)
            (line number, reason, original) of each line changed beyond normalisation.
        """
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
        lines, originals = [], []
        for number, line in enumerate(raw_lines, start=1):
            line, changes = self._clean(line)
            altered_lines += [(number, reason, before) for reason, before in changes]
            originals.append(line)
            lines.append(self.normalize(line))
        return raw, decoding, data, lines, originals, altered_lines

    def _add_parsed(self, parsed: Parsed, source_file: str, file_index: int, altered_lines: list[tuple]) -> None:
        """Add what a text reader found: its articles, removed lines, paragraphs and altered lines."""
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

    def _add_table(self, path: Path, file_index: int) -> dict:
        params, source_file = self.params, path.name
        if path.stat().st_size == 0:
            raise InputError(path, "empty file")
        reader = TableReader(path, self.encoding, CHUNK_ROWS, sheet=self.params.sheet)
        id_column, group_column = params.id_column, params.group_column
        text_column, problems = None, []
        rename: dict = {}  # passthrough column → its name in the documents table
        used = set(DOCUMENT_COLUMNS)
        article_of_group: dict[str, int] = {}
        invalid_lines, first_invalid = 0, None
        for chunk in reader.chunks():
            frame = chunk.frame
            if text_column is None:
                text_column = self._text_column(path, chunk, id_column, group_column)
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
            articles = self._row_articles(frame, chunk.labels, group_column, article_of_group, source_file)
            given_ids = None
            if id_column is not None:
                ids = frame[id_column]
                given_ids = [
                    None if absent else value for value, absent in zip(ids.astype(str).tolist(), ids.isna().tolist())
                ]
            first_paragraph = self.store.rows
            texts, missing, altered = self._row_texts(frame, text_column, chunk, reader)
            self._add_paragraphs(articles, texts, missing, chunk.labels, [""] * n, file_index, given_ids)
            for row, reason, original in sorted(altered, key=lambda entry: entry[0]):
                self.altered.append((source_file, chunk.labels[row], first_paragraph + row, reason, original))
            self.extras.append(_passthrough(frame, text_column, rename, used))
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

    def _text_column(self, path: Path, chunk: TableChunk, id_column: str | None, group_column: str | None) -> str:
        """From a table's first chunk: the text column, after checking the id and group columns
        (and, without a group column, the table's one article)."""
        columns = [str(c) for c in chunk.frame.columns]
        if not columns:
            raise InputError(
                path, "empty file" if path.stat().st_size == 0 else "no rows: the file holds only blank lines"
            )
        text_column = _table_column(path, columns, self.params.text_column)
        checked = (
            ("--id-column", id_column),
            ("--group-column", group_column),
            ("--time-column", self.params.time_column),
        )
        for option, column in checked:
            if column is not None and column not in columns:
                raise InputError(path, f"no column '{column}' for {option} (columns: {', '.join(columns)})")
        if group_column is None:
            self._new_article(path.stem, path.name, chunk.labels[0] if chunk.labels else "")
        return text_column

    def _row_articles(
        self, frame: pd.DataFrame, labels: list[str], group_column: str | None, article_of_group: dict, source_file: str
    ) -> list[int]:
        """The article of each row: the table's one article, or one per value of the group column."""
        if group_column is None:
            return [len(self.articles) - 1] * len(frame)
        articles = []
        for group, label in zip(frame[group_column].astype(str).tolist(), labels):
            article = article_of_group.get(group)
            if article is None:
                article = article_of_group[group] = self._new_article(group, source_file, label)
            articles.append(article)
        return articles

    def _row_texts(
        self, frame: pd.DataFrame, text_column: str, chunk: TableChunk, reader: TableReader
    ) -> tuple[list[str], list[bool], list[tuple]]:
        """Each row's cleaned text, whether it was missing, and the alterations (row, reason, original)."""
        n = len(frame)
        texts, missing = [], []
        altered = list(chunk.altered)  # (row, reason, original)
        damaged = reader.decoding is not None and reader.decoding.replaced_bytes > 0
        recorded_damage = {row for row, reason, _ in altered if reason == REPLACED_REASON}
        for row, value in enumerate(frame[text_column].tolist() if text_column in frame.columns else [None] * n):
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                texts.append("")
                missing.append(True)
                continue
            text = text0 = value if isinstance(value, str) else str(value)
            if damaged and "\ufffd" in text and row not in recorded_damage:
                altered.append((row, REPLACED_REASON, None))
            text, changes = self._clean(text)
            altered += [(row, reason, value if before is text0 else before) for reason, before in changes]
            texts.append(text)
            missing.append(False)
        return texts, missing, altered


def _passthrough(frame: pd.DataFrame, text_column: str, rename: dict, used: set[str]) -> pd.DataFrame:
    """A chunk's passthrough columns (all but the text), renamed as the documents table
    needs; ``rename`` and ``used`` carry the names from chunk to chunk."""
    extras = frame.drop(columns=[text_column]) if text_column in frame.columns else frame
    for column in extras.columns:
        if column not in rename:  # a DOCUMENT_COLUMNS name (or a taken one) gets an input_ prefix
            name = str(column)
            while name in used:
                name = f"input_{name}"
            rename[column] = name
            used.add(name)
    return extras.rename(columns=rename)


def _line_span(lines: list[int]) -> str:
    return str(lines[0]) if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"


def _lines_label(lines: list) -> str:
    return ", ".join(lines) if isinstance(lines[0], str) else _line_span(lines)


def prepare_corpus(input_path: str | Path, params: CorpusParams) -> PreparedCorpus:
    """Read, clean, split and de-duplicate an input into the stage-1 tables.

    Parameters
    ----------
    input_path : str or Path
        A ``.txt`` file, a folder of ``.txt`` files, or a table file.
    params : CorpusParams
        The ``corpus`` section of the parameters.

    Returns
    -------
    PreparedCorpus

    Raises
    ------
    InputError
        For unreadable or unsupported input, naming the file and the problem. In a
        folder, a file that cannot be read is skipped and recorded instead (see
        :mod:`zhtopics.ingest`); the error comes only when no file has text.
    """
    input_path = Path(input_path)
    files, ignored = _input_files(input_path)
    builder = _CorpusBuilder(params, TextNormalizer(params.opencc))
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
    return tabulate(builder, input_path)
