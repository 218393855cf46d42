"""How far two models of the same documents agree: matched topics, and paragraph assignments.

- Topics: the two models' topic-word distributions (over the same Dictionary) are matched
  one to one by the Hungarian method (:func:`scipy.optimize.linear_sum_assignment`) on
  their Jensen–Shannon distance (base 2, in [0, 1]); a pair's *similarity* is one minus
  that distance (1 = the same words in the same proportions, 0 = no word in common). With
  different numbers of topics, the topics of the larger model left over stay unmatched.
- Paragraphs: each paragraph's dominant topic under either model, compared with
  scikit-learn's normalised mutual information (NMI), its chance-corrected form (AMI) and
  the adjusted Rand index (ARI); paragraphs without tokens are left out. Neither needs the
  topics to be matched: 1 means the two models group the paragraphs identically, about 0
  (ARI, AMI) what independent assignments would give.

Used for the guided model (seed words as priors) beside the unsupervised one:
``results/guided_agreement.csv`` and ``agreement`` in ``results/guided_metrics.json``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

from zhtopics.atomic import write_csv
from zhtopics.errors import ZhtopicsError
from zhtopics.modeling.engines import FittedModel
from zhtopics.modeling.tables import article_views, doc_topics_table
from zhtopics.params import PrevalenceParams
from zhtopics.results import RunResults

logger = logging.getLogger(__name__)

#: Columns of ``results/guided_agreement.csv``.
AGREEMENT_COLUMNS = ["topic", "label", "guided_topic", "guided_label", "similarity"]


def topic_similarity(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """K1 × K2 similarity of two models' topics: 1 − Jensen–Shannon distance (base 2) of
    their word distributions (rows are normalised to sum to 1)."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.ndim != 2 or second.ndim != 2 or first.shape[1] != second.shape[1]:
        raise ZhtopicsError(
            f"topic-word matrices over different vocabularies: {first.shape} and {second.shape} "
            "(both models must be fitted on the same Dictionary)"
        )
    # scipy's Jensen-Shannon distance uses the natural log; dividing by sqrt(ln 2) gives base 2, in [0, 1].
    distance = cdist(first, second, metric="jensenshannon") / np.sqrt(np.log(2))
    return np.clip(1.0 - distance, 0.0, 1.0)


def match_topics(first: np.ndarray, second: np.ndarray) -> pd.DataFrame:
    """Match two models' topics one to one (Hungarian method, most similar overall).

    Parameters
    ----------
    first, second : ndarray
        K1 × V and K2 × V topic-word matrices over the same vocabulary.

    Returns
    -------
    DataFrame
        ``topic`` (of ``first``), ``guided_topic`` (of ``second``), ``similarity``: the
        matched pairs in the order of ``first``'s topics, then one row for each topic left
        unmatched (its partner and similarity empty).
    """
    similarity = topic_similarity(first, second)
    rows, columns = linear_sum_assignment(similarity, maximize=True)
    matched = pd.DataFrame(
        {"topic": rows, "guided_topic": columns, "similarity": similarity[rows, columns].round(4)}
    ).astype({"topic": "Int64", "guided_topic": "Int64"})
    left_first = sorted(set(range(similarity.shape[0])) - set(rows))
    left_second = sorted(set(range(similarity.shape[1])) - set(columns))
    unmatched = pd.DataFrame(
        {
            "topic": pd.array(left_first + [None] * len(left_second), dtype="Int64"),
            "guided_topic": pd.array([None] * len(left_first) + left_second, dtype="Int64"),
            "similarity": np.nan,
        }
    )
    return pd.concat([matched, unmatched], ignore_index=True) if len(unmatched) else matched


def assignment_agreement(first: np.ndarray, second: np.ndarray) -> dict:
    """Agreement of two models' dominant topics over the same documents.

    Parameters
    ----------
    first, second : array-like of int
        Each document's dominant topic under either model; -1 marks a document without
        tokens (left out).

    Returns
    -------
    dict
        ``documents`` (compared), ``nmi``, ``ami``, ``adjusted_rand`` (rounded to 4 digits;
        None with fewer than two documents).
    """
    first, second = np.asarray(first), np.asarray(second)
    if first.shape != second.shape:
        raise ZhtopicsError(f"dominant topics of {len(first)} and {len(second)} documents: not the same documents")
    both = (first >= 0) & (second >= 0)
    first, second = first[both], second[both]
    if len(first) < 2:
        return {"documents": int(len(first)), "nmi": None, "ami": None, "adjusted_rand": None}
    return {
        "documents": int(len(first)),
        "nmi": round(float(normalized_mutual_info_score(first, second)), 4),
        "ami": round(float(adjusted_mutual_info_score(first, second)), 4),
        "adjusted_rand": round(float(adjusted_rand_score(first, second)), 4),
    }


def agreement_table(matches: pd.DataFrame, labels: pd.DataFrame, guided_labels: pd.DataFrame) -> pd.DataFrame:
    """``results/guided_agreement.csv``: :func:`match_topics` with both models' topic names
    (:data:`AGREEMENT_COLUMNS`)."""
    names = dict(zip(labels["topic"].astype(int), labels["label"].astype(str)))
    guided_names = dict(zip(guided_labels["topic"].astype(int), guided_labels["label"].astype(str)))
    table = matches.copy()
    table["label"] = table["topic"].map(lambda t: "" if pd.isna(t) else names.get(int(t), ""))
    table["guided_label"] = table["guided_topic"].map(lambda t: "" if pd.isna(t) else guided_names.get(int(t), ""))
    return table[AGREEMENT_COLUMNS]


def agreement_summary(matches: pd.DataFrame, assignments: dict) -> dict:
    """The numbers of ``agreement`` in ``guided_metrics.json``: paragraph agreement (NMI,
    AMI, ARI) and the matched topics' mean similarity."""
    similarity = matches["similarity"].dropna()
    return {
        **assignments,
        "matched_topics": int(len(similarity)),
        "mean_matched_similarity": None if similarity.empty else round(float(similarity.mean()), 4),
    }


def write_guided_views(
    run: RunResults, guided: FittedModel, guided_labels: pd.DataFrame, settings: PrevalenceParams
) -> dict:
    """Write the guided model's article views and its agreement with the chosen model.

    Writes ``guided_article_topics.csv`` and ``guided_prevalence_by_group.csv`` (as for the
    chosen model: :func:`zhtopics.modeling.tables.article_views`) and
    ``guided_agreement.csv`` (:func:`agreement_table`), reading the chosen model's
    ``topic_word.npy``, ``doc_topics.csv`` and ``topic_labels.csv`` from ``run``.

    Parameters
    ----------
    run : RunResults
        The output folder (stage 5 has written ``topic_labels.csv``).
    guided : FittedModel
        The guided model, over the same Dictionary and documents.
    guided_labels : DataFrame
        Its ``guided_topic_labels.csv``.
    settings : PrevalenceParams
        ``prevalence``.

    Returns
    -------
    dict
        :func:`agreement_summary`: for ``agreement`` in ``guided_metrics.json``.
    """
    paths, documents = run.paths, run.documents
    guided_docs = doc_topics_table(guided, documents, run.token_counts())
    articles, by_group = article_views(guided_docs, guided.k, documents, run.removed_or_none(), run.articles, settings)
    write_csv(articles, paths.result("guided_article_topics"))
    write_csv(by_group, paths.result("guided_prevalence_by_group"))
    matches = match_topics(run.topic_word(), guided.topic_word)
    write_csv(agreement_table(matches, run.labels, guided_labels), paths.result("guided_agreement"))
    chosen = run.doc_topic_shares(extra=("doc_id", "dominant_topic"))
    if chosen["doc_id"].astype(str).tolist() != guided_docs["doc_id"].astype(str).tolist():
        raise ZhtopicsError(
            f"{paths.result('doc_topics')}: not the documents of the guided model; rerun `zhtopics train`"
        )
    agreement = agreement_summary(
        matches, assignment_agreement(chosen["dominant_topic"], guided_docs["dominant_topic"])
    )
    logger.info(
        "guided vs chosen model: NMI %s, ARI %s over %d paragraphs",
        agreement["nmi"],
        agreement["adjusted_rand"],
        agreement["documents"],
    )
    return agreement
