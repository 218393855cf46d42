"""The biterm topic model engine (``btm``): what the generic engine tests do not cover."""

from __future__ import annotations

import numpy as np

from zhtopics.modeling import fit, get_engine
from zhtopics.modeling.engines import load_model, save_model
from zhtopics.params import load_params

PARAMS = load_params(overrides={"engines": {"btm": {"iterations": 100}}}).engines


def test_a_saved_model_infers_the_same_topics(planted, tmp_path):
    fitted = fit("btm", planted, 3, 5, PARAMS)
    save_model(fitted, tmp_path / "model", planted.dictionary)
    loaded = load_model(tmp_path / "model", "btm", 3, 5, {}, 0.0, [])
    texts = planted.texts_of(range(12)) + [["物流"], ["未知"]]
    engine = get_engine("btm")
    np.testing.assert_array_equal(engine.infer(loaded, texts), engine.infer(fitted, texts))
    np.testing.assert_allclose(engine.infer(loaded, texts)[-1], 1 / 3)


def test_alpha_is_divided_by_k(planted):
    fitted = fit("btm", planted, 3, 5, PARAMS)
    assert np.isclose(fitted.native.alpha_, PARAMS["btm"].alpha_times_k / 3)
    assert fitted.native.window_ == PARAMS["btm"].window
