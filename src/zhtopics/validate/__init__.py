"""Validation by human coders: ``zhtopics validate export`` and ``zhtopics validate score``.

- :mod:`~zhtopics.validate.sampling`: the items, drawn reproducibly (word intrusion, topic
  intrusion, a stratified coding sample);
- :mod:`~zhtopics.validate.kit`: the kit on disk (the coders' sheet and theme list, the
  answer key kept apart) and its file format;
- :mod:`~zhtopics.validate.page`: the coders' offline HTML page;
- :mod:`~zhtopics.validate.scoring`: the scores of the answers.
"""

from zhtopics.validate.kit import export_kit
from zhtopics.validate.scoring import score_answers

__all__ = ["export_kit", "score_answers"]
