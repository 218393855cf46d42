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
# # How engine and K are chosen: the rule, checked on planted truth
#
# `zhtopics run` chooses the engine and the number of topics K with a label-free rule
# (`selection.rule` in params.yaml, `src/zhtopics/modeling/rules.py`). Which rule is the
# default was decided by `benchmarks/validate_rules.py`: planted corpora of the families
# researchers bring (paragraphs, short posts, LDA-style mixtures), each run through the
# real segmentation, every engine × K × seed fitted, and every rule's choice compared with
# the planted truth. This notebook reads what that script wrote
# (`benchmarks/results/rule_validation.json`); the same tables are in README.md. Run the
# validation again with `nice .venv/bin/python benchmarks/validate_rules.py --readme README.md`.

# %%
import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

ROOT = Path.cwd().resolve().parent if Path.cwd().name == "notebooks" else Path.cwd().resolve()
sys.path.insert(0, str(ROOT))
from benchmarks.rule_report import overall_table, rule_family_table, seed_table

result = json.loads((ROOT / "benchmarks" / "results" / "rule_validation.json").read_text(encoding="utf-8"))
print(
    f"written {result['written']}; engines {', '.join(result['settings']['engines'])}; "
    f"K {result['settings']['k'][0]}-{result['settings']['k'][-1]}; seeds {result['settings']['seeds']}"
)
print(f"chosen rule: {result['choice']['rule']} ({result['choice']['criterion']})")

# %% [markdown]
# ## Every rule, over all families (mean of the family means)

# %%
overall_table(result)

# %% [markdown]
# ## By family: error in K, agreement with the planted assignments, and the oracles
# The oracle is the same engine told the planted K; the planted model is the generator's
# own posterior (the best any model could do on that corpus).

# %%
rule_family_table(result)

# %% [markdown]
# ## The choice of K alone: each rule restricted to one engine

# %%
rule_family_table(result, per_engine=True)

# %%
summary = pd.DataFrame(result["summary"])
rules = summary[~summary["variant"].str.contains(r"\[")]
figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
for family, group in rules.groupby("family", sort=False):
    axes[0].plot(group["variant"], group["abs_k_error"], marker="o", label=family)
    axes[1].plot(group["variant"], group["nmi"], marker="o", label=family)
axes[0].set_ylabel("mean |K error|")
axes[1].set_ylabel("NMI against the planted topics")
for axis in axes:
    axis.tick_params(axis="x", rotation=45)
    axis.legend(frameon=False)
figure

# %% [markdown]
# ## The seed, as a sanity check (not a target)
# The 八大理由 article's numbered sections (一、… 八、): paragraphs of one section should
# mostly share a topic.

# %%
seed_table(result) if result.get("seed") else "the validation was run without the seed check"
