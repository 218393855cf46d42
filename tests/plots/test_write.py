"""write_figures writes every file, reproducibly, from a small run; figure settings are checked."""

from __future__ import annotations

import re
import time

import pytest

from zhtopics.cli import main
from zhtopics.errors import ZhtopicsError
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths
from zhtopics.plots import write_figures
from zhtopics.plots.write import vector_formats
from zhtopics.results import RunResults

from ..conftest import SEED_PARAMS

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
def small_run(tmp_path_factory) -> RunResults:
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
    return RunResults(OutputPaths(out))


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
    "prevalence_by_group.png",
    "prevalence_by_group.svg",
}


def test_write_figures_writes_every_file_reproducibly(small_run, params):
    started = time.perf_counter()
    written = write_figures(small_run, params.figures, params.prevalence)
    assert time.perf_counter() - started < 30
    folder = small_run.paths.figures
    assert {p.name for p in written} == EXPECTED
    assert {p.name for p in folder.iterdir()} == EXPECTED
    first = {p.name: p.read_bytes() for p in written}
    assert all(content for content in first.values())
    assert first["corpus_removed.png"].startswith(b"\x89PNG")
    assert b"Software" not in first["corpus_removed.png"]  # no matplotlib version inside
    assert b"<dc:date>" not in first["topics_top_words.svg"]
    assert b"Matplotlib v" not in first["topics_top_words.svg"]  # no dc:creator with the version either
    assert b"data:image/png;base64" in first["articles_topics_heatmap.svg"]  # raster inline, no side file
    second = {p.name: p.read_bytes() for p in write_figures(small_run, params.figures, params.prevalence)}
    assert second == first
    assert {p.name for p in folder.iterdir()} == EXPECTED  # atomic saves leave no temporary file


def test_write_figures_with_gloss_and_png_only(small_run):
    settings = load_params(
        SEED_PARAMS, overrides={"figures": {"gloss": True, "formats": ["png"], "top_terms": 5, "topic_words": 3}}
    )
    written = write_figures(small_run, settings.figures, settings.prevalence)
    assert all(p.suffix == ".png" for p in written) and len(written) == 13


def test_the_guided_model_gets_its_own_article_heatmap(small_run, tmp_path, params):
    import shutil

    copy = tmp_path / "guided"
    shutil.copytree(small_run.paths.root, copy)
    results = copy / "results"
    for name in ("article_topics", "prevalence_by_group", "topic_labels"):  # stand-ins for the guided tables
        target = "guided_topic_labels" if name == "topic_labels" else f"guided_{name}"
        shutil.copy(results / f"{name}.csv", results / f"{target}.csv")
    settings = load_params(SEED_PARAMS, overrides={"figures": {"formats": ["png"]}})
    written = {p.name for p in write_figures(RunResults(OutputPaths(copy)), settings.figures, settings.prevalence)}
    assert written == {name for name in EXPECTED if name.endswith(".png")} | {"articles_guided_heatmap.png"}


def test_write_figures_names_a_missing_input_and_its_command(small_run, tmp_path, params):
    with pytest.raises(ZhtopicsError, match=r"documents\.parquet: not found; run `zhtopics prepare`"):
        write_figures(RunResults(OutputPaths(tmp_path)), params.figures, params.prevalence)
    with pytest.raises(ZhtopicsError, match=r"topic_labels\.csv: not found; run `zhtopics train`"):
        import shutil

        copy = tmp_path / "copy"
        shutil.copytree(small_run.paths.root, copy)
        (copy / "results" / "topic_labels.csv").unlink()
        write_figures(RunResults(OutputPaths(copy)), params.figures, params.prevalence)


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
        vector_formats(load_params(overrides={"figures": section}).figures)
