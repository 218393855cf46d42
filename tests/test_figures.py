"""Stage 6 figures: every plot returns a Figure drawn with the bundled CJK font and no
missing-glyph warning; write_figures writes every file, reproducibly, from a small run."""

from __future__ import annotations

import io
import logging
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager
from matplotlib.image import AxesImage
from matplotlib.text import Text

from zhtopics import figures
from zhtopics.cli import main
from zhtopics.config import PROJECT_ROOT, InputError, OutputPaths, ZhtopicsError
from zhtopics.figures import (
    FONT_FAMILY,
    font_path,
    gloss,
    load_glossary,
    plot_article_topic_heatmap,
    plot_coherence_by_k,
    plot_engine_comparison,
    plot_paragraph_lengths,
    plot_paragraphs_per_article,
    plot_removed,
    plot_stability_by_k,
    plot_top_terms,
    plot_topic_similarity,
    plot_topic_words,
    plot_wordcloud,
    reason_category,
    use_style,
    write_figures,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
GLOSSARY = {"微信电商": "WeChat e-commerce", "物流": "logistics", "流量与红利": "traffic and dividends"}


# ----------------------------------------------------------------------------- small tables


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
        }
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
        "engine_comparison": engine_comparison,
        "topic_word": topic_word,
    }


PLOTS = {
    "paragraphs_per_article": lambda t: plot_paragraphs_per_article(t["articles"]),
    "paragraph_lengths": lambda t: plot_paragraph_lengths(t["documents"]),
    "removed": lambda t: plot_removed(t["removed"]),
    "top_terms": lambda t: plot_top_terms(t["term_counts"], n=5, glossary=GLOSSARY),
    "wordcloud": lambda t: plot_wordcloud(t["term_counts"], glossary=GLOSSARY),
    "coherence": lambda t: plot_coherence_by_k(t["sweep"], t["choice"], metrics=("c_v", "c_npmi", "u_mass")),
    "stability": lambda t: plot_stability_by_k(t["stability"], t["choice"]),
    "topic_words": lambda t: plot_topic_words(t["topics"], t["labels"], n_words=3, glossary=GLOSSARY),
    "heatmap": lambda t: plot_article_topic_heatmap(t["article_topics"], t["labels"]),
    "similarity": lambda t: plot_topic_similarity(t["topic_word"], t["labels"]),
    "engines": lambda t: plot_engine_comparison(t["engine_comparison"], t["sweep"], t["stability"]),
}


def _draw(fig: Figure, caplog) -> list[str]:
    """Render the figure to PNG in memory; every warning and matplotlib log record seen."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="matplotlib"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING or "missing from" in r.getMessage() or "not found" in r.getMessage()
    ]
    return [str(w.message) for w in caught] + logged


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


# ----------------------------------------------------------------------------- font and style


def test_bundled_font_is_registered_once_and_found_for_sans_serif():
    use_style()
    use_style()  # idempotent
    bundled = font_path()
    assert bundled.name == "NotoSansCJKsc-Regular.otf" and "mplfonts" in bundled.parts
    assert sum(entry.fname == str(bundled) and entry.name == FONT_FAMILY for entry in fontManager.ttflist) == 1
    assert findfont(FontProperties(family=[FONT_FAMILY])) == str(bundled)
    assert findfont(FontProperties(family=["sans-serif"])) == str(bundled)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_returns_figure_drawn_without_glyph_warnings(name, tables, caplog):
    fig = PLOTS[name](tables)
    assert isinstance(fig, Figure)
    problems = _draw(fig, caplog)
    assert not [p for p in problems if "missing from" in p or "findfont" in p or "Glyph" in p], problems
    assert not problems, problems
    chinese = [t for t in _texts(fig) if CJK.search(t.get_text())]
    if name == "wordcloud":
        assert fig.findobj(AxesImage), "the cloud is shown as an image"
    elif name not in {"paragraph_lengths", "removed", "coherence", "stability", "engines"}:
        assert chinese, "Chinese text expected in this figure"
    for text in chinese:
        assert findfont(text.get_fontproperties()) == str(font_path()), text.get_text()


def test_figures_display_as_png_in_ipython(tables):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.display_formatter.formatters["image/png"].type_printers.pop(Figure, None)
        use_style()
        shown, _ = shell.display_formatter.format(plot_removed(tables["removed"]))
        assert "image/png" in shown
    finally:
        InteractiveShell.clear_instance()


def test_minus_signs_are_ascii_hyphens(tables, caplog):
    fig = plot_coherence_by_k(tables["sweep"], tables["choice"], metrics=("c_npmi", "u_mass"))
    _draw(fig, caplog)
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any(t.startswith("-") for t in ticks)
    assert not any("\u2212" in t for t in ticks)


def test_chosen_setting_is_annotated(tables):
    fig = plot_stability_by_k(tables["stability"], tables["choice"])
    assert any(t.get_text() == "chosen: tomotopy, K = 3" for t in _texts(fig))


def test_heatmap_writes_percentages_and_leaves_articles_without_tokens_blank(tables):
    fig = plot_article_topic_heatmap(tables["article_topics"], tables["labels"])
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(cells) == sorted(["70%", "20%", "10%", "10%", "30%", "60%"])
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[1].endswith("…") and len(rows[1]) <= len("a02 ") + 18


def test_wordcloud_uses_bundled_font_and_fixed_seed(tables, monkeypatch):
    import wordcloud

    seen = {}
    original = wordcloud.WordCloud.__init__

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(wordcloud.WordCloud, "__init__", spy)
    plot_wordcloud(tables["term_counts"])
    assert seen["font_path"] == str(font_path())
    assert isinstance(seen["random_state"], int)


def test_wordcloud_is_reproducible(tables):
    first = plot_wordcloud(tables["term_counts"]).findobj(AxesImage)[0].get_array()
    second = plot_wordcloud(tables["term_counts"]).findobj(AxesImage)[0].get_array()
    assert np.array_equal(first, second)


# ----------------------------------------------------------------------------- glossary and labels


def test_gloss_and_topic_titles(tables):
    assert gloss("微信电商", GLOSSARY) == "微信电商 (WeChat e-commerce)"
    assert gloss("朋友圈", GLOSSARY) == "朋友圈" and gloss("物流", None) == "物流"
    fig = plot_topic_words(tables["topics"], tables["labels"], n_words=4, glossary=GLOSSARY)
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


# ----------------------------------------------------------------------------- write_figures

SMALL_CONFIG = """
sweep:
  k: [2, 3]
  seeds: [1, 2]
  processes: 1
engines:
  gensim:
    passes: 5
    iterations: 50
  tomotopy:
    iterations: 100
themes:
  guided:
    enabled: false
"""
SENTENCES = {
    "物流": [
        "物流配送太慢，消费者等待快递的时间太长。",
        "货源不稳定，商家的库存经常不足。",
        "供应商发货延迟，物流成本不断上升。",
        "快递公司送货慢，商品在仓库里积压。",
        "商家没有稳定的货源，物流配送也跟不上。",
        "消费者抱怨快递太慢，商家只好更换供应商。",
        "库存管理混乱，物流成本越来越高。",
    ],
    "信任": [
        "朋友圈卖货让朋友失去信任，口碑越来越差。",
        "商品质量没有保障，消费者不再信任微商。",
        "售后服务缺失，品质问题没人负责。",
        "熟人之间的信任被消耗，朋友纷纷拉黑微商。",
        "质量差的面膜伤害了口碑，消费者失去信任。",
        "微商代理囤货，朋友圈充满广告，信任下降。",
        "品质和售后决定口碑，没有保障就没有信任。",
    ],
    "流量": [
        "公众号的流量有限，粉丝很难转化为购买。",
        "微信搜索不开放，商家拿不到流量红利。",
        "淘宝拥有海量流量，用户习惯在淘宝购物。",
        "公众号粉丝增长缓慢，推广费用越来越高。",
        "流量红利消失以后，商家的广告效果变差。",
        "用户的购买习惯在淘宝，微信电商很难获得流量。",
        "粉丝转化率低，公众号很难带来购买。",
    ],
}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> OutputPaths:
    """The real pipeline (stages 1-5) on a small synthetic Chinese corpus of two articles."""
    root = tmp_path_factory.mktemp("figures")
    texts = root / "texts"
    texts.mkdir()
    lines = [sentence for group in SENTENCES.values() for sentence in group]
    (texts / "第一篇.txt").write_text("\n".join(lines[::2]) + "\n", encoding="utf-8")
    (texts / "第二篇.txt").write_text("\n".join(lines[1::2]) + "\n", encoding="utf-8")
    config = root / "small.yaml"
    config.write_text(SMALL_CONFIG, encoding="utf-8")
    out = root / "out"
    assert (
        main(["run", str(texts), "--out", str(out), "--config", str(config), "-q", "--no-figures", "--no-report"]) == 0
    )
    return OutputPaths(out)


EXPECTED = {
    "corpus_paragraphs_per_article.png",
    "corpus_paragraph_lengths.png",
    "corpus_removed.png",
    "vocabulary_top_terms.png",
    "vocabulary_wordcloud.png",
    "model_choice_coherence.png",
    "model_choice_coherence.svg",
    "model_choice_stability.png",
    "model_choice_stability.svg",
    "engines_comparison.png",
    "engines_fit_seconds.png",
    "topics_top_words.png",
    "topics_top_words.svg",
    "topics_similarity.png",
    "articles_topics_heatmap.png",
    "articles_topics_heatmap.svg",
}


def test_write_figures_writes_every_file_reproducibly(small_run, params):
    started = time.perf_counter()
    written = write_figures(small_run, params)
    assert time.perf_counter() - started < 30
    folder = small_run.root / "figures"
    assert {p.name for p in written} == EXPECTED
    assert {p.name for p in folder.iterdir()} == EXPECTED
    first = {p.name: p.read_bytes() for p in written}
    assert all(content for content in first.values())
    assert first["corpus_removed.png"].startswith(b"\x89PNG")
    assert b"Software" not in first["corpus_removed.png"]  # no matplotlib version inside
    assert b"<dc:date>" not in first["topics_top_words.svg"]
    assert b"Matplotlib v" not in first["topics_top_words.svg"]  # no dc:creator with the version either
    assert b"data:image/png;base64" in first["articles_topics_heatmap.svg"]  # raster inline, no side file
    second = {p.name: p.read_bytes() for p in write_figures(small_run, params)}
    assert second == first
    assert {p.name for p in folder.iterdir()} == EXPECTED  # atomic saves leave no temporary file


def test_write_figures_with_gloss_and_png_only(small_run, params):
    settings = {**params, "figures": {"gloss": True, "formats": ["png"], "top_terms": 5, "topic_words": 3}}
    written = write_figures(small_run, settings)
    assert all(p.suffix == ".png" for p in written) and len(written) == 12


def test_write_figures_names_a_missing_input_and_its_command(small_run, tmp_path, params):
    with pytest.raises(ZhtopicsError, match=r"documents\.parquet: not found; run `zhtopics prepare`"):
        write_figures(OutputPaths(tmp_path), params)
    with pytest.raises(ZhtopicsError, match=r"topic_labels\.csv: not found; run `zhtopics themes`"):
        import shutil

        copy = tmp_path / "copy"
        shutil.copytree(small_run.root, copy)
        (copy / "results" / "topic_labels.csv").unlink()
        write_figures(OutputPaths(copy), params)


@pytest.mark.parametrize(
    "section, message",
    [
        ({"formats": ["svg"]}, "must include png"),
        ({"formats": ["png", "gif"]}, "must include png"),
        ({"colour": "red"}, "unknown parameter 'figures.colour'"),
    ],
)
def test_figure_settings_are_checked(section, message):
    with pytest.raises(ZhtopicsError, match=re.escape(message)):
        figures.figure_settings({"figures": section})


def test_engine_comparison_panels(tables):
    from zhtopics.figures import ENGINE_PANELS, TIMING_PANELS

    def titles(fig):
        return [ax.get_title(loc="left") for ax in fig.axes]  # the style puts titles on the left

    everything = plot_engine_comparison(tables["engine_comparison"], tables["sweep"], tables["stability"])
    assert len(everything.axes) == len(ENGINE_PANELS) and "seconds per fit" in titles(everything)
    steady = plot_engine_comparison(
        tables["engine_comparison"],
        tables["sweep"],
        tables["stability"],
        panels=[p for p in ENGINE_PANELS if p not in TIMING_PANELS],
    )
    assert "seconds per fit" not in titles(steady) and "diamond = final model" in steady.get_suptitle()
    timing = plot_engine_comparison(
        tables["engine_comparison"], tables["sweep"], tables["stability"], panels=TIMING_PANELS
    )
    assert titles(timing) == ["seconds per fit"] and "diamond" not in timing.get_suptitle()
    with pytest.raises(ValueError, match="panels"):
        plot_engine_comparison(tables["engine_comparison"], tables["sweep"], panels=["speed"])


def test_save_figure_is_atomic(tables, tmp_path, monkeypatch):
    from zhtopics.figures import save_figure

    fig = plot_removed(tables["removed"])
    target = tmp_path / "corpus_removed.png"
    target.write_bytes(b"the previous figure")

    def interrupted(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_figure(fig, tmp_path / "corpus_removed", ["png"])
    assert target.read_bytes() == b"the previous figure"
    assert [p.name for p in tmp_path.iterdir()] == ["corpus_removed.png"]


def test_dollar_signs_in_corpus_text_are_text_not_mathtext():
    # A title such as "a02 $x^$ y" (corpus text) made mathtext fail when the figure was saved.
    import io

    import matplotlib.pyplot as plt

    from zhtopics.figures import use_style

    use_style()
    fig, ax = plt.subplots()
    ax.set_title("a02 $x^$ y 微信")
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
