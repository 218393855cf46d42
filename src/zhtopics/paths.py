"""Where a run writes: every output file below one output folder is named here, once.

Stages write through :class:`OutputPaths`; :class:`zhtopics.results.RunResults` reads
through it. The layout (``make run`` uses the project root as the output folder)::

    data/interim/     documents.parquet, removed.csv, altered.csv, articles.csv, sources.csv
                      (--spark: also spark_documents.parquet/)
    data/processed/   tokens.parquet, dictionary.gensim (+ .txt), corpus.mm, bow_*.int*,
                      token_filter.csv, token_filter_by_tag.csv, segment_summary.json
                      (--spark: also spark_segmented.parquet/, spark_tokens.parquet/)
    results/          the results tables (:data:`RESULT_FILES`), summary.md, run_manifest.json
                      (--spark: also doc_topics.parquet/)
    models/           <engine>_k<K>/ per final model, guided_<engine>_k<K>/
    figures/          PNG/SVG figures and topic_map.html
    reports/          the executed notebooks as HTML
    .cache/           sweep runs, stage records, executed notebooks

Examples
--------
>>> paths = OutputPaths(Path("work"))
>>> paths.result("topics").as_posix(), paths.model_dir("tomotopy", 4).as_posix()
('work/results/topics.csv', 'work/models/tomotopy_k4')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Results tables by name → file name under ``results/`` (the results contract and the rest).
RESULT_FILES = {
    "sweep": "sweep.csv",
    "stability": "stability.csv",
    "model_choice": "model_choice.json",
    "topics": "topics.csv",
    "doc_topics": "doc_topics.csv",
    "article_topics": "article_topics.csv",
    "prevalence_by_group": "prevalence_by_group.csv",
    "prevalence_by_time": "prevalence_by_time.csv",
    "undated": "undated.csv",
    "article_years": "article_years.csv",
    "engine_comparison": "engine_comparison.csv",
    "topic_labels": "topic_labels.csv",
    "topic_evidence": "topic_evidence.csv",
    "theme_seed_coverage": "theme_seed_coverage.csv",
    "guided_topics": "guided_topics.csv",
    "guided_topic_labels": "guided_topic_labels.csv",
    "guided_article_topics": "guided_article_topics.csv",
    "guided_metrics": "guided_metrics.json",
    "guided_prevalence_by_group": "guided_prevalence_by_group.csv",
    "guided_agreement": "guided_agreement.csv",
    "summary": "summary.md",
    "workbook": "results.xlsx",
    "run_manifest": "run_manifest.json",
}
#: The stage that writes each results file (for "not found; run `zhtopics <stage>` first").
RESULT_STAGES = {
    **dict.fromkeys(("sweep", "stability"), "sweep"),
    **dict.fromkeys(
        (
            "model_choice",
            "topics",
            "topic_labels",
            "doc_topics",
            "article_topics",
            "prevalence_by_group",
            "prevalence_by_time",
            "undated",
            "article_years",
            "engine_comparison",
        ),
        "train",
    ),
    **dict.fromkeys(("topic_evidence", "theme_seed_coverage"), "themes"),
    **dict.fromkeys(("guided_topics", "guided_topic_labels", "guided_article_topics", "guided_metrics"), "themes"),
    **dict.fromkeys(("guided_prevalence_by_group", "guided_agreement"), "themes"),
    "summary": "summary",
    "workbook": "summary",
    "run_manifest": "run",
}
#: The prefix of the guided model's folder under ``models/``.
GUIDED_PREFIX = "guided_"


@dataclass(frozen=True)
class OutputPaths:
    """Every file a run writes, below one output folder (``--out``; ``.`` for the project).

    Parameters
    ----------
    root : Path
        The output folder.
    """

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    # stage 1
    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def documents(self) -> Path:
        return self.interim / "documents.parquet"

    @property
    def removed(self) -> Path:
        return self.interim / "removed.csv"

    @property
    def altered(self) -> Path:
        return self.interim / "altered.csv"

    @property
    def articles(self) -> Path:
        return self.interim / "articles.csv"

    @property
    def sources(self) -> Path:
        return self.interim / "sources.csv"

    @property
    def spark_documents(self) -> Path:
        """The Spark mode's documents (Parquet parts; column ``row``: input order), which its stage 2 reads."""
        return self.interim / "spark_documents.parquet"

    # stage 2
    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def tokens(self) -> Path:
        return self.processed / "tokens.parquet"

    @property
    def dictionary(self) -> Path:
        return self.processed / "dictionary.gensim"

    @property
    def dictionary_text(self) -> Path:
        return self.processed / "dictionary.txt"

    @property
    def bow(self) -> Path:
        """The bag-of-words corpus in Matrix Market form (gensim ``MmCorpus``)."""
        return self.processed / "corpus.mm"

    def bow_arrays(self) -> dict[str, Path]:
        """The bag-of-words corpus as three flat binary arrays (compressed sparse rows, native
        byte order), read as memory maps: ``ids`` (int32 Dictionary ids) and ``counts``
        (int32) of each document's words one after the other, ``offsets`` (int64, documents
        + 1) where each document starts. The suffix names the dtype."""
        return {
            name: self.processed / f"bow_{name}.{dtype}"
            for name, dtype in (("ids", "int32"), ("counts", "int32"), ("offsets", "int64"))
        }

    @property
    def spark_segmented(self) -> Path:
        """The Spark mode's segmenter output (Parquet parts: tokens per row and the filter tally)."""
        return self.processed / "spark_segmented.parquet"

    @property
    def spark_tokens(self) -> Path:
        """The Spark mode's tokens (Parquet parts; ``row``, ``doc_id``, ``tokens`` in the Dictionary), which its train reads."""
        return self.processed / "spark_tokens.parquet"

    @property
    def token_filter(self) -> Path:
        return self.processed / "token_filter.csv"

    @property
    def token_filter_by_tag(self) -> Path:
        return self.processed / "token_filter_by_tag.csv"

    @property
    def segment_summary(self) -> Path:
        return self.processed / "segment_summary.json"

    # stages 3-5 and the run
    @property
    def results(self) -> Path:
        return self.root / "results"

    def result(self, name: str) -> Path:
        """A results file by name (:data:`RESULT_FILES`), e.g. ``result("topics")``."""
        return self.results / RESULT_FILES[name]

    @property
    def doc_topics_parquet(self) -> Path:
        """``results/doc_topics.parquet/``: doc_topics as partitioned Parquet (the Spark mode, any size)."""
        return self.results / "doc_topics.parquet"

    def engine_topics(self, engine: str) -> Path:
        """``results/topics_<engine>.csv``: the top words of the other engine at the chosen K."""
        return self.results / f"topics_{engine}.csv"

    @property
    def models(self) -> Path:
        return self.root / "models"

    def model_dir(self, engine: str, k: int, guided: bool = False) -> Path:
        """``models/<engine>_k<K>/`` (``guided_<engine>_k<K>/`` for the guided model)."""
        return self.models / f"{GUIDED_PREFIX if guided else ''}{engine}_k{k}"

    # stages 6-7
    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def topic_map(self) -> Path:
        """``figures/topic_map.html``: the interactive map of the chosen model."""
        return self.figures / "topic_map.html"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    # caches
    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @property
    def sweep_cache(self) -> Path:
        """Cached sweep runs (one JSON row and one topic-word matrix per run)."""
        return self.cache / "sweep"

    @property
    def stage_records(self) -> Path:
        """The stage cache's records (:mod:`zhtopics.cache`)."""
        return self.cache / "stages"

    @property
    def executed_notebooks(self) -> Path:
        return self.cache / "executed"

    @property
    def lock(self) -> Path:
        """The output folder's lock file, held while a command writes below ``root``."""
        return self.root / ".zhtopics.lock"

    def output_folders(self) -> list[Path]:
        """The folders zhtopics writes below ``root`` (leftover temporary files are removed from them)."""
        return [self.interim, self.processed, self.cache, self.models, self.results, self.figures, self.reports]
