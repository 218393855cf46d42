"""``zhtopics run --spark local[2]`` against the single-machine run on a small planted corpus.

One generated corpus (700 documents, 5 planted topics) runs once each way (module
fixture); the tests compare what they wrote. Figures and reports are left out: they read
only files compared here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary

from benchmarks.generate import PlantedModel, write_corpus
from benchmarks.recovery import recovery
from zhtopics.cli import main

SMALL = dict(k=5, vocabulary_size=250)
CONFIG = """
corpus:
  duplicates:
    # above this many rows one machine and Spark search exact duplicates only: the Spark
    # stage 1 runs (below it the driver runs one machine's, test_near_duplicates_...)
    max_docs: 100
sweep:
  engines: [tomotopy]
  seeds: [1]
engines:
  tomotopy:
    iterations: 200
themes:
  guided:
    enabled: false
spark:
  partitions: 4
spark_modeling:
  partitions: 4
"""
#: NMI against the planted topics: the Spark run may fall this far below the single-machine
#: run (same engine, seed and data; Spark infers each document's topics with the engine's
#: own inference instead of reading the fit's, which moves a few documents).
NMI_TOLERANCE = 0.05


def _argv(corpus: Path, out: Path, config: Path, spark: bool) -> list[str]:
    argv = ["run", str(corpus), "--out", str(out), "--k", "5", "--config", str(config), "-q"]
    return [*argv, "--no-figures", "--no-report", *(["--spark", "local[2]"] if spark else [])]


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark-vs-single")
    corpus = folder / "planted.csv"
    truth = write_corpus(corpus, 700, PlantedModel(seed=0, **SMALL))
    config = folder / "small.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    outs = {}
    for mode in ("single", "spark"):
        outs[mode] = folder / mode
        assert main(_argv(corpus, outs[mode], config, mode == "spark")) == 0
    return {"corpus": corpus, "config": config, "truth": truth, **outs}


def _listing(root: Path) -> set[str]:
    skip = ("spark_", "doc_topics.parquet", ".cache", "run_manifest.json")
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(skip) for part in path.relative_to(root).parts)
    }


def test_spark_run_writes_the_same_files_and_columns(runs):
    single, spark = runs["single"], runs["spark"]
    assert _listing(spark) == _listing(single)
    for name in sorted(_listing(single)):
        if name.endswith(".csv"):
            assert list(pd.read_csv(spark / name, nrows=0).columns) == list(
                pd.read_csv(single / name, nrows=0).columns
            ), name
    for name in ("data/interim/documents.parquet", "data/processed/tokens.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(spark / name), pd.read_parquet(single / name))
    # the same words and frequencies; Spark numbers them in sorted order (one machine: by first occurrence)
    words = [
        {dictionary[i]: (dictionary.dfs[i], dictionary.cfs[i]) for i in dictionary.dfs}
        for dictionary in (Dictionary.load(str(root / "data/processed/dictionary.gensim")) for root in (spark, single))
    ]
    assert words[0] == words[1]
    parquet = pd.read_parquet(spark / "results/doc_topics.parquet").drop(columns="row")
    csv = pd.read_csv(spark / "results/doc_topics.csv", dtype={"doc_id": str})
    assert parquet["doc_id"].tolist() == csv["doc_id"].tolist()
    topics = [c for c in csv.columns if c.startswith("topic_") and c != "topic_label"]
    np.testing.assert_allclose(parquet[topics].to_numpy(), csv[topics].to_numpy(), atol=1e-6)
    assert (parquet["dominant_topic"].to_numpy() == csv["dominant_topic"].to_numpy()).all()


def test_spark_recovers_the_planted_topics_as_well_as_one_machine(runs):
    single = recovery(runs["single"], runs["truth"])["documents"]["nmi"]
    spark = recovery(runs["spark"], runs["truth"])["documents"]["nmi"]
    assert spark >= single - NMI_TOLERANCE, (spark, single)
    assert spark >= 0.75


SWEEP_ON_SAMPLE = """
sweep:
  engines: [tomotopy, dmm]
  k: [3, 5, 8]
  seeds: [1, 2]
spark_modeling:
  sample:
    docs: 500
"""


def test_without_k_the_sweep_chooses_engine_and_k_on_the_sample(runs, tmp_path):
    config = tmp_path / "sweep.yaml"
    config.write_text(runs["config"].read_text(encoding="utf-8") + SWEEP_ON_SAMPLE, encoding="utf-8")
    out, single = tmp_path / "chosen", tmp_path / "chosen-on-one-machine"
    for folder, spark in ((out, ["--spark", "local[2]"]), (single, [])):
        argv = ["run", str(runs["corpus"]), "--out", str(folder), "--config", str(config), "-q", "--no-figures"]
        assert main([*argv, "--no-report", *spark]) == 0
    results = out / "results"
    choice = json.loads((results / "model_choice.json").read_text(encoding="utf-8"))
    sweep = pd.read_csv(results / "sweep.csv")
    assert (choice["sweep_documents"], choice["documents"], choice["execution"]) == (500, 700, "spark")
    assert len(sweep) == 2 * 3 * 2 and set(sweep["k"]) == {3, 5, 8}
    assert "forced_k" not in choice and choice["k"] in (3, 5, 8)
    doc_topics = pd.read_csv(results / "doc_topics.csv")
    assert sum(column.removeprefix("topic_").isdigit() for column in doc_topics.columns) == choice["topics"]
    manifest = json.loads((out / f"models/{choice['engine']}_k{choice['k']}/manifest.json").read_text(encoding="utf-8"))
    assert manifest["consensus"]["seeds"] == [1, 2]
    assert manifest["execution"]["spark"]["chosen_by"].startswith("the sweep")
    # the sample finds the K one machine finds on all documents, and a model that recovers the
    # planted topics (the engine may differ: here dmm and tomotopy tie on the sample's c_v at
    # K = 5, and one machine's sweep chose tomotopy, NMI 0.97 against dmm's 0.89)
    on_one_machine = json.loads((single / "results/model_choice.json").read_text(encoding="utf-8"))
    assert choice["k"] == on_one_machine["k"] == 5
    assert recovery(out, runs["truth"])["documents"]["nmi"] >= 0.8


def test_above_csv_max_documents_the_group_tables_come_from_spark(runs, tmp_path, capsys):
    """A corpus above spark.csv_max_documents: no doc_topics.csv, but the same group tables
    (computed per group in Spark) as the run that writes it, and the model folder."""
    corpus = tmp_path / "grouped.csv"
    table = pd.read_csv(runs["corpus"])
    table["user"] = "u" + (table["gen_id"] % 7).astype(str)
    table.to_csv(corpus, index=False)
    outs = {}
    for name, limit in (("small", 1000), ("large", 100)):
        config = tmp_path / f"{name}.yaml"
        extra = f"spark:\n  partitions: 4\n  csv_max_documents: {limit}\n"
        text = runs["config"].read_text(encoding="utf-8").replace("spark:\n  partitions: 4\n", extra)
        config.write_text(text.replace("corpus:\n", "corpus:\n  group_column: user\n"), encoding="utf-8")
        outs[name] = tmp_path / name
        argv = [
            "run",
            str(corpus),
            "--out",
            str(outs[name]),
            "--k",
            "5",
            "--config",
            str(config),
            "--spark",
            "local[2]",
        ]
        assert main([*argv, "--no-figures", "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "themes: not run: 700 documents > spark.csv_max_documents (100)" in printed
    small, large = (outs[name] / "results" for name in ("small", "large"))
    assert not (large / "doc_topics.csv").exists() and (large / "doc_topics.parquet").is_dir()
    assert (outs["large"] / "models/tomotopy_k5/manifest.json").exists()
    for name in ("topics", "topic_labels"):
        pd.testing.assert_frame_equal(pd.read_csv(large / f"{name}.csv"), pd.read_csv(small / f"{name}.csv"))
    articles = [pd.read_csv(folder / "article_topics.csv") for folder in (large, small)]
    assert len(articles[0]) == 7
    exact = ["article_id", "paragraphs", "tokens", "dominant_topic"]
    pd.testing.assert_frame_equal(articles[0][exact], articles[1][exact])
    topics = [f"topic_{t}" for t in range(5)]
    assert np.abs(articles[0][topics].to_numpy() - articles[1][topics].to_numpy()).max() <= 2e-6
    prevalence = [pd.read_csv(folder / "prevalence_by_group.csv") for folder in (large, small)]
    exact = ["group", "topic", "n_docs", "n_tokens"]
    pd.testing.assert_frame_equal(prevalence[0][exact], prevalence[1][exact])
    assert np.abs(prevalence[0]["share"] - prevalence[1]["share"]).max() <= 2e-6
    # other bootstrap draws (one generator per group): the same intervals up to resampling noise
    for bound in ("low", "high"):
        assert np.abs(prevalence[0][bound] - prevalence[1][bound]).mean() < 0.01
    assert (prevalence[0]["high"] > prevalence[0]["low"]).all()


def test_near_duplicates_below_max_docs_are_found_as_on_one_machine(spark, tmp_path):
    posts = ["物流太慢，快递三天不到，售后也没人管，真让人失望", "朋友圈卖货伤感情，熟人不好意思拒绝，只能硬着头皮买"]
    texts = [*posts, "物流太慢，快递三天不到，售后也没人管，真叫人失望", "平台流量太贵，小商家根本做不起来，只好转行"]
    table = tmp_path / "posts.csv"
    pd.DataFrame({"text": texts}).to_csv(table, index=False)
    removed = []
    for mode in ("single", "spark"):
        argv = ["run" if mode == "spark" else "prepare", str(table), "--out", str(tmp_path / mode), "-q"]
        if mode == "spark":
            argv += ["--spark", "local[2]", "--k", "2", "--no-figures", "--no-report"]
        main(argv)
        removed.append(pd.read_csv(tmp_path / mode / "data/interim/removed.csv"))
    pd.testing.assert_frame_equal(removed[1], removed[0])
    assert removed[1]["reason"].str.contains("near").any(), removed[1]


@pytest.mark.parametrize(
    "name, content",
    [("no_text.csv", "body,x\n你好世界,1\n"), ("empty.csv", ""), ("absent.csv", None), ("posts.doc", "x")],
)
def test_bad_input_gets_the_same_one_line_error(spark, tmp_path, capsys, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    errors = []
    for mode in ("single", "spark"):
        argv = ["run", str(path), "--out", str(tmp_path / mode), "-q", "--no-figures", "--no-report", "--k", "2"]
        assert main(argv + (["--spark", "local[2]"] if mode == "spark" else [])) == 2
        errors.append(capsys.readouterr().err.replace(str(tmp_path / mode), "OUT"))
    assert errors[0] == errors[1] and errors[0].count("\n") == 1, errors


def test_a_run_killed_in_segment_completes_when_run_again(runs, tmp_path, monkeypatch):
    import zhtopics.spark.segment as segment

    out = tmp_path / "killed"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(segment, "_single_machine_files", killed)
    assert main(_argv(runs["corpus"], out, runs["config"], spark=True)) == 130
    assert (out / "data/processed/spark_tokens.parquet").exists() and not (out / "results").exists()
    monkeypatch.undo()
    assert main(_argv(runs["corpus"], out, runs["config"], spark=True)) == 0
    # the same seed and partitions: the same doc_topics as the uninterrupted run
    again, before = (pd.read_csv(folder / "results/doc_topics.csv") for folder in (out, runs["spark"]))
    pd.testing.assert_frame_equal(again, before)
    shutil.rmtree(out)


def test_json_lines_with_a_broken_line_are_read_as_on_one_machine(spark, tmp_path):
    table = tmp_path / "posts.jsonl"
    table.write_text('{"text": "物流太慢，信任难建立"}\nnot json\n{"text": "朋友圈卖货伤感情"}\n', encoding="utf-8")
    for mode in ("single", "spark"):
        argv = ["prepare" if mode == "single" else "run", str(table), "--out", str(tmp_path / mode), "-q"]
        if mode == "spark":
            argv += ["--spark", "local[2]", "--k", "2", "--no-figures", "--no-report"]
        main(argv)
    for name in ("documents.parquet", "removed.csv"):
        single, spark_run = (tmp_path / mode / "data/interim" / name for mode in ("single", "spark"))
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(spark_run), read(single))
