"""Stage 5: topics named after themes, evidence paragraphs, the guided model."""

from zhtopics.themes.evidence import topic_evidence
from zhtopics.themes.guided import fit_guided
from zhtopics.themes.labels import LABEL_COLUMNS, label_topics, load_themes, seed_coverage, theme_scores

__all__ = [
    "LABEL_COLUMNS",
    "fit_guided",
    "label_topics",
    "load_themes",
    "seed_coverage",
    "theme_scores",
    "topic_evidence",
]
