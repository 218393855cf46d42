"""The small-corpus guard: a corpus below train.small_corpus is flagged on the console, at the
top of summary.md and at the top of every report; a corpus above it is not."""

from __future__ import annotations

import logging

import nbformat

from zhtopics.cli import main
from zhtopics.params import SmallCorpusParams
from zhtopics.report.execute import notebook_html, warning_banner
from zhtopics.small_corpus import small_corpus_warning

TOPICS = ["手机电池续航太短充电很慢", "外卖配送超时骑手态度很好", "学校课程作业太多学生压力大"]


def test_a_tiny_corpus_is_flagged_on_the_console_and_in_the_summary(tmp_path):
    source = tmp_path / "posts.txt"
    source.write_text("\n".join(f"{TOPICS[i % 3]}，第{i}天" for i in range(24)) + "\n", encoding="utf-8")
    config = tmp_path / "small.yaml"
    config.write_text("sweep:\n  engines: [tomotopy]\n  k: [2, 3]\n  seeds: [1, 2]\n", encoding="utf-8")
    out = tmp_path / "out"
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("zhtopics.modeling.train")
    logger.addHandler(handler)
    try:
        assert (
            main(["run", str(source), "--out", str(out), "--config", str(config), "--no-figures", "--no-report"]) == 0
        )
    finally:
        logger.removeHandler(handler)
    # the 24 lines are near copies of 3 texts: 7 distinct documents are kept
    warning = "Small corpus: 7 documents with tokens (below 100), "
    assert any(warning in record.getMessage() for record in records)
    summary = (out / "results" / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("> **Small corpus: 7 documents with tokens (below 100)")
    # one text file of one post per line: documents in a group, not paragraphs of articles
    assert "1 group; 7 distinct documents kept; 17 pieces were removed" in summary
    assert "paragraph" not in summary and "article" not in summary.replace("article_topics", "")


def test_the_limits_are_what_decides():
    summary = {
        "documents": 145,
        "documents_without_tokens": ["a", "b"],
        "tokens_in_dictionary": 1313,
        "vocabulary": 270,
    }
    assert small_corpus_warning(summary, SmallCorpusParams(documents=100, tokens=1000, vocabulary=100)) is None
    warning = small_corpus_warning(summary, SmallCorpusParams(documents=144, tokens=1000, vocabulary=100))
    assert warning.startswith("Small corpus: 143 documents with tokens (below 144).")


def test_the_report_banner_comes_before_the_narrative():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题\n\ntext")])
    page = notebook_html(notebook, "t", "<footer></footer>", warning_banner("Small corpus: <24> documents"))
    main_part = page[page.index("<main") :]
    assert main_part.index('class="zhtopics-warning"') < main_part.index("<h1")
    assert "Small corpus: &lt;24&gt; documents" in page
