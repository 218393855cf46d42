"""Engines for short texts, measured the same way: planted one-topic documents and the seed's own sections.

Engines:

- ``dmm``: zhtopics' Dirichlet multinomial mixture (``engines.dmm`` defaults; K is its upper
  bound: clusters that end empty are dropped);
- ``tomotopy_lda``: zhtopics' ``tomotopy`` engine (``engines.tomotopy`` defaults);
- ``btm``: the biterm topic model of bitermplus (Yan et al. 2013: α = 50/K, β = 0.01,
  window 15, :data:`BTM_ITERATIONS` sweeps; topics of a document by ``sum_b``);
- ``tomotopy_pt``: tomotopy ``PTModel`` (pseudo-document topic model, Zuo et al. 2016:
  p = 10K pseudo-documents, tomotopy's default priors, the LDA engine's iterations);
- ``tomotopy_hdp``: tomotopy ``HDPModel`` (no K: its live topics are its estimate of K;
  default priors, the LDA engine's iterations).

Parts (``--parts``; a part run alone keeps the others' rows in the JSON):

- ``planted``: :data:`PLANTED` documents of 8–20 tokens, each drawn from ONE of 10 planted
  topics (:func:`planted_corpus`: real words from ``benchmarks/generate.py``'s vocabulary;
  every topic shares words with its neighbours, and a fifth of all tokens come from a
  background list shared by all topics), two corpus seeds; every engine at K = 10, the DMM
  at 20 too;
- ``seed_sections``: the seed corpus (``data/raw``, the seed study's parameters, all 145
  paragraphs modelled), judged on the article 八大理由告诉你微信电商为什么走不通: its
  numbered reasons 一、… 八、… are sections, and the paragraphs of a section (from its
  heading to the next one) should mostly share a topic; every engine at K = 10 and 20;
- ``scale``: 10^5 planted documents of 15–25 tokens: the DMM's fit time at K = 20, and the
  biterms BTM builds before it samples (count, seconds, memory).

For each engine and corpus: NMI and AMI (sklearn, arithmetic normalisation) between each
document's dominant topic and the truth (planted topic, or section), over model seeds;
the topics it used; seconds of one fit (the sampler's wall time on this machine, single
thread); and whether the same seed gives the same document-topic matrix byte for byte
(the first seed fitted three times).

Writes ``<out>/short_text_engines.json`` and ``.md``. BTM's settings here are the ``btm``
engine's defaults (bitermplus, a zhtopics dependency since this comparison kept it)::

    nice .venv/bin/python benchmarks/short_text_engines.py            # about 25 minutes on 2 cores
    nice .venv/bin/python benchmarks/short_text_engines.py --quick    # 2,000 documents, one corpus seed
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED_INPUT = ROOT / "data" / "raw"
SEED_PARAMS = ROOT / "params.yaml"
SECTION_ARTICLE = "八大理由告诉你微信电商为什么走不通"
SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
PLANTED = {"n_docs": 10_000, "k": 10, "own_words": 60, "shared_words": 15, "background_words": 100}
PLANTED.update({"min_tokens": 8, "max_tokens": 20, "background_share": 0.2})
CORPUS_SEEDS = (0, 1)
MODEL_SEEDS = (1, 2, 3)
SEED_CORPUS_SEEDS = (1, 2, 3, 4, 5)
BTM_ITERATIONS = 300
PARTS = ("planted", "seed_sections", "scale")
VERSIONS = ("numpy", "numba", "tomotopy", "bitermplus")


# --------------------------------------------------------------------------- corpora


def planted_corpus(seed: int, n_docs: int, k: int, **sizes) -> tuple[list[list[str]], np.ndarray]:
    """One-topic short documents over real words, with overlapping topics and a shared background.

    Topic t draws its words (weights ~ Dirichlet(1)) from its own ``own_words``, the
    ``shared_words`` it shares with topic t + 1 and those it shares with topic t − 1 (cyclic);
    each token is, with probability ``background_share``, a background word instead
    (weights ~ Dirichlet(1) over ``background_words`` words common to all topics). Lengths
    are uniform on ``min_tokens``–``max_tokens``.

    Returns
    -------
    texts : list of list of str
    topic : ndarray of int, shape (n_docs,)
    """
    from benchmarks.generate import choose_vocabulary

    own, shared, background = sizes["own_words"], sizes["shared_words"], sizes["background_words"]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    words = np.array(choose_vocabulary(k * (own + shared) + background, rng))
    own_ids = np.arange(k * own).reshape(k, own)
    shared_ids = k * own + np.arange(k * shared).reshape(k, shared)  # shared_ids[t]: topics t and t + 1
    background_ids = k * (own + shared) + np.arange(background)
    topic_words = [np.concatenate([own_ids[t], shared_ids[t], shared_ids[(t - 1) % k]]) for t in range(k)]
    topic_weights = [rng.dirichlet(np.ones(len(ids))) for ids in topic_words]
    background_weights = rng.dirichlet(np.ones(background))
    topic = rng.integers(0, k, n_docs)
    texts = []
    for t in topic:
        n = int(rng.integers(sizes["min_tokens"], sizes["max_tokens"], endpoint=True))
        from_background = rng.random(n) < sizes["background_share"]
        ids = np.where(
            from_background,
            rng.choice(background_ids, n, p=background_weights),
            rng.choice(topic_words[t], n, p=topic_weights[t]),
        )
        texts.append(words[ids].tolist())
    return texts, topic


def seed_sections(folder: Path):
    """The seed corpus segmented as the seed study does, and the 八大理由 article's sections.

    Returns
    -------
    data : ModelInput
        All paragraphs of the seed corpus.
    rows : ndarray of int
        Rows of the article's paragraphs from its first numbered heading on.
    section : ndarray of int
        Their section (0 for 一、 … 7 for 八、): a heading starts a section, which runs to
        the next heading (the last one to the article's end).
    """
    from zhtopics.ingest import prepare_corpus, write_prepared
    from zhtopics.params import load_params
    from zhtopics.paths import OutputPaths
    from zhtopics.results import RunResults
    from zhtopics.segment import segment_corpus

    params = load_params(SEED_PARAMS)
    paths = OutputPaths(folder)
    prepared = prepare_corpus(SEED_INPUT, params.corpus)
    write_prepared(prepared, paths)
    segment_corpus(paths, params.segment)
    run = RunResults(paths)
    data = run.model_input()
    documents = run.documents.reset_index(drop=True)
    rows, section, current = [], [], -1
    for row in np.flatnonzero(documents["article_title"].to_numpy() == SECTION_ARTICLE):
        if SECTION_HEADING.match(documents.at[row, "text"]):
            current += 1
        if current >= 0:
            rows.append(row)
            section.append(current)
    texts = data.texts_of(range(data.n_docs))
    return (
        _in_memory(data.dictionary, texts, data.doc_ids),
        np.array(rows),
        np.array(section),
    )


def _in_memory(dictionary, texts: list[list[str]], doc_ids=None):
    from zhtopics.modeling import ModelInput

    return ModelInput(dictionary, texts, doc_ids)


# --------------------------------------------------------------------------- engines


def _zhtopics_engine(name: str, params_file: Path | None) -> Callable:
    def run(data, k: int, seed: int) -> tuple[np.ndarray, int]:
        from zhtopics.modeling import fit
        from zhtopics.params import load_params

        fitted = fit(name, data, k, seed, load_params(params_file).engines)
        return fitted.doc_topic, fitted.k

    return run


def _btm(data, k: int, seed: int) -> tuple[np.ndarray, int]:
    import bitermplus
    import scipy.sparse as sparse

    bow = data.bow
    rows = np.repeat(np.arange(len(bow)), np.diff(bow.offsets))
    n_dw = sparse.csr_matrix((bow.counts, (rows, bow.ids)), shape=(data.n_docs, data.n_terms))
    vocabulary = np.array([data.dictionary[i] for i in range(data.n_terms)])
    column = data.dictionary.token2id
    docs = [np.array([column[t] for t in text], dtype=np.int32) for text in data.texts_of(range(data.n_docs))]
    model = bitermplus.BTM(n_dw, vocabulary, T=k, alpha=50 / k, beta=0.01, seed=seed, win=15)
    model.fit(bitermplus.get_biterms(docs, win=15, as_array=True), iterations=BTM_ITERATIONS, verbose=False)
    doc_topic = np.nan_to_num(model.transform(docs, infer_type="sum_b", verbose=False))
    return doc_topic, k


def _tomotopy(kind: str, params_file: Path | None) -> Callable:
    def run(data, k: int, seed: int) -> tuple[np.ndarray, int]:
        import tomotopy as tp

        from zhtopics.params import load_params

        iterations = load_params(params_file).engines["tomotopy"].iterations
        if kind == "pt":
            model = tp.PTModel(k=k, p=10 * k, seed=seed)
        else:
            model = tp.HDPModel(seed=seed)
        added = []
        for row, text in enumerate(data.texts_of(range(data.n_docs))):
            if text:
                model.add_doc(text)
                added.append(row)
        model.train(iterations, workers=1, show_progress=False)
        doc_topic = np.zeros((data.n_docs, model.k))
        for row, document in zip(added, model.docs):
            doc_topic[row] = document.get_topic_dist()
        used = int(model.live_k) if kind == "hdp" else k
        return doc_topic, used

    return run


def engines(params_file: Path | None) -> dict[str, Callable]:
    """Name → ``fit(data, k, seed) -> (doc_topic, topics used)``."""
    return {
        "dmm": _zhtopics_engine("dmm", params_file),
        "tomotopy_lda": _zhtopics_engine("tomotopy", params_file),
        "btm": _btm,
        "tomotopy_pt": _tomotopy("pt", params_file),
        "tomotopy_hdp": _tomotopy("hdp", params_file),
    }


def settings(k: int, everyone_at_2k: bool) -> list[tuple[str, int]]:
    """(engine, K) pairs: every engine at K; at 2K too the DMM (K is its upper bound) or, with
    ``everyone_at_2k``, every engine; HDP once (it estimates K)."""
    pairs = []
    for engine in ("dmm", "tomotopy_lda", "btm", "tomotopy_pt"):
        pairs.append((engine, k))
        if engine == "dmm" or everyone_at_2k:
            pairs.append((engine, 2 * k))
    return [*pairs, ("tomotopy_hdp", k)]


def _label(engine: str, k: int) -> str:
    return f"{engine} (K estimated)" if engine == "tomotopy_hdp" else f"{engine} K={k}"


# --------------------------------------------------------------------------- measuring


def _scores(truth: np.ndarray, doc_topic: np.ndarray) -> dict:
    from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

    dominant = doc_topic.argmax(axis=1)
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, dominant)), 4),
        "ami": round(float(adjusted_mutual_info_score(truth, dominant)), 4),
        "dominant_topics": int(len(np.unique(dominant))),
    }


def measure(run: Callable, data, k: int, seeds, truth: np.ndarray, rows: np.ndarray | None) -> dict:
    """Fit under each seed (the first twice, for reproducibility) and score the dominant topics."""
    fits = []
    for seed in seeds:
        started = time.perf_counter()
        doc_topic, used = run(data, k, seed)
        seconds = time.perf_counter() - started
        scored = _scores(truth, doc_topic if rows is None else doc_topic[rows])
        fits.append({"seed": seed, "seconds": round(seconds, 2), "topics": used, **scored})
        if seed == seeds[0]:
            first = doc_topic
    repeats = [run(data, k, seeds[0])[0] for _ in range(2)]
    summary = {key: round(float(np.mean([f[key] for f in fits])), 4) for key in ("nmi", "ami", "seconds", "topics")}
    summary.update({f"{key}_sd": round(float(np.std([f[key] for f in fits])), 4) for key in ("nmi", "ami")})
    return {
        "k": k,
        **summary,
        "reproducible": all(np.array_equal(first, again, equal_nan=True) for again in repeats),
        "fits": fits,
    }


def _guarded(function: Callable, *args) -> dict:
    try:
        return function(*args)
    except ModuleNotFoundError as error:
        return {"error": f"not installed: {error.name} (pip install -c requirements.lock {error.name})"}


def run_planted(quick: bool) -> dict:
    """Every setting on each planted corpus (one row per setting and corpus seed)."""
    from gensim.corpora import Dictionary

    planted = dict(PLANTED, n_docs=2000) if quick else PLANTED
    model_seeds = MODEL_SEEDS[:2] if quick else MODEL_SEEDS
    rows = {}
    for corpus_seed in CORPUS_SEEDS[:1] if quick else CORPUS_SEEDS:
        texts, topic = planted_corpus(corpus_seed, **planted)
        data = _in_memory(Dictionary(texts), texts)
        fits = engines(None)
        for engine, k in settings(planted["k"], everyone_at_2k=False):
            print(f"planted corpus {corpus_seed}: {_label(engine, k)} ...", flush=True)
            row = _guarded(measure, fits[engine], data, k, model_seeds, topic, None)
            rows.setdefault(_label(engine, k), {})[str(corpus_seed)] = dict(row, engine=engine)
            print(f"  {_line(row)}", flush=True)
    return {"planted": rows, "planted_params": planted}


def run_seed_sections(quick: bool) -> dict:
    """Every setting, at K = 10 and 20, on the seed corpus, scored on the article's sections."""
    with tempfile.TemporaryDirectory() as folder:
        data, rows, section = seed_sections(Path(folder))
    seeds = SEED_CORPUS_SEEDS[:2] if quick else SEED_CORPUS_SEEDS
    fits, result = engines(SEED_PARAMS), {}
    for engine, k in settings(10, everyone_at_2k=True):
        print(f"seed sections: {_label(engine, k)} ...", flush=True)
        row = _guarded(measure, fits[engine], data, k, seeds, section, rows)
        result[_label(engine, k)] = dict(row, engine=engine)
        print(f"  {_line(row)}", flush=True)
    inputs = {"documents": data.n_docs, "section_paragraphs": len(rows), "sections": int(section.max() + 1)}
    return {"seed_sections": result, "seed_sections_input": inputs}


def run_scale(quick: bool) -> dict:
    """At 10^5 documents of 15–25 tokens (10 planted topics): the DMM's fit at K = 20 (its
    defaults), and what BTM needs before it samples at all: its biterms, built by bitermplus."""
    import resource

    from gensim.corpora import Dictionary

    n_docs = 20_000 if quick else 100_000
    texts, topic = planted_corpus(0, **dict(PLANTED, n_docs=n_docs, min_tokens=15, max_tokens=25))
    data = _in_memory(Dictionary(texts), texts)
    run = _zhtopics_engine("dmm", None)
    run(data, 20, 1)  # numba compiles (or loads its cache) outside the clock
    dmm = measure(run, data, 20, MODEL_SEEDS[:2], topic, None)
    print(f"scale: dmm K=20 at {n_docs} documents: {_line(dmm)}", flush=True)
    result = {"documents": n_docs, "tokens": int(data.bow.lengths().sum()), "dmm K=20": dict(dmm, engine="dmm")}
    try:
        import bitermplus
    except ModuleNotFoundError:
        return {"scale": dict(result, btm={"error": "not installed: bitermplus"})}
    column = data.dictionary.token2id
    docs = [np.array([column[t] for t in text], dtype=np.int32) for text in texts]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    biterms = bitermplus.get_biterms(docs, win=15, as_array=True)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    result["btm_biterms"] = {
        "biterms": sum(len(b) for b in biterms),
        "seconds": round(seconds, 1),
        "peak_rss_growth_mib": round(grown),
        "note": "bitermplus.get_biterms (window 15, as_array=True: one int32 array per document), built before the first Gibbs sweep",
    }
    print(f"scale: btm biterms {result['btm_biterms']}", flush=True)
    return {"scale": result}


def _line(row: dict) -> str:
    if "error" in row:
        return row["error"]
    return (
        f"NMI {row['nmi']:.3f} ± {row['nmi_sd']:.3f}, AMI {row['ami']:.3f}, topics {row['topics']:.1f}, "
        f"{row['seconds']:.1f} s, reproducible {row['reproducible']}"
    )


# --------------------------------------------------------------------------- output


def render(result: dict) -> str:
    """The markdown report, from the JSON alone (the parts it holds)."""
    runs = "; ".join(
        f"{part} {run['finished']} ({run['machine']}, {run['seconds']:.0f} s)" for part, run in result["runs"].items()
    )
    lines = [
        "# Short-text engines: planted one-topic documents and the seed's sections",
        "",
        f"Generated by `benchmarks/short_text_engines.py`: {runs}. NMI and AMI: dominant topic against "
        "the truth, mean ± sd over model seeds; topics: used (DMM: clusters kept; HDP: live topics); "
        "seconds: one fit, single thread; reproducible: the first seed fitted twice gives the same "
        "document-topic matrix byte for byte.",
    ]
    if "planted" in result:
        lines += _render_planted(result)
    if "seed_sections" in result:
        lines += _render_seed(result)
    if "scale" in result:
        lines += _render_scale(result["scale"])
    return "\n".join(lines) + "\n"


def _render_planted(result: dict) -> list[str]:
    planted = result["planted_params"]
    lines = [
        "",
        f"## Planted: {planted['n_docs']:,} documents of {planted['min_tokens']}–{planted['max_tokens']} tokens, "
        f"one of {planted['k']} topics each",
        "",
        f"Each topic: {planted['own_words']} words of its own, {planted['shared_words']} shared with each "
        f"neighbour; {planted['background_share']:.0%} of the tokens from {planted['background_words']} "
        "background words common to all topics. One row per corpus seed.",
        "",
        "| engine | corpus seed | K | NMI | AMI | topics | seconds | reproducible |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, by_seed in result["planted"].items():
        for corpus_seed, row in by_seed.items():
            lines.append(_table_row(name, row, corpus_seed))
    return lines


def _render_seed(result: dict) -> list[str]:
    inputs = result["seed_sections_input"]
    lines = [
        "",
        f"## The seed corpus: sections of {SECTION_ARTICLE}",
        "",
        f"All {inputs['documents']} paragraphs modelled (the seed study's parameters); scored on the "
        f"{inputs['section_paragraphs']} paragraphs of its {inputs['sections']} numbered sections "
        "(a heading 一、… starts a section, which runs to the next heading); every engine at K = 10 and 20. "
        "A sanity check, not a target.",
        "",
        "| engine | corpus | K | NMI | AMI | topics | seconds | reproducible |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    return lines + [_table_row(name, row, "seed") for name, row in result["seed_sections"].items()]


def _render_scale(scale: dict) -> list[str]:
    dmm, btm = scale["dmm K=20"], scale.get("btm_biterms")
    lines = [
        "",
        f"## Scale: {scale['documents']:,} planted documents of 15–25 tokens ({scale['tokens']:,} tokens)",
        "",
        f"- dmm, K = 20 (upper bound), default sweeps: {dmm['seconds']:.1f} s per fit (mean of "
        f"{len(dmm['fits'])} seeds: {', '.join(str(f['seconds']) for f in dmm['fits'])} s), "
        f"{dmm['topics']:.1f} clusters kept, NMI {dmm['nmi']:.3f}, reproducible: {'yes' if dmm['reproducible'] else 'no'}.",
    ]
    if btm and "biterms" in btm:
        lines.append(
            f"- btm, before sampling: {btm['biterms']:,} biterms, {btm['seconds']:.1f} s to build, "
            f"peak memory +{btm['peak_rss_growth_mib']:,} MiB ({btm['note']})."
        )
    return lines


def _table_row(name: str, row: dict, corpus: str) -> str:
    if "error" in row:
        return f"| {name} | {corpus} | — | {row['error']} | | | | |"
    k = "—" if row.get("engine") == "tomotopy_hdp" else row["k"]
    return (
        f"| {name} | {corpus} | {k} | {row['nmi']:.3f} ± {row['nmi_sd']:.3f} | {row['ami']:.3f} ± {row['ami_sd']:.3f} "
        f"| {row['topics']:.1f} | {row['seconds']:.1f} | {'yes' if row['reproducible'] else '**no**'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 planted documents, one corpus seed, fewer seeds")
    parser.add_argument(
        "--parts", nargs="+", default=list(PARTS), choices=PARTS, help="run these; keep the other's rows from the JSON"
    )
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/results, --quick: benchmarks/data)")
    args = parser.parse_args(argv)
    out = args.out or (ROOT / "benchmarks" / ("data" if args.quick else "results"))
    path = out / "short_text_engines.json"
    result = json.loads(path.read_text(encoding="utf-8")) if args.parts != list(PARTS) and path.exists() else {}
    for part in args.parts:
        started, load_before = time.perf_counter(), os.getloadavg()[0]
        result.update(
            {"planted": run_planted, "seed_sections": run_seed_sections, "scale": run_scale}[part](args.quick)
        )
        result.setdefault("runs", {})[part] = {
            "finished": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"1-minute load {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
            "seconds": round(time.perf_counter() - started, 1),
            "quick": args.quick,
            "versions": {p: metadata.version(p) if _installed(p) else None for p in VERSIONS},
        }
    out.mkdir(parents=True, exist_ok=True)
    (out / "short_text_engines.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (out / "short_text_engines.md").write_text(render(result), encoding="utf-8")
    print(f"wrote {out / 'short_text_engines.json'} and .md")
    return 0


def _installed(package: str) -> bool:
    try:
        metadata.version(package)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
