"""Why the same gensim ``LdaModel`` recovers fewer planted topics inside zhtopics than in the tutorial.

Issue 13 measured, on 10^5 planted documents (K = 20, passes 2, iterations 50, chunksize
2000), NMI 0.776 for ``zhtopics run --k 20`` with the gensim config against 0.822 for the
tutorial pipeline (``benchmarks/peers/tutorial.py``). Both fit the same model class with the
same settings; what differs is everything before it. This script changes one factor at a
time, on the same corpus, and fits the same model on each variant's tokens with
:func:`fit_lda` (the tutorial's own Dictionary → ``filter_extremes(2, 0.5)`` → ``LdaModel``
→ ``get_document_topics`` code) under several seeds:

- ``zhtopics run`` itself (its ``doc_topics.csv``), and zhtopics' tokens
  (``tokens.parquet``) refitted with :func:`fit_lda`: the model wrapper, the sweep and the
  consensus (one seed: the sweep's model) against the tokens;
- the tutorial's tokens (``jieba.lcut`` + stopwords-iso);
- zhtopics' tokens from the code issue 13 measured (git 514b44c, the 10^5 rows of
  ``end_to_end.json``; its run folder is made by hand, see :func:`read_tokens`), and
  today's segmentation with that code's part-of-speech set (before commit 0555778 added
  j l s t b);
- zhtopics' segmentation with one filter turned off at a time: the part-of-speech filter
  (``segment.allowed_pos``), the length filter (``segment.min_token_chars``), both; the
  jieba backend instead of rjieba;
- the tutorial's tokens with one of zhtopics' filters added: words of 2+ characters;
  stopwords-iso plus zhtopics' packaged stop words; rjieba's cut instead of jieba's;
- document order (zhtopics' rows against the generated order) and the documents prepare
  drops (duplicates) are reported, not refitted, when they do not differ.

For every variant: tokens per document, Dictionary size, the share of planted words the
Dictionary keeps, the share of token occurrences that are planted words, and the NMI of the
dominant topics with the planted ones for each seed (mean and standard deviation).

Writes ``benchmarks/results/recovery_gap.json`` and ``recovery_gap.md`` (from the JSON,
:func:`render`). ``--render-only`` re-renders the Markdown. Run with ``nice``: about 15
minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.recovery import document_recovery  # noqa: E402

logger = logging.getLogger(__name__)
RESULTS = ROOT / "benchmarks" / "results" / "recovery_gap"
WORK = ROOT / "benchmarks" / "data" / "work"
N_DOCS = 10**5
SEEDS = (1, 2, 3)
#: ``segment.allowed_pos`` when issue 13's numbers were measured (end_to_end.json's 10^5 rows, git
#: 514b44c); commit 0555778 added j l s t b.
OLD_COMMIT = "514b44c"
OLD_ALLOWED_POS = ("n", "nr", "ns", "nt", "nz", "v", "vn", "a", "an")


def fit_lda(tokens: list[list[str]], k: int, seed: int, gensim: dict) -> tuple[np.ndarray, dict]:
    """The tutorial's modelling steps on given tokens: Dictionary, ``filter_extremes(2, 0.5)``,
    ``LdaModel`` and each document's largest topic (-1 for a document without tokens)."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    dictionary = Dictionary(tokens)
    dictionary.filter_extremes(no_below=2, no_above=0.5)
    bow = [dictionary.doc2bow(doc) for doc in tokens]
    lda = LdaModel(bow, id2word=dictionary, num_topics=k, random_state=seed, **gensim)
    dominant = np.full(len(bow), -1, dtype=np.int64)
    for row, doc in enumerate(bow):
        if doc:
            dominant[row] = max(lda.get_document_topics(doc, minimum_probability=0.0), key=lambda p: p[1])[0]
    return dominant, {"dictionary": len(dictionary), "token2id": dictionary.token2id, "bow": bow}


def describe(tokens: list[list[str]], dictionary_info: dict, planted: set[str]) -> dict:
    """Sizes of a variant: tokens per document, Dictionary, planted words kept and their share."""
    token2id = dictionary_info["token2id"]
    id2token = {i: t for t, i in token2id.items()}
    kept = sum(count for doc in dictionary_info["bow"] for _, count in doc)
    planted_kept = sum(count for doc in dictionary_info["bow"] for i, count in doc if id2token[i] in planted)
    return {
        "tokens_per_document": round(sum(map(len, tokens)) / max(len(tokens), 1), 2),
        "tokens_in_dictionary_per_document": round(kept / max(len(tokens), 1), 2),
        "dictionary": dictionary_info["dictionary"],
        "planted_words_in_dictionary": round(len(planted & set(token2id)) / len(planted), 4),
        "share_of_dictionary_tokens_planted": round(planted_kept / max(kept, 1), 4),
        "documents_without_tokens": int(sum(1 for doc in dictionary_info["bow"] if not doc)),
    }


def zhtopics_run(corpus: Path, config: Path, out: Path) -> dict:
    """``zhtopics run corpus --k 20 --config config`` into ``out`` (reused when it finished before)."""
    if not (out / "results" / "doc_topics.csv").exists():
        command = [sys.executable, "-m", "zhtopics", "run", str(corpus), "--out", str(out), "--text-column", "text"]
        command += ["--k", "20", "--config", str(config), "--no-figures", "--no-report"]
        subprocess.run(command, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    return {"out": str(out.relative_to(ROOT)), "config": config.read_text(encoding="utf-8")}


def read_tokens(out: Path) -> list[list[str]]:
    """The tokens of a run folder (``tokens.parquet``), in its document order.

    The folder of the old code's run is made by hand (see the module docstring):
    ``git archive 514b44c src | tar -x -C /tmp/old`` and ``PYTHONPATH=/tmp/old/src python -m
    zhtopics run <corpus> --out benchmarks/data/work/gap_old_514b44c --text-column text --k 20
    --config benchmarks/data/work/bench_gensim.yaml --no-figures --no-report``.
    """
    import pyarrow.parquet as pq

    path = out / "data" / "processed" / "tokens.parquet"
    if not path.exists():
        raise SystemExit(f"{path}: not found (make the old code's run first; see read_tokens)")
    return [list(tokens) for tokens in pq.read_table(path, columns=["tokens"]).column("tokens").to_pylist()]


def segment_variant(texts: list[str], normalizer, **changes) -> list[list[str]]:
    """zhtopics' Segmenter (packaged ``segment`` defaults) with ``changes`` to its parameters."""
    from zhtopics.params import load_params
    from zhtopics.segment import Segmenter

    params = dataclasses.replace(load_params().segment, **{k: v for k, v in changes.items() if k != "backend"})
    segmenter = Segmenter(params, backend=changes.get("backend"), normalizer=normalizer)
    return [segmenter.tokens(text) for text in texts]


def tutorial_tokens(texts: list[str], cut: str = "jieba", min_chars: int = 1, zhtopics_stopwords: bool = False):
    """The tutorial's tokens: ``jieba.lcut`` (or rjieba's cut), minus whitespace and stopwords-iso."""
    import jieba
    import stopwordsiso

    jieba.setLogLevel(logging.WARNING)
    stopwords = set(stopwordsiso.stopwords("zh"))
    if zhtopics_stopwords:
        from zhtopics.params import load_params
        from zhtopics.segment import load_stopwords

        stopwords |= load_stopwords(load_params().segment)
    if cut == "rjieba":
        import rjieba

        tokenizer = rjieba.Jieba()

        def lcut(text):
            return tokenizer.cut(text, True)
    else:
        lcut = jieba.lcut
    return [[w for w in lcut(text) if w.strip() and w not in stopwords and len(w) >= min_chars] for text in texts]


def measure(args, save) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq

    from benchmarks.run import BENCH_CONFIG, K, corpus_for
    from zhtopics.ingest import TextNormalizer

    corpus, truth, _ = corpus_for(args.docs)
    gensim = BENCH_CONFIG["gensim"]["engines"]["gensim"]
    config = WORK / "bench_gensim.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    import yaml

    config.write_text(yaml.safe_dump(BENCH_CONFIG["gensim"], sort_keys=False), encoding="utf-8")
    out = WORK / f"gap_zhtopics_gensim_{args.docs}"
    started_all = time.perf_counter()
    load_before = os.getloadavg()
    run = zhtopics_run(corpus, config, out)

    texts = pd.read_csv(corpus, usecols=["text"], dtype={"text": str}, keep_default_na=False)["text"].tolist()
    documents = pq.read_table(out / "data" / "interim" / "documents.parquet")
    gen_id = documents.column("gen_id").to_numpy().astype(np.int64)
    normalizer = TextNormalizer.from_record(documents.schema.metadata)
    doc_topics = pd.read_csv(out / "results" / "doc_topics.csv", usecols=["gen_id", "dominant_topic"])
    zh_tokens_table = pq.read_table(out / "data" / "processed" / "tokens.parquet").to_pandas()
    token_column = "tokens" if "tokens" in zh_tokens_table else zh_tokens_table.columns[-1]
    zh_tokens = [list(t) for t in zh_tokens_table[token_column]]
    planted = set(truth.vocabulary)
    planted_topic = truth.planted_topic

    def nmi_of(rows: np.ndarray, dominant: np.ndarray) -> float:
        return document_recovery(planted_topic[rows], dominant)["nmi"]

    result = {
        "corpus": str(corpus.relative_to(ROOT)),
        "documents": args.docs,
        "k": K,
        "gensim": gensim,
        "seeds": list(args.seeds),
        "zhtopics_run": {
            **run,
            "nmi": nmi_of(doc_topics["gen_id"].to_numpy(), doc_topics["dominant_topic"].to_numpy()),
            "seed": BENCH_CONFIG["gensim"]["sweep"]["seeds"][0],
        },
        "zhtopics_run_old_code": None,
        "documents_kept_by_prepare": int(len(gen_id)),
        "zhtopics_order_is_generated_order": bool(np.array_equal(gen_id, np.sort(gen_id))),
        "zhtopics_tokens_column": token_column,
        "variants": [],
    }
    old = WORK / f"gap_old_{OLD_COMMIT}" / "results" / "doc_topics.csv"
    if old.exists():
        old_topics = pd.read_csv(old, usecols=["gen_id", "dominant_topic"])
        result["zhtopics_run_old_code"] = {
            "commit": OLD_COMMIT,
            "out": str(old.parents[1].relative_to(ROOT)),
            "nmi": nmi_of(old_topics["gen_id"].to_numpy(), old_topics["dominant_topic"].to_numpy()),
        }
    result["written"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    result["seconds"] = None
    result["load_average_before"] = [round(x, 2) for x in load_before]
    prepared_texts = [texts[i] for i in gen_id]
    variants = [
        ("zhtopics tokens (tokens.parquet), zhtopics' rows", "zhtopics", lambda: zh_tokens, gen_id),
        (
            f"zhtopics tokens of git {OLD_COMMIT} (the code of issue 13's 0.776)",
            "zhtopics",
            lambda: read_tokens(WORK / f"gap_old_{OLD_COMMIT}"),
            gen_id,
        ),
        (
            "zhtopics segmentation recomputed (check: same tokens)",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer),
            gen_id,
        ),
        (
            "zhtopics without the POS filter (allowed_pos: [])",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer, allowed_pos=[]),
            gen_id,
        ),
        (
            "zhtopics with the POS set before 0555778 (n nr ns nt nz v vn a an)",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer, allowed_pos=list(OLD_ALLOWED_POS)),
            gen_id,
        ),
        (
            "zhtopics without the length filter (min_token_chars: 1)",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer, min_token_chars=1),
            gen_id,
        ),
        (
            "zhtopics without POS and length filters",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer, allowed_pos=[], min_token_chars=1),
            gen_id,
        ),
        (
            "zhtopics with backend jieba (jieba.posseg)",
            "zhtopics",
            lambda: segment_variant(prepared_texts, normalizer, backend="jieba"),
            gen_id,
        ),
        ("tutorial tokens (jieba.lcut + stopwords-iso)", "tutorial", lambda: tutorial_tokens(texts), None),
        (
            "tutorial tokens, zhtopics' rows (documents prepare kept)",
            "tutorial",
            lambda: tutorial_tokens(prepared_texts),
            gen_id,
        ),
        ("tutorial + words of 2+ characters", "tutorial", lambda: tutorial_tokens(texts, min_chars=2), None),
        (
            "tutorial + zhtopics' packaged stop words",
            "tutorial",
            lambda: tutorial_tokens(texts, zhtopics_stopwords=True),
            None,
        ),
        ("tutorial with rjieba's cut", "tutorial", lambda: tutorial_tokens(texts, cut="rjieba"), None),
    ]
    reference_tokens = None
    for name, family, make, rows in variants:
        if args.only and not any(part in name for part in args.only):
            continue
        rows = np.arange(len(texts)) if rows is None else rows
        started = time.perf_counter()
        tokens = make()
        tokenize_seconds = time.perf_counter() - started
        if name.startswith("zhtopics tokens (tokens.parquet)"):
            reference_tokens = tokens
        row = {"variant": name, "family": family, "tokenize_seconds": round(tokenize_seconds, 1), "nmi": {}}
        if name.startswith("zhtopics segmentation recomputed") and reference_tokens is not None:
            row["same_tokens_as_tokens_parquet"] = tokens == reference_tokens
        if name.startswith("zhtopics tokens of git"):
            current = reference_tokens if reference_tokens is not None else read_tokens(out)
            row["documents_with_other_tokens_than_today"] = int(sum(a != b for a, b in zip(tokens, current)))
        for seed in args.seeds:
            started = time.perf_counter()
            dominant, info = fit_lda(tokens, K, seed, gensim)
            row["nmi"][str(seed)] = nmi_of(rows, dominant)
            row.setdefault("fit_seconds", []).append(round(time.perf_counter() - started, 1))
            print(f"  {name}, seed {seed}: NMI {row['nmi'][str(seed)]}", flush=True)
        row.update(describe(tokens, info, planted))
        values = np.array(list(row["nmi"].values()))
        row["nmi_mean"] = round(float(values.mean()), 4)
        row["nmi_sd"] = round(float(values.std(ddof=1)), 4) if len(values) > 1 else None
        result["variants"].append(row)
        save(result)  # after every variant: a long run interrupted keeps what it measured
    result["seconds"] = round(time.perf_counter() - started_all, 1)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    save(result)
    return result


def render(result: dict) -> str:
    """``recovery_gap.md`` from the JSON: the variants' sizes and NMI per seed."""
    seeds = result["seeds"]
    run = result["zhtopics_run"]
    lines = [
        "# Recovery gap: the same LdaModel inside zhtopics and in the tutorial",
        "",
        "Written by `benchmarks/recovery_gap.py` from `recovery_gap.json` (do not edit by hand). "
        f"Corpus `{result['corpus']}` ({result['documents']:,} planted documents, K = {result['k']}); every variant "
        f"is fitted with the tutorial's modelling code (Dictionary, `filter_extremes(2, 0.5)`, `LdaModel` with "
        f"{', '.join(f'{k} {v}' for k, v in result['gensim'].items())}) under seeds {', '.join(map(str, seeds))}. "
        "NMI: dominant topic against the planted one (documents without tokens count as a cluster of their own).",
        "",
        f"- `zhtopics run --k {result['k']}` (gensim config, seed {run['seed']}): NMI **{run['nmi']:.3f}**.",
        *(
            [
                f"- The same command with the code of git {old['commit']} (issue 13's measurement; `{old['out']}`): "
                f"NMI **{old['nmi']:.3f}**."
            ]
            if (old := result.get("zhtopics_run_old_code"))
            else []
        ),
        f"- Documents kept by prepare: {result['documents_kept_by_prepare']:,} of {result['documents']:,}; "
        f"zhtopics keeps the generated order: {'yes' if result['zhtopics_order_is_generated_order'] else 'no'}.",
        "",
        "| variant | tokens/doc | in Dictionary/doc | Dictionary | planted words kept | planted share of tokens | "
        + " | ".join(f"NMI seed {s}" for s in seeds)
        + " | NMI mean ± sd | mean − zhtopics tokens' |",
        "| --- | --- | --- | --- | --- | --- | " + " | ".join("---" for _ in seeds) + " | --- | --- |",
    ]
    reference = _reference(result)
    for row in result["variants"]:
        sd = f" ± {row['nmi_sd']:.3f}" if row.get("nmi_sd") is not None else ""
        lines.append(
            f"| {row['variant']} | {row['tokens_per_document']:.1f} | {row['tokens_in_dictionary_per_document']:.1f} | "
            f"{row['dictionary']:,} | {row['planted_words_in_dictionary']:.2%} | "
            f"{row['share_of_dictionary_tokens_planted']:.2%} | "
            + " | ".join(f"{row['nmi'].get(str(s), float('nan')):.3f}" for s in seeds)
            + f" | {row['nmi_mean']:.3f}{sd} | "
            + (f"{row['nmi_mean'] - reference['nmi_mean']:+.3f}" if reference else "—")
            + " |"
        )
    check = next((r for r in result["variants"] if "same_tokens_as_tokens_parquet" in r), None)
    if check is not None:
        lines += [
            "",
            "The recomputed zhtopics segmentation gives "
            + ("the same tokens as" if check["same_tokens_as_tokens_parquet"] else "**other tokens than**")
            + " the run's `tokens.parquet`.",
        ]
    lines += [
        "",
        f"Written {result['written']}; "
        + (f"{result['seconds']:.0f} s; " if result.get("seconds") else "interrupted or in progress; ")
        + f"load average before {result['load_average_before']}, after {result.get('load_average_after', '—')} "
        "(2 shared cores). Variants with a `from_run` in the JSON come from an earlier run of the script (`--only`).",
    ]
    lines += ["", "## What the numbers say", "", *findings(result)]
    return "\n".join(lines) + "\n"


def _reference(result: dict) -> dict | None:
    return next((r for r in result["variants"] if r["variant"].startswith("zhtopics tokens (tokens.parquet)")), None)


def findings(result: dict) -> list[str]:
    """Sentences built from the measured numbers (nothing here is typed by hand)."""
    lines = []
    reference = _reference(result)
    run, old = result["zhtopics_run"], result.get("zhtopics_run_old_code")
    by_name = {row["variant"]: row for row in result["variants"]}
    old_tokens = next((r for r in result["variants"] if r["variant"].startswith("zhtopics tokens of git")), None)
    if old and old_tokens and reference:
        lines.append(
            f"- Reproduced: the code of git {old['commit']} gives NMI {old['nmi']:.3f} (seed {run['seed']}), today's "
            f"{run['nmi']:.3f}. Their tokens differ in {old_tokens.get('documents_with_other_tokens_than_today', '?')} "
            f"of {result['documents_kept_by_prepare']:,} documents; refitted under seeds "
            f"{', '.join(map(str, result['seeds']))}, the old tokens give {old_tokens['nmi_mean']:.3f} ± "
            f"{old_tokens['nmi_sd'] or 0:.3f} and today's {reference['nmi_mean']:.3f} ± {reference['nmi_sd'] or 0:.3f}."
        )
    if reference and run["nmi"] is not None:
        seed = str(run["seed"])
        if seed in reference["nmi"]:
            lines.append(
                f"- The model wrapper: zhtopics' own run (sweep, consensus of one seed) gives {run['nmi']:.3f}; the "
                f"tutorial's modelling code on zhtopics' tokens under the same seed {reference['nmi'][seed]:.3f}."
            )
    tutorial = by_name.get("tutorial tokens (jieba.lcut + stopwords-iso)")
    if tutorial and reference:
        spread = max(reference["nmi_sd"] or 0, tutorial["nmi_sd"] or 0)
        difference = tutorial["nmi_mean"] - reference["nmi_mean"]
        lines.append(
            f"- Tutorial against zhtopics tokens, same modelling code, mean over seeds: {tutorial['nmi_mean']:.3f} "
            f"against {reference['nmi_mean']:.3f} ({difference:+.3f}); the larger seed standard deviation is "
            f"{spread:.3f}, so the difference is {abs(difference) / spread if spread else float('inf'):.1f} of them."
        )
    if reference:
        others = [row for row in result["variants"] if row is not reference and row is not old_tokens]
        if others:
            largest = max(others, key=lambda row: abs(row["nmi_mean"] - reference["nmi_mean"]))
            lines.append(
                f"- Largest change of one factor against zhtopics' tokens: {largest['variant']} "
                f"({largest['nmi_mean'] - reference['nmi_mean']:+.3f} in mean NMI)."
            )
    for seed in [str(run["seed"])]:
        values = [row["nmi"][seed] for row in result["variants"] if seed in row["nmi"]]
        if len(values) > 1:
            lengths = [row["tokens_per_document"] for row in result["variants"]]
            lines.append(
                f"- Under seed {seed} alone, the {len(values)} variants (tokens per document "
                f"{min(lengths):.1f}–{max(lengths):.1f}) range from NMI {min(values):.3f} to {max(values):.3f}: "
                f"one seed cannot tell two pipelines apart by less than {max(values) - min(values):.3f}."
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=N_DOCS)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--only", nargs="+", help="run only the variants whose name contains one of these")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results stem (.json and .md)")
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args(argv)
    json_path, md_path = args.out.with_suffix(".json"), args.out.with_suffix(".md")
    previous = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else None
    if args.render_only:
        result = previous
    else:

        def save(result: dict) -> None:
            """Write the JSON; with ``--only``, the previous file's other variants are kept (marked)."""
            merged = dict(result)
            if args.only and previous and previous.get("seeds") == result["seeds"]:
                names = {row["variant"] for row in result["variants"]}
                kept = [dict(row, from_run=previous.get("written")) for row in previous["variants"]]
                merged["variants"] = [row for row in kept if row["variant"] not in names] + result["variants"]
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

        measure(args, save)
        result = json.loads(json_path.read_text(encoding="utf-8"))
    md_path.write_text(render(result), encoding="utf-8")
    print(f"wrote {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
