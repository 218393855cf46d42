"""The prevalence figures: one panel per topic titled with its label, bands or bars for the
intervals, hollow dots for thin groups, copies grey, and at most max_groups rows."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from zhtopics.plots import plot_group_intervals, plot_shares_over_time


def _visible_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_shares_over_time_has_one_titled_panel_per_topic_with_a_band(tables):
    fig = plot_shares_over_time(tables["prevalence_by_time"], tables["labels"], level=0.9)
    axes = _visible_axes(fig)
    assert isinstance(fig, Figure) and len(axes) == 3
    assert [ax.get_title(loc="left") for ax in axes] == ["0: 流量与红利", "1: 物流 · 朋友圈", "2: 信任与品质"]
    assert all(ax.findobj(PolyCollection) for ax in axes)  # the interval band
    assert "90% interval" in fig._suptitle.get_text()
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["2014", "2015", "2016"]


def test_a_single_period_is_drawn_as_a_dot_with_an_interval_bar(tables):
    one = tables["prevalence_by_time"].query("period == '2015'")
    fig = plot_shares_over_time(one, tables["labels"])
    assert not any(ax.findobj(PolyCollection) for ax in _visible_axes(fig))
    assert all(ax.findobj(LineCollection) for ax in _visible_axes(fig))


def test_group_intervals_mark_thin_groups_and_cap_the_rows(tables):
    fig = plot_group_intervals(tables["prevalence"], tables["labels"], tables["article_topics"], min_docs=3)
    axes = _visible_axes(fig)
    assert len(axes) == 3 and axes[1].get_title(loc="left") == "1: 物流 · 朋友圈"
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels[0].startswith("a01 微信电商") and len(labels) == 3
    faces = axes[0].collections[-1].get_facecolors()
    assert np.allclose(faces[1], [1, 1, 1, 1]) and not np.allclose(faces[0], [1, 1, 1, 1])  # a02 is thin
    capped = plot_group_intervals(tables["prevalence"], tables["labels"], max_groups=2)
    assert len(_visible_axes(capped)[0].get_yticklabels()) == 2
    assert "1 more not shown" in capped._suptitle.get_text()


def test_empty_tables_say_so():
    import pandas as pd

    empty = pd.DataFrame(columns=["period", "group", "topic", "share", "low", "high", "n_docs"])
    assert isinstance(plot_shares_over_time(empty, None), Figure)
    assert isinstance(plot_group_intervals(empty, None), Figure)
