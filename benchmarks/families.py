"""Planted corpus families that look like what researchers bring: the ground truth of the rule validation.

Three families, each written as unsegmented Chinese text so that the project's real
stages 1 and 2 (``prepare_corpus``, ``segment_corpus``) run on it, with the word pools
and the way of writing of :mod:`benchmarks.generate`:

- ``paragraphs``: 100–300 paragraphs of about 25 words, each dominated by one of 6–12
  planted themes. A paragraph's words come from a shared background vocabulary (share
  ``background``), from its own theme, and a minority (share ``minority`` of the
  non-background words) from one other theme. Themes overlap: a share ``overlap`` of each
  theme's words also belong to the next theme (in a ring). Theme sizes are unequal
  (prevalences drawn from a Dirichlet).
- ``posts``: 10^4 short posts of 8–20 words, one theme each, plus background words.
- ``mixtures``: LDA-style mixtures, :class:`benchmarks.generate.PlantedModel` (every
  document mixes topics with proportions from a Dirichlet(alpha)).

Every corpus keeps its planted K and each document's planted dominant topic
(:class:`FamilyCorpus`). :func:`segment_family` runs the real stages on it (the seed study's
lexicons, as :mod:`benchmarks.generate` excludes them from the word pool) and aligns the
truth with the documents that survive (exact and near duplicates are removed by stage 1).
:func:`planted_posterior` is the planted model's own assignment of the segmented
documents: the ceiling a fitted model can approach.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.generate import PUNCTUATION, PUNCTUATION_P, ROOT, PlantedModel, choose_vocabulary

logger = logging.getLogger(__name__)

FAMILY_VERSION = 1
#: Punctuation after a word with probability 1 / CLAUSE_WORDS (as benchmarks/generate.py writes).
CLAUSE_WORDS = 4.0
SEED_STUDY_PARAMS = ROOT / "params.yaml"


@dataclass
class FamilyCorpus:
    """One planted corpus of a family.

    Attributes
    ----------
    family : str
        ``paragraphs``, ``posts`` or ``mixtures``.
    k : int
        Planted number of topics.
    seed : int
    texts : list of str
        Unsegmented documents.
    planted_topic : ndarray of int, shape (n_docs,)
        Each document's planted dominant topic.
    vocabulary : list of str
        Every planted word (themes' and background's); column j of ``topic_word``.
    topic_word : ndarray, shape (k, V)
        Planted P(word | topic) of a document's non-background words (mixtures: the whole
        topic, its own background included).
    background : ndarray, shape (V,)
        P(word) of the background words (zeros for mixtures).
    prevalence : ndarray, shape (k,)
        How often each topic dominates a document.
    params : dict
        The generator's parameters: enough to regenerate the corpus.
    """

    family: str
    k: int
    seed: int
    texts: list[str]
    planted_topic: np.ndarray
    vocabulary: list[str]
    topic_word: np.ndarray
    background: np.ndarray
    prevalence: np.ndarray
    params: dict
    minority: float = 0.0
    background_share: float = 0.0
    alpha: float | None = None
    background_words: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.family}-k{self.k}-s{self.seed}"


# --------------------------------------------------------------------------- writing


def write_text(words: list[str], rng: np.random.Generator) -> str:
    """Words without spaces, punctuation after a word with probability 1/CLAUSE_WORDS
    (，mostly), and 。 at the end: :mod:`benchmarks.generate`'s way of writing."""
    cdf = np.cumsum(PUNCTUATION_P) / sum(PUNCTUATION_P)
    marks = np.where(rng.random(len(words)) < 1 / CLAUSE_WORDS, np.searchsorted(cdf, rng.random(len(words))) + 1, 0)
    marks = np.minimum(marks, len(PUNCTUATION))
    marks[-1] = 2  # 。
    return "".join(word + ("", *PUNCTUATION)[mark] for word, mark in zip(words, marks, strict=True))


# --------------------------------------------------------------------------- themes


def _themes(k: int, words_per_theme: int, overlap: float, n_background: int, rng: np.random.Generator):
    """Vocabulary, k theme distributions with overlapping words, and a background distribution.

    Theme t owns ``words_per_theme`` words; the first ``overlap`` share of theme t+1's
    words (in a ring) belong to theme t as well. Weights within a theme and within the
    background are Dirichlet(1) (a few frequent words, many rare ones)."""
    vocabulary = choose_vocabulary(k * words_per_theme + n_background, rng)
    v = len(vocabulary)
    own = np.arange(k * words_per_theme).reshape(k, words_per_theme)
    shared = int(round(overlap * words_per_theme))
    topic_word = np.zeros((k, v))
    for t in range(k):
        words = np.concatenate([own[t], own[(t + 1) % k, :shared]])
        topic_word[t, words] = rng.dirichlet(np.ones(len(words)))
    background = np.zeros(v)
    background[k * words_per_theme :] = rng.dirichlet(np.ones(n_background))
    return vocabulary, topic_word, background


def _draw(distribution: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(distribution)
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(distribution) - 1)


def _lengths(n_docs: int, mean: float, rng: np.random.Generator, low: int) -> np.ndarray:
    """Gamma-Poisson lengths (coefficient of variation about 0.55, like the seed's paragraphs)."""
    return np.maximum(rng.poisson(rng.gamma(4.0, mean / 4.0, n_docs)), low)


def one_theme_corpus(
    family: str,
    k: int,
    n_docs: int,
    seed: int,
    lengths: Callable[[np.random.Generator], np.ndarray],
    words_per_theme: int,
    overlap: float,
    n_background: int,
    background: float,
    minority: float,
    concentration: float = 5.0,
) -> FamilyCorpus:
    """Documents each dominated by one theme (see the module docstring); ``minority`` = 0:
    one theme each."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, FAMILY_VERSION, k]))
    vocabulary, topic_word, background_dist = _themes(k, words_per_theme, overlap, n_background, rng)
    prevalence = rng.dirichlet(np.full(k, concentration))
    topics = _draw(prevalence, n_docs, rng)
    n_words = lengths(rng)
    texts = []
    for topic, n in zip(topics, n_words, strict=True):
        other = (topic + 1 + rng.integers(k - 1)) % k  # a document's one minority theme
        source = rng.random(n)
        words = np.empty(n, dtype=int)
        is_background = source < background
        is_minority = (~is_background) & (source < background + (1 - background) * minority)
        is_own = ~(is_background | is_minority)
        words[is_background] = _draw(background_dist, is_background.sum(), rng)
        words[is_minority] = _draw(topic_word[other], is_minority.sum(), rng)
        words[is_own] = _draw(topic_word[topic], is_own.sum(), rng)
        texts.append(write_text([vocabulary[w] for w in words], rng))
    params = {
        "family_version": FAMILY_VERSION,
        "family": family,
        "k": k,
        "n_docs": n_docs,
        "seed": seed,
        "words_per_theme": words_per_theme,
        "overlap": overlap,
        "background_words": n_background,
        "background": background,
        "minority": minority,
        "concentration": concentration,
        "mean_words": round(float(n_words.mean()), 3),
    }
    return FamilyCorpus(
        family,
        k,
        seed,
        texts,
        topics.astype(int),
        vocabulary,
        topic_word,
        background_dist,
        prevalence,
        params,
        minority=minority,
        background_share=background,
        background_words={vocabulary[i] for i in np.flatnonzero(background_dist)},
    )


def paragraph_corpus(k: int, seed: int, n_docs: int = 200, doc_words: float = 25.0, **options) -> FamilyCorpus:
    """Family (a): paragraphs of about ``doc_words`` words, each dominated by one theme.

    Defaults: 30 words per theme of which 20% shared with the next theme, 40 background
    words drawing 25% of the tokens, 20% of the other words from one other theme."""
    settings = dict(words_per_theme=30, overlap=0.2, n_background=40, background=0.25, minority=0.2)
    settings.update(options)
    return one_theme_corpus(
        "paragraphs", k, n_docs, seed, lambda rng: _lengths(n_docs, doc_words, rng, low=5), **settings
    )


def post_corpus(k: int, seed: int, n_docs: int = 10_000, low: int = 8, high: int = 20, **options) -> FamilyCorpus:
    """Family (b): short posts of ``low``–``high`` words, one theme each.

    Defaults: 60 words per theme of which 20% shared with the next theme, 60 background
    words drawing 15% of the tokens."""
    settings = dict(words_per_theme=60, overlap=0.2, n_background=60, background=0.15, minority=0.0)
    settings.update(options)
    return one_theme_corpus("posts", k, n_docs, seed, lambda rng: rng.integers(low, high + 1, n_docs), **settings)


def mixture_corpus(k: int, seed: int, n_docs: int = 2000, doc_chars: int = 60, words_per_topic: int = 50, **options):
    """Family (c): LDA-style mixtures, :class:`benchmarks.generate.PlantedModel` (alpha 0.1)."""
    model = PlantedModel(k=k, doc_chars=doc_chars, seed=seed, vocabulary_size=k * words_per_topic, **options)
    batch = model.batch(0, n_docs)
    prevalence = np.bincount(batch.planted_topic, minlength=k) / n_docs
    params = dict(model.params, family="mixtures", family_version=FAMILY_VERSION, n_docs=n_docs)
    return FamilyCorpus(
        "mixtures",
        k,
        seed,
        batch.texts,
        batch.planted_topic.astype(int),
        list(model.vocabulary),
        model.topic_word,
        np.zeros(len(model.vocabulary)),
        prevalence,
        params,
        alpha=model.alpha,
    )


#: The validation's corpora: family → the keyword arguments of each corpus (several planted
#: K per family; the fourth paragraph corpus has the seed's size and sparsity).
FAMILIES: dict[str, list[dict]] = {
    "paragraphs": [
        {"k": 6, "seed": 1, "n_docs": 150},
        {"k": 9, "seed": 2, "n_docs": 220},
        {"k": 12, "seed": 3, "n_docs": 300},
        {"k": 8, "seed": 4, "n_docs": 150, "doc_words": 13.0},
    ],
    "posts": [{"k": 6, "seed": 1}, {"k": 10, "seed": 2}, {"k": 14, "seed": 3}],
    "mixtures": [{"k": 5, "seed": 1}, {"k": 8, "seed": 2}, {"k": 12, "seed": 3}],
}
GENERATORS: dict[str, Callable[..., FamilyCorpus]] = {
    "paragraphs": paragraph_corpus,
    "posts": post_corpus,
    "mixtures": mixture_corpus,
}


def make_corpus(family: str, **spec) -> FamilyCorpus:
    """One corpus of a family by name, e.g. ``make_corpus("posts", k=6, seed=1)``."""
    if family not in GENERATORS:
        raise ValueError(f"unknown family '{family}' (known: {', '.join(GENERATORS)})")
    return GENERATORS[family](**spec)


# --------------------------------------------------------------------------- the real stages


@functools.lru_cache(maxsize=1)
def study_params():
    """The seed study's parameters (its lexicons over the packaged defaults)."""
    from zhtopics.params import load_params

    return load_params(SEED_STUDY_PARAMS)


@dataclass
class SegmentedFamily:
    """A family corpus after stages 1 and 2: what the engines see, and the aligned truth."""

    corpus: FamilyCorpus
    folder: Path
    planted_topic: np.ndarray  # per row of the model input
    tokens: list[list[str]]  # every kept token of each row (before the Dictionary's filter)
    stats: dict

    def model_input(self):
        from zhtopics.paths import OutputPaths
        from zhtopics.results import RunResults

        return RunResults(OutputPaths(self.folder)).model_input()


def segment_family(corpus: FamilyCorpus, folder: Path) -> SegmentedFamily:
    """Stages 1 and 2 of the project on ``corpus`` (a CSV with ``gen_id`` and ``text``), in
    ``folder``; reused when ``folder`` already holds them for the same parameters."""
    import pandas as pd

    from zhtopics.ingest import prepare_corpus, write_prepared
    from zhtopics.paths import OutputPaths
    from zhtopics.segment import segment_corpus

    folder = Path(folder)
    paths = OutputPaths(folder)
    stamp = folder / "family.json"
    expected = json.dumps(corpus.params, sort_keys=True)
    if not (stamp.exists() and json.loads(stamp.read_text())["params"] == expected and paths.tokens.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "corpus.csv"
        pd.DataFrame({"gen_id": np.arange(len(corpus.texts)), "text": corpus.texts}).to_csv(source, index=False)
        params = study_params().replace(corpus={"text_column": "text", "id_column": "gen_id"})
        write_prepared(prepare_corpus(source, params.corpus), paths)
        segment_corpus(paths, params.segment)
        stamp.write_text(json.dumps({"params": expected}) + "\n")
    tokens = pd.read_parquet(paths.tokens, columns=["doc_id", "tokens", "n_tokens", "n_in_dictionary"])
    rows = tokens["doc_id"].astype(int).to_numpy()
    stats = family_stats(corpus, tokens, json.loads(paths.segment_summary.read_text(encoding="utf-8")))
    return SegmentedFamily(corpus, folder, corpus.planted_topic[rows], [list(t) for t in tokens["tokens"]], stats)


def family_stats(corpus: FamilyCorpus, tokens, summary: dict) -> dict:
    """What the real segmentation leaves: tokens per document, background share, vocabulary."""
    vocabulary = set(corpus.vocabulary)
    flat = [t for row in tokens["tokens"] for t in row]
    planted = sum(t in vocabulary for t in flat)
    background = sum(t in corpus.background_words for t in flat)
    kept = tokens["n_in_dictionary"].to_numpy()
    return {
        **token_profile(tokens),
        "documents_generated": len(corpus.texts),
        "documents_kept": int(len(tokens)),
        "documents_without_tokens": int((kept == 0).sum()),
        "share_of_tokens_planted_words": round(planted / max(len(flat), 1), 4),
        "share_of_tokens_background_words": round(background / max(len(flat), 1), 4),
        "vocabulary": summary["vocabulary"],
        "vocabulary_before_filter_extremes": summary["vocabulary_before_filter_extremes"],
    }


def token_profile(tokens) -> dict:
    """Label-free profile of a segmented corpus (``tokens.parquet``), to set a family beside
    a real corpus: tokens per document, how much the most frequent words carry."""
    from collections import Counter

    counts = Counter(t for row in tokens["tokens"] for t in row)
    total = max(sum(counts.values()), 1)
    top = counts.most_common(20)
    documents = Counter(t for row in tokens["tokens"] for t in set(row))
    return {
        "documents": int(len(tokens)),
        "tokens_per_doc_mean": round(float(tokens["n_tokens"].mean()), 2),
        "tokens_per_doc_median": float(tokens["n_tokens"].median()),
        "tokens_per_doc_sd": round(float(tokens["n_tokens"].std()), 2),
        "in_dictionary_per_doc_mean": round(float(tokens["n_in_dictionary"].mean()), 2),
        "share_of_tokens_top20_words": round(sum(n for _, n in top) / total, 4),
        "share_of_documents_with_top_word": round(documents[top[0][0]] / max(len(tokens), 1), 4) if top else 0.0,
    }


def planted_posterior(corpus: FamilyCorpus, tokens: list[list[str]]) -> np.ndarray:
    """The planted model's own dominant topic of each segmented document: the ceiling a
    fitted model can approach (−1 for a document without a planted word).

    One-theme families: the posterior mode of the theme given the document's planted words,
    each word drawn from the background, the theme, or (the minority share) the average of
    the other themes. Mixtures: each word gives the topics the weights ``phi[:, w]``
    (normalised), the document the topic of the largest sum (:mod:`benchmarks.recovery`'s oracle).
    """
    column = {word: i for i, word in enumerate(corpus.vocabulary)}
    phi = corpus.topic_word
    if corpus.family == "mixtures":
        weights = phi / phi.sum(axis=0, keepdims=True)
        prior = np.zeros(corpus.k)
    else:
        others = (phi.sum(axis=0, keepdims=True) - phi) / max(corpus.k - 1, 1)
        mixed = (1 - corpus.minority) * phi + corpus.minority * others
        word = corpus.background_share * corpus.background + (1 - corpus.background_share) * mixed
        weights = np.log(word + 1e-12)
        prior = np.log(corpus.prevalence + 1e-12)
    topics = np.full(len(tokens), -1)
    for row, words in enumerate(tokens):
        ids = [column[w] for w in words if w in column]
        if ids:
            topics[row] = int(np.argmax(prior + weights[:, ids].sum(axis=1)))
    return topics
