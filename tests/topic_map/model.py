"""A small synthetic topic model and page helpers, shared by the topic map tests (and by
tests/test_browser.py and tests/report/test_safety.py)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from zhtopics.paths import OutputPaths

K, V, D = 4, 30, 20
WORDS = [
    "微信",
    "电商",
    "平台",
    "流量",
    "红利",
    "物流",
    "货源",
    "快递",
    "库存",
    "信任",
    "口碑",
    "品质",
    "售后",
    "朋友圈",
    "代理",
    "面膜",
    "社交",
    "熟人",
    "用户",
    "商家",
    "消费者",
    "商品",
    "营销",
    "广告",
    "粉丝",
    "推广",
    "创业",
    "失败",
    "企业",
    "市场",
]


def synthetic_model(seed: int = 0, k: int = K, d: int = D) -> dict:
    """A small model: K topics over 30 Chinese words, D documents of different lengths.

    Topic ``i`` puts most of its weight on words 7i..7i+6 (so its top word is known), and
    the topics have clearly different sizes.
    """
    rng = np.random.default_rng(seed)
    topic_word = rng.dirichlet(np.full(V, 0.3), k) * 0.3
    for i in range(k):
        topic_word[i, 7 * i : 7 * i + 7] += np.linspace(0.2, 0.05, 7)
        topic_word[i, 7 * i] += 0.2 * (i + 1)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    doc_topic = rng.dirichlet(np.linspace(2.0, 0.3, k), d)
    doc_lengths = rng.integers(5, 60, d)
    return {
        "topic_word": topic_word,
        "doc_topic": doc_topic,
        "doc_lengths": doc_lengths,
        "vocab": list(WORDS),
        "term_frequency": rng.integers(1, 80, V),
    }


def page_data(page: str) -> dict:
    """The LDAvis data of a page; strict JSON (NaN or Infinity are errors)."""

    def refuse(constant):
        raise ValueError(f"{constant} in the page data")

    return json.loads(re.search(r"var data = (\{.*\});\n", page).group(1), parse_constant=refuse)


def write_model(root, model, engine="tomotopy", with_labels=True) -> OutputPaths:
    from gensim.corpora import Dictionary

    paths = OutputPaths(root)
    rng = np.random.default_rng(1)
    lengths = np.asarray(model["doc_lengths"]).copy()
    lengths[2] = 0
    docs = [list(rng.choice(WORDS, n)) for n in lengths]
    dictionary = Dictionary([WORDS])  # ids in WORDS order
    dictionary.add_documents(docs)
    folder = paths.models / f"{engine}_k{K}"
    folder.mkdir(parents=True)
    np.save(folder / "topic_word.npy", model["topic_word"])
    np.save(folder / "doc_topic.npy", model["doc_topic"])
    dictionary.save(str(folder / "dictionary.gensim"))
    paths.results.mkdir(parents=True)
    (paths.results / "model_choice.json").write_text(json.dumps({"engine": engine, "k": K}), encoding="utf-8")
    if with_labels:
        pd.DataFrame({"topic": range(K), "label": [f"标签{i}" for i in range(K)]}).to_csv(
            paths.results / "topic_labels.csv", index=False
        )
    paths.processed.mkdir(parents=True)
    pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(len(docs))], "tokens": docs, "n_tokens": lengths, "n_in_dictionary": lengths}
    ).to_parquet(paths.tokens)
    return paths
