"""The interactive topic map (LDAvis), as one self-contained HTML file that works offline.

- :mod:`.ldavis`: the LDAvis data of a model (:func:`prepare_topic_map`, the :func:`pcoa` layout).
- :mod:`.assets`: pyLDAvis's d3, LDAvis script (patched) and style sheet, inlined.
- :mod:`.fonts`: the embedded subset of a CJK font (:func:`font_face_css`).
- :mod:`.page`: the page and the notebook fragment, and ``figures/topic_map.html``
  (:func:`write_topic_map`).
"""

from zhtopics.topic_map.assets import LDAVIS_PATCHES, is_map_script, library_script, patch_ldavis
from zhtopics.topic_map.fonts import default_font_file, font_face_css
from zhtopics.topic_map.ldavis import pcoa, prepare_topic_map
from zhtopics.topic_map.page import topic_map_fragment, topic_map_html, write_topic_map

__all__ = [
    "LDAVIS_PATCHES",
    "default_font_file",
    "font_face_css",
    "is_map_script",
    "library_script",
    "patch_ldavis",
    "pcoa",
    "prepare_topic_map",
    "topic_map_fragment",
    "topic_map_html",
    "write_topic_map",
]
