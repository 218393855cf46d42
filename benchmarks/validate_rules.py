"""Which label-free rule recovers the planted K and the planted assignments: the validation.

For every corpus of :data:`benchmarks.families.FAMILIES` (several planted K per family),
the real stages 1 and 2 run on its unsegmented text; then every engine × K × seed is
fitted and scored as the sweep does (:func:`zhtopics.modeling.sweep.score`, and the
held-out evidence of :func:`zhtopics.modeling.heldout.heldout_evidence`), and every rule
of :data:`zhtopics.modeling.rules.RULES` chooses an engine and K from that evidence only.
The chosen model is the chosen setting's most typical seed, as in ``zhtopics train``.
Against the planted truth:

- the error in K: the chosen model's number of topics minus the planted K;
- NMI and AMI of its dominant topics against the planted dominant topics;
- for reference, the NMI of the oracles: the same engine at the planted K (its most
  typical seed), and the planted model itself (:func:`benchmarks.families.planted_posterior`).

The rules are also applied to each engine alone (the choice of K without the choice of
engine). The seed corpus is run the same way as a sanity check: the numbered sections
(一、… 八、) of the 八大理由 article should mostly share a topic (reported, not tuned to).

Resumable: every run (its sweep row, topic-word matrix, held-out scores and dominant
topics) is cached under ``--work`` with a key of the corpus, the run, the parameters and
the code that computes it (:func:`code_version`: the engine's own module, not the engine
registry, so adding an engine does not refit the others). Results: ``benchmarks/results/rule_validation.json`` and
``.md`` (:mod:`benchmarks.rule_report`), and with ``--readme`` the README's marked section.

    nice .venv/bin/python benchmarks/validate_rules.py --processes 1 --readme README.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.families import (  # noqa: E402
    FAMILIES,
    make_corpus,
    planted_posterior,
    segment_family,
    study_params,
    token_profile,
)

logger = logging.getLogger("validate_rules")

RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "benchmarks" / "data" / "rules"
SEED_INPUT = ROOT / "data" / "raw" / "wechat_ecommerce_failure_articles.txt"
#: The article whose numbered reasons (一、… 八、) are the seed's sanity check.
SECTIONED_ARTICLE = "a09"
SECTION_MARKERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Settings:
    """The sweep the validation runs on every corpus."""

    engines: tuple[str, ...]
    ks: tuple[int, ...]
    seeds: tuple[int, ...]
    processes: int


# --------------------------------------------------------------------------- runs


def code_version(engine: str) -> str:
    """The code a run of ``engine`` executes: the engine's module, the engine interface, the
    model input and the held-out evidence (whole files), and the sweep's scoring functions
    (their source: the rest of sweep.py and metrics.py, stability across seeds for
    instance, does not change a run)."""
    import inspect

    from zhtopics.modeling import data, heldout, metrics, sweep
    from zhtopics.modeling.engines import ENGINES, base

    digest = hashlib.sha256()
    for module in (sys.modules[ENGINES[engine].__module__], base, data, heldout):
        digest.update(Path(module.__file__).read_bytes())
    for function in (sweep.score, metrics.coherence, metrics.topic_diversity):
        digest.update(inspect.getsource(function).encode())
    digest.update(repr(metrics.COHERENCE_MEASURES).encode())
    return digest.hexdigest()[:12]


def run_key(fingerprint: str, spec: tuple[str, int, int], params) -> str:
    from zhtopics.params import params_to_dict

    engine, k, seed = spec
    blob = json.dumps(
        {
            "input": fingerprint,
            "spec": [engine, k, seed],
            "engine_params": params_to_dict(params.engines[engine]),
            "heldout": params_to_dict(params.selection.heldout),
            "topn": [params.sweep.coherence_topn, params.sweep.diversity_topn],
            "code": code_version(engine),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


_DATA = None  # the model input, inherited by forked workers
_REFERENCE = None


def compute_run(spec: tuple[str, int, int], params, path: str) -> None:
    """Fit, score, held-out evidence and dominant topics of one run, into ``path`` (.npz)."""
    from zhtopics.modeling.engines import fit
    from zhtopics.modeling.heldout import heldout_evidence
    from zhtopics.modeling.sweep import score

    engine, k, seed = spec
    fitted = fit(engine, _DATA, k, seed, params.engines)
    row = score(fitted, _REFERENCE, params.sweep.coherence_topn, params.sweep.diversity_topn, k)
    held = heldout_evidence(_DATA, engine, k, seed, params.engines, fitted.topic_word, params.selection.heldout)
    row.update(held.row)
    dominant = fitted.doc_topic.argmax(axis=1)
    dominant[fitted.empty_docs] = -1
    partial = Path(path).with_suffix(".partial.npz")
    np.savez(
        partial,
        row=json.dumps(row),
        topic_word=fitted.topic_word.astype(np.float32),
        dominant=dominant.astype(np.int16),
        **{f"heldout_{column}": held.documents[column].to_numpy() for column in held.documents},
    )
    partial.replace(path)


@dataclass
class CorpusRuns:
    """Every run of one corpus, as the rules and the evaluation read them."""

    runs: pd.DataFrame
    topic_words: dict
    heldout: pd.DataFrame
    dominant: dict


def corpus_runs(data, params, settings: Settings, folder: Path) -> CorpusRuns:
    """Every engine × K × seed of ``settings`` on ``data``: computed, or read from ``folder``."""
    global _DATA, _REFERENCE
    from zhtopics.modeling.sweep import cap_k

    ks = cap_k(list(settings.ks), len(data.rows_with_tokens()))
    specs = [(e, k, s) for e in settings.engines for k in ks for s in settings.seeds]
    fingerprint = data.fingerprint()
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        spec: folder / f"{spec[0]}-k{spec[1]}-s{spec[2]}-{run_key(fingerprint, spec, params)}.npz" for spec in specs
    }
    todo = [spec for spec in specs if not paths[spec].exists()]
    if todo:
        logger.info("%s: %d of %d runs to compute", folder.parent.name, len(todo), len(specs))
        _DATA, _REFERENCE = data, data.reference(params.sweep.coherence_docs)
        if settings.processes == 1:
            for spec in todo:
                compute_run(spec, params, str(paths[spec]))
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=settings.processes, mp_context=context) as pool:
                futures = [pool.submit(compute_run, spec, params, str(paths[spec])) for spec in todo]
                for future in as_completed(futures):
                    future.result()
    rows, topic_words, frames, dominant = [], {}, [], {}
    for spec in specs:
        with np.load(paths[spec]) as arrays:
            rows.append(json.loads(str(arrays["row"])))
            topic_words[spec] = arrays["topic_word"]
            dominant[spec] = arrays["dominant"].astype(int)
            frame = pd.DataFrame({c: arrays[f"heldout_{c}"] for c in ("row", "tokens", "ll")})
        frames.append(frame.assign(engine=spec[0], k=spec[1], seed=spec[2]))
    heldout = pd.concat(frames, ignore_index=True)[["engine", "k", "seed", "row", "tokens", "ll"]]
    return CorpusRuns(pd.DataFrame(rows), topic_words, heldout, dominant)


# --------------------------------------------------------------------------- evaluation


def agreement(planted: np.ndarray, found: np.ndarray) -> dict:
    """NMI and AMI of two labelings (sklearn; arithmetic normalisation)."""
    from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

    return {
        "nmi": round(float(normalized_mutual_info_score(planted, found)), 4),
        "ami": round(float(adjusted_mutual_info_score(planted, found)), 4),
    }


def rule_variants(engines: list[str], mixtures: frozenset) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, rule, engines it sees): every rule on all engines, then on each engine alone."""
    from zhtopics.modeling.rules import RULES

    variants = []
    for rule in RULES:
        mixture_rule = rule in ("mixture_clusters", "clusters_or_heldout")
        if mixture_rule and not mixtures & set(engines):
            continue
        variants.append((rule, rule, tuple(engines)))
        for engine in engines:
            if mixture_rule and (engine not in mixtures or rule == "clusters_or_heldout"):
                continue
            if len(engines) > 1:
                variants.append((f"{rule}[{engine}]", rule, (engine,)))
    return variants


def choose_all(runs: CorpusRuns, params) -> tuple[list[dict], dict]:
    """Every rule variant's choice on one corpus (engine, K swept, typical seed, reasons), and
    each run's typicality."""
    from zhtopics.modeling.rules import SweepEvidence, choose, mixture_engines
    from zhtopics.modeling.select import typical_seed
    from zhtopics.modeling.sweep import stability_table

    stability, typicality = stability_table(runs.topic_words)
    mixtures = mixture_engines()
    choices = []
    for label, rule, engines in rule_variants(list(dict.fromkeys(runs.runs["engine"])), mixtures):
        evidence = SweepEvidence(
            runs.runs[runs.runs["engine"].isin(engines)],
            stability[stability["engine"].isin(engines)],
            runs.heldout[runs.heldout["engine"].isin(engines)],
            mixtures,
        )
        choice = choose(evidence, params.replace(selection={"rule": rule}).selection)
        seed, _ = typical_seed(typicality, choice["engine"], choice["k"])
        spec = (choice["engine"], choice["k"], seed)
        choices.append(
            {"variant": label, "rule": rule, "engines": list(engines), "spec": spec, "why": choice["reasons"]}
        )
    return choices, typicality


def evaluate_corpus(segmented, runs: CorpusRuns, params) -> dict:
    """Each rule variant's choice on one corpus against the planted truth, and the oracles."""
    from zhtopics.modeling.select import typical_seed

    planted = segmented.planted_topic
    k_planted = segmented.corpus.k
    choices, typicality = choose_all(runs, params)
    oracle = {}
    for engine in dict.fromkeys(runs.runs["engine"]):
        if (engine, k_planted, runs.runs["seed"].iloc[0]) in runs.dominant:
            seed, _ = typical_seed(typicality, engine, k_planted)
            oracle[engine] = agreement(planted, runs.dominant[(engine, k_planted, seed)])["nmi"]
    rows = []
    for choice in choices:
        engine, k, seed = choice["spec"]
        topics = int(runs.runs.query("engine == @engine and k == @k and seed == @seed")["topics"].iloc[0])
        rows.append(
            {
                "variant": choice["variant"],
                "rule": choice["rule"],
                "engine": engine,
                "k": int(k),
                "seed": int(seed),
                "topics": topics,
                "k_error": topics - k_planted,
                **agreement(planted, runs.dominant[choice["spec"]]),
                "oracle_nmi": oracle.get(engine),
                "why": choice["why"],
            }
        )
    planted_model = agreement(planted, planted_posterior(segmented.corpus, segmented.tokens))["nmi"]
    return {
        "corpus": segmented.corpus.name,
        "family": segmented.corpus.family,
        "k_planted": k_planted,
        "documents": int(len(planted)),
        "planted_model_nmi": planted_model,
        "oracle_nmi": oracle,
        "stats": segmented.stats,
        "choices": rows,
    }


def summarise(corpora: list[dict]) -> pd.DataFrame:
    """Per family × rule variant: mean K error, mean |K error|, within ±1, NMI, AMI, oracles."""
    rows = []
    for corpus in corpora:
        for choice in corpus["choices"]:
            rows.append(
                {
                    "family": corpus["family"],
                    "variant": choice["variant"],
                    "k_error": choice["k_error"],
                    "abs_k_error": abs(choice["k_error"]),
                    "within_1": abs(choice["k_error"]) <= 1,
                    "nmi": choice["nmi"],
                    "ami": choice["ami"],
                    "oracle_nmi": choice["oracle_nmi"],
                    "planted_model_nmi": corpus["planted_model_nmi"],
                }
            )
    table = pd.DataFrame(rows)
    grouped = table.groupby(["variant", "family"], sort=False)
    summary = grouped.agg(
        corpora=("nmi", "size"),
        k_error=("k_error", "mean"),
        abs_k_error=("abs_k_error", "mean"),
        within_1=("within_1", "sum"),
        nmi=("nmi", "mean"),
        ami=("ami", "mean"),
        oracle_nmi=("oracle_nmi", "mean"),
        planted_model_nmi=("planted_model_nmi", "mean"),
    )
    return summary.reset_index().round(4)


def pick_rule(summary: pd.DataFrame, nmi_margin: float = 0.02) -> dict:
    """The validated rule, by the criterion fixed before looking: among the rules (all
    engines) whose mean NMI over families is within ``nmi_margin`` of the best, the lowest
    mean |K error| over families (each family weighs the same)."""
    overall = (
        summary[~summary["variant"].str.contains(r"\[")]
        .groupby("variant")[["abs_k_error", "nmi", "ami", "k_error"]]
        .mean()
        .reset_index()
    )
    near = overall[overall["nmi"] >= overall["nmi"].max() - nmi_margin]
    best = near.sort_values(["abs_k_error", "nmi"], ascending=[True, False]).iloc[0]
    return {
        "rule": str(best["variant"]),
        "criterion": (
            f"among the rules whose mean NMI over the families is within {nmi_margin} of the best, the lowest mean "
            "|K error| over the families (each family weighs the same)"
        ),
        "overall": overall.round(4).to_dict(orient="records"),
    }


# --------------------------------------------------------------------------- the seed


def seed_sections(documents: pd.DataFrame) -> pd.Series:
    """The numbered section (一 … 八) of each paragraph of the sectioned article (NaN before the first)."""
    article = documents[documents["article_id"] == SECTIONED_ARTICLE].sort_values("position")
    markers = article["text"].str.extract(f"^([{SECTION_MARKERS}])、")[0]
    return markers.ffill().set_axis(article["doc_id"])


def seed_check(settings: Settings, work: Path) -> dict:
    """The seed corpus through the same validation sweep: each rule's choice, and how far the
    article's numbered sections share a topic (purity, NMI, AMI over its paragraphs)."""
    from zhtopics.ingest import prepare_corpus, write_prepared
    from zhtopics.paths import OutputPaths
    from zhtopics.results import RunResults
    from zhtopics.segment import segment_corpus

    params = study_params()
    paths = OutputPaths(work / "seed")
    if not paths.tokens.exists():
        write_prepared(prepare_corpus(SEED_INPUT, params.corpus), paths)
        segment_corpus(paths, params.segment)
    run = RunResults(paths)
    data = run.model_input()
    runs = corpus_runs(data, params, settings, work / "seed" / "runs")
    choices, _ = choose_all(runs, params)
    sections = seed_sections(run.documents).dropna()
    row_of = {doc_id: row for row, doc_id in enumerate(data.doc_ids)}
    rows = [row_of[d] for d in sections.index if d in row_of and data.bow.lengths()[row_of[d]] > 0]
    labels = sections.loc[[data.doc_ids[r] for r in rows]].to_numpy()
    out = []
    for choice in choices:
        if "[" in choice["variant"]:
            continue
        topics = runs.dominant[choice["spec"]][rows]
        purity = pd.crosstab(labels, topics).max(axis=1).sum() / len(rows)
        engine, k, seed = choice["spec"]
        n_topics = int(runs.runs.query("engine == @engine and k == @k and seed == @seed")["topics"].iloc[0])
        out.append(
            {
                "rule": choice["variant"],
                "engine": engine,
                "k": int(k),
                "topics": n_topics,
                "section_purity": round(float(purity), 4),
                **{f"section_{key}": value for key, value in agreement(labels, topics).items()},
            }
        )
    profile = dict(token_profile(run.tokens), vocabulary=run.segment_summary["vocabulary"])
    return {"paragraphs": len(rows), "sections": int(len(set(labels))), "profile": profile, "choices": out}


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    from benchmarks.rule_report import render_markdown, update_readme, write_outputs
    from zhtopics.modeling.engines import ENGINES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--engines", nargs="+", default=list(ENGINES))
    parser.add_argument("--k", type=int, nargs=2, default=[2, 16], metavar=("FROM", "TO"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--work", type=Path, default=WORK, help="corpora and cached runs")
    parser.add_argument("--out", type=Path, default=RESULTS / "rule_validation")
    parser.add_argument("--readme", type=Path, help="update this README's marked section")
    parser.add_argument("--no-seed", action="store_true", help="skip the seed corpus sanity check")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    settings = Settings(tuple(args.engines), tuple(range(args.k[0], args.k[1] + 1)), tuple(args.seeds), args.processes)
    params = study_params().replace(sweep={"seeds": list(settings.seeds)})
    started, load_before = time.perf_counter(), os.getloadavg()
    corpora = []
    for family in args.families:
        for spec in FAMILIES[family]:
            corpus = make_corpus(family, **spec)
            segmented = segment_family(corpus, args.work / corpus.name)
            runs = corpus_runs(segmented.model_input(), params, settings, args.work / corpus.name / "runs")
            corpora.append(evaluate_corpus(segmented, runs, params))
            logger.info("%s evaluated", corpus.name)
    summary = summarise(corpora)
    result = {
        "written": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "settings": {"engines": list(settings.engines), "k": list(settings.ks), "seeds": list(settings.seeds)},
        "families": {family: FAMILIES[family] for family in args.families},
        "choice": pick_rule(summary),
        "summary": summary.to_dict(orient="records"),
        "corpora": corpora,
        "seed": None if args.no_seed else seed_check(settings, args.work),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    write_outputs(result, args.out)
    if args.readme:
        update_readme(args.readme, render_markdown(result, readme=True))
    print(f"wrote {args.out}.json and .md; chosen rule: {result['choice']['rule']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
