"""Stage 5: name topics after the themes they carry, find evidence paragraphs, fit a guided model.

Naming (:func:`label_topics`). ``data/lexicon/themes.yaml`` lists themes with a few seed
words each, written from reading the articles. A topic's score for a theme is the share
of the probability mass of its top ``themes.topn`` words that falls on that theme's seed
words. The topic takes the best-scoring theme's name when that score reaches
``themes.min_score``; otherwise it is labelled by its top three words. When several
topics carry the same theme, the highest-scoring one takes the plain name and the others
add their top word, so labels stay distinct.

Evidence (:func:`topic_evidence`): the paragraphs with the highest share of each topic.

Guided variant (:func:`fit_guided`): tomotopy ``LDAModel`` with the seed words as word
priors (``set_word_prior``), one topic per theme plus ``extra_topics`` free ones. It is
reported beside the unsupervised model and never replaces it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import yaml

from zhtopics.config import InputError, resolve
from zhtopics.engines import FittedModel, ModelInput, fit_tomotopy

logger = logging.getLogger(__name__)

LABEL_COLUMNS = [
    "topic",
    "label",
    "theme_id",
    "theme",
    "theme_en",
    "score",
    "runner_up",
    "runner_up_score",
    "top_words",
]


def load_themes(path) -> list[dict]:
    """Read ``themes.yaml``: a list of themes with ``id``, ``name``, ``name_en`` and ``seeds``."""
    path = resolve(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(path, "themes file not found") from None
    except yaml.YAMLError:
        raise InputError(path, "not valid YAML") from None
    themes = data.get("themes") if isinstance(data, dict) else None
    if not themes or not isinstance(themes, list):
        raise InputError(path, "expected a list under 'themes:'")
    for number, theme in enumerate(themes, start=1):
        missing = [key for key in ("id", "name", "seeds") if not theme.get(key)]
        if missing:
            raise InputError(path, f"theme {number} has no {', '.join(missing)}")
    ids = [theme["id"] for theme in themes]
    if len(set(ids)) != len(ids):
        raise InputError(path, "theme ids must be unique")
    return themes


def theme_scores(topic_word: np.ndarray, vocabulary: dict[str, int], themes: list[dict], topn: int) -> np.ndarray:
    """Score matrix (topics × themes): share of each topic's top-``topn`` mass on the theme's seeds."""
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :topn]
    scores = np.zeros((topic_word.shape[0], len(themes)))
    for t, ids in enumerate(top):
        mass = topic_word[t, ids]
        total = mass.sum()
        for h, theme in enumerate(themes):
            seed_ids = {vocabulary[w] for w in theme["seeds"] if w in vocabulary}
            scores[t, h] = sum(m for i, m in zip(ids, mass) if i in seed_ids) / total if total else 0.0
    return scores


def label_topics(
    topic_word: np.ndarray, vocabulary: dict[str, int], themes: list[dict], topn: int = 30, min_score: float = 0.1
) -> pd.DataFrame:
    """Name each topic after its best theme, or by its top words (see the module docstring).

    Parameters
    ----------
    topic_word : ndarray, shape (k, n_terms)
    vocabulary : dict
        word → column of ``topic_word`` (a gensim Dictionary's ``token2id``).
    themes : list of dict
    topn : int
        Top words of a topic that are scored.
    min_score : float
        Smallest score that names a topic after a theme.

    Returns
    -------
    DataFrame
        One row per topic with :data:`LABEL_COLUMNS`.
    """
    words = {i: w for w, i in vocabulary.items()}
    scores = theme_scores(topic_word, vocabulary, themes, topn)
    top_words = [[words[int(i)] for i in row] for row in np.argsort(-topic_word, axis=1, kind="stable")[:, :10]]
    rows = []
    for t in range(topic_word.shape[0]):
        order = np.argsort(-scores[t], kind="stable")
        best, second = order[0], order[1] if len(order) > 1 else None
        named = scores[t, best] >= min_score
        theme = themes[best]
        rows.append(
            {
                "topic": t,
                "label": theme["name"] if named else " · ".join(top_words[t][:3]),
                "theme_id": theme["id"] if named else "",
                "theme": theme["name"] if named else "",
                "theme_en": theme.get("name_en", "") if named else "",
                "score": round(float(scores[t, best]), 4),
                "runner_up": "" if second is None else themes[second]["name"],
                "runner_up_score": 0.0 if second is None else round(float(scores[t, second]), 4),
                "top_words": " ".join(top_words[t]),
            }
        )
    labels = pd.DataFrame(rows, columns=LABEL_COLUMNS)
    # Distinct labels: the strongest topic of a theme keeps the plain name.
    for _theme_id, group in labels[labels["theme_id"] != ""].groupby("theme_id"):
        for t in group.sort_values("score", ascending=False, kind="stable")["topic"].iloc[1:]:
            labels.loc[t, "label"] = f"{labels.loc[t, 'theme']}({top_words[t][0]})"
    return labels


def topic_evidence(doc_topics: pd.DataFrame, k: int, per_topic: int = 5) -> pd.DataFrame:
    """The ``per_topic`` paragraphs with the highest share of each topic (documents with tokens only).

    Ties are broken by ``doc_id``. Only the share and id columns are sorted, so the memory
    needed is a few numbers per document, not a copy of the table with its texts.
    """
    rows = []
    usable = doc_topics.index[doc_topics["n_tokens"].to_numpy() > 0]
    doc_ids = doc_topics.loc[usable, "doc_id"].astype(str)
    for topic in range(k):
        column = f"topic_{topic}"
        shares = doc_topics.loc[usable, column]
        # candidates: every row at least as high as the per_topic-th highest share (ties included)
        threshold = shares.nlargest(per_topic, keep="all").min() if len(shares) else 0.0
        candidates = pd.DataFrame({"share": shares[shares >= threshold], "doc_id": doc_ids[shares >= threshold]})
        best = candidates.sort_values(["share", "doc_id"], ascending=[False, True], kind="stable").head(per_topic)
        for rank, (index, share) in enumerate(best["share"].items(), start=1):
            row = doc_topics.loc[index]
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "doc_id": row["doc_id"],
                    "share": round(float(share), 4),
                    "article_id": row.get("article_id", ""),
                    "article_title": row.get("article_title", ""),
                    "text": row["text"],
                }
            )
    return pd.DataFrame(rows, columns=["topic", "rank", "doc_id", "share", "article_id", "article_title", "text"])


def fit_guided(
    data: ModelInput, themes: list[dict], params: dict, engine_params: dict, seed: int
) -> tuple[FittedModel, list[str]]:
    """Fit the guided tomotopy model: topic i of the first len(themes) is seeded with theme i.

    Parameters
    ----------
    params : dict
        ``themes.guided``: ``extra_topics`` (unseeded topics), ``seed_prior`` (prior of a
        seed word in its theme's topic) and ``other_prior`` (its prior elsewhere).
    engine_params : dict
        ``engines.tomotopy`` (alpha, eta, iterations, ...).

    Returns
    -------
    FittedModel, list of str
        The model, and the theme id of each topic ("" for the free ones).
    """
    k = len(themes) + int(params.get("extra_topics", 1))
    vocabulary = data.dictionary.token2id
    priors: dict[str, list[float]] = {}
    for index, theme in enumerate(themes):
        for word in theme["seeds"]:
            if word in vocabulary and word not in priors:
                priors[word] = [
                    params.get("seed_prior", 1.0) if t == index else params.get("other_prior", 0.01) for t in range(k)
                ]
    fitted = fit_tomotopy(data, k, seed, engine_params, word_priors=priors)
    topic_themes = [theme["id"] for theme in themes] + [""] * (k - len(themes))
    return fitted, topic_themes


def seed_coverage(themes: list[dict], vocabulary: dict[str, int]) -> pd.DataFrame:
    """Which seed words of each theme are in the model's vocabulary."""
    rows = []
    for theme in themes:
        found = [w for w in theme["seeds"] if w in vocabulary]
        missing = [w for w in theme["seeds"] if w not in vocabulary]
        rows.append(
            {
                "theme_id": theme["id"],
                "theme": theme["name"],
                "seeds_in_vocabulary": len(found),
                "seeds": len(theme["seeds"]),
                "missing": " ".join(missing),
            }
        )
    return pd.DataFrame(rows)


def run_themes(data: ModelInput, params: dict, paths, choice: dict) -> dict:
    """Stage 5 on disk: label the chosen model's topics, pick evidence, fit and report the guided model.

    Reads ``models/<chosen>/topic_word.npy`` and ``results/doc_topics.csv``; writes
    ``results/topic_labels.csv``, ``topic_evidence.csv``, ``theme_seed_coverage.csv`` and the
    guided model's ``guided_topics.csv``, ``guided_topic_labels.csv``,
    ``guided_article_topics.csv`` (and ``models/guided_tomotopy_k<K>/``).

    Returns
    -------
    dict
        Summary: labels per topic and the guided model's coherence.
    """
    import json

    from zhtopics.atomic import write_csv, write_text
    from zhtopics.engines import topic_word_table
    from zhtopics.ingest import load_documents
    from zhtopics.sweep import COHERENCE_MEASURES, coherence
    from zhtopics.train import (
        article_topics_table,
        doc_topics_table,
        model_name,
        package_versions,
        paragraph_occurrences,
        write_model,
    )

    settings = params["themes"]
    themes = load_themes(settings["file"])
    vocabulary = data.dictionary.token2id
    coverage = seed_coverage(themes, vocabulary)
    logger.info(
        "theme seed words in the vocabulary: %d of %d", coverage["seeds_in_vocabulary"].sum(), coverage["seeds"].sum()
    )
    k = choice["k"]
    topic_word = np.load(paths.models / model_name(choice["engine"], k) / "topic_word.npy")
    labels = label_topics(topic_word, vocabulary, themes, settings["topn"], settings["min_score"])
    wanted = {"doc_id", "text", "n_tokens", "article_id", "article_title"}
    doc_topics = pd.read_csv(
        paths.results / "doc_topics.csv",
        dtype={"doc_id": str},
        usecols=lambda column: column in wanted or column.startswith("topic_"),
    )
    evidence = topic_evidence(doc_topics, k, settings["evidence_per_topic"])
    evidence = evidence.merge(labels[["topic", "label"]], on="topic")
    paths.results.mkdir(parents=True, exist_ok=True)
    write_csv(labels, paths.results / "topic_labels.csv")
    write_csv(evidence, paths.results / "topic_evidence.csv")
    write_csv(coverage, paths.results / "theme_seed_coverage.csv")
    summary = {"labels": labels["label"].tolist()}

    guided_params = settings.get("guided") or {}
    coverage_share = coverage["seeds_in_vocabulary"].sum() / max(coverage["seeds"].sum(), 1)
    if guided_params.get("enabled", True) and coverage_share < guided_params.get("min_seed_coverage", 0.0):
        logger.warning(
            "guided model skipped: only %.0f%% of the theme seed words are in the vocabulary "
            "(themes.guided.min_seed_coverage = %s); the themes file does not fit this corpus",
            100 * coverage_share,
            guided_params.get("min_seed_coverage"),
        )
        for stale in paths.results.glob("guided_*"):
            stale.unlink()
    elif guided_params.get("enabled", True):
        seed = int(params["sweep"]["seeds"][0])
        guided, topic_themes = fit_guided(data, themes, guided_params, params["engines"]["tomotopy"], seed)
        names = {theme["id"]: theme["name"] for theme in themes}
        guided_labels = label_topics(guided.topic_word, vocabulary, themes, settings["topn"], settings["min_score"])
        guided_labels.insert(1, "seeded_theme", [names.get(t, "(free)") for t in topic_themes])
        top = guided.top_words(data.dictionary, params["sweep"]["coherence_topn"])
        reference = data.reference(params["sweep"].get("coherence_docs"))
        metrics = {measure: round(coherence(top, reference, measure), 6) for measure in COHERENCE_MEASURES}
        write_csv(guided_labels, paths.results / "guided_topic_labels.csv")
        table = topic_word_table(guided, data.dictionary, 30)
        write_csv(table, paths.results / "guided_topics.csv")
        documents = load_documents(paths)
        tokens = pd.read_parquet(paths.tokens, columns=["doc_id", "n_in_dictionary"])
        removed = pd.read_csv(paths.removed) if paths.removed.exists() else None
        articles = (
            pd.read_csv(paths.articles)
            if paths.articles.exists()
            else documents[["article_id", "article_title"]].drop_duplicates()
        )
        guided_docs = doc_topics_table(guided, documents, tokens)
        write_csv(
            article_topics_table(guided_docs, guided.k, paragraph_occurrences(documents, removed), articles),
            paths.results / "guided_article_topics.csv",
        )
        name = model_name("tomotopy", guided.k, prefix="guided_")
        write_model(
            guided,
            data,
            paths.models / name,
            {
                "name": name,
                "role": "guided (seed words as priors); reported beside the unsupervised model, never replaces it",
                "engine": "tomotopy",
                "k": guided.k,
                "seed": seed,
                "guided_params": guided_params,
                "engine_params": params["engines"]["tomotopy"],
                "metrics": metrics,
                "topic_themes": topic_themes,
                "input_fingerprint": data.fingerprint(),
                "versions": package_versions(),
            },
        )
        summary["guided"] = {"k": guided.k, **metrics}
        write_text(paths.results / "guided_metrics.json", json.dumps(summary["guided"], indent=2) + "\n")
    return summary
