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
- Tables (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``, ``.xlsx``: ``corpus.sheet``) with a text column; optional id
  and group columns; every other column passes through. Tables are read in chunks of
  :data:`~zhtopics.ingest.tables.CHUNK_ROWS` rows (pandas ``read_csv(chunksize=...)``, JSONL line by line,
  ``pyarrow.parquet.ParquetFile.iter_batches``), so memory grows with the kept text, not
  with the whole file held as Python objects.

Every text is cleaned (HTML markup stripped, see below) and kept as written: every output
table and report shows it as the input had it (full-width punctuation, traditional
characters, emoji, line breaks inside a table cell), apart from the cleaning recorded in
``altered.csv``. Its normalised form (NFKC, control and zero-width characters removed,
whitespace collapsed, optional OpenCC conversion: :class:`TextNormalizer`) is what the
rules read: the ``docshare`` reader's decisions, ``corpus.min_chars``, the ``n_chars``
column (characters of the normalised text) and duplicate detection; stage 2 normalises the
texts again with the normaliser recorded in ``documents.parquet``, so tokens are cut from
the same form. Exact and near-duplicate paragraphs are kept once (near duplicates by a
rule that depends on length: :mod:`~zhtopics.ingest.dedup`): the kept row lists the
doc_ids of its copies, and each copy is in ``removed.csv``. Exact duplicates are found
across the whole input through a 64-bit hash of each paragraph's duplicate key (pandas
``hash_array``); paragraphs whose hashes are equal are compared on the keys themselves, so
a hash collision can never merge two different paragraphs.

Bad input: what happens
-----------------------
Nothing is lost silently: a problem either stops the stage with one line naming the file
and the problem (:class:`~zhtopics.errors.InputError`, exit status 2), or is recorded —
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
- A very long line: read in linear time; paragraphs longer than :data:`~zhtopics.ingest.dedup.NEAR_MAX_CHARS`
  characters are left out of near-duplicate detection only (exact duplicates still count).
- Traditional Chinese: kept as written; with ``corpus.opencc: t2s`` duplicate detection
  and segmentation read it converted to simplified characters.
- Emoji and full-width forms: kept as written; the normalised form (duplicates, tokens)
  keeps emoji and folds full-width forms, keeps zero-width joiners inside emoji sequences
  and removes other zero-width characters.
- HTML markup (``corpus.markup: strip``, the default): in a text that contains a tag,
  comment or character reference, tags and comments are removed (block tags such as
  ``<p>`` and ``<br>`` become spaces, ``<script>``/``<style>`` lose their content) and
  entities are decoded (stdlib ``html.parser``, i.e. ``html.unescape``) and runs of HTML
  whitespace become one space; each changed line or row is in ``altered.csv`` with its
  original. Text files are cleaned line by line, so
  a tag or a ``<script>`` block spanning several lines is not recognised across them.
- Social-media posts (``corpus.social``, off by default): Weibo repost chains, links,
  @mentions, #hashtags# and emoji can each be dropped (hashtags can instead be kept whole
  as tokens); each changed line or row is in ``altered.csv`` with the text before the
  cleaning (:mod:`~zhtopics.ingest.social`).
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

``altered.csv`` has one row per change: ``source_file``, ``lines``
(line number or ``row N`` / ``line N``), ``doc_id`` (empty when the line was removed
anyway), ``reason`` and ``original`` (the text, or id, before the change).

Modules
-------
- :mod:`~zhtopics.ingest.files`: which files an input path stands for.
- :mod:`~zhtopics.ingest.encodings`: encoding detection, decoding, binary files.
- :mod:`~zhtopics.ingest.markup`, :mod:`~zhtopics.ingest.social` and
  :mod:`~zhtopics.ingest.normalize`: cleaning a text, and its normalised form.
- :mod:`~zhtopics.ingest.docshare`: the ``docshare`` and ``lines`` readers of text files.
- :mod:`~zhtopics.ingest.tables`: the table readers (chunks of rows) and column helpers.
- :mod:`~zhtopics.ingest.build`: reading the files into paragraphs; :func:`prepare_corpus`.
- :mod:`~zhtopics.ingest.store`: the paragraphs held between reading and tabulating.
- :mod:`~zhtopics.ingest.dedup`: exact and near-duplicate detection.
- :mod:`~zhtopics.ingest.tabulate`: numbering, dropping and de-duplicating into the tables.
- :mod:`~zhtopics.ingest.prepared`: :class:`PreparedCorpus`, writing and reading it.

A new input format is a reader next to :mod:`~zhtopics.ingest.docshare` (text) or a
``_*_chunks`` method of :class:`~zhtopics.ingest.tables.TableReader` (tables), plus its
suffix in :data:`TEXT_SUFFIXES` or :data:`TABLE_SUFFIXES`.
"""

from zhtopics.ingest.build import prepare_corpus
from zhtopics.ingest.encodings import detect_encoding, read_text
from zhtopics.ingest.files import TEXT_SUFFIXES, list_input_files
from zhtopics.ingest.normalize import TextNormalizer
from zhtopics.ingest.prepared import PreparedCorpus, write_prepared
from zhtopics.ingest.tables import TABLE_SUFFIXES

__all__ = [
    "TABLE_SUFFIXES",
    "TEXT_SUFFIXES",
    "PreparedCorpus",
    "TextNormalizer",
    "detect_encoding",
    "list_input_files",
    "prepare_corpus",
    "read_text",
    "write_prepared",
]
