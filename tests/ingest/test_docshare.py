"""The docshare reader's rules on a small scrape (the seed corpus's structure: test_build.py)."""

from __future__ import annotations

from zhtopics.ingest import TextNormalizer
from zhtopics.ingest.docshare import parse_docshare


def test_docshare_parser_on_a_small_scrape():
    lines = [
        "合集标题",
        "",
        "合集下载",
        "",
        "第一篇",
        "",
        "第一篇",
        "",
        "第一篇开头的一句话。",
        "",
        "这一行被",
        "截断了。",
        "",
        "相关文档",
    ]
    parsed = parse_docshare([TextNormalizer()(line) for line in lines], "x.txt")
    assert [a["title"] for a in parsed.articles] == ["第一篇"]
    assert [p["text"] for p in parsed.paragraphs] == ["开头的一句话。", "这一行被截断了。"]
    assert parsed.paragraphs[1]["lines"] == [11, 12]
    reasons = {r["reason"] for r in parsed.removed}
    assert {"collection title", "collection header", "article title", "title repeated", "site boilerplate"} <= reasons
