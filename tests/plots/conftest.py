"""Fixtures of the figure tests: small stand-ins for the tables the figures read, and a glossary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def glossary() -> dict[str, str]:
    return {"微信电商": "WeChat e-commerce", "物流": "logistics", "流量与红利": "traffic and dividends"}


@pytest.fixture(scope="module")
def tables() -> dict:
    """Small stand-ins for every table the figures read (not the project's files)."""
    engines, ks, seeds = ["gensim", "tomotopy"], [2, 3, 4], [1, 2]
    rng = np.random.default_rng(0)
    sweep = pd.DataFrame(
        [
            {
                "engine": e,
                "k": k,
                "seed": s,
                "c_v": 0.4 + 0.01 * k + 0.02 * rng.random(),
                "c_npmi": -0.2 + 0.03 * rng.random(),
                "u_mass": -8.0 - rng.random(),
                "diversity": 0.8 + 0.1 * rng.random(),
                "seconds": 0.1 + 0.01 * s,
            }
            for e in engines
            for k in ks
            for s in seeds
        ]
    )
    stability = pd.DataFrame(
        [
            {"engine": e, "k": k, "stability": 0.9 - 0.05 * k, "stability_sd": 0.03, "pairs": 1}
            for e in engines
            for k in ks
        ]
    )
    choice = {
        "engine": "tomotopy",
        "k": 3,
        "metric": "c_v",
        "min_stability": 0.6,
        "tolerance": 0.02,
        "best": {"engine": "tomotopy", "k": 4, "metric_mean": 0.45, "metric_sd": 0.02},
    }
    words = ["微信电商", "物流", "朋友圈", "公众号", "信任", "流量"]
    topics = pd.DataFrame(
        [
            {"topic": t, "rank": r + 1, "word": words[(t + r) % len(words)], "weight": 0.3 / (r + 1)}
            for t in range(3)
            for r in range(4)
        ]
    )
    labels = pd.DataFrame(
        {
            "topic": [0, 1, 2],
            "label": ["流量与红利", "物流 · 朋友圈", "信任与品质"],
            "theme_en": ["traffic and dividends", None, "trust and quality"],
        }
    )
    article_topics = pd.DataFrame(
        {
            "article_id": ["a01", "a02", "a03"],
            "article_title": ["微信电商走不通的八个理由", "一个很长很长很长很长很长很长很长的文章标题", "空"],
            "paragraphs": [3, 2, 1],
            "tokens": [30, 20, 0],
            "dominant_topic": [0, 2, None],
            "topic_0": [0.7, 0.1, np.nan],
            "topic_1": [0.2, 0.3, np.nan],
            "topic_2": [0.1, 0.6, np.nan],
            "copy_of": ["", "", ""],
            "copied_share": [0.0, 0.0, 0.0],
        }
    )
    # results/prevalence_by_group.csv of the same articles: a02 (2 paragraphs) and a03 (1) are thin
    prevalence = pd.DataFrame(
        [
            {
                "group": row.article_id,
                "topic": t,
                "share": getattr(row, f"topic_{t}"),
                "low": max(0.0, getattr(row, f"topic_{t}") - 0.1) if row.paragraphs > 1 else np.nan,
                "high": min(1.0, getattr(row, f"topic_{t}") + 0.1) if row.paragraphs > 1 else np.nan,
                "n_docs": row.paragraphs,
                "n_tokens": row.tokens,
            }
            for row in article_topics.itertuples()
            for t in range(3)
        ]
    )
    engine_comparison = pd.DataFrame(
        {
            "engine": ["tomotopy", "gensim"],
            "k": [3, 3],
            "seed": [1, 2],
            "chosen": [True, False],
            "c_v": [0.45, 0.41],
            "c_npmi": [-0.05, -0.17],
            "u_mass": [-8.1, -8.5],
            "diversity": [0.9, 0.7],
            "stability": [0.75, 0.61],
        }
    )
    topic_word = rng.dirichlet(np.full(6, 0.3), size=3)
    return {
        "articles": pd.DataFrame(
            {
                "article_id": ["a01", "a02"],
                "article_title": ["微信电商走不通的八个理由", "微商失败的十大原因"],
                "paragraphs_kept": [5, 0],
                "duplicates_elsewhere": [0, 4],
            }
        ),
        "documents": pd.DataFrame({"doc_id": [f"d{i}" for i in range(20)], "n_chars": rng.integers(10, 120, 20)}),
        "removed": pd.DataFrame(
            {
                "reason": [
                    "site boilerplate",
                    "exact duplicate of a01-p002",
                    "near duplicate (Jaccard 0.87) of a01-p003",
                    "byline",
                ]
            }
        ),
        "term_counts": pd.Series({"微信电商": 30, "物流": 12, "朋友圈": 9, "公众号": 7, "信任": 5, "流量": 5}),
        "sweep": sweep,
        "stability": stability,
        "choice": choice,
        "topics": topics,
        "labels": labels,
        "article_topics": article_topics,
        "prevalence": prevalence,
        # results/prevalence_by_time.csv: three years, topic 0 rising
        "prevalence_by_time": pd.DataFrame(
            [
                {
                    "period": str(2014 + y),
                    "topic": t,
                    "share": share,
                    "low": share - 0.05,
                    "high": share + 0.05,
                    "n_docs": 10 + y,
                    "n_tokens": 100,
                }
                for y in range(3)
                for t, share in enumerate([0.2 + 0.2 * y, 0.5 - 0.1 * y, 0.3 - 0.1 * y])
            ]
        ),
        "engine_comparison": engine_comparison,
        "topic_word": topic_word,
    }
