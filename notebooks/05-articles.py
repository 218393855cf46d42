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
# # 05 文章与主题 · Which article argues which theme
#
# Each article's topic shares, weighted by tokens, over all its paragraphs — including
# paragraphs kept once in another article because they repeat it. Read from
# `results/article_topics.csv`.

# %% tags=["parameters"]
out_dir = ".."

# %%
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.report import escape_markdown
from zhtopics.results import RunResults

plots.use_style()
run = RunResults.from_folder(out_dir)
article_topics, labels = run.article_topics, run.labels
topic_columns = [c for c in article_topics.columns if c.startswith("topic_")]

# %%
plots.plot_article_topic_heatmap(article_topics, labels)

# %%
lines = []
for row in article_topics.itertuples():
    shares = sorted(((getattr(row, c), int(c.split("_")[1])) for c in topic_columns), reverse=True)
    main = "; ".join(f"{escape_markdown(run.label(t))} {s:.0%}" for s, t in shares[:2] if s == s)
    lines.append(
        f"- **{escape_markdown(row.article_title)}** ({escape_markdown(row.article_id)}, "
        f"{row.paragraphs} paragraphs): {main}"
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## 引导模型 · The guided model, beside the unsupervised one
# A second model is fitted with the theme seed words as priors (tomotopy `set_word_prior`):
# one topic per theme, plus free ones. It shows what the texts say when asked about the
# themes directly; it does not replace the unsupervised model above.

# %%
if not run.has("guided_metrics"):
    display(
        Markdown(
            "No guided model for this corpus: too few of the theme seed words are in its vocabulary "
            "(see `results/theme_seed_coverage.csv` and `themes.guided.min_seed_coverage`)."
        )
    )
else:
    guided = run.guided_metrics
    display(
        Markdown(
            f"Guided model: K = {guided['k']}, c_v {guided['c_v']:.3f}, c_npmi {guided['c_npmi']:.3f} "
            f"(unsupervised final model: c_v {run.manifest()['metrics']['c_v']:.3f}, "
            f"c_npmi {run.manifest()['metrics']['c_npmi']:.3f})."
        )
    )
    display(run.guided_labels.set_index("topic")[["seeded_theme", "label", "score", "top_words"]])
