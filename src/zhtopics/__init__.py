"""zhtopics: topic models of Chinese texts, from raw files to themes, figures and reports.

The stages are declared in :mod:`zhtopics.pipeline`, one package each: :mod:`~zhtopics.ingest`
(read and clean into a documents table), :mod:`~zhtopics.segment` (tokens, Dictionary, bag
of words), :mod:`~zhtopics.modeling` (engines, sweep, choice, final models),
:mod:`~zhtopics.themes` (names and evidence), :mod:`~zhtopics.plots` and
:mod:`~zhtopics.topic_map` (figures), :mod:`~zhtopics.report` (notebooks as HTML).
Parameters: :mod:`zhtopics.params`; a run's files: :mod:`zhtopics.paths` and
:class:`zhtopics.results.RunResults`. For exploring in JupyterLab, :class:`Study`; the
command line is :mod:`zhtopics.cli`.
"""

__version__ = "0.1.0"

__all__ = ["RunResults", "Study", "load_params"]


def __getattr__(name: str):
    """``zhtopics.Study``, ``zhtopics.RunResults`` and ``zhtopics.load_params``, imported on first use
    (``import zhtopics`` stays light)."""
    if name == "Study":
        from zhtopics.study import Study

        return Study
    if name == "RunResults":
        from zhtopics.results import RunResults

        return RunResults
    if name == "load_params":
        from zhtopics.params import load_params

        return load_params
    raise AttributeError(f"module 'zhtopics' has no attribute {name!r}")
