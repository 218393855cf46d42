"""Stage 4: choose engine and K from the sweep by a label-free rule, fit the final models.

The rule (:func:`choose_setting`), using only the sweep's own numbers:

1. Summarise each (engine, K): mean and standard deviation over seeds of the selection
   metric (``selection.metric``, c_v by default), mean topic diversity, and stability.
2. Keep the settings stable and diverse enough: stability ≥ ``selection.min_stability``
   and diversity ≥ ``selection.min_diversity``. (If none is, all settings are kept and
   the outcome says so.)
3. Among them find the best mean metric; its seed standard deviation sets a tolerance.
4. Choose the smallest K whose mean metric is within that tolerance of the best (a
   simpler model that is not measurably worse); at that K, the engine with the higher
   mean.

The final model is the chosen setting's most typical seed: the run whose topics match
the other seeds' best on average (the medoid), not the luckiest. The other engine is
fitted at the same K the same way, so the two can be compared side by side.
"""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from zhtopics import __version__
from zhtopics.atomic import atomic_folder, atomic_path, write_csv, write_text
from zhtopics.config import OutputPaths, ZhtopicsError, params_hash
from zhtopics.engines import ENGINES, FittedModel, ModelInput, fit, topic_word_table
from zhtopics.sweep import code_version, kept_model, run_key

logger = logging.getLogger(__name__)

RULE = (
    "Among (engine, K) settings with stability >= min_stability and mean topic diversity >= min_diversity, "
    "take the best mean {metric} over seeds; choose the smallest K whose mean {metric} is within one seed "
    "standard deviation of that best, and at that K the engine with the higher mean {metric}."
)


def summarise_settings(runs: pd.DataFrame, stability: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per (engine, k): metric mean and sd over seeds, diversity, stability, seconds."""
    if metric not in runs.columns:
        raise ZhtopicsError(f"selection.metric: '{metric}' is not a sweep column ({', '.join(runs.columns)})")
    summary = (
        runs.groupby(["engine", "k"])
        .agg(
            metric_mean=(metric, "mean"),
            metric_sd=(metric, "std"),
            diversity=("diversity", "mean"),
            seconds=("seconds", "mean"),
            seeds=("seed", "count"),
        )
        .reset_index()
    )
    summary["metric_sd"] = summary["metric_sd"].fillna(0.0)
    return summary.merge(stability[["engine", "k", "stability"]], on=["engine", "k"], how="left")


def choose_setting(runs: pd.DataFrame, stability: pd.DataFrame, selection: dict) -> dict:
    """Apply the selection rule (module docstring) to a sweep.

    Parameters
    ----------
    runs : DataFrame
        ``results/sweep.csv`` rows (engine, k, seed, metrics).
    stability : DataFrame
        ``results/stability.csv`` rows (engine, k, stability).
    selection : dict
        ``metric``, ``min_stability``, ``min_diversity``.

    Returns
    -------
    dict
        ``engine``, ``k``, the ``rule`` in words, its parameters, the ``best`` setting,
        the ``tolerance``, whether it fell back to all settings, and the per-setting
        ``settings`` table it used.
    """
    metric = selection.get("metric", "c_v")
    summary = summarise_settings(runs, stability, metric)
    # u_mass is better when less negative; c_v and c_npmi when larger: all "higher is better".
    eligible = summary[
        (summary["stability"].fillna(1.0) >= selection.get("min_stability", 0.0))
        & (summary["diversity"] >= selection.get("min_diversity", 0.0))
    ]
    fallback = eligible.empty
    if fallback:
        logger.warning(
            "no setting has stability >= %s and diversity >= %s: choosing among all settings",
            selection.get("min_stability"),
            selection.get("min_diversity"),
        )
        eligible = summary
    best = eligible.sort_values(["metric_mean", "k"], ascending=[False, True], kind="stable").iloc[0]
    tolerance = float(best["metric_sd"])
    near_best = eligible[eligible["metric_mean"] >= best["metric_mean"] - tolerance]
    chosen = near_best.sort_values(["k", "metric_mean"], ascending=[True, False], kind="stable").iloc[0]
    return {
        "engine": str(chosen["engine"]),
        "k": int(chosen["k"]),
        "rule": RULE.format(metric=metric),
        "metric": metric,
        "min_stability": selection.get("min_stability"),
        "min_diversity": selection.get("min_diversity"),
        "best": {
            "engine": str(best["engine"]),
            "k": int(best["k"]),
            "metric_mean": round(float(best["metric_mean"]), 6),
            "metric_sd": round(tolerance, 6),
        },
        "tolerance": round(tolerance, 6),
        "chosen_metric_mean": round(float(chosen["metric_mean"]), 6),
        "chosen_stability": None if pd.isna(chosen["stability"]) else round(float(chosen["stability"]), 6),
        "fallback_to_all_settings": bool(fallback),
        "eligible_settings": len(eligible) if not fallback else 0,
        # Timings stay out of the choice (they differ run to run; see engine_comparison.csv).
        "settings": summary.drop(columns=["seconds"]).round(6).to_dict(orient="records"),
    }


def typical_seed(typicality: dict, engine: str, k: int) -> tuple[int, float]:
    """The seed of (engine, k) whose topics match the other seeds' best on average."""
    candidates = {seed: value for (e, kk, seed), value in typicality.items() if e == engine and kk == k}
    if not candidates:
        raise ZhtopicsError(f"the sweep has no runs for engine {engine} at k={k}")
    seed = max(sorted(candidates), key=lambda s: candidates[s])
    return seed, float(candidates[seed])


def package_versions() -> dict:
    """Versions recorded in each model's manifest: Python, zhtopics, the code, key packages."""
    from zhtopics.manifest import package_versions as installed

    versions = {"python": platform.python_version(), "zhtopics": __version__, "code": code_version()}
    versions.update(installed(("gensim", "tomotopy", "jieba", "numpy", "scipy", "pandas")))
    return versions


# --------------------------------------------------------------------------- tables


def doc_topics_table(
    fitted: FittedModel, documents: pd.DataFrame, tokens: pd.DataFrame, rows: slice = slice(None)
) -> pd.DataFrame:
    """``results/doc_topics.csv``: doc_id, text, dominant_topic, topic_0..K-1, then every
    other column of the documents table (article_id, article_title, input metadata).

    Documents without tokens have uniform shares and ``dominant_topic`` -1. ``rows`` selects
    a range of documents (the table is written in pieces for large corpora).
    """
    if documents["doc_id"].astype(str).tolist() != tokens["doc_id"].astype(str).tolist():
        raise ZhtopicsError("documents.parquet and tokens.parquet disagree on the documents: rerun `zhtopics segment`")
    start, stop, _ = rows.indices(len(documents))
    doc_topic = fitted.doc_topic[start:stop]
    shares = pd.DataFrame(np.round(doc_topic, 6), columns=[f"topic_{i}" for i in range(fitted.k)])
    dominant = doc_topic.argmax(axis=1)
    empty = np.asarray(fitted.empty_docs, dtype=np.int64)
    dominant[empty[(empty >= start) & (empty < stop)] - start] = -1
    part = documents.iloc[start:stop]
    table = pd.concat(
        [
            part[["doc_id", "text"]].reset_index(drop=True),
            pd.DataFrame({"dominant_topic": dominant, "n_tokens": tokens["n_in_dictionary"].to_numpy()[start:stop]}),
            shares,
            part.drop(columns=["doc_id", "text"]).reset_index(drop=True),
        ],
        axis=1,
    )
    return table


def write_doc_topics(
    fitted: FittedModel, documents: pd.DataFrame, tokens: pd.DataFrame, path: Path, rows_per_piece: int = 100_000
) -> pd.DataFrame:
    """Write :func:`doc_topics_table` to ``path`` (atomically, ``rows_per_piece`` documents at
    a time, so that a million documents are never one table in memory); return the columns
    the article profiles need (doc_id, n_tokens, topic_*)."""
    with atomic_path(path) as temporary:
        for start in range(0, len(documents), rows_per_piece):
            piece = doc_topics_table(fitted, documents, tokens, slice(start, start + rows_per_piece))
            piece.to_csv(temporary, index=False, header=start == 0, mode="w" if start == 0 else "a")
    shares = pd.DataFrame(np.round(fitted.doc_topic, 6), columns=[f"topic_{i}" for i in range(fitted.k)])
    return pd.concat(
        [
            pd.DataFrame(
                {"doc_id": documents["doc_id"].astype(str).to_numpy(), "n_tokens": tokens["n_in_dictionary"].to_numpy()}
            ),
            shares,
        ],
        axis=1,
    )


def paragraph_occurrences(documents: pd.DataFrame, removed: pd.DataFrame | None) -> pd.DataFrame:
    """Every place a kept paragraph occurs: its own article, plus the articles where a
    duplicate of it was removed. Columns doc_id (the kept paragraph), article_id."""
    own = documents[["doc_id", "article_id"]].astype(str)
    if removed is None or "duplicate_of" not in removed.columns:
        return own
    copies = removed.dropna(subset=["duplicate_of"])[["duplicate_of", "article_id"]]
    copies = copies.rename(columns={"duplicate_of": "doc_id"}).astype(str)
    return pd.concat([own, copies], ignore_index=True)


def article_topics_table(
    doc_topics: pd.DataFrame, k: int, occurrences: pd.DataFrame, articles: pd.DataFrame
) -> pd.DataFrame:
    """``results/article_topics.csv``: each article's topic shares, token-weighted over all its
    paragraphs (including those kept once in another article as duplicates)."""
    columns = [f"topic_{i}" for i in range(k)]
    merged = occurrences.merge(doc_topics[["doc_id", "n_tokens", *columns]].astype({"doc_id": str}), on="doc_id")
    weighted = merged[columns].mul(merged["n_tokens"], axis=0)
    weighted["article_id"] = merged["article_id"]
    sums = weighted.groupby("article_id")[columns].sum()
    counts = merged.groupby("article_id").agg(paragraphs=("doc_id", "count"), tokens=("n_tokens", "sum"))
    shares = sums.div(sums.sum(axis=1).replace(0, np.nan), axis=0).round(6)
    table = counts.join(shares).reset_index()
    table["dominant_topic"] = table[columns].fillna(-1).to_numpy().argmax(axis=1)
    table.loc[table["tokens"] == 0, "dominant_topic"] = -1
    titles = articles[["article_id", "article_title"]].astype(str)
    table = titles.merge(table, on="article_id", how="inner")
    return table[["article_id", "article_title", "paragraphs", "tokens", "dominant_topic", *columns]]


# --------------------------------------------------------------------------- the stage


def model_name(engine: str, k: int, prefix: str = "") -> str:
    return f"{prefix}{engine}_k{k}"


def write_model(fitted: FittedModel, data: ModelInput, folder: Path, manifest: dict) -> None:
    """Save a model (native file, matrices, Dictionary) with its ``manifest.json``.

    The folder is filled under a temporary name and renamed into place when complete, so a
    run killed meanwhile leaves the previous model (or none), never half of one.
    """
    with atomic_folder(folder) as temporary:
        fitted.save(temporary, data.dictionary)
        (temporary / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )


def train_final(
    data: ModelInput,
    params: dict,
    runs: pd.DataFrame,
    stability: pd.DataFrame,
    typicality: dict,
    paths: OutputPaths,
    force_k: int | None = None,
) -> tuple[dict, dict[str, FittedModel]]:
    """Choose the setting, fit the chosen model and the other engine at the same K, save both.

    Returns
    -------
    choice : dict
        The selection rule's outcome (also written to ``results/model_choice.json``).
    models : dict
        engine → FittedModel, the chosen engine first.
    """
    if force_k is not None:
        runs = runs[runs["k"] == force_k]
        stability = stability[stability["k"] == force_k]
        if runs.empty:
            raise ZhtopicsError(f"--k {force_k}: the sweep has no runs at that K")
    choice = choose_setting(runs, stability, params["selection"])
    if force_k is not None:
        choice["forced_k"] = force_k
    k = choice["k"]
    engines = [choice["engine"]] + [e for e in ENGINES if e != choice["engine"] and e in set(runs["engine"])]
    models: dict[str, FittedModel] = {}
    for engine in engines:
        seed, typical = typical_seed(typicality, engine, k)
        run = runs[(runs["engine"] == engine) & (runs["k"] == k) & (runs["seed"] == seed)].iloc[0].to_dict()
        key = run_key(data.fingerprint(), engine, k, seed, params)
        kept = paths.sweep_cache / key
        in_memory = kept_model(key)
        if in_memory is not None:  # the sweep fitted this run in this process
            fitted = in_memory
        elif (kept / "doc_topic.npy").exists():  # the sweep kept this run's model (one seed per setting)
            empty = np.flatnonzero(np.diff(data.bow.offsets) == 0).tolist()
            fitted = FittedModel.load(kept, engine, k, seed, params["engines"].get(engine), run["seconds"], empty)
        else:
            fitted = fit(engine, data, k, seed, params["engines"])
        models[engine] = fitted
        setting = stability[(stability["engine"] == engine) & (stability["k"] == k)]
        manifest = {
            "name": model_name(engine, k),
            "role": "chosen" if engine == choice["engine"] else "comparison (same K, other engine)",
            "engine": engine,
            "k": k,
            "seed": seed,
            "seed_typicality": round(typical, 6),
            "engine_params": params["engines"].get(engine),
            "metrics": {key: run[key] for key in ("c_v", "c_npmi", "u_mass", "diversity")},
            "stability": None if setting.empty else float(setting["stability"].iloc[0]),
            "fit_seconds": round(fitted.seconds, 3),
            "input_fingerprint": data.fingerprint(),
            "documents": data.n_docs,
            "vocabulary": data.n_terms,
            "documents_without_tokens": len(fitted.empty_docs),
            "params_hash": params_hash(params),
            "selection": {key: value for key, value in choice.items() if key != "settings"},
            "versions": package_versions(),
        }
        write_model(fitted, data, paths.models / model_name(engine, k), manifest)
        logger.info("fitted %s at k=%d (seed %d, typicality %.3f)", engine, k, seed, typical)
    return choice, models


def engine_comparison_table(choice: dict, models: dict[str, FittedModel], runs: pd.DataFrame) -> pd.DataFrame:
    """Both engines at the chosen K: the final seed's scores beside the mean over seeds."""
    settings = summarise_settings(
        runs, pd.DataFrame(choice["settings"])[["engine", "k", "stability"]], choice["metric"]
    )
    rows = []
    for engine, fitted in models.items():
        run = runs[(runs["engine"] == engine) & (runs["k"] == fitted.k) & (runs["seed"] == fitted.seed)].iloc[0]
        setting = settings[(settings["engine"] == engine) & (settings["k"] == fitted.k)].iloc[0]
        rows.append(
            {
                "engine": engine,
                "k": fitted.k,
                "seed": fitted.seed,
                "chosen": engine == choice["engine"],
                "c_v": run["c_v"],
                "c_npmi": run["c_npmi"],
                "u_mass": run["u_mass"],
                "diversity": run["diversity"],
                f"{choice['metric']}_mean_over_seeds": setting["metric_mean"],
                f"{choice['metric']}_sd_over_seeds": setting["metric_sd"],
                "stability": setting["stability"],
                "seconds_mean_over_seeds": setting["seconds"],
            }
        )
    return pd.DataFrame(rows)


def write_results(
    choice: dict,
    models: dict[str, FittedModel],
    data: ModelInput,
    paths: OutputPaths,
    runs: pd.DataFrame,
    topn: int = 30,
) -> None:
    """Write topics, doc_topics, article_topics (chosen model), the engine comparison and the model choice."""
    from zhtopics.ingest import load_documents

    paths.results.mkdir(parents=True, exist_ok=True)
    chosen = models[choice["engine"]]
    documents = load_documents(paths)
    tokens = pd.read_parquet(paths.tokens, columns=["doc_id", "n_in_dictionary"])
    removed = pd.read_csv(paths.removed) if paths.removed.exists() else None
    articles = (
        pd.read_csv(paths.articles)
        if paths.articles.exists()
        else (documents[["article_id", "article_title"]].drop_duplicates())
    )
    write_csv(topic_word_table(chosen, data.dictionary, topn), paths.results / "topics.csv")
    doc_topics = write_doc_topics(chosen, documents, tokens, paths.results / "doc_topics.csv")
    occurrences = paragraph_occurrences(documents, removed)
    write_csv(article_topics_table(doc_topics, chosen.k, occurrences, articles), paths.results / "article_topics.csv")
    for engine, fitted in models.items():
        if engine != choice["engine"]:
            write_csv(topic_word_table(fitted, data.dictionary, topn), paths.results / f"topics_{engine}.csv")
    write_csv(engine_comparison_table(choice, models, runs), paths.results / "engine_comparison.csv")
    write_text(paths.results / "model_choice.json", json.dumps(choice, ensure_ascii=False, indent=2) + "\n")
