"""segment_texts: parallel segmentation, interning, removed counts, worker errors."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np
import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.ingest import TextNormalizer
from zhtopics.segment import FILTER_REASONS, removed_by_reason, segment_texts
from zhtopics.segment.segmenter import Segmenter

from ..conftest import segment_prepared
from .test_stage import assert_same_stage_outputs


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_parallel_segmentation_equals_serial(params, seed_prepared, tmp_path, backend):
    first_60 = dataclasses.replace(seed_prepared, documents=seed_prepared.documents.iloc[:60])
    serial = segment_prepared(
        first_60, tmp_path / "serial", params.replace(segment=dict(backend=backend, processes=1, chunk_size=10)).segment
    )
    parallel = segment_prepared(
        first_60,
        tmp_path / "parallel",
        params.replace(segment=dict(backend=backend, processes=2, chunk_size=10)).segment,
    )
    assert_same_stage_outputs(parallel, serial)


def test_removed_counts_equal_the_per_text_counts(rjieba_segmenter, seed_prepared):
    texts = seed_prepared.documents["text"].tolist()
    removed = defaultdict(Counter)
    expected = [rjieba_segmenter.tokens(text, removed) for text in texts]
    token_lists, tally = segment_texts(texts, replace(rjieba_segmenter.params, processes=2, chunk_size=40))
    assert token_lists == expected
    counted = removed_by_reason(tally)
    for reason in FILTER_REASONS:
        assert list(counted[reason].items()) == list(removed[reason].items())  # same order too
    serial_lists, serial_tally = rjieba_segmenter.segment(texts)
    assert serial_lists == expected
    assert list(tally.items()) == list(serial_tally.items())  # kept tokens by tag too, same order
    kept = sum(n for (reason, _, _), n in tally.items() if reason is None)
    assert kept == sum(map(len, expected))


@pytest.mark.parametrize("processes", [1, 2])
def test_tokens_are_interned(params, processes):
    texts = ["物流和货源是微商的难题", "微商的物流太慢", "货源与物流"] * 4
    token_lists, _ = segment_texts(
        texts, params.replace(segment=dict(backend="rjieba", processes=processes, chunk_size=3)).segment
    )
    occurrences = [token for tokens in token_lists for token in tokens if token == "物流"]
    assert len(occurrences) == 12
    assert all(token is occurrences[0] for token in occurrences)
    first, second = token_lists[0], token_lists[1]
    assert first[first.index("微商")] is second[second.index("微商")]


def test_a_worker_that_cannot_start_reports_the_error(params, tmp_path):
    bad = params.replace(
        segment=dict(backend="rjieba", userdict=str(tmp_path / "missing.txt"), processes=2, chunk_size=1)
    ).segment
    with pytest.raises(ZhtopicsError, match="missing.txt"):
        segment_texts(["物流", "货源", "信任"], bad)


def test_a_spawned_worker_that_cannot_start_reports_the_error(params, tmp_path, monkeypatch):
    # Without fork, workers build their Segmenter in the initializer; its error must come
    # back with the first task (a failing initializer would be restarted forever).
    import zhtopics.segment.workers as workers

    monkeypatch.setattr(workers, "_WORKER", None)
    monkeypatch.setattr(workers, "_WORKER_ERROR", None)
    workers._init_worker(
        params.replace(segment=dict(backend="rjieba", userdict=str(tmp_path / "missing.txt"))).segment, None, False
    )
    with pytest.raises(ZhtopicsError, match="missing.txt"):
        workers._segment_chunk(["物流"])


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_workers_normalise_as_the_segmenter_does(params, monkeypatch, start):
    """Texts as written (full-width, traditional) are normalised in the worker processes:
    forked workers adopt the parent's Segmenter, spawned ones get its normaliser pickled."""
    import multiprocessing

    if start == "spawn":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    segment_params = params.replace(segment=dict(backend="rjieba", processes=2, chunk_size=2)).segment
    segmenter = Segmenter(segment_params, normalizer=TextNormalizer("t2s"))
    texts = ["微信電商的物流，太慢！", "ＱＱ群裡的信任問題", "用戶的購買習慣很難改變。"] * 2
    expected = [Segmenter(segment_params).tokens(TextNormalizer("t2s")(text)) for text in texts]
    token_lists, _ = segment_texts(texts, segment_params, segmenter)
    assert token_lists == expected and "物流" in token_lists[0] and "QQ" in token_lists[1]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
@pytest.mark.parametrize("hashtags", [False, True])
def test_encode_is_segment_as_integers(params, seed_prepared, backend, hashtags):
    # Segmenter.encode (what the workers send) = Segmenter.segment's token lists numbered in
    # order of first occurrence, and the same tally in the same order, chunk after chunk
    texts = seed_prepared.documents["text"].tolist()[:80]
    texts += ["#医保改革# 报销方便了 ABC abc 3.5% 一个  ", "", "   ", "微信 微信\t#话题#微商"]
    listing = Segmenter(params.segment, backend=backend, hashtags=hashtags)
    encoding = Segmenter(params.segment, backend=backend, hashtags=hashtags)
    for chunk in (texts[:40], texts[40:], texts[:5], []):
        token_lists, tally = listing.segment(chunk)
        vocabulary, ids, lengths, encoded_tally = encoding.encode(chunk)
        index: dict[str, int] = {}
        expected = [index.setdefault(token, len(index)) for tokens in token_lists for token in tokens]
        assert vocabulary == list(index)
        assert ids.dtype == lengths.dtype == np.int32
        assert ids.tolist() == expected
        assert lengths.tolist() == list(map(len, token_lists))
        assert list(encoded_tally.items()) == list(tally.items())
