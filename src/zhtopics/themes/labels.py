"""Naming topics after the themes they carry, or by their most distinctive words.

A themes file (``themes.file``; the seed study's is ``data/lexicon/themes.yaml``) lists
themes with a few seed words each, written from reading the texts. A topic's score for a
theme is the share of the probability mass of its top ``themes.topn`` words that falls on
that theme's seed words. The topic takes the best-scoring theme's name when that score
reaches ``themes.min_score``. Otherwise (and for every topic without a themes file) it is
labelled by its three most *distinctive* words: the highest LDAvis relevance
(:func:`relevance`, Sievert & Shirley 2014) at ``themes.relevance_lambda``, not the most
probable words, which in a small corpus are the same generic words in every topic. When
several topics carry the same theme, the highest-scoring one takes the plain name and the
others add their most distinctive word, so labels stay distinct.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from zhtopics.errors import InputError

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
    "distinctive_words",
]


def load_themes(path: Path) -> list[dict]:
    """Read ``themes.yaml``: a list of themes with ``id``, ``name``, ``name_en`` and ``seeds``.

    An empty list (``themes: []``, the template ``zhtopics init`` writes) means no themes yet:
    topics are then named by their words."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(path, "themes file not found") from None
    except yaml.YAMLError:
        raise InputError(path, "not valid YAML") from None
    themes = data.get("themes") if isinstance(data, dict) else None
    if isinstance(themes, list) and not themes:
        logger.info("%s lists no themes yet: topics are named by their words", path)
        return []
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


def relevance(topic_word: np.ndarray, word_frequency: np.ndarray, relevance_lambda: float) -> np.ndarray:
    """LDAvis relevance of every word to every topic (Sievert & Shirley 2014).

    ``λ · log p(w|k) + (1 − λ) · log(p(w|k) / p(w))``, with ``p(w)`` the corpus frequency of
    the word. λ = 1 ranks a topic's words by probability, λ = 0 by lift (how much more
    frequent the word is in the topic than in the corpus). pyLDAvis computes the same
    quantity only inside its page's JavaScript, hence these lines.

    Parameters
    ----------
    topic_word : ndarray, shape (k, n_terms)
    word_frequency : ndarray, shape (n_terms,)
        Corpus counts (or frequencies) of the words; normalised here.
    relevance_lambda : float

    Returns
    -------
    ndarray, shape (k, n_terms)
        ``-inf`` where a topic gives a word no probability.

    Examples
    --------
    >>> topic_word = np.array([[0.5, 0.3, 0.2], [0.5, 0.1, 0.4]])  # word 0 is the most probable in both
    >>> relevance(topic_word, np.array([16, 2, 2]), 0.6).argmax(axis=1).tolist()  # word 0: frequent everywhere
    [1, 2]
    """
    p_word = np.asarray(word_frequency, dtype=np.float64)
    p_word = np.maximum(p_word / p_word.sum(), np.finfo(float).tiny)
    with np.errstate(divide="ignore"):
        log_topic = np.log(topic_word)
    return relevance_lambda * log_topic + (1.0 - relevance_lambda) * (log_topic - np.log(p_word))


def _ranked_words(scores: np.ndarray, words: dict[int, str], topn: int) -> list[list[str]]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :topn]
    return [[words[int(i)] for i in row] for row in order]


def label_topics(
    topic_word: np.ndarray,
    vocabulary: dict[str, int],
    themes: list[dict],
    *,
    topn: int,
    min_score: float,
    word_frequency: np.ndarray,
    relevance_lambda: float,
) -> pd.DataFrame:
    """Name each topic after its best theme, or by its most distinctive words (module docstring).

    Parameters
    ----------
    topic_word : ndarray, shape (k, n_terms)
    vocabulary : dict
        word → column of ``topic_word`` (a gensim Dictionary's ``token2id``).
    themes : list of dict
    topn : int
        Top words of a topic that are scored (``themes.topn``).
    min_score : float
        Smallest score that names a topic after a theme (``themes.min_score``).
    word_frequency : ndarray, shape (n_terms,)
        Corpus counts of the words (a Dictionary's ``cfs``), for :func:`relevance`.
    relevance_lambda : float
        ``themes.relevance_lambda``.

    Returns
    -------
    DataFrame
        One row per topic with :data:`LABEL_COLUMNS`: ``top_words`` the 10 most probable
        words, ``distinctive_words`` the 10 most relevant.
    """
    words = {i: w for w, i in vocabulary.items()}
    scores = theme_scores(topic_word, vocabulary, themes, topn)
    top_words = _ranked_words(topic_word, words, 10)
    distinctive = _ranked_words(relevance(topic_word, word_frequency, relevance_lambda), words, 10)
    rows = []
    for t in range(topic_word.shape[0]):
        order = np.argsort(-scores[t], kind="stable")
        best = order[0] if len(order) else None
        second = order[1] if len(order) > 1 else None
        named = best is not None and scores[t, best] >= min_score
        theme = themes[best] if named else {}
        rows.append(
            {
                "topic": t,
                "label": theme["name"] if named else " · ".join(distinctive[t][:3]),
                "theme_id": theme["id"] if named else "",
                "theme": theme["name"] if named else "",
                "theme_en": theme.get("name_en", "") if named else "",
                "score": 0.0 if best is None else round(float(scores[t, best]), 4),
                "runner_up": "" if second is None else themes[second]["name"],
                "runner_up_score": 0.0 if second is None else round(float(scores[t, second]), 4),
                "top_words": " ".join(top_words[t]),
                "distinctive_words": " ".join(distinctive[t]),
            }
        )
    labels = pd.DataFrame(rows, columns=LABEL_COLUMNS)
    # Distinct labels: the strongest topic of a theme keeps the plain name.
    for _theme_id, group in labels[labels["theme_id"] != ""].groupby("theme_id"):
        for t in group.sort_values("score", ascending=False, kind="stable")["topic"].iloc[1:]:
            labels.loc[t, "label"] = f"{labels.loc[t, 'theme']}({distinctive[t][0]})"
    return labels


COVERAGE_COLUMNS = ["theme_id", "theme", "seeds_in_vocabulary", "seeds", "missing"]


def seed_coverage(themes: list[dict], vocabulary: dict[str, int]) -> pd.DataFrame:
    """Which seed words of each theme are in the model's vocabulary (no rows without themes)."""
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
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def name_topics(topic_word: np.ndarray, dictionary, themes: list[dict], settings) -> pd.DataFrame:
    """:func:`label_topics` of a model over the gensim ``dictionary`` with the ``themes``
    parameters (``settings``: :class:`~zhtopics.params.ThemesParams`), p(w) the corpus word
    counts (the Dictionary's ``cfs``)."""
    word_frequency = np.zeros(len(dictionary))
    for word_id, count in dictionary.cfs.items():
        word_frequency[word_id] = count
    return label_topics(
        topic_word,
        dictionary.token2id,
        themes,
        topn=settings.topn,
        min_score=settings.min_score,
        word_frequency=word_frequency,
        relevance_lambda=settings.relevance_lambda,
    )
