"""The pipeline's stage cache: a stage runs again exactly when its inputs, parameters or code change."""

from __future__ import annotations

from zhtopics.cache import StageCache
from zhtopics.cli import main

from .conftest import SEED_FILE

SMALL = "sweep:\n  k: [3]\n  seeds: [1]\n  engines: [tomotopy]\nengines:\n  tomotopy:\n    iterations: 100\n"


def _ran(capsys) -> list[str]:
    """Stages that ran (not skipped) in the last command, from its output."""
    skipped = {
        line.split(":")[0] for line in capsys.readouterr().out.splitlines() if "unchanged since the last run" in line
    }
    return [stage for stage in ("prepare", "segment", "train", "themes", "figures") if stage not in skipped]


def test_stage_cache_key_and_freshness(tmp_path):
    cache = StageCache(tmp_path / "stages")
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("微信电商", encoding="utf-8")
    output.write_text("result", encoding="utf-8")
    key = cache.key([source], {"a": 1}, "code-1")
    assert not cache.is_fresh("prepare", key)
    cache.record("prepare", key, [output])
    assert cache.is_fresh("prepare", key)
    assert cache.key([source], {"a": 2}, "code-1") != key
    assert cache.key([source], {"a": 1}, "code-2") != key
    source.write_text("社交电商", encoding="utf-8")
    assert cache.key([source], {"a": 1}, "code-1") != key
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


def test_single_seed_sweep_keeps_the_final_model_instead_of_fitting_it_twice(tmp_path, monkeypatch):
    import numpy as np

    import zhtopics.modeling.train

    config = tmp_path / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(SEED_FILE), "--out", str(out), "--config", str(config), "--no-report", "--no-figures", "-q"]

    def no_second_fit(*args, **kwargs):
        raise AssertionError("the final model was fitted again")

    monkeypatch.setattr(zhtopics.modeling.train, "fit", no_second_fit)
    assert main(argv) == 0
    kept = [p for p in (out / ".cache" / "sweep").iterdir() if p.is_dir()]
    assert len(kept) == 1
    # The consensus of one seed is that seed's model (read as float32, as the cache keeps every seed's).
    for matrix in ("doc_topic.npy", "topic_word.npy"):
        np.testing.assert_allclose(
            np.load(kept[0] / matrix), np.load(out / "models" / "tomotopy_k3" / matrix), rtol=1e-5, atol=1e-7
        )


def test_only_complete_records_are_trusted(tmp_path):
    cache = StageCache(tmp_path / "stages")
    output = tmp_path / "out.txt"
    output.write_text("result", encoding="utf-8")
    key = cache.key([], {"a": 1}, "code-1")
    cache.record("prepare", key, [output])
    assert cache.is_fresh("prepare", key)
    assert [p.name for p in (tmp_path / "stages").iterdir()] == ["prepare.json"]  # written atomically, no leftovers
    record = (tmp_path / "stages" / "prepare.json").read_text(encoding="utf-8")
    # A record cut short (written by a killed process without atomic writes) is not trusted, nor fatal.
    (tmp_path / "stages" / "prepare.json").write_text(record[: len(record) // 2], encoding="utf-8")
    assert not cache.is_fresh("prepare", key)
    (tmp_path / "stages" / "prepare.json").write_text("[]", encoding="utf-8")
    assert not cache.is_fresh("prepare", key)
    cache.record("prepare", key, [output])
    cache.forget("prepare")
    assert not cache.is_fresh("prepare", key)
    # An output removed since the record: not fresh.
    cache.record("prepare", key, [output])
    output.unlink()
    assert not cache.is_fresh("prepare", key)


def test_temporary_files_are_neither_inputs_nor_outputs(tmp_path):
    cache = StageCache(tmp_path / "stages")
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "topics.csv").write_text("topic\n0\n", encoding="utf-8")
    key = cache.key([folder], {}, "code-1")
    cache.record("train", key, [folder])
    # What a writer killed mid-write leaves behind (zhtopics.atomic.atomic_path):
    (folder / ".topics.tmp-12345.csv").write_text("topic\n0\n1", encoding="utf-8")
    assert cache.key([folder], {}, "code-1") == key
    assert cache.is_fresh("train", key)
    record = (tmp_path / "stages" / "train.json").read_text(encoding="utf-8")
    assert "tmp-12345" not in record


def test_a_stage_killed_before_its_record_runs_again(tmp_path, capsys, monkeypatch):
    import zhtopics.themes.stage

    config = tmp_path / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    argv = [
        "run",
        str(SEED_FILE),
        "--out",
        str(tmp_path / "out"),
        "--config",
        str(config),
        "--no-report",
        "--no-figures",
    ]
    assert main(argv) == 0
    capsys.readouterr()
    original = zhtopics.themes.stage.run_themes

    def killed(context):  # writes part of its outputs, then the process "dies"
        context.paths.result("topic_evidence").write_text("half a fi", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(zhtopics.themes.stage, "run_themes", killed)
    assert main([*argv, "--force"]) == 130
    monkeypatch.setattr(zhtopics.themes.stage, "run_themes", original)
    capsys.readouterr()
    assert main(argv) == 0
    # The stages before it completed in the forced run and kept their records (no figures in this run).
    assert [stage for stage in _ran(capsys) if stage != "figures"] == ["themes"]
    assert (tmp_path / "out" / "results" / "topic_evidence.csv").read_text(encoding="utf-8").startswith("topic,")
