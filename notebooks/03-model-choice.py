# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 选择模型 · Choosing the model
#
# On a small corpus a topic model changes with the random seed and with the inference
# method, so one model with a hand-picked number of topics K is not a finding. The sweep
# fits every engine × K × seed and scores each run without labels: coherence of each
# topic's top words (c_v, c_npmi), topic diversity, and stability across seeds. A rule
# written down before looking picks engine and K. Read from `results/` (`zhtopics sweep`,
# `zhtopics train`).

# %% tags=["parameters"]
out_dir = ".."

# %%
import pandas as pd
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.report import escape_markdown
from zhtopics.results import RunResults

plots.use_style()
run = RunResults.from_folder(out_dir)
choice, sweep = run.choice, run.sweep

# %%
display(
    Markdown(
        f"The sweep has **{len(sweep)} runs**: engines {escape_markdown(', '.join(sorted(sweep['engine'].unique())))}, "
        f"K from {sweep['k'].min()} to {sweep['k'].max()}, {sweep['seed'].nunique()} seeds each."
    )
)

# %% [markdown]
# ## 一致性 · Coherence by K
# Lines are the mean over seeds, bands the spread between seeds; the chosen setting is marked.

# %%
plots.plot_coherence_by_k(sweep, choice)

# %% [markdown]
# ## 稳定性 · Stability by K
# For every pair of seeds the topics are matched one-to-one (Hungarian matching on the
# cosine similarity of their word distributions); stability is the mean matched
# similarity. 1.0 means every seed finds the same topics.

# %%
plots.plot_stability_by_k(run.stability, choice)

# %% [markdown]
# ## 规则与结果 · The rule and its outcome

# %%
best = choice["best"]
display(
    Markdown(
        f"**Rule.** {escape_markdown(choice['rule'])} Thresholds: stability ≥ {choice['min_stability']}, "
        f"diversity ≥ {choice['min_diversity']}.\n\n"
        f"**Outcome.** {choice['eligible_settings']} settings pass the thresholds. The best mean {escape_markdown(choice['metric'])} is "
        f"{best['metric_mean']:.3f} ({escape_markdown(best['engine'])}, K = {best['k']}; seed sd {best['metric_sd']:.3f}). "
        f"The smallest K within that tolerance is **{escape_markdown(choice['engine'])} at K = {choice['k']}** "
        f"(mean {escape_markdown(choice['metric'])} {choice['chosen_metric_mean']:.3f}, stability {choice['chosen_stability'] or float('nan'):.3f})."
        + (
            " No setting met the thresholds, so the rule chose among all of them."
            if choice["fallback_to_all_settings"]
            else ""
        )
    )
)

# %%
manifest = run.manifest()
display(
    Markdown(
        f"The final model is the chosen setting's most typical seed, **seed {manifest['seed']}**: its topics match "
        f"the other seeds' with a mean similarity of {manifest['seed_typicality']:.3f}, higher than any other seed's."
    )
)

# %% [markdown]
# ## 每个设置 · Every setting

# %%
settings = pd.DataFrame(choice["settings"])
settings.sort_values(["engine", "k"]).round(3)
