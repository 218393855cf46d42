"""Agreement and speed of the two segmentation backends, jieba (posseg) and rjieba.

Both backends are built by :class:`zhtopics.segment.Segmenter` from ``params.yaml``'s
``segment`` section (same user dictionary, stopwords and filters), so the comparison is
the one the pipeline sees. jieba is the reference.

Texts
-----
(a) ``seed``: the seed corpus paragraphs (``data/interim/documents.parquet``; stage 1 is
    run in memory when the file is missing).
(b) ``mixed``: the seed paragraphs, the Simplified Chinese messages that jupyter-server
    ships (``jupyter_server/i18n/zh_CN/LC_MESSAGES/*.po``: real sentences mixed with Latin
    words, numbers and placeholders), and ``--generated`` documents of the benchmark corpus
    generator (``benchmarks/generate.py``, ``generate_corpus(n, seed=0)``: dictionary nouns
    and verbs without spaces, with punctuation). Every part is normalised like stage 1.

Measures
--------
* word boundaries as character offsets inside each paragraph (jieba.posseg = reference):
  precision, recall and F1 of rjieba's boundaries, and the same for whole words (spans);
  also for the plain cutters (``jieba.lcut`` vs ``rjieba.cut``);
* part-of-speech agreement on the words both cut identically (tags as the Segmenter
  maps them) and the most frequent disagreements;
* the kinds of differences: every stretch where the two cut differently is classed as
  user dictionary, alphanumeric, number, punctuation, name, idiom, new word (not in the
  dictionary) or other, with counts and examples;
* the kept tokens (after every filter): multiset precision and recall, and the tokens
  removed per reason;
* throughput in MB/s (10^6 bytes of UTF-8) on each text, for jieba.lcut, jieba.posseg,
  rjieba.cut, rjieba.tag, ``Segmenter.tokens`` per backend (one process, a new Segmenter
  built before the clock starts), and ``segment_texts`` per backend with 1 and 2
  processes (stage 2's segmentation as ``segment_corpus`` runs it: Segmenter, worker
  processes, filters, interning). Every number of a table is on the same text, repeated
  enough times for a timed run (``time.perf_counter``) to take at least ``--min-seconds``
  (``--stage-seconds`` for ``segment_texts`` with 1 process; 2 processes get the same
  input); the fastest of ``--repeat`` timed runs counts, since other processes on a
  shared machine only slow a run down. Text (a) is the realistic one for speed: (b) is
  mostly generated dictionary words, which jieba.posseg cuts without its slow HMM.

Run from the project root::

    .venv/bin/python benchmarks/segmentation_agreement.py

Writes ``benchmarks/results/segmentation_agreement.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
SEED_FILE = ROOT / "data" / "raw" / "wechat_ecommerce_failure_articles.txt"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9０-９]")
_NUMBER_WORD = re.compile(r"^[零〇一二两三四五六七八九十百千万亿几]+$")
_WORD_CHAR = re.compile(r"[^\W_]")
KINDS = ("user dictionary", "alphanumeric", "number", "punctuation", "name", "idiom", "new word", "other")


# --------------------------------------------------------------------------- texts


def seed_paragraphs(params: dict) -> list[str]:
    import pandas as pd

    path = ROOT / "data" / "interim" / "documents.parquet"
    if path.exists():
        return pd.read_parquet(path)["text"].tolist()
    from zhtopics.ingest import prepare_corpus

    return prepare_corpus(SEED_FILE, params.corpus).documents["text"].tolist()


def po_messages() -> tuple[list[str], list[str]]:
    """The zh_CN translations shipped with jupyter-server, one text per message."""
    try:
        import jupyter_server
    except ImportError:
        return [], []
    folder = Path(jupyter_server.__file__).parent / "i18n" / "zh_CN" / "LC_MESSAGES"
    files = sorted(folder.glob("*.po"))
    messages = []
    for path in files:
        current = None
        for line in path.read_text(encoding="utf-8").splitlines() + [""]:
            line = line.strip()
            if line.startswith("msgstr "):
                current = [line[len("msgstr ") :]]
            elif current is not None and line.startswith('"'):
                current.append(line)
            else:
                if current is not None:
                    try:
                        messages.append("".join(ast.literal_eval(part) for part in current))
                    except (ValueError, SyntaxError):
                        pass
                current = None
    return messages, [str(path.relative_to(path.parents[4])) for path in files]


def build_texts(params, generated: int) -> dict:
    from zhtopics.ingest import TextNormalizer

    normalize = TextNormalizer()
    seed = seed_paragraphs(params)
    messages, po_files = po_messages()
    seen, po = set(), []
    for message in messages:
        text = normalize(message)
        if _HAN.search(text) and text not in seen:
            seen.add(text)
            po.append(text)
    generator = None
    try:
        from benchmarks.generate import GENERATOR_VERSION, generate_corpus

        docs, truth = generate_corpus(generated, seed=0)
        docs = [normalize(text) for text in docs]
        generator = {
            "source": "benchmarks/generate.py generate_corpus(n_docs, seed=0), default options",
            "version": GENERATOR_VERSION,
            "documents": len(docs),
        }
    except ImportError:
        docs = []
    parts = {"seed paragraphs": seed, "jupyter-server zh_CN messages": po, "generated documents": docs}
    mixed = seed + po + docs
    return {
        "seed": seed,
        "mixed": mixed,
        "parts": {
            name: {"documents": len(texts), "megabytes": round(megabytes(texts), 4)} for name, texts in parts.items()
        },
        "po_files": po_files,
        "generator": generator,
        "part_of": [name for name, texts in parts.items() for _ in texts],
    }


def megabytes(texts) -> float:
    return sum(len(text.encode("utf-8")) for text in texts) / 1e6


# --------------------------------------------------------------------------- agreement


def spans(words) -> list[tuple[int, int]]:
    out, start = [], 0
    for word in words:
        out.append((start, start + len(word)))
        start += len(word)
    return out


def prf(matched: int, reference: int, candidate: int) -> dict:
    precision = matched / candidate if candidate else 1.0
    recall = matched / reference if reference else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "reference": reference,
        "candidate": candidate,
        "matched": matched,
    }


class Boundaries:
    """Micro-averaged boundary and word (span) agreement over many paragraphs."""

    def __init__(self):
        self.b = [0, 0, 0]  # matched, reference, candidate (internal boundaries)
        self.w = [0, 0, 0]  # the same for whole words
        self.identical = self.paragraphs = 0

    def add(self, reference_words, candidate_words):
        ref, cand = spans(reference_words), spans(candidate_words)
        assert (ref[-1][1] if ref else 0) == (cand[-1][1] if cand else 0), "the cutters lost characters"
        ref_b, cand_b = {end for _, end in ref[:-1]}, {end for _, end in cand[:-1]}
        self.b[0] += len(ref_b & cand_b)
        self.b[1] += len(ref_b)
        self.b[2] += len(cand_b)
        self.w[0] += len(set(ref) & set(cand))
        self.w[1] += len(ref)
        self.w[2] += len(cand)
        self.paragraphs += 1
        self.identical += ref == cand

    def result(self) -> dict:
        return {
            "boundaries": prf(*self.b),
            "words": prf(*self.w),
            "paragraphs_cut_identically": round(self.identical / max(self.paragraphs, 1), 5),
        }


def regions(reference, candidate):
    """Stretches where two cuts of the same text differ: (reference pairs, candidate pairs)."""
    i = j = 0
    ri = ci = 0  # end offsets reached
    out = []
    while i < len(reference) and j < len(candidate):
        if reference[i][0] == candidate[j][0]:
            ri += len(reference[i][0])
            ci += len(candidate[j][0])
            i += 1
            j += 1
            continue
        ref_part, cand_part = [reference[i]], [candidate[j]]
        ri += len(reference[i][0])
        ci += len(candidate[j][0])
        i += 1
        j += 1
        while ri != ci:
            if ri < ci:
                ref_part.append(reference[i])
                ri += len(reference[i][0])
                i += 1
            else:
                cand_part.append(candidate[j])
                ci += len(candidate[j][0])
                j += 1
        out.append((ref_part, cand_part))
    return out


def kind_of(ref_part, cand_part, userdict: set[str], in_dictionary) -> str:
    text = "".join(word for word, _ in ref_part)
    words = [word for word, _ in ref_part + cand_part]
    tags = [tag for _, tag in ref_part + cand_part]
    if any(word in userdict for word in words) or any(term in text for term in userdict):
        return "user dictionary"
    if _ASCII_LETTER.search(text):
        return "alphanumeric"
    if _DIGIT.search(text) or any(_NUMBER_WORD.match(word) for word in words):
        return "number"
    if any(not _WORD_CHAR.search(ch) for ch in text):
        return "punctuation"
    if any(tag.startswith("nr") for tag in tags):
        return "name"
    if any(tag in ("i", "l") for tag in tags):
        return "idiom"
    if any(len(word) > 1 and not in_dictionary(word) for word in words):
        return "new word"
    return "other"


def show(part) -> str:
    return " ".join(f"{word}/{tag}" for word, tag in part)


def agreement(texts: list[str], jieba_seg, rjieba_seg, userdict: set[str], examples: int = 8) -> dict:
    posseg, plain = Boundaries(), Boundaries()
    same_span = same_tag = 0
    confusion: Counter = Counter()
    confusion_examples: dict = defaultdict(list)
    kinds: Counter = Counter()
    kind_examples: dict = defaultdict(list)
    kept = [0, 0, 0]  # matched, jieba, rjieba (multisets per paragraph)
    kept_identical = 0
    removed = {"jieba": defaultdict(Counter), "rjieba": defaultdict(Counter)}
    in_dictionary = rjieba_seg.tokenizer.has_word
    for text in texts:
        ref = jieba_seg.cut(text)
        cand = rjieba_seg.cut(text)
        posseg.add([w for w, _ in ref], [w for w, _ in cand])
        plain.add(jieba_seg.tokenizer.lcut(text), rjieba_seg.tokenizer.cut(text, True))
        ref_spans = dict(zip(spans([w for w, _ in ref]), ref))
        for span, (word, tag) in zip(spans([w for w, _ in cand]), cand):
            if span in ref_spans:
                same_span += 1
                ref_tag = ref_spans[span][1]
                if ref_tag == tag:
                    same_tag += 1
                else:
                    confusion[(ref_tag, tag)] += 1
                    if len(confusion_examples[(ref_tag, tag)]) < 5 and word not in confusion_examples[(ref_tag, tag)]:
                        confusion_examples[(ref_tag, tag)].append(word)
        for ref_part, cand_part in regions(ref, cand):
            kind = kind_of(ref_part, cand_part, userdict, in_dictionary)
            kinds[kind] += 1
            if len(kind_examples[kind]) < examples:
                kind_examples[kind].append({"jieba": show(ref_part), "rjieba": show(cand_part)})
        jieba_kept = Counter(jieba_seg.tokens(text, removed["jieba"]))
        rjieba_kept = Counter(rjieba_seg.tokens(text, removed["rjieba"]))
        kept[0] += sum((jieba_kept & rjieba_kept).values())
        kept[1] += sum(jieba_kept.values())
        kept[2] += sum(rjieba_kept.values())
        kept_identical += jieba_kept == rjieba_kept
    total_regions = sum(kinds.values())
    return {
        "paragraphs": len(texts),
        "megabytes": round(megabytes(texts), 4),
        "posseg_vs_rjieba_tag": posseg.result(),
        "lcut_vs_rjieba_cut": plain.result(),
        "pos_agreement": {
            "words_cut_identically": same_span,
            "same_tag": same_tag,
            "agreement": round(same_tag / max(same_span, 1), 5),
            "disagreements": [
                {"jieba": a, "rjieba": b, "count": n, "examples": confusion_examples[(a, b)]}
                for (a, b), n in confusion.most_common(20)
            ],
        },
        "differences": {
            "regions": total_regions,
            "by_kind": {
                kind: {
                    "count": kinds[kind],
                    "share": round(kinds[kind] / max(total_regions, 1), 4),
                    "examples": kind_examples[kind],
                }
                for kind in KINDS
            },
        },
        "kept_tokens": {
            **prf(*kept),
            "paragraphs_with_identical_tokens": round(kept_identical / max(len(texts), 1), 5),
            "removed_by_reason": {
                backend: {reason: sum(counter.values()) for reason, counter in by_reason.items()}
                for backend, by_reason in removed.items()
            },
        },
    }


def userdict_whole(texts: list[str], segmenters: dict, userdict: set[str]) -> dict:
    """How many occurrences of the user-dictionary terms come out as one word. An occurrence
    inside a longer term's occurrence (微商 in 微商圈) is not counted: the longer one is."""
    expected: list[tuple[int, int, int, str]] = []  # text index, start, end, term
    for index, text in enumerate(texts):
        found = []
        for term in userdict:
            start = text.find(term)
            while start >= 0:
                found.append((start, start + len(term), term))
                start = text.find(term, start + 1)
        for start, end, term in found:
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in found):
                expected.append((index, start, end, term))
    result = {}
    for name, segmenter in segmenters.items():
        cuts: dict[int, set] = {}
        split = Counter()
        for index, start, end, term in expected:
            if index not in cuts:
                cuts[index] = set(spans([word for word, _ in segmenter.cut(texts[index])]))
            if (start, end) not in cuts[index]:
                split[term] += 1
        result[name] = {
            "occurrences": len(expected),
            "whole": len(expected) - sum(split.values()),
            "split": dict(split.most_common()),
        }
    return result


# --------------------------------------------------------------------------- throughput


def measure(
    texts: list[str], min_seconds: float, run, prepare=lambda: None, repetitions: int | None = None, repeat: int = 1
) -> dict:
    """MB/s of a timed ``run(prepare(), texts * r)``: r is ``repetitions`` if given, else
    the smallest tried (growing from 1) for which the run takes at least ``min_seconds``.
    The timed run is done ``repeat`` times and the fastest counts (other processes on the
    machine only ever slow a run down). ``prepare`` runs before the clock starts."""
    size = megabytes(texts)
    load_before = os.getloadavg()[0]

    def timed(docs):
        state = prepare()
        started = time.perf_counter()
        run(state, docs)
        return time.perf_counter() - started

    if repetitions is None:
        repetitions = 1
        seconds = timed(texts)
        while seconds < min_seconds:
            repetitions = max(repetitions + 1, math.ceil(repetitions * min_seconds / max(seconds, 1e-3) * 1.2))
            seconds = timed(texts * repetitions)
        times = [seconds]
    else:
        times = []
    repeated = texts * repetitions
    while len(times) < repeat:
        times.append(timed(repeated))
    seconds = min(times)
    return {
        "mb_per_s": round(size * repetitions / seconds, 3),
        "seconds": round(seconds, 3),
        "all_seconds": [round(t, 3) for t in times],
        "repetitions": repetitions,
        "megabytes": round(size * repetitions, 3),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def throughput(texts: list[str], params: dict, min_seconds: float, stage_seconds: float, repeat: int) -> dict:
    """Every method on ``texts``; ``segment_texts`` with 2 processes gets the same input
    (repetitions) as with 1 process, sized to take at least ``stage_seconds``."""
    from zhtopics.segment import Segmenter, segment_texts

    jieba_seg = Segmenter(params, backend="jieba")
    rjieba_seg = Segmenter(params, backend="rjieba")
    tokenizer, pos_tokenizer, rj = jieba_seg.tokenizer, jieba_seg.pos_tokenizer, rjieba_seg.tokenizer

    def each(function):
        def run(state, docs):
            for doc in docs:
                function(doc)

        return run

    def tokens(state, docs):
        for doc in docs:
            state(doc)

    rows = {}

    def record(name, what, **kwargs):
        rows[name] = {"what": what, **measure(texts, repeat=repeat, **kwargs)}
        print(f"  {name}: {rows[name]['mb_per_s']} MB/s ({rows[name]['seconds']} s)", flush=True)
        return rows[name]

    record("jieba.lcut", "cut", min_seconds=min_seconds, run=each(tokenizer.lcut))
    record("jieba.posseg", "cut and tag", min_seconds=min_seconds, run=each(pos_tokenizer.lcut))
    record("rjieba.cut", "cut", min_seconds=min_seconds, run=each(lambda doc: rj.cut(doc, True)))
    record("rjieba.tag", "cut and tag", min_seconds=min_seconds, run=each(lambda doc: rj.tag(doc, True)))
    for backend in ("jieba", "rjieba"):
        # a new Segmenter (empty caches) for each timed run, built before the clock starts
        record(
            f"Segmenter.tokens ({backend}, 1 process)",
            "cut, tag and filters",
            min_seconds=min_seconds,
            run=tokens,
            prepare=lambda backend=backend: Segmenter(params, backend=backend).tokens,
        )
        what = "stage 2's segmentation: building the Segmenter(s), worker processes, filters, interning"
        serial = record(
            f"segment_texts ({backend}, 1 process)",
            what,
            min_seconds=stage_seconds,
            run=lambda state, docs, backend=backend: segment_texts(docs, dict(params, backend=backend, processes=1)),
        )
        record(
            f"segment_texts ({backend}, 2 processes)",
            what,
            min_seconds=stage_seconds,
            repetitions=serial["repetitions"],
            run=lambda state, docs, backend=backend: segment_texts(docs, dict(params, backend=backend, processes=2)),
        )
    base = rows["jieba.posseg"]["mb_per_s"]
    for row in rows.values():
        row["times_jieba_posseg"] = round(row["mb_per_s"] / base, 1)
    return rows


# --------------------------------------------------------------------------- report


def markdown(result: dict) -> str:
    lines = [
        "# Segmentation backends: agreement and speed",
        "",
        f"`benchmarks/segmentation_agreement.py`, {result['date']}; jieba {result['versions']['jieba']}, "
        f"rjieba {result['versions']['rjieba']}, Python {result['versions']['python']}, "
        f"{result['machine']['cpus']} CPUs. jieba.posseg (the `jieba` backend) is the reference; "
        "both backends use the project's user dictionary and filters.",
        "",
        "Texts: (a) **seed**: the seed corpus paragraphs; (b) **mixed**: "
        + ", ".join(
            f"{name} ({part['documents']} docs, {part['megabytes']} MB)"
            for name, part in result["texts"]["parts"].items()
        )
        + ".",
        "",
        "## Agreement",
        "",
        "| | (a) seed | (b) mixed |",
        "| --- | --- | --- |",
    ]
    a, b = result["agreement"]["seed"], result["agreement"]["mixed"]

    def row(label, get):
        lines.append(f"| {label} | {get(a)} | {get(b)} |")

    row("paragraphs / MB", lambda r: f"{r['paragraphs']} / {r['megabytes']}")
    for key, label in (
        ("posseg_vs_rjieba_tag", "posseg vs rjieba.tag"),
        ("lcut_vs_rjieba_cut", "jieba.lcut vs rjieba.cut"),
    ):
        for unit in ("boundaries", "words"):
            row(
                f"{label}: {unit} P / R / F1",
                lambda r, key=key, unit=unit: "{precision:.4f} / {recall:.4f} / {f1:.4f}".format(**r[key][unit]),
            )
        row(f"{label}: paragraphs cut identically", lambda r, key=key: f"{r[key]['paragraphs_cut_identically']:.4f}")
    row(
        "POS tags equal (words cut identically)",
        lambda r: f"{r['pos_agreement']['agreement']:.4f} of {r['pos_agreement']['words_cut_identically']}",
    )
    row("kept tokens P / R / F1", lambda r: "{precision:.4f} / {recall:.4f} / {f1:.4f}".format(**r["kept_tokens"]))
    row(
        "paragraphs with identical kept tokens", lambda r: f"{r['kept_tokens']['paragraphs_with_identical_tokens']:.4f}"
    )
    lines += [
        "",
        "## Kinds of differences (stretches cut differently, text b)",
        "",
        "| kind | count | share | examples (jieba → rjieba) |",
        "| --- | --- | --- | --- |",
    ]
    for kind, info in b["differences"]["by_kind"].items():
        shown = "; ".join(f"{e['jieba']} → {e['rjieba']}" for e in info["examples"][:4])
        lines.append(f"| {kind} | {info['count']} | {info['share']:.2%} | {shown} |")
    lines += [
        "",
        "Most frequent tag disagreements on words cut identically (text b): "
        + ", ".join(
            f"{d['jieba']}→{d['rjieba']} {d['count']} ({' '.join(d['examples'][:3])})"
            for d in b["pos_agreement"]["disagreements"][:8]
        )
        + ".",
        "",
        "## Throughput",
        "",
        "| method | (a) seed: MB/s | × jieba.posseg | (b) mixed: MB/s | × jieba.posseg |",
        "| --- | --- | --- | --- | --- |",
    ]
    seed_rows, mixed_rows = result["throughput"]["seed"], result["throughput"]["mixed"]
    for name in seed_rows:
        s_row, m_row = seed_rows[name], mixed_rows[name]
        lines.append(
            f"| {name} | {s_row['mb_per_s']:.3f} | {s_row['times_jieba_posseg']} | "
            f"{m_row['mb_per_s']:.3f} | {m_row['times_jieba_posseg']} |"
        )
    loads = [row["load_average_before"] for rows in result["throughput"].values() for row in rows.values()]
    parts = result["texts"]["parts"]
    generated_share = parts["generated documents"]["megabytes"] / max(sum(p["megabytes"] for p in parts.values()), 1e-9)
    lines += [
        "",
        "MB = 10^6 bytes of UTF-8; each number is the fastest of "
        f"{result['settings']['repeat']} timed runs of at least "
        f"{result['settings']['min_seconds']} s over the text repeated (`segment_texts`: at least "
        f"{result['settings']['stage_seconds']} s with 1 process, the same input with 2). `Segmenter.tokens` "
        "starts with empty caches (Segmenter built before the clock); `segment_texts` is stage 2's "
        "segmentation as `segment_corpus` runs it: building the Segmenter(s), forking the workers, "
        f"filters and interning. Text (b) is {generated_share:.0%} generated dictionary words, which "
        "jieba.posseg cuts without its slow part-of-speech HMM: (a), real text, is the realistic one for speed. "
        f"1-minute load average before the runs: {min(loads)}–{max(loads)} on {result['machine']['cpus']} CPUs.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", type=int, default=10000, help="generated documents in text (b) (default 10000)")
    parser.add_argument("--min-seconds", type=float, default=2.0, help="least time of each timed run (default 2)")
    parser.add_argument(
        "--stage-seconds",
        type=float,
        default=6.0,
        help="least time of the serial segment_texts runs (default 6); the 2-process run gets the same input",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs per number, the fastest counts (default 3: the machine may be shared)",
    )
    parser.add_argument("--no-throughput", action="store_true", help="agreement only")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the json and md files")
    args = parser.parse_args(argv)

    from zhtopics.params import load_params
    from zhtopics.segment import Segmenter, parse_userdict_entry, read_word_list

    load_start = os.getloadavg()[0]
    params = load_params(Path(__file__).resolve().parents[1] / "params.yaml")  # the seed study's
    segment_params = params.segment
    print("texts ...", flush=True)
    texts = build_texts(params, args.generated)
    jieba_seg = Segmenter(segment_params, backend="jieba")
    rjieba_seg = Segmenter(segment_params, backend="rjieba")
    entries = read_word_list(segment_params.userdict) if segment_params.userdict is not None else []
    userdict = {parse_userdict_entry(entry)[0] for entry in entries}
    frequencies = {
        word: [int(jieba_seg.tokenizer.FREQ.get(word, 0)), freq] for word, freq in rjieba_seg.userdict_freqs.items()
    }
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "versions": {
            "python": platform.python_version(),
            "jieba": metadata.version("jieba"),
            "rjieba": metadata.version("rjieba"),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_start": round(load_start, 2),
        },
        "settings": {
            "generated": args.generated,
            "min_seconds": args.min_seconds,
            "stage_seconds": args.stage_seconds,
            "repeat": args.repeat,
        },
        "texts": {"parts": texts["parts"], "po_files": texts["po_files"], "generator": texts["generator"]},
        "userdict": {
            "entries": len(entries),
            "frequency_jieba_vs_rjieba": {
                "equal": sum(a == b for a, b in frequencies.values()),
                "differ": {word: pair for word, pair in frequencies.items() if pair[0] != pair[1]},
            },
            "kept_whole": userdict_whole(texts["mixed"], {"jieba": jieba_seg, "rjieba": rjieba_seg}, userdict),
        },
    }
    print("agreement ...", flush=True)
    result["agreement"] = {
        "seed": agreement(texts["seed"], jieba_seg, rjieba_seg, userdict),
        "mixed": agreement(texts["mixed"], jieba_seg, rjieba_seg, userdict),
    }
    by_part = {}
    for part in texts["parts"]:
        part_texts = [text for text, name in zip(texts["mixed"], texts["part_of"]) if name == part]
        if part_texts and part != "seed paragraphs":
            by_part[part] = agreement(part_texts, jieba_seg, rjieba_seg, userdict, examples=4)
    result["agreement_by_part"] = by_part
    if not args.no_throughput:
        result["throughput"] = {}
        for name in ("seed", "mixed"):
            print(f"throughput on text {name} ...", flush=True)
            result["throughput"][name] = throughput(
                texts[name], segment_params, args.min_seconds, args.stage_seconds, args.repeat
            )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "segmentation_agreement.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if "throughput" in result:
        (args.out / "segmentation_agreement.md").write_text(markdown(result), encoding="utf-8")
    print(f"wrote {args.out / 'segmentation_agreement.json'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
