"""Stage 4's choice: engine and K from the sweep, by a label-free rule.

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

import logging

import pandas as pd

from zhtopics.errors import ZhtopicsError
from zhtopics.params import SelectionParams

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


def choose_setting(runs: pd.DataFrame, stability: pd.DataFrame, selection: SelectionParams) -> dict:
    """Apply the selection rule (module docstring) to a sweep.

    Parameters
    ----------
    runs : DataFrame
        ``results/sweep.csv`` rows (engine, k, seed, metrics).
    stability : DataFrame
        ``results/stability.csv`` rows (engine, k, stability).
    selection : SelectionParams
        ``metric``, ``min_stability``, ``min_diversity``.

    Returns
    -------
    dict
        ``engine``, ``k``, the ``rule`` in words, its parameters, the ``best`` setting,
        the ``tolerance``, whether it fell back to all settings, and the per-setting
        ``settings`` table it used.
    """
    metric = selection.metric
    summary = summarise_settings(runs, stability, metric)
    # u_mass is better when less negative; c_v and c_npmi when larger: all "higher is better".
    eligible = summary[
        (summary["stability"].fillna(1.0) >= selection.min_stability)
        & (summary["diversity"] >= selection.min_diversity)
    ]
    fallback = eligible.empty
    if fallback:
        logger.warning(
            "no setting has stability >= %s and diversity >= %s: choosing among all settings",
            selection.min_stability,
            selection.min_diversity,
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
        "min_stability": selection.min_stability,
        "min_diversity": selection.min_diversity,
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
