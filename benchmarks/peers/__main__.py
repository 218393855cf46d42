"""Run one peer in this process and write what it found: ``python -m benchmarks.peers NAME CORPUS --out DIR``.

``benchmarks/run.py`` starts this as a subprocess, so that the peer is timed and its
memory measured exactly like a ``zhtopics run`` (the process tree, polled). Writes
``DIR/dominant.npy`` (int64, one per corpus row), ``DIR/topic_word.npy`` and
``DIR/vocabulary.json`` when the peer has them, and ``DIR/peer.json`` (stage seconds, info).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.peers import PEERS, PeerSettings, run_peer, unavailable  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=list(PEERS))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", required=True, help="PeerSettings as JSON")
    args = parser.parse_args(argv)
    reason = unavailable(args.name)
    if reason is not None:
        print(f"peer {args.name} skipped: {reason}", file=sys.stderr)
        return 3
    if not args.corpus.exists():
        print(f"{args.corpus}: no such corpus file", file=sys.stderr)
        return 2
    settings = PeerSettings(**json.loads(args.settings))
    result = run_peer(args.name, args.corpus, settings)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "dominant.npy", result.dominant)
    if result.topic_word is not None:
        np.save(args.out / "topic_word.npy", result.topic_word)
        (args.out / "vocabulary.json").write_text(json.dumps(result.vocabulary, ensure_ascii=False), encoding="utf-8")
    stages = {name: round(seconds, 2) for name, seconds in result.stages.items()}
    (args.out / "peer.json").write_text(
        json.dumps({"peer": args.name, "stages": stages, "info": result.info}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"peer {args.name}: " + ", ".join(f"{name} {seconds} s" for name, seconds in stages.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
