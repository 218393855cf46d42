"""Parameters: typed, frozen sections whose values come from ``params.yaml`` files only.

The defaults live in one place, the ``params.yaml`` packaged with zhtopics
(:data:`DEFAULTS_FILE`, found through :mod:`importlib.resources`). The classes below declare
the *types* of the parameters, never their values. A run merges, in this order:

1. the packaged defaults;
2. a study's ``params.yaml`` (``<out>/params.yaml`` when the output folder has one);
3. a ``--config`` file;
4. command-line flags (``--text-column``, ``--k``, ...).

A later layer needs only the keys it changes. Every key and value is checked against the
declared types: an unknown key, a value of the wrong type or broken YAML stops with one
line naming the file, the key path and the problem, e.g.
``my.yaml: sweep.seeds: expected a list of integers, got 'abc'``.

File parameters (lexicons, glossary, font) are resolved when their layer is read: a
relative path against the folder of the file that names it (the current folder for
command-line values), and ``<zhtopics>/...`` against the installed package (the general
lexicons it ships). :func:`params_to_dict` writes them back relative to a run folder, for
manifests and cache keys.

Examples
--------
>>> params = load_params(overrides={"sweep": {"k": [3]}})
>>> params.sweep.k, params.segment.filter_extremes.no_below
([3], 2)
>>> params.selection.metric
'c_v'
"""

from zhtopics.params.loading import (
    DEFAULTS_FILE,
    PACKAGE_DIR,
    PACKAGE_PREFIX,
    STUDY_PARAMS,
    Params,
    load_params,
    params_hash,
    params_to_dict,
    read_yaml,
    resolve_path,
    study_params_file,
)
from zhtopics.params.sections import (
    CodingParams,
    ConsensusParams,
    CorpusParams,
    Duplicates,
    FiguresParams,
    FilterExtremes,
    FrozenMapping,
    GuidedParams,
    HeldoutParams,
    InferParams,
    KRange,
    Phrases,
    PrevalenceParams,
    SegmentParams,
    SelectionParams,
    SmallCorpusParams,
    SocialParams,
    SparkModelingParams,
    SparkParams,
    SweepParams,
    ThemesParams,
    TopicIntrusionParams,
    TopicMapParams,
    TrainParams,
    ValidateParams,
    WordIntrusionParams,
)

__all__ = [
    "DEFAULTS_FILE",
    "PACKAGE_DIR",
    "PACKAGE_PREFIX",
    "STUDY_PARAMS",
    "CodingParams",
    "ConsensusParams",
    "CorpusParams",
    "Duplicates",
    "FiguresParams",
    "FilterExtremes",
    "FrozenMapping",
    "GuidedParams",
    "HeldoutParams",
    "InferParams",
    "KRange",
    "Params",
    "Phrases",
    "PrevalenceParams",
    "SmallCorpusParams",
    "SegmentParams",
    "SelectionParams",
    "SocialParams",
    "SparkParams",
    "SparkModelingParams",
    "SweepParams",
    "ThemesParams",
    "TopicIntrusionParams",
    "TopicMapParams",
    "TrainParams",
    "ValidateParams",
    "WordIntrusionParams",
    "load_params",
    "params_hash",
    "params_to_dict",
    "read_yaml",
    "resolve_path",
    "study_params_file",
]
