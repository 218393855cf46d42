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
    """400 documents of about 60 characters from 4 planted topics over 300 words (BERTopic's
    embedding step, TruncatedSVD(100), needs more than 100 distinct words)."""
    path = tmp_path_factory.mktemp("peers") / "corpus.csv"
    truth = write_corpus(path, 400, PlantedModel(k=K, seed=3, vocabulary_size=300, doc_chars=60))
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


def _row(documents, wall, nmi, **name):
    return {
        "documents": documents,
        "status": "ok",
        "wall_seconds": wall,
        "peak_rss_tree_mib": 100.0,
        "peak_pss_tree_mib": 90.0,
        "recovery": {"documents": {"nmi": nmi}},
        **name,
    }


def test_targets_one_and_two_are_judged_from_the_rows():
    """Target 1 compares zhtopics with the peer fitting the same model; target 2 the default
    path with the fastest peer (2× faster, NMI at least the peer's)."""
    from benchmarks.report import DEFAULT_PATH, advice, peer_target_rows

    parts = {
        "end_to_end": {
            "runs": [
                _row(10**5, 30.0, 0.80, engine="gensim"),
                _row(10**5, 10.0, 0.90, engine=DEFAULT_PATH),
            ]
        },
        "peers": {
            "runs": [
                _row(10**5, 24.0, 0.82, pipeline="tutorial", same_model_as="gensim"),
                _row(10**5, 40.0, 0.85, pipeline="tomotopy-direct", same_model_as="tomotopy"),
            ]
        },
    }
    tutorial = next(row for row in peer_target_rows(parts) if "tutorial" in row[0])
    assert tutorial[2] == "**missed**: time by 6.0 s (1.25×), NMI by 0.020"
    tomotopy = next(row for row in peer_target_rows(parts) if "tomotopy-direct" in row[0])
    assert tomotopy[1].startswith("not measured")
    default = next(row for row in peer_target_rows(parts) if row[0].startswith("default path"))
    assert default[2] == "**met**" and "2.40× faster" in default[1]
    parts["end_to_end"]["runs"][1]["wall_seconds"] = 15.0
    default = next(row for row in peer_target_rows(parts) if row[0].startswith("default path"))
    assert default[2] == "**missed**: speed: 1.60× of 2× (needs ≤ 12.0 s, 3.0 s over)"
    assert "zhtopics' default path (dmm) is faster than every peer" in advice(parts)[0]


def test_readme_peer_section_is_the_one_the_results_render():
    """README.md's part of "Scale" between the bench-peers markers is rendered from
    benchmarks/results/ (end_to_end.json, peers.json) by benchmarks/report.py, not typed."""
    from benchmarks.report import END, START, readme_scale_section

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(START, 1)[1].split(END, 1)[0]
    assert section == "\n" + readme_scale_section(ROOT / "benchmarks" / "results")


def test_a_peer_too_slow_for_the_timeout_is_skipped_with_the_estimate():
    from benchmarks.run import _too_slow

    runs = [{"pipeline": "bertopic-sklearn", "status": "ok", "documents": 10**5, "peer_stages": {"fit": 200.0}}]
    assert _too_slow("bertopic-sklearn", 10**6, runs, timeout=3000) is None
    reason = _too_slow("bertopic-sklearn", 10**6, runs, timeout=1800)
    assert reason.startswith("its steps took 200 s at 100,000 documents, so at least 2000 s at 1,000,000")
    assert _too_slow("tutorial", 10**6, runs, timeout=1) is None  # no smaller run of its own
