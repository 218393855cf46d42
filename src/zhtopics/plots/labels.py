"""The text on the figures: English glosses from a glossary, shortened titles, topic names,
removal reasons grouped for plotting."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from zhtopics.errors import InputError

logger = logging.getLogger(__name__)


def load_glossary(path: str | Path) -> dict[str, str]:
    """Read a glossary CSV (columns ``term,english``) into a dict term → English.

    Parameters
    ----------
    path : str or Path
        The CSV file, e.g. ``data/lexicon/glossary.csv``.

    Returns
    -------
    dict
        Chinese term → English gloss; rows with an empty term or gloss are skipped.

    Raises
    ------
    InputError
        If the file is missing or lacks the two columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "glossary not found (a CSV with columns term,english)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"term", "english"} <= set(table.columns):
        raise InputError(path, f"expected columns term,english, found {','.join(table.columns)}")
    return {
        term.strip(): english.strip()
        for term, english in zip(table["term"], table["english"])
        if term.strip() and english.strip()
    }


def gloss(term: str, glossary: Mapping[str, str] | None) -> str:
    """``"中文 (english)"`` when the glossary knows the term, else the term itself."""
    english = glossary.get(term) if glossary else None
    return f"{term} ({english})" if english else term


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, ending with an ellipsis when it was cut."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _label_english(row: Mapping, glossary: Mapping[str, str]) -> str | None:
    """English for a topic label: the theme's English name, else glosses of its words."""
    theme_en = row.get("theme_en")
    if isinstance(theme_en, str) and theme_en.strip():
        return theme_en.strip()
    label = str(row.get("label", ""))
    if label in glossary:
        return glossary[label]
    parts = [part.strip() for part in label.split("·")]
    if any(part in glossary for part in parts):
        return " · ".join(glossary.get(part, part) for part in parts)
    return None


def topic_names(
    labels: pd.DataFrame | None,
    topics: Sequence[int],
    glossary: Mapping[str, str] | None = None,
    separator: str = " ",
    width: int | None = None,
) -> list[str]:
    """One name per topic: ``"i: label"``, with ``(English)`` after ``separator`` when glossed.

    Parameters
    ----------
    labels : DataFrame or None
        ``results/topic_labels.csv`` (topic, label, theme_en); None gives ``"topic i"``.
    topics : sequence of int
        The topic numbers to name, in order.
    glossary : dict, optional
        When given, the English theme name (or word glosses) is added in brackets.
    separator : str
        What goes between the Chinese and the bracketed English (``"\\n"`` for two lines).
    width : int, optional
        Wrap the English to this many characters per line.
    """
    rows = {} if labels is None else {int(row["topic"]): row for row in labels.to_dict("records")}
    names = []
    for topic in topics:
        row = rows.get(int(topic))
        if row is None:
            names.append(f"topic {topic}")
            continue
        name = f"{topic}: {row['label']}"
        english = _label_english(row, glossary) if glossary is not None else None
        if english:
            english = "\n".join(textwrap.wrap(english, width)) if width else english
            name += f"{separator}({english})"
        names.append(name)
    return names


def reason_category(reason: str) -> str:
    """Group a removal reason for plotting: every exact or near duplicate is ``duplicate``."""
    reason = str(reason)
    return "duplicate" if "duplicate" in reason else reason
