"""Incremental runs: a stage runs again exactly when its inputs, parameters or code change."""

from __future__ import annotations

import pytest

from zhtopics.cache import StageCache
from zhtopics.cli import main

from .conftest import SEED_FILE

SMALL = "sweep:\n  k: [3]\n  seeds: [1]\n  engines: [tomotopy]\nengines:\n  tomotopy:\n    iterations: 100\n"


def _ran(capsys) -> list[str]:
    """Stages that ran (not skipped) in the last command, from its output."""
    skipped = {line.split(":")[0] for line in capsys.readouterr().out.splitlines() if "unchanged since the last run" in line}
    return [stage for stage in ("prepare", "segment", "train", "themes", "figures") if stage not in skipped]


def test_stage_cache_key_and_freshness(tmp_path):
    cache = StageCache(tmp_path / "stages")
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("微信电商", encoding="utf-8")
    output.write_text("result", encoding="utf-8")
    key = cache.key([source], {"a": 1}, ["corpus.py"])
    assert not cache.is_fresh("prepare", key)
    cache.record("prepare", key, [output])
    assert cache.is_fresh("prepare", key)
    assert cache.key([source], {"a": 2}, ["corpus.py"]) != key
    assert cache.key([source], {"a": 1}, ["segment.py"]) != key
    source.write_text("社交电商", encoding="utf-8")
    assert cache.key([source], {"a": 1}, ["corpus.py"]) != key
    output.write_text("edited by hand", encoding="utf-8")
    assert not cache.is_fresh("prepare", key)


def test_run_skips_unchanged_stages_and_reruns_what_a_change_reaches(tmp_path, capsys):
    config = tmp_path / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    argv = ["run", str(SEED_FILE), "--out", str(tmp_path / "out"), "--config", str(config), "--no-report"]
    assert main(argv) == 0
    assert _ran(capsys) == ["prepare", "segment", "train", "themes", "figures"]
    assert main(argv) == 0
    assert _ran(capsys) == []
    # Only a figure parameter changes: only the figures are drawn again.
    config.write_text(SMALL + "figures:\n  top_terms: 20\n", encoding="utf-8")
    assert main(argv) == 0
    assert _ran(capsys) == ["figures"]
    # A segmentation parameter: segmentation and everything after it.
    config.write_text(SMALL + "figures:\n  top_terms: 20\nsegment:\n  min_token_chars: 1\n", encoding="utf-8")
    assert main(argv) == 0
    assert _ran(capsys) == ["segment", "train", "themes", "figures"]
    # --force runs everything.
    assert main([*argv, "--force"]) == 0
    assert _ran(capsys) == ["prepare", "segment", "train", "themes", "figures"]


@pytest.mark.parametrize("stage_file", ["corpus.py"])
def test_code_change_invalidates(tmp_path, stage_file, monkeypatch):
    import zhtopics.cache

    cache = StageCache(tmp_path)
    before = cache.key([], {}, [stage_file])
    fake = tmp_path / "package"
    fake.mkdir()
    (fake / stage_file).write_text("# changed\n", encoding="utf-8")
    monkeypatch.setattr(zhtopics.cache, "PACKAGE", fake)
    assert cache.key([], {}, [stage_file]) != before


def test_single_seed_sweep_keeps_the_final_model_instead_of_fitting_it_twice(tmp_path, monkeypatch):
    import numpy as np

    import zhtopics.train

    config = tmp_path / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(SEED_FILE), "--out", str(out), "--config", str(config), "--no-report", "--no-figures", "-q"]

    def no_second_fit(*args, **kwargs):
        raise AssertionError("the final model was fitted again")

    monkeypatch.setattr(zhtopics.train, "fit", no_second_fit)
    assert main(argv) == 0
    kept = [p for p in (out / ".cache" / "sweep").iterdir() if p.is_dir()]
    assert len(kept) == 1
    np.testing.assert_array_equal(np.load(kept[0] / "doc_topic.npy"), np.load(out / "models" / "tomotopy_k3" / "doc_topic.npy"))
