"""zhtopics validate export|score: the kit for coders and the scores of their answers.

Synthetic coders answer from the planted truth of a generated corpus (they must score
high) or at random (they must sit at chance). The tolerances for the random coders are
three standard errors of the sample at hand: sqrt(p (1 - p) / n) for a precision,
the standard deviation of the per-item values over sqrt(n) for the topic log odds, and
1 / sqrt(n) for a kappa or AMI (above their standard error for n items).

The truth coders' floors are below what they measured on this corpus (word-intrusion
precision 0.93, topic-intrusion precision 0.68 against chance 0.33 and log odds -1.8
against chance -4.3, matched kappa 0.99, AMI 0.96): topic intrusion is the hardest,
since a document's second topic is sometimes absent from its text, and then the reader
can only guess between two absent topics.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.results import RunResults

from ..planted_run import planted_run

K = 6
CONFIG = """validate:
  word_intrusion:
    items_per_topic: 30
  topic_intrusion:
    documents: 160
    top_topics: 2
  coding:
    documents: 200
"""


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate")
    # documents that mix several topics (alpha 0.5) and are long enough to show it: topic
    # intrusion asks which of a document's topics is not in it
    run = planted_run(folder, extra_config=CONFIG, k=K, alpha=0.5, doc_chars=200, vocabulary_size=300)
    assert main(["validate", "export", str(run.folder), "--out", str(folder / "kit"), "-q"]) == 0
    return run, folder / "kit"


def _planted_of_topics(run) -> np.ndarray:
    """The planted topic of each model topic: the one whose words carry most of its mass."""
    results = RunResults.from_folder(run.folder)
    dictionary, topic_word = results.model_dictionary(), results.topic_word()
    column = {word: i for i, word in enumerate(run.truth.vocabulary)}
    mass = np.zeros((topic_word.shape[0], run.truth.k))
    for word_id in range(len(dictionary)):
        if dictionary[word_id] in column:
            mass[:, run.truth.word_topic[column[dictionary[word_id]]]] += topic_word[:, word_id]
    return mass.argmax(axis=1)


def truth_coder(run, kit_folder) -> pd.DataFrame:
    """Answers from the planted truth, as a reader who knows the planted topics would give
    them: the word of another planted topic, the option topic with the fewest of its
    planted words in the text, the theme of the document's planted topic."""
    sheet = pd.read_csv(kit_folder / "for_coders" / "answers.csv", dtype=str, keep_default_na=False)
    planted = _planted_of_topics(run)
    topic_of_planted = {int(p): t for t, p in enumerate(planted)}
    column = {word: i for i, word in enumerate(run.truth.vocabulary)}
    labels = RunResults.from_folder(run.folder).labels["label"].tolist()
    answers = []
    for row in sheet.itertuples():
        if row.task == "word_intrusion":
            words = [option.split(" ", 1)[1] for option in row.options.split(" | ")]
            topics = [run.truth.word_topic[column[w]] if w in column else -1 for w in words]
            counts = pd.Series(topics).value_counts()
            answers.append(str(min(range(len(words)), key=lambda i: counts[topics[i]]) + 1))
        elif row.task == "topic_intrusion":
            options = [label_topic(labels, option) for option in row.options.split(" | ")]
            present = [
                sum(row.text.count(w) for w, p in zip(run.truth.vocabulary, run.truth.word_topic) if p == planted[t])
                for t in options
            ]
            answers.append(str(int(np.argmin(present)) + 1))
        else:
            doc = sheet_doc_index(run, row.text)
            answers.append(str(topic_of_planted.get(int(run.truth.planted_topic[doc]), len(labels)) + 1))
    return sheet.assign(answer=answers)


def sheet_doc_index(run, text: str) -> int:
    texts = pd.read_csv(run.corpus)["content"]
    return int(np.flatnonzero(texts == text)[0])


def label_topic(labels: list[str], option: str) -> int:
    name = option.split(" ", 1)[1].split(": ")[0]
    return labels.index(name)


def random_coder(kit_folder, seed: int) -> pd.DataFrame:
    sheet = pd.read_csv(kit_folder / "for_coders" / "answers.csv", dtype=str, keep_default_na=False)
    themes = len(pd.read_csv(kit_folder / "for_coders" / "themes.csv"))
    rng = np.random.default_rng(seed)
    shown = [
        len(options.split(" | ")) if task != "coding" else themes for task, options in zip(sheet.task, sheet.options)
    ]
    return sheet.assign(answer=[str(rng.integers(1, n + 1)) for n in shown])


def _score(run, kit_folder, out, *sheets) -> pd.DataFrame:
    assert (
        main(
            ["validate", "score", str(run.folder), *map(str, sheets), "--kit", str(kit_folder), "--out", str(out), "-q"]
        )
        == 0
    )
    return pd.read_csv(out / "validation_scores.csv", dtype={"topic": str})


def _value(scores, task, measure, coder, column="value") -> float:
    row = scores[
        (scores.task == task) & (scores.measure == measure) & (scores.coder == coder) & (scores.topic == "all")
    ]
    return float(row[column].iloc[0])


def test_coders_answering_from_the_truth_score_high(kit, tmp_path):
    run, folder = kit
    truth_coder(run, folder).to_csv(tmp_path / "truth.csv", index=False)
    scores = _score(run, folder, tmp_path / "scores", tmp_path / "truth.csv")
    assert _value(scores, "word_intrusion", "model_precision", "truth") >= 0.85
    assert _value(scores, "topic_intrusion", "precision", "truth") >= 0.55
    assert _value(scores, "topic_intrusion", "topic_log_odds", "truth") > 0.6 * _value(
        scores, "topic_intrusion", "topic_log_odds", "truth", "chance"
    )
    assert _value(scores, "coding", "kappa_matched", "truth") >= 0.9
    assert _value(scores, "coding", "ami", "truth") >= 0.85
    per_topic = scores[(scores.measure == "model_precision") & (scores.topic != "all")]
    assert len(per_topic) == K


def test_coders_answering_at_random_sit_at_chance(kit, tmp_path):
    run, folder = kit
    random_coder(folder, 1).to_csv(tmp_path / "r1.csv", index=False)
    random_coder(folder, 2).to_csv(tmp_path / "r2.csv", index=False)
    scores = _score(run, folder, tmp_path / "scores", tmp_path / "r1.csv", tmp_path / "r2.csv")
    for task, measure in (("word_intrusion", "model_precision"), ("topic_intrusion", "precision")):
        p = _value(scores, task, measure, "r1", "chance")
        n = _value(scores, task, measure, "r1", "n")
        assert abs(_value(scores, task, measure, "r1") - p) <= 3 * np.sqrt(p * (1 - p) / n)
    # the topic log odds, recomputed from the key: same mean, and at chance
    key = pd.read_csv(folder / "answer_key.csv", dtype=str, keep_default_na=False).set_index("item_id")
    answers = pd.read_csv(tmp_path / "r1.csv", dtype=str).set_index("item_id")["answer"]
    items = key.index[key["task"] == "topic_intrusion"]
    per_item = []
    for item in items:
        shares = np.maximum([float(x) for x in key.loc[item, "option_shares"].split("|")], 1e-6)
        per_item.append(np.log(shares[int(key.loc[item, "answer"]) - 1]) - np.log(shares[int(answers[item]) - 1]))
    tlo, chance = (_value(scores, "topic_intrusion", "topic_log_odds", "r1", c) for c in ("value", "chance"))
    assert tlo == pytest.approx(np.mean(per_item), abs=1e-5)
    assert abs(tlo - chance) <= 3 * np.std(per_item) / np.sqrt(len(per_item))
    n = _value(scores, "coding", "ami", "r1", "n")
    assert abs(_value(scores, "coding", "ami", "r1")) <= 3 / np.sqrt(n)
    kappa, chance = (_value(scores, "coding", "kappa_matched", "r1", c) for c in ("value", "chance"))
    assert chance > 0 and abs(kappa - chance) <= 3 / np.sqrt(n)
    for task in ("word_intrusion", "topic_intrusion", "coding"):
        row = scores[(scores.task == task) & (scores.measure == "intercoder_kappa")]
        assert abs(float(row["value"].iloc[0])) <= 3 / np.sqrt(float(row["n"].iloc[0]))


def test_the_kit_is_reproducible_offline_and_keeps_the_truth_apart(kit, tmp_path):
    run, folder = kit
    assert main(["validate", "export", str(run.folder), "--out", str(tmp_path / "again"), "-q"]) == 0
    for name in ("for_coders/answers.csv", "for_coders/validation.html", "for_coders/themes.csv", "answer_key.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes()
    sheet = pd.read_csv(folder / "for_coders" / "answers.csv", dtype=str, keep_default_na=False)
    counts = sheet["task"].value_counts().to_dict()
    assert counts == json.loads((folder / "kit.json").read_text())["items"]
    assert counts["coding"] == 200 and counts["topic_intrusion"] == 160 and K <= counts["word_intrusion"] <= 30 * K
    assert not (set(sheet["answer"]) - {""})  # the coders' sheet has no answers
    coders = {path.name for path in (folder / "for_coders").iterdir()}
    assert coders == {"answers.csv", "themes.csv", "validation.html"}
    page = (folder / "for_coders" / "validation.html").read_text(encoding="utf-8")
    assert not re.search(r"""<[a-z]+[^>]*\s(src|href)\s*=|https?://|<link|@import|fetch\(|XMLHttpRequest""", page)
    text = sheet.loc[sheet["task"] == "coding", "text"].iloc[0]
    assert text in page  # Chinese text as the input wrote it
    # the coding sample covers every dominant topic equally and every group
    key = pd.read_csv(folder / "answer_key.csv", dtype=str, keep_default_na=False)
    coded = key[key["task"] == "coding"]
    assert coded["topic"].value_counts().max() - coded["topic"].value_counts().min() <= 1 or len(coded) < 200
    groups = pd.read_csv(run.corpus).set_index("id").loc[coded["doc_id"], "group"]
    assert groups.nunique() == 3
    assert json.loads((folder / "kit.json").read_text())["params"]["seed"] == 0


def test_malformed_coder_files_give_one_line_errors(kit, tmp_path, capsys):
    run, folder = kit
    sheet = pd.read_csv(folder / "for_coders" / "answers.csv", dtype=str, keep_default_na=False)

    def error(table: pd.DataFrame) -> str:
        path = tmp_path / "coder.csv"
        table.to_csv(path, index=False)
        assert main(["validate", "score", str(run.folder), str(path), "--kit", str(folder)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "coder.csv" in lines[0]
        return lines[0]

    assert "no column 'answer'" in error(sheet.drop(columns=["answer"]))
    assert "not in the kit" in error(sheet.assign(item_id=sheet["item_id"].str.replace("W001", "W999")))
    bad = sheet.assign(answer="")
    bad.loc[0, "answer"] = "7"
    assert "not one of its options" in error(bad)
    assert main(["validate", "score", str(run.folder), str(tmp_path / "coder.csv"), "--kit", str(tmp_path)]) == 2
    assert "validate export" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_the_page_downloads_answers_the_scorer_reads(kit, tmp_path):
    """The page's own script (run by Node with a minimal DOM stand-in: page_harness.js)
    answers every item and downloads a CSV that ``validate score`` reads."""
    run, folder = kit
    harness = Path(__file__).with_name("page_harness.js")
    page = folder / "for_coders" / "validation.html"
    result = json.loads(subprocess.run(["node", str(harness), str(page)], capture_output=True, check=True).stdout)
    n_items = len(pd.read_csv(folder / "for_coders" / "answers.csv"))
    assert result["file"] == "answers_tester.csv" and result["count"] == f"{n_items} / {n_items}"
    downloaded = tmp_path / result["file"]
    downloaded.write_text(result["csv"], encoding="utf-8")
    scores = _score(run, folder, tmp_path / "scores", downloaded)
    assert _value(scores, "coding", "kappa_matched", "answers_tester", "n") == 200
