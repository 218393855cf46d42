"""The measurement behind ``params.yaml``'s ``infer`` thresholds (zhtopics infer's low_confidence flag).

A planted corpus (:mod:`benchmarks.generate`) is run through the pipeline with one engine
at its planted K; its final model is then applied (``zhtopics infer``) to three sets of
documents it never saw:

- ``same_topics``: later documents of the same generator (same words, same topics);
- ``other_words``: documents of a generator with another seed (other words, other topics);
- ``seed_paragraphs``: the seed corpus's real paragraphs (WeChat e-commerce).

It also records ``seed_training_known_share``: the share of each seed paragraph's tokens
that the seed run's own vocabulary keeps (``filter_extremes`` of a small corpus drops its
rare words), the in-domain reference for real text.

For each set and engine it records the quantiles of ``known_share``, ``n_tokens`` (known
tokens) and ``entropy``, and the share of rows each criterion flags under the packaged
thresholds. Written to ``benchmarks/results/infer_confidence.json``::

    PYTHONPATH=src .venv/bin/python benchmarks/infer_confidence.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

from benchmarks.generate import PlantedModel  # noqa: E402
from zhtopics.cli import main  # noqa: E402
from zhtopics.ingest import prepare_corpus  # noqa: E402
from zhtopics.params import load_params  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "infer_confidence.json"
SEED_FILE = ROOT / "data" / "raw" / "wechat_ecommerce_failure_articles.txt"
K, TRAIN, HELD_OUT, OTHER = 6, 600, 200, 200
GENERATOR = {"doc_chars": 80, "vocabulary_size": 300}
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def _table(texts: list[str], path: Path) -> Path:
    pd.DataFrame({"id": [f"x{i}" for i in range(len(texts))], "content": texts}).to_csv(path, index=False)
    return path


def _describe(frame: pd.DataFrame) -> dict:
    out = {"documents": len(frame)}
    for column in ("known_share", "n_tokens", "entropy", "top_share"):
        values = frame[column].dropna().to_numpy(dtype=float)
        out[column] = {str(q): round(float(np.quantile(values, q)), 4) for q in QUANTILES} if len(values) else {}
    reasons = frame["low_confidence_reason"].fillna("")
    for reason in ("no known word", "few known words", "mostly unknown words", "flat"):
        out[f"flagged {reason}"] = round(float(reasons.str.contains(reason).mean()), 4)
    out["flagged"] = round(float(frame["low_confidence"].mean()), 4)
    return out


def seed_known_share(work: Path) -> dict:
    """Quantiles of n_in_dictionary / n_tokens over the seed corpus's paragraphs (its own run's vocabulary)."""
    from zhtopics.ingest import write_prepared
    from zhtopics.paths import OutputPaths
    from zhtopics.segment import segment_corpus

    params = load_params(ROOT / "params.yaml")
    paths = OutputPaths(work / "seed_run")
    write_prepared(prepare_corpus(SEED_FILE, params.corpus), paths)
    segment_corpus(paths, params.segment)
    tokens = pd.read_parquet(paths.tokens, columns=["n_tokens", "n_in_dictionary"])
    tokens = tokens[tokens["n_tokens"] > 0]
    share = (tokens["n_in_dictionary"] / tokens["n_tokens"]).to_numpy()
    return {
        "documents": len(share),
        "known_share": {str(q): round(float(np.quantile(share, q)), 4) for q in QUANTILES},
        "below_min_known_share": round(float((share < load_params().infer.min_known_share).mean()), 4),
    }


def measure(work: Path) -> dict:
    model = PlantedModel(k=K, seed=11, **GENERATOR)
    texts = [t for batch in model.batches(TRAIN + HELD_OUT) for t in batch.texts]
    other = [t for batch in PlantedModel(k=K, seed=12, **GENERATOR).batches(OTHER) for t in batch.texts]
    seed = prepare_corpus(SEED_FILE, load_params(ROOT / "params.yaml").corpus).documents["text"].tolist()
    sets = {
        "same_topics": _table(texts[TRAIN:], work / "same.csv"),
        "other_words": _table(other, work / "other.csv"),
        "seed_paragraphs": _table(seed, work / "seed.csv"),
    }
    train = _table(texts[:TRAIN], work / "train.csv")
    results = {"generator": {**GENERATOR, "k": K, "train": TRAIN}, "thresholds": {}, "engines": {}}
    results["seed_training_known_share"] = seed_known_share(work)
    for engine in ("tomotopy", "dmm", "gensim"):
        config = work / f"{engine}.yaml"
        config.write_text(f"sweep:\n  engines: [{engine}]\n  seeds: [1, 2]\n", encoding="utf-8")
        run = work / f"run_{engine}"
        argv = ["run", str(train), "--out", str(run), "--text-column", "content", "--id-column", "id"]
        assert main([*argv, "--k", str(K), "--config", str(config), "--no-report", "--no-figures", "-q"]) == 0
        results["engines"][engine] = {}
        for name, path in sets.items():
            out = work / f"infer_{engine}_{name}"
            assert main(["infer", str(run), str(path), "--out", str(out), "-q"]) == 0
            frame = pd.read_csv(
                out / "results" / "doc_topics.csv", keep_default_na=False, na_values={"known_share": [""]}
            )
            results["engines"][engine][name] = _describe(frame)
        results["thresholds"] = json.loads((out / "results" / "infer_summary.json").read_text())["thresholds"]
    return results


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        outcome = measure(Path(folder))
    RESULT.write_text(json.dumps(outcome, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULT}")
