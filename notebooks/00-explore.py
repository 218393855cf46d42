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
# # 00 从这里开始 · Start here: exploring a corpus
#
# A few lines take texts to topics and figures, through the same stages, parameters and
# cache as `zhtopics run`. Start from a list of strings, a table (`pandas.DataFrame`) or
# anything `zhtopics run` reads (a `.txt` file, a folder of them, a CSV, JSONL or Parquet
# table). Every step writes its files into the study's folder; running a step again with
# nothing changed reads them back instead of computing them.

# %% tags=["parameters"]
corpus = "../data/raw"  # a file or folder zhtopics reads (here: the seed articles)
folder = None  # where the study's files go (None: a new temporary folder)
k = 8  # the number of topics of the model fitted below
params = {"sweep": {"seeds": [1]}}  # parameters to change, as in a config file

# %% [markdown]
# ## A study of a corpus
# `Study(folder, input=..., params=...)`: the folder's own `params.yaml` is read, if it has
# one, as `zhtopics run --out folder` would; `params` changes what you want on top.

# %%
import tempfile

import zhtopics

study = zhtopics.Study(folder or tempfile.mkdtemp(prefix="zhtopics-"), input=corpus, params=params)
study.segment()  # stages 1-2: documents, tokens, Dictionary, bag of words
study.results.segment_summary["vocabulary"]

# %% [markdown]
# ## Topics at one K
# `fit(engine=..., k=...)` fits one setting (stages 3-5: the model, topic names and
# evidence); `fit()` alone runs the whole sweep over `sweep.k` and chooses K by the rule.

# %%
study.fit(engine="tomotopy", k=k)
study.topics()[["topic", "label", "top_words"]]

# %%
study.plot_topic_words()

# %%
study.plot_group_topics()

# %% [markdown]
# ## The paragraphs behind a topic

# %%
study.evidence().query("topic == 0")[["rank", "share", "article_title", "text"]]

# %% [markdown]
# ## From a list of strings
# The same, for texts in memory (one document each): `Study.from_texts(texts)` writes them to
# a table in a new folder; `Study.from_frame(frame, text_column=...)` keeps a table's other
# columns (a `group_column` groups documents, as articles do).

# %%
texts = study.results.documents["text"].head(60).tolist()
small = zhtopics.Study.from_texts(texts, params=params)
small.fit(engine="tomotopy", k=3)
small.topics()[["topic", "label", "top_words"]]

# %% [markdown]
# ## Reopening a run
# `Study.from_run(folder)` reads a folder `zhtopics run` (or a study) wrote, with its
# parameters: `zhtopics.Study.from_run("..")` is the project's own run after `make run`.
# `study.results` gives every table of the run (`zhtopics.results.RunResults`).
