"""The guided model: tomotopy ``LDAModel`` with the themes' seed words as word priors.

One topic per theme plus ``themes.guided.extra_topics`` free ones; a seed word's prior is
``seed_prior`` in its theme's topic and ``other_prior`` elsewhere (``set_word_prior``). It
is reported beside the unsupervised model and never replaces it.
"""

from __future__ import annotations

import logging

from zhtopics.modeling.data import ModelInput
from zhtopics.modeling.engines import FittedModel
from zhtopics.modeling.engines.tomotopy_lda import TomotopyLda, TomotopyParams
from zhtopics.params import GuidedParams

logger = logging.getLogger(__name__)


def fit_guided(
    data: ModelInput, themes: list[dict], params: GuidedParams, engine_params: TomotopyParams, seed: int
) -> tuple[FittedModel, list[str]]:
    """Fit the guided tomotopy model: topic i of the first len(themes) is seeded with theme i.

    Parameters
    ----------
    params : GuidedParams
        ``themes.guided``: ``extra_topics`` (unseeded topics), ``seed_prior`` (prior of a
        seed word in its theme's topic) and ``other_prior`` (its prior elsewhere).
    engine_params : TomotopyParams
        ``engines.tomotopy`` (alpha, eta, iterations, ...).

    Returns
    -------
    FittedModel, list of str
        The model, and the theme id of each topic ("" for the free ones).
    """
    k = len(themes) + params.extra_topics
    vocabulary = data.dictionary.token2id
    priors: dict[str, list[float]] = {}
    for index, theme in enumerate(themes):
        for word in theme["seeds"]:
            if word in vocabulary and word not in priors:
                priors[word] = [params.seed_prior if t == index else params.other_prior for t in range(k)]
    fitted = TomotopyLda().fit(data, k, seed, engine_params, word_priors=priors)
    topic_themes = [theme["id"] for theme in themes] + [""] * (k - len(themes))
    return fitted, topic_themes
