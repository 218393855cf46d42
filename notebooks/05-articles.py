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
# # 05 分组与主题 · Which article (or group) argues which theme
#
# Each group's topic shares (an article's, or those of a table's `corpus.group_column`),
# weighted by tokens, over all its documents — including documents kept once in another
# group because they repeat it. Three things keep the view honest:
#
# - **size**: every share is shown beside the documents and tokens it rests on, and the
#   heatmap hatches the groups with fewer than `prevalence.min_docs` documents;
# - **intervals**: each share carries a bootstrap interval over the group's documents
#   (`results/prevalence_by_group.csv`);
# - **copies**: a group most of whose documents are duplicates of another group's
#   (stage 1's `data/interim/removed.csv`) is an excerpt or near-copy of it: it is shown as
#   such and not counted as a separate voice.
#
# Read from `results/article_topics.csv` and `results/prevalence_by_group.csv`.

# %% tags=["parameters"]
out_dir = ".."

# %%
import pandas as pd
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.modeling.copies import describe_copy
from zhtopics.report import escape_markdown
from zhtopics.report.summary import article_summary_table, main_topic_counts
from zhtopics.results import RunResults

plots.use_style()
pd.set_option("display.max_colwidth", None)  # the main topics with their intervals, uncut
run = RunResults.from_folder(out_dir)
settings = run.params.prevalence
article_topics, labels, prevalence = run.article_topics, run.labels, run.prevalence_by_group
names = dict(zip(labels["topic"], labels["label"]))
u = run.units  # articles and paragraphs, or groups and documents
display(
    Markdown(
        f"Intervals: {settings.level:.0%} percentile bootstrap over each {u.group}'s {u.documents} "
        f"({settings.draws} resamples, seed {settings.seed}). Hatched: fewer than {settings.min_docs} {u.documents}. "
        f"A {u.group} is a copy of another when at least {settings.copy_min_share:.0%} of its {u.documents} are "
        f"duplicates of that {u.group}'s (and it shares a larger part of itself than the other does)."
    )
)

# %%
plots.plot_article_topic_heatmap(
    article_topics, labels, prevalence=prevalence, level=settings.level, min_docs=settings.min_docs, units=u
)

# %%
article_summary_table(article_topics, prevalence, names, settings.min_docs, u).set_index(u.group)

# %%
display(Markdown(escape_markdown(main_topic_counts(article_topics, names, "topic", u))))

# %% [markdown]
# ## 转载 · Excerpts and copies
# `copied_share`: the share of the group's documents (an article's paragraphs) that
# `copy_of` also has (for an independent group, the largest share any other group has).

# %%
sizes = dict(zip(article_topics["article_id"].astype(str), article_topics["paragraphs"]))
copies = article_topics[["article_id", "article_title", "paragraphs", "copy_of", "copied_share"]].copy()
copies["reading"] = [describe_copy(row, sizes) or "independent" for row in article_topics.to_dict("records")]
copies.set_index("article_id")

# %% [markdown]
# ## 引导模型 · The guided model, beside the unsupervised one
# A second model is fitted with the theme seed words as priors (tomotopy `set_word_prior`):
# one topic per theme, plus free ones. It shows what the texts say when asked about the
# themes directly; it does not replace the unsupervised model above. Below: its topics, its
# view by group (same rules: sizes, intervals, copies), and how far the two models agree —
# topics matched one to one by the Hungarian method on the similarity of their word
# distributions (1 − Jensen–Shannon distance), and the documents' dominant topics compared
# by NMI, AMI and adjusted Rand.

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

# %%
if run.has("guided_prevalence_by_group"):
    guided_articles, guided_labels = run.guided_article_topics, run.guided_labels
    guided_prevalence = run.guided_prevalence_by_group
    guided_names = dict(zip(guided_labels["topic"], guided_labels["label"]))
    display(
        plots.plot_article_topic_heatmap(
            guided_articles,
            guided_labels,
            prevalence=guided_prevalence,
            level=settings.level,
            min_docs=settings.min_docs,
            units=u,
            title=f"Which {u.group} argues which theme: the guided model (seed words as priors)",
        )
    )
    display(article_summary_table(guided_articles, guided_prevalence, guided_names, settings.min_docs, u))
    display(Markdown(escape_markdown(main_topic_counts(guided_articles, guided_names, "guided topic", u))))

# %%
if run.has("guided_agreement"):
    agreement = run.guided_metrics["agreement"]
    display(
        Markdown(
            f"{u.document.capitalize()} assignments (dominant topic of the {agreement['documents']} {u.documents} "
            "with tokens): "
            f"NMI {agreement['nmi']}, AMI {agreement['ami']}, adjusted Rand {agreement['adjusted_rand']} "
            f"(1 = the same grouping; 0 = chance for AMI and adjusted Rand). "
            f"{agreement['matched_topics']} topics matched, mean similarity {agreement['mean_matched_similarity']}."
        )
    )
    display(run.guided_agreement)
