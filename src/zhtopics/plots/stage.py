"""Stage 6 on disk: every figure, and the interactive topic map, into ``<out>/figures/``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from zhtopics.plots.write import write_figures
from zhtopics.topic_map import write_topic_map

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def run_figures(context: StageContext) -> list[str]:
    """The figures (:func:`~zhtopics.plots.write.write_figures`) and the topic map
    (:func:`~zhtopics.topic_map.write_topic_map`) of the run in ``context``."""
    written = write_figures(context.run, context.params.figures, context.params.prevalence)
    topic_map = write_topic_map(context.run, context.params.topic_map)
    return [f"wrote {len(written)} figure files and {topic_map.name} to {context.paths.figures}/"]
