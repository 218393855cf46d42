"""The parameter sections: one frozen dataclass per section of ``params.yaml``.

They declare the types of the parameters, never their values: the values come from the
packaged ``params.yaml`` and the files layered over it (:mod:`zhtopics.params.loading`).
Engines declare their own sections beside their code (:mod:`zhtopics.modeling.engines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


def _expected(text: str) -> dict:
    """Field metadata: how an error message describes the values a parameter takes."""
    return {"expected": text}


# ----------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Duplicates:
    """``corpus.duplicates``: exact and near-duplicate paragraphs."""

    near: bool
    threshold: float
    shingle_size: int
    num_perm: int
    short_chars: int
    short_max_edits: int
    short_max_share: float
    max_docs: int
    keep: Literal["longest_article", "first"]


@dataclass(frozen=True)
class SocialParams:
    """``corpus.social``: social-media cleaning (:mod:`zhtopics.ingest.social`)."""

    retweets: Literal["keep", "drop"]
    urls: Literal["keep", "drop"]
    mentions: Literal["keep", "drop"]
    hashtags: Literal["keep", "feature", "drop"]
    emoji: Literal["keep", "drop"]


@dataclass(frozen=True)
class CorpusParams:
    """``corpus``: reading and cleaning the input (stage 1)."""

    txt_format: Literal["auto", "docshare", "lines"]
    text_column: str | None
    id_column: str | None
    group_column: str | None
    time_column: str | None
    sheet: str | int | None = field(metadata=_expected("null, a sheet name or a sheet number (0 is the first)"))
    encoding: str
    opencc: str | None = field(metadata=_expected("null or a string (an OpenCC configuration such as t2s)"))
    markup: Literal["strip", "keep"]
    social: SocialParams
    min_chars: int
    duplicates: Duplicates


@dataclass(frozen=True)
class Phrases:
    """``segment.phrases``: gensim ``Phrases`` collocations."""

    enabled: bool
    min_count: int
    threshold: float
    delimiter: str


@dataclass(frozen=True)
class FilterExtremes:
    """``segment.filter_extremes``: gensim ``Dictionary.filter_extremes`` arguments."""

    no_below: int
    no_above: float
    keep_n: int | None


@dataclass(frozen=True)
class SegmentParams:
    """``segment``: tokens, Dictionary and bag of words (stage 2)."""

    backend: Literal["rjieba", "jieba"]
    processes: int
    chunk_size: int | None
    userdict: Path | None
    stopwords_iso: str | None
    stopwords_file: Path | None
    allowed_pos: list[str]
    min_token_chars: int
    allowlist: Path | None
    evaluative: Path | None
    phrases: Phrases
    filter_extremes: FilterExtremes
    write_mm: bool


@dataclass(frozen=True)
class KRange:
    """``sweep.k`` as a range: ``start`` to ``stop`` (included) by ``step``."""

    start: int
    stop: int
    step: int


@dataclass(frozen=True)
class SweepParams:
    """``sweep``: engines × K × seeds (stage 3)."""

    engines: list[str]
    k: KRange | list[int] | int = field(
        metadata=_expected("a mapping {start, stop, step} of integers, a list of integers or an integer")
    )
    seeds: list[int]
    coherence_topn: int
    diversity_topn: int
    coherence_docs: int | None
    processes: int
    keep_doc_topics_mb: float

    def k_values(self) -> list[int]:
        """The numbers of topics to sweep, in order."""
        if isinstance(self.k, KRange):
            return list(range(self.k.start, self.k.stop + 1, self.k.step))
        return [self.k] if isinstance(self.k, int) else list(self.k)


@dataclass(frozen=True)
class HeldoutParams:
    """``selection.heldout``: the held-out evidence of each run (modeling/heldout.py)."""

    share: float
    max_docs: int
    observed: float
    agreement_topn: int


#: The label-free rules (modeling/rules.py; a test checks the two lists agree).
RULE_NAMES = (
    "heldout_1se",
    "coherence_sd",
    "coherence_heldout",
    "subsample_stability",
    "mixture_clusters",
    "clusters_or_heldout",
)


@dataclass(frozen=True)
class SelectionParams:
    """``selection``: the label-free rule that chooses engine and K (stage 4)."""

    rule: Literal[RULE_NAMES]
    metric: Literal["c_v", "c_npmi", "u_mass"]
    min_stability: float
    min_diversity: float
    coherence_drop: float
    heldout: HeldoutParams


@dataclass(frozen=True)
class ConsensusParams:
    """``train.consensus``: the final topics from all seeds of the chosen setting."""

    min_similarity: float
    min_agreement: float


@dataclass(frozen=True)
class SmallCorpusParams:
    """``train.small_corpus``: below any of these sizes a run warns that its corpus is small."""

    documents: int
    tokens: int
    vocabulary: int


@dataclass(frozen=True)
class TrainParams:
    """``train``: the final model's consensus and tables (stage 4)."""

    topn: int
    workbook_max_rows: int
    consensus: ConsensusParams
    small_corpus: SmallCorpusParams


@dataclass(frozen=True)
class PrevalenceParams:
    """``prevalence``: topic shares per group (article) with bootstrap intervals, copies (stages 4-6)."""

    draws: int
    level: float
    seed: int
    seed_values_max: int
    bootstrap_max_docs: int
    period: Literal["year", "quarter", "month"]
    min_docs: int
    copy_min_share: float


@dataclass(frozen=True)
class GuidedParams:
    """``themes.guided``: the guided model (seed words as priors)."""

    enabled: bool
    extra_topics: int
    seed_prior: float
    other_prior: float
    min_seed_coverage: float


@dataclass(frozen=True)
class ThemesParams:
    """``themes``: naming topics and evidence (stage 5)."""

    file: Path | None
    topn: int
    min_score: float
    relevance_lambda: float
    evidence_per_topic: int
    guided: GuidedParams


@dataclass(frozen=True)
class FiguresParams:
    """``figures``: stage 6's figures."""

    gloss: bool
    glossary: Path | None
    formats: list[str]
    top_terms: int
    topic_words: int
    wordcloud_words: int
    max_groups: int


@dataclass(frozen=True)
class TopicMapParams:
    """``topic_map``: the interactive LDAvis page (stage 6)."""

    terms: int
    lambda_step: float
    embed_font: bool
    font_file: Path | None = field(metadata=_expected("null or a string (a font file)"))


@dataclass(frozen=True)
class InferParams:
    """``infer``: when ``zhtopics infer`` flags a new document's row as low-confidence
    (:mod:`zhtopics.inference.confidence`)."""

    min_known_tokens: int
    min_known_share: float
    max_entropy: float


@dataclass(frozen=True)
class WordIntrusionParams:
    """``validate.word_intrusion``: a topic's top words and one intruder (Chang et al. 2009)."""

    items_per_topic: int
    top_words: int
    intruder_top: int
    intruder_low_quantile: float


@dataclass(frozen=True)
class TopicIntrusionParams:
    """``validate.topic_intrusion``: a document, its top topics and one unlikely topic."""

    documents: int
    top_topics: int
    min_tokens: int


@dataclass(frozen=True)
class CodingParams:
    """``validate.coding``: the stratified sample of documents the coders label."""

    documents: int
    min_tokens: int


@dataclass(frozen=True)
class ValidateParams:
    """``validate``: the kit for human coders (``zhtopics validate export``)."""

    seed: int
    topic_words: int
    chance_permutations: int
    word_intrusion: WordIntrusionParams
    topic_intrusion: TopicIntrusionParams
    coding: CodingParams


@dataclass(frozen=True)
class SparkParams:
    """``spark``: the Spark execution mode (``zhtopics run --spark MASTER``)."""

    master: str | None = field(metadata=_expected("null (one machine, no Spark) or a Spark master URL"))
    app_name: str
    driver_memory: str
    partitions: int
    ui: bool
    event_log: bool
    csv_max_documents: int


@dataclass(frozen=True)
class MllibLdaParams:
    """``spark_modeling.mllib``: ``pyspark.ml.clustering.LDA`` with the online optimizer."""

    max_iterations: int
    batch_docs: int
    learning_offset: float
    learning_decay: float
    optimize_doc_concentration: bool


@dataclass(frozen=True)
class SampleFitParams:
    """``spark_modeling.sample``: fit a project engine on a sample, infer every document."""

    engine: str
    docs: int


@dataclass(frozen=True)
class SparkModelingParams:
    """``spark_modeling``: how the Spark execution mode fits its topics (:mod:`zhtopics.spark.modeling`)."""

    path: Literal["sample", "mllib"]
    partitions: int
    sample: SampleFitParams
    mllib: MllibLdaParams


class FrozenMapping(Mapping):
    """A read-only mapping (``Params.engines``): like ``MappingProxyType``, but it pickles (the
    sweep sends parameters to worker processes)."""

    def __init__(self, items: Mapping):
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._items!r})"
