"""The Spark session's checks and the vocabulary rule, without starting Spark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary

from zhtopics.errors import ZhtopicsError
from zhtopics.params import load_params
from zhtopics.spark.session import MIN_JAVA, check_java, java_major, session_config
from zhtopics.spark.vocabulary import build_dictionary, filter_extremes


def test_java_versions_are_read_from_both_spellings():
    assert java_major('openjdk version "21.0.2" 2024-01-16') == 21
    assert java_major('java version "1.8.0_392"') == 8
    assert java_major("no java here") is None


def test_missing_java_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(ZhtopicsError) as error:
        check_java()
    assert f"Java {MIN_JAVA}" in str(error.value) and "\n" not in str(error.value)


def test_old_java_is_one_line(monkeypatch, tmp_path):
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n", encoding="utf-8")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(ZhtopicsError, match=r"needs Java 17 or later; .* is java version \"1.8.0_392\""):
        check_java()


def test_session_config_opens_nothing_and_downloads_nothing(tmp_path):
    params = load_params(overrides={"spark": {"master": "local[2]"}}).spark
    config = session_config(params, tmp_path)
    assert config["spark.ui.enabled"] == "false" and config["spark.eventLog.enabled"] == "false"
    assert not any(key.startswith("spark.jars") for key in config)
    assert config["spark.driver.bindAddress"] == "127.0.0.1"
    assert config["spark.sql.shuffle.partitions"] == str(params.partitions)


def test_filter_extremes_keeps_what_gensim_keeps():
    rng = np.random.default_rng(0)
    words = [f"w{i:03d}" for i in range(300)]
    weights = 1 / np.arange(1, len(words) + 1)
    texts = [list(rng.choice(words, size=rng.integers(0, 30), p=weights / weights.sum())) for _ in range(400)]
    dfs: dict[str, int] = {}
    cfs: dict[str, int] = {}
    for text in texts:
        for word in text:
            cfs[word] = cfs.get(word, 0) + 1
        for word in set(text):
            dfs[word] = dfs.get(word, 0) + 1
    frequencies = pd.DataFrame({"token": list(dfs), "df": list(dfs.values()), "cf": [cfs[w] for w in dfs]})
    for no_below, no_above, keep_n in ((2, 0.5, None), (5, 0.3, 40), (1, 1.0, 10)):
        expected = Dictionary(texts)
        expected.filter_extremes(no_below=no_below, no_above=no_above, keep_n=keep_n)
        kept = filter_extremes(frequencies, len(texts), no_below, no_above, keep_n)
        if keep_n is None or len(kept) < keep_n:
            assert set(kept["token"]) == set(expected.token2id)
        else:  # at the keep_n cut, ties are broken by the word here, by first occurrence in gensim
            cut = kept["df"].min()
            assert {w for w in expected.token2id if dfs[w] > cut} == set(kept.loc[kept["df"] > cut, "token"])
            assert len(kept) == len(expected)
        ours = build_dictionary(kept, len(texts), sum(cfs.values()), sum(dfs.values()))
        assert list(ours.token2id) == sorted(ours.token2id)
        assert all(ours.dfs[ours.token2id[w]] == dfs[w] for w in ours.token2id)
        assert (ours.num_docs, ours.num_pos, ours.num_nnz) == (expected.num_docs, expected.num_pos, expected.num_nnz)


def test_spark_stage_functions_load_and_their_code_keys_their_cache():
    from zhtopics.pipeline import STAGES

    with_spark = [stage for stage in STAGES if stage.spark_function is not None]
    assert [stage.name for stage in with_spark] == ["prepare", "segment", "train"]
    for stage in with_spark:
        assert callable(stage.load(spark=True))
        code = {path.as_posix() for path in stage.code_files(spark=True)}
        module = stage.spark_function.partition(":")[0].removeprefix("zhtopics.").replace(".", "/") + ".py"
        assert any(path.endswith(module) for path in code)
        assert any(path.endswith("spark/workers.py") for path in code) or stage.name == "train"
        assert stage.code_version(spark=True) != stage.code_version()
