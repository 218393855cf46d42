"""``zhtopics infer``: a run's final model applied to new documents.

- :mod:`~zhtopics.inference.model`: the final model of a run folder, reopened with its
  library (:class:`RunModel`);
- :mod:`~zhtopics.inference.texts`: new documents read, normalised and segmented as the
  run's were (its recorded parameters and lexicons);
- :mod:`~zhtopics.inference.confidence`: which rows to flag as flat or low-confidence;
- :mod:`~zhtopics.inference.apply`: the engine's own inference, ``doc_topics.csv`` and the
  out-of-vocabulary table.
"""

from zhtopics.inference.apply import InferOutcome, infer_new_documents
from zhtopics.inference.model import RunModel, load_run_model

__all__ = ["InferOutcome", "RunModel", "infer_new_documents", "load_run_model"]
