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
# # 07 主题分布 · Theme prevalence by article (group) and by year (period)
#
# How much of each article's (group's) text each topic takes, and how that changes over
# time, each share with its bootstrap interval:
#
# - **by group** (`results/prevalence_by_group.csv`): the token-weighted share of each topic
#   over the group's documents — including documents kept once in another group because
#   they repeat it; an excerpt or copy of another group is drawn grey;
# - **by period** (`results/prevalence_by_time.csv`): the same over the documents of each
#   year, quarter or month (`prevalence.period`). The dates come from `corpus.time_column`
#   (`--time-column`), or, without one, from the year an article states in its journal
#   record (`【年(卷),期】2014(000)011`). A document or article without a date is never
#   dated by guess: it is left out and listed in `results/undated.csv`.
#
# The interval is a percentile bootstrap over the documents of each group or period (one
# document: no interval), with the level, resamples and seed of the `prevalence` parameters.

# %% tags=["parameters"]
out_dir = ".."

# %%
import pandas as pd
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.results import RunResults

plots.use_style()
pd.set_option("display.max_colwidth", None)
run = RunResults.from_folder(out_dir)
settings, figures = run.params.prevalence, run.params.figures
labels, by_group = run.labels, run.prevalence_by_group
u = run.units
display(
    Markdown(
        f"Intervals: {settings.level:.0%} percentile bootstrap over the {u.documents} of each {u.group} "
        f"or period ({settings.draws} resamples, seed {settings.seed}; groups of more than "
        f"{settings.bootstrap_max_docs} {u.documents} get the normal approximation of the same interval). "
        f"Hollow dots: fewer than {settings.min_docs} {u.documents}."
    )
)


# %%
def wide(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per group or period, one column per topic: share (low–high)."""
    names = dict(zip(labels["topic"], labels["label"]))

    def cell(row) -> str:
        if pd.isna(row["share"]):
            return ""
        if pd.isna(row["low"]):
            return f"{row['share']:.0%}"
        return f"{row['share']:.0%} ({row['low']:.0%}–{row['high']:.0%})"

    shown = table.assign(cell=table.apply(cell, axis=1), name=table["topic"].map(lambda t: f"{t}: {names.get(t, '')}"))
    result = shown.pivot(index=key, columns="name", values="cell").reindex(list(dict.fromkeys(table[key])))
    result.insert(0, u.documents, table.drop_duplicates(key).set_index(key)["n_docs"])
    return result


# %% [markdown]
# ## 按文章 · By article (group)

# %%
plots.plot_group_intervals(
    by_group,
    labels,
    run.article_topics,
    level=settings.level,
    min_docs=settings.min_docs,
    max_groups=figures.max_groups,
    units=u,
)

# %%
wide(by_group, "group")

# %% [markdown]
# ## 按年份 · By period

# %%
if not run.has("prevalence_by_time"):
    display(
        Markdown(
            "No periods for this corpus: no `corpus.time_column` was given (`--time-column`), and no "
            f"{u.group} states its year in a journal record (`【年(卷),期】`)."
        )
    )
else:
    by_time = run.prevalence_by_time
    undated = run.undated
    periods = by_time["period"].nunique()
    if run.has("article_years"):
        years = run.article_years
        dated = years.dropna(subset=["year"])
        display(
            Markdown(
                f"Years stated by the {u.groups}: {len(dated)} of {len(years)} state one in their journal record; "
                f"the other {len(years) - len(dated)} state none and are not dated (a year mentioned in a "
                "paragraph, such as 追溯到2010年左右, is not when the text was written)."
            )
        )
        display(years.set_index("article_id"))
    else:
        reasons = undated["reason"].value_counts().to_dict()
        display(
            Markdown(
                f"Dates from the column `{run.params.corpus.time_column}`, by {settings.period}: {periods} periods; "
                f"{len(undated)} {u.documents} without a period ({reasons}; `results/undated.csv`)."
            )
        )
    display(plots.plot_shares_over_time(by_time, labels, level=settings.level, units=u))
    display(wide(by_time, "period"))
