"""The offline topic map: pyLDAvis data in row order, one self-contained page, the project's file."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from zhtopics.config import OutputPaths, ZhtopicsError
from zhtopics.topic_map import (
    active_content,
    library_script,
    network_references,
    patch_ldavis,
    pcoa,
    prepare_topic_map,
    topic_map_fragment,
    topic_map_html,
    write_topic_map,
)

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


@pytest.fixture(scope="module")
def model() -> dict:
    return synthetic_model()


@pytest.fixture(scope="module")
def prepared(model):
    return prepare_topic_map(**model)


@pytest.fixture(scope="module")
def page(prepared) -> str:
    return topic_map_html(prepared, labels=[f"主题{i}" for i in range(K)], title="测试 topic map")


def _page_data(page: str) -> dict:
    """The LDAvis data of a page; strict JSON (NaN or Infinity are errors)."""

    def refuse(constant):
        raise ValueError(f"{constant} in the page data")

    return json.loads(re.search(r"var data = (\{.*\});\n", page).group(1), parse_constant=refuse)


def _shares(model, keep=slice(None)) -> np.ndarray:
    sizes = model["doc_topic"][keep].T @ model["doc_lengths"][keep]
    return 100 * sizes / sizes.sum()


def test_topics_are_numbered_0_to_k_minus_1_in_row_order(model, prepared):
    coordinates = prepared.topic_coordinates
    assert coordinates["topics"].tolist() == list(range(K))
    assert list(prepared.topic_order) == list(range(K))
    np.testing.assert_allclose(coordinates["Freq"].to_numpy(), _shares(model))
    info = prepared.topic_info
    for i in range(K):
        rows = info[info["Category"] == f"Topic{i}"]
        assert rows.loc[rows["logprob"].idxmax(), "Term"] == WORDS[int(np.argmax(model["topic_word"][i]))]
    assert set(prepared.token_table["Topic"]) <= set(range(K))


def test_layout_is_pyldavis_pcoa_with_fixed_signs(model, prepared):
    from pyLDAvis._prepare import js_PCoA

    ours = prepared.topic_coordinates[["x", "y"]].to_numpy()
    theirs = np.real(js_PCoA(model["topic_word"]))
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-9)
    np.testing.assert_allclose(ours, pcoa(model["topic_word"]), atol=1e-9)
    for axis in range(2):
        assert ours[np.argmax(np.abs(ours[:, axis])), axis] > 0


def test_documents_without_tokens_are_left_out(model):
    broken = {**model, "doc_lengths": model["doc_lengths"].copy(), "doc_topic": model["doc_topic"].copy()}
    broken["doc_lengths"][[3, 7]] = 0
    broken["doc_topic"][3] = np.nan  # an empty document's topic row may be anything
    prepared = prepare_topic_map(**broken)
    keep = broken["doc_lengths"] > 0
    np.testing.assert_allclose(prepared.topic_coordinates["Freq"].to_numpy(), _shares(broken, keep))
    assert _page_data(topic_map_html(prepared, embed_font=False))["mdsDat"]["topics"] == list(range(K))


def test_zero_probabilities_do_not_reach_the_page(model):
    topic_word = model["topic_word"].copy()
    topic_word[0, -1] = 0.0
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    prepared = prepare_topic_map(**{**model, "topic_word": topic_word})
    assert np.isfinite(prepared.topic_info[["logprob", "loglift"]].to_numpy()).all()
    assert min(_page_data(topic_map_html(prepared, embed_font=False))["tinfo"]["logprob"]) > -30


def test_unusable_inputs_are_clear_errors(model):
    with pytest.raises(ZhtopicsError, match="no document has tokens"):
        prepare_topic_map(**{**model, "doc_lengths": np.zeros(D, dtype=int)})
    with pytest.raises(ZhtopicsError, match="disagree"):
        prepare_topic_map(**{**model, "vocab": WORDS[:-1]})
    with pytest.raises(ZhtopicsError, match="at least 2 topics"):
        prepare_topic_map(**{**model, "topic_word": model["topic_word"][:1], "doc_topic": np.ones((D, 1))})


def test_network_references_finds_fetches_only():
    assert network_references('<script src="https://cdn.example.org/d3.js"></script>') == [
        "https://cdn.example.org/d3.js"
    ]
    assert network_references("<link rel=stylesheet href='//x'>") == ["//x"]
    assert network_references("<style>body { background: url(http://x.org/a.png) }</style>") == ["http://x.org/a.png"]
    assert network_references('<style>@import "https://x.org/a.css";</style>') == ["https://x.org/a.css"]
    assert network_references('<svg><a xlink:href="http://x.org/p.pdf"></a></svg>') == ["http://x.org/p.pdf"]
    # namespace URIs and URLs in comments or strings of a script are data, not fetches
    assert (
        network_references(
            '<script>var ns = "http://www.w3.org/2000/svg"; // https://d3js.org\n'
            '.attr("xlink:href", "http://vis.stanford.edu/x.pdf")</script>'
        )
        == []
    )
    assert network_references('<a href="#top"></a><img src="data:image/png;base64,AAAA">') == []


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
    data = _page_data(page)
    assert data["mdsDat"]["topics"] == list(range(K))
    assert data["topic.order"] == list(range(K))
    assert set(data["tinfo"]["Term"]) == set(prepared.topic_info["Term"])


def test_embedded_font_covers_the_terms(prepared, page):
    ranges = re.search(r"unicode-range: ([^;]+);", page).group(1)
    covered = set()
    for part in ranges.split(", "):
        start, _, end = part.removeprefix("U+").partition("-")
        covered.update(range(int(start, 16), int(end or start, 16) + 1))
    shown = "".join(prepared.topic_info["Term"]) + "".join(f"主题{i}" for i in range(K)) + "测试"
    assert {ord(c) for c in shown if ord(c) > 0x7F} <= covered
    font = re.search(r"base64,([A-Za-z0-9+/=]+)", page).group(1)
    assert len(font) < 100_000  # a subset, not the 16 MB font


def test_same_inputs_same_page(model, page):
    again = topic_map_html(prepare_topic_map(**model), labels=[f"主题{i}" for i in range(K)], title="测试 topic map")
    assert again == page


def test_ldavis_is_patched_for_topic_zero():
    script = library_script()
    assert "radius[dat2[i].Topic - zhFirst]" in script and "Topic - 1]" not in script
    assert "vis_state.topic > 0" not in script
    assert "term.innerHTML" not in script and "vis_state.term = term.textContent;" in script
    with pytest.raises(RuntimeError, match="not the one zhtopics was written for"):
        patch_ldavis("var LDAvis = function() {};")


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


def _write_model(root, model, engine="tomotopy", with_labels=True) -> OutputPaths:
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


def test_page_data_cannot_end_its_script(model):
    """Terms are corpus text: in the page's JSON, < > & and line separators are \\u escapes."""
    model = dict(model, vocab=["</script><script>x=1</script>", "a&b>c", "\u2028"] + list(WORDS[3:]))
    page = topic_map_html(prepare_topic_map(**model), embed_font=False)
    data = re.search(r"var data = (\{.*\});\n", page).group(1)
    assert not set("<>&\u2028\u2029") & set(data)
    assert set(model["vocab"][:3]) <= set(_page_data(page)["tinfo"]["Term"]) | set(
        _page_data(page)["token.table"]["Term"]
    )
    assert active_content(page) == []


def test_write_topic_map(tmp_path, model):
    paths = _write_model(tmp_path, model)
    params = {"topic_map": {"terms": 20}}
    target = write_topic_map(paths, params)
    assert target == tmp_path / "figures" / "topic_map.html"
    page = target.read_text(encoding="utf-8")
    assert network_references(page) == []
    assert "<td>标签3</td>" in page and "tomotopy, K = 4" in page
    data = _page_data(page)
    assert data["R"] == 20 and data["mdsDat"]["topics"] == list(range(K))
    assert write_topic_map(paths, params).read_bytes() == page.encode("utf-8")


def test_write_topic_map_names_missing_inputs(tmp_path, model):
    with pytest.raises(ZhtopicsError, match=r"model_choice\.json: not found; run `zhtopics train` first"):
        write_topic_map(OutputPaths(tmp_path / "empty"), {})
    paths = _write_model(tmp_path / "nolabels", model, with_labels=False)
    with pytest.raises(ZhtopicsError, match=r"topic_labels\.csv: not found; run `zhtopics themes` first"):
        write_topic_map(paths, {})
    with pytest.raises(ZhtopicsError, match="topic_map.terms"):
        write_topic_map(paths, {"topic_map": {"terms": 0}})
