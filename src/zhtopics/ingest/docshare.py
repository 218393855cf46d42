"""The ``docshare`` reader: a scrape of a document-sharing site, like the seed corpus.

Articles start at title lines (repeated, or repeated at the start of the next paragraph);
paragraphs are separated by blank lines; a line that does not end a sentence and is
followed directly by another is joined to it (PDF line breaks, and section headings that
belong to the paragraph below). Collection headers, site boilerplate, journal metadata
(``【期刊名称】…``), related-literature lists and bylines are removed, each with its reason.
The ``lines`` reader (:func:`parse_lines`) takes one paragraph per non-empty line.

Both readers decide on the normalised lines (NFKC, whitespace collapsed, optional OpenCC:
:class:`~zhtopics.ingest.normalize.TextNormalizer`) and keep the text as written: each
line comes with its original (after markup stripping), and paragraphs, titles and removal
records hold the originals. A cut inside a line (a title or a byline at the start of a
paragraph, the ``【摘要】`` label) is made where the original's normalised prefix equals the
normalised text cut (:func:`_original_end`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zhtopics.ingest.normalize import trim

logger = logging.getLogger(__name__)

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


@dataclass
class Parsed:
    """What a reader found in one source: articles, paragraphs and removed lines.

    Paragraphs have ``text`` (as written), ``norm`` (normalised, what the rules read),
    ``lines`` (1-based line numbers) and ``line_joins``; articles ``title`` (as written),
    ``norm_title``, ``source_file`` and ``first_line``; removals ``lines``, ``article``,
    ``reason`` and ``text`` (as written).
    """

    articles: list[dict] = field(default_factory=list)
    paragraphs: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def looks_like_docshare(lines: list[str]) -> bool:
    """True when the text carries the document-sharing site's markers."""
    return any(marker in line for line in lines for marker in DOCSHARE_MARKERS)


def parse_lines(lines: list[str], source_file: str, title: str, originals: list[str] | None = None) -> Parsed:
    """One paragraph per non-empty line; the whole file is one article called ``title``.

    ``lines`` are normalised (a line empty once normalised is blank); ``originals``, the
    same lines as written (default: ``lines``), are what the paragraphs keep.
    """
    originals = lines if originals is None else originals
    parsed = Parsed(articles=[{"title": title, "norm_title": title, "source_file": source_file, "first_line": 1}])
    for number, line in enumerate(lines, start=1):
        if line:
            parsed.paragraphs.append(
                {"article": 0, "text": trim(originals[number - 1]), "norm": line, "lines": [number], "line_joins": ""}
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
            line in (collection_title, following, previous)
            or following is not None
            and following.startswith(line)
            and len(following) > len(line)
        ):
            titles.add(i)
    return titles


def parse_docshare(
    lines: list[str],
    source_file: str,
    originals: list[str] | None = None,
    normalize: Callable[[str], str] | None = None,
) -> Parsed:
    """Parse a document-sharing-site scrape (see the module docstring for the rules).

    Parameters
    ----------
    lines : list of str
        Normalised lines of the file (blank lines kept as empty strings): every decision
        is made on them.
    source_file : str
        Name recorded in the provenance columns.
    originals : list of str, optional
        The same lines as written (after markup stripping): what paragraphs, titles and
        removal records keep. Default: ``lines``.
    normalize : callable, optional
        The normaliser that made ``lines`` from ``originals`` (needed with ``originals``):
        it places the cuts made inside a line.

    Returns
    -------
    Parsed
        Articles, paragraphs (with the 1-based line numbers they came from) and removed
        lines with reasons.
    """
    if originals is None:
        originals, normalize = lines, None
    elif normalize is None:
        raise ValueError("parse_docshare: originals need the normalize function that made lines")
    originals = [trim(line) for line in originals]
    parsed = Parsed()
    authors = _collect_authors(lines)
    first = next((i for i, line in enumerate(lines) if line), None)
    collection_title = lines[first] if first is not None else None
    titles = _title_lines(lines, collection_title)
    notes = {"broken_lines_joined": 0, "headings_joined": 0}

    def remove(index: int, reason: str, text: str | None = None) -> None:
        article = len(parsed.articles) - 1 if parsed.articles else None
        parsed.removed.append(
            {
                "lines": [index + 1],
                "article": article,
                "reason": reason,
                "text": originals[index] if text is None else text,
            }
        )

    current: dict | None = None  # the paragraph being built
    in_related_list = False
    last_title_index = None
    for i, line in enumerate(lines):
        if not line:
            current = None
            continue
        current, is_continuation = _continued(parsed, lines, i, current)
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
                parsed.articles.append(
                    {"title": originals[i], "norm_title": line, "source_file": source_file, "first_line": i + 1}
                )
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
            original = originals[i]
            if field_match:  # 【摘要】: the abstract is the article's text; its label is not
                end = _original_end(original, line[: field_match.start("value")], normalize)
                remove(i, "journal metadata label", original[:end])
                line, original = field_match["value"].strip(), trim(original[end:])
            in_related_list = False
            current = _add_text_line(
                parsed, notes, source_file, i + 1, (line, original), current if is_continuation else None
            )
    _strip_leading_titles(parsed, authors, normalize)
    parsed.notes = notes
    return parsed


def _continued(parsed: Parsed, lines: list[str], i: int, current: dict | None) -> tuple[dict | None, bool]:
    """The paragraph the non-blank line ``i`` may join, and whether it joins it.

    A line is joined to the paragraph above when the line before did not end a sentence, or
    was a section heading; or when it opens with a closing quote cut off from its sentence.
    """
    line = lines[i]
    is_continuation = current is not None and (
        lines[i - 1][-1] not in SENTENCE_END or (len(current["lines"]) == 1 and _is_heading(current["norm"]))
    )
    if (
        current is None
        and line[0] in CLOSING_QUOTES
        and parsed.paragraphs
        and parsed.paragraphs[-1]["article"] == len(parsed.articles) - 1
    ):
        current, is_continuation = parsed.paragraphs[-1], True
    return current, is_continuation


def _add_text_line(
    parsed: Parsed, notes: dict, source_file: str, number: int, line: tuple[str, str], continued: dict | None
) -> dict:
    """Add a line of article text, (normalised, as written): joined to the paragraph
    ``continued``, or as a new paragraph (of an article named after the file when no title
    came before). Returns its paragraph."""
    norm, original = line
    if not parsed.articles:
        stem = Path(source_file).stem
        parsed.articles.append({"title": stem, "norm_title": stem, "source_file": source_file, "first_line": number})
    if continued is not None:
        kind = "heading" if len(continued["lines"]) == 1 and _is_heading(continued["norm"]) else "broken line"
        notes["headings_joined" if kind == "heading" else "broken_lines_joined"] += 1
        joined = _join(continued["norm"], norm)
        # the original is joined as the normalised text was: with a space between Latin letters
        space = " " if len(joined) > len(continued["norm"]) + len(norm) else ""
        continued["norm"] = joined
        continued["text"] = f"{continued['text']}{space}{original}"
        continued["lines"].append(number)
        continued["line_joins"] = ", ".join(filter(None, [continued["line_joins"], kind]))
        return continued
    paragraph = {
        "article": len(parsed.articles) - 1,
        "text": original,
        "norm": norm,
        "lines": [number],
        "line_joins": "",
    }
    parsed.paragraphs.append(paragraph)
    return paragraph


def _is_heading(text: str) -> bool:
    return len(text) <= HEADING_MAX_CHARS and SECTION_HEADING.match(text) is not None


def _has_text_since(parsed: Parsed, article: int) -> bool:
    return any(p["article"] == article for p in parsed.paragraphs)


def _strip_leading_titles(parsed: Parsed, authors: set[str], normalize: Callable[[str], str] | None) -> None:
    """Remove an article's title (and anything before it, e.g. a column label) and a byline
    from the start of its first paragraph, recording what was cut (as written)."""
    seen = set()
    for paragraph in parsed.paragraphs:
        article = paragraph["article"]
        if article in seen:
            continue
        seen.add(article)
        title = parsed.articles[article]["norm_title"]
        text, original = paragraph["norm"], paragraph["text"]
        at = text.find(title, 0, len(title) + 20)
        if at >= 0 and len(text) > at + len(title):
            end = _original_end(original, text[: at + len(title)], normalize)
            parsed.removed.append(
                {
                    "lines": paragraph["lines"][:1],
                    "article": article,
                    "reason": "title at paragraph start",
                    "text": original[:end],
                }
            )
            text, original = text[at + len(title) :], original[end:]
        for author in sorted(authors, key=len, reverse=True):
            match = re.match(rf"^(?:文|作者|撰文)\s*[/:／]\s*{re.escape(author)}", text)
            if match and len(text) > match.end():
                end = _original_end(original, match.group(0), normalize)
                parsed.removed.append(
                    {
                        "lines": paragraph["lines"][:1],
                        "article": article,
                        "reason": "byline at paragraph start",
                        "text": original[:end],
                    }
                )
                text, original = text[match.end() :], original[end:]
                break
        paragraph["norm"], paragraph["text"] = text.strip(), trim(original)


def _original_end(original: str, prefix: str, normalize: Callable[[str], str] | None) -> int:
    """Where the part of ``original`` whose normalised form is ``prefix`` ends.

    The last such end (an invisible character after the prefix goes with it). Without a
    normaliser (the original is the normalised text) or when no prefix of the original
    normalises to ``prefix`` (a normalisation that joins characters across the cut), the
    cut is at ``len(prefix)``.
    """
    if normalize is None:
        return len(prefix)
    wanted = prefix.strip()
    found = -1
    for end in range(len(original) + 1):
        normalized = normalize(original[:end])
        if normalized == wanted:
            found = end
        elif len(normalized) > len(wanted) + 8:  # NFKC composition can shorten a prefix: look a little further
            break
    if found < 0:
        logger.debug("no prefix of %r normalises to %r: cut at %d characters", original, prefix, len(prefix))
        return min(len(prefix), len(original))
    return found


def _join(left: str, right: str) -> str:
    """Join two pieces of a broken line: no space, except between two Latin letters/digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right
