"""The peer pipelines of ``make bench`` (benchmarks/peers/) on a tiny planted corpus: each
runs, assigns every document a topic in range, and finds the planted topics better than chance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.generate import PlantedModel, write_corpus
from benchmarks.peers import PEERS, PeerSettings, run_peer, unavailable
from benchmarks.recovery import recovery_of_assignments

ROOT = Path(__file__).resolve().parents[1]
K = 4
SETTINGS = PeerSettings(
    k=K,
    seed=1,
    gensim={"passes": 2, "iterations": 50, "chunksize": 200},
    tomotopy={"iterations": 50, "workers": 1},
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """400 documents of about 60 characters from 4 planted topics over 80 words."""
    path = tmp_path_factory.mktemp("peers") / "corpus.csv"
    truth = write_corpus(path, 400, PlantedModel(k=K, seed=3, vocabulary_size=80, doc_chars=60))
    return path, truth


@pytest.mark.parametrize("name", list(PEERS))
def test_each_peer_assigns_every_document_a_topic(name, corpus):
    reason = unavailable(name)
    if reason is not None:
        pytest.skip(f"peer {name}: {reason}")
    path, truth = corpus
    result = run_peer(name, path, SETTINGS)
    assert result.dominant.shape == (400,)
    assert result.dominant.min() >= -1 and result.dominant.max() < K
    assert (result.dominant >= 0).mean() > 0.95
    recovery = recovery_of_assignments(truth, np.arange(400), result.dominant, result.topic_word, result.vocabulary)
    assert recovery["documents"]["nmi"] > 0.2, recovery["documents"]
    if result.topic_word is not None:
        assert result.topic_word.shape == (K, len(result.vocabulary))
        np.testing.assert_allclose(result.topic_word.sum(axis=1), 1.0, rtol=1e-4)
        assert recovery["topics"]["planted_words_in_dictionary"] > 0


def test_a_peer_runs_as_a_subprocess_and_writes_its_assignments(corpus, tmp_path):
    """What ``benchmarks/run.py`` measures: ``python -m benchmarks.peers``; same seed, same output."""
    path, _ = corpus
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        command = [sys.executable, "-m", "benchmarks.peers", "tutorial", str(path), "--out", str(out)]
        settings = json.dumps(SETTINGS.__dict__)
        subprocess.run([*command, "--settings", settings], cwd=ROOT, check=True, capture_output=True)
        assert json.loads((out / "peer.json").read_text(encoding="utf-8"))["stages"]["fit"] >= 0
        outputs.append(np.load(out / "dominant.npy"))
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_a_peer_that_cannot_run_says_why(monkeypatch, corpus, tmp_path):
    """A missing library or a peer module not written yet (the Spark slot) is a reason, not a crash."""
    from benchmarks import peers

    monkeypatch.setitem(
        peers.PEERS, "ghost", peers.Peer("ghost", "benchmarks.peers.ghost", ("no_such_library_x",), None, "")
    )
    assert "no_such_library_x not importable" in peers.unavailable("ghost")
    monkeypatch.setitem(peers.PEERS, "ghost", peers.Peer("ghost", "benchmarks.peers.ghost", ("numpy",), None, ""))
    assert peers.unavailable("ghost") == "benchmarks/peers/ghost.py does not exist yet"
    with pytest.raises(RuntimeError, match="peer ghost: benchmarks/peers/ghost.py does not exist yet"):
        peers.run_peer("ghost", corpus[0], SETTINGS)
