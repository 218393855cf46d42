"""Vocabulary: the word cloud uses the bundled font and a fixed seed, and is reproducible."""

from __future__ import annotations

import numpy as np
from matplotlib.image import AxesImage

from zhtopics.plots import font_path, plot_wordcloud


def test_wordcloud_uses_bundled_font_and_fixed_seed(tables, monkeypatch):
    import wordcloud

    seen = {}
    original = wordcloud.WordCloud.__init__

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(wordcloud.WordCloud, "__init__", spy)
    plot_wordcloud(tables["term_counts"])
    assert seen["font_path"] == str(font_path())
    assert isinstance(seen["random_state"], int)


def test_wordcloud_is_reproducible(tables):
    first = plot_wordcloud(tables["term_counts"]).findobj(AxesImage)[0].get_array()
    second = plot_wordcloud(tables["term_counts"]).findobj(AxesImage)[0].get_array()
    assert np.array_equal(first, second)
