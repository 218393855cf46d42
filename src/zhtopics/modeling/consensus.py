"""The final topics of a setting from all its seeds: alignment to the medoid seed, then averages.

A sweep fits every (engine, K) under several seeds. The final model is their consensus:

1. **Reference.** The medoid seed (:func:`zhtopics.modeling.select.typical_seed`: the run
   whose topics match the other seeds' best on average) gives the topics their numbers;
   its library model is the one saved, so the engine's own inference on new texts returns
   the same topic numbers as the consensus tables.
2. **Alignment** (:func:`align_seeds`). Each seed's topics are matched one-to-one to the
   reference's by Hungarian matching (scipy ``linear_sum_assignment``) on the cosine
   similarity of their word distributions, as :func:`zhtopics.modeling.metrics.matched_similarity`
   does for stability. The matching is rectangular: a seed may have more or fewer topics
   than the reference (a mixture engine drops empty clusters), and a topic left without a
   partner is unmatched.
3. **Support.** A seed *finds* a reference topic when the topic matched to it has cosine
   similarity at least ``min_similarity`` (``train.consensus.min_similarity``). Each
   topic reports ``seeds_found`` (the reference counts: it finds its own topics).
4. **Consensus topic-word.** The mean of the matched word distributions of the seeds that
   find the topic (a match below the threshold is another topic and would blur it).
5. **Consensus shares** (:func:`consensus_doc_topic`). The mean over seeds of each
   seed's shares moved to the reference's numbers, counting only the topics the seed
   finds; each row is then rescaled to sum to 1. A seed's share of a topic it does not
   find is left out rather than given to a topic it is not.
6. **Dominant topic and agreement.** Each seed votes for the reference topic its largest
   share is matched to (a seed whose largest share is a topic it does not share with the
   reference casts no vote); the consensus dominant topic is the one with most votes
   (ties: the larger mean share). A document's ``seed_agreement`` is the share of seeds
   that voted for it; below ``train.consensus.min_agreement`` its assignment *flips*
   between seeds and is flagged. The vote, not the argmax of the mean shares, decides:
   on planted paragraph corpora a topic that every seed has in every document (the
   shared background words) gains in the mean while the specific topics, split a little
   differently by each seed, lose, and the argmax of the mean recovered the planted
   topics worse than a single seed (``benchmarks/results/consensus.json``).

Costs: alignment is O(seeds × K² × V); the doc-topic pass is O(seeds × D × K) with one
matrix in memory at a time (the seeds' matrices are streamed), so it scales to 10^6
documents, unlike a D × D co-assignment matrix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from zhtopics.modeling.engines import FittedModel

logger = logging.getLogger(__name__)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (rows of zeros: 0)."""
    an = np.linalg.norm(a, axis=1, keepdims=True)
    bn = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.where(an > 0, an, 1.0)) @ (b / np.where(bn > 0, bn, 1.0)).T


def match_topics(reference: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of ``other`` to those of ``reference`` one-to-one (Hungarian, on cosine).

    Parameters
    ----------
    reference : ndarray, shape (k_ref, n_terms)
    other : ndarray, shape (k_other, n_terms)
        k_other may differ from k_ref.

    Returns
    -------
    matching : ndarray of int, shape (k_ref,)
        The topic of ``other`` matched to each reference topic, -1 when none is left.
    similarity : ndarray, shape (k_ref,)
        The cosine similarity of each matched pair (0 when unmatched).

    Examples
    --------
    >>> a = np.eye(3)
    >>> match_topics(a, a[[2, 0]])[0].tolist()
    [1, -1, 0]
    """
    similarity = cosine_similarity(reference, other)
    rows, cols = linear_sum_assignment(-similarity)
    matching = np.full(reference.shape[0], -1, dtype=np.int64)
    matched = np.zeros(reference.shape[0])
    matching[rows] = cols
    matched[rows] = similarity[rows, cols]
    return matching, matched


@dataclass
class Alignment:
    """Every seed's topics aligned to the reference seed's.

    Attributes
    ----------
    seeds : list of int
        The seeds, in the order of the matrices given.
    reference : int
        Index (into ``seeds``) of the reference seed.
    matching : ndarray of int, shape (n_seeds, k)
        ``matching[s, t]``: the topic of seed ``s`` matched to reference topic ``t`` (-1: none).
    similarity : ndarray, shape (n_seeds, k)
        The cosine similarity of each matched pair (0 when unmatched; 1 for the reference).
    found : ndarray of bool, shape (n_seeds, k)
        Whether seed ``s`` finds reference topic ``t`` (matched with similarity ≥ ``min_similarity``).
    min_similarity : float
    topic_word : ndarray, shape (k, n_terms)
        The consensus word distributions (mean over the seeds that find each topic).
    seed_topics : list of int
        Each seed's number of topics.
    """

    seeds: list[int]
    reference: int
    matching: np.ndarray
    similarity: np.ndarray
    found: np.ndarray
    min_similarity: float
    topic_word: np.ndarray
    seed_topics: list[int]

    @property
    def k(self) -> int:
        return self.topic_word.shape[0]

    @property
    def seeds_found(self) -> np.ndarray:
        """How many seeds find each reference topic (the reference included)."""
        return self.found.sum(axis=0)

    def unmatched_topics(self) -> list[int]:
        """Per seed, how many of its topics find no reference topic (none matched above the threshold)."""
        return [n - int(self.found[s].sum()) for s, n in enumerate(self.seed_topics)]

    def to_reference(self, seed_index: int) -> np.ndarray:
        """Map seed ``seed_index``'s topic numbers to the reference's: -1 for topics it does not share."""
        mapping = np.full(self.seed_topics[seed_index], -1, dtype=np.int64)
        topics = np.flatnonzero(self.found[seed_index])
        mapping[self.matching[seed_index, topics]] = topics
        return mapping

    def summary(self) -> dict:
        """Plain data for a model's manifest: the seeds, the threshold, each topic's support."""
        return {
            "seeds": self.seeds,
            "reference_seed": self.seeds[self.reference],
            "min_similarity": self.min_similarity,
            "seed_topics": self.seed_topics,
            "unmatched_topics": self.unmatched_topics(),
            "topics": [
                {
                    "topic": t,
                    "seeds_found": int(self.seeds_found[t]),
                    "seeds": len(self.seeds),
                    "mean_similarity": round(float(self.similarity[:, t].mean()), 6),
                    "similarity": [round(float(v), 6) for v in self.similarity[:, t]],
                }
                for t in range(self.k)
            ],
        }


def align_seeds(topic_words: list[np.ndarray], seeds: list[int], reference: int, min_similarity: float) -> Alignment:
    """Align every seed's topics to the reference seed's and average the word distributions.

    Parameters
    ----------
    topic_words : list of ndarray, shape (k_s, n_terms) each
        Each seed's topic-word matrix (same vocabulary; k_s may differ between seeds).
    seeds : list of int
        The seeds, in the same order.
    reference : int
        Index of the reference seed (the medoid) in ``seeds``.
    min_similarity : float
        Smallest cosine similarity at which a seed's matched topic counts as the same topic.

    Returns
    -------
    Alignment
    """
    base = np.asarray(topic_words[reference], dtype=np.float64)
    n, k = len(topic_words), base.shape[0]
    matching = np.full((n, k), -1, dtype=np.int64)
    similarity = np.zeros((n, k))
    total = np.zeros_like(base)
    for s, matrix in enumerate(topic_words):
        matrix = np.asarray(matrix, dtype=np.float64)
        if s == reference:
            matching[s], similarity[s] = np.arange(k), 1.0
        else:
            matching[s], similarity[s] = match_topics(base, matrix)
        found = (matching[s] >= 0) & (similarity[s] >= min_similarity)
        total[found] += matrix[matching[s, found]]
    found = (matching >= 0) & (similarity >= min_similarity)
    found[reference] = True
    topic_word = total / found.sum(axis=0)[:, None]
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    alignment = Alignment(
        seeds=list(seeds),
        reference=reference,
        matching=matching,
        similarity=similarity,
        found=found,
        min_similarity=min_similarity,
        topic_word=topic_word,
        seed_topics=[m.shape[0] for m in topic_words],
    )
    logger.info(
        "consensus of %d seeds (reference seed %d): seeds finding each topic %s",
        n,
        seeds[reference],
        alignment.seeds_found.tolist(),
    )
    return alignment


def consensus_doc_topic(
    alignment: Alignment, doc_topics: Iterable[np.ndarray], empty_docs: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The consensus doc-topic shares, dominant topics and seed agreement (module docstring, 5-6).

    Parameters
    ----------
    alignment : Alignment
    doc_topics : iterable of ndarray, shape (n_docs, k_s)
        Each seed's doc-topic matrix, in the order of ``alignment.seeds`` (streamed: one
        at a time is held).
    empty_docs : list of int, optional
        Documents without tokens: a uniform row, dominant topic -1 and agreement NaN.

    Returns
    -------
    doc_topic : ndarray, shape (n_docs, k)
        Mean shares over the seeds (topics a seed does not find left out); rows sum to 1.
    dominant : ndarray of int, shape (n_docs,)
        The topic most seeds give the document as its largest share (ties: the larger
        mean share).
    agreement : ndarray, shape (n_docs,)
        The share of seeds whose largest share is the dominant topic.
    """
    total, votes = None, None
    n = len(alignment.seeds)
    for s, matrix in enumerate(doc_topics):
        if s >= n:
            raise ValueError(f"expected {n} doc-topic matrices, got more")
        mapping = alignment.to_reference(s)
        if total is None:
            total = np.zeros((matrix.shape[0], alignment.k))
            votes = np.zeros((matrix.shape[0], alignment.k), dtype=np.int32)
        shared = np.flatnonzero(mapping >= 0)
        if np.array_equal(mapping, np.arange(alignment.k)):  # the reference seed: no reordering (no copies)
            total += matrix
        else:
            total[:, mapping[shared]] += matrix[:, shared]
        vote = mapping[np.asarray(matrix).argmax(axis=1)]
        voting = np.flatnonzero(vote >= 0)
        votes[voting, vote[voting]] += 1  # one vote per document and seed: no repeated index (no np.add.at)
    if total is None or s != n - 1:
        raise ValueError(f"expected {n} doc-topic matrices, got {0 if total is None else s + 1}")
    sums = total.sum(axis=1, keepdims=True)
    doc_topic = np.where(sums > 0, total / np.where(sums > 0, sums, 1.0), 1.0 / alignment.k)
    dominant = (votes + 0.5 * doc_topic).argmax(axis=1)  # a share < 1 only breaks ties of votes
    agreement = votes[np.arange(len(dominant)), dominant] / n
    empty = np.asarray(empty_docs or [], dtype=np.int64)
    doc_topic[empty] = 1.0 / alignment.k
    dominant[empty] = -1
    agreement[empty] = np.nan
    return doc_topic, dominant, agreement


@dataclass
class SeedConsensus:
    """A setting's final model: the consensus of its seeds.

    Attributes
    ----------
    model : FittedModel
        The reference seed's model (its library model, numbers, vocabulary) carrying the
        consensus ``topic_word`` and ``doc_topic``.
    alignment : Alignment
    dominant : ndarray of int
        Each document's consensus dominant topic (-1 without tokens).
    agreement : ndarray
        Each document's share of seeds that give it the dominant topic (NaN without tokens).
    """

    model: FittedModel
    alignment: Alignment
    dominant: np.ndarray
    agreement: np.ndarray

    def flips(self, min_agreement: float) -> np.ndarray:
        """Documents whose assignment flips between seeds: agreement below ``min_agreement``."""
        return np.nan_to_num(self.agreement, nan=1.0) < min_agreement

    def agreement_columns(self, min_agreement: float) -> pd.DataFrame:
        """The columns ``doc_topics.csv`` gains: ``seed_agreement`` and ``flips_between_seeds``."""
        return pd.DataFrame(
            {"seed_agreement": np.round(self.agreement, 4), "flips_between_seeds": self.flips(min_agreement)}
        )


def seed_consensus(
    reference: FittedModel,
    topic_words: list[np.ndarray],
    doc_topics: Iterable[np.ndarray],
    seeds: list[int],
    min_similarity: float,
) -> SeedConsensus:
    """The consensus of a setting's seeds (module docstring) on the reference seed's model.

    Parameters
    ----------
    reference : FittedModel
        The reference (medoid) seed's model; its seed must be in ``seeds``.
    topic_words, doc_topics : lists of ndarray
        Every seed's matrices, in the order of ``seeds`` (the reference's included);
        ``doc_topics`` may be a generator (one matrix held at a time).
    seeds : list of int
    min_similarity : float
        ``train.consensus.min_similarity``.
    """
    alignment = align_seeds(topic_words, seeds, seeds.index(reference.seed), min_similarity)
    doc_topic, dominant, agreement = consensus_doc_topic(alignment, doc_topics, reference.empty_docs)
    model = replace(reference, topic_word=alignment.topic_word, doc_topic=doc_topic)
    return SeedConsensus(model, alignment, dominant, agreement)


def aligned_doc_topics(alignment: Alignment, doc_topics: Iterable[np.ndarray]) -> np.ndarray:
    """Every seed's doc-topic shares in the reference seed's topic numbers, for intervals
    that cover the disagreement between seeds (:func:`zhtopics.modeling.prevalence.group_shares`).

    A seed's topics that match no reference topic are left out and its rows renormalised
    over the rest (a row left without mass is uniform), as in :func:`consensus_doc_topic`.

    Returns
    -------
    ndarray, shape (n_seeds, n_docs, k), float32
    """
    aligned = []
    for s, matrix in enumerate(doc_topics):
        mapping = alignment.to_reference(s)
        shared = np.flatnonzero(mapping >= 0)
        rows = np.zeros((matrix.shape[0], alignment.k), dtype=np.float32)
        rows[:, mapping[shared]] = matrix[:, shared]
        sums = rows.sum(axis=1, keepdims=True)
        aligned.append(np.where(sums > 0, rows / np.where(sums > 0, sums, 1), np.float32(1 / alignment.k)))
    if len(aligned) != len(alignment.seeds):
        raise ValueError(f"expected {len(alignment.seeds)} doc-topic matrices, got {len(aligned)}")
    return np.stack(aligned)
