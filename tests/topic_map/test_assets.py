"""The inlined LDAvis script (patched for topic 0) and the page data that cannot end its script."""

from __future__ import annotations

import re

import pytest

from zhtopics.report import active_content
from zhtopics.topic_map import library_script, patch_ldavis, prepare_topic_map, topic_map_html

from .model import WORDS, page_data


def test_ldavis_is_patched_for_topic_zero():
    script = library_script()
    assert "radius[dat2[i].Topic - zhFirst]" in script and "Topic - 1]" not in script
    assert "vis_state.topic > 0" not in script
    assert "term.innerHTML" not in script and "vis_state.term = term.textContent;" in script
    with pytest.raises(RuntimeError, match="not the one zhtopics was written for"):
        patch_ldavis("var LDAvis = function() {};")


def test_page_data_cannot_end_its_script(model):
    """Terms are corpus text: in the page's JSON, < > & and line separators are \\u escapes."""
    model = dict(model, vocab=["</script><script>x=1</script>", "a&b>c", "\u2028"] + list(WORDS[3:]))
    page = topic_map_html(prepare_topic_map(**model), embed_font=False)
    data = re.search(r"var data = (\{.*\});\n", page).group(1)
    assert not set("<>&\u2028\u2029") & set(data)
    assert set(model["vocab"][:3]) <= set(page_data(page)["tinfo"]["Term"]) | set(
        page_data(page)["token.table"]["Term"]
    )
    assert active_content(page) == []
