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
# # 06 gensim 与 Gibbs 采样 · gensim vs collapsed Gibbs sampling
#
# The same tokens and Dictionary, two inference methods: gensim's `LdaModel` (online
# variational Bayes) and tomotopy's `LDAModel` (collapsed Gibbs sampling). Both are fitted
# at the chosen K; the sweep gives their behaviour at every K. Read from `results/`.

# %% tags=["parameters"]
out_dir = ".."

# %%
import pandas as pd
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.modeling.metrics import matched_similarity
from zhtopics.report import escape_markdown
from zhtopics.results import RunResults

plots.use_style()
run = RunResults.from_folder(out_dir)
comparison = run.engine_comparison.set_index("engine")
metric = run.choice["metric"]

# %%
plots.plot_engine_comparison(run.engine_comparison, run.sweep)

# %%
lines = [f"At K = {run.choice['k']}:"]
for engine, row in comparison.iterrows():
    lines.append(
        f"- **{escape_markdown(engine)}**: mean {escape_markdown(metric)} {row[f'{metric}_mean_over_seeds']:.3f} ± {row[f'{metric}_sd_over_seeds']:.3f} "
        f"over seeds, stability {row['stability']:.3f}, diversity of the final model {row['diversity']:.2f}, "
        f"{row['seconds_mean_over_seeds']:.2f} s per fit"
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## 两个引擎的主题对照 · The two engines' topics side by side
# Topics of the two final models matched one-to-one (Hungarian matching on cosine
# similarity of their word distributions).

# %%
engines = list(comparison.index)
if len(engines) == 2:
    first, second = engines
    similarity, matching = matched_similarity(run.topic_word(first), run.topic_word(second))
    words = {engine: run.topic_word(engine).argsort(axis=1)[:, ::-1][:, :8] for engine in engines}
    names = run.dictionary
    rows = []
    for topic, partner in enumerate(matching):
        a, b = run.topic_word(first)[topic], run.topic_word(second)[partner]
        rows.append(
            {
                f"{first} topic": topic,
                f"{first} top words": " ".join(names[int(i)] for i in words[first][topic]),
                f"{second} topic": int(partner),
                f"{second} top words": " ".join(names[int(i)] for i in words[second][partner]),
                "cosine": round(float(a @ b / ((a @ a) ** 0.5 * (b @ b) ** 0.5)), 3),
            }
        )
    display(Markdown(f"Mean matched similarity between the two engines' topics: **{similarity:.3f}**."))
    display(pd.DataFrame(rows))

# %% [markdown]
# ## 每个 K · Every K
# Mean over seeds of each engine's scores at every K of the sweep.

# %%
run.sweep.groupby(["k", "engine"])[["c_v", "c_npmi", "diversity", "seconds"]].mean().unstack("engine").round(3)
