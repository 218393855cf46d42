"""The topics section of the findings: every topic's name, words, seed support and evidence."""

from __future__ import annotations

import pandas as pd

from zhtopics.report.summary import _topics_section
from zhtopics.wording import ARTICLES

LABELS = pd.DataFrame(
    {
        "topic": [0, 1],
        "label": ["物流与货源", "信任 · 口碑 · 售后"],
        "theme_id": ["logistics", ""],
        "theme": ["物流与货源", ""],
        "theme_en": ["logistics", ""],
        "score": [0.4, 0.05],
        "runner_up": ["信任", "物流与货源"],
        "runner_up_score": [0.1, 0.02],
        "top_words": ["物流 快递 仓库", "消费者 信任 口碑"],
        "distinctive_words": ["物流 仓库 快递", "信任 口碑 售后"],
        "seeds_found": [5, 3],
        "seeds": [5, 5],
    }
)
EVIDENCE = pd.DataFrame(
    {
        "topic": [0, 0, 0, 1],
        "rank": [1, 2, 3, 1],
        "doc_id": ["a1-p1", "a2-p4", "a3-p2", "a1-p7"],
        "share": [0.97, 0.9, 0.8, 0.66],
        "article_id": ["a1", "a2", "a3", "a1"],
        "article_title": ["物流之殇", "快递难题", None, "信任危机"],
        "text": ["货源不稳定,物流慢。", "快递成本高" * 60, "仓库|库存", "口碑*靠*售后"],
        "label": ["物流与货源"] * 3 + ["信任 · 口碑 · 售后"],
    }
)
CONSENSUS = {
    "seeds": [1, 2, 3, 4, 5],
    "reference_seed": 4,
    "min_similarity": 0.5,
    "min_agreement": 0.75,
    "documents_with_tokens": 40,
    "flips_between_seeds": 6,
}


def test_every_topic_has_its_name_words_seed_support_and_evidence_with_titles():
    text = "\n".join(_topics_section(LABELS, EVIDENCE, CONSENSUS, ARTICLES))
    assert "| 0 | 物流与货源 | 5 of 5 |" in text and "| 1 | 信任 · 口碑 · 售后 | 3 of 5 |" in text
    assert "**Topic 1: 信任 · 口碑 · 售后** (found by 3 of 5 seeds). Top words: 消费者 信任 口碑." in text
    assert "1. 物流之殇 (97%): 货源不稳定,物流慢。" in text  # a comma is not Markdown: as written
    assert "1. 信任危机 (66%): 口碑\\*靠\\*售后" in text  # paragraphs are escaped: they show as written
    assert "3.  (80%): 仓库\\|库存" in text  # no title: none shown, not "nan"
    long = next(line for line in text.splitlines() if line.startswith("2. 快递难题"))
    assert long.endswith("…") and len(long) < 250  # long paragraphs are cut in the README
    assert "6 of 40 paragraphs (15%) flip between seeds" in text
