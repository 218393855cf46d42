"""A small planted corpus run through the pipeline once, for the infer and validate tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.generate import PlantedModel, PlantedTruth
from zhtopics.cli import main

K, N_DOCS, OTHER_DOCS = 4, 400, 40
GENERATOR = {"doc_chars": 80, "vocabulary_size": 200}


@dataclass
class PlantedRun:
    """A run folder of a planted corpus, its input table, its truth and unseen texts."""

    folder: Path
    corpus: Path
    truth: PlantedTruth
    other_words: list[str]


def planted_run(folder: Path, engine: str = "tomotopy", extra_config: str = "", k: int = K, **generator) -> PlantedRun:
    """Generate ``N_DOCS`` documents with ``K`` planted topics (``id``, ``content``, ``group``,
    ``date`` columns), run the pipeline on them at K with ``engine`` (two seeds: a
    consensus), and generate ``OTHER_DOCS`` documents from other words (another generator
    seed)."""
    model = PlantedModel(k=K, seed=5, **GENERATOR)
    truth = model.empty_truth(N_DOCS)
    texts = []
    for batch in model.batches(N_DOCS):
        truth.theta[batch.start : batch.start + len(batch.texts)] = batch.theta
        truth.planted_topic[batch.start : batch.start + len(batch.texts)] = batch.planted_topic
        texts.extend(batch.texts)
    rng = np.random.default_rng(0)
    corpus = folder / "corpus.csv"
    pd.DataFrame(
        {
            "id": [f"d{i}" for i in range(N_DOCS)],
            "content": texts,
            "group": rng.choice(["weibo", "wechat", "forum"], N_DOCS),
            "date": pd.date_range("2020-01-01", periods=N_DOCS, freq="D").strftime("%Y-%m-%d"),
        }
    ).to_csv(corpus, index=False)
    config = folder / "config.yaml"
    config.write_text(f"sweep:\n  engines: [{engine}]\n  seeds: [1, 2]\n{extra_config}", encoding="utf-8")
    out = folder / "run"
    argv = ["run", str(corpus), "--out", str(out), "--text-column", "content", "--id-column", "id"]
    argv += ["--group-column", "group", "--k", str(k), "--config", str(config), "--no-report", "--no-figures", "-q"]
    assert main(argv) == 0
    other = [t for batch in PlantedModel(k=k, seed=6, **generator).batches(OTHER_DOCS) for t in batch.texts]
    return PlantedRun(out, corpus, truth, other)
