"""Model choice: the chosen setting is annotated; the engine comparison's panels."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from zhtopics.plots import plot_engine_comparison, plot_stability_by_k
from zhtopics.plots.model_choice import ENGINE_PANELS, TIMING_PANELS


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_chosen_setting_is_annotated(tables):
    fig = plot_stability_by_k(tables["stability"], tables["choice"])
    assert any(t.get_text() == "chosen: tomotopy, K = 3" for t in _texts(fig))


def test_engine_comparison_panels(tables):
    def titles(fig):
        return [ax.get_title(loc="left") for ax in fig.axes]  # the style puts titles on the left

    everything = plot_engine_comparison(tables["engine_comparison"], tables["sweep"], tables["stability"])
    assert len(everything.axes) == len(ENGINE_PANELS) and "seconds per fit" in titles(everything)
    steady = plot_engine_comparison(
        tables["engine_comparison"],
        tables["sweep"],
        tables["stability"],
        panels=[p for p in ENGINE_PANELS if p not in TIMING_PANELS],
    )
    assert "seconds per fit" not in titles(steady) and "diamond = final model" in steady.get_suptitle()
    timing = plot_engine_comparison(
        tables["engine_comparison"], tables["sweep"], tables["stability"], panels=TIMING_PANELS
    )
    assert titles(timing) == ["seconds per fit"] and "diamond" not in timing.get_suptitle()
    with pytest.raises(ValueError, match="panels"):
        plot_engine_comparison(tables["engine_comparison"], tables["sweep"], panels=["speed"])
