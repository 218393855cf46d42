"""The exploring API: a few lines from texts to topics and figures, through the pipeline's
stages and cache; the 00-explore notebook that shows it runs."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

import zhtopics
from zhtopics.report.execute import NOTEBOOKS, list_notebooks

from .conftest import PLANTED_TOPICS, SEED_FILE

FAST = {"sweep": {"seeds": [1], "processes": 1}, "engines": {"tomotopy": {"iterations": 200}}}


def _texts(n: int = 60) -> list[str]:
    """Unsegmented Chinese texts, all different, each about one of the planted topics."""
    import numpy as np

    rng = np.random.default_rng(7)
    texts = []
    for i in range(n):
        words = PLANTED_TOPICS[i % 3]
        texts.append("，".join("".join(rng.choice(words, 2)) for _ in range(8)) + "。")
    return texts


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    return zhtopics.Study.from_texts(_texts(), folder=folder, params=FAST).fit(engine="tomotopy", k=3)


def test_texts_to_topics_and_figures_in_a_few_lines(study):
    topics = study.topics()
    assert topics["topic"].tolist() == [0, 1, 2]
    # each planted topic is the top of one fitted topic
    tops = [set(words.split()[:4]) for words in topics["top_words"]]
    assert all(any(len(top & set(planted)) >= 3 for top in tops) for planted in PLANTED_TOPICS)
    assert len(study.doc_topics()) == 60 and study.evidence()["topic"].nunique() == 3
    for figure in (study.plot_topic_words(), study.plot_group_topics(), study.plot_top_terms()):
        assert isinstance(figure, Figure)


def test_a_step_run_again_reads_its_files(study):
    record = study.paths.stage_records / "train.json"
    stamp = record.stat().st_mtime_ns
    study.fit(engine="tomotopy", k=3)
    assert record.stat().st_mtime_ns == stamp  # skipped: nothing changed
    study.fit(engine="tomotopy", k=2)  # another K: trained again
    assert record.stat().st_mtime_ns != stamp and len(study.topics()) == 2
    study.fit(engine="tomotopy", k=3)


def test_a_run_folder_reopens_with_its_parameters(study):
    reopened = zhtopics.Study.from_run(study.paths.root)
    assert reopened.params == study.params
    pd.testing.assert_frame_equal(reopened.topics(), study.topics())


def test_a_table_keeps_its_columns_and_groups(tmp_path):
    frame = pd.DataFrame({"content": _texts(30), "user": [f"u{i % 3}" for i in range(30)], "likes": range(30)})
    study = zhtopics.Study.from_frame(frame, "content", tmp_path, group_column="user", params=FAST)
    study.fit(engine="tomotopy", k=3)
    doc_topics = study.doc_topics()
    assert doc_topics["likes"].tolist() == list(range(30))
    assert sorted(study.results.article_topics["article_title"]) == ["u0", "u1", "u2"]


def test_a_study_without_input_says_so(tmp_path):
    with pytest.raises(ValueError, match="no input"):
        zhtopics.Study(tmp_path).prepare()


def test_the_explore_notebook_runs_and_is_not_a_report(tmp_path):
    import papermill

    notebook = NOTEBOOKS / "00-explore.ipynb"
    assert notebook.exists() and notebook not in list_notebooks()
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / "explored.ipynb"),
        parameters={"corpus": str(SEED_FILE), "folder": str(tmp_path / "study"), "k": 4, "params": FAST},
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    assert (tmp_path / "study" / "results" / "topic_labels.csv").exists()
