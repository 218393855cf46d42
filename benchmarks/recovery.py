"""Planted-topic recovery: how well a fitted model finds the topics the generator planted.

Two views, both label-free on the model's side:

- Documents (:func:`document_recovery`): the planted dominant topic of each document
  against the fitted ``dominant_topic`` of ``results/doc_topics.csv`` — normalised mutual
  information (NMI, arithmetic normalisation), adjusted Rand index, and the accuracy after
  matching fitted to planted topics one-to-one (Hungarian matching on the contingency
  table). Documents the pipeline dropped (duplicates) are counted; documents without
  tokens (``dominant_topic`` −1) stay in as a cluster of their own, so they count as errors.
  For reference (:func:`oracle_document_recovery`), the same NMI on the first 10,000
  documents for an oracle that knows the planted topic-word distributions: the ceiling a
  fitted model can approach, since short documents mix topics (alpha 0.1, K 20).
- Topics (:func:`topic_word_recovery`): the planted topic-word distributions against the
  fitted ``models/<engine>_k<K>/topic_word.npy``, mapped through the model's Dictionary
  (``token2id``). A planted word that is not in the Dictionary is lost: it keeps its
  planted mass in a column of its own where every fitted topic has zero. Topics are
  matched one-to-one by Hungarian matching on cosine similarity; reported are the mean
  and minimum matched cosine, the share of each fitted topic's top 10 words that belong to
  its matched planted topic, and how much of the planted vocabulary and mass the
  Dictionary kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment


def normalized_mutual_info(a: np.ndarray, b: np.ndarray) -> float:
    """NMI of two labelings, arithmetic-mean normalisation (sklearn's default), numpy only."""
    a = np.unique(np.asarray(a), return_inverse=True)[1]
    b = np.unique(np.asarray(b), return_inverse=True)[1]
    n = len(a)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pa, pb, pab = table.sum(axis=1) / n, table.sum(axis=0) / n, table / n
    nz = pab > 0
    mi = float((pab[nz] * np.log(pab[nz] / np.outer(pa, pb)[nz])).sum())
    ha = float(-(pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = float(-(pb[pb > 0] * np.log(pb[pb > 0])).sum())
    if ha == 0 and hb == 0:
        return 1.0
    return max(mi, 0.0) / ((ha + hb) / 2) if ha + hb > 0 else 0.0


def document_recovery(planted: np.ndarray, fitted: np.ndarray) -> dict:
    """Agreement of planted and fitted dominant topics over the same documents."""
    from sklearn.metrics import adjusted_rand_score

    planted, fitted = np.asarray(planted, dtype=int), np.asarray(fitted, dtype=int)
    p_labels, p_index = np.unique(planted, return_inverse=True)
    f_labels, f_index = np.unique(fitted, return_inverse=True)
    table = np.zeros((len(p_labels), len(f_labels)), dtype=np.int64)
    np.add.at(table, (p_index, f_index), 1)
    rows, cols = linear_sum_assignment(-table)
    return {
        "documents": int(len(planted)),
        "nmi": round(normalized_mutual_info(planted, fitted), 4),
        "ari": round(float(adjusted_rand_score(planted, fitted)), 4),
        "matched_accuracy": round(float(table[rows, cols].sum() / max(len(planted), 1)), 4),
        "documents_without_topic": int((fitted < 0).sum()),
    }


def topic_word_recovery(
    planted_topic_word: np.ndarray,
    vocabulary: list[str],
    word_topic: np.ndarray,
    fitted_topic_word: np.ndarray,
    token2id: dict[str, int],
    topn: int = 10,
) -> dict:
    """Match fitted topics to planted ones on cosine similarity (see the module docstring)."""
    k_planted, v_planted = planted_topic_word.shape
    v_fitted = fitted_topic_word.shape[1]
    columns = np.empty(v_planted, dtype=np.int64)
    lost = 0
    for j, word in enumerate(vocabulary):
        if word in token2id:
            columns[j] = token2id[word]
        else:
            columns[j] = v_fitted + lost
            lost += 1
    planted = np.zeros((k_planted, v_fitted + lost))
    np.add.at(planted, (slice(None), columns), planted_topic_word)
    fitted = np.hstack([fitted_topic_word, np.zeros((fitted_topic_word.shape[0], lost))])
    similarity = (planted / np.linalg.norm(planted, axis=1, keepdims=True)) @ (
        fitted / np.linalg.norm(fitted, axis=1, keepdims=True)
    ).T
    rows, cols = linear_sum_assignment(-similarity)
    matched = similarity[rows, cols]
    # Top words of each fitted topic that belong to its matched planted topic's own block.
    owner = np.full(v_fitted, -1)
    in_dictionary = columns < v_fitted
    owner[columns[in_dictionary]] = word_topic[in_dictionary]
    top = np.argsort(-fitted_topic_word, axis=1, kind="stable")[:, :topn]
    purity = [float((owner[top[c]] == r).mean()) for r, c in zip(rows, cols)]
    marginal = planted_topic_word.mean(axis=0)
    planted_ids = columns[in_dictionary]
    foreign_mass = np.clip(1.0 - fitted_topic_word[:, planted_ids].sum(axis=1), 0.0, 1.0)
    return {
        "planted_topics": int(k_planted),
        "fitted_topics": int(fitted_topic_word.shape[0]),
        "mean_matched_cosine": round(float(matched.mean()), 4),
        "min_matched_cosine": round(float(matched.min()), 4),
        "matched_cosine": [round(float(x), 4) for x in matched],
        f"top{topn}_purity": round(float(np.mean(purity)), 4),
        "planted_words": int(v_planted),
        "planted_words_in_dictionary": int(in_dictionary.sum()),
        "planted_vocabulary_kept": round(float(in_dictionary.mean()), 4),
        "planted_mass_kept": round(float(marginal[in_dictionary].sum()), 4),
        "fitted_mass_on_non_planted_words": round(float(foreign_mass.mean()), 4),
    }


def oracle_document_recovery(truth, n_docs: int = 10_000) -> dict:
    """What the planted topics themselves recover: each word of the first ``n_docs``
    documents (regenerated, words known) gives its topics the weights ``phi[:, w]``
    (normalised); a document's oracle topic is the argmax of their sum. Its NMI with the
    planted dominant topic is the ceiling a fitted model can approach (short documents mix
    topics, and the uniform background makes a few words ambiguous)."""
    from benchmarks.generate import BATCH_DOCS, PlantedModel

    keys = (
        "k",
        "doc_chars",
        "seed",
        "vocabulary_size",
        "alpha",
        "beta",
        "background",
        "clause_words",
        "min_freq",
        "max_freq",
    )
    model = PlantedModel(**{key: truth.params[key] for key in keys})
    batch = model.batch(0, min(n_docs, BATCH_DOCS, len(truth.planted_topic)))
    n = len(batch.texts)
    weights = truth.topic_word[:, batch.words].T
    weights = weights / weights.sum(axis=1, keepdims=True)
    scores = np.zeros((n, truth.k))
    np.add.at(scores, np.repeat(np.arange(n), np.diff(batch.offsets)), weights)
    oracle = scores.argmax(axis=1)
    return {
        "documents": n,
        "oracle_nmi": round(normalized_mutual_info(batch.planted_topic, oracle), 4),
        "planted": batch.planted_topic,
    }


def recovery(out_dir: Path, truth, engine: str | None = None) -> dict:
    """Planted-topic recovery of the chosen model of a ``zhtopics run`` output folder.

    Parameters
    ----------
    out_dir : Path
        The run's ``--out`` folder (``results/doc_topics.csv``, ``results/model_choice.json``,
        ``models/<engine>_k<K>/``). The input table's ``gen_id`` column passes through to
        ``doc_topics.csv`` and aligns its rows with the truth.
    truth : benchmarks.generate.PlantedTruth
    engine : str, optional
        The fitted model to judge (default: the chosen one).
    """
    from gensim.corpora import Dictionary

    out_dir = Path(out_dir)
    choice = json.loads((out_dir / "results" / "model_choice.json").read_text(encoding="utf-8"))
    engine = engine or choice["engine"]
    k = choice["k"]
    folder = out_dir / "models" / f"{engine}_k{k}"
    doc_topics = pd.read_csv(out_dir / "results" / "doc_topics.csv", usecols=["gen_id", "dominant_topic"])
    gen_id = doc_topics["gen_id"].to_numpy(dtype=np.int64)
    if engine == choice["engine"]:
        fitted_dominant = doc_topics["dominant_topic"].to_numpy(dtype=np.int64)
    else:  # the comparison model: its doc_topic matrix, rows in document order
        doc_topic = np.load(folder / "doc_topic.npy")
        fitted_dominant = doc_topic.argmax(axis=1)
    dictionary = Dictionary.load(str(folder / "dictionary.gensim"))
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    result = recovery_of_assignments(truth, gen_id, fitted_dominant, np.load(folder / "topic_word.npy"), vocabulary)
    return {"engine": engine, "k": k, **result}


def recovery_of_assignments(
    truth,
    gen_id: np.ndarray,
    dominant: np.ndarray,
    topic_word: np.ndarray | None = None,
    vocabulary: list[str] | None = None,
) -> dict:
    """Planted-topic recovery of any pipeline's assignments (zhtopics' or a peer's).

    Parameters
    ----------
    truth : benchmarks.generate.PlantedTruth
    gen_id : np.ndarray
        The generated document behind each assignment (the corpus' ``gen_id``).
    dominant : np.ndarray
        Each document's fitted dominant topic (-1: none, counted as a cluster of its own).
    topic_word, vocabulary : optional
        The fitted topic-word distributions and the words of their columns, for
        :func:`topic_word_recovery` (omitted: only documents are scored).
    """
    gen_id = np.asarray(gen_id, dtype=np.int64)
    fitted_dominant = np.asarray(dominant, dtype=np.int64)
    documents = document_recovery(truth.planted_topic[gen_id], fitted_dominant)
    reference = oracle_document_recovery(truth)
    fitted_first = pd.Series(fitted_dominant, index=gen_id).reindex(np.arange(reference["documents"])).fillna(-1)
    documents["oracle_on_first_documents"] = dict(
        reference, fitted_nmi=round(normalized_mutual_info(reference["planted"], fitted_first.to_numpy(dtype=int)), 4)
    )
    del documents["oracle_on_first_documents"]["planted"]
    documents["documents_generated"] = int(len(truth.planted_topic))
    documents["documents_dropped_by_prepare"] = int(len(truth.planted_topic) - len(gen_id))
    result = {"documents": documents}
    if topic_word is not None and vocabulary is not None:
        result["topics"] = topic_word_recovery(
            truth.topic_word,
            truth.vocabulary,
            np.asarray(truth.word_topic),
            np.asarray(topic_word, dtype=np.float64),
            {word: i for i, word in enumerate(vocabulary)},
        )
    return result
