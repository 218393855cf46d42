"""Stage 3: fit every engine × K × seed and score each run.

Per run (``results/sweep.csv``): coherence ``c_v``, ``c_npmi`` and ``u_mass``, topic
``diversity``, the fit's ``seconds`` (:mod:`zhtopics.modeling.metrics`) and the ``topics``
the model kept (K itself, except for an engine whose K is an upper bound). When the
selection rule needs it (``heldout=True``), the held-out evidence of
:mod:`zhtopics.modeling.heldout` follows: ``heldout_ll``, ``heldout_tokens`` and
``subsample_agreement``, and each held-out document's score (:attr:`SweepResult.heldout`).
Per engine and K (``results/stability.csv``): how much the topics depend on the seed.


Runs execute in worker processes; each run is cached on disk under a key made of the
model input's fingerprint, the run's parameters and the code version (the source of the
modules a run executes, :mod:`zhtopics.provenance.code`), so an unchanged rerun only
reads the cache (the held-out evidence is cached beside each run, under a key that adds
the ``selection.heldout`` parameters). Per run the cache holds its row (``.json``), its topic-word matrix
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
from zhtopics.modeling.heldout import HELDOUT_COLUMNS, heldout_evidence
from zhtopics.modeling.metrics import COHERENCE_MEASURES, coherence, stability, topic_diversity
from zhtopics.params import Params, SweepParams, params_to_dict
from zhtopics.provenance.code import code_digest, module_closure

logger = logging.getLogger(__name__)

SWEEP_COLUMNS = ["engine", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "seconds", "topics"]

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


def heldout_key(key: str, params: Params) -> str:
    """Cache key of a run's held-out evidence: the run's key and the ``selection.heldout`` parameters."""
    blob = json.dumps({"run": key, "heldout": params_to_dict(params.selection.heldout)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def score(fitted: FittedModel, reference: ModelInput, coherence_topn: int, diversity_topn: int, k: int) -> dict:
    """The sweep's per-run row for a model fitted with ``k`` topics asked for (``topics``: how
    many it kept); coherence is computed on ``reference``."""
    topics = fitted.top_words(reference.dictionary, coherence_topn)
    row = {"engine": fitted.engine, "k": k, "seed": fitted.seed}
    for measure in COHERENCE_MEASURES:
        row[measure] = round(coherence(topics, reference, measure), 6)
    row["diversity"] = round(topic_diversity(fitted.topic_word, diversity_topn), 6)
    row["seconds"] = round(fitted.seconds, 3)
    row["topics"] = int(fitted.topic_word.shape[0])
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
    heldout : DataFrame or None
        With the held-out evidence: engine, k, seed, row (of the model input), tokens
        (scored), ll (their log likelihood, nats); one row per held-out document of each run.
    """

    runs: pd.DataFrame
    topic_words: dict[Spec, np.ndarray]
    keys: dict[Spec, str]
    cache_dir: Path
    fitted: dict[Spec, FittedModel] = field(default_factory=dict)
    heldout: pd.DataFrame | None = None

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
    heldout : str or None
        The key its held-out evidence is cached under, when the run still needs it
        (:mod:`zhtopics.modeling.heldout`).
    """

    model: bool = False
    doc_topic: bool = False
    row: bool = True
    heldout: str | None = None

    @property
    def fits(self) -> bool:
        """Whether the run is fitted on all documents (the held-out evidence alone reads the
        cached topic-word matrix)."""
        return self.model or self.doc_topic or self.row


# Forked sweep workers inherit these (set just before the pool starts), instead of
# receiving a pickled copy of the corpus with every run.
_WORKER_DATA: ModelInput | None = None
_WORKER_REFERENCE: ModelInput | None = None


def _run(spec: Spec, params: Params, cache_dir: str, key: str, keep: Keep) -> tuple[dict | None, FittedModel | None]:
    """Fit and score one run and/or compute its held-out evidence (in a worker process) and
    store them in the cache.

    The files are written atomically, a ``.json`` row last: a run (or its held-out
    evidence) is in the cache only when all of it is. ``keep`` says what the cache keeps
    (:class:`Keep`). Returns the row (when it stores one) and the model (when it fitted one).
    """
    engine, k, seed = spec
    path = Path(cache_dir) / key
    fitted = fit(engine, _WORKER_DATA, k, seed, params.engines) if keep.fits else None
    if keep.model:
        with atomic_folder(path) as temporary:
            save_model(fitted, temporary, _WORKER_DATA.dictionary)
    if keep.doc_topic:
        with atomic_path(doc_topic_file(cache_dir, key)) as temporary:
            np.save(temporary, fitted.doc_topic.astype(np.float32))
    row = None
    if keep.row:
        row = score(fitted, _WORKER_REFERENCE, params.sweep.coherence_topn, params.sweep.diversity_topn, k)
        with atomic_path(path.with_suffix(".npy")) as temporary:
            np.save(temporary, fitted.topic_word.astype(np.float32))
        write_text(path.with_suffix(".json"), json.dumps(row) + "\n")
    if keep.heldout is not None:
        topic_word = fitted.topic_word if fitted is not None else np.load(path.with_suffix(".npy"))
        result = heldout_evidence(_WORKER_DATA, engine, k, seed, params.engines, topic_word, params.selection.heldout)
        held = Path(cache_dir) / keep.heldout
        with atomic_path(held.with_name(f"{held.name}.heldout.npz")) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, **{column: result.documents[column].to_numpy() for column in result.documents})
        write_text(held.with_name(f"{held.name}.heldout.json"), json.dumps(result.row) + "\n")
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


def _cached_rows(specs: list[Spec], keys: dict[Spec, str], cache_dir: Path, suffix: str = "") -> dict[Spec, dict]:
    """The rows of the runs (``suffix`` ``.heldout``: of their held-out evidence) already in
    the cache; a row that does not read back whole, or without its arrays, is computed again."""
    rows = {}
    arrays = ".npz" if suffix else ".npy"
    for spec in specs:
        cached = cache_dir / f"{keys[spec]}{suffix}.json"
        try:
            if not cached.with_suffix(arrays).exists():
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
                if len(todo) == 1 and keep.model and model is not None:
                    fitted[spec] = model  # handed to training instead of reading it back
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


def run_sweep(
    data: ModelInput, params: Params, cache_dir: Path, processes: int | None = None, heldout: bool = False
) -> SweepResult:
    """Fit and score every engine × K × seed of ``params.sweep``, reusing cached runs.

    Parameters
    ----------
    data : ModelInput
    params : Params
        The ``sweep`` and ``engines`` sections are used (and ``selection.heldout`` with ``heldout``).
    cache_dir : Path
        Folder for the run cache (created if missing).
    processes : int, optional
        Worker processes; default ``sweep.processes`` (0 = one per core).
    heldout : bool
        Also compute each run's held-out evidence (:mod:`zhtopics.modeling.heldout`), for
        the selection rules that use it.

    Returns
    -------
    SweepResult
    """
    specs = sweep_specs(data, params.sweep)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = data.fingerprint()
    keys = {spec: run_key(fingerprint, *spec, params) for spec in specs}
    held_keys = {spec: heldout_key(keys[spec], params) for spec in specs} if heldout else {}
    rows = _cached_rows(specs, keys, cache_dir)
    held_rows = _cached_rows(specs, held_keys, cache_dir, ".heldout") if heldout else {}
    keep_doc_topics = keeps_doc_topics(specs, data.n_docs, params.sweep.keep_doc_topics_mb)
    todo = {}
    for spec in specs:
        fits, needs_heldout = spec not in rows, heldout and spec not in held_rows
        if fits or needs_heldout:
            todo[spec] = Keep(
                model=fits and len(params.sweep.seeds) == 1,  # every run is a final model
                doc_topic=fits and keep_doc_topics,
                row=fits,
                heldout=held_keys[spec] if needs_heldout else None,
            )
    logger.info("sweep: %d runs, %d cached, %d to compute", len(specs), len(specs) - len(todo), len(todo))
    fitted = {}
    if todo:
        processes = processes or params.sweep.processes or os.cpu_count() or 1
        new_rows, fitted = _fit_runs(todo, data, params, cache_dir, keys, processes)
        rows.update(new_rows)
        held_rows = _cached_rows(specs, held_keys, cache_dir, ".heldout") if heldout else {}
    runs = pd.DataFrame([rows[spec] for spec in specs], columns=SWEEP_COLUMNS)
    documents = None
    if heldout:
        held = pd.DataFrame([held_rows[spec] for spec in specs], columns=HELDOUT_COLUMNS)
        runs = pd.concat([runs, held], axis=1)
        documents = _heldout_documents(specs, held_keys, cache_dir)
    topic_words = {spec: np.load(cache_dir / f"{keys[spec]}.npy") for spec in specs}
    return SweepResult(runs, topic_words, keys, cache_dir, fitted, documents)


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


def _heldout_documents(specs: list[Spec], held_keys: dict[Spec, str], cache_dir: Path) -> pd.DataFrame:
    """Every run's held-out documents and their scores, from the cache."""
    frames = []
    for engine, k, seed in specs:
        with np.load(cache_dir / f"{held_keys[(engine, k, seed)]}.heldout.npz") as arrays:
            frame = pd.DataFrame({name: arrays[name] for name in ("row", "tokens", "ll")})
        frames.append(frame.assign(engine=engine, k=k, seed=seed))
    columns = ["engine", "k", "seed", "row", "tokens", "ll"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


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
