"""zhtopics infer: a run's final model applied to new documents."""

from __future__ import annotations

import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.inference.confidence import confidence_table
from zhtopics.params import load_params

from ..conftest import SEED_FILE
from ..planted_run import planted_run

#: Share of training documents whose inferred dominant topic must equal their training one.
#: Measured on all 400 documents of this corpus: tomotopy 0.995, dmm 0.9975, gensim 0.9975
#: (inference uses the reference seed's library model; the training assignments are the
#: consensus of two seeds, so a document on the edge of two topics may differ).
MIN_AGREEMENT = 0.95


@pytest.fixture(scope="module", params=["tomotopy", "dmm", "gensim"])
def run(request, tmp_path_factory):
    return planted_run(tmp_path_factory.mktemp(f"planted_{request.param}"), engine=request.param)


def _infer(run, input_path, out, *flags) -> pd.DataFrame:
    assert main(["infer", str(run.folder), str(input_path), "--out", str(out), "-q", *flags]) == 0
    return pd.read_csv(out / "results" / "doc_topics.csv", dtype={"doc_id": str}, keep_default_na=False)


def test_training_documents_get_their_training_topics(run, tmp_path):
    new = tmp_path / "new.csv"
    pd.read_csv(run.corpus).head(150).to_csv(new, index=False)
    inferred = _infer(run, new, tmp_path / "out").set_index("doc_id")
    trained = pd.read_csv(run.folder / "results" / "doc_topics.csv", dtype={"doc_id": str}).set_index("doc_id")
    trained = trained.loc[inferred.index]
    agreement = (inferred["dominant_topic"] == trained["dominant_topic"]).mean()
    assert agreement >= MIN_AGREEMENT
    # same format as the run's: its columns in its order, then the extra columns
    run_columns = [c for c in ["doc_id", *trained.columns] if c not in ("seed_agreement", "flips_between_seeds")]
    assert list(inferred.reset_index().columns[: len(run_columns)]) == run_columns
    assert (inferred["topic_label"] == trained["topic_label"]).mean() == agreement
    assert not inferred["low_confidence"].astype(str).eq("True").any()
    assert (inferred["n_oov"] == 0).all() and (inferred["group"] == trained["group"]).all()


def test_documents_of_another_subject_are_flagged(run, tmp_path):
    other = tmp_path / "other.csv"
    texts = run.other_words + pd.read_csv(run.corpus)["content"].head(5).tolist()
    pd.DataFrame({"id": [f"x{i}" for i in range(len(texts))], "content": texts, "group": "x"}).to_csv(
        other, index=False
    )
    table = _infer(run, other, tmp_path / "out")
    flagged = table["low_confidence"].astype(str).eq("True")
    assert flagged.iloc[: len(run.other_words)].all()
    assert not flagged.iloc[len(run.other_words) :].any()
    # the seed's real paragraphs (another subject, another format) are flagged too
    seed = _infer(run, SEED_FILE, tmp_path / "seed", "--id-column", "", "--group-column", "")
    assert seed["low_confidence"].astype(str).eq("True").all()
    assert (seed.loc[seed["n_tokens"] == 0, "dominant_topic"] == -1).all()


def test_out_of_vocabulary_words_are_counted_and_listed(run, tmp_path, capsys):
    other = tmp_path / "other.csv"
    pd.DataFrame({"id": ["x0", "x1"], "content": run.other_words[:2], "group": "x"}).to_csv(other, index=False)
    table = _infer(run, other, tmp_path / "out")
    oov = pd.read_csv(tmp_path / "out" / "results" / "oov_words.csv")
    assert (table["n_words"] == table["n_tokens"] + table["n_oov"]).all()
    assert oov["count"].sum() == table["n_oov"].sum() > 0
    assert main(["infer", str(run.folder), str(other), "--out", str(tmp_path / "again")]) == 0
    assert "out of vocabulary:" in capsys.readouterr().out
    again = tmp_path / "again" / "results"
    for name in ("doc_topics.csv", "oov_words.csv"):
        assert (again / name).read_bytes() == (tmp_path / "out" / "results" / name).read_bytes()


def test_clear_errors(run, tmp_path, capsys):
    def error(*argv) -> str:
        assert main(["infer", *map(str, argv)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1
        return lines[0]

    assert "no trained model" in error(tmp_path, run.corpus, "--out", tmp_path / "o")
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"body": ["微信电商"], "id": ["a"], "group": ["g"]}).to_csv(wrong, index=False)
    assert "wrong.csv" in error(run.folder, wrong, "--out", tmp_path / "o")
    nogroup = tmp_path / "nogroup.csv"
    pd.DataFrame({"content": ["微信电商"], "id": ["a"]}).to_csv(nogroup, index=False)
    assert "--group-column ''" in error(run.folder, nogroup, "--out", tmp_path / "o")
    assert "run folder itself" in error(run.folder, run.corpus, "--out", run.folder)


def test_the_criterion_flags_each_reason():
    import numpy as np

    params = load_params().infer
    theta = np.array(
        [[0.25, 0.25, 0.25, 0.25], [0.97, 0.01, 0.01, 0.01], [0.9, 0.05, 0.03, 0.02], [0.3, 0.25, 0.25, 0.2]]
    )
    table = confidence_table(theta, np.array([10, 40, 40, 40]), np.array([0, 1, 5, 40]), params)
    assert table["low_confidence_reason"].tolist() == [
        "no known word",
        "few known words; mostly unknown words",
        "mostly unknown words",
        "flat",
    ]
