"""What the filters kept and removed: ``token_filter.csv`` and ``token_filter_by_tag.csv``.

Both come from the tally of :meth:`zhtopics.segment.Segmenter.segment` (every token
counted by ``(reason, tag, token)``, reason None for a kept token), before phrases and
``filter_extremes``.

``token_filter.csv``, one row per filter reason (:data:`FILTER_REASONS`): ``reason``,
``tokens_removed``, ``distinct_tokens``, ``examples`` (the 20 most frequent), and
``tags`` (the part-of-speech tags of the removed tokens, most frequent first, as
``tag:occurrences``).

``token_filter_by_tag.csv``, one row per part-of-speech tag and outcome (``kept`` or a
filter reason) that occurred: ``tag``, ``tag_name`` (:mod:`zhtopics.segment.tags`),
``outcome``, ``tokens`` (occurrences), ``distinct_tokens``, ``share_of_tag`` (of the
tag's occurrences), ``examples`` (the 20 most frequent), and for kept rows
``allowlisted_tokens`` and ``allowlisted_examples``: the occurrences kept only because
an allow-list names them (without it they would be removed). Tags are ordered by their
occurrences, outcomes as ``kept`` then :data:`FILTER_REASONS`.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from zhtopics.segment.segmenter import FILTER_REASONS, HASHTAG_TAG, Segmenter
from zhtopics.segment.tags import tag_name

#: The outcome of a kept token in ``token_filter_by_tag.csv``.
KEPT = "kept"
EXAMPLES = 20
BY_TAG_COLUMNS = [
    "tag",
    "tag_name",
    "outcome",
    "tokens",
    "distinct_tokens",
    "share_of_tag",
    "examples",
    "allowlisted_tokens",
    "allowlisted_examples",
]


def _examples(counter: Counter) -> str:
    return " ".join(word for word, _ in counter.most_common(EXAMPLES))


def token_filter_table(tally: Counter) -> pd.DataFrame:
    """``token_filter.csv``: per filter reason, tokens removed, distinct tokens, the 20 most
    frequent and the tags of the removed tokens (module docstring)."""
    tokens: dict[str, Counter] = defaultdict(Counter)
    tags: dict[str, Counter] = defaultdict(Counter)
    for (reason, tag, token), n in tally.items():
        if reason is not None:
            tokens[reason][token] += n
            tags[reason][tag] += n
    rows = []
    for reason in FILTER_REASONS:
        counter = tokens.get(reason, Counter())
        rows.append(
            {
                "reason": reason,
                "tokens_removed": sum(counter.values()),
                "distinct_tokens": len(counter),
                "examples": _examples(counter),
                "tags": " ".join(f"{tag}:{n}" for tag, n in tags.get(reason, Counter()).most_common()),
            }
        )
    return pd.DataFrame(rows)


def token_filter_by_tag_table(tally: Counter, segmenter: Segmenter) -> pd.DataFrame:
    """``token_filter_by_tag.csv``: per tag and outcome, what was kept and what was removed
    (module docstring). ``segmenter`` (the one that made ``tally``) tells which kept tokens
    only an allow-list kept."""
    by_tag: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    allowlisted: dict[str, Counter] = defaultdict(Counter)
    for (reason, tag, token), n in tally.items():
        outcome = KEPT if reason is None else reason
        by_tag[tag][outcome][token] += n
        if reason is None and tag != HASHTAG_TAG and segmenter.classify(token, tag, allowlist=False)[0] is not None:
            allowlisted[tag][token] += n
    totals = {tag: sum(sum(counter.values()) for counter in outcomes.values()) for tag, outcomes in by_tag.items()}
    rows = []
    for tag in sorted(by_tag, key=lambda tag: (-totals[tag], tag)):
        for outcome in (KEPT, *FILTER_REASONS):
            counter = by_tag[tag].get(outcome)
            if not counter:
                continue
            n = sum(counter.values())
            kept_by_list = allowlisted[tag] if outcome == KEPT else Counter()
            rows.append(
                {
                    "tag": tag,
                    "tag_name": tag_name(tag),
                    "outcome": outcome,
                    "tokens": n,
                    "distinct_tokens": len(counter),
                    "share_of_tag": round(n / totals[tag], 4),
                    "examples": _examples(counter),
                    "allowlisted_tokens": sum(kept_by_list.values()),
                    "allowlisted_examples": _examples(kept_by_list),
                }
            )
    return pd.DataFrame(rows, columns=BY_TAG_COLUMNS)
