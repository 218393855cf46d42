"""Labels: glosses from the glossary, topic titles, the project's glossary, removal reasons."""

from __future__ import annotations

import pandas as pd
import pytest

from zhtopics.errors import InputError
from zhtopics.plots import plot_topic_words
from zhtopics.plots.labels import gloss, load_glossary, reason_category

from ..conftest import PROJECT_ROOT


def test_gloss_and_topic_titles(tables, glossary):
    assert gloss("微信电商", glossary) == "微信电商 (WeChat e-commerce)"
    assert gloss("朋友圈", glossary) == "朋友圈" and gloss("物流", None) == "物流"
    fig = plot_topic_words(tables["topics"], tables["labels"], n_words=4, glossary=glossary)
    titles = [ax.get_title("left") for ax in fig.axes if ax.get_visible()]
    assert titles[0] == "topic 0: 流量与红利\n(traffic and dividends)"
    assert titles[1] == "topic 1: 物流 · 朋友圈\n(logistics · 朋友圈)"  # word glosses when no theme
    assert "微信电商 (WeChat e-commerce)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    plain = plot_topic_words(tables["topics"], tables["labels"], n_words=4)
    assert plain.axes[0].get_title("left") == "topic 0: 流量与红利"


def test_load_glossary(tmp_path):
    path = tmp_path / "glossary.csv"
    path.write_text("term,english\n物流,logistics\n朋友圈,\n", encoding="utf-8")
    assert load_glossary(path) == {"物流": "logistics"}
    with pytest.raises(InputError, match="not found"):
        load_glossary(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("word,gloss\n物流,logistics\n", encoding="utf-8")
    with pytest.raises(InputError, match="term,english"):
        load_glossary(tmp_path / "bad.csv")


def test_project_glossary_covers_the_themes():
    import yaml

    glossary = load_glossary(PROJECT_ROOT / "data" / "lexicon" / "glossary.csv")
    assert len(glossary) >= 60
    themes = yaml.safe_load((PROJECT_ROOT / "data" / "lexicon" / "themes.yaml").read_text(encoding="utf-8"))["themes"]
    assert {theme["name"]: glossary.get(theme["name"]) for theme in themes} == {
        theme["name"]: theme["name_en"] for theme in themes
    }
    terms = pd.read_csv(PROJECT_ROOT / "data" / "lexicon" / "glossary.csv")["term"]
    assert not terms.duplicated().any()


def test_reason_categories():
    assert reason_category("exact duplicate of a09-p002") == "duplicate"
    assert reason_category("near duplicate (Jaccard 0.87) of a09-p048") == "duplicate"
    assert reason_category("site boilerplate") == "site boilerplate"
