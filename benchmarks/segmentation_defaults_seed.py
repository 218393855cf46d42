"""How the seed study's results change with the segmentation defaults: the real stages.

``zhtopics prepare``, ``segment`` and ``train`` run on ``data/raw`` with the project's
``params.yaml``, once with the previous segmentation defaults (``allowed_pos`` n nr ns nt
nz v vn a an and the previous stopword list, given in a config file) and once with the
packaged defaults, each in a temporary folder: at the seed study's K = 4 (``train --k 4``:
both engines, the consensus of their seeds, the engine with the better c_v), and, with
``full_sweep``, with the whole sweep and the model choice. Part ``seed_pipeline`` of
``benchmarks/segmentation_defaults.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BEFORE_POS = ["n", "nr", "ns", "nt", "nz", "v", "vn", "a", "an"]


def _zhtopics(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "zhtopics", *args, "-q"], check=True, cwd=ROOT)


def _outcome(folder: Path) -> dict:
    summary = json.loads((folder / "data" / "processed" / "segment_summary.json").read_text(encoding="utf-8"))
    choice = json.loads((folder / "results" / "model_choice.json").read_text(encoding="utf-8"))
    topics = pd.read_csv(folder / "results" / "topics.csv")
    top = topics[topics["rank"] <= 10].sort_values(["topic", "rank"]).groupby("topic")["word"].apply(list)
    vocabulary = [
        line.split("\t")[1]
        for line in (folder / "data" / "processed" / "dictionary.txt").read_text(encoding="utf-8").splitlines()[1:]
    ]
    return {
        "documents": summary["documents"],
        "tokens_kept": summary["tokens_kept"],
        "tokens_in_dictionary": summary["tokens_in_dictionary"],
        "vocabulary": summary["vocabulary"],
        "documents_without_tokens": len(summary["documents_without_tokens"]),
        "engine": choice["engine"],
        "k": choice["k"],
        "chosen_metric_mean": choice.get("chosen_metric_mean"),
        "chosen_stability": choice.get("chosen_stability"),
        "top_words": top.tolist(),
        "_vocabulary": vocabulary,
    }


def seed_pipeline(stopwords_before: Path, full_sweep: bool = False) -> dict:
    """Previous and packaged defaults through the real stages (module docstring)."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="zhtopics-segdefaults-") as temporary:
        temporary = Path(temporary)
        before = temporary / "before.yaml"
        before.write_text(
            json.dumps({"segment": {"allowed_pos": BEFORE_POS, "stopwords_file": str(stopwords_before)}}),
            encoding="utf-8",
        )
        configs = {"before": ["--config", "params.yaml", "--config", str(before)], "after": ["--config", "params.yaml"]}
        for name, config in configs.items():
            folder = temporary / name
            started = time.perf_counter()
            _zhtopics("prepare", "data/raw", "--out", str(folder), *config)
            _zhtopics("segment", "--out", str(folder), *config)
            _zhtopics("train", "--k", "4", "--out", str(folder), *config)
            result[f"{name}_k4"] = _outcome(folder)
            if full_sweep:
                _zhtopics("train", "--out", str(folder), *config)
                result[f"{name}_sweep"] = _outcome(folder)
            result[f"{name}_k4"]["seconds"] = round(time.perf_counter() - started, 1)
    old, new = set(result["before_k4"].pop("_vocabulary")), set(result["after_k4"].pop("_vocabulary"))
    for key in list(result):
        result[key].pop("_vocabulary", None)
    result["vocabulary_added"] = sorted(new - old)
    result["vocabulary_removed"] = sorted(old - new)
    return result
