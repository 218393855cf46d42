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
# # 02 分词与词表 · Segmentation and vocabulary
#
# jieba cuts each document with the domain user dictionary; stopwords, a part-of-speech
# filter, numbers, punctuation, Latin noise and single characters are removed (each with
# its count below), and gensim's `filter_extremes` drops words too rare or too common to
# inform a topic. Numbers are read from `data/processed/`, written by `zhtopics segment`.

# %% tags=["parameters"]
out_dir = ".."

# %%
import dataclasses

from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.report import escape_markdown
from zhtopics.results import RunResults
from zhtopics.segment import Segmenter

plots.use_style()
run = RunResults.from_folder(out_dir)
summary = run.segment_summary

# %%
display(
    Markdown(
        f"Segmentation keeps **{summary['tokens_kept']} tokens** in {summary['documents']} {run.units.documents}. "
        f"`filter_extremes` (no_below={summary['filter_extremes']['no_below']}, "
        f"no_above={summary['filter_extremes']['no_above']}) reduces the vocabulary from "
        f"{summary['vocabulary_before_filter_extremes']} to **{summary['vocabulary']} words**, leaving "
        f"{summary['tokens_in_dictionary']} tokens for the models; "
        f"{len(summary['documents_without_tokens'])} {run.units.documents} end up with no token."
    )
)

# %% [markdown]
# ## 每个过滤器去掉了什么 · What each filter removed

# %%
run.token_filter

# %% [markdown]
# ## 按词性 · By part of speech
# What each part-of-speech tag kept and lost (`token_filter_by_tag.csv`): `segment.allowed_pos`
# lists the tags kept; `allowlisted_tokens` counts the tokens only an allow-list kept.

# %%
run.token_filter_by_tag

# %% [markdown]
# ## 用户词典的作用 · What the user dictionary does
# Three of this corpus' own texts whose tokens change with the run's user dictionary
# (`segment.userdict`): the words only one of the two cuts has. The segmenter is built from
# the parameters this run's segmentation used, read from its output folder (the first 2,000
# documents are searched).

# %%
params = run.segment_params()
if params.userdict is None:
    display(Markdown("This run used no user dictionary (`segment.userdict` is null)."))
else:
    with_dictionary = Segmenter(params)
    without_dictionary = Segmenter(dataclasses.replace(params, userdict=None))
    examples = []
    for doc_id, text in run.documents_table(["doc_id", "text"]).head(2000).itertuples(index=False):
        cut_with, cut_without = with_dictionary.tokens(text), without_dictionary.tokens(text)
        only_with = [t for t in dict.fromkeys(cut_with) if t not in cut_without]
        only_without = [t for t in dict.fromkeys(cut_without) if t not in cut_with]
        if only_with or only_without:
            examples.append(
                f"- {escape_markdown(doc_id)}: with it {escape_markdown(' / '.join(only_with) or '—')}; "
                f"without it {escape_markdown(' / '.join(only_without) or '—')}"
            )
        if len(examples) == 3:
            break
    display(Markdown("\n".join(examples) or "The user dictionary changes none of the first 2,000 documents' tokens."))

# %% [markdown]
# ## 高频词 · Most frequent terms

# %%
plots.plot_top_terms(run.term_counts)

# %%
plots.plot_wordcloud(run.term_counts)
