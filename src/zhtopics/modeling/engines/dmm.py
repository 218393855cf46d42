"""Dirichlet multinomial mixture (GSDMM, Yin & Wang 2014): one topic per document.

Each document is drawn from a single cluster: ``z_d ~ Categorical(π)``, ``π ~ Dirichlet(α)``,
and every word of the document from that cluster's ``φ_z ~ Dirichlet(β)``. The collapsed
Gibbs sampler of Yin & Wang (2014, eq. 4) resamples each document's cluster in turn:

    p(z_d = k | z_¬d, w) ∝ (m_k + α) · Π_w Π_{j<c_dw} (n_kw + β + j) / Π_{i<N_d} (n_k + Vβ + i)

with ``m_k`` the documents, ``n_kw`` the occurrences of word w and ``n_k`` the tokens of
cluster k, all without document d; ``c_dw`` the count of w in d and ``N_d`` its length. It
is computed in logs (``lgamma`` differences), so long documents do not underflow.

K is an upper bound: clusters that end the last sweep empty are dropped and the rest are
renumbered, the largest (most documents) first, ties by more tokens, then by the lower
original number. ``FittedModel.k`` is the number kept; ``params`` records ``k_requested``
and ``clusters_dropped``. ``topic_word`` is the smoothed counts ``(n_kw + β) / (n_k + Vβ)``;
``doc_topic`` the conditional above at the final state, over the kept clusters.

Reproducible: documents start in clusters drawn from ``numpy.random.default_rng(seed)``,
which also draws one uniform number per document and sweep; the sampler (numba, one
thread, no fast-math) is deterministic given those. Documents without tokens take no part
(uniform rows, ``empty_docs``).

The native model is :class:`DmmState`, saved as ``.npz`` (:meth:`Dmm.save_native`):

==================  ===========  =======================================================
array               shape        meaning
==================  ===========  =======================================================
``format``          ()           file format version, 1
``cluster_word``    (k, V) int   word counts of each kept cluster (columns: Dictionary ids)
``cluster_docs``    (k,) int     documents of each kept cluster
``alpha``, ``beta`` ()           the priors
``k_requested``     ()           K asked for (the upper bound)
``iterations``      ()           Gibbs sweeps
``seed``            ()           the seed
==================  ===========  =======================================================
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numba import njit

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines.base import FittedModel, TopicEngine, _vocabulary

logger = logging.getLogger(__name__)

#: Version of the ``.npz`` model file written by :meth:`Dmm.save_native`.
FILE_FORMAT = 1


@dataclass(frozen=True)
class DmmParams:
    """``engines.dmm``: the priors and the number of Gibbs sweeps."""

    alpha: float
    beta: float
    iterations: int


@dataclass
class DmmState:
    """A fitted mixture's counts over its kept clusters (the engine's native model).

    Attributes
    ----------
    cluster_word : ndarray of int64, shape (k, V)
        Occurrences of each word (Dictionary id) in each kept cluster's documents.
    cluster_docs : ndarray of int64, shape (k,)
        Documents in each kept cluster.
    alpha, beta : float
        The priors of the fit.
    k_requested : int
        The upper bound K of the fit.
    iterations, seed : int
        Gibbs sweeps and seed of the fit.
    """

    cluster_word: np.ndarray
    cluster_docs: np.ndarray
    alpha: float
    beta: float
    k_requested: int
    iterations: int
    seed: int

    @property
    def k(self) -> int:
        return len(self.cluster_docs)

    @property
    def clusters_dropped(self) -> int:
        return self.k_requested - self.k


# --------------------------------------------------------------------------- the sampler (numba)


#: Entries of the table of log(count + beta) the sampler looks up instead of calling log
#: (the same function on the same float: the same bits); larger counts call log.
_LOG_TABLE_SIZE = 1 << 15


@njit(cache=True, nogil=True)
def _log_table(beta, size):
    """``table[i]`` = log(i + beta), computed as the sampler would compute it."""
    table = np.empty(size)
    for i in range(size):
        table[i] = math.log(np.int64(i) + beta)
    return table


@njit(cache=True, nogil=True)
def _log_conditional(
    ids, counts, start, stop, length, word_cluster, cluster_docs, cluster_tokens, alpha, beta, log_table, out
):
    """``out[k]`` = log of the GSDMM conditional of one document (its words ``ids[start:stop]``
    with ``counts``) joining cluster k, up to a constant; the counts must exclude it.
    ``log_table``: :func:`_log_table` of ``beta``."""
    n_clusters = len(cluster_docs)
    size = len(log_table)
    vbeta = word_cluster.shape[0] * beta
    for k in range(n_clusters):
        total = cluster_tokens[k] + vbeta
        out[k] = math.log(cluster_docs[k] + alpha) - (math.lgamma(total + length) - math.lgamma(total))
    for j in range(start, stop):
        w, c = ids[j], counts[j]
        if c == 1:
            for k in range(n_clusters):
                count = word_cluster[w, k]
                out[k] += log_table[count] if count < size else math.log(count + beta)
        else:
            for k in range(n_clusters):
                n = word_cluster[w, k] + beta
                out[k] += math.lgamma(n + c) - math.lgamma(n)


@njit(cache=True, nogil=True)
def _move(ids, counts, start, stop, length, k, sign, word_cluster, cluster_docs, cluster_tokens):
    """Add (sign 1) or remove (sign -1) one document's counts to or from cluster k."""
    cluster_docs[k] += sign
    cluster_tokens[k] += sign * length
    for j in range(start, stop):
        word_cluster[ids[j], k] += sign * counts[j]


@njit(cache=True, nogil=True)
def _sweep(ids, counts, offsets, lengths, rows, z, word_cluster, cluster_docs, cluster_tokens, alpha, beta, uniforms):
    """One Gibbs sweep over the documents ``rows`` in order; ``uniforms[i]`` draws row i's cluster."""
    n_clusters = len(cluster_docs)
    log_table = _log_table(beta, _LOG_TABLE_SIZE)
    log_p = np.empty(n_clusters)
    for i in range(len(rows)):
        d = rows[i]
        start, stop, length = offsets[d], offsets[d + 1], lengths[d]
        if z[d] >= 0:
            _move(ids, counts, start, stop, length, z[d], -1, word_cluster, cluster_docs, cluster_tokens)
        _log_conditional(
            ids, counts, start, stop, length, word_cluster, cluster_docs, cluster_tokens, alpha, beta, log_table, log_p
        )
        top = log_p.max()
        total = 0.0
        for k in range(n_clusters):
            log_p[k] = math.exp(log_p[k] - top)
            total += log_p[k]
        target, chosen, running = uniforms[i] * total, n_clusters - 1, 0.0
        for k in range(n_clusters):
            running += log_p[k]
            if target < running:
                chosen = k
                break
        z[d] = chosen
        _move(ids, counts, start, stop, length, chosen, 1, word_cluster, cluster_docs, cluster_tokens)


@njit(cache=True, nogil=True)
def _log_posteriors(ids, counts, offsets, lengths, rows, z, word_cluster, cluster_docs, cluster_tokens, alpha, beta):
    """Log conditional of each document ``rows[i]`` over the clusters; with ``z`` (its cluster,
    or -1 for a document not in the counts) the document is removed from the counts first."""
    n_clusters = len(cluster_docs)
    log_table = _log_table(beta, _LOG_TABLE_SIZE)
    out = np.empty((len(rows), n_clusters))
    for i in range(len(rows)):
        d = rows[i]
        start, stop, length = offsets[d], offsets[d + 1], lengths[d]
        if z[d] >= 0:
            _move(ids, counts, start, stop, length, z[d], -1, word_cluster, cluster_docs, cluster_tokens)
        _log_conditional(
            ids, counts, start, stop, length, word_cluster, cluster_docs, cluster_tokens, alpha, beta, log_table, out[i]
        )
        if z[d] >= 0:
            _move(ids, counts, start, stop, length, z[d], 1, word_cluster, cluster_docs, cluster_tokens)
    return out


# --------------------------------------------------------------------------- helpers


def _normalise_logs(log_p: np.ndarray) -> np.ndarray:
    """Rows of log weights → probabilities (max subtracted before ``exp``), in place."""
    log_p -= log_p.max(axis=1, keepdims=True)
    np.exp(log_p, out=log_p)
    log_p /= log_p.sum(axis=1, keepdims=True)
    return log_p


class _Bags(NamedTuple):
    """Documents as the sampler reads them: document d's word ids and counts are
    ``ids[offsets[d]:offsets[d + 1]]`` and ``counts[...]``, its length ``lengths[d]``;
    ``rows`` are the documents with tokens, in order."""

    ids: np.ndarray
    counts: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, ids, counts, offsets) -> _Bags:
        ids, counts = np.asarray(ids, dtype=np.int32), np.asarray(counts, dtype=np.int32)
        offsets = np.asarray(offsets, dtype=np.int64)
        cumulative = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        lengths = cumulative[offsets[1:]] - cumulative[offsets[:-1]]
        return cls(ids, counts, offsets, lengths, np.flatnonzero(lengths > 0))

    @classmethod
    def of_texts(cls, texts: list[list[str]], vocabulary: dict[str, int]) -> _Bags:
        """Each text's in-vocabulary words (tokens outside ``vocabulary`` are left out)."""
        ids, counts, offsets = [], [], [0]
        for tokens in texts:
            bag: dict[int, int] = {}
            for token in tokens:
                if token in vocabulary:
                    bag[vocabulary[token]] = bag.get(vocabulary[token], 0) + 1
            for word in sorted(bag):
                ids.append(word)
                counts.append(bag[word])
            offsets.append(len(ids))
        return cls.of(ids, counts, offsets)


def gibbs(
    bags: _Bags, n_terms: int, k: int, alpha: float, beta: float, iterations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Collapsed Gibbs sampling of the mixture from a random start (Yin & Wang 2014).

    Returns
    -------
    z : ndarray, shape (n_docs,)
        Each document's cluster (-1: a document without tokens).
    word_cluster : ndarray, shape (n_terms, k)
        Counts of each word in each cluster.
    cluster_docs, cluster_tokens : ndarray, shape (k,)
        Documents and tokens of each cluster.
    """
    ids, counts, offsets, lengths, rows = bags
    rng = np.random.default_rng(seed)
    z = np.full(len(lengths), -1, dtype=np.int64)
    z[rows] = rng.integers(0, k, size=len(rows))
    word_cluster = np.zeros((n_terms, k), dtype=np.int64)
    np.add.at(word_cluster, (ids, np.repeat(z, np.diff(offsets))), counts)
    cluster_docs = np.bincount(z[rows], minlength=k).astype(np.int64)
    cluster_tokens = np.bincount(z[rows], weights=lengths[rows], minlength=k).astype(np.int64)
    for _ in range(iterations):
        _sweep(*bags, z, word_cluster, cluster_docs, cluster_tokens, alpha, beta, rng.random(len(rows)))
    return z, word_cluster, cluster_docs, cluster_tokens


def _kept_order(cluster_docs: np.ndarray, cluster_tokens: np.ndarray) -> np.ndarray:
    """Non-empty clusters, most documents first, then most tokens, then the lower number.

    >>> _kept_order(np.array([3, 0, 5, 3]), np.array([30, 0, 40, 31])).tolist()
    [2, 3, 0]
    """
    kept = np.flatnonzero(cluster_docs > 0)
    return kept[np.lexsort((kept, -cluster_tokens[kept], -cluster_docs[kept]))]


# --------------------------------------------------------------------------- the engine


class Dmm(TopicEngine):
    """Dirichlet multinomial mixture, collapsed Gibbs (see the module docstring)."""

    name = "dmm"
    params_type = DmmParams
    native_file = "model.dmm.npz"
    k_is_upper_bound = True

    def fit(self, data, k: int, seed: int, params: DmmParams) -> FittedModel:
        """Sample cluster assignments for ``params.iterations`` sweeps with at most ``k`` clusters.

        Returns
        -------
        FittedModel
            Over the clusters that are not empty after the last sweep (``.k`` of them);
            ``params`` holds the engine parameters plus ``k_requested`` and
            ``clusters_dropped``.
        """
        if k < 1:
            raise ZhtopicsError(f"dmm: the number of clusters must be at least 1 (got {k})")
        started = time.perf_counter()
        bags = _Bags.of(data.bow.ids, data.bow.counts, data.bow.offsets)
        if not len(bags.rows):
            raise ZhtopicsError("no document has any token left in the dictionary: nothing to model")
        alpha, beta = float(params.alpha), float(params.beta)
        z, word_cluster, cluster_docs, cluster_tokens = gibbs(
            bags, data.n_terms, k, alpha, beta, params.iterations, seed
        )
        order = _kept_order(cluster_docs, cluster_tokens)
        relabel = np.full(k, -1, dtype=np.int64)
        relabel[order] = np.arange(len(order))
        z = np.where(z >= 0, relabel[z], -1)
        word_cluster, cluster_docs, cluster_tokens = word_cluster[:, order], cluster_docs[order], cluster_tokens[order]
        state = DmmState(np.ascontiguousarray(word_cluster.T), cluster_docs, alpha, beta, k, params.iterations, seed)
        doc_topic = np.full((data.n_docs, state.k), 1.0 / state.k)
        doc_topic[bags.rows] = _normalise_logs(
            _log_posteriors(*bags, z, word_cluster, cluster_docs, cluster_tokens, alpha, beta)
        )
        if state.clusters_dropped:
            logger.info("dmm: %d of K = %d clusters ended empty and were dropped", state.clusters_dropped, k)
        info = dict(asdict(params), k_requested=k, clusters_dropped=state.clusters_dropped)
        empty = np.flatnonzero(bags.lengths == 0).tolist()
        seconds = time.perf_counter() - started
        vocabulary = dict(data.dictionary.token2id)
        return FittedModel(
            self.name, state.k, seed, topic_word(state), doc_topic, seconds, info, empty, state, vocabulary
        )

    def save_native(self, native: DmmState, path: Path) -> None:
        """Write the counts and hyperparameters as ``.npz`` (the table in the module docstring)."""
        with open(path, "wb") as handle:  # a file object: numpy does not append ".npz"
            np.savez_compressed(
                handle,
                format=np.int64(FILE_FORMAT),
                cluster_word=native.cluster_word,
                cluster_docs=native.cluster_docs,
                alpha=np.float64(native.alpha),
                beta=np.float64(native.beta),
                k_requested=np.int64(native.k_requested),
                iterations=np.int64(native.iterations),
                seed=np.int64(native.seed),
            )

    def load_native(self, path: Path) -> DmmState:
        with np.load(path) as arrays:
            if int(arrays["format"]) != FILE_FORMAT:
                raise ZhtopicsError(f"{path}: DMM model file format {int(arrays['format'])}, expected {FILE_FORMAT}")
            return DmmState(
                cluster_word=arrays["cluster_word"],
                cluster_docs=arrays["cluster_docs"],
                alpha=float(arrays["alpha"]),
                beta=float(arrays["beta"]),
                k_requested=int(arrays["k_requested"]),
                iterations=int(arrays["iterations"]),
                seed=int(arrays["seed"]),
            )

    def infer(self, fitted: FittedModel, texts: list[list[str]], seed: int = 0) -> np.ndarray:
        """Posterior over the kept clusters of each text, given the fitted counts (the GSDMM
        conditional of a document not in the counts). Exact, so ``seed`` is not used; a text
        without a known word gets a uniform row."""
        return _normalise_logs(self._log_posterior(fitted, texts))

    def completion_log_likelihood(
        self, fitted: FittedModel, observed: list[list[str]], held_out: list[list[str]], seed: int = 0
    ) -> np.ndarray:
        """Document completion for a mixture: one cluster produced all of a document's words,

            log p(held_out | observed) = logsumexp_k [log p(k | observed) + Σ_w log φ_kw]

        with ``p(k | observed)`` from :meth:`infer` and ``φ = topic_word``; tokens outside the
        vocabulary are left out (a document with none scores 0)."""
        log_post = self._log_posterior(fitted, observed)
        log_post -= np.logaddexp.reduce(log_post, axis=1, keepdims=True)
        log_phi = np.log(fitted.topic_word)
        column = _vocabulary(fitted)
        scores = np.zeros(len(held_out))
        for row, tokens in enumerate(held_out):
            ids = [column[t] for t in tokens if t in column]
            if ids:
                scores[row] = np.logaddexp.reduce(log_post[row] + log_phi[:, ids].sum(axis=1))
        return scores

    @staticmethod
    def _log_posterior(fitted: FittedModel, texts: list[list[str]]) -> np.ndarray:
        """Unnormalised log posterior over clusters of each text (zeros: no known word)."""
        state: DmmState = fitted.native
        bags = _Bags.of_texts(texts, _vocabulary(fitted))
        out = np.zeros((len(texts), state.k))
        if len(bags.rows):
            word_cluster = np.ascontiguousarray(state.cluster_word.T, dtype=np.int64)
            cluster_docs = np.asarray(state.cluster_docs, dtype=np.int64)
            cluster_tokens = state.cluster_word.sum(axis=1).astype(np.int64)
            z = np.full(len(texts), -1, dtype=np.int64)
            out[bags.rows] = _log_posteriors(
                *bags, z, word_cluster, cluster_docs, cluster_tokens, state.alpha, state.beta
            )
        return out


def topic_word(state: DmmState) -> np.ndarray:
    """The smoothed counts ``(n_kw + β) / (n_k + Vβ)``: each row sums to 1."""
    smoothed = state.cluster_word + state.beta
    return smoothed / smoothed.sum(axis=1, keepdims=True)
