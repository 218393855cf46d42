"""Shared fixtures: the seed corpus prepared and segmented once per test session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zhtopics.ingest import PreparedCorpus, prepare_corpus, write_prepared
from zhtopics.params import Params, SegmentParams, load_params
from zhtopics.paths import OutputPaths
from zhtopics.segment import segment_corpus
from zhtopics.segment.stage import BATCH_DOCUMENTS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = PROJECT_ROOT / "data" / "raw" / "wechat_ecommerce_failure_articles.txt"
#: The seed study's parameters (the project's params.yaml over the packaged defaults).
SEED_PARAMS = PROJECT_ROOT / "params.yaml"


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium without network (tests/browser.py). Skipped when it is not
    installed, except on CI (CI=true), where .ci/run installs it and its absence fails."""
    from .browser import BrowserUnavailable, OfflineBrowser, ci_requires_browser, missing

    reason = missing()
    session = None
    if reason is None:
        try:
            session = OfflineBrowser()
        except BrowserUnavailable as error:
            reason = str(error)
    if reason is not None:
        message = f"headless Chromium unavailable: {reason}"
        if ci_requires_browser():
            pytest.fail(
                f"{message}. On CI, .ci/run must install chromium and chromium-driver "
                "(apt-get install chromium chromium-driver) before `make test`.",
                pytrace=False,
            )
        pytest.skip(message)
    with session:
        yield session


@pytest.fixture(scope="session")
def params():
    """The seed study's parameters."""
    return load_params(SEED_PARAMS)


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """The raw seed file's lines, 1-based through ``seed_lines[n - 1]``."""
    return SEED_FILE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def seed_prepared(params):
    return prepare_corpus(SEED_FILE, params.corpus)


@pytest.fixture(scope="session")
def seed_outputs(tmp_path_factory, params, seed_prepared) -> OutputPaths:
    """Stage 1 and 2 outputs of the seed corpus, written once under a temporary folder."""
    return segment_prepared(seed_prepared, tmp_path_factory.mktemp("seed"), params.segment)


def segment_prepared(
    prepared: PreparedCorpus, folder: Path, segment_params: SegmentParams, batch_size: int = BATCH_DOCUMENTS
) -> OutputPaths:
    """Stages 1 and 2 below ``folder`` as ``zhtopics run`` writes them: the stage-1 tables
    (``write_prepared``), then stage 2 on them (``segment_corpus``, ``batch_size``
    documents at a time)."""
    paths = OutputPaths(folder)
    write_prepared(prepared, paths)
    segment_corpus(paths, segment_params, batch_size=batch_size)
    return paths


def segment_lines(
    lines: list[str], folder: Path, params: Params, segment_params: SegmentParams | None = None, **options
) -> OutputPaths:
    """Texts of a test through stages 1 and 2: one paragraph per line of ``folder/texts.txt``,
    read by ``prepare_corpus`` (``params.corpus``), then :func:`segment_prepared` with
    ``segment_params`` (default ``params.segment``)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "texts.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    prepared = prepare_corpus(source, params.corpus)
    return segment_prepared(prepared, folder, params.segment if segment_params is None else segment_params, **options)


def load_segmented(paths: OutputPaths):
    """Stage 2's tokens table, Dictionary (read through RunResults) and the bags of words
    (lists of ``(id, count)``, from the flat arrays)."""
    from zhtopics.modeling.data import BowCorpus
    from zhtopics.results import RunResults

    run = RunResults(paths)
    arrays = paths.bow_arrays()
    bow = BowCorpus(
        *(np.fromfile(arrays[name], dtype=arrays[name].suffix[1:]) for name in ("ids", "counts", "offsets"))
    )
    return run.tokens, run.dictionary, list(bow)


PLANTED_TOPICS = [
    ["物流", "货源", "配送", "快递", "库存", "供应商", "运输", "仓库"],
    ["信任", "口碑", "品质", "诚信", "售后", "质量", "保障", "信誉"],
    ["流量", "红利", "搜索", "广告", "曝光", "关注", "粉丝", "推广"],
]


def make_planted_input(n_docs: int = 90, doc_length: int = 30, seed: int = 0):
    """A synthetic corpus with three planted topics: each document draws 90% of its words
    from one topic's eight words and 10% from shared filler words."""
    import numpy as np
    from gensim.corpora import Dictionary

    from zhtopics.modeling import ModelInput

    rng = np.random.default_rng(seed)
    filler = ["电商", "微信", "用户", "平台"]
    texts = []
    for i in range(n_docs):
        topic = PLANTED_TOPICS[i % len(PLANTED_TOPICS)]
        words = [topic[j] if rng.random() < 0.9 else filler[j % 4] for j in rng.integers(0, 8, doc_length)]
        texts.append(words)
    dictionary = Dictionary(texts)
    return ModelInput(dictionary=dictionary, texts=texts, doc_ids=[f"d{i:03d}" for i in range(n_docs)])


@pytest.fixture(scope="session")
def planted():
    return make_planted_input()
