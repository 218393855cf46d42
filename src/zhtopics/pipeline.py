"""The pipeline, declared once: every stage's function, what it reads and writes, its
parameter sections and its code.

``zhtopics run`` is :func:`run_pipeline`: the stages of :data:`RUN_ORDER` in turn, each
skipped when nothing it depends on changed since it last ran (:mod:`zhtopics.cache`), then
the summary and the run manifest, then the reports. The single-stage commands
(``zhtopics prepare``, ``segment``, ...), ``zhtopics verify``, the benchmarks and the
exploring API (:mod:`zhtopics.study`) run the same declarations.

A stage's cache key covers

- the files it reads (their content), listed when the stage is reached, since a stage
  reads what the stages before it have just written;
- its parameter sections (file parameters as paths relative to the output folder: the
  files themselves are among the inputs);
- its code: every zhtopics module its function's module imports, directly or not
  (:func:`zhtopics.provenance.code.module_closure`), and the package data files it reads
  (templates, notebooks, the style file).

The stages:

========  =====================================  ==========================================
stage     reads                                  writes
========  =====================================  ==========================================
prepare   the input file or folder               data/interim/
segment   data/interim/, the lexicons            data/processed/
train     data/interim/, data/processed/         results/ (sweep ... model_choice), models/
themes    the above, the themes file             results/ (topic_labels ... guided_*), models/guided_*
figures   everything above, glossary, font       figures/
report    everything above, results/run_manifest reports/
========  =====================================  ==========================================
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from zhtopics.atomic import is_temporary
from zhtopics.cache import StageCache
from zhtopics.params import PACKAGE_DIR, Params, params_to_dict
from zhtopics.paths import GUIDED_PREFIX, RESULT_STAGES, OutputPaths
from zhtopics.provenance.code import code_digest, module_closure
from zhtopics.results import RunResults

logger = logging.getLogger(__name__)


@dataclass
class StageContext:
    """What a stage function gets: where the run lives, its parameters and options.

    Attributes
    ----------
    paths : OutputPaths
        The output folder.
    params : Params
        The merged parameters.
    input : Path or None
        The corpus input (file or folder); only stage 1 reads it.
    k : int or None
        ``--k``: the number of topics, fixed.
    """

    paths: OutputPaths
    params: Params
    input: Path | None = None
    k: int | None = None

    @property
    def spark(self) -> bool:
        """Whether the run is in Spark mode (``spark.master`` set: ``zhtopics run --spark MASTER``)."""
        return self.params.spark.master is not None

    @cached_property
    def run(self) -> RunResults:
        """A reader of the output folder, fresh for each stage (what earlier stages just wrote)."""
        return RunResults(self.paths)

    def fresh(self) -> StageContext:
        """The same context with a new reader (for the next stage)."""
        return StageContext(self.paths, self.params, self.input, self.k)


StageFunction = Callable[[StageContext], list[str]]

#: The ``spark`` parameters that change where and how fast the Spark stages run, not what
#: they write (left out of the cache keys): the same partitions give the same files.
SPARK_SPEED_ONLY = ("master", "app_name", "driver_memory", "ui", "event_log")


@dataclass(frozen=True)
class Stage:
    """One stage of the pipeline.

    Attributes
    ----------
    name : str
        The stage's name (and its ``zhtopics`` subcommand).
    function : str
        ``"module:function"``: the function, taking a :class:`StageContext` and returning
        the lines it reports on the console.
    help : str
        One line for ``zhtopics --help``.
    params : tuple of str
        The parameter sections it depends on (dotted keys leave parts out:
        ``ignore_params``).
    reads : callable
        ``reads(context)``: the files and folders it reads.
    writes : callable
        ``writes(context)``: the files and folders it writes (listed after it ran).
    data_files : tuple of str
        Package data files its code reads, relative to the package folder.
    ignore_params : tuple of str
        Dotted parameters of its sections that change how fast it runs, not what it writes.
    option : str or None
        ``"figures"`` or ``"report"``: skipped by ``run --no-figures`` / ``--no-report``.
    spark_function : str or None
        ``"module:function"``: the same stage as Spark jobs, run instead of ``function``
        when ``spark.master`` is set (``zhtopics run --spark MASTER``). It writes the
        same files, so the stages after it do not know which one ran.
    spark_params : tuple of str
        Parameter sections the Spark function depends on besides ``params`` (and ``spark``).
    """

    name: str
    function: str
    help: str
    params: tuple[str, ...]
    reads: Callable[[StageContext], list[Path]]
    writes: Callable[[StageContext], list[Path]]
    data_files: tuple[str, ...] = ()
    ignore_params: tuple[str, ...] = ()
    option: str | None = None
    spark_function: str | None = None
    spark_params: tuple[str, ...] = ()

    def function_for(self, spark: bool = False) -> str:
        """``"module:function"`` of the execution mode: the Spark function when ``spark`` and the
        stage has one, else the single-machine function."""
        return self.spark_function if spark and self.spark_function is not None else self.function

    @property
    def module(self) -> str:
        return self.function.partition(":")[0]

    def load(self, spark: bool = False) -> StageFunction:
        """The stage's function (its module is imported now, not when the pipeline is declared)."""
        module, _, name = self.function_for(spark).partition(":")
        return getattr(importlib.import_module(module), name)

    def code_files(self, spark: bool = False) -> list[Path]:
        """Its code: the modules its function's module imports, and its package data files."""
        data = [file for pattern in self.data_files for file in sorted(PACKAGE_DIR.glob(pattern)) if file.is_file()]
        return [*module_closure(self.function_for(spark).partition(":")[0]), *data]

    def code_version(self, spark: bool = False) -> str:
        return code_digest(self.code_files(spark))

    def params_of(self, context: StageContext) -> dict:
        """Its parameter sections as plain data (file paths relative to the output folder); in
        Spark mode, for a stage with a Spark function, the ``spark`` parameters that change
        what it writes too."""
        values = {name: params_to_dict(getattr(context.params, name), context.paths.root) for name in self.params}
        for dotted in self.ignore_params:
            section, _, key = dotted.partition(".")
            values[section].pop(key, None)
        if context.spark and self.spark_function is not None:
            spark = params_to_dict(context.params.spark, context.paths.root)
            values["spark"] = {key: value for key, value in spark.items() if key not in SPARK_SPEED_ONLY}
            for name in self.spark_params:
                values[name] = params_to_dict(getattr(context.params, name), context.paths.root)
        return values


# ----------------------------------------------------------------------------- what stages read and write


def _files(*paths: Path | None) -> list[Path]:
    return [path for path in paths if path is not None]


def _model_dirs(context: StageContext, guided: bool) -> list[Path]:
    models = context.paths.models
    return sorted(
        path for path in models.glob("*_k*") if path.name.startswith(GUIDED_PREFIX) == guided and not is_temporary(path)
    )


#: The results files of stages 3-4 and of stage 5, as paths.RESULT_STAGES assigns them.
TRAIN_RESULTS = tuple(name for name, stage in RESULT_STAGES.items() if stage in ("sweep", "train"))
THEMES_RESULTS = tuple(name for name, stage in RESULT_STAGES.items() if stage == "themes")


def _train_writes(context: StageContext) -> list[Path]:
    paths = context.paths
    return [
        *(paths.result(name) for name in TRAIN_RESULTS),
        *paths.results.glob("topics_*.csv"),
        *([paths.doc_topics_parquet] if paths.doc_topics_parquet.exists() else []),
        *_model_dirs(context, guided=False),
    ]


def _themes_writes(context: StageContext) -> list[Path]:
    paths = context.paths
    return [
        *(paths.result(name) for name in THEMES_RESULTS if paths.result(name).exists()),
        *_model_dirs(context, True),
    ]


def _stages_1_to_5(context: StageContext) -> list[Path]:
    """Everything stages 1-5 wrote (summary.md and the run manifest are written after, from these)."""
    paths = context.paths
    return [paths.interim, paths.processed, *_train_writes(context), *_themes_writes(context)]


STAGES: tuple[Stage, ...] = (
    Stage(
        name="prepare",
        function="zhtopics.ingest.stage:run_prepare",
        help="stage 1: read and clean the input into data/interim/",
        params=("corpus",),
        reads=lambda c: [c.input],
        writes=lambda c: [c.paths.interim],
        spark_function="zhtopics.spark.prepare:run_prepare_spark",
    ),
    Stage(
        name="segment",
        function="zhtopics.segment.stage:run_segment",
        help="stage 2: tokens, Dictionary and bag of words into data/processed/",
        params=("segment",),
        ignore_params=("segment.processes", "segment.chunk_size"),
        reads=lambda c: _files(
            c.paths.interim,
            c.params.segment.userdict,
            c.params.segment.stopwords_file,
            c.params.segment.allowlist,
            c.params.segment.evaluative,
        ),
        writes=lambda c: [c.paths.processed],
        spark_function="zhtopics.spark.segment:run_segment_spark",
    ),
    Stage(
        name="train",
        function="zhtopics.modeling.train:run_train",
        help="stages 3-4: the sweep (engines x K x seeds), the choice of engine and K, the final models, their names",
        params=("corpus", "engines", "sweep", "selection", "train", "prevalence", "themes"),
        ignore_params=("sweep.processes", "sweep.keep_doc_topics_mb", "themes.guided", "themes.evidence_per_topic"),
        reads=lambda c: _files(c.paths.interim, c.paths.processed, c.params.themes.file),
        writes=_train_writes,
        spark_function="zhtopics.spark.train:run_train_spark",
        spark_params=("spark_modeling",),
    ),
    Stage(
        name="themes",
        function="zhtopics.themes.stage:run_themes",
        help="stage 5: evidence paragraphs of the named topics, the guided model",
        params=("themes", "engines", "sweep", "prevalence"),
        ignore_params=("sweep.processes", "sweep.keep_doc_topics_mb"),
        reads=lambda c: _files(c.paths.interim, c.paths.processed, *_train_writes(c), c.params.themes.file),
        writes=_themes_writes,
    ),
    Stage(
        name="figures",
        function="zhtopics.plots.stage:run_figures",
        help="stage 6: figures/ (PNG, SVG) and the offline topic map",
        params=("figures", "topic_map", "prevalence"),
        reads=lambda c: _files(
            *_stages_1_to_5(c),
            c.params.figures.glossary if c.params.figures.gloss else None,
            c.params.topic_map.font_file,
        ),
        writes=lambda c: [c.paths.figures],
        data_files=("plots/*.mplstyle",),
        option="figures",
    ),
    Stage(
        name="report",
        function="zhtopics.report.execute:run_report",
        help="stage 7: execute the notebooks into self-contained reports/*.html",
        params=(
            "corpus",
            "segment",
            "engines",
            "sweep",
            "selection",
            "train",
            "prevalence",
            "themes",
            "figures",
            "topic_map",
        ),
        reads=lambda c: [*_stages_1_to_5(c), c.paths.figures],
        writes=lambda c: [c.paths.reports],
        data_files=("notebooks/*.ipynb", "report/templates/**/*", "plots/*.mplstyle"),
        option="report",
    ),
)
#: The stages by name; ``sweep`` is stage 4's first half, a command of its own.
STAGE_BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}
SWEEP = Stage(
    name="sweep",
    function="zhtopics.modeling.train:run_sweep_stage",
    help="stage 3: engines x K x seeds, coherence and stability into results/",
    params=("engines", "sweep", "selection"),  # the rule decides whether held-out scores are computed
    reads=lambda c: [c.paths.interim, c.paths.processed],
    writes=lambda c: [c.paths.result("sweep"), c.paths.result("stability")],
)
STAGE_BY_NAME["sweep"] = SWEEP


# ----------------------------------------------------------------------------- running


@dataclass
class RunOptions:
    """Options of ``zhtopics run`` that are not parameters."""

    figures: bool = True
    report: bool = True
    force: bool = False
    readme: Path | None = None
    argv: list[str] = field(default_factory=list)
    config_files: list[Path] = field(default_factory=list)


def _flatten(items: Iterable) -> list[Path]:
    flat: list[Path] = []
    for item in items:
        flat += [item] if isinstance(item, Path) else list(item)
    return flat


def run_stage(stage: Stage | str, context: StageContext) -> list[str]:
    """Run one stage now (no skipping); returns the lines it reports."""
    stage = STAGE_BY_NAME[stage] if isinstance(stage, str) else stage
    return stage.load(context.spark)(context)


def run_cached(stage: Stage, context: StageContext, cache: StageCache, force: bool = False) -> list[str] | None:
    """Run ``stage`` unless its inputs, parameters and code are unchanged since it last ran
    (and its outputs untouched); returns its lines, or None when it was skipped.

    A stage's record is dropped before it runs and written after it finished, so a run
    killed midway re-runs the interrupted stage next time."""
    key = cache.key(
        [Path(p) for p in stage.reads(context)], stage.params_of(context), stage.code_version(context.spark)
    )
    if not force and cache.is_fresh(stage.name, key):
        return None
    started = time.perf_counter()
    cache.forget(stage.name)
    lines = run_stage(stage, context)
    # Outputs are listed after the stage ran: it may create them (e.g. models/<engine>_k<K>/).
    cache.record(stage.name, key, _flatten(stage.writes(context)))
    logger.info("%s finished in %.1f s", stage.name, time.perf_counter() - started)
    return lines


def run_pipeline(context: StageContext, options: RunOptions, say: Callable[[str], None] = print) -> Path:
    """Every stage in order (:data:`STAGES`), skipping those unchanged since their last run
    (unless ``options.force``); then ``results/summary.md`` (and the README's findings with
    ``options.readme``), the run manifest, and last the reports (which read the manifest).

    Returns
    -------
    Path
        The run manifest, ``results/run_manifest.json``.
    """
    cache = StageCache(context.paths.stage_records)
    wanted = {"figures": options.figures, "report": options.report}
    manifest = None
    for stage in STAGES:
        if stage.option is not None and not wanted[stage.option]:
            continue
        if stage.name == "report":
            manifest = finish_run(context, options, say)
        context = context.fresh()
        too_large = beyond_the_driver(context) if stage.spark_function is None else None
        if too_large:
            say(f"{stage.name}: not run: {too_large}")
            continue
        lines = run_cached(stage, context, cache, options.force)
        for line in [f"{stage.name}: unchanged since the last run, skipped"] if lines is None else lines:
            say(line)
    if manifest is None:
        manifest = finish_run(context.fresh(), options, say)
    return manifest


def beyond_the_driver(context: StageContext) -> str | None:
    """Why a stage without a Spark function cannot run after a Spark run, or None.

    Above ``spark.csv_max_documents`` documents the Spark stages do not write the
    single-machine files (tokens.parquet, doc_topics.csv) that such stages read."""
    if not context.spark or not context.paths.segment_summary.exists():
        return None
    documents = context.run.segment_summary.get("documents", 0)
    limit = context.params.spark.csv_max_documents
    if documents <= limit:
        return None
    return f"{documents} documents > spark.csv_max_documents ({limit}): it reads files written only below that size"


def finish_run(context: StageContext, options: RunOptions, say: Callable[[str], None] = print) -> Path:
    """The summary (and README findings) and the run manifest, after stages 1-6; returns the manifest."""
    from zhtopics.provenance.manifest import write_run_manifest
    from zhtopics.report.summary import write_summary_files

    too_large = beyond_the_driver(context)
    lines = [f"summary.md: not written: {too_large}"] if too_large else None
    for line in lines or write_summary_files(context.run, context.params, options.readme):
        say(line)
    manifest = write_run_manifest(context, options)
    say(f"wrote {manifest}")
    return manifest
