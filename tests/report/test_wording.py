"""The reports speak of the corpus at hand: a table's groups and documents, not the seed's
articles and paragraphs."""

from __future__ import annotations

import pandas as pd

from zhtopics.cli import main
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths
from zhtopics.report import list_notebooks, write_reports

TEXTS = {
    "phones": ["手机电池续航太短，充电很慢", "屏幕碎了维修价格太贵", "系统更新以后手机卡顿发热"],
    "delivery": ["外卖配送超时，骑手态度很好", "餐厅打包不严实汤洒了", "配送费越来越贵优惠券没用"],
    "school": ["学校作业太多学生压力很大", "周末补习班学费又涨了", "老师批改作业很认真负责"],
}


def test_reports_of_a_table_speak_of_groups_and_documents(tmp_path):
    rows = [
        {"id": f"{user}-{i}", "user": user, "content": f"{text}第{i}次"}
        for user, texts in TEXTS.items()
        for i in range(12)
        for text in texts[i % 3 : i % 3 + 1]
    ]
    source = tmp_path / "posts.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    config = tmp_path / "small.yaml"
    config.write_text(
        "corpus: {text_column: content, id_column: id, group_column: user}\n"
        "sweep: {engines: [tomotopy], k: [3], seeds: [1]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--config", str(config), "-q", "--no-report"]) == 0
    params = load_params(config)
    notebooks = [p for p in list_notebooks() if p.name[:2] in ("01", "05")]
    pages = {p.name: p.read_text(encoding="utf-8") for p in write_reports(OutputPaths(out), params, notebooks)}
    corpus, groups = pages["01-corpus.html"], pages["05-articles.html"]
    assert "3 groups" in corpus and "distinct documents" in corpus
    assert "distinct paragraphs" not in corpus
    assert "each group&#x27;s documents" in groups or "each group's documents" in groups
    assert "each article" not in groups.replace("&#x27;", "'")
