"""Stages 3-4: topic-model engines, the sweep, the choice of engine and K, the final models.

- :mod:`~zhtopics.modeling.data`: what engines train on (:class:`ModelInput`);
- :mod:`~zhtopics.modeling.engines`: the engine interface and registry;
- :mod:`~zhtopics.modeling.metrics`: coherence, diversity, stability;
- :mod:`~zhtopics.modeling.sweep`: engines × K × seeds, cached;
- :mod:`~zhtopics.modeling.select`: the label-free rule;
- :mod:`~zhtopics.modeling.tables`: the results tables;
- :mod:`~zhtopics.modeling.train`: the stage.
"""

from zhtopics.modeling.data import BowCorpus, ModelInput
from zhtopics.modeling.engines import ENGINES, FittedModel, fit, get_engine

__all__ = ["ENGINES", "BowCorpus", "FittedModel", "ModelInput", "fit", "get_engine"]
