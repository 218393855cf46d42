"""Biterm topic model (Yan et al. 2013) with bitermplus: topics of word pairs, for short texts.

BTM models the corpus's biterms (unordered pairs of words within ``window`` tokens of each
other in a document) as drawn from a corpus-wide mixture of topics, so short documents
pool their co-occurrences instead of each estimating its own topic mixture. A document's
topics are inferred afterwards from its biterms (``transform``, ``sum_b``): p(z | d) =
Σ_b p(z | b) p(b | d).

Evidence for keeping it (``benchmarks/results/short_text_engines.md``): on the seed corpus
it groups the paragraphs of the numbered sections of 八大理由… best of the engines measured
(at K = 10 and 20); on planted one-topic documents the DMM at a K above the planted number
is as good or better and about 30 times faster. Cost: time grows with the biterms, about
``window × length`` per document (10^5 documents of 20 tokens: 1.7 × 10^7 biterms).

Reproducible under ``seed`` (bitermplus' own generator). The native model is bitermplus'
``BTM`` object, pickled (it holds its biterms: the file grows with the corpus).
"""

from __future__ import annotations

import pickle
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines.base import FittedModel, TopicEngine, _vocabulary, empty_rows


@dataclass(frozen=True)
class BtmParams:
    """``engines.btm``: priors, biterm window and Gibbs sweeps of bitermplus ``BTM``."""

    alpha_times_k: float
    beta: float
    window: int
    iterations: int


def _vectors(texts, column: dict[str, int]) -> list[np.ndarray]:
    """Each text's in-vocabulary word ids in text order (bitermplus' documents)."""
    return [np.array([column[t] for t in text if t in column], dtype=np.int32) for text in texts]


class Btm(TopicEngine):
    """bitermplus ``BTM`` (see the module docstring)."""

    name = "btm"
    params_type = BtmParams
    native_file = "model.btm.pkl"

    def fit(self, data, k: int, seed: int, params: BtmParams) -> FittedModel:
        """Fit by collapsed Gibbs sampling over the corpus's biterms.

        Parameters
        ----------
        params : BtmParams
            ``alpha = alpha_times_k / k`` (Yan et al.: 50 / K), ``beta``, ``window`` (biterms
            pair words fewer than ``window`` positions apart) and ``iterations``.
        """
        import bitermplus
        import scipy.sparse as sparse

        started = time.perf_counter()
        bow = data.bow
        rows = np.repeat(np.arange(len(bow)), np.diff(bow.offsets))
        n_dw = sparse.csr_matrix((np.asarray(bow.counts), (rows, np.asarray(bow.ids))), shape=(len(bow), data.n_terms))
        vocabulary = np.array([data.dictionary[i] for i in range(data.n_terms)])
        documents = _vectors(data.iter_texts(), data.dictionary.token2id)
        empty = empty_rows(data)
        biterms = bitermplus.get_biterms(documents, win=params.window, as_array=True)
        if not sum(len(b) for b in biterms):
            raise ZhtopicsError("btm: no document has two tokens: no biterm to model")
        model = bitermplus.BTM(
            n_dw, vocabulary, T=k, alpha=params.alpha_times_k / k, beta=params.beta, seed=seed, win=params.window
        )
        model.fit(biterms, iterations=params.iterations, verbose=False)
        topic_word = np.asarray(model.matrix_topics_words_, dtype=np.float64)
        topic_word /= topic_word.sum(axis=1, keepdims=True)
        doc_topic = self._transform(model, documents, k)
        seconds = time.perf_counter() - started
        vocabulary_ids = dict(data.dictionary.token2id)
        return FittedModel(
            self.name, k, seed, topic_word, doc_topic, seconds, asdict(params), empty, model, vocabulary_ids
        )

    @staticmethod
    def _transform(model, documents: list[np.ndarray], k: int) -> np.ndarray:
        """p(z | d) by ``sum_b``; a document without a known word gets a uniform row (bitermplus
        would give it the corpus's topic proportions)."""
        theta = np.full((len(documents), k), 1.0 / k)
        rows = [row for row, words in enumerate(documents) if len(words)]
        if rows:
            inferred = np.asarray(model.transform([documents[r] for r in rows], infer_type="sum_b", verbose=False))
            theta[rows] = np.nan_to_num(inferred)
        bad = theta.sum(axis=1) <= 0
        theta[bad] = 1.0 / k
        return theta / theta.sum(axis=1, keepdims=True)

    def save_native(self, native, path: Path) -> None:
        with open(path, "wb") as handle:
            pickle.dump(native, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def load_native(self, path: Path):
        with open(path, "rb") as handle:
            return pickle.load(handle)  # a model file this engine wrote

    def infer(self, fitted: FittedModel, texts: list[list[str]], seed: int = 0) -> np.ndarray:
        """bitermplus' ``transform`` (``sum_b``: from the text's biterms; a one-word text from
        its word); deterministic, so ``seed`` is not used."""
        return self._transform(fitted.native, _vectors(texts, _vocabulary(fitted)), fitted.k)
