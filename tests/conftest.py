"""Shared fixtures: the seed corpus prepared and segmented once per test session."""

from __future__ import annotations

import pytest

from zhtopics.config import PROJECT_ROOT, OutputPaths, load_params
from zhtopics.corpus import prepare_corpus, write_prepared
from zhtopics.segment import segment_documents, write_segmented

SEED_FILE = PROJECT_ROOT / "data" / "raw" / "wechat_ecommerce_failure_articles.txt"


@pytest.fixture(scope="session")
def params() -> dict:
    return load_params()


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """The raw seed file's lines, 1-based through ``seed_lines[n - 1]``."""
    return SEED_FILE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def seed_prepared(params):
    return prepare_corpus(SEED_FILE, params["corpus"])


@pytest.fixture(scope="session")
def seed_outputs(tmp_path_factory, params, seed_prepared) -> OutputPaths:
    """Stage 1 and 2 outputs of the seed corpus, written once under a temporary folder."""
    paths = OutputPaths(tmp_path_factory.mktemp("seed"))
    write_prepared(seed_prepared, paths)
    write_segmented(segment_documents(seed_prepared.documents, params["segment"]), paths)
    return paths

