"""The ``docshare`` reader: a scrape of a document-sharing site, like the seed corpus.

Articles start at title lines (repeated, or repeated at the start of the next paragraph);
paragraphs are separated by blank lines; a line that does not end a sentence and is
followed directly by another is joined to it (PDF line breaks, and section headings that
belong to the paragraph below). Collection headers, site boilerplate, journal metadata
(``【期刊名称】…``), related-literature lists and bylines are removed, each with its reason.
The ``lines`` reader (:func:`parse_lines`) takes one paragraph per non-empty line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

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
            current = _add_text_line(parsed, notes, source_file, i + 1, line, current if is_continuation else None)
    _strip_leading_titles(parsed, authors)
    parsed.notes = notes
    return parsed


def _continued(parsed: Parsed, lines: list[str], i: int, current: dict | None) -> tuple[dict | None, bool]:
    """The paragraph the non-blank line ``i`` may join, and whether it joins it.

    A line is joined to the paragraph above when the line before did not end a sentence, or
    was a section heading; or when it opens with a closing quote cut off from its sentence.
    """
    line = lines[i]
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
    return current, is_continuation


def _add_text_line(
    parsed: Parsed, notes: dict, source_file: str, number: int, line: str, continued: dict | None
) -> dict:
    """Add a line of article text: joined to the paragraph ``continued``, or as a new paragraph
    (of an article named after the file when no title came before). Returns its paragraph."""
    if not parsed.articles:
        parsed.articles.append({"title": Path(source_file).stem, "source_file": source_file, "first_line": number})
    if continued is not None:
        kind = "heading" if len(continued["lines"]) == 1 and _is_heading(continued["text"]) else "broken line"
        notes["headings_joined" if kind == "heading" else "broken_lines_joined"] += 1
        continued["text"] = _join(continued["text"], line)
        continued["lines"].append(number)
        continued["line_joins"] = ", ".join(filter(None, [continued["line_joins"], kind]))
        return continued
    paragraph = {"article": len(parsed.articles) - 1, "text": line, "lines": [number], "line_joins": ""}
    parsed.paragraphs.append(paragraph)
    return paragraph


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


def _join(left: str, right: str) -> str:
    """Join two pieces of a broken line: no space, except between two Latin letters/digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right
