"""What stage 1 holds per paragraph between reading and tabulating: :class:`_ParagraphStore`."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# Why a paragraph is dropped before duplicate detection (codes in _ParagraphStore's "drop").
KEPT, MISSING_TEXT, EMPTY_TEXT, TOO_SHORT = 0, 1, 2, 3


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
