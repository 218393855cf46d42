"""Compare two run folders file by file: are the outputs byte-identical?

Every file under ``results/``, ``data/processed/`` and ``models/`` of the two folders is
compared by SHA-256; prints the files that differ or exist in one folder only, and exits 1
if any do. Used to check that a speed change leaves the seed's outputs unchanged:

    PYTHONPATH=src .venv/bin/python benchmarks/compare_outputs.py /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

FOLDERS = ("results", "data/processed", "models")


def digests(root: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under the compared folders of ``root``."""
    found = {}
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def compare(before: Path, after: Path) -> dict[str, list[str]]:
    """The files ``same``, ``different``, ``only_before`` and ``only_after``."""
    a, b = digests(before), digests(after)
    return {
        "same": sorted(name for name in a.keys() & b.keys() if a[name] == b[name]),
        "different": sorted(name for name in a.keys() & b.keys() if a[name] != b[name]),
        "only_before": sorted(a.keys() - b.keys()),
        "only_after": sorted(b.keys() - a.keys()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    result = compare(args.before, args.after)
    print(f"{len(result['same'])} files identical")
    for kind in ("different", "only_before", "only_after"):
        for name in result[kind]:
            print(f"{kind}: {name}")
    return 1 if any(result[kind] for kind in ("different", "only_before", "only_after")) else 0


if __name__ == "__main__":
    sys.exit(main())
