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
# # 01 语料与清洗 · Corpus and cleaning
#
# What the raw input held, how it was split into groups (articles, or a table's groups) and
# documents (paragraphs, posts, rows), and what was removed on the way (and why). Every number below is read from `data/interim/`, written
# by `zhtopics prepare`.

# %% tags=["parameters"]
out_dir = ".."  # the folder `zhtopics run --out` wrote to (the project root for `make run`)

# %%
from IPython.display import Markdown, display

from zhtopics import plots
from zhtopics.results import RunResults

plots.use_style()
run = RunResults.from_folder(out_dir)
sources, articles, documents, removed = run.sources, run.articles, run.documents, run.removed
u = run.units  # what this corpus calls its groups and documents (articles and paragraphs, or groups and documents)

# %% [markdown]
# ## 输入 · Input files
# Format, detected encoding and checksum of every input file.

# %%
sources[["source_file", "format", "encoding", "bytes", "articles", "paragraphs", "removed_lines"]]

# %%
duplicates = removed["duplicate_of"].notna()
display(
    Markdown(
        f"The input holds **{len(articles)} {u.groups}**. After cleaning, **{len(documents)} distinct {u.documents}** "
        f"remain; **{int((~duplicates).sum())} lines or fragments** were removed (empty, too short, non-text: titles, "
        f"boilerplate, metadata, bylines) and **{int(duplicates.sum())} {u.documents}** were kept only once because "
        f"they repeat another {u.document}."
    )
)

# %% [markdown]
# ## 文章或分组 · Articles or groups
# Documents per group (paragraphs per article): those kept, and those kept in another group
# because they are (near) duplicates of it — an excerpt of a longer article is profiled
# through the full text.

# %%
plots.plot_paragraphs_per_article(articles, u)

# %%
articles

# %% [markdown]
# ## 长度 · Document lengths

# %%
plots.plot_paragraph_lengths(documents, u)

# %%
display(
    Markdown(
        f"{u.documents.capitalize()} have a median of **{documents['n_chars'].median():.0f} characters** "
        f"(shortest {documents['n_chars'].min()}, longest {documents['n_chars'].max()})."
    )
)

# %% [markdown]
# ## 清洗去掉了什么 · What cleaning removed
# Nothing disappears unrecorded: every removed line, fragment or duplicate is in
# `data/interim/removed.csv` with its reason and source line.

# %%
plots.plot_removed(removed)

# %%
removed.assign(text=removed["text"].str.slice(0, 60))[["lines", "article_id", "reason", "text"]].head(40)

# %% [markdown]
# ## 重新拼接的行 · Re-joined lines
# Lines broken mid-sentence (by PDF extraction) and section headings are joined to the
# text that follows them; `source_lines` gives the raw lines each paragraph came from.

# %%
joined = documents[documents["line_joins"].fillna("") != ""]
joined[["doc_id", "source_lines", "line_joins", "text"]].assign(text=joined["text"].str.slice(0, 60))
