"""Stage 4: the sweep, the choice of engine and K, the final models and their tables.

:func:`run_train` runs the sweep (:mod:`zhtopics.modeling.sweep`), applies the label-free
rule (:mod:`zhtopics.modeling.select`) and makes the final model of the chosen setting:
the consensus of all its seeds (:mod:`zhtopics.modeling.consensus`), numbered and saved
with the library model of its most typical seed (the medoid), so that the engine's own
inference on new texts gives the same topic numbers. Every other engine of the sweep gets
its consensus at the same K the same way, so that they can be compared side by side. The
models go to ``models/<engine>_k<K>/`` with a ``manifest.json`` (the consensus: each
topic's seed support); the tables of :mod:`zhtopics.modeling.tables` go to ``results/``,
``doc_topics.csv`` with each paragraph's seed agreement.
"""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics import __version__
from zhtopics.atomic import atomic_folder, write_csv, write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.consensus import SeedConsensus, aligned_doc_topics, seed_consensus
from zhtopics.modeling.data import ModelInput
from zhtopics.modeling.engines import FittedModel, empty_rows, fit, load_model, save_model
from zhtopics.modeling.periods import Dating, corpus_dating
from zhtopics.modeling.rules import SweepEvidence, choose, mixture_engines, needs_heldout
from zhtopics.modeling.select import typical_seed
from zhtopics.modeling.sweep import SweepResult, code_version, keep_runs, run_sweep, stability_table
from zhtopics.modeling.tables import (
    article_views,
    engine_comparison_table,
    paragraph_occurrences,
    time_view,
    topic_word_table,
    write_doc_topics,
)
from zhtopics.params import Params, PrevalenceParams, params_hash, params_to_dict
from zhtopics.paths import OutputPaths
from zhtopics.provenance.code import package_versions
from zhtopics.results import RunResults
from zhtopics.small_corpus import small_corpus_warning
from zhtopics.themes.labels import load_themes, name_topics

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def model_versions() -> dict:
    """Versions recorded in each model's manifest: Python, zhtopics, the code, key packages."""
    versions = {"python": platform.python_version(), "zhtopics": __version__, "code": code_version()}
    versions.update(package_versions(("gensim", "tomotopy", "jieba", "numpy", "scipy", "pandas")))
    return versions


def write_model(fitted: FittedModel, dictionary, folder: Path, manifest: dict) -> None:
    """Save a model (native file, matrices, the gensim ``dictionary``) with its ``manifest.json``.

    The folder is filled under a temporary name and renamed into place when complete, so a
    run killed meanwhile leaves the previous model (or none), never half of one.
    """
    with atomic_folder(folder) as temporary:
        save_model(fitted, temporary, dictionary)
        (temporary / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )


def _final_model(data: ModelInput, params: Params, sweep: SweepResult, spec, seconds: float):
    """The model of one sweep run: the one the sweep fitted in this process, the one it kept in
    its cache (:func:`~zhtopics.modeling.sweep.keep_runs`), or fitted again (same seed: the
    same model)."""
    engine, k, seed = spec
    if spec in sweep.fitted:
        return sweep.fitted[spec]
    kept = sweep.model_folder(spec)
    if (kept / "doc_topic.npy").exists():
        engine_params = params_to_dict(params.engines[engine])
        return load_model(kept, engine, k, seed, engine_params, seconds, empty_rows(data))
    return fit(engine, data, k, seed, params.engines)


def consensus_of_setting(
    data: ModelInput, params: Params, sweep: SweepResult, engine: str, k: int, reference_seed: int
) -> SeedConsensus:
    """The consensus of every seed of (engine, k) on the reference seed's model.

    The seeds' topic-word matrices come from the sweep; their doc-topic matrices from its
    cache, fitted again when the cache lacks them (:func:`~zhtopics.modeling.sweep.keep_runs`).
    """
    runs = sweep.runs[(sweep.runs["engine"] == engine) & (sweep.runs["k"] == k)]
    seeds = sorted(int(seed) for seed in runs["seed"])
    specs = [(engine, k, seed) for seed in seeds]
    reference = (engine, k, reference_seed)
    keep_runs(data, params, sweep, specs, reference)
    seconds = float(runs.loc[runs["seed"] == reference_seed, "seconds"].iloc[0])
    base = _final_model(data, params, sweep, reference, seconds)
    return seed_consensus(
        base,
        [sweep.topic_words[spec] for spec in specs],
        (sweep.doc_topic(spec) for spec in specs),
        seeds,
        params.train.consensus.min_similarity,
    )


def _manifest(
    data: ModelInput, params: Params, paths: OutputPaths, choice: dict, final: SeedConsensus, run: dict, setting
) -> dict:
    """The final model's ``manifest.json``."""
    fitted, engine, k = final.model, final.model.engine, choice["k"]
    settings = params.train.consensus
    flips = final.flips(settings.min_agreement)
    with_tokens = int(np.isfinite(final.agreement).sum())
    return {
        "name": paths.model_dir(engine, k).name,
        "role": "chosen" if engine == choice["engine"] else "comparison (same K, other engine)",
        "engine": engine,
        "k": k,
        "seed": fitted.seed,
        "seed_role": "reference of the consensus (the medoid seed): its library model and topic numbers",
        "engine_params": params_to_dict(params.engines[engine]),
        "metrics": {key: run[key] for key in ("c_v", "c_npmi", "u_mass", "diversity")},
        "stability": None if setting.empty else float(setting["stability"].iloc[0]),
        "consensus": {
            **final.alignment.summary(),
            "min_agreement": settings.min_agreement,
            "documents_with_tokens": with_tokens,
            "flips_between_seeds": int(flips.sum()),
            "mean_seed_agreement": round(float(np.nanmean(final.agreement)), 6) if with_tokens else None,
        },
        "fit_seconds": round(fitted.seconds, 3),
        "input_fingerprint": data.fingerprint(),
        "documents": data.n_docs,
        "vocabulary": data.n_terms,
        "documents_without_tokens": len(fitted.empty_docs),
        "params_hash": params_hash(params, paths.root),
        "selection": {key: value for key, value in choice.items() if key not in ("settings", "heldout", "agreement")},
        "versions": model_versions(),
    }


def train_final(
    data: ModelInput,
    params: Params,
    sweep: SweepResult,
    stability: pd.DataFrame,
    typicality: dict,
    paths: OutputPaths,
    force_k: int | None = None,
) -> tuple[dict, dict[str, SeedConsensus]]:
    """Choose the setting, make the consensus of its seeds and of the other engines' at the same K, save them.

    Returns
    -------
    choice : dict
        The selection rule's outcome (also written to ``results/model_choice.json``).
    finals : dict
        engine → SeedConsensus, the chosen engine first.
    """
    evidence = SweepEvidence(sweep.runs, stability, sweep.heldout, mixture_engines())
    if force_k is not None:
        evidence = evidence.at_k(force_k)
        if evidence.runs.empty:
            raise ZhtopicsError(f"--k {force_k}: the sweep has no runs at that K")
    runs, stability = evidence.runs, evidence.stability
    choice = choose(evidence, params.selection)
    if force_k is not None:
        choice["forced_k"] = force_k
    k = choice["k"]
    swept = [engine for engine in params.sweep.engines if engine in set(runs["engine"])]
    engines = [choice["engine"]] + [engine for engine in swept if engine != choice["engine"]]
    finals: dict[str, SeedConsensus] = {}
    for engine in engines:
        seed, typical = typical_seed(typicality, engine, k)
        run = runs[(runs["engine"] == engine) & (runs["k"] == k) & (runs["seed"] == seed)].iloc[0].to_dict()
        final = consensus_of_setting(data, params, sweep, engine, k, seed)
        finals[engine] = final
        if engine == choice["engine"]:
            choice["topics"] = final.model.k  # the topics the final model kept (below k for a mixture engine)
        setting = stability[(stability["engine"] == engine) & (stability["k"] == k)]
        manifest = {**_manifest(data, params, paths, choice, final, run, setting), "seed_typicality": round(typical, 6)}
        write_model(final.model, data.dictionary, paths.model_dir(engine, k), manifest)
        logger.info(
            "%s at k=%d: consensus of %d seeds on seed %d (typicality %.3f); seeds finding each topic: %s",
            engine,
            k,
            len(final.alignment.seeds),
            seed,
            typical,
            final.alignment.seeds_found.tolist(),
        )
    return choice, finals


def write_results(
    choice: dict,
    finals: dict[str, SeedConsensus],
    data: ModelInput,
    run: RunResults,
    runs: pd.DataFrame,
    params: Params,
    dating: tuple[Dating | None, pd.DataFrame | None] = (None, None),
    seed_shares: np.ndarray | None = None,
) -> None:
    """Write topics, topic_labels (each topic named: :func:`name_chosen_topics`), doc_topics (with
    the seed agreement and the topic's label), article_topics and prevalence_by_group (chosen
    model), prevalence_by_time, undated and article_years (when ``dating``, from
    :func:`run_dating`, has periods), the engine comparison and the model choice.
    ``seed_shares`` (:func:`seed_shares`), when given, widens the intervals by the seeds' spread."""
    paths = run.paths
    paths.results.mkdir(parents=True, exist_ok=True)
    final = finals[choice["engine"]]
    chosen, topn = final.model, params.train.topn
    models = {engine: consensus.model for engine, consensus in finals.items()}
    documents = run.documents
    write_csv(topic_word_table(chosen, data.dictionary, topn), paths.result("topics"))
    labels = name_chosen_topics(final, data, params)
    write_csv(labels, paths.result("topic_labels"))
    extra = final.agreement_columns(params.train.consensus.min_agreement)
    names = labels.set_index("topic")["label"]
    extra["topic_label"] = pd.Series(final.dominant).map(names).fillna("").to_numpy()  # "" without tokens (-1)
    doc_topics = write_doc_topics(
        chosen,
        documents,
        run.token_counts(),
        paths.result("doc_topics"),
        dominant=final.dominant,
        extra=extra,
    )
    articles, by_group = article_views(
        doc_topics, chosen.k, documents, run.removed_or_none(), run.articles, params.prevalence, seed_shares
    )
    write_csv(articles, paths.result("article_topics"))
    write_csv(by_group, paths.result("prevalence_by_group"))
    write_time_results(run, doc_topics, chosen.k, *dating, params, seed_shares)
    for engine, fitted in models.items():
        if engine != choice["engine"]:
            write_csv(topic_word_table(fitted, data.dictionary, topn), paths.engine_topics(engine))
    write_csv(engine_comparison_table(choice, models, runs), paths.result("engine_comparison"))
    write_text(paths.result("model_choice"), json.dumps(choice, ensure_ascii=False, indent=2) + "\n")


def run_dating(run: RunResults, params: Params) -> tuple[Dating | None, pd.DataFrame | None]:
    """The documents' periods (:func:`zhtopics.modeling.periods.corpus_dating`), read before the
    sweep so that a time column without dates stops the run at once."""
    documents = run.documents
    removed = run.removed_or_none()
    return corpus_dating(
        documents,
        paragraph_occurrences(documents, removed),
        removed,
        run.articles,
        params.corpus.time_column,
        params.prevalence.period,
    )


def write_time_results(
    run: RunResults,
    doc_topics: pd.DataFrame,
    k: int,
    dating: Dating | None,
    years: pd.DataFrame | None,
    params: Params,
    seed_shares: np.ndarray | None = None,
) -> None:
    """``prevalence_by_time.csv`` and ``undated.csv`` (and ``article_years.csv`` when the
    periods are the years the articles state); without periods, none (a previous run's removed)."""
    paths = run.paths
    for name, table in (("article_years", years), ("undated", None if dating is None else dating.undated)):
        if table is None:
            paths.result(name).unlink(missing_ok=True)
        else:
            write_csv(table, paths.result(name))
    if dating is None:
        paths.result("prevalence_by_time").unlink(missing_ok=True)
        return
    write_csv(time_view(doc_topics, k, dating, params.prevalence, seed_shares), paths.result("prevalence_by_time"))


def name_chosen_topics(final: SeedConsensus, data: ModelInput, params: Params) -> pd.DataFrame:
    """The chosen model's topics named after the study's themes (``themes.file``) or by their
    most distinctive words (:func:`zhtopics.themes.labels.label_topics`), with how many seeds
    find each (``seeds_found`` of ``seeds``): ``results/topic_labels.csv``."""
    themes = load_themes(params.themes.file) if params.themes.file is not None else []
    labels = name_topics(final.model.topic_word, data.dictionary, themes, params.themes)
    labels["seeds_found"] = final.alignment.seeds_found.astype(int)
    labels["seeds"] = len(final.alignment.seeds)
    return labels


def sweep_and_score(context: StageContext) -> tuple[ModelInput, SweepResult, pd.DataFrame, dict]:
    """Run (or read from the cache) the sweep; write sweep.csv and stability.csv."""
    paths, params = context.paths, context.params
    data = context.run.model_input()
    settings = len(params.sweep.engines) * len(params.sweep.k_values())
    sweep = run_sweep(data, params, paths.sweep_cache, heldout=needs_heldout(params.selection.rule, settings))
    stability, typicality = stability_table(sweep.topic_words)
    write_csv(sweep.runs, paths.result("sweep"))
    write_csv(stability, paths.result("stability"))
    return data, sweep, stability, typicality


def run_sweep_stage(context: StageContext) -> list[str]:
    """``zhtopics sweep``: the sweep alone (sweep.csv, stability.csv)."""
    _, sweep, _, _ = sweep_and_score(context)
    runs = sweep.runs
    return [
        f"wrote {context.paths.results}/sweep.csv ({len(runs)} runs: {runs['engine'].nunique()} engines, "
        f"K {runs['k'].min()}-{runs['k'].max()}, {runs['seed'].nunique()} seeds) and stability.csv"
    ]


def _time_lines(dating: Dating | None, documents: str, paths: OutputPaths) -> list[str]:
    """The console line on the periods: how many, and how many left out (never silently)."""
    if dating is None:
        return []
    periods = len(set(dating.periods.tolist()))
    undated = dating.undated
    left = f"{len(undated)} {'articles' if (undated['doc_id'] == '').all() and len(undated) else documents}"
    reasons = ", ".join(f"{n} {why}" for why, n in undated["reason"].value_counts(sort=False).items())
    return [
        f"prevalence by time from the {dating.source}: {periods} period{'s' * (periods != 1)} in "
        f"{paths.result('prevalence_by_time')}; {left} without a period"
        + (f" ({reasons}; listed in {paths.result('undated')})" if len(undated) else "")
    ]


def seed_shares(
    sweep: SweepResult, choice: dict, final: SeedConsensus, data: ModelInput, settings: PrevalenceParams
) -> np.ndarray | None:
    """The chosen setting's seeds' doc-topic shares in the consensus topic numbers (S × D × K),
    so that the prevalence intervals cover the seeds' disagreement too; None for one seed, or
    when more than ``prevalence.seed_values_max`` shares would be held."""
    seeds = final.alignment.seeds
    size = len(seeds) * data.n_docs * final.model.k
    if len(seeds) < 2:
        return None
    if size > settings.seed_values_max:
        logger.info(
            "prevalence intervals rest on the documents only: %d seeds × %d documents × %d topics "
            "is more than prevalence.seed_values_max (%d)",
            len(seeds),
            data.n_docs,
            final.model.k,
            settings.seed_values_max,
        )
        return None
    specs = [(choice["engine"], choice["k"], seed) for seed in seeds]
    return aligned_doc_topics(final.alignment, (sweep.doc_topic(spec) for spec in specs))


def run_train(context: StageContext) -> list[str]:
    """Stage 4 (``zhtopics train``; ``run`` runs the sweep as part of it): sweep, choice, final models, tables."""
    paths, params = context.paths, context.params
    warning = small_corpus_warning(context.run.segment_summary, params.train.small_corpus)
    if warning:
        logger.warning(warning)
    dating = run_dating(context.run, params)
    data, sweep, stability, typicality = sweep_and_score(context)
    choice, finals = train_final(data, params, sweep, stability, typicality, paths, force_k=context.k)
    shares = seed_shares(sweep, choice, finals[choice["engine"]], data, params.prevalence)
    write_results(choice, finals, data, context.run, sweep.runs, params, dating, shares)
    final = finals[choice["engine"]]
    flips = int(final.flips(params.train.consensus.min_agreement).sum())
    kept = f", {choice['topics']} topics kept" if choice.get("topics", choice["k"]) != choice["k"] else ""
    return [
        *_time_lines(dating[0], context.run.units.documents, paths),
        f"chose {choice['engine']} at K={choice['k']}{kept} by the rule {params.selection.rule} "
        f"(results/model_choice.json gives its reasons); wrote {paths.models}/ and {paths.results}/",
        f"consensus of {len(final.alignment.seeds)} seeds (numbered as seed {final.model.seed}): seeds finding "
        f"each topic {final.alignment.seeds_found.tolist()}; {flips} {context.run.units.documents} flip between seeds",
    ]
