"""``zhtopics infer RUN_DIR INPUT --out DIR``: a run's final model applied to new documents.

:func:`infer_new_documents` reads and segments the input as the run did
(:mod:`zhtopics.inference.texts`), infers each document's topics with the engine's own
inference for unseen documents (:meth:`zhtopics.modeling.engines.TopicEngine.infer`, on the
reference seed's library model: topic numbers as in the run's tables), and writes below
``DIR``:

- ``data/interim/``: stage 1's tables of the input (what the reader removed, and why);
- ``results/doc_topics.csv``: the run's format (doc_id, text, dominant_topic, n_tokens
  (tokens in the model's vocabulary), topic_0 … topic_{K-1}, the input's metadata
  columns, topic_label), then ``n_words`` (tokens after segmentation), ``n_oov`` (those
  outside the vocabulary) and the confidence columns of
  :mod:`zhtopics.inference.confidence` (``known_share``, ``top_share``, ``entropy``,
  ``low_confidence``, ``low_confidence_reason``). A document without a known word has a
  uniform row, ``dominant_topic`` -1 and an empty label, as in the run;
- ``results/oov_words.csv``: every word outside the vocabulary (word, count, n_docs), most
  frequent first;
- ``results/infer_summary.json``: the run, the model, the counts and the thresholds.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from zhtopics.atomic import write_csv, write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.inference.confidence import confidence_table
from zhtopics.inference.model import RunModel, load_run_model
from zhtopics.inference.texts import read_new_documents
from zhtopics.ingest import write_prepared
from zhtopics.modeling.tables import doc_topics_table
from zhtopics.params import params_to_dict
from zhtopics.paths import OutputPaths

logger = logging.getLogger(__name__)

#: Files written below ``DIR/results/`` besides ``doc_topics.csv`` (an inference folder, not a run).
OOV_FILE = "oov_words.csv"
SUMMARY_FILE = "infer_summary.json"


@dataclass
class InferOutcome:
    """What :func:`infer_new_documents` wrote and found."""

    doc_topics: pd.DataFrame
    oov: pd.DataFrame
    summary: dict
    paths: OutputPaths

    def lines(self) -> list[str]:
        """The console lines of ``zhtopics infer``."""
        s = self.summary
        top = ", ".join(f"{w} ({n})" for w, n in zip(self.oov["word"].head(8), self.oov["count"].head(8)))
        return [
            f"applied {s['model']} ({s['engine']}, {s['k']} topics) to {s['documents']} documents "
            f"({s['removed']} removed by the reader: {self.paths.removed})",
            f"out of vocabulary: {s['oov_tokens']} of {s['tokens']} tokens ({s['oov_share']:.1%}), "
            f"{s['oov_words']} distinct words" + (f"; most frequent: {top}" if top else ""),
            f"low confidence: {s['low_confidence']} of {s['documents']} documents "
            f"({', '.join(f'{reason} {n}' for reason, n in s['reasons'].items()) or 'none'})",
            f"wrote {self.paths.result('doc_topics')}, {self.paths.results / OOV_FILE} and "
            f"{self.paths.results / SUMMARY_FILE}",
        ]


def oov_table(tokens: list[list[str]], vocabulary: dict[str, int]) -> pd.DataFrame:
    """Words outside the vocabulary: word, count (occurrences), n_docs; most frequent first."""
    counts: Counter = Counter()
    docs: Counter = Counter()
    for doc in tokens:
        unknown = [t for t in doc if t not in vocabulary]
        counts.update(unknown)
        docs.update(set(unknown))
    table = pd.DataFrame(
        {"word": list(counts), "count": list(counts.values()), "n_docs": [docs[w] for w in counts]},
        columns=["word", "count", "n_docs"],
    )
    return table.sort_values(["count", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)


def infer_new_documents(
    run_dir: str | Path, input_path: str | Path, out: str | Path, columns: dict[str, str | None] | None = None
) -> InferOutcome:
    """Apply the final model of the run in ``run_dir`` to ``input_path``; write below ``out``.

    Parameters
    ----------
    run_dir : str or Path
        The output folder of ``zhtopics run``.
    input_path : str or Path
        New documents, in any format ``zhtopics run`` reads.
    out : str or Path
        The folder to write (``results/doc_topics.csv`` and the rest: see the module).
    columns : dict, optional
        ``text_column``, ``id_column``, ``group_column`` to use instead of the run's ("": none).

    Returns
    -------
    InferOutcome
    """
    model = load_run_model(run_dir)
    vocabulary = model.fitted.vocabulary
    new = read_new_documents(input_path, model.run, vocabulary, columns or {})
    paths = OutputPaths(Path(out))
    if paths.root.resolve() == model.run.paths.root.resolve():
        raise ZhtopicsError(f"{out}: --out is the run folder itself; give another folder for the new documents")
    write_prepared(new.prepared, paths)
    theta = model.engine.infer(model.fitted, new.tokens, seed=model.fitted.seed)
    table = doc_topics(model, new.documents, new.tokens, theta)
    paths.results.mkdir(parents=True, exist_ok=True)
    write_csv(table, paths.result("doc_topics"))
    oov = oov_table(new.tokens, vocabulary)
    write_csv(oov, paths.results / OOV_FILE)
    summary = _summary(model, table, oov, new, input_path)
    write_text(paths.results / SUMMARY_FILE, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return InferOutcome(table, oov, summary, paths)


def doc_topics(model: RunModel, documents: pd.DataFrame, tokens: list[list[str]], theta: np.ndarray) -> pd.DataFrame:
    """``doc_topics.csv`` of new documents: the run's columns, then the counts and the confidence."""
    vocabulary = model.fitted.vocabulary
    n_words = np.array([len(doc) for doc in tokens], dtype=np.int64)
    n_known = np.array([sum(t in vocabulary for t in doc) for doc in tokens], dtype=np.int64)
    empty = np.flatnonzero(n_known == 0).tolist()
    inferred = replace(model.fitted, doc_topic=theta, empty_docs=empty)
    counts = pd.DataFrame({"doc_id": documents["doc_id"].astype(str), "n_in_dictionary": n_known})
    dominant = theta.argmax(axis=1)
    labels = pd.Series(dominant).map(model.labels).where(n_known > 0, "").fillna("")
    confidence = confidence_table(theta, n_words, n_known, model.run.params.infer)
    extra = pd.concat(
        [pd.DataFrame({"topic_label": labels, "n_words": n_words, "n_oov": n_words - n_known}), confidence], axis=1
    )
    return doc_topics_table(inferred, documents, counts, dominant=dominant, extra=extra)


def _summary(model: RunModel, table: pd.DataFrame, oov: pd.DataFrame, new, input_path) -> dict:
    tokens = int(table["n_words"].sum())
    reasons: Counter = Counter()
    for text in table["low_confidence_reason"]:
        reasons.update(reason for reason in text.split("; ") if reason)
    return {
        "run": str(model.run.paths.root),
        "input": str(input_path),
        "model": model.folder.name,
        "engine": model.engine.name,
        "k": model.k,
        "documents": len(table),
        "removed": len(new.prepared.removed),
        "tokens": tokens,
        "oov_tokens": int(table["n_oov"].sum()),
        "oov_share": round(float(table["n_oov"].sum()) / tokens, 6) if tokens else 0.0,
        "oov_words": len(oov),
        "low_confidence": int(table["low_confidence"].sum()),
        "reasons": dict(sorted(reasons.items())),
        "thresholds": params_to_dict(model.run.params.infer),
        "lexicon_changed_since_run": new.lexicon_changes,
    }
