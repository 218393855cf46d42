"""The label-free rules that choose the engine and K from what a sweep produced.

Every rule is a pure function of :class:`SweepEvidence` (the sweep's rows, the stability
across seeds, the held-out documents' scores) and the ``selection`` parameters, and
returns the chosen ``engine`` and ``k`` with its reasons in words
(``results/model_choice.json``). ``selection.rule`` names one of :data:`RULES`:

``heldout_1se``
    Document completion on held-out documents (:mod:`zhtopics.modeling.heldout`): for each
    engine, the best K by log likelihood per held-out token, then the smallest K whose
    likelihood is within one standard error of it (Breiman's one-standard-error rule; the
    error of the difference, paired over the same held-out documents). Between engines,
    the higher held-out likelihood at their chosen K.
``coherence_sd``
    The rule before issue 11 (:func:`zhtopics.modeling.select.choose_setting`): the smallest
    K whose mean coherence is within one seed standard deviation of the best.
``coherence_heldout``
    Coherence as a filter: the settings whose mean coherence is more than
    ``selection.coherence_drop`` below their engine's best are dropped, then ``heldout_1se``.
``subsample_stability``
    Greene et al. (2014): the K whose topics agree best between the model on all documents
    and the model on a subsample (the training split); the engine with the higher agreement.
``mixture_clusters``
    A mixture engine (K an upper bound, empty clusters dropped): its setting at the largest
    K swept, whose runs keep the number of clusters the data support.
``clusters_or_heldout``
    The mixture engine by its occupied clusters, every other engine by ``heldout_1se``;
    between them, the higher held-out likelihood.

``k`` is the swept setting; a mixture engine's final model may keep fewer topics (the
``topics`` column of the sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines import ENGINES
from zhtopics.modeling.select import choose_setting, summarise_settings
from zhtopics.params import SelectionParams

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepEvidence:
    """What a sweep produced, as the rules read it.

    Attributes
    ----------
    runs : DataFrame
        ``sweep.csv`` rows: engine, k, seed, the metrics, ``topics`` and, when computed, the
        held-out columns (``heldout_ll``, ``heldout_tokens``, ``subsample_agreement``).
    stability : DataFrame
        ``stability.csv`` rows: engine, k, stability.
    heldout : DataFrame or None
        One row per held-out document of each run: engine, k, seed, row, tokens, ll.
    mixture_engines : frozenset of str
        Engines whose K is an upper bound (empty clusters dropped).
    """

    runs: pd.DataFrame
    stability: pd.DataFrame
    heldout: pd.DataFrame | None = None
    mixture_engines: frozenset[str] = field(default_factory=frozenset)

    def at_k(self, k: int) -> SweepEvidence:
        """The evidence of one K only (``--k``)."""
        heldout = None if self.heldout is None else self.heldout[self.heldout["k"] == k]
        return SweepEvidence(
            self.runs[self.runs["k"] == k], self.stability[self.stability["k"] == k], heldout, self.mixture_engines
        )

    def engines(self) -> list[str]:
        """The engines of the sweep, in its order."""
        return list(dict.fromkeys(self.runs["engine"]))


# --------------------------------------------------------------------------- held-out likelihood


def heldout_summary(heldout: pd.DataFrame) -> pd.DataFrame:
    """Per (engine, k): log likelihood per held-out token (all seeds' documents pooled),
    tokens and documents scored."""
    grouped = heldout.groupby(["engine", "k"], sort=True)
    summary = grouped.agg(ll=("ll", "sum"), tokens=("tokens", "sum"), documents=("row", "size")).reset_index()
    summary["heldout_ll"] = summary["ll"] / summary["tokens"]
    return summary.drop(columns="ll")


def paired_gap(heldout: pd.DataFrame, better: tuple[str, int], other: tuple[str, int]) -> tuple[float, float]:
    """How much better ``better`` predicts the held-out tokens than ``other`` (nats per token)
    and the standard error of that difference, paired over the (seed, document) pairs both
    scored (a ratio estimator: sum of differences over sum of tokens)."""
    keys = ["seed", "row"]
    a = heldout[(heldout["engine"] == better[0]) & (heldout["k"] == better[1])].set_index(keys)
    b = heldout[(heldout["engine"] == other[0]) & (heldout["k"] == other[1])].set_index(keys)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ZhtopicsError(f"no held-out document was scored by both {better} and {other}")
    difference = (a.loc[common, "ll"] - b.loc[common, "ll"]).to_numpy()
    tokens = a.loc[common, "tokens"].to_numpy().astype(float)
    gap = difference.sum() / tokens.sum()
    n = len(common)
    residual = difference - gap * tokens
    se = float(np.sqrt(n / max(n - 1, 1) * (residual**2).sum()) / tokens.sum())
    return float(gap), se


def one_se_k(heldout: pd.DataFrame, engine: str, ks: list[int] | None = None) -> dict:
    """The one-standard-error choice of K for one engine (among ``ks``, default all swept).

    Returns
    -------
    dict
        ``k`` (chosen), ``best_k``, and ``table``: per K its held-out log likelihood per
        token, the gap to the best and that gap's standard error, and whether it is within.
    """
    summary = heldout_summary(heldout[heldout["engine"] == engine])
    if ks is not None:
        summary = summary[summary["k"].isin(ks)]
    if summary.empty:
        raise ZhtopicsError(f"no held-out scores for engine {engine}")
    best = summary.sort_values(["heldout_ll", "k"], ascending=[False, True], kind="stable").iloc[0]
    best_k = int(best["k"])
    rows = []
    for _, setting in summary.iterrows():
        k = int(setting["k"])
        gap, se = (0.0, 0.0) if k == best_k else paired_gap(heldout, (engine, best_k), (engine, k))
        rows.append(
            {
                "engine": engine,
                "k": k,
                "heldout_ll": float(setting["heldout_ll"]),
                "gap_to_best": gap,
                "gap_se": se,
                "within_one_se": bool(gap <= se),
                "documents": int(setting["documents"]),
            }
        )
    table = pd.DataFrame(rows)
    chosen = int(table.loc[table["within_one_se"], "k"].min())
    return {"engine": engine, "k": chosen, "best_k": best_k, "table": table}


def _heldout_sentence(pick: dict) -> str:
    table = pick["table"].set_index("k")
    best, chosen = table.loc[pick["best_k"]], table.loc[pick["k"]]
    sentence = f"{pick['engine']}: the best held-out log likelihood is {best['heldout_ll']:.4f} nats per token at K = {pick['best_k']}"
    if pick["k"] == pick["best_k"]:
        return sentence + "; no smaller K is within one standard error of it."
    return sentence + (
        f"; K = {pick['k']} is the smallest K within one standard error ({chosen['heldout_ll']:.4f}: "
        f"{chosen['gap_to_best']:.4f} lower, standard error {chosen['gap_se']:.4f}, paired over "
        f"{int(chosen['documents'])} held-out documents)."
    )


def _engine_by_heldout(evidence: SweepEvidence, picks: list[dict]) -> tuple[dict, str]:
    """The pick whose setting predicts the held-out tokens best, and why in words."""
    scored = [(float(heldout_summary(_setting(evidence.heldout, p)).iloc[0]["heldout_ll"]), p) for p in picks]
    scored.sort(key=lambda item: (-item[0], item[1]["k"]))
    winner = scored[0][1]
    if len(scored) == 1:
        return winner, f"One engine: {winner['engine']}."
    parts = []
    for value, pick in scored[1:]:
        gap, se = paired_gap(evidence.heldout, (winner["engine"], winner["k"]), (pick["engine"], pick["k"]))
        parts.append(f"{pick['engine']} at K = {pick['k']} ({value:.4f}; {gap:.4f} lower, standard error {se:.4f})")
    return winner, (
        f"Between engines, at their chosen K: {winner['engine']} at K = {winner['k']} predicts the held-out "
        f"tokens best ({scored[0][0]:.4f} nats per token), ahead of " + "; ".join(parts) + "."
    )


def _setting(heldout: pd.DataFrame, pick: dict) -> pd.DataFrame:
    return heldout[(heldout["engine"] == pick["engine"]) & (heldout["k"] == pick["k"])]


def _require_heldout(evidence: SweepEvidence, rule: str) -> pd.DataFrame:
    if evidence.heldout is None or evidence.heldout.empty:
        raise ZhtopicsError(f"selection.rule {rule}: the sweep has no held-out scores (run it with heldout=True)")
    return evidence.heldout


def _heldout_method(evidence: SweepEvidence, selection: SelectionParams) -> str:
    runs = evidence.runs
    seeds = runs["seed"].nunique()
    documents = int(evidence.heldout.groupby(["engine", "k"]).size().max())
    return (
        f"Held-out document completion: for each of {seeds} seeds, {selection.heldout.share:.0%} of the documents "
        f"with two or more tokens (at most {selection.heldout.max_docs}) were held out and each setting refitted on "
        f"the others; a held-out document's topics were inferred from {selection.heldout.observed:.0%} of its tokens "
        f"and the rest were scored ({documents} documents per setting, all seeds)."
    )


# --------------------------------------------------------------------------- the rules


def heldout_1se(evidence: SweepEvidence, selection: SelectionParams, ks: dict[str, list[int]] | None = None) -> dict:
    """Per engine the one-standard-error K on held-out likelihood; between engines the higher likelihood."""
    heldout = _require_heldout(evidence, "heldout_1se")
    picks = [one_se_k(heldout, engine, None if ks is None else ks[engine]) for engine in evidence.engines()]
    winner, between = _engine_by_heldout(evidence, picks)
    reasons = [_heldout_method(evidence, selection), *(_heldout_sentence(p) for p in picks), between]
    return {
        "engine": winner["engine"],
        "k": winner["k"],
        "rule": (
            "For each engine, the smallest K whose held-out document-completion log likelihood per token is within "
            "one standard error (paired over held-out documents) of that engine's best; between engines, the higher "
            "held-out likelihood at their chosen K."
        ),
        "reasons": reasons,
        "heldout": pd.concat([p["table"] for p in picks]).round(6).to_dict(orient="records"),
    }


def coherence_sd(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """Today's rule (before issue 11), unchanged: :func:`zhtopics.modeling.select.choose_setting`."""
    choice = choose_setting(evidence.runs, evidence.stability, selection)
    best = choice["best"]
    reasons = [
        f"Among the {choice['eligible_settings'] or 'all'} settings with stability >= {selection.min_stability} and "
        f"diversity >= {selection.min_diversity}, the best mean {selection.metric} is {best['metric_mean']:.3f} "
        f"({best['engine']}, K = {best['k']}; seed standard deviation {best['metric_sd']:.3f}).",
        f"The smallest K within one seed standard deviation of it is K = {choice['k']} ({choice['engine']}, mean "
        f"{selection.metric} {choice['chosen_metric_mean']:.3f}).",
    ]
    return dict(choice, reasons=reasons)


def coherence_heldout(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """Coherence as a filter (per engine, within ``coherence_drop`` of its best), then :func:`heldout_1se`."""
    summary = summarise_settings(evidence.runs, evidence.stability, selection.metric)
    best = summary.groupby("engine")["metric_mean"].transform("max")
    kept = summary[summary["metric_mean"] >= best - selection.coherence_drop]
    ks = {engine: sorted(group["k"].tolist()) for engine, group in kept.groupby("engine")}
    choice = heldout_1se(evidence, selection, ks)
    dropped = summary[~summary.index.isin(kept.index)]
    filtered = (
        "; ".join(f"{engine}: K = {', '.join(map(str, group['k']))}" for engine, group in dropped.groupby("engine"))
        or "none"
    )
    choice["reasons"].insert(
        1,
        f"Coherence filter: settings whose mean {selection.metric} is more than {selection.coherence_drop} below their "
        f"engine's best were dropped ({filtered}).",
    )
    choice["rule"] = (
        f"Among the settings whose mean {selection.metric} is within {selection.coherence_drop} of their engine's best, "
        + choice["rule"][0].lower()
        + choice["rule"][1:]
    )
    return choice


def subsample_stability(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """Greene et al. (2014): per engine the K of highest subsample agreement; the engine with the higher."""
    runs = evidence.runs
    if "subsample_agreement" not in runs.columns:
        raise ZhtopicsError("selection.rule subsample_stability: the sweep has no subsample agreement (heldout=True)")
    table = runs.groupby(["engine", "k"], sort=True)["subsample_agreement"].mean().reset_index()
    picks = []
    for engine in evidence.engines():
        rows = table[table["engine"] == engine].sort_values(["subsample_agreement", "k"], ascending=[False, True])
        picks.append(rows.iloc[0])
    winner = max(picks, key=lambda row: (row["subsample_agreement"], -row["k"]))
    reasons = [
        f"Subsample agreement (Greene et al. 2014): the top {selection.heldout.agreement_topn} words of each topic "
        "fitted on all documents against those fitted on the training split of the same seed (average Jaccard over "
        f"ranks, topics matched one-to-one), mean over seeds.",
        *(
            f"{row['engine']}: highest agreement {row['subsample_agreement']:.3f} at K = {int(row['k'])}."
            for row in picks
        ),
        f"Between engines: {winner['engine']} agrees best.",
    ]
    return {
        "engine": str(winner["engine"]),
        "k": int(winner["k"]),
        "rule": "For each engine, the K whose topics agree best between all documents and a subsample; the engine with the higher agreement.",
        "reasons": reasons,
        "agreement": table.round(6).to_dict(orient="records"),
    }


def _mixture_pick(evidence: SweepEvidence, rule: str) -> tuple[dict, str]:
    """The mixture engine's setting at its largest K swept, and its occupied clusters in words."""
    mixtures = [engine for engine in evidence.engines() if engine in evidence.mixture_engines]
    if not mixtures:
        raise ZhtopicsError(
            f"selection.rule {rule}: no engine of sweep.engines ({', '.join(evidence.engines())}) is a mixture "
            "engine whose K is an upper bound"
        )
    engine = mixtures[0]
    runs = evidence.runs[evidence.runs["engine"] == engine]
    k = int(runs["k"].max())
    occupied = runs.loc[runs["k"] == k, "topics"].astype(int).tolist()
    sentence = (
        f"{engine} with K = {k} as the upper bound keeps {int(np.median(occupied))} clusters (median over seeds; "
        f"per seed: {', '.join(map(str, occupied))})."
    )
    if max(occupied) >= k:
        sentence += " Some seed used every cluster allowed: sweep larger K for a true upper bound."
    return {"engine": engine, "k": k, "topics": int(np.median(occupied))}, sentence


def mixture_clusters(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """The mixture engine's occupied clusters at the largest K swept."""
    pick, sentence = _mixture_pick(evidence, "mixture_clusters")
    return {
        "engine": pick["engine"],
        "k": pick["k"],
        "rule": "The mixture engine at the largest K swept (an upper bound): K is the number of clusters it keeps.",
        "reasons": [sentence],
    }


def clusters_or_heldout(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """The mixture engine by occupied clusters, the others by :func:`heldout_1se`; engine by held-out likelihood."""
    heldout = _require_heldout(evidence, "clusters_or_heldout")
    mixture, sentence = _mixture_pick(evidence, "clusters_or_heldout")
    others = [one_se_k(heldout, engine) for engine in evidence.engines() if engine != mixture["engine"]]
    winner, between = _engine_by_heldout(evidence, [mixture, *others])
    reasons = [_heldout_method(evidence, selection), sentence, *(_heldout_sentence(p) for p in others), between]
    return {
        "engine": winner["engine"],
        "k": winner["k"],
        "rule": (
            "The mixture engine's K by the clusters it keeps at the largest K swept, every other engine's by the "
            "one-standard-error rule on held-out likelihood; between engines, the higher held-out likelihood."
        ),
        "reasons": reasons,
    }


#: Rule name → (function, whether it needs the sweep's held-out evidence).
RULES: dict[str, tuple[Callable[[SweepEvidence, SelectionParams], dict], bool]] = {
    "heldout_1se": (heldout_1se, True),
    "coherence_sd": (coherence_sd, False),
    "coherence_heldout": (coherence_heldout, True),
    "subsample_stability": (subsample_stability, True),
    "mixture_clusters": (mixture_clusters, False),
    "clusters_or_heldout": (clusters_or_heldout, True),
}


def mixture_engines() -> frozenset[str]:
    """The registered engines whose K is an upper bound (``TopicEngine.k_is_upper_bound``)."""
    return frozenset(name for name, engine in ENGINES.items() if engine.k_is_upper_bound)


def needs_heldout(rule: str, settings: int = 2) -> bool:
    """Whether ``rule`` reads the held-out evidence when it chooses among ``settings``
    (engine, K) pairs (the sweep computes it only then: one setting needs no choice)."""
    return RULES[rule][1] and settings > 1


def choose(evidence: SweepEvidence, selection: SelectionParams) -> dict:
    """Apply ``selection.rule``; the outcome for ``results/model_choice.json``.

    Besides the rule's ``engine``, ``k``, ``rule`` (in words) and ``reasons``, the outcome
    carries the coherence summary every rule is reported with (``metric``, ``best``,
    ``tolerance``, ``chosen_metric_mean``, ``chosen_stability``, ``settings``: as
    :func:`zhtopics.modeling.select.choose_setting` gives them), and the held-out and
    subsample columns in ``settings`` when the sweep has them.
    """
    settings = evidence.runs[["engine", "k"]].drop_duplicates()
    if len(settings) == 1:
        engine, k = settings.iloc[0]
        outcome = {
            "engine": engine,
            "k": int(k),
            "rule": "one setting was swept (one engine, one K): nothing to choose",
            "reasons": [
                f"Only {engine} at K = {int(k)} was swept, so the rule {selection.rule} had nothing to choose."
            ],
        }
    else:
        function, _ = RULES[selection.rule]
        outcome = function(evidence, selection)
    context = choose_setting(evidence.runs, evidence.stability, selection)
    summary = pd.DataFrame(context["settings"])
    extra = _extra_columns(evidence)
    if extra is not None:
        summary = summary.merge(extra, on=["engine", "k"], how="left")
    chosen = summary[(summary["engine"] == outcome["engine"]) & (summary["k"] == outcome["k"])].iloc[0]
    merged = dict(context)
    merged.update(
        {
            "rule_name": selection.rule,
            "chosen_metric_mean": round(float(chosen["metric_mean"]), 6),
            "chosen_stability": None if pd.isna(chosen["stability"]) else round(float(chosen["stability"]), 6),
            "settings": summary.round(6).to_dict(orient="records"),
        }
    )
    merged.update(outcome)
    merged["k"] = int(merged["k"])
    return merged


def _extra_columns(evidence: SweepEvidence) -> pd.DataFrame | None:
    """Per (engine, k): mean topics kept, and the held-out and subsample summaries when present."""
    runs = evidence.runs
    extra = runs.groupby(["engine", "k"], sort=True)["topics"].mean().rename("topics_mean").reset_index()
    if evidence.heldout is not None and not evidence.heldout.empty:
        extra = extra.merge(heldout_summary(evidence.heldout)[["engine", "k", "heldout_ll"]], on=["engine", "k"])
    if "subsample_agreement" in runs.columns:
        agreement = runs.groupby(["engine", "k"], sort=True)["subsample_agreement"].mean().reset_index()
        extra = extra.merge(agreement, on=["engine", "k"])
    return extra
