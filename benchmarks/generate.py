"""Synthetic Chinese corpora of any size with planted topics: the benchmarks' ground truth.

The corpus follows LDA's generative process over real words, then hides the word
boundaries so that the pipeline has to segment it:

1. Vocabulary. Nouns and verbs (jieba tags ``n``, ``v``, ``vn``) of 2–4 Chinese characters
   with a moderate frequency in jieba's own dictionary (``jieba/dict.txt``), excluding the
   stopwords-iso Chinese list, ``data/lexicon/stopwords_domain.txt``, the user dictionary,
   the allow-list and numerals, and keeping only words that jieba's part-of-speech cutter
   returns whole, with a noun or verb tag, when cut alone. So the pipeline's stopword and
   part-of-speech filters do not delete the planted signal.
2. Topics. ``vocabulary_size`` words are split into ``k`` disjoint blocks, one per topic.
   Topic ``t``'s word distribution is ``(1 - background) * Dirichlet(beta)`` over its own
   block ``+ background * uniform`` over the whole vocabulary (``background`` is the
   shared noise that makes topics overlap a little).
3. Documents. ``theta_d ~ Dirichlet(alpha)``; the number of words is Poisson with a mean
   chosen so that the text is about ``doc_chars`` characters long; each word's topic
   ``z ~ theta_d`` and the word ``w ~ phi_z``.
4. Text. The words are written out WITHOUT spaces, with Chinese punctuation after a word
   with probability ``1 / clause_words`` (，mostly; 。、？！ sometimes) and 。 at the end.

jieba may re-segment concatenated words differently (a word's last character and the
next word's first one can form another dictionary word): that is part of the realism,
and :func:`segmentation_survival` measures how much of the planted words survive.

The truth of each document is its realised topic counts: ``planted_topic`` is the topic
that produced most of its words (ties broken by ``theta``), ``planted_share`` the share of
its words that topic produced, and ``theta`` the drawn proportions.

Sampling is vectorised with numpy in fixed batches of :data:`BATCH_DOCS` documents, each
batch from its own random stream derived from ``(seed, batch index)``: the corpus is
reproducible under a seed, and the first ``n`` documents of a larger corpus are the
corpus of size ``n``. Writing streams batch by batch, so 10^6 documents need little
memory beyond the per-document truth arrays (``n × k`` float32).

Command line (writes the table, ``<stem>.truth.json`` and ``<stem>.truth.npz``)::

    .venv/bin/python benchmarks/generate.py 100000 --out benchmarks/data/corpus_1e5.csv --k 20
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # run as a script: import `benchmarks.*`, and no module here shadows a library's
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GENERATOR_VERSION = 1
BATCH_DOCS = 10_000
WORD_TAGS = ("n", "v", "vn")
PUNCTUATION = ("，", "。", "、", "？", "！")
PUNCTUATION_P = (0.70, 0.20, 0.05, 0.025, 0.025)
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_NUMERALS = set("零〇一二两三四五六七八九十百千万亿几")


# --------------------------------------------------------------------------- vocabulary


def jieba_dictionary() -> Path:
    """The dictionary shipped inside the installed jieba package."""
    import jieba

    return Path(jieba.__file__).parent / "dict.txt"


def excluded_words() -> set[str]:
    """Words the planted vocabulary must avoid: stopwords (stopwords-iso zh and the domain
    list), the user dictionary's domain terms and the allow-list."""
    from zhtopics.params import load_params
    from zhtopics.segment import load_stopwords, read_word_list

    params = load_params(ROOT / "params.yaml").segment  # the seed study's lexicons over the packaged ones
    words = load_stopwords(params)
    words |= {line.split()[0] for line in read_word_list(params.userdict)}
    words |= set(read_word_list(params.allowlist))
    return words


@functools.lru_cache(maxsize=4)
def candidate_words(min_freq: int = 100, max_freq: int = 20000) -> tuple[tuple[str, int, str], ...]:
    """(word, freq, tag) of jieba's dictionary that may be planted, in dictionary order."""
    excluded = excluded_words()
    rows = []
    with open(jieba_dictionary(), encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3:
                continue
            word, freq, tag = parts[0], int(parts[1]), parts[2]
            if (
                tag in WORD_TAGS
                and min_freq <= freq <= max_freq
                and _CJK_WORD.match(word)
                and word not in excluded
                and not _NUMERALS & set(word)
            ):
                rows.append((word, freq, tag))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def _pos_cutter():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


def choose_vocabulary(size: int, rng: np.random.Generator, min_freq: int = 100, max_freq: int = 20000) -> list[str]:
    """``size`` distinct candidate words, in random order, that jieba's POS cutter keeps whole
    with a noun or verb tag when cut alone."""
    cutter = _pos_cutter()
    candidates = candidate_words(min_freq, max_freq)
    chosen = []
    for index in rng.permutation(len(candidates)):
        word = candidates[index][0]
        pairs = [(pair.word, pair.flag) for pair in cutter.cut(word)]
        if len(pairs) == 1 and pairs[0][0] == word and pairs[0][1] in WORD_TAGS:
            chosen.append(word)
            if len(chosen) == size:
                return chosen
    raise ValueError(
        f"only {len(chosen)} words of jieba's dictionary qualify (asked for {size}); "
        "widen the frequency range or lower vocabulary_size"
    )


# --------------------------------------------------------------------------- the model


@dataclass
class PlantedTruth:
    """What the generator planted.

    Attributes
    ----------
    vocabulary : list of str
        The planted words; column ``j`` of ``topic_word`` is ``vocabulary[j]``.
    word_topic : ndarray of int, shape (V,)
        The topic whose block each word belongs to.
    topic_word : ndarray, shape (k, V)
        Planted P(word | topic).
    theta : ndarray of float32, shape (n_docs, k)
        Drawn topic proportions of each document.
    planted_topic : ndarray of int16, shape (n_docs,)
        The topic that produced most of the document's words (ties broken by theta).
    planted_share : ndarray of float32, shape (n_docs,)
        Share of the document's words produced by ``planted_topic``.
    params : dict
        The generator's parameters (and version), enough to regenerate the corpus.
    """

    vocabulary: list[str]
    word_topic: np.ndarray
    topic_word: np.ndarray
    theta: np.ndarray
    planted_topic: np.ndarray
    planted_share: np.ndarray
    params: dict
    stats: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.topic_word.shape[0]

    def key(self) -> str:
        """Short hash of the parameters and the vocabulary (a cache key for the corpus)."""
        blob = json.dumps({"params": self.params, "vocabulary": self.vocabulary}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    def save(self, stem: Path) -> tuple[Path, Path]:
        """Write ``<stem>.truth.json`` (parameters, vocabulary, statistics) and ``<stem>.truth.npz``."""
        stem = Path(stem)
        meta = {
            "params": self.params,
            "key": self.key(),
            "vocabulary": self.vocabulary,
            "word_topic": self.word_topic.tolist(),
            "stats": self.stats,
        }
        json_path = stem.with_name(stem.name + ".truth.json")
        npz_path = stem.with_name(stem.name + ".truth.npz")
        json_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        np.savez(
            npz_path,
            topic_word=self.topic_word,
            theta=self.theta,
            planted_topic=self.planted_topic,
            planted_share=self.planted_share,
        )
        return json_path, npz_path

    @classmethod
    def load(cls, stem: Path) -> PlantedTruth:
        stem = Path(stem)
        meta = json.loads(stem.with_name(stem.name + ".truth.json").read_text(encoding="utf-8"))
        arrays = np.load(stem.with_name(stem.name + ".truth.npz"))
        return cls(
            vocabulary=meta["vocabulary"],
            word_topic=np.asarray(meta["word_topic"]),
            topic_word=arrays["topic_word"],
            theta=arrays["theta"],
            planted_topic=arrays["planted_topic"],
            planted_share=arrays["planted_share"],
            params=meta["params"],
            stats=meta.get("stats", {}),
        )


@dataclass
class Batch:
    """One batch of generated documents (``start`` is the index of its first document)."""

    start: int
    texts: list[str]
    theta: np.ndarray
    planted_topic: np.ndarray
    planted_share: np.ndarray
    words: np.ndarray  # word ids of every document, concatenated
    offsets: np.ndarray  # document i's words are words[offsets[i]:offsets[i + 1]]

    def doc_words(self, i: int) -> np.ndarray:
        return self.words[self.offsets[i] : self.offsets[i + 1]]


class PlantedModel:
    """The planted topics and the sampler of documents; see the module docstring."""

    def __init__(
        self,
        k: int = 20,
        doc_chars: int = 60,
        seed: int = 0,
        vocabulary_size: int = 2000,
        alpha: float = 0.1,
        beta: float = 1.0,
        background: float = 0.05,
        clause_words: float = 4.0,
        min_freq: int = 100,
        max_freq: int = 20000,
    ):
        if vocabulary_size < 2 * k:
            raise ValueError("vocabulary_size must give every topic at least two words")
        self.params = {
            "generator_version": GENERATOR_VERSION,
            "k": k,
            "doc_chars": doc_chars,
            "seed": seed,
            "vocabulary_size": vocabulary_size,
            "alpha": alpha,
            "beta": beta,
            "background": background,
            "clause_words": clause_words,
            "min_freq": min_freq,
            "max_freq": max_freq,
            "batch_docs": BATCH_DOCS,
            "jieba_dictionary_sha256": _sha256(jieba_dictionary())[:16],
        }
        self.k, self.seed, self.alpha = k, seed, alpha
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
        self.vocabulary = choose_vocabulary(vocabulary_size, rng, min_freq, max_freq)
        v = len(self.vocabulary)
        self.word_topic = np.arange(v) * k // v  # disjoint, nearly equal blocks
        topic_word = np.zeros((k, v))
        for t in range(k):
            own = np.flatnonzero(self.word_topic == t)
            topic_word[t, own] = rng.dirichlet(np.full(len(own), beta))
        self.topic_word = (1 - background) * topic_word + background / v
        self.topic_word /= self.topic_word.sum(axis=1, keepdims=True)
        self._cdf = np.cumsum(self.topic_word, axis=1)
        self._cdf[:, -1] = 1.0
        # Mean length of a word under the corpus's marginal word distribution (theta is
        # symmetric, so every topic weighs the same), then words per document.
        lengths = np.array([len(w) for w in self.vocabulary])
        self.mean_word_chars = float(self.topic_word.mean(axis=0) @ lengths)
        self.punct_rate = 1.0 / clause_words
        self.mean_words = doc_chars / (self.mean_word_chars + self.punct_rate)
        # Every (word, punctuation after it) piece: id = word * (P + 1) + punctuation (0: none).
        self._pieces = np.array([w + p for w in self.vocabulary for p in ("", *PUNCTUATION)], dtype=object)
        self._punct_cdf = np.cumsum(PUNCTUATION_P) / sum(PUNCTUATION_P)

    def batch(self, index: int, n: int) -> Batch:
        """Documents ``index * BATCH_DOCS`` … ``+ n`` (``n <= BATCH_DOCS``) from batch ``index``'s stream.

        The whole batch is always drawn (then cut to ``n``), so a document does not depend
        on how many documents are asked for."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 1, index]))
        k, full = self.k, BATCH_DOCS
        theta = rng.dirichlet(np.full(k, self.alpha), size=full)
        bad = ~np.isfinite(theta).all(axis=1) | (theta.sum(axis=1) <= 0)
        if bad.any():  # all gamma draws underflowed: one topic takes everything
            theta[bad] = np.eye(k)[rng.integers(0, k, bad.sum())]
        n_words = np.maximum(rng.poisson(self.mean_words, full), 3)
        offsets = np.concatenate([[0], np.cumsum(n_words)])
        total = int(offsets[-1])
        doc_of = np.repeat(np.arange(full), n_words)
        cum = np.cumsum(theta, axis=1)
        cum[:, -1] = 1.0
        z = (rng.random(total)[:, None] > cum[doc_of]).sum(axis=1)
        words = np.empty(total, dtype=np.int64)
        u = rng.random(total)
        for t in range(k):
            where = z == t
            words[where] = np.searchsorted(self._cdf[t], u[where], side="right")
        np.minimum(words, len(self.vocabulary) - 1, out=words)
        counts = np.bincount(doc_of * k + z, minlength=full * k).reshape(full, k)
        planted = np.argmax(counts + theta * 1e-3, axis=1)
        share = counts[np.arange(full), planted] / n_words
        # Punctuation after a word with probability 1/clause_words; the last word ends with 。
        punct = np.where(
            rng.random(total) < self.punct_rate,
            np.searchsorted(self._punct_cdf, rng.random(total), side="right") + 1,
            0,
        )
        punct = np.minimum(punct, len(PUNCTUATION))
        punct[offsets[1:] - 1] = 2  # 。
        end = int(offsets[n])
        theta, planted, share, words, punct, offsets = (
            theta[:n],
            planted[:n],
            share[:n],
            words[:end],
            punct[:end],
            offsets[: n + 1],
        )
        pieces = self._pieces[words * (len(PUNCTUATION) + 1) + punct].tolist()
        texts = ["".join(pieces[offsets[i] : offsets[i + 1]]) for i in range(n)]
        return Batch(
            index * BATCH_DOCS,
            texts,
            theta.astype(np.float32),
            planted.astype(np.int16),
            share.astype(np.float32),
            words,
            offsets,
        )

    def batches(self, n_docs: int) -> Iterator[Batch]:
        for index in range(-(-n_docs // BATCH_DOCS)):
            yield self.batch(index, min(BATCH_DOCS, n_docs - index * BATCH_DOCS))

    def empty_truth(self, n_docs: int) -> PlantedTruth:
        return PlantedTruth(
            vocabulary=list(self.vocabulary),
            word_topic=self.word_topic.copy(),
            topic_word=self.topic_word.copy(),
            theta=np.zeros((n_docs, self.k), dtype=np.float32),
            planted_topic=np.full(n_docs, -1, dtype=np.int16),
            planted_share=np.zeros(n_docs, dtype=np.float32),
            params=dict(self.params, n_docs=n_docs),
            stats={"mean_word_chars": round(self.mean_word_chars, 4), "mean_words_per_doc": round(self.mean_words, 3)},
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fill(truth: PlantedTruth, batch: Batch) -> None:
    rows = slice(batch.start, batch.start + len(batch.texts))
    truth.theta[rows] = batch.theta
    truth.planted_topic[rows] = batch.planted_topic
    truth.planted_share[rows] = batch.planted_share


def generate_corpus(
    n_docs: int,
    k: int = 20,
    doc_chars: int = 60,
    seed: int = 0,
    vocabulary_size: int = 2000,
    alpha: float = 0.1,
    beta: float = 1.0,
    background: float = 0.05,
    stream: bool = False,
    **options,
) -> tuple[list[str] | Iterator[str], PlantedTruth]:
    """Generate ``n_docs`` unsegmented Chinese documents with ``k`` planted topics.

    Parameters
    ----------
    n_docs : int
    k : int
        Planted topics.
    doc_chars : int
        Mean document length in characters, punctuation included.
    seed : int
        Same seed and parameters, same corpus.
    vocabulary_size : int
        Planted words in all (``vocabulary_size // k`` per topic).
    alpha : float
        Symmetric Dirichlet prior of the documents' topic proportions.
    beta : float
        Symmetric Dirichlet prior of each topic's distribution over its own words.
    background : float
        Share of every topic's mass spread uniformly over the whole vocabulary.
    stream : bool
        Return an iterator of texts instead of a list; the truth's per-document arrays are
        filled as it is consumed.
    **options
        ``clause_words``, ``min_freq``, ``max_freq`` (see :class:`PlantedModel`).

    Returns
    -------
    texts : list of str or iterator of str
    truth : PlantedTruth
    """
    model = PlantedModel(
        k=k,
        doc_chars=doc_chars,
        seed=seed,
        vocabulary_size=vocabulary_size,
        alpha=alpha,
        beta=beta,
        background=background,
        **options,
    )
    truth = model.empty_truth(n_docs)

    def texts() -> Iterator[str]:
        for batch in model.batches(n_docs):
            _fill(truth, batch)
            yield from batch.texts

    if stream:
        return texts(), truth
    return list(texts()), truth


# --------------------------------------------------------------------------- writing


def write_corpus(path: Path, n_docs: int, model: PlantedModel) -> PlantedTruth:
    """Stream ``n_docs`` documents into a CSV or Parquet table with columns ``gen_id``
    (0-based index, the row of the truth arrays), ``text``, ``planted_topic`` and
    ``planted_share``; save the truth beside it (``<stem>.truth.json`` / ``.truth.npz``)."""
    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = model.empty_truth(n_docs)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: write .csv or .parquet")
    partial = path.with_name(path.name + ".partial")
    writer = None
    started = time.perf_counter()
    chars = text_bytes = 0
    with open(partial, "w", encoding="utf-8", newline="") if suffix == ".csv" else contextlib.nullcontext() as handle:
        for batch in model.batches(n_docs):
            _fill(truth, batch)
            chars += sum(len(text) for text in batch.texts)
            text_bytes += sum(len(text.encode("utf-8")) for text in batch.texts)
            frame = pd.DataFrame(
                {
                    "gen_id": np.arange(batch.start, batch.start + len(batch.texts)),
                    "text": batch.texts,
                    "planted_topic": batch.planted_topic,
                    "planted_share": np.round(batch.planted_share, 4),
                }
            )
            if suffix == ".csv":
                frame.to_csv(handle, header=batch.start == 0, index=False)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema)
                writer.write_table(table)
    if writer is not None:
        writer.close()
    partial.replace(path)
    truth.stats.update(
        {
            "documents": n_docs,
            "characters": chars,
            "mean_chars_per_doc": round(chars / max(n_docs, 1), 3),
            "text_bytes": text_bytes,
            "bytes": path.stat().st_size,
            "generate_seconds": round(time.perf_counter() - started, 3),
        }
    )
    truth.save(path.with_suffix(""))
    return truth


# --------------------------------------------------------------------------- survival


def segmentation_survival(model: PlantedModel, n_sample: int = 2000, segment_params=None) -> dict:
    """How much of the planted words the project's segmenter gives back, on the first
    ``n_sample`` documents.

    Returns
    -------
    dict
        ``token_recall``: share of planted word occurrences found among the document's kept
        tokens (multiset intersection); ``token_precision``: share of kept tokens that are
        planted words of that document; ``vocabulary_survival``: share of the planted words
        occurring in the sample that come out as a token at least once; the most common
        ``lost_words`` and ``foreign_tokens`` (tokens that are not planted words), with counts.
    """
    from zhtopics.params import load_params
    from zhtopics.segment import Segmenter

    segmenter = Segmenter(segment_params or load_params().segment)
    batch = model.batch(0, min(n_sample, BATCH_DOCS))
    planted_total = kept_total = matched = 0
    seen, survived = set(), set()
    lost, foreign = Counter(), Counter()
    vocabulary = model.vocabulary
    started = time.perf_counter()
    for i, text in enumerate(batch.texts):
        planted = Counter(vocabulary[w] for w in batch.doc_words(i))
        kept = Counter(segmenter.tokens(text))
        common = planted & kept
        matched += sum(common.values())
        planted_total += sum(planted.values())
        kept_total += sum(kept.values())
        seen |= planted.keys()
        survived |= common.keys()
        lost.update(planted - kept)
        foreign.update(kept - planted)
    return {
        "documents": len(batch.texts),
        "planted_tokens": planted_total,
        "kept_tokens": kept_total,
        "token_recall": round(matched / max(planted_total, 1), 4),
        "token_precision": round(matched / max(kept_total, 1), 4),
        "vocabulary_survival": round(len(survived) / max(len(seen), 1), 4),
        "planted_words_seen": len(seen),
        "lost_words": [[w, c] for w, c in lost.most_common(15)],
        "foreign_tokens": [[w, c] for w, c in foreign.most_common(15)],
        "seconds": round(time.perf_counter() - started, 3),
    }


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic Chinese corpus with planted topics.")
    parser.add_argument("n_docs", type=int)
    parser.add_argument("--out", type=Path, required=True, help=".csv or .parquet")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--doc-chars", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocabulary-size", type=int, default=2000)
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--background", type=float, default=0.05)
    parser.add_argument(
        "--survival-sample",
        type=int,
        default=2000,
        help="documents segmented to measure how many planted words survive (0: skip)",
    )
    args = parser.parse_args(argv)
    model = PlantedModel(
        k=args.k,
        doc_chars=args.doc_chars,
        seed=args.seed,
        vocabulary_size=args.vocabulary_size,
        alpha=args.alpha,
        beta=args.beta,
        background=args.background,
    )
    truth = write_corpus(args.out, args.n_docs, model)
    if args.survival_sample:
        truth.stats["segmentation_survival"] = segmentation_survival(model, args.survival_sample)
        truth.save(Path(args.out).with_suffix(""))
    print(json.dumps({"out": str(args.out), **truth.stats}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
