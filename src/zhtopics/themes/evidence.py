"""Evidence for a topic: the paragraphs that carry it most."""

from __future__ import annotations

import pandas as pd


def topic_evidence(doc_topics: pd.DataFrame, k: int, per_topic: int = 5) -> pd.DataFrame:
    """The ``per_topic`` paragraphs with the highest share of each topic (documents with tokens only).

    Ties are broken by ``doc_id``. Only the share and id columns are sorted, so the memory
    needed is a few numbers per document, not a copy of the table with its texts.
    """
    rows = []
    usable = doc_topics.index[doc_topics["n_tokens"].to_numpy() > 0]
    doc_ids = doc_topics.loc[usable, "doc_id"].astype(str)
    for topic in range(k):
        column = f"topic_{topic}"
        shares = doc_topics.loc[usable, column]
        # candidates: every row at least as high as the per_topic-th highest share (ties included)
        threshold = shares.nlargest(per_topic, keep="all").min() if len(shares) else 0.0
        candidates = pd.DataFrame({"share": shares[shares >= threshold], "doc_id": doc_ids[shares >= threshold]})
        best = candidates.sort_values(["share", "doc_id"], ascending=[False, True], kind="stable").head(per_topic)
        for rank, (index, share) in enumerate(best["share"].items(), start=1):
            row = doc_topics.loc[index]
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "doc_id": row["doc_id"],
                    "share": round(float(share), 4),
                    "article_id": row.get("article_id", ""),
                    "article_title": row.get("article_title", ""),
                    "text": row["text"],
                }
            )
    return pd.DataFrame(rows, columns=["topic", "rank", "doc_id", "share", "article_id", "article_title", "text"])
