"""Reading text files: which encoding, and what to do with bytes that do not decode.

Used by stage 1 (:mod:`zhtopics.ingest`, whose docstring lists every decision): UTF-8
(with or without BOM), GB18030/GBK and Big5 are detected per file (charset-normalizer
decides between the Chinese encodings); binary files (NUL bytes in the first 8000 bytes, or
a known signature) and UTF-16/32 are refused with a clear message; a few invalid bytes in
otherwise valid text are decoded as U+FFFD and counted (the ``zhtopics.count`` codec error
handler), too many are an error.
"""

from __future__ import annotations

import codecs
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from zhtopics.errors import InputError

logger = logging.getLogger(__name__)

# Signatures of binary formats someone may rename to .txt/.csv (for a clear message).
BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (e.g. .docx, .xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PAR1", "a Parquet file"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc, .xls)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"BZh", "a bzip2 archive"),
)
UNSUPPORTED_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
UTF8_BOM = b"\xef\xbb\xbf"
BINARY_SNIFF_BYTES = 8000  # as git does: a NUL byte in the first 8000 bytes means binary
# Tolerance for invalid bytes (decoded as U+FFFD and recorded), see the module docstring.
MOSTLY_UTF8_INVALID_SHARE = 0.2  # of the non-ASCII bytes (GBK/Big5 read as UTF-8: over a third)
DAMAGED_INVALID_SHARE = 0.01  # of all bytes
_BLOCK_BYTES = 1 << 20
_ASCII = bytes(range(128))
_CHARSET_SAMPLE_BYTES = 4 << 20
# The reason recorded in altered.csv for a line or row with invalid bytes decoded as U+FFFD.
REPLACED_REASON = "undecodable bytes replaced with U+FFFD"

_invalid_bytes = threading.local()  # counted by the zhtopics.count handler, per thread


def _count_invalid_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler ``zhtopics.count``: count the invalid bytes, replace them as
    ``errors="replace"`` does (one U+FFFD per invalid sequence)."""
    _invalid_bytes.count += error.end - error.start
    return "\ufffd", error.end


codecs.register_error("zhtopics.count", _count_invalid_bytes)


@dataclass(frozen=True)
class Decoding:
    """How a file's bytes are decoded.

    Attributes
    ----------
    encoding : str
        A Python codec name: ``utf-8``, ``utf-8-sig``, ``gb18030``, ``big5`` or the one asked for.
    replaced_bytes : int
        Invalid bytes decoded as U+FFFD (0: the file decodes cleanly).
    """

    encoding: str
    replaced_bytes: int = 0

    @property
    def errors(self) -> str:
        """The codec error mode that reproduces this decoding."""
        return "replace" if self.replaced_bytes else "strict"


def _invalid_and_non_ascii(blocks: Iterable[bytes], encoding: str) -> tuple[int, int]:
    """Decode a stream of blocks; return (invalid bytes, non-ASCII bytes)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="zhtopics.count")
    _invalid_bytes.count = 0
    non_ascii = 0
    for block in blocks:
        decoder.decode(block)
        if not block.isascii():
            non_ascii += len(block.translate(None, _ASCII))
    decoder.decode(b"", final=True)
    return _invalid_bytes.count, non_ascii


def binary_kind(head: bytes) -> str | None:
    """What a file whose first bytes are ``head`` looks like when it is not text, else None."""
    for signature, kind in BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    if b"\x00" in head[:BINARY_SNIFF_BYTES]:
        return "binary data (it has NUL bytes)"
    return None


def sniff_encoding(path: str | Path, encoding: str = "auto", data: bytes | None = None) -> Decoding:
    """Choose how to decode a text file: detect its encoding, or check the one given.

    With ``encoding="auto"``: a UTF-8 BOM means ``utf-8-sig``; otherwise strict UTF-8,
    then UTF-8 with a few invalid bytes (at most 20% of the non-ASCII bytes), then GB18030
    (a superset of GBK and GB2312) and Big5 decoding cleanly (charset-normalizer chooses
    when both do), then whichever of the three has the fewest invalid bytes if they are at
    most 1% of the file. The file is read in blocks (each candidate is one pass), never
    held whole unless ``data`` is given.

    Parameters
    ----------
    path : str or Path
        The file (read unless ``data`` is given; named in errors).
    encoding : str
        ``"auto"`` or a codec name (then only the amount of invalid bytes is checked).
    data : bytes, optional
        The file's content, when already read.

    Returns
    -------
    Decoding

    Raises
    ------
    InputError
        For binary files, UTF-16/32 text, unknown codecs and undecodable bytes.
    """
    path = Path(path)

    def blocks() -> Iterator[bytes]:
        if data is not None:
            for start in range(0, len(data), _BLOCK_BYTES):
                yield data[start : start + _BLOCK_BYTES]
            return
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(_BLOCK_BYTES), b"")

    head, size = _head_and_size(path, data)
    encoding = _refuse_non_text(path, head, encoding)
    if encoding != "auto":
        invalid, non_ascii = _invalid_and_non_ascii(blocks(), encoding)
        if invalid and invalid > DAMAGED_INVALID_SHARE * size and invalid > MOSTLY_UTF8_INVALID_SHARE * non_ascii:
            raise InputError(path, f"cannot decode as {encoding}: {invalid} of {size} bytes are invalid")
        return Decoding(encoding, invalid)
    return _detect(path, head, size, blocks, data)


def _head_and_size(path: Path, data: bytes | None) -> tuple[bytes, int]:
    """The first bytes of a file (enough to tell binary data) and its size."""
    if data is not None:
        return data[:BINARY_SNIFF_BYTES], len(data)
    try:
        with open(path, "rb") as handle:
            head = handle.read(BINARY_SNIFF_BYTES)
        return head, path.stat().st_size
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None


def _refuse_non_text(path: Path, head: bytes, encoding: str) -> str:
    """The encoding to check (a given ``utf-8`` becomes ``utf-8-sig`` after a BOM); an error
    for an unknown codec, UTF-16/32 text (unless asked for) and binary data."""
    codec = None
    if encoding != "auto":
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(path, f"unknown encoding '{encoding}'") from None
        if codec == "utf-8" and head.startswith(UTF8_BOM):
            encoding = "utf-8-sig"
    if codec is None or not codec.startswith(("utf-16", "utf-32")):
        for bom, name in UNSUPPORTED_BOMS:
            if head.startswith(bom):
                raise InputError(
                    path, f"{name} text is not supported; convert it to UTF-8 (or pass --encoding {name.lower()})"
                )
        kind = binary_kind(head)
        if kind is not None:
            raise InputError(path, f"looks like {kind}, not text")
    return encoding


def _detect(path: Path, head: bytes, size: int, blocks, data: bytes | None) -> Decoding:
    """The ``encoding="auto"`` rules of :func:`sniff_encoding` (``blocks()`` reads the file again)."""
    first = "utf-8-sig" if head.startswith(UTF8_BOM) else "utf-8"
    invalid_utf8, non_ascii = _invalid_and_non_ascii(blocks(), first)
    if invalid_utf8 == 0:
        return Decoding(first)
    if invalid_utf8 <= MOSTLY_UTF8_INVALID_SHARE * non_ascii:
        return Decoding(first, invalid_utf8)
    if first == "utf-8-sig":
        if invalid_utf8 <= DAMAGED_INVALID_SHARE * size:
            return Decoding(first, invalid_utf8)
        raise InputError(
            path,
            f"starts with a UTF-8 byte-order mark, but {invalid_utf8} of its {size} bytes are "
            "not UTF-8; convert it to UTF-8",
        )
    invalid = {first: invalid_utf8}
    for candidate in ("gb18030", "big5"):
        invalid[candidate] = _invalid_and_non_ascii(blocks(), candidate)[0]
    clean = [name for name in ("gb18030", "big5") if invalid[name] == 0]
    if len(clean) == 1:
        return Decoding(clean[0])
    if len(clean) == 2:
        return Decoding(_choose_chinese_encoding(data if data is not None else _sample(path)))
    best = min(invalid, key=lambda name: (invalid[name], list(invalid).index(name)))
    if invalid[best] <= DAMAGED_INVALID_SHARE * size:
        return Decoding(best, invalid[best])
    share = invalid[best] / max(size, 1)
    raise InputError(
        path,
        f"cannot decode as UTF-8, GB18030/GBK or Big5 (at best {share:.0%} of the bytes are "
        "invalid); convert it to UTF-8",
    )


def _sample(path: Path) -> bytes:
    """The first few MB of a file, cut after a line end (for charset-normalizer)."""
    with open(path, "rb") as handle:
        sample = handle.read(_CHARSET_SAMPLE_BYTES)
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if len(sample) == _CHARSET_SAMPLE_BYTES and cut > 0 else sample


def _choose_chinese_encoding(data: bytes) -> str:
    """GB18030 or Big5 for bytes both decode, as charset-normalizer judges them."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_CHARSET_SAMPLE_BYTES], cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        return "gb18030"
    return "big5" if best.encoding in ("big5", "big5hkscs", "cp950") else "gb18030"


def detect_encoding(data: bytes, path: str | Path) -> str:
    """Name the encoding of a text file's bytes: utf-8-sig, utf-8, gb18030 or big5.

    See :func:`sniff_encoding` for the rules (this is its ``encoding="auto"`` on bytes).

    Raises
    ------
    InputError
        When no supported encoding decodes the file, or it is binary.
    """
    return sniff_encoding(path, "auto", data=data).encoding


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None


def decode_text_file(path: str | Path, encoding: str = "auto") -> tuple[str, Decoding, bytes]:
    """Read and decode a whole text file.

    Returns
    -------
    text : str
    decoding : Decoding
        The encoding used and how many invalid bytes became U+FFFD.
    data : bytes
        The raw bytes (to show what was replaced).
    """
    path = Path(path)
    data = _read_bytes(path)
    decoding = sniff_encoding(path, encoding, data=data)
    return data.decode(decoding.encoding, errors=decoding.errors), decoding, data


def read_text(path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Read a text file, detecting its encoding unless one is given.

    Returns
    -------
    text : str
        Invalid bytes, if tolerated (see :func:`sniff_encoding`), are U+FFFD.
    encoding : str
        The encoding used (reported in ``sources.csv``).
    """
    text, decoding, _ = decode_text_file(path, encoding)
    return text, decoding.encoding
