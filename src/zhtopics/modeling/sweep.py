"""Stage 3: fit every engine × K × seed and score each run.

Per run (``results/sweep.csv``): coherence ``c_v``, ``c_npmi`` and ``u_mass``, topic
``diversity`` and the fit's ``seconds`` (:mod:`zhtopics.modeling.metrics`). Per engine and
K (``results/stability.csv``): how much the topics depend on the seed.

Runs execute in worker processes; each run is cached on disk under a key made of the
model input's fingerprint, the run's parameters and the code version (the source of the
modules a run executes, :mod:`zhtopics.provenance.code`), so an unchanged rerun only
reads the cache. Per run the cache holds its row (``.json``), its topic-word matrix
(``.npy``) and, when the whole sweep's fit in ``sweep.keep_doc_topics_mb``, its doc-topic
matrix (``.doc_topic.npy``, float32): the final model is the consensus of the chosen
setting's seeds (:mod:`zhtopics.modeling.consensus`), which needs every seed's matrices.
:func:`keep_runs` fits again the runs whose matrices (or library model) training needs
and the cache lacks: the same seed gives the same model. With one seed per setting every
run is a final model: the sweep keeps its model folder (on disk, and in
:attr:`SweepResult.fitted` when it was fitted in this process) so that training does not
fit it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from zhtopics.atomic import atomic_folder, atomic_path, write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.data import ModelInput
from zhtopics.modeling.engines import ENGINES, FittedModel, fit, save_model
from zhtopics.modeling.metrics import COHERENCE_MEASURES, coherence, stability, topic_diversity
from zhtopics.params import Params, SweepParams, params_to_dict
from zhtopics.provenance.code import code_digest, module_closure

logger = logging.getLogger(__name__)

SWEEP_COLUMNS = ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "seconds"]

Spec = tuple[str, int, int]  # (engine, k, seed)


def code_version() -> str:
    """The version of the code that computes a run: the modules this one imports."""
    return code_digest(module_closure(__name__), length=12)


def run_key(fingerprint: str, engine: str, k: int, seed: int, params: Params) -> str:
    """Cache key of one run: input fingerprint, engine, K, seed, its parameters, code version."""
    blob = json.dumps(
        {
            "input": fingerprint,
            "engine": engine,
            "k": k,
            "seed": seed,
            "engine_params": params_to_dict(params.engines.get(engine)),
            "coherence_topn": params.sweep.coherence_topn,
            "diversity_topn": params.sweep.diversity_topn,
            "coherence_docs": params.sweep.coherence_docs,
            "code": code_version(),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def score(fitted: FittedModel, reference: ModelInput, coherence_topn: int, diversity_topn: int) -> dict:
    """The sweep's per-run row for a fitted model; coherence is computed on ``reference``."""
    topics = fitted.top_words(reference.dictionary, coherence_topn)
    row = {"engine": fitted.engine, "k": fitted.k, "seed": fitted.seed}
    for measure in COHERENCE_MEASURES:
        row[measure] = round(coherence(topics, reference, measure), 6)
    row["diversity"] = round(topic_diversity(fitted.topic_word, diversity_topn), 6)
    row["seconds"] = round(fitted.seconds, 3)
    return row


@dataclass
class SweepResult:
    """What a sweep hands to training.

    Attributes
    ----------
    runs : DataFrame
        One row per run with :data:`SWEEP_COLUMNS`, in engine, K, seed order.
    topic_words : dict
        (engine, k, seed) → topic-word matrix (float32), for stability.
    keys : dict
        (engine, k, seed) → the run's cache key (its folder in the cache holds the model
        when the sweep has one seed per setting).
    cache_dir : Path
        The run cache.
    fitted : dict
        (engine, k, seed) → the model, for runs fitted in this process (a sweep of one run).
    """

    runs: pd.DataFrame
    topic_words: dict[Spec, np.ndarray]
    keys: dict[Spec, str]
    cache_dir: Path
    fitted: dict[Spec, FittedModel] = field(default_factory=dict)

    def model_folder(self, spec: Spec) -> Path:
        """Where the cache keeps the run's model folder (when it keeps it)."""
        return self.cache_dir / self.keys[spec]

    def doc_topic_file(self, spec: Spec) -> Path:
        """Where the cache keeps the run's doc-topic matrix (when it keeps it)."""
        return doc_topic_file(self.cache_dir, self.keys[spec])

    def has_doc_topic(self, spec: Spec) -> bool:
        """Whether :meth:`doc_topic` can give the run's doc-topic matrix without fitting it again."""
        return (
            spec in self.fitted
            or self.doc_topic_file(spec).exists()
            or (self.model_folder(spec) / "doc_topic.npy").exists()
        )

    def doc_topic(self, spec: Spec) -> np.ndarray:
        """The run's doc-topic matrix as float32 (as the cache keeps it, whichever way it came):
        from the model fitted in this process, the cache's matrix (:func:`keep_runs`) or its
        model folder."""
        if spec in self.fitted:
            return self.fitted[spec].doc_topic.astype(np.float32)
        if self.doc_topic_file(spec).exists():
            return np.load(self.doc_topic_file(spec))
        return np.load(self.model_folder(spec) / "doc_topic.npy").astype(np.float32)


def doc_topic_file(cache_dir: Path, key: str) -> Path:
    """The cached doc-topic matrix of the run ``key``."""
    return Path(cache_dir) / f"{key}.doc_topic.npy"


@dataclass(frozen=True)
class Keep:
    """What a run leaves in the cache besides its topic-word matrix.

    Attributes
    ----------
    model : bool
        Its model folder (library model, matrices, Dictionary).
    doc_topic : bool
        Its doc-topic matrix (float32).
    row : bool
        Its row and topic-word matrix (False when fitting a cached run again only for its
        matrices or model: the cached row, fit seconds included, stays as it was).
    """

    model: bool = False
    doc_topic: bool = False
    row: bool = True


# Forked sweep workers inherit these (set just before the pool starts), instead of
# receiving a pickled copy of the corpus with every run.
_WORKER_DATA: ModelInput | None = None
_WORKER_REFERENCE: ModelInput | None = None


def _run(spec: Spec, params: Params, cache_dir: str, key: str, keep: Keep) -> tuple[dict | None, FittedModel]:
    """Fit and score one run (in a worker process) and store it in the cache.

    The run's files are written atomically, the ``.json`` row last: a run is in the cache
    only when all of it is. ``keep`` says what else the cache keeps (:class:`Keep`).
    """
    engine, k, seed = spec
    fitted = fit(engine, _WORKER_DATA, k, seed, params.engines)
    path = Path(cache_dir) / key
    if keep.model:
        with atomic_folder(path) as temporary:
            save_model(fitted, temporary, _WORKER_DATA.dictionary)
    if keep.doc_topic:
        with atomic_path(doc_topic_file(cache_dir, key)) as temporary:
            np.save(temporary, fitted.doc_topic.astype(np.float32))
    if not keep.row:
        return None, fitted
    row = score(fitted, _WORKER_REFERENCE, params.sweep.coherence_topn, params.sweep.diversity_topn)
    with atomic_path(path.with_suffix(".npy")) as temporary:
        np.save(temporary, fitted.topic_word.astype(np.float32))
    write_text(path.with_suffix(".json"), json.dumps(row) + "\n")
    return row, fitted


def cap_k(ks: list[int], usable_docs: int) -> list[int]:
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


def sweep_specs(data: ModelInput, sweep: SweepParams) -> list[Spec]:
    """Every (engine, K, seed) of the sweep, K capped at the documents with tokens."""
    unknown = set(sweep.engines) - set(ENGINES)
    if unknown:
        raise ZhtopicsError(
            f"sweep.engines: unknown engine(s) {', '.join(sorted(unknown))} (known: {', '.join(ENGINES)})"
        )
    ks = sweep.k_values()
    if min(ks) < 2:
        raise ZhtopicsError("sweep.k: the number of topics must be at least 2")
    ks = cap_k(ks, len(data.rows_with_tokens()))
    return [(engine, k, seed) for engine in sweep.engines for k in ks for seed in sweep.seeds]


def _cached_rows(specs: list[Spec], keys: dict[Spec, str], cache_dir: Path) -> dict[Spec, dict]:
    """The rows of the runs already in the cache (a row that does not read back whole: fit again)."""
    rows = {}
    for spec in specs:
        cached = cache_dir / f"{keys[spec]}.json"
        try:
            if not cached.with_suffix(".npy").exists():
                continue
            rows[spec] = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return rows


def _fit_runs(
    todo: dict[Spec, Keep], data: ModelInput, params: Params, cache_dir: Path, keys: dict[Spec, str], processes: int
) -> tuple[dict[Spec, dict], dict[Spec, FittedModel]]:
    """Fit the runs of ``todo`` (what each keeps): in this process for one run, else in forked
    workers. Returns their rows (those that store one) and, for a single run fitted here
    that keeps its model, the model itself (handed to training instead of reading it back)."""
    global _WORKER_DATA, _WORKER_REFERENCE
    _WORKER_DATA = data
    if any(keep.row for keep in todo.values()):
        _WORKER_REFERENCE = data.reference(params.sweep.coherence_docs)
        if _WORKER_REFERENCE.n_docs < data.n_docs:
            logger.info("coherence on a fixed sample of %d of %d documents", _WORKER_REFERENCE.n_docs, data.n_docs)
    rows, fitted = {}, {}
    with tqdm(total=len(todo), desc="sweep", unit="run", disable=None) as progress:
        if processes == 1 or len(todo) == 1:
            for spec, keep in todo.items():
                rows[spec], model = _run(spec, params, str(cache_dir), keys[spec], keep)
                if len(todo) == 1 and keep.model:
                    fitted[spec] = model
                progress.update()
        else:
            # Workers are forked, so each inherits the model input without pickling it; only
            # the rows come back (a model would be pickled whole).
            with ProcessPoolExecutor(
                max_workers=min(processes, len(todo)), mp_context=multiprocessing.get_context("fork")
            ) as pool:
                futures = {
                    pool.submit(_run_row, spec, params, str(cache_dir), keys[spec], keep): spec
                    for spec, keep in todo.items()
                }
                for future in as_completed(futures):
                    rows[futures[future]] = future.result()
                    progress.update()
    return {spec: row for spec, row in rows.items() if row is not None}, fitted


def _run_row(spec: Spec, params: Params, cache_dir: str, key: str, keep: Keep) -> dict | None:
    """:func:`_run` in a worker: only the row goes back to the parent."""
    return _run(spec, params, cache_dir, key, keep)[0]


def keeps_doc_topics(specs: list[Spec], n_docs: int, budget_mb: float) -> bool:
    """Whether the doc-topic matrices of all ``specs`` (float32) fit in ``budget_mb`` MB
    (``sweep.keep_doc_topics_mb``)."""
    return 4 * n_docs * sum(k for _, k, _ in specs) <= budget_mb * 1e6


def run_sweep(data: ModelInput, params: Params, cache_dir: Path, processes: int | None = None) -> SweepResult:
    """Fit and score every engine × K × seed of ``params.sweep``, reusing cached runs.

    Parameters
    ----------
    data : ModelInput
    params : Params
        The ``sweep`` and ``engines`` sections are used.
    cache_dir : Path
        Folder for the run cache (created if missing).
    processes : int, optional
        Worker processes; default ``sweep.processes`` (0 = one per core).

    Returns
    -------
    SweepResult
    """
    specs = sweep_specs(data, params.sweep)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = data.fingerprint()
    keys = {spec: run_key(fingerprint, *spec, params) for spec in specs}
    rows = _cached_rows(specs, keys, cache_dir)
    todo = [spec for spec in specs if spec not in rows]
    logger.info("sweep: %d runs, %d cached, %d to fit", len(specs), len(specs) - len(todo), len(todo))
    fitted = {}
    if todo:
        processes = processes or params.sweep.processes or os.cpu_count() or 1
        keep = Keep(
            model=len(params.sweep.seeds) == 1,  # every run is a final model
            doc_topic=keeps_doc_topics(specs, data.n_docs, params.sweep.keep_doc_topics_mb),
        )
        new_rows, fitted = _fit_runs(dict.fromkeys(todo, keep), data, params, cache_dir, keys, processes)
        rows.update(new_rows)
    runs = pd.DataFrame([rows[spec] for spec in specs], columns=SWEEP_COLUMNS)
    topic_words = {spec: np.load(cache_dir / f"{keys[spec]}.npy") for spec in specs}
    return SweepResult(runs, topic_words, keys, cache_dir, fitted)


def keep_runs(
    data: ModelInput, params: Params, sweep: SweepResult, specs: list[Spec], model: Spec, processes: int | None = None
) -> None:
    """Make sure the cache holds the doc-topic matrix of every run of ``specs`` and the model
    folder of ``model`` (or :attr:`SweepResult.fitted` the model): fit again the runs that
    lack them (the same seed gives the same model; their cached rows stay as they were).

    Parameters
    ----------
    specs : list
        The runs of the chosen setting (one per seed).
    model : tuple
        The run whose library model the final model folder keeps (the reference seed).
    """
    todo = {}
    for spec in specs:
        needs_model = (
            spec == model and spec not in sweep.fitted and not (sweep.model_folder(spec) / "doc_topic.npy").exists()
        )
        if needs_model or not sweep.has_doc_topic(spec):
            todo[spec] = Keep(model=needs_model, doc_topic=True, row=False)
    if not todo:
        return
    logger.info("fitting %d run(s) of the sweep again for their doc-topic matrices or model", len(todo))
    processes = processes or params.sweep.processes or os.cpu_count() or 1
    _, fitted = _fit_runs(todo, data, params, sweep.cache_dir, sweep.keys, processes)
    sweep.fitted.update(fitted)


def stability_table(topic_words: dict[Spec, np.ndarray]) -> tuple[pd.DataFrame, dict[Spec, float]]:
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
        for seed, value in zip(seeds, result["typicality"], strict=True):
            typicality[(engine, k, seed)] = value
    return pd.DataFrame(rows, columns=["engine", "k", "stability", "stability_sd", "pairs"]), typicality
