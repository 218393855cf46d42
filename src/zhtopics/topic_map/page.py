"""The interactive topic map (LDAvis), as one self-contained HTML file that works offline.

The prepared data (:mod:`.ldavis`), d3 and the LDAvis script and style sheet of the
installed pyLDAvis (:mod:`.assets`) and a subset of a CJK font with only the characters on
the page (:mod:`.fonts`) go into one page, so the map needs neither a network nor a CJK
system font.

- :func:`topic_map_html` is the standalone page, :func:`topic_map_fragment` the same map for
  a notebook output (``IPython.display.HTML``; it also survives nbconvert's HTML export).
- :func:`write_topic_map` draws the chosen model into ``figures/topic_map.html``, and
  refuses a page that would run anything but the map's own scripts
  (:func:`zhtopics.html_audit.find_active_content`).

Text from the corpus (terms, labels, headings) reaches the page only escaped: labels and
headings through :func:`html.escape`, the LDAvis data as JSON that cannot end its
``<script>`` element (:func:`zhtopics.topic_map.assets.draw_script`); LDAvis draws terms
with d3's ``text()``.
"""

from __future__ import annotations

import html
import logging
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

from zhtopics.atomic import write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.html_audit import find_active_content
from zhtopics.params import TopicMapParams
from zhtopics.results import RunResults
from zhtopics.topic_map.assets import draw_script, is_map_script, library_css, library_script
from zhtopics.topic_map.fonts import font_face_css
from zhtopics.topic_map.ldavis import prepare_topic_map, prepared_dict

logger = logging.getLogger(__name__)

CSS_CLASS = "zhtopics-topic-map"
PAGE_DIV_ID = "topic-map"


def _page_characters(prepared, labels: Sequence[str] | None, title: str) -> str:
    parts = [title, *(labels or [])]
    parts += prepared.topic_info["Term"].astype(str).tolist()
    parts += prepared.token_table["Term"].astype(str).tolist()
    return "".join(parts)


def _labels_table(prepared, labels: Sequence[str]) -> str:
    coordinates = prepared.topic_coordinates
    if len(labels) != len(coordinates):
        raise ZhtopicsError(f"topic map: {len(labels)} labels for {len(coordinates)} topics")
    rows = []
    for (topic, share), label in zip(coordinates[["topics", "Freq"]].itertuples(index=False), labels):
        rows.append(
            f'<tr><td class="num">{int(topic)}</td><td>{html.escape(str(label))}</td>'
            f'<td class="num">{float(share):.1f}</td></tr>'
        )
    return (
        '<table class="zhtopics-labels">\n<thead><tr><th>topic</th><th>label</th><th>% of tokens</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _map_block(
    prepared,
    labels: Sequence[str] | None,
    div_id: str,
    heading: str | None,
    embed_font: bool,
    font_file: str | Path | None,
) -> str:
    """The map: style, optional heading and label table, the div, the library and the call."""
    if not re.fullmatch(r"[A-Za-z][\w-]*", div_id):
        raise ValueError(f"div_id must be a valid HTML id without spaces: {div_id!r}")
    font_css, family = ("", "")
    if embed_font:
        font_css, family = font_face_css(_page_characters(prepared, labels, heading or ""), font_file)
    fonts = (f'"{family}", ' if family else "") + "sans-serif"
    scope = f".{CSS_CLASS}"
    style = "\n".join(
        filter(
            None,
            [
                font_css,
                library_css(scope),
                f"{scope} {{ font-family: {fonts}; overflow-x: auto; }}",
                f"{scope} text {{ font-family: {fonts}; }}",
                f"{scope} h1 {{ font-size: 20px; font-weight: normal; margin: 8px 0; }}",
                f"{scope} table.zhtopics-labels {{ border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }}",
                f"{scope} table.zhtopics-labels th, {scope} table.zhtopics-labels td "
                "{ border-bottom: 1px solid #ddd; padding: 2px 10px; text-align: left; }",
                f"{scope} table.zhtopics-labels td.num {{ text-align: right; }}",
            ],
        )
    )
    draw = draw_script(div_id, prepared_dict(prepared))
    parts = [f'<div class="{CSS_CLASS}">', f"<style>\n{style}\n</style>"]
    if heading:
        parts.append(f"<h1>{html.escape(heading)}</h1>")
    if labels is not None:
        parts.append(_labels_table(prepared, labels))
    parts += [f'<div id="{div_id}"></div>', library_script(), draw, "</div>"]
    return "\n".join(parts)


def topic_map_html(
    prepared,
    labels: Sequence[str] | None = None,
    title: str = "Topic map",
    *,
    embed_font: bool = True,
    font_file: str | Path | None = None,
) -> str:
    """One self-contained HTML page of the topic map; nothing is fetched from the network.

    Parameters
    ----------
    prepared : pyLDAvis.PreparedData
        From :func:`prepare_topic_map`.
    labels : sequence of str, optional
        One label per topic, in topic order; shown in a table above the map.
    title : str
        Page title and heading.
    embed_font : bool
        Embed the glyphs of the page's non-ASCII characters (see :func:`font_face_css`),
        so Chinese renders without a CJK system font.
    font_file : str or Path, optional
        The font to subset; default Noto Sans CJK SC from ``mplfonts``.

    Returns
    -------
    str
        The page. The same inputs give the same text, byte for byte.
    """
    block = _map_block(prepared, labels, PAGE_DIV_ID, title, embed_font, font_file)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{block}\n</body>\n</html>\n"
    )


def topic_map_fragment(
    prepared,
    labels: Sequence[str] | None = None,
    *,
    div_id: str | None = None,
    embed_font: bool = True,
    font_file: str | Path | None = None,
) -> str:
    """The topic map as an HTML fragment for a notebook output.

    ``IPython.display.HTML(topic_map_fragment(prepared))`` shows it in JupyterLab (the
    notebook must be trusted for its scripts to run when reopened) and in nbconvert's HTML
    export. Several fragments can be shown in one page: each has its own div id, and the
    inlined d3/LDAvis code runs only once per page.

    Parameters
    ----------
    prepared : pyLDAvis.PreparedData
    labels : sequence of str, optional
        One label per topic, shown in a table above the map.
    div_id : str, optional
        The id of the map's div; default a new random one per call.
    embed_font, font_file
        As in :func:`topic_map_html`.

    Returns
    -------
    str
        No <html>, <head> or <body>; one wrapping <div>.
    """
    div_id = div_id or f"zhtopics-map-{uuid.uuid4().hex[:12]}"
    return _map_block(prepared, labels, div_id, None, embed_font, font_file)


# ---------------------------------------------------------------------------------------
# The project's map
# ---------------------------------------------------------------------------------------


def _options(options: TopicMapParams) -> TopicMapParams:
    """The ``topic_map`` parameters, their ranges checked (their types are checked on loading)."""
    if options.terms < 1:
        raise ZhtopicsError(f"topic_map.terms: expected a positive integer, got {options.terms!r}")
    if not 0 < options.lambda_step <= 1:
        raise ZhtopicsError(f"topic_map.lambda_step: expected a number in (0, 1], got {options.lambda_step!r}")
    return options


def _chosen_model(run: RunResults) -> dict:
    """The chosen model's matrices, dictionary, document lengths and labels, checked to belong together.

    Returns
    -------
    dict
        ``engine``, ``k``, ``topic_word``, ``doc_topic``, ``dictionary`` (gensim), ``tokens``
        (``doc_id``, ``n_in_dictionary``) and ``labels`` (``topic_labels.csv`` by topic).

    Raises
    ------
    ZhtopicsError
        When an input is missing (naming the file and the command that writes it) or the
        inputs do not belong together.
    """
    paths = run.paths
    engine, k = run.choice["engine"], int(run.choice["k"])
    folder = run.model_dir()
    topic_word, doc_topic = run.topic_word(), run.doc_topic()
    dictionary = run.model_dictionary()
    tokens = run.token_counts()
    labels_table = run.labels
    if len(tokens) != doc_topic.shape[0]:
        raise ZhtopicsError(
            f"{paths.tokens}: {len(tokens)} documents but the {engine} K={k} model has "
            f"{doc_topic.shape[0]}; run `zhtopics train` again"
        )
    if len(dictionary) != topic_word.shape[1]:
        raise ZhtopicsError(
            f"{folder / 'dictionary.gensim'}: {len(dictionary)} words but topic_word.npy has "
            f"{topic_word.shape[1]} columns; run `zhtopics train` again"
        )
    labels_table = labels_table.sort_values("topic")
    if labels_table["topic"].tolist() != list(range(k)):
        raise ZhtopicsError(
            f"{paths.result('topic_labels')}: topics are not 0..{k - 1} of the chosen "
            f"model; run `zhtopics themes` again"
        )
    return {
        "engine": engine,
        "k": k,
        "topic_word": topic_word,
        "doc_topic": doc_topic,
        "dictionary": dictionary,
        "tokens": tokens,
        "labels": labels_table,
    }


def write_topic_map(run: RunResults, options: TopicMapParams) -> Path:
    """Draw the chosen model's topic map into ``figures/topic_map.html``.

    Reads ``results/model_choice.json``, the model in ``models/<engine>_k<K>/``
    (``topic_word.npy``, ``doc_topic.npy``, ``dictionary.gensim``),
    ``results/topic_labels.csv`` and ``data/processed/tokens.parquet``. Document lengths
    are ``n_in_dictionary``; term frequencies the Dictionary's collection frequencies.

    Parameters
    ----------
    run : RunResults
        The output folder.
    options : TopicMapParams
        ``terms``, ``lambda_step``, ``embed_font`` and ``font_file``.

    Returns
    -------
    Path
        The written page.

    Raises
    ------
    ZhtopicsError
        When an input is missing (naming the file and the command that writes it), the
        inputs do not belong together, or the page would run anything but the map's own
        scripts (:func:`zhtopics.html_audit.find_active_content`).
    """
    options = _options(options)
    model = _chosen_model(run)
    engine, k, dictionary = model["engine"], model["k"], model["dictionary"]
    vocab = [dictionary[i] for i in range(len(dictionary))]
    frequency = [dictionary.cfs.get(i, 0) for i in range(len(dictionary))]
    prepared = prepare_topic_map(
        model["topic_word"],
        model["doc_topic"],
        model["tokens"]["n_in_dictionary"].to_numpy(),
        vocab,
        frequency,
        terms=options.terms,
        lambda_step=float(options.lambda_step),
    )
    page = topic_map_html(
        prepared,
        model["labels"]["label"].astype(str).tolist(),
        title=f"Topic map: {engine}, K = {k}",
        embed_font=options.embed_font,
        font_file=options.font_file,
    )
    unsafe = find_active_content(page, is_map_script)
    if unsafe:  # cannot happen while labels are escaped and the data is _script_json
        raise ZhtopicsError(f"topic map: the page would run code zhtopics did not write: {unsafe[0]}")
    target = run.paths.topic_map
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, page)
    logger.info("topic map: %s (%d KB)", target, len(page.encode("utf-8")) // 1024)
    return target
