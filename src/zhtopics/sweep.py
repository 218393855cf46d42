"""Stage 3: fit every engine × K × seed, score each run, and measure stability across seeds.

Per run (``results/sweep.csv``): coherence ``c_v``, ``c_npmi`` and ``u_mass`` of each
topic's top words (gensim ``CoherenceModel`` on the training texts), topic
``diversity`` (share of unique words among all topics' top 25) and the fit's
``seconds``.

Per engine and K (``results/stability.csv``): how much the topics depend on the seed.
For each pair of seeds the topics are aligned one-to-one by Hungarian matching
(scipy ``linear_sum_assignment``) on the cosine similarity of their word distributions;
``stability`` is the mean matched similarity over topics and pairs (1.0: every seed
finds the same topics).

Runs execute in worker processes; each run is cached on disk under a key made of the
model input's fingerprint, the run's parameters and the code version, so an unchanged
rerun only reads the cache.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from zhtopics import __version__
from zhtopics.atomic import atomic_folder, atomic_path, write_text
from zhtopics.config import ZhtopicsError
from zhtopics.engines import ENGINES, FittedModel, ModelInput, fit

logger = logging.getLogger(__name__)

SWEEP_COLUMNS = ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "seconds"]
COHERENCE_MEASURES = ("c_v", "c_npmi", "u_mass")
_CODE_FILES = ("engines.py", "sweep.py")


# --------------------------------------------------------------------------- metrics


def coherence(topics: list[list[str]], data: ModelInput, measure: str) -> float:
    """Mean coherence of the topics' word lists with gensim ``CoherenceModel``.

    ``data`` is the reference corpus: :meth:`ModelInput.reference` (documents with tokens,
    or a fixed sample of them for large corpora)."""
    from gensim.models import CoherenceModel

    rows = range(data.n_docs)
    model = CoherenceModel(
        topics=topics,
        texts=data.texts_of(rows),
        corpus=list(data.bow),
        dictionary=data.dictionary,
        coherence=measure,
        topn=len(topics[0]),
        processes=1,
    )
    return float(model.get_coherence())


def topic_diversity(topic_word: np.ndarray, topn: int = 25) -> float:
    """Share of distinct words among all topics' top ``topn`` words (1.0: no word shared)."""
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :topn]
    return len(np.unique(top)) / top.size


def matched_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """Align the topics of two models one-to-one and return their mean cosine similarity.

    Parameters
    ----------
    a, b : ndarray, shape (k, n_terms)
        Topic-word matrices of two models with the same k and vocabulary.

    Returns
    -------
    similarity : float
        Mean cosine similarity of matched topic pairs (Hungarian matching).
    matching : ndarray of int
        ``matching[i]`` is the topic of ``b`` matched to topic ``i`` of ``a``.
    """
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    similarity = an @ bn.T
    rows, cols = linear_sum_assignment(-similarity)
    matching = np.empty(len(rows), dtype=int)
    matching[rows] = cols
    return float(similarity[rows, cols].mean()), matching


def stability(topic_words: list[np.ndarray]) -> dict:
    """Mean matched similarity over all pairs of runs (same engine and K, different seeds).

    Returns
    -------
    dict
        ``stability`` (mean over pairs), ``stability_sd``, ``pairs``, and ``typicality``:
        each run's mean similarity to the others (the most typical run is the medoid).
    """
    n = len(topic_words)
    pair_similarity = np.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        pair_similarity[i, j] = pair_similarity[j, i] = matched_similarity(topic_words[i], topic_words[j])[0]
    values = [pair_similarity[i, j] for i, j in itertools.combinations(range(n), 2)]
    typicality = (pair_similarity.sum(axis=1) - 1) / max(n - 1, 1)
    return {
        "stability": float(np.mean(values)) if values else float("nan"),
        "stability_sd": float(np.std(values)) if values else float("nan"),
        "pairs": len(values),
        "typicality": typicality.tolist(),
    }


# --------------------------------------------------------------------------- runs and cache


def code_version() -> str:
    """zhtopics' version plus a hash of the modules that define a run's result."""
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def run_key(fingerprint: str, engine: str, k: int, seed: int, params: dict) -> str:
    """Cache key of one run: input fingerprint, engine, K, seed, its parameters, code version."""
    blob = json.dumps(
        {
            "input": fingerprint,
            "engine": engine,
            "k": k,
            "seed": seed,
            "engine_params": params["engines"].get(engine),
            "coherence_topn": params["sweep"]["coherence_topn"],
            "diversity_topn": params["sweep"]["diversity_topn"],
            "coherence_docs": params["sweep"].get("coherence_docs"),
            "code": code_version(),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def score(fitted: FittedModel, reference: ModelInput, coherence_topn: int, diversity_topn: int) -> dict:
    """The sweep's per-run row for a fitted model; coherence is computed on ``reference``."""
    data = reference
    topics = fitted.top_words(data.dictionary, coherence_topn)
    row = {"engine": fitted.engine, "k": fitted.k, "seed": fitted.seed}
    for measure in COHERENCE_MEASURES:
        row[measure] = round(coherence(topics, data, measure), 6)
    row["diversity"] = round(topic_diversity(fitted.topic_word, diversity_topn), 6)
    row["seconds"] = round(fitted.seconds, 3)
    return row


_WORKER_DATA: ModelInput | None = None
_WORKER_REFERENCE: ModelInput | None = None
# A run fitted in this process (a sweep of one run: ``--k`` with one seed), kept for training
# so that it is not read back from disk: key → FittedModel.
_IN_MEMORY: dict[str, FittedModel] = {}


def kept_model(key: str) -> FittedModel | None:
    """The fitted model of run ``key`` if this process fitted it (and forget it)."""
    return _IN_MEMORY.pop(key, None)


def _run(engine: str, k: int, seed: int, params: dict, cache_dir: str, key: str, keep_in_memory: bool = False) -> dict:
    """Fit and score one run (in a worker process) and store it in the cache.

    The run's files are written atomically, the ``.json`` row last: a run is in the cache
    only when all of it is.
    """
    fitted = fit(engine, _WORKER_DATA, k, seed, params["engines"])
    row = score(fitted, _WORKER_REFERENCE, params["sweep"]["coherence_topn"], params["sweep"]["diversity_topn"])
    path = Path(cache_dir) / key
    if len(params["sweep"]["seeds"]) == 1:
        # With one seed, every run is the final model of its setting: keep it, so that
        # training does not fit it a second time (on a large corpus that is the slow part).
        with atomic_folder(path) as temporary:
            fitted.save(temporary, _WORKER_DATA.dictionary)
        if keep_in_memory:
            _IN_MEMORY.clear()
            _IN_MEMORY[key] = fitted
    with atomic_path(path.with_suffix(".npy")) as temporary:
        np.save(temporary, fitted.topic_word.astype(np.float32))
    write_text(path.with_suffix(".json"), json.dumps(row) + "\n")
    return row


def _k_values(sweep_params: dict) -> list[int]:
    ks = sweep_params.get("k")
    if isinstance(ks, int):
        return [ks]
    if isinstance(ks, dict):
        return list(range(int(ks["start"]), int(ks["stop"]) + 1, int(ks.get("step", 1))))
    return [int(k) for k in ks]


def _cap_k(ks: list[int], usable_docs: int) -> list[int]:
    """The K values a corpus of ``usable_docs`` documents with tokens can support (K ≤ documents).

    A sweep over several K drops the larger ones with a warning; a single K (``--k``, or a
    sweep of one value) that is too large is an error.
    """
    fitting = [k for k in ks if k <= usable_docs]
    if len(fitting) == len(ks):
        return ks
    if len(ks) == 1 or not fitting:
        raise ZhtopicsError(
            f"K = {', '.join(map(str, ks))} topics but only {usable_docs} documents have tokens after "
            "segmentation: give more documents, or ask for fewer topics (--k or sweep.k)"
        )
    dropped = [k for k in ks if k > usable_docs]
    logger.warning(
        "sweep.k capped: only %d documents have tokens, so K = %s are skipped (sweeping K = %d-%d)",
        usable_docs,
        ", ".join(map(str, dropped)),
        min(fitting),
        max(fitting),
    )
    return fitting


def run_sweep(
    data: ModelInput, params: dict, cache_dir: Path, processes: int | None = None
) -> tuple[pd.DataFrame, dict]:
    """Fit and score every engine × K × seed of ``params['sweep']``, reusing cached runs.

    Parameters
    ----------
    data : ModelInput
    params : dict
        The full parameters (``sweep`` and ``engines`` sections are used).
    cache_dir : Path
        Folder for the run cache (created if missing).
    processes : int, optional
        Worker processes; default ``sweep.processes`` (0 = one per core).

    Returns
    -------
    runs : DataFrame
        One row per run with :data:`SWEEP_COLUMNS`, sorted by engine, k, seed.
    topic_words : dict
        (engine, k, seed) → topic-word matrix, for stability.
    """
    sweep_params = params["sweep"]
    engines = sweep_params["engines"]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise ZhtopicsError(
            f"sweep.engines: unknown engine(s) {', '.join(sorted(unknown))} (known: {', '.join(ENGINES)})"
        )
    ks = _k_values(sweep_params)
    if min(ks) < 2:
        raise ZhtopicsError("sweep.k: the number of topics must be at least 2")
    ks = _cap_k(ks, int((np.diff(data.bow.offsets) > 0).sum()))
    seeds = [int(s) for s in sweep_params["seeds"]]
    cache_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = data.fingerprint()
    specs = [(engine, k, seed) for engine in engines for k in ks for seed in seeds]
    keys = {spec: run_key(fingerprint, *spec, params) for spec in specs}
    rows: dict[tuple, dict] = {}
    todo = []
    for spec in specs:
        cached = cache_dir / f"{keys[spec]}.json"
        try:  # a run is cached when its row reads back whole (cut-short files from older versions: fit again)
            if not cached.with_suffix(".npy").exists():
                raise FileNotFoundError(cached.with_suffix(".npy"))
            rows[spec] = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            todo.append(spec)
    logger.info("sweep: %d runs, %d cached, %d to fit", len(specs), len(specs) - len(todo), len(todo))
    if todo:
        global _WORKER_DATA, _WORKER_REFERENCE
        _WORKER_DATA = data
        _WORKER_REFERENCE = data.reference(sweep_params.get("coherence_docs"))
        if _WORKER_REFERENCE.n_docs < data.n_docs:
            logger.info("coherence on a fixed sample of %d of %d documents", _WORKER_REFERENCE.n_docs, data.n_docs)
        processes = processes or sweep_params.get("processes") or os.cpu_count() or 1
        progress = tqdm(total=len(todo), desc="sweep", unit="run", disable=None)
        if processes == 1 or len(todo) == 1:
            for spec in todo:
                rows[spec] = _run(*spec, params, str(cache_dir), keys[spec], keep_in_memory=len(todo) == 1)
                progress.update()
        else:
            # Workers are forked, so each inherits the model input without pickling it.
            with ProcessPoolExecutor(
                max_workers=min(processes, len(todo)), mp_context=multiprocessing.get_context("fork")
            ) as pool:
                futures = {pool.submit(_run, *spec, params, str(cache_dir), keys[spec]): spec for spec in todo}
                for future in as_completed(futures):
                    rows[futures[future]] = future.result()
                    progress.update()
        progress.close()
    runs = pd.DataFrame([rows[spec] for spec in specs], columns=SWEEP_COLUMNS)
    topic_words = {spec: np.load(cache_dir / f"{keys[spec]}.npy") for spec in specs}
    return runs, topic_words


def stability_table(topic_words: dict) -> tuple[pd.DataFrame, dict]:
    """Stability per (engine, k) and each run's typicality.

    Returns
    -------
    table : DataFrame
        engine, k, stability, stability_sd, pairs.
    typicality : dict
        (engine, k, seed) → mean matched similarity to the other seeds.
    """
    groups: dict[tuple, list] = {}
    for engine, k, seed in topic_words:
        groups.setdefault((engine, k), []).append(seed)
    rows, typicality = [], {}
    for (engine, k), seeds in groups.items():
        result = stability([topic_words[(engine, k, seed)] for seed in seeds])
        rows.append(
            {
                "engine": engine,
                "k": k,
                "stability": round(result["stability"], 6),
                "stability_sd": round(result["stability_sd"], 6),
                "pairs": result["pairs"],
            }
        )
        for seed, value in zip(seeds, result["typicality"]):
            typicality[(engine, k, seed)] = value
    return pd.DataFrame(rows, columns=["engine", "k", "stability", "stability_sd", "pairs"]), typicality
