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
# # 04 主题 · The topics
#
# The chosen model's topics: their names, top words, how many seeds find them, the
# documents (paragraphs) that carry them most, how they relate, and an interactive map. The topics are
# the consensus of all the seeds of the chosen setting, numbered as its most typical seed.
# A topic is named after a theme of the study's themes file (`themes.file`) when the theme's seed words
# carry enough of its top words (the score); otherwise by its most distinctive words (LDAvis
# relevance). Read from `results/` (`zhtopics train`, `zhtopics themes`).

# %% tags=["parameters"]
out_dir = ".."

# %%
from IPython.display import HTML, Markdown, display

from zhtopics import plots
from zhtopics.report import escape_markdown
from zhtopics.results import RunResults
from zhtopics.topic_map import prepare_topic_map, topic_map_fragment

plots.use_style()
run = RunResults.from_folder(out_dir)
labels, choice = run.labels, run.choice

# %%
named = labels[labels["theme_id"].fillna("") != ""]
consensus = run.manifest()["consensus"]
flips = consensus["flips_between_seeds"]
display(
    Markdown(
        f"The chosen model ({escape_markdown(choice['engine'])}, K = {choice['k']}) has **{len(labels)} topics**; "
        f"{len(named)} are named after a theme (score ≥ the `themes.min_score` threshold), "
        f"{len(labels) - len(named)} by their most distinctive words. They are the consensus of "
        f"{len(consensus['seeds'])} seeds, numbered as seed {consensus['reference_seed']}; a seed finds a topic when "
        f"one of its topics matches it with cosine similarity ≥ {consensus['min_similarity']} (`seeds_found`). "
        f"**{flips} of {consensus['documents_with_tokens']} {run.units.documents} flip between seeds**: fewer than "
        f"{consensus['min_agreement']:.0%} of the seeds give them their dominant topic."
    )
)
labels.set_index("topic")[
    [
        "label",
        "seeds_found",
        "seeds",
        "theme_en",
        "score",
        "runner_up",
        "runner_up_score",
        "top_words",
        "distinctive_words",
    ]
].fillna("")

# %% [markdown]
# ## 主题词 · Top words of every topic

# %%
plots.plot_topic_words(run.topics, labels)

# %% [markdown]
# ## 证据 · Evidence: the documents that carry each topic most
# Read these before trusting a name. Per topic, the documents whose dominant topic it is and
# that do not flip between seeds, one per group (article) before a second from the same one,
# highest share first (`src/zhtopics/themes/evidence.py`).

# %%
# Labels, titles and paragraphs are scraped text: into Markdown only through escape_markdown
# (nbconvert renders HTML inside Markdown; the paragraphs must show as written).
support = labels.set_index("topic")
for topic, rows in run.evidence.fillna({"article_title": ""}).groupby("topic"):
    lines = [
        f"**topic {topic}: {escape_markdown(run.label(topic))}** (found by {support.loc[topic, 'seeds_found']} of "
        f"{support.loc[topic, 'seeds']} seeds; top words: {escape_markdown(support.loc[topic, 'top_words'])})",
        "",
    ]
    for row in rows.itertuples():
        lines.append(f"{row.rank}. ({row.share:.0%}, {escape_markdown(row.article_title)}) {escape_markdown(row.text)}")
    display(Markdown("\n".join(lines)))

# %% [markdown]
# ## 不稳定的文档 · Documents whose topic flips between seeds
# The share of seeds that give each document its dominant topic (`seed_agreement`), for the
# flagged documents, least agreed first.

# %%
flipping = run.doc_topic_shares(("doc_id", "text", "article_title", "dominant_topic", "seed_agreement"))
flipping = flipping[flipping["seed_agreement"] < consensus["min_agreement"]].sort_values(
    ["seed_agreement", "doc_id"], kind="stable"
)
flipping[["doc_id", "article_title", "dominant_topic", "seed_agreement", "text"]].head(20)

# %% [markdown]
# ## 主题之间 · How the topics relate

# %%
plots.plot_topic_similarity(run.topic_word(), labels)

# %% [markdown]
# ## 交互式主题图 · Interactive topic map
# pyLDAvis, with its JavaScript carried inside this page (it works offline). Topic numbers
# are the tables' numbers; λ balances a term's probability in the topic against its
# distinctiveness.

# %%
dictionary = run.dictionary
prepared = prepare_topic_map(
    run.topic_word(),
    run.doc_topic(),
    run.tokens["n_in_dictionary"].to_numpy(),
    [dictionary[i] for i in range(len(dictionary))],
    [dictionary.cfs.get(i, 0) for i in range(len(dictionary))],
)
HTML(topic_map_fragment(prepared, labels=labels["label"].tolist()))
