"""`zhtopics init DIR`: a study folder of one's own, run with its own lexicons and none of the seed study's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhtopics.cli import main
from zhtopics.params import load_params
from zhtopics.results import RunResults

SUBJECTS = {
    "外卖": ["外卖", "骑手", "配送", "超时", "商家", "餐厅", "送达", "订单"],
    "手机": ["手机", "屏幕", "电池", "续航", "拍照", "系统", "充电", "价格"],
    "教育": ["学校", "老师", "学生", "考试", "作业", "课程", "家长", "成绩"],
}


def _posts(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        subject = list(SUBJECTS)[i % 3]
        words = rng.choice(SUBJECTS[subject], 6)
        text = "，".join(a + "和" + b for a, b in zip(words[::2], words[1::2], strict=True)) + "，直播带货。"
        rows.append({"mid": f"m{i}", "user": f"u{i % 5}", "content": text, "date": f"2024-0{1 + i % 9}-01"})
    return pd.DataFrame(rows)


def test_init_then_run_uses_the_studys_own_lexicons(tmp_path, monkeypatch):
    study = tmp_path / "study"
    assert main(["init", str(study), "-q"]) == 0
    for name in ("params.yaml", "README.md", "lexicon/userdict.txt", "lexicon/stopwords.txt", "lexicon/themes.yaml"):
        assert (study / name).is_file(), name
    assert (study / "data" / "raw").is_dir()
    # the user's edits: the text column, a domain term, one theme
    params = (study / "params.yaml").read_text(encoding="utf-8").replace("text_column: text", "text_column: content")
    (study / "params.yaml").write_text(params, encoding="utf-8")
    with open(study / "lexicon" / "userdict.txt", "a", encoding="utf-8") as handle:
        handle.write("直播带货 n\n")
    (study / "lexicon" / "themes.yaml").write_text(
        "themes:\n  - id: delivery\n    name: 配送与时效\n    seeds: [外卖, 骑手, 配送, 超时]\n", encoding="utf-8"
    )
    _posts().to_excel(study / "data" / "raw" / "posts.xlsx", index=False)
    config = tmp_path / "fast.yaml"
    config.write_text("sweep: {k: [3], seeds: [1], engines: [tomotopy]}\n", encoding="utf-8")
    monkeypatch.chdir(study)
    argv = ["run", "data/raw/posts.xlsx", "--out", ".", "--config", str(config), "--no-report", "-q"]
    assert main(argv) == 0
    run = RunResults.from_folder(study)
    tokens = {token for tokens in run.tokens["tokens"] for token in tokens}
    assert "直播带货" in tokens and "直播" not in tokens  # the study's user dictionary kept it whole
    labels = run.labels["label"].tolist()
    assert "配送与时效" in labels  # the study's theme names a topic
    assert not {"信任与品质", "物流与货源"} & set(
        labels + run.labels["runner_up"].tolist()
    )  # nothing of the seed study
    lexicon = run.run_manifest["lexicon"]
    assert lexicon["segment.userdict"]["path"] == "lexicon/userdict.txt"
    assert lexicon["themes.file"]["path"] == "lexicon/themes.yaml"


def test_init_never_overwrites_a_study(tmp_path):
    assert main(["init", str(tmp_path), "-q"]) == 0
    (tmp_path / "params.yaml").write_text("corpus:\n  text_column: body\n", encoding="utf-8")
    assert main(["init", str(tmp_path), "-q"]) == 2
    assert load_params(tmp_path / "params.yaml").corpus.text_column == "body"


def test_a_study_without_themes_names_topics_by_their_words(tmp_path):
    assert main(["init", str(tmp_path / "s"), "-q"]) == 0
    params = load_params(tmp_path / "s" / "params.yaml")
    from zhtopics.themes import load_themes

    assert load_themes(params.themes.file) == []
    with pytest.raises(Exception, match="expected a list under 'themes:'"):
        bad = tmp_path / "bad.yaml"
        bad.write_text("themes: 3\n", encoding="utf-8")
        load_themes(bad)
