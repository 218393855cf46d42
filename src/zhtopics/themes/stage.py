"""Stage 5: evidence paragraphs of the named topics, the themes' seed coverage, the guided model.

Reads the topics stage 4 named (``results/topic_labels.csv``, with ``seeds_found`` and
``seeds``: :func:`zhtopics.modeling.train.write_results`) and ``results/doc_topics.csv``
(through :class:`~zhtopics.results.RunResults`); writes ``topic_evidence.csv``, ``theme_seed_coverage.csv`` and the guided model's
``guided_topics.csv``, ``guided_topic_labels.csv``, ``guided_article_topics.csv``,
``guided_prevalence_by_group.csv``, ``guided_agreement.csv``, ``guided_metrics.json`` (and
``models/guided_tomotopy_k<K>/``).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from zhtopics.atomic import write_csv, write_text
from zhtopics.modeling.agreement import write_guided_views
from zhtopics.modeling.data import ModelInput
from zhtopics.modeling.metrics import COHERENCE_MEASURES, coherence
from zhtopics.modeling.tables import topic_word_table
from zhtopics.modeling.train import model_versions, write_model
from zhtopics.params import Params, params_to_dict
from zhtopics.paths import RESULT_STAGES
from zhtopics.results import RunResults
from zhtopics.themes.evidence import topic_evidence
from zhtopics.themes.guided import fit_guided
from zhtopics.themes.labels import load_themes, name_topics, seed_coverage

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)

#: The guided model's results files (removed when the guided model is skipped).
GUIDED_RESULTS = tuple(
    name for name, stage in RESULT_STAGES.items() if stage == "themes" and name.startswith("guided_")
)
#: The columns of doc_topics.csv that evidence needs besides the topic shares.
EVIDENCE_INPUT = (
    "doc_id",
    "text",
    "n_tokens",
    "article_id",
    "article_title",
    "dominant_topic",
    "flips_between_seeds",
)


def _guided_model(data: ModelInput, themes: list[dict], params: Params, run: RunResults) -> dict:
    """Fit the guided model and write its tables and model folder; return its metrics."""
    paths, settings = run.paths, params.themes
    seed = params.sweep.seeds[0]
    guided, topic_themes = fit_guided(data, themes, settings.guided, params.engines["tomotopy"], seed)
    names = {theme["id"]: theme["name"] for theme in themes}
    guided_labels = name_topics(guided.topic_word, data.dictionary, themes, settings)
    guided_labels.insert(1, "seeded_theme", [names.get(t, "(free)") for t in topic_themes])
    top = guided.top_words(data.dictionary, params.sweep.coherence_topn)
    reference = data.reference(params.sweep.coherence_docs)
    metrics = {measure: round(coherence(top, reference, measure), 6) for measure in COHERENCE_MEASURES}
    write_csv(guided_labels, paths.result("guided_topic_labels"))
    write_csv(topic_word_table(guided, data.dictionary, 30), paths.result("guided_topics"))
    agreement = write_guided_views(run, guided, guided_labels, params.prevalence)
    folder = paths.model_dir("tomotopy", guided.k, guided=True)
    write_model(
        guided,
        data.dictionary,
        folder,
        {
            "name": folder.name,
            "role": "guided (seed words as priors); reported beside the unsupervised model, never replaces it",
            "engine": "tomotopy",
            "k": guided.k,
            "seed": seed,
            "guided_params": params_to_dict(settings.guided),
            "engine_params": params_to_dict(params.engines["tomotopy"]),
            "metrics": metrics,
            "topic_themes": topic_themes,
            "input_fingerprint": data.fingerprint(),
            "versions": model_versions(),
        },
    )
    guided_metrics = {"k": guided.k, **metrics, "agreement": agreement}
    write_text(paths.result("guided_metrics"), json.dumps(guided_metrics, indent=2) + "\n")
    return guided_metrics


def _drop_guided_results(run: RunResults) -> None:
    for name in GUIDED_RESULTS:
        run.paths.result(name).unlink(missing_ok=True)


def run_themes(context: StageContext) -> list[str]:
    """Stage 5 on disk (see the module docstring); returns the console summary."""
    params, run = context.params, context.run
    paths, settings = run.paths, params.themes
    data = run.model_input()
    themes = load_themes(settings.file) if settings.file is not None else []
    vocabulary = data.dictionary.token2id
    coverage = seed_coverage(themes, vocabulary)
    if themes:
        logger.info(
            "theme seed words in the vocabulary: %d of %d",
            coverage["seeds_in_vocabulary"].sum(),
            coverage["seeds"].sum(),
        )
    labels = run.labels  # named by stage 4 (zhtopics.modeling.train), which also labels doc_topics.csv
    evidence = topic_evidence(run.doc_topic_shares(EVIDENCE_INPUT), len(labels), settings.evidence_per_topic)
    evidence = evidence.merge(labels[["topic", "label"]], on="topic")
    paths.results.mkdir(parents=True, exist_ok=True)
    write_csv(evidence, paths.result("topic_evidence"))
    write_csv(coverage, paths.result("theme_seed_coverage"))
    lines = [
        "topics: "
        + "; ".join(
            f"{row.topic}: {row.label} (found by {row.seeds_found}/{row.seeds} seeds)" for row in labels.itertuples()
        )
    ]

    guided = settings.guided
    coverage_share = coverage["seeds_in_vocabulary"].sum() / max(coverage["seeds"].sum(), 1)
    if not guided.enabled:
        _drop_guided_results(run)
    elif not themes:
        logger.info("guided model skipped: no themes file (themes.file)")
        _drop_guided_results(run)
    elif coverage_share < guided.min_seed_coverage:
        logger.warning(
            "guided model skipped: only %.0f%% of the theme seed words are in the vocabulary "
            "(themes.guided.min_seed_coverage = %s); the themes file does not fit this corpus",
            100 * coverage_share,
            guided.min_seed_coverage,
        )
        _drop_guided_results(run)
    else:
        metrics = _guided_model(data, themes, params, run)
        lines.append(f"guided model: K = {metrics['k']}, c_v {metrics['c_v']:.3f}")
    return lines
