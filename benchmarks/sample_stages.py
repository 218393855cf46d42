"""Where a ``zhtopics`` run spends its time and memory, function by function.

A poor man's sampling profiler (py-spy is not installed): runs the command line in this
process and, from a background thread, records every ``--interval`` seconds the main
thread's Python stack and the memory of the process tree (RSS and PSS, forked workers
included). Each sample is weighted by the time since the previous one; when the sampler
could not run for a while (C code holding the GIL, e.g. tomotopy's ``train``), the time it
waited is credited to "(C code holding the GIL)" under the frames that were on the stack
both before and after the gap (the caller of that C code).

Output (JSON, ``--out-json``): per zhtopics function on the stack (inclusive) and per
innermost zhtopics function → innermost frame (exclusive), the seconds spent and the peak
memory seen while there; the timeline of memory with the innermost zhtopics function.

    .venv/bin/python benchmarks/sample_stages.py --out-json benchmarks/data/profile_1e6.json -- \\
        run benchmarks/data/corpora/planted_n1000000_....csv --out /tmp/p --text-column text --k 20 \\
        --config benchmarks/data/work/bench_gensim.yaml --no-figures --no-report
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

MIB = 2**20
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # run as a script: no module in benchmarks/ shadows a library's


def _tree_memory(root) -> tuple[int, int]:
    import psutil

    rss = pss = 0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    for process in tree:
        try:
            info = process.memory_full_info()
            rss += info.rss
            pss += info.pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, pss


def sample_run(argv: list[str], interval: float = 0.2) -> dict:
    import psutil

    from zhtopics.cli import main

    root = psutil.Process()
    main_id = threading.main_thread().ident
    samples: list[tuple[float, float, int, int, tuple[str, ...], str]] = []
    done = threading.Event()
    started = time.perf_counter()

    def sampler():
        last = time.perf_counter()
        previous = None
        while not done.is_set():
            time.sleep(interval)
            now = time.perf_counter()
            late = now - last - 2 * interval
            frame = sys._current_frames().get(main_id)
            stack, leaf = [], "?"
            while frame is not None:
                code = frame.f_code
                if leaf == "?":
                    leaf = f"{Path(code.co_filename).name}:{code.co_name}"
                if "/zhtopics/" in code.co_filename:
                    stack.append(f"{Path(code.co_filename).stem}.{code.co_name}")
                frame = frame.f_back
            rss, pss = _tree_memory(root)
            stack = tuple(reversed(stack))
            if late > 0 and previous is not None:
                # The sampler could not run: C code held the GIL (tomotopy's train, a large
                # pandas call). The call was made from a frame on the stack both before and
                # after the gap: credit the time to their common part.
                common = []
                for before, after in zip(previous[2], stack):
                    if before != after:
                        break
                    common.append(before)
                samples.append(
                    (
                        now - started - interval,
                        late,
                        max(rss, previous[0]),
                        max(pss, previous[1]),
                        tuple(common),
                        "(C code holding the GIL)",
                    )
                )
                last += late
            samples.append((now - started, now - last, rss, pss, stack, leaf))
            previous = (rss, pss, stack, leaf)
            last = now

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    status = main(argv)
    done.set()
    thread.join()
    wall = time.perf_counter() - started
    inclusive = defaultdict(lambda: [0.0, 0, 0])
    exclusive = defaultdict(lambda: [0.0, 0, 0])
    for _, weight, rss, pss, stack, leaf in samples:
        for function in set(stack):
            entry = inclusive[function]
            entry[0] += weight
            entry[1], entry[2] = max(entry[1], rss), max(entry[2], pss)
        key = f"{stack[-1] if stack else '(outside zhtopics)'} -> {leaf}"
        entry = exclusive[key]
        entry[0] += weight
        entry[1], entry[2] = max(entry[1], rss), max(entry[2], pss)

    def table(data, top):
        rows = sorted(data.items(), key=lambda item: -item[1][0])[:top]
        return [
            {
                "function": name,
                "seconds": round(s, 1),
                "share": round(s / wall, 3),
                "peak_rss_tree_mib": round(r / MIB),
                "peak_pss_tree_mib": round(p / MIB),
            }
            for name, (s, r, p) in rows
        ]

    peak = max(samples, key=lambda s: s[3]) if samples else None
    return {
        "argv": argv,
        "status": status,
        "wall_seconds": round(wall, 1),
        "interval": interval,
        "peak_pss_tree_mib": round(peak[3] / MIB) if peak else None,
        "peak_at": {"seconds": round(peak[0], 1), "stack": list(peak[4]), "leaf": peak[5]} if peak else None,
        "inclusive": table(inclusive, 40),
        "exclusive": table(exclusive, 40),
        "timeline": [
            [round(t, 1), round(r / MIB), round(p / MIB), stack[-1] if stack else "", leaf]
            for t, _, r, p, stack, leaf in samples[:: max(1, len(samples) // 600)]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-json", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("zhtopics_args", nargs=argparse.REMAINDER, help="after --: the zhtopics command line")
    args = parser.parse_args(argv)
    command = [a for a in args.zhtopics_args if a != "--"]
    result = sample_run(command, args.interval)
    args.out_json.parent.mkdir(parents=True, exist_ok=True)
    args.out_json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wall {result['wall_seconds']} s, peak PSS tree {result['peak_pss_tree_mib']} MiB at {result['peak_at']}")
    for row in result["exclusive"][:25]:
        print(f"{row['seconds']:8.1f} s {row['share']:6.1%} {row['peak_pss_tree_mib']:6d} MiB  {row['function']}")
    return 0 if result["status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
