"""Segmentation defaults, chosen by measurement: part-of-speech sets × single-character rules.

Each setting is the packaged (or, for the seed, the project's) ``segment`` parameters
with ``allowed_pos``, ``min_token_chars`` and ``evaluative`` replaced; see
:data:`POS_SETS` and :data:`CHAR_RULES`. Three corpora:

``seed``
    The seed corpus (``data/raw``, stage 1 with the project's ``params.yaml``, whose user
    dictionary applies), K = 4 (the seed study's chosen K). No labels: the measures are
    label-free (stability over seeds, c_v) and how far each setting moves the seed's
    topics from the current defaults' (NMI of the medoid seeds' dominant topics).
``posts``
    ``benchmarks/corpora/posts_known_subjects.csv``: 320 short posts written for this
    benchmark, 40 on each of 8 known subjects (phone reviews, food delivery, education,
    health insurance, housing, finance, jobs, travel), with abbreviations (医保 社保 国企
    央行), set phrases (应试教育 在线教育), place and time words (校外 国内 今年 周末),
    distinguishing words (超时) and evaluative single characters (贵 坑 慢 差 香). The
    packaged lexicons only (a corpus outside the seed study), K = 8. Measured: NMI of the
    dominant topic against the subject; per tag, how subject-specific its kept tokens
    are (1 − entropy of a token's subjects / log 8, over tokens seen at least 3 times,
    weighted by occurrences): a tag whose tokens spread evenly over subjects adds noise
    to subject topics.
``planted_60``, ``planted_30``
    ``benchmarks/generate.py`` corpora (3000 documents, 10 planted topics, 60 and 30
    characters a document): the planted words are n/v/vn dictionary words, so a setting
    must not lose them or bury them under foreign tokens. Measured: recovery NMI against
    the planted dominant topic, the share of kept tokens that are planted words.

Every setting is segmented with :class:`zhtopics.segment.Segmenter` (rjieba), filtered
with the base parameters' ``filter_extremes``, and fitted with tomotopy (the packaged
engine parameters) at the corpus's K under several seeds.

``seed_pipeline``
    The seed study through the real stages (``zhtopics prepare``, ``segment``, ``train``)
    with the previous and the packaged defaults, at K = 4 and, with ``--full-sweep``, with
    the sweep and the model choice (:mod:`benchmarks.segmentation_defaults_seed`).

Usage (from the project root; about 40 minutes on 2 shared cores, most of it the planted
corpora; ``--corpora`` runs some parts and keeps the others' results)::

    nice .venv/bin/python benchmarks/segmentation_defaults.py
    nice .venv/bin/python benchmarks/segmentation_defaults.py --corpora seed_pipeline --full-sweep

Writes ``benchmarks/results/segmentation_defaults.json`` and ``.md``
(:mod:`benchmarks.segmentation_defaults_report`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`, and no module here shadows a library's
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.recovery import normalized_mutual_info  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "segmentation_defaults.json"
POSTS = ROOT / "benchmarks" / "corpora" / "posts_known_subjects.csv"
SEED_FILE = ROOT / "data" / "raw"
PROJECT_PARAMS = ROOT / "params.yaml"
EVALUATIVE = ROOT / "src" / "zhtopics" / "lexicon" / "evaluative.txt"
#: The packaged stopword list before the generic words of tags j l s t b were added to it.
STOPWORDS_BEFORE = ROOT / "benchmarks" / "corpora" / "stopwords_before.txt"

BEFORE_POS = ["n", "nr", "ns", "nt", "nz", "v", "vn", "a", "an"]
#: Part-of-speech sets compared: name → tags (each adds to the one before, the last two branch).
POS_SETS = {
    "before": BEFORE_POS,
    "+j l": [*BEFORE_POS, "j", "l"],
    "+j l s t": [*BEFORE_POS, "j", "l", "s", "t"],
    "+j l s t b": [*BEFORE_POS, "j", "l", "s", "t", "b"],
    "+j l s b": [*BEFORE_POS, "j", "l", "s", "b"],
    "+j l s t b i": [*BEFORE_POS, "j", "l", "s", "t", "b", "i"],
    "+j l s t b i nrt nrfg": [*BEFORE_POS, "j", "l", "s", "t", "b", "i", "nrt", "nrfg"],
}
#: Single-character rules compared: name → (min_token_chars, evaluative list or not).
CHAR_RULES = {
    "2 chars": (2, False),
    "2 chars + evaluative": (2, True),
    "1 char": (1, False),
}
#: Words whose fate each setting reports (posts corpus), by what they are.
KEY_TERMS = {
    "abbreviation (j)": ["医保", "社保", "国企", "央行", "房贷", "中介", "财政投入"],
    "set phrase (l)": ["应试教育", "在线教育"],
    "place word (s)": ["校外", "国内", "国外"],
    "time word (t)": ["青年", "今年", "去年", "周末", "国庆", "春节"],
    "distinguishing word (b)": ["超时"],
    "evaluative character": ["贵", "坑", "慢", "差", "香", "辣", "烫", "涨", "跌", "卡"],
    "needs a user dictionary": ["双减", "内卷", "学区房", "考公"],
}


#: The previous defaults, and the widened part-of-speech set with the previous stopwords
#: (what the stopwords added with it change); every other setting is a POS set × a rule
#: with the packaged stopwords.
EXTRA_SETTINGS = [
    {"name": "before defaults", "pos": "before", "rule": "2 chars", "stopwords": "before"},
    {"name": "+j l s t b, stopwords before", "pos": "+j l s t b", "rule": "2 chars", "stopwords": "before"},
]


def settings() -> list[dict]:
    """Every setting measured: :data:`EXTRA_SETTINGS`, then :data:`POS_SETS` × :data:`CHAR_RULES`."""
    grid = [
        {"name": f"{pos}, {rule}", "pos": pos, "rule": rule, "stopwords": "packaged"}
        for pos in POS_SETS
        for rule in CHAR_RULES
    ]
    return EXTRA_SETTINGS + grid


def segment_params(base, setting: dict):
    """``base`` (SegmentParams) with a setting's ``allowed_pos``, ``min_token_chars``,
    ``evaluative`` and stopword list."""
    min_chars, evaluative = CHAR_RULES[setting["rule"]]
    return dataclasses.replace(
        base,
        allowed_pos=list(POS_SETS[setting["pos"]]),
        min_token_chars=min_chars,
        evaluative=EVALUATIVE if evaluative else None,
        stopwords_file=STOPWORDS_BEFORE if setting["stopwords"] == "before" else base.stopwords_file,
    )


# --------------------------------------------------------------------------- corpora


def seed_corpus():
    """The seed paragraphs as stage 1 keeps them (texts, the normaliser, the project's segment params)."""
    from zhtopics.ingest import TextNormalizer, prepare_corpus
    from zhtopics.params import load_params

    params = load_params(PROJECT_PARAMS)
    prepared = prepare_corpus(SEED_FILE, params.corpus)
    texts = prepared.documents["text"].tolist()
    return {"texts": texts, "labels": None, "k": 4, "normalizer": TextNormalizer(params.corpus.opencc)}, params


def posts_corpus():
    import pandas as pd

    from zhtopics.ingest import TextNormalizer

    table = pd.read_csv(POSTS)
    return {
        "texts": table["text"].tolist(),
        "labels": table["subject"].to_numpy(),
        "k": table["subject"].nunique(),
        "normalizer": TextNormalizer(),
    }


def planted_corpus(doc_chars: int, n_docs: int = 3000, k: int = 10):
    from benchmarks.generate import generate_corpus
    from zhtopics.ingest import TextNormalizer

    texts, truth = generate_corpus(n_docs, k=k, doc_chars=doc_chars, seed=0)
    return {
        "texts": texts,
        "labels": truth.planted_topic.astype(int),
        "k": k,
        "normalizer": TextNormalizer(),
        "planted_words": set(truth.vocabulary),
    }


# --------------------------------------------------------------------------- one setting


def segment_setting(corpus: dict, params):
    """Token lists, the tally by (reason, tag, token) and the filtered Dictionary of one setting."""
    from gensim.corpora import Dictionary

    from zhtopics.segment import Segmenter

    segmenter = Segmenter(dataclasses.replace(params, processes=1), normalizer=corpus["normalizer"])
    token_lists, tally = segmenter.segment(corpus["texts"])
    dictionary = Dictionary(token_lists)
    before = len(dictionary)
    fe = params.filter_extremes
    dictionary.filter_extremes(no_below=fe.no_below, no_above=fe.no_above, keep_n=fe.keep_n)
    return token_lists, tally, dictionary, before


def kept_by_tag(tally: Counter, tags: list[str], top: int = 15) -> dict:
    """For each tag: kept occurrences, distinct tokens and the most frequent ones."""
    counters: dict[str, Counter] = defaultdict(Counter)
    for (reason, tag, token), n in tally.items():
        if reason is None:
            counters[tag][token] += n
    return {
        tag: {
            "tokens": sum(counters[tag].values()),
            "distinct": len(counters[tag]),
            "examples": [[w, n] for w, n in counters[tag].most_common(top)],
        }
        for tag in tags
    }


def single_characters(tally: Counter, top: int = 25) -> dict:
    counter = Counter()
    for (reason, _, token), n in tally.items():
        if reason is None and len(token) == 1:
            counter[token] += n
    return {
        "tokens": sum(counter.values()),
        "distinct": len(counter),
        "examples": [[w, n] for w, n in counter.most_common(top)],
    }


def fit_setting(token_lists, dictionary, k: int, seeds: list[int], engines) -> list:
    from zhtopics.modeling import ModelInput
    from zhtopics.modeling.engines import fit

    data = ModelInput(dictionary, token_lists)
    return data, [fit("tomotopy", data, k, seed, engines) for seed in seeds]


def subject_accuracy(token_lists, dictionary, labels, folds: int = 5) -> float:
    """Cross-validated accuracy of a multinomial naive Bayes classifier that predicts the
    label from the bag of words (in-dictionary tokens): how much the kept tokens say about
    the subject, without the noise of a topic model's fit."""
    from scipy.sparse import csr_matrix
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.naive_bayes import MultinomialNB

    rows, cols, values = [], [], []
    for i, tokens in enumerate(token_lists):
        for token_id, count in dictionary.doc2bow(tokens):
            rows.append(i)
            cols.append(token_id)
            values.append(count)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(token_lists), len(dictionary)))
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    return round(float(cross_val_score(MultinomialNB(), matrix, labels, cv=split).mean()), 4)


def dominant(fitted) -> np.ndarray:
    """Dominant topic of each document; -1 for a document without tokens."""
    labels = fitted.doc_topic.argmax(axis=1)
    labels[list(fitted.empty_docs)] = -1
    return labels


def model_measures(data, fits, labels, dictionary, with_coherence: bool) -> dict:
    from zhtopics.modeling.metrics import coherence, stability

    result = stability([f.topic_word for f in fits])
    medoid = int(np.argmax(result["typicality"]))
    measures = {
        "stability": round(result["stability"], 4),
        "medoid_seed": fits[medoid].seed,
        "medoid_top_words": fits[medoid].top_words(dictionary, 10),
        "documents_without_tokens": len(fits[medoid].empty_docs),
    }
    if with_coherence:
        cv = [coherence(f.top_words(dictionary, 10), data, "c_v") for f in fits]
        measures["c_v_mean"], measures["c_v_sd"] = round(float(np.mean(cv)), 4), round(float(np.std(cv)), 4)
    if labels is not None:
        nmi = [normalized_mutual_info(labels, dominant(f)) for f in fits]
        measures.update(
            nmi_mean=round(float(np.mean(nmi)), 4),
            nmi_sd=round(float(np.std(nmi)), 4),
            nmi_min=round(float(np.min(nmi)), 4),
            nmi_max=round(float(np.max(nmi)), 4),
        )
    measures["_dominants"] = [dominant(f) for f in fits]
    return measures


def run_setting(corpus: dict, params, seeds: list[int], engines, with_coherence: bool) -> dict:
    started = time.perf_counter()
    token_lists, tally, dictionary, before = segment_setting(corpus, params)
    data, fits = fit_setting(token_lists, dictionary, corpus["k"], seeds, engines)
    kept = Counter(token for tokens in token_lists for token in tokens)
    row = {
        "tokens_kept": sum(kept.values()),
        "vocabulary_before_filter_extremes": before,
        "vocabulary": len(dictionary),
        "tokens_in_dictionary": int(sum(kept[w] for w in dictionary.token2id)),
        "kept_by_tag": kept_by_tag(tally, sorted({tag for tag in params.allowed_pos} | {"ng", "zg", "d", "f", "m"})),
        "single_characters": single_characters(tally),
        **model_measures(data, fits, corpus["labels"], dictionary, with_coherence),
    }
    if "planted_words" in corpus:
        planted = corpus["planted_words"]
        row["planted_share_of_kept_tokens"] = round(
            sum(n for w, n in kept.items() if w in planted) / max(1, sum(kept.values())), 4
        )
        row["planted_words_in_dictionary"] = round(len(planted & set(dictionary.token2id)) / len(planted), 4)
        row["foreign_tokens"] = [
            [w, n] for w, n in Counter({w: n for w, n in kept.items() if w not in planted}).most_common(15)
        ]
    if corpus["labels"] is not None and "planted_words" not in corpus:
        row["key_terms"] = {
            kind: {
                word: ("dictionary" if word in dictionary.token2id else "kept" if word in kept else "dropped")
                for word in words
            }
            for kind, words in KEY_TERMS.items()
        }
    if corpus["labels"] is not None:
        row["subject_accuracy_naive_bayes"] = subject_accuracy(token_lists, dictionary, corpus["labels"])
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row, tally, token_lists


# --------------------------------------------------------------------------- per-tag evidence


def subject_specificity(tally_lists: list[list[str]], tags_of: dict[str, Counter], labels, min_count: int = 3) -> dict:
    """Per tag: occurrence-weighted mean specificity of its kept tokens (1 − H(subject | token) / log S)
    over tokens seen at least ``min_count`` times, and the least and most specific tokens."""
    subjects = sorted(set(labels))
    index = {s: i for i, s in enumerate(subjects)}
    counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(subjects)))
    for tokens, label in zip(tally_lists, labels):
        for token in tokens:
            counts[token][index[label]] += 1
    by_tag: dict[str, list] = defaultdict(list)
    for token, row in counts.items():
        n = row.sum()
        if n < min_count:
            continue
        p = row[row > 0] / n
        specificity = 1 - float(-(p * np.log(p)).sum()) / math.log(len(subjects))
        tag = tags_of[token].most_common(1)[0][0]
        by_tag[tag].append((token, int(n), round(specificity, 3)))
    result = {}
    for tag, rows in by_tag.items():
        weights = np.array([n for _, n, _ in rows], dtype=float)
        values = np.array([s for _, _, s in rows])
        rows.sort(key=lambda r: (r[2], -r[1]))
        result[tag] = {
            "tokens_counted": len(rows),
            "occurrences": int(weights.sum()),
            "mean_specificity": round(float((weights * values).sum() / weights.sum()), 3),
            "least_specific": rows[:12],
            "most_specific": sorted(rows, key=lambda r: (-r[2], -r[1]))[:12],
        }
    return dict(sorted(result.items(), key=lambda item: -item[1]["occurrences"]))


def tags_of_kept(tally: Counter) -> dict[str, Counter]:
    tags: dict[str, Counter] = defaultdict(Counter)
    for (reason, tag, token), n in tally.items():
        if reason is None:
            tags[token][tag] += n
    return tags


# --------------------------------------------------------------------------- main


def mean_pairwise_nmi(a: list[np.ndarray], b: list[np.ndarray] | None = None) -> float:
    """Mean NMI of the dominant topics over pairs of seeds: within one setting (``b`` None,
    pairs of different seeds) or between two settings (every pair)."""
    if b is None:
        values = [normalized_mutual_info(x, y) for i, x in enumerate(a) for y in a[i + 1 :]]
    else:
        values = [normalized_mutual_info(x, y) for x in a for y in b]
    return round(float(np.mean(values)), 4)


def measure_corpus(name: str, corpus: dict, base, seeds: list[int], engines, with_coherence: bool) -> dict:
    """Every setting on one corpus. ``nmi_to_before_defaults`` (mean over pairs of seeds of
    the previous defaults and of the setting) is read against ``nmi_between_seeds`` of the
    previous defaults: how far a setting moves the documents' dominant topics beyond what
    changing the seed alone does."""
    rows, baseline, widest = [], None, None
    for setting in settings():
        params = segment_params(base, setting)
        row, tally, token_lists = run_setting(corpus, params, seeds, engines, with_coherence)
        dominants = row.pop("_dominants")
        baseline = dominants if baseline is None else baseline
        row["nmi_between_seeds"] = mean_pairwise_nmi(dominants)
        row["nmi_to_before_defaults"] = mean_pairwise_nmi(baseline, dominants)
        rows.append({**setting, **row})
        if setting["pos"] == list(POS_SETS)[-1] and setting["rule"] == list(CHAR_RULES)[-1]:
            widest = (tally, token_lists)
        print(
            f"{name:11} {setting['name']:40} tokens {row['tokens_kept']:6} vocabulary {row['vocabulary']:5} "
            f"nmi {row.get('nmi_mean', '-')} nb {row.get('subject_accuracy_naive_bayes', '-')} "
            f"stability {row['stability']} c_v {row.get('c_v_mean', '-')} to-before {row['nmi_to_before_defaults']} "
            f"({row['seconds']} s)",
            flush=True,
        )
    result = {"documents": len(corpus["texts"]), "k": corpus["k"], "seeds": seeds, "settings": rows}
    if corpus["labels"] is not None and "planted_words" not in corpus:
        result["subject_specificity_by_tag"] = subject_specificity(widest[1], tags_of_kept(widest[0]), corpus["labels"])
        result["subject_specificity_setting"] = f"{list(POS_SETS)[-1]}, {list(CHAR_RULES)[-1]}"
    return result


def packaged_defaults(params) -> dict:
    """The packaged ``segment`` defaults, and the setting (with the packaged stopwords) they are."""
    evaluative = params.evaluative is not None
    setting = next(
        (
            f"{pos}, {rule}"
            for pos, tags in POS_SETS.items()
            for rule, (min_chars, with_list) in CHAR_RULES.items()
            if set(tags) == set(params.allowed_pos) and min_chars == params.min_token_chars and with_list == evaluative
        ),
        None,
    )
    return {
        "allowed_pos": list(params.allowed_pos),
        "min_token_chars": params.min_token_chars,
        "evaluative": params.evaluative.name if evaluative else None,
        "setting": setting,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=["seed", "posts", "planted_60", "planted_30", "seed_pipeline"])
    parser.add_argument("--seeds", type=int, default=20, help="tomotopy seeds per setting (planted corpora: 5)")
    parser.add_argument("--markdown-only", action="store_true", help="only write the .md from the .json")
    parser.add_argument("--full-sweep", action="store_true", help="seed_pipeline: also the whole sweep and choice")
    args = parser.parse_args(argv)
    from benchmarks.segmentation_defaults_report import write_markdown
    from zhtopics.params import load_params

    defaults = load_params()
    if args.markdown_only:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
        results["packaged_defaults"] = packaged_defaults(defaults.segment)
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        write_markdown(results, RESULTS.with_suffix(".md"))
        return 0
    base = defaults.segment
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    results["pos_sets"], results["char_rules"] = POS_SETS, {k: list(v) for k, v in CHAR_RULES.items()}
    results["extra_settings"] = EXTRA_SETTINGS
    results["packaged_defaults"] = packaged_defaults(defaults.segment)
    results.setdefault("corpora", {})
    seeds = list(range(1, args.seeds + 1))
    for name in args.corpora:
        started, load = time.perf_counter(), [round(x, 2) for x in os.getloadavg()]
        if name == "seed_pipeline":
            from benchmarks.segmentation_defaults_seed import seed_pipeline

            results["seed_pipeline"] = seed_pipeline(STOPWORDS_BEFORE, full_sweep=args.full_sweep)
            results["seed_pipeline"]["seconds"] = round(time.perf_counter() - started, 1)
            results["seed_pipeline"]["load_average"] = {"start": load, "end": [round(x, 2) for x in os.getloadavg()]}
            RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            continue
        if name == "seed":
            corpus, project = seed_corpus()
            measured = measure_corpus(name, corpus, project.segment, seeds, defaults.engines, True)
        elif name == "posts":
            measured = measure_corpus(name, posts_corpus(), base, seeds, defaults.engines, True)
        else:
            doc_chars = int(name.split("_")[1])
            measured = measure_corpus(name, planted_corpus(doc_chars), base, seeds[:5], defaults.engines, False)
        measured["seconds"] = round(time.perf_counter() - started, 1)
        measured["load_average"] = {"start": load, "end": [round(x, 2) for x in os.getloadavg()]}
        results["corpora"][name] = measured
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_markdown(results, RESULTS.with_suffix(".md"))
    print(f"wrote {RESULTS} and {RESULTS.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
