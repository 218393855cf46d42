"""The label-free rules of modeling/rules.py: their arithmetic on made-up evidence, and the
validated rule on a small planted family (guarding benchmarks/validate_rules.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.rules import RULES, SweepEvidence, choose, needs_heldout, one_se_k, paired_gap
from zhtopics.params import load_params
from zhtopics.params.sections import RULE_NAMES


def selection(rule: str, **values):
    return load_params(overrides={"selection": {"rule": rule, **values}}).selection


def made_up_evidence(means: dict[tuple[str, int], float], noise: float = 0.3, docs: int = 200, seeds=(1, 2, 3)):
    """Sweep rows and held-out documents where setting (engine, k) scores ``means`` nats per
    token on average; documents differ a lot (a shared per-document offset), settings little."""
    rng = np.random.default_rng(0)
    offsets = {seed: rng.normal(0, 2.0, docs) for seed in seeds}
    tokens = rng.integers(5, 15, docs)
    runs, stability, held = [], [], []
    for (engine, k), mean in means.items():
        for seed in seeds:
            per_token = mean + offsets[seed] + rng.normal(0, noise, docs)
            held.append(
                pd.DataFrame(
                    {
                        "engine": engine,
                        "k": k,
                        "seed": seed,
                        "row": np.arange(docs),
                        "tokens": tokens,
                        "ll": per_token * tokens,
                    }
                )
            )
            runs.append(
                {
                    "engine": engine,
                    "k": k,
                    "seed": seed,
                    "c_v": 0.5 + 0.01 * k,
                    "c_npmi": 0.0,
                    "u_mass": -1.0,
                    "diversity": 0.9,
                    "seconds": 0.1,
                    "topics": k,
                    "subsample_agreement": 1.0 / k,
                }
            )
        stability.append({"engine": engine, "k": k, "stability": 0.8})
    return SweepEvidence(pd.DataFrame(runs), pd.DataFrame(stability), pd.concat(held, ignore_index=True))


def test_the_parameter_names_exactly_the_rules():
    assert tuple(RULES) == RULE_NAMES
    assert not needs_heldout("coherence_sd") and needs_heldout("heldout_1se")


def test_paired_gap_is_the_per_token_difference_with_its_standard_error():
    evidence = made_up_evidence({("e", 2): -5.0, ("e", 3): -4.5})
    gap, se = paired_gap(evidence.heldout, ("e", 3), ("e", 2))
    assert gap == pytest.approx(0.5, abs=0.05)
    # paired: the documents' large shared offsets cancel, so the error is far below their spread
    assert 0 < se < 0.05


def test_one_standard_error_rule_takes_the_smallest_k_not_measurably_worse():
    # K = 4 is best by a hair; K = 3 is within noise of it; K = 2 is clearly worse
    evidence = made_up_evidence({("e", 2): -5.0, ("e", 3): -4.501, ("e", 4): -4.5, ("e", 5): -4.52})
    pick = one_se_k(evidence.heldout, "e")
    assert pick["best_k"] in (3, 4) and pick["k"] == 3
    table = pick["table"].set_index("k")
    assert not table.loc[2, "within_one_se"] and table.loc[3, "within_one_se"]


def test_heldout_rule_chooses_the_engine_that_predicts_better():
    evidence = made_up_evidence({("a", 2): -5.0, ("a", 3): -4.0, ("b", 2): -4.8, ("b", 3): -4.8})
    choice = choose(evidence, selection("heldout_1se"))
    assert (choice["engine"], choice["k"]) == ("a", 3)
    assert any("Between engines" in reason for reason in choice["reasons"])
    # the coherence summary every rule reports, for the summary and the figures
    assert {"metric", "best", "tolerance", "chosen_metric_mean", "settings"} <= set(choice)
    assert "heldout_ll" in pd.DataFrame(choice["settings"]).columns


def test_coherence_filter_removes_settings_far_below_the_best():
    evidence = made_up_evidence({("e", 2): -5.0, ("e", 3): -4.0, ("e", 4): -3.0})
    runs = evidence.runs.assign(c_v=evidence.runs["k"].map({2: 0.6, 3: 0.6, 4: 0.3}))
    evidence = SweepEvidence(runs, evidence.stability, evidence.heldout)
    assert choose(evidence, selection("heldout_1se"))["k"] == 4
    assert choose(evidence, selection("coherence_heldout", coherence_drop=0.05))["k"] == 3


def test_subsample_stability_and_todays_rule():
    evidence = made_up_evidence({("e", 2): -5.0, ("e", 3): -4.0, ("e", 4): -3.0})
    assert choose(evidence, selection("subsample_stability"))["k"] == 2  # agreement 1/k
    today = choose(evidence, selection("coherence_sd"))
    assert today["k"] == 4 and today["rule_name"] == "coherence_sd"  # c_v rises with k


def test_mixture_rules_need_a_mixture_engine_and_read_its_kept_clusters():
    evidence = made_up_evidence({("lda", 5): -4.0, ("mix", 5): -4.1, ("mix", 8): -4.1})
    with pytest.raises(ZhtopicsError, match="no engine of sweep.engines"):
        choose(evidence, selection("mixture_clusters"))
    runs = evidence.runs.copy()
    runs.loc[(runs["engine"] == "mix") & (runs["k"] == 8), "topics"] = [5, 6, 5]
    mixture = SweepEvidence(runs, evidence.stability, evidence.heldout, frozenset({"mix"}))
    choice = choose(mixture, selection("mixture_clusters"))
    assert (choice["engine"], choice["k"]) == ("mix", 8)
    assert "keeps 5 clusters" in choice["reasons"][0]
    assert choose(mixture, selection("clusters_or_heldout"))["engine"] == "lda"


def test_heldout_rules_say_when_the_sweep_has_no_heldout_scores():
    evidence = made_up_evidence({("e", 2): -5.0, ("e", 3): -5.0})
    with pytest.raises(ZhtopicsError, match="no held-out scores"):
        choose(SweepEvidence(evidence.runs, evidence.stability), selection("heldout_1se"))


def test_one_setting_needs_no_rule_and_no_heldout_evidence():
    """A sweep of one engine at one K (``--k`` with one engine) is the choice; every rule says
    so, and the sweep is not asked for held-out evidence it would not use."""
    assert not needs_heldout("heldout_1se", settings=1)
    evidence = made_up_evidence({("tomotopy", 6): -5.0})
    evidence = SweepEvidence(evidence.runs, evidence.stability, None)
    for rule in ("heldout_1se", "coherence_sd", "subsample_stability"):
        choice = choose(evidence, selection(rule))
        assert (choice["engine"], choice["k"]) == ("tomotopy", 6)
        assert "nothing to choose" in choice["rule"]
