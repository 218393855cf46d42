"""From the paragraphs read to the stage-1 tables: :func:`tabulate`.

Articles and paragraphs are numbered (``a01``, ``a01-p001``, or the ids of an id column);
paragraphs without enough text are dropped; exact and near duplicates are resolved, each
copy recorded with the paragraph kept in its place; then the documents, removed, articles,
altered and sources tables are built (:class:`~zhtopics.ingest.prepared.PreparedCorpus`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics.errors import InputError
from zhtopics.ingest.dedup import _duplicate_groups, _take, duplicate_key, near_reason
from zhtopics.ingest.prepared import ALTERED_COLUMNS, REMOVED_COLUMNS, SOURCE_COUNTS, PreparedCorpus
from zhtopics.ingest.store import EMPTY_TEXT, KEPT, MISSING_TEXT, TOO_SHORT
from zhtopics.ingest.tables import _as_json_text, _parquet_writable
from zhtopics.params import Duplicates

if TYPE_CHECKING:
    from zhtopics.ingest.build import _CorpusBuilder

logger = logging.getLogger(__name__)


def tabulate(builder: _CorpusBuilder, input_path: Path) -> PreparedCorpus:
    """Number articles and paragraphs, record dropped, altered and duplicate paragraphs.

    Parameters
    ----------
    builder : _CorpusBuilder
        Every input file read (its paragraph store is released).
    input_path : Path
        The input, named in the error when nothing has text.

    Returns
    -------
    PreparedCorpus

    Raises
    ------
    InputError
        When no paragraph with text was found, with each file's problem.
    """
    rows = builder.store.frame()
    n_paragraphs = len(rows)
    if not n_paragraphs:
        raise InputError(input_path, _no_text_problem(builder))
    article_ids, article_id, doc_id = _paragraph_ids(builder, rows)
    rows["doc_id"], rows["article_id"] = doc_id, article_id
    files = np.asarray(builder.files, dtype=object)
    source_file = pd.Series(files[rows["file"].to_numpy()], dtype="str")

    reasons = {
        MISSING_TEXT: "missing text",
        EMPTY_TEXT: "empty text",
        TOO_SHORT: f"shorter than corpus.min_chars={builder.min_chars}",
    }
    removed = _reading_removals(builder, article_ids)
    removed += _dropped_paragraphs(rows, source_file, article_id, doc_id, reasons)
    drop = rows["drop"].to_numpy()
    kept_index = np.flatnonzero(drop == KEPT)
    if not len(kept_index):
        counts = pd.Series(drop).map(reasons).value_counts(sort=False)
        raise InputError(input_path, _no_text_problem(builder, counts.to_dict()))
    if len(kept_index) == n_paragraphs:
        kept, kept_source_file = rows, source_file
    else:
        kept = rows.take(kept_index).reset_index(drop=True)
        kept_source_file = source_file.take(kept_index).reset_index(drop=True)
    del rows, source_file, article_id

    normalize = builder.normalize

    def key(text: str) -> str:  # texts are kept as written; duplicates are found on their normalised form
        return duplicate_key(normalize(text))

    dropped, keepers, exact_first = _resolve_duplicates(builder, kept, key)
    removed_copies, duplicates = _copy_removals(
        kept, kept_source_file, dropped, keepers, exact_first, builder.params.duplicates, key
    )
    kept_article = kept["article"].to_numpy()
    titles = np.asarray([article["title"] for article in builder.articles], dtype=object)
    documents, keep = _documents_table(kept, kept_source_file, titles, dropped, duplicates)
    del kept, kept_source_file
    extras = _extras(builder, kept_index[keep])
    if extras is not None:
        documents = pd.concat([documents, extras], axis=1)
    articles = _articles_table(builder, article_ids, kept_article, keep)
    altered = pd.DataFrame(
        [
            (source, lines, None if number is None else doc_id.iat[number], reason, original)
            for source, lines, number, reason, original in builder.altered
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
    return PreparedCorpus(
        documents=documents,
        removed=pd.DataFrame(
            {column: [row.get(column) for row in removed] + removed_copies[column] for column in REMOVED_COLUMNS},
            columns=REMOVED_COLUMNS,
        ),
        articles=articles,
        sources=_sources_table(builder),
        altered=altered,
        normalization={**builder.normalize.record(), "hashtags": builder.params.social.hashtags},
    )


def _paragraph_ids(builder: _CorpusBuilder, rows: pd.DataFrame) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """The article ids (``a01``, ...), and each paragraph's article_id and doc_id (``a01-p001``,
    or the table's id column)."""
    width = max(2, len(str(len(builder.articles))))
    article_ids = np.asarray([f"a{number:0{width}d}" for number in range(1, len(builder.articles) + 1)], dtype=object)
    para_width = max(3, len(str(max(builder.article_paragraphs, default=0))))
    article_index = rows["article"].to_numpy()
    article_id = pd.Series(article_ids[article_index], dtype="str")
    doc_id = article_id + "-p" + rows["position"].astype(str).str.zfill(para_width)
    if builder.id_column is not None:
        doc_id = _given_ids(builder, rows, doc_id)
    return article_ids, article_id, doc_id


def _reading_removals(builder: _CorpusBuilder, article_ids: np.ndarray) -> list[dict]:
    """The records of what the readers removed (lines, rows, files), with article ids."""
    removed = []
    for row in builder.removed:
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
    return removed


def _dropped_paragraphs(
    rows: pd.DataFrame, source_file: pd.Series, article_id: pd.Series, doc_id: pd.Series, reasons: dict
) -> list[dict]:
    """The records of the paragraphs dropped for lack of text (missing, empty, too short)."""
    drop = rows["drop"].to_numpy()
    return [
        {
            "source_file": source_file.iat[i],
            "lines": rows["source_lines"].iat[i],
            "article_id": article_id.iat[i],
            "doc_id": doc_id.iat[i],
            "reason": reasons[int(drop[i])],
            "text": rows["text"].iat[i],
        }
        for i in np.flatnonzero(drop != KEPT).tolist()
    ]


def _resolve_duplicates(builder: _CorpusBuilder, kept: pd.DataFrame, key) -> tuple[list[int], list[int], np.ndarray]:
    """Group the kept paragraphs' duplicates and choose the one to keep of each group
    (``corpus.duplicates.keep``: in the longest article, or the first).

    Returns
    -------
    dropped, keepers : list of int
        Each copy, and the paragraph kept in its place (rows of ``kept``).
    exact_first : array of int
        For each paragraph, the first with the same duplicate key.
    """
    dup = builder.params.duplicates
    groups, exact_first, _ = _duplicate_groups(kept["text"], dup, kept["key_hash"].to_numpy(), key)
    keep_rule = dup.keep
    kept_article = kept["article"].to_numpy()
    article_chars = np.bincount(kept_article, weights=kept["n_chars"].to_numpy(), minlength=len(builder.articles))
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
    return dropped, keepers, exact_first


def _copy_removals(
    kept: pd.DataFrame,
    kept_source_file: pd.Series,
    dropped: list[int],
    keepers: list[int],
    exact_first: np.ndarray,
    rule: Duplicates,
    key,
) -> tuple[dict[str, list], dict[int, list[str]]]:
    """The removal records of the copies, column by column, and each keeper's copies' doc_ids."""
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
        measure = near_reason(key(copy_texts[n]), key(keeper_text), rule)
        reasons[n] = f"near duplicate ({measure}) of {keeper_ids[n]}"
    removed_copies = {
        "source_file": _take(kept_source_file, dropped),
        "lines": _take(kept["source_lines"], dropped),
        "article_id": _take(kept["article_id"], dropped),
        "doc_id": copy_ids,
        "reason": reasons,
        "duplicate_of": keeper_ids,
        "text": copy_texts,
    }
    return removed_copies, duplicates


def _documents_table(
    kept: pd.DataFrame,
    kept_source_file: pd.Series,
    titles: np.ndarray,
    dropped: list[int],
    duplicates: dict[int, list[str]],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The documents table (the kept paragraphs without the copies), and which rows of
    ``kept`` it holds."""
    keep = np.ones(len(kept), dtype=bool)
    keep[dropped] = False
    duplicates_column = np.full(len(kept), "", dtype=object)
    for keeper, copies in duplicates.items():
        duplicates_column[keeper] = "; ".join(copies)
    documents = pd.DataFrame(
        {
            "doc_id": kept["doc_id"],
            "article_id": kept["article_id"],
            "article_title": pd.Series(titles[kept["article"].to_numpy()], dtype="str"),
            "position": kept["position"],
            "text": kept["text"],
            "n_chars": kept["n_chars"],
            "source_file": kept_source_file,
            "source_lines": kept["source_lines"],
            "line_joins": kept["line_joins"],
            "duplicates": pd.Series(duplicates_column, dtype="str"),
        }
    )
    return documents[keep].reset_index(drop=True), keep


def _articles_table(
    builder: _CorpusBuilder, article_ids: np.ndarray, kept_article: np.ndarray, keep: np.ndarray
) -> pd.DataFrame:
    """One row per article: its paragraphs with text, those kept, and those kept elsewhere."""
    articles = pd.DataFrame(builder.articles, columns=["title", "source_file", "first_line"]).rename(
        columns={"title": "article_title"}
    )
    articles.insert(0, "article_id", article_ids)
    counts_all = np.bincount(kept_article, minlength=len(builder.articles))
    counts_kept = np.bincount(kept_article[keep], minlength=len(builder.articles))
    articles["paragraphs"] = counts_all.astype(int)
    articles["paragraphs_kept"] = counts_kept.astype(int)
    articles["duplicates_elsewhere"] = articles["paragraphs"] - articles["paragraphs_kept"]
    articles["first_line"] = articles["first_line"].astype(str)
    return articles[
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


def _sources_table(builder: _CorpusBuilder) -> pd.DataFrame:
    """One row per input file (or ignored entry of a folder)."""
    sources = pd.DataFrame(builder.sources)
    for column in sources.columns:  # counts stay integers where a file has none (ignored, not docshare)
        counts = column in SOURCE_COUNTS or column in ("broken_lines_joined", "headings_joined")
        if counts and sources[column].isna().any():
            sources[column] = sources[column].astype("Int64")
    return sources


def _no_text_problem(builder: _CorpusBuilder, dropped: dict[str, int] | None = None) -> str:
    """Why there is nothing to keep (for the error): each file's problem, and how many
    paragraphs were dropped for which reason."""
    if len(builder.sources) == 1:
        details = [builder.sources[0]["problem"]] if builder.sources[0]["problem"] else []
    else:
        details = [f"{row['source_file']}: {row['problem']}" for row in builder.sources if row["problem"]]
    details += [f"{count} paragraph{'s' * (count > 1)}: {reason}" for reason, count in (dropped or {}).items()]
    return "no paragraphs with text were found" + (f" ({'; '.join(details)})" if details else "")


def _given_ids(builder: _CorpusBuilder, rows: pd.DataFrame, positional: pd.Series) -> pd.Series:
    """doc_ids from the id column: a missing id gets the positional one, a repeated id a
    suffix (#2, #3, ...); both recorded in altered.csv. Error when most ids repeat."""
    given = rows["given_id"]
    missing = (given.isna() | (given == "")).to_numpy()
    doc_id = given.where(~missing, positional)
    path, source_file = builder.table_path, builder.table_path.name
    labels = rows["source_lines"]
    for i in np.flatnonzero(missing).tolist():
        builder.altered.append((source_file, labels.iat[i], i, "missing id: positional doc_id used", None))
    repeated = doc_id.duplicated(keep="first").to_numpy()
    n_repeated = int(repeated.sum())
    if n_repeated:
        first = doc_id.iat[int(np.flatnonzero(repeated)[0])]
        if n_repeated * 2 > len(doc_id):
            raise InputError(
                path,
                f"id column '{builder.id_column}' is not an id: {n_repeated} of {len(doc_id)} rows "
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
            builder.altered.append((source_file, labels.iat[i], i, "repeated id: suffix added", base))
        doc_id = pd.Series(values, dtype="str")
        message = (
            f"id column '{builder.id_column}': {n_repeated} repeated ids made unique with a suffix (first: '{first}')"
        )
        logger.warning("%s: %s", path, message)
        _note_table_problem(builder, message)
    if missing.any():
        message = f"id column '{builder.id_column}': {int(missing.sum())} rows without an id got a positional doc_id"
        logger.warning("%s: %s", path, message)
        _note_table_problem(builder, message)
    return doc_id.reset_index(drop=True)


def _note_table_problem(builder: _CorpusBuilder, message: str) -> None:
    """Add a problem to the table's row of sources.csv (known only at the end)."""
    for row in builder.sources:
        if row["path"] == str(builder.table_path):
            row["problem"] = "; ".join(filter(None, [row["problem"], message]))
            row["status"] = "warning" if row["status"] == "ok" else row["status"]
            row["altered"] = sum(1 for entry in builder.altered if entry[0] == row["source_file"])


def _extras(builder: _CorpusBuilder, kept_index: np.ndarray) -> pd.DataFrame | None:
    """The table's passthrough columns for the kept paragraphs, each writable to Parquet."""
    if not builder.extras or not any(len(frame.columns) for frame in builder.extras):
        return None
    extras = pd.concat(builder.extras, ignore_index=True) if len(builder.extras) > 1 else builder.extras[0]
    builder.extras = []
    extras = extras.take(kept_index).reset_index(drop=True)
    for column in extras.columns:
        if extras[column].dtype == object:  # typed as a table built from the values would type them
            values = extras[column]
            extras[column] = pd.Series(values.where(values.notna(), None).tolist(), index=extras.index)
    for column in extras.columns:
        if extras[column].dtype == object and not _parquet_writable(extras[column]):
            extras[column] = extras[column].map(_as_json_text).astype("str")
            message = f"column '{column}' has values of mixed types: written as JSON text"
            logger.warning("%s: %s", builder.table_path, message)
            _note_table_problem(builder, message)
    return extras
