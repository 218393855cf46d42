"""Consensus across seeds: the evidence behind ``modeling/consensus.py`` and its thresholds.

Writes ``benchmarks/results/consensus.json`` (and prints a summary). Four parts:

1. ``comparison``: on planted corpora (made here, words known) and on the seed corpus,
   the NMI of dominant topics against the planted truth for: each single seed (mean, and
   the medoid seed), the medoid-alignment consensus (:mod:`zhtopics.modeling.consensus`),
   and co-assignment + average linkage (the team's prototype: the share of seeds in which
   two documents share a dominant topic, clustered with scipy's average linkage into K
   clusters). Also the NMI between the two consensus methods.
2. ``similarity``: the distribution of matched cosine similarities (each seed to the
   medoid) for reference topics that are planted topics and for those that are not (fitted
   with more topics than planted): where ``train.consensus.min_similarity`` comes from.
3. ``agreement``: on the same fits, how often the consensus dominant topic is right
   (after matching fitted topics to planted ones) at each level of seed agreement: where
   ``train.consensus.min_agreement`` comes from.
4. ``cost``: keeping every run's doc-topic matrix in the sweep cache versus fitting the
   chosen setting's seeds again in train: the cache's size after ``make run`` on the seed
   corpus (``--seed-run .``), and ``zhtopics train`` timed in three states of the cache on
   a larger prepared and segmented corpus (``--cost-folder``, ``--cost-config``).

Usage::

    nice .venv/bin/python benchmarks/consensus.py --seed-folder /tmp/seed
    nice .venv/bin/python benchmarks/consensus.py --parts cost --seed-run . \\
        --cost-folder /tmp/corpus_1e5 --cost-config /tmp/cost.yaml

``--seed-folder`` is an output folder where ``zhtopics prepare`` and ``segment`` ran on
``data/raw`` with the project's ``params.yaml``; the 10^5-document corpus is
``benchmarks/generate.py 100000`` prepared with ``--text-column text`` and segmented.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.recovery import normalized_mutual_info  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "consensus.json"
#: The packaged default engine and consensus parameters, read once (main).
ENGINE_PARAMS = None
CONSENSUS = None


# --------------------------------------------------------------------------- planted corpora


def planted_corpus(family: str, seed: int):
    """A planted corpus: (ModelInput, planted dominant topic per document, planted topic-word).

    Families (what the issue lists researchers bring):

    - ``paragraphs``: 200 documents of about 25 tokens, 8 themes; each document takes 80% of
      its theme words from its own theme and 20% from one other; theme vocabularies overlap
      (each theme shares a quarter of its 40 words with the next); 20% shared background.
    - ``posts``: 2000 documents of 8-20 tokens, 10 themes, one theme each; same overlap,
      15% background.
    - ``mixtures``: 300 LDA-style documents of 40 tokens, theta ~ Dirichlet(0.3), 6 topics.
    """
    from gensim.corpora import Dictionary

    from zhtopics.modeling import ModelInput

    rng = np.random.default_rng(seed)
    k, n_docs = {"paragraphs": (8, 200), "posts": (10, 2000), "mixtures": (6, 300)}[family]
    words_per_theme, n_background = 40, 60
    vocabulary_size = k * words_per_theme + n_background
    phi = np.zeros((k, vocabulary_size))
    for t in range(k):
        own = np.arange(t * words_per_theme, (t + 1) * words_per_theme)
        shared = ((t + 1) % k) * words_per_theme + np.arange(words_per_theme // 2)
        support = np.concatenate([own, shared])
        phi[t, support] = rng.dirichlet(np.full(len(support), 0.5))
    background = rng.dirichlet(np.full(n_background, 1.0))
    noise = {"paragraphs": 0.35, "posts": 0.3, "mixtures": 0.2}[family]
    texts, planted = [], []
    for _d in range(n_docs):
        if family == "mixtures":
            theta = rng.dirichlet(np.full(k, 0.3))
            length = 40
        elif family == "paragraphs":
            theta = np.zeros(k)
            main, other = rng.choice(k, size=2, replace=False)
            theta[main], theta[other] = 0.7, 0.3
            length = int(rng.integers(18, 33))
        else:
            theta = np.eye(k)[rng.integers(k)]
            length = int(rng.integers(8, 21))
        z = rng.choice(k, size=length, p=theta)
        is_noise = rng.random(length) < noise
        words = np.array([rng.choice(vocabulary_size, p=phi[t]) for t in z])
        words[is_noise] = k * words_per_theme + rng.choice(n_background, size=is_noise.sum(), p=background)
        counts = np.bincount(z[~is_noise], minlength=k)
        planted.append(int(np.lexsort((-theta, -counts))[0]))
        texts.append([f"w{w}" for w in words])
    dictionary = Dictionary(texts)
    data = ModelInput(dictionary, texts, [f"d{i}" for i in range(n_docs)])
    columns = np.array([dictionary.token2id.get(f"w{w}", -1) for w in range(vocabulary_size)])
    truth_phi = np.zeros((k, len(dictionary)))
    kept = columns >= 0
    truth_phi[:, columns[kept]] = phi[:, kept]
    return data, np.array(planted), truth_phi


# --------------------------------------------------------------------------- methods


def fit_seeds(data, k: int, seeds: list[int], engine: str = "tomotopy"):
    """Fit ``engine`` with the packaged default parameters under each seed."""
    from zhtopics.modeling.engines import fit

    return [fit(engine, data, k, seed, ENGINE_PARAMS) for seed in seeds]


def medoid(topic_words: list[np.ndarray]) -> int:
    from zhtopics.modeling.metrics import stability

    return int(np.argmax(stability(topic_words)["typicality"]))


def coassignment_clusters(dominants: list[np.ndarray], k: int) -> np.ndarray:
    """The team's prototype: co-assignment across seeds, then average linkage into k clusters."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    labels = np.vstack(dominants)
    together = np.zeros((labels.shape[1], labels.shape[1]))
    for row in labels:
        together += row[:, None] == row[None, :]
    distance = 1.0 - together / len(labels)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=k, criterion="maxclust")


def compare(data, planted: np.ndarray | None, k: int, seeds: list[int]) -> dict:
    """Single seeds, medoid-alignment consensus and co-assignment clustering on one corpus."""
    from zhtopics.modeling.consensus import align_seeds, consensus_doc_topic

    rows = data.rows_with_tokens()
    fits = fit_seeds(data, k, seeds)
    reference = medoid([f.topic_word for f in fits])
    alignment = align_seeds([f.topic_word for f in fits], seeds, reference, CONSENSUS.min_similarity)
    doc_topic, dominant, agreement = consensus_doc_topic(
        alignment, (f.doc_topic for f in fits), fits[reference].empty_docs
    )
    dominants = [f.doc_topic[rows].argmax(axis=1) for f in fits]
    started = time.perf_counter()
    clusters = coassignment_clusters(dominants, k)
    coassign_seconds = time.perf_counter() - started
    consensus = dominant[rows]
    result = {
        "k": k,
        "seeds": len(seeds),
        "documents": int(len(rows)),
        "reference_seed": seeds[reference],
        "seeds_found": alignment.seeds_found.tolist(),
        "nmi_consensus_vs_coassignment": round(normalized_mutual_info(consensus, clusters), 4),
        "nmi_medoid_seed_vs_coassignment": round(normalized_mutual_info(dominants[reference], clusters), 4),
        "flipping_share": round(float(np.mean(agreement[rows] < CONSENSUS.min_agreement)), 4),
        "coassignment_seconds": round(coassign_seconds, 3),
    }
    if planted is not None:
        truth = planted[rows]
        single = [normalized_mutual_info(truth, d) for d in dominants]
        result.update(
            {
                "nmi_single_seed_mean": round(float(np.mean(single)), 4),
                "nmi_single_seed_min": round(float(np.min(single)), 4),
                "nmi_single_seed_max": round(float(np.max(single)), 4),
                "nmi_medoid_seed": round(single[reference], 4),
                "nmi_consensus": round(normalized_mutual_info(truth, consensus), 4),
                "nmi_consensus_mean_shares": round(normalized_mutual_info(truth, doc_topic[rows].argmax(axis=1)), 4),
                "nmi_coassignment": round(normalized_mutual_info(truth, clusters), 4),
            }
        )
    return result, fits, alignment, agreement


# --------------------------------------------------------------------------- thresholds


def planted_match(topic_word: np.ndarray, truth_phi: np.ndarray, min_cosine: float = 0.5) -> np.ndarray:
    """For each fitted topic, the planted topic it is (Hungarian on cosine, at least ``min_cosine``), else -1."""
    from zhtopics.modeling.consensus import match_topics

    matching, similarity = match_topics(topic_word, truth_phi)
    return np.where(similarity >= min_cosine, matching, -1)


def threshold_evidence(families: list[str], corpus_seeds: list[int], seeds: list[int]) -> dict:
    """Matched similarities (real vs not planted topics) and the accuracy by seed agreement."""
    from zhtopics.modeling.consensus import align_seeds, consensus_doc_topic

    real, spurious = [], []
    agreement_levels: dict[float, list[int]] = {}
    for family in families:
        for corpus_seed in corpus_seeds:
            data, planted, truth_phi = planted_corpus(family, corpus_seed)
            k_planted = truth_phi.shape[0]
            for k in (k_planted, k_planted + 3):
                fits = fit_seeds(data, k, seeds)
                reference = medoid([f.topic_word for f in fits])
                alignment = align_seeds([f.topic_word for f in fits], seeds, reference, 0.0)
                is_planted = planted_match(fits[reference].topic_word, truth_phi) >= 0
                others = [s for s in range(len(seeds)) if s != reference]
                for t in range(k):
                    (real if is_planted[t] else spurious).extend(alignment.similarity[others, t].tolist())
                # agreement vs correctness, at the configured similarity threshold
                alignment = align_seeds([f.topic_word for f in fits], seeds, reference, CONSENSUS.min_similarity)
                _, dominant, agreement = consensus_doc_topic(alignment, (f.doc_topic for f in fits))
                label = planted_match(alignment.topic_word, truth_phi)[dominant]
                for level, right in zip(agreement, label == planted, strict=True):
                    agreement_levels.setdefault(round(float(level), 2), []).append(int(right))
    quantiles = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

    def describe(values):
        values = np.asarray(values)
        return {
            "n": int(len(values)),
            "quantiles": {str(q): round(float(np.quantile(values, q)), 4) for q in quantiles},
            "share_at_least": {str(t): round(float((values >= t).mean()), 4) for t in (0.3, 0.4, 0.5, 0.6, 0.7)},
        }

    edges = np.round(np.arange(0.0, 1.01, 0.1), 1)
    histogram = {
        name: np.histogram(np.clip(values, 0, 1), bins=edges)[0].tolist()
        for name, values in (("planted", real), ("not_planted", spurious))
    }
    return {
        "families": families,
        "corpus_seeds": corpus_seeds,
        "seeds": seeds,
        "min_similarity": CONSENSUS.min_similarity,
        "histogram_edges": edges.tolist(),
        "histogram": histogram,
        "real_topics": describe(real),
        "not_planted_topics": describe(spurious),
        "accuracy_by_agreement": {
            str(level): {"documents": len(values), "consensus_right": round(float(np.mean(values)), 4)}
            for level, values in sorted(agreement_levels.items())
        },
    }


# --------------------------------------------------------------------------- cost


def _train_seconds(folder: Path, config: Path) -> float:
    """Wall seconds of ``zhtopics train`` on ``folder`` (prepared and segmented) with ``config``."""
    import subprocess

    started = time.perf_counter()
    command = [sys.executable, "-m", "zhtopics", "train", "--out", str(folder), "--config", str(config), "-q"]
    subprocess.run(command, check=True, capture_output=True)
    return round(time.perf_counter() - started, 1)


def cost(folder: Path, config: Path) -> dict:
    """Train with the sweep cached, in three states of the cache (``--cost``).

    - ``all_kept``: every seed's doc-topic matrix and the reference's model in the cache;
    - ``doc_topics_kept``: the doc-topic matrices, not the model (a sweep that kept the
      doc-topics: train fits the reference seed again for its library model);
    - ``nothing_kept``: neither (a sweep over ``sweep.keep_doc_topics_mb``: train fits
      every seed of the chosen setting again).

    The sweep itself runs first if its cache is empty (not timed here). Also the size of
    the cached matrices and model folder, and the results file hashes (the same in each state).
    """
    import hashlib
    import os
    import shutil

    import pandas as pd

    cache = folder / ".cache" / "sweep"
    _train_seconds(folder, config)  # the sweep, if not cached

    def reset(doc_topics: bool, models: bool):
        for path in cache.iterdir():
            if models and path.is_dir():
                shutil.rmtree(path)
            if doc_topics and path.name.endswith(".doc_topic.npy"):
                path.unlink()

    def digest() -> str:
        return hashlib.sha256((folder / "results" / "doc_topics.csv").read_bytes()).hexdigest()[:16]

    sizes = {
        "doc_topic_mb_per_run": [round(p.stat().st_size / 1e6, 2) for p in sorted(cache.glob("*.doc_topic.npy"))],
        "model_folder_mb": [
            round(sum(f.stat().st_size for f in p.iterdir()) / 1e6, 1) for p in cache.iterdir() if p.is_dir()
        ],
    }
    states = {}
    for name, (doc_topics, models) in {
        "all_kept": (False, False),
        "doc_topics_kept": (False, True),
        "nothing_kept": (True, True),
    }.items():
        reset(doc_topics, models)
        load = os.getloadavg()[0]
        states[name] = {"train_seconds": _train_seconds(folder, config), "load_average_before": round(load, 2)}
        states[name]["doc_topics_sha256"] = digest()
        print(name, states[name], flush=True)
    sweep = pd.read_csv(folder / "results" / "sweep.csv").to_dict("records")
    return {
        "folder": str(folder),
        "config": config.read_text(encoding="utf-8"),
        **sizes,
        "sweep": sweep,
        "train": states,
    }


def seed_cache_cost(folder: Path) -> dict:
    """On a ``make run`` folder: the size of every cached doc-topic matrix of its sweep, and
    the fit seconds of the chosen setting's seeds (what train would spend fitting them again)."""
    import pandas as pd

    cache = folder / ".cache" / "sweep"
    choice = json.loads((folder / "results" / "model_choice.json").read_text(encoding="utf-8"))
    runs = pd.read_csv(folder / "results" / "sweep.csv")
    at_k = runs[runs["k"] == choice["k"]]
    return {
        "runs": len(runs),
        "doc_topic_files": len(list(cache.glob("*.doc_topic.npy"))),
        "doc_topic_mb_total": round(sum(p.stat().st_size for p in cache.glob("*.doc_topic.npy")) / 1e6, 3),
        "chosen_k": choice["k"],
        "fit_seconds_of_the_seeds_at_chosen_k": at_k.groupby("engine")["seconds"].sum().round(3).to_dict(),
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["comparison", "thresholds"], help="comparison thresholds cost")
    parser.add_argument("--seed-folder", type=Path, help="prepared and segmented seed corpus (zhtopics --out folder)")
    parser.add_argument("--seed-run", type=Path, help="a `make run` folder: the sweep cache's doc-topic sizes (cost)")
    parser.add_argument("--cost-folder", type=Path, help="a prepared and segmented corpus (cost)")
    parser.add_argument("--cost-config", type=Path, help="the sweep of the cost part (one K, 3 seeds)")
    args = parser.parse_args(argv)
    global ENGINE_PARAMS, CONSENSUS
    import os
    import platform

    from zhtopics.params import load_params

    defaults = load_params()
    ENGINE_PARAMS, CONSENSUS = defaults.engines, defaults.train.consensus
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    machine = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(), "python": platform.python_version()}
    results.setdefault("machine", {}).update({part: machine for part in args.parts})
    if "comparison" in args.parts:
        results["comparison"] = comparison(args.seed_folder)
    if "thresholds" in args.parts:
        results["thresholds"] = threshold_evidence(["paragraphs", "posts", "mixtures"], [0, 1], [1, 2, 3, 4, 5])
        print(json.dumps(results["thresholds"], indent=1))
    if "cost" in args.parts:
        results["cost"] = {
            "seed_run": seed_cache_cost(args.seed_run) if args.seed_run else None,
            "large": cost(args.cost_folder, args.cost_config) if args.cost_folder else None,
        }
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


def comparison(seed_folder: Path | None) -> list[dict]:
    """Part 1 (module docstring): planted families × 3 corpora × 5 and 20 seeds, and the seed corpus."""
    rows = []
    for family in ("paragraphs", "posts", "mixtures"):
        for corpus_seed in (0, 1, 2):
            data, planted, truth_phi = planted_corpus(family, corpus_seed)
            for seeds in ([1, 2, 3, 4, 5], list(range(1, 21))):
                rows.append(
                    {
                        "corpus": family,
                        "corpus_seed": corpus_seed,
                        **compare(data, planted, truth_phi.shape[0], seeds)[0],
                    }
                )
                print(rows[-1], flush=True)
    if seed_folder:
        from zhtopics.results import RunResults

        data = RunResults.from_folder(seed_folder).model_input()
        for k in (4, 10):
            for seeds in ([1, 2, 3, 4, 5], list(range(1, 21))):
                rows.append({"corpus": "seed", "corpus_seed": None, **compare(data, None, k, seeds)[0]})
                print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
