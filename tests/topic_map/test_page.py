"""The offline topic map page: one self-contained page, the notebook fragment, the project's file."""

from __future__ import annotations

import re

import pytest

from zhtopics.errors import ZhtopicsError
from zhtopics.params import load_params
from zhtopics.paths import OutputPaths
from zhtopics.report import network_references
from zhtopics.results import RunResults
from zhtopics.topic_map import prepare_topic_map, topic_map_fragment, topic_map_html, write_topic_map

from .model import K, page_data, write_model


def test_page_is_self_contained(page):
    assert network_references(page) == []
    assert page.startswith("<!DOCTYPE html>")
    assert "https://d3js.org v5" in page  # d3's own header
    assert "var LDAvis = function(to_select, data_or_file_name" in page
    # LDAvis's CSS, scoped to the map and without its notebook-wide width overrides
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    assert ".zhtopics-topic-map path {" in style and re.search(r"^\s*path\s*\{", style, re.MULTILINE) is None
    assert ".container" not in style and ".output_area" not in style
    assert re.search(r"<script[^>]*\ssrc=", page) is None and "<link" not in page
    assert "@font-face" in page and "data:font/woff;base64," in page
    for i in range(K):
        assert f"<td>主题{i}</td>" in page


def test_page_data_is_the_prepared_data(prepared, page):
    data = page_data(page)
    assert data["mdsDat"]["topics"] == list(range(K))
    assert data["topic.order"] == list(range(K))
    assert set(data["tinfo"]["Term"]) == set(prepared.topic_info["Term"])


def test_same_inputs_same_page(model, page):
    again = topic_map_html(prepare_topic_map(**model), labels=[f"主题{i}" for i in range(K)], title="测试 topic map")
    assert again == page


def test_fragment_is_embeddable(prepared):
    first, second = topic_map_fragment(prepared), topic_map_fragment(prepared, labels=list("abcd"))
    for fragment in (first, second):
        assert not re.search(r"<(html|head|body)\b", fragment)
        assert network_references(fragment) == []
        assert 'if (typeof window.zhtopicsLDAvis === "undefined")' in fragment
    ids = [re.search(r'var id = "([^"]+)"', f).group(1) for f in (first, second)]
    assert ids[0] != ids[1]
    assert f'<div id="{ids[0]}"></div>' in first
    assert topic_map_fragment(prepared, div_id="fixed") == topic_map_fragment(prepared, div_id="fixed")
    with pytest.raises(ValueError):
        topic_map_fragment(prepared, div_id="has space")


def test_write_topic_map(tmp_path, model):
    paths = write_model(tmp_path, model)
    params = load_params(overrides={"topic_map": {"terms": 20}}).topic_map
    target = write_topic_map(RunResults(paths), params)
    assert target == tmp_path / "figures" / "topic_map.html"
    page = target.read_text(encoding="utf-8")
    assert network_references(page) == []
    assert "<td>标签3</td>" in page and "tomotopy, K = 4" in page
    data = page_data(page)
    assert data["R"] == 20 and data["mdsDat"]["topics"] == list(range(K))
    assert write_topic_map(RunResults(paths), params).read_bytes() == page.encode("utf-8")


def test_write_topic_map_names_missing_inputs(tmp_path, model):
    defaults = load_params().topic_map
    with pytest.raises(ZhtopicsError, match=r"model_choice\.json: not found; run `zhtopics train`"):
        write_topic_map(RunResults(OutputPaths(tmp_path / "empty")), defaults)
    paths = write_model(tmp_path / "nolabels", model, with_labels=False)
    with pytest.raises(ZhtopicsError, match=r"topic_labels\.csv: not found; run `zhtopics train`"):
        write_topic_map(RunResults(paths), defaults)
    with pytest.raises(ZhtopicsError, match="topic_map.terms"):
        write_topic_map(RunResults(paths), load_params(overrides={"topic_map": {"terms": 0}}).topic_map)
