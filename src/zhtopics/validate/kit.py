"""The validation kit on disk: what ``zhtopics validate export`` writes and ``score`` reads.

Layout of the kit folder (``--out``)::

    for_coders/            give this folder, and only it, to each coder
        validation.html    the three tasks in one offline page; answers download as a CSV
        answers.csv        the same items as a sheet to fill by hand (column ``answer``)
        themes.csv         the theme list of the coding sheet (number, theme, words)
    answer_key.csv         the truth of each item (never shown to coders)
    kit.json               the run, the model, the parameters and the seed of the kit

**The answer file** (``answers.csv``, also what the page downloads): one row per item,
columns ``item_id``, ``task``, ``text``, ``options``, ``answer``; only ``item_id`` and
``answer`` are read back. Item ids start with the task's letter:

- ``W…`` word intrusion: ``options`` lists six numbered words (``1 电商 | 2 物流 | …``);
  ``answer`` is the number (or the word) that does not belong;
- ``T…`` topic intrusion: ``text`` is a document, ``options`` four numbered topics (their
  label and words); ``answer`` is the number of the topic that does not fit the text;
- ``C…`` coding: ``text`` is a document; ``answer`` is the number (or the name) of its
  theme in ``themes.csv``, whose last theme is ``other``.

An empty answer is an item not coded (reported, not scored).

**The answer key** (``answer_key.csv``): ``item_id``, ``task``, ``doc_id``, ``topic`` (the
topic tested, or the document's dominant topic), ``answer`` (the intruder's number; empty
for coding), ``intruder`` (word or topic), ``option_topics`` and ``option_shares`` (topic
intrusion: the options' topics and the document's share of each, ``|``-separated).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from zhtopics.atomic import write_csv, write_text
from zhtopics.errors import ZhtopicsError
from zhtopics.params import ValidateParams, params_to_dict
from zhtopics.results import RunResults
from zhtopics.validate.page import coder_page
from zhtopics.validate.sampling import stratified_sample, topic_intrusion_items, word_intrusion_items

logger = logging.getLogger(__name__)

#: Files of a kit folder (see the module docstring).
CODERS_DIR = "for_coders"
PAGE_FILE = "validation.html"
ANSWERS_FILE = "answers.csv"
THEMES_FILE = "themes.csv"
KEY_FILE = "answer_key.csv"
KIT_FILE = "kit.json"
#: The coder's sheet columns (and the page's download).
ANSWER_COLUMNS = ["item_id", "task", "text", "options", "answer"]
KEY_COLUMNS = ["item_id", "task", "doc_id", "topic", "answer", "intruder", "option_topics", "option_shares"]
TASKS = {"W": "word_intrusion", "T": "topic_intrusion", "C": "coding"}
#: The last theme of every theme list: a document none of the themes fits.
OTHER_THEME = "other"


def theme_list(run: RunResults, topic_words: int) -> pd.DataFrame:
    """The coding sheet's themes: the run's themes file when it has one, else its topics by label.

    Columns ``number`` (1-based), ``theme``, ``words`` (a theme's seed words, or a topic's
    top words); the last row is ``other``.
    """
    params = run.params
    if params.themes.file is not None and not params.themes.file.exists():
        logger.warning("%s: the run's themes file is missing: the theme list is the topics' labels", params.themes.file)
    if params.themes.file is not None and params.themes.file.exists():
        from zhtopics.themes.labels import load_themes

        themes = load_themes(params.themes.file)
        rows = [
            (f"{t['name']}" + (f" ({t['name_en']})" if t.get("name_en") else ""), " ".join(map(str, t["seeds"])))
            for t in themes
        ]
    else:
        rows = []
    if not rows:
        labels = run.labels
        rows = [
            (str(label), " ".join(str(words).split()[:topic_words]))
            for label, words in zip(labels["label"], labels["top_words"])
        ]
    rows.append((OTHER_THEME, ""))
    return pd.DataFrame(
        {"number": range(1, len(rows) + 1), "theme": [r[0] for r in rows], "words": [r[1] for r in rows]}
    )


def _topic_name(run: RunResults, topic: int, topic_words: int) -> str:
    row = run.labels.set_index("topic").loc[topic]
    return f"{row['label']}: {' '.join(str(row['top_words']).split()[:topic_words])}"


def build_kit(run: RunResults, params: ValidateParams) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The coders' sheet, the answer key and the theme list of a run (same seed, same kit)."""
    rng = np.random.default_rng(params.seed)
    dictionary = run.model_dictionary()
    topic_word = run.topic_word()
    words = [dictionary[i] for i in range(len(dictionary))]
    doc_topics = run.doc_topics
    k = topic_word.shape[0]
    topic_columns = [f"topic_{i}" for i in range(k)]
    shares = doc_topics[topic_columns].to_numpy()
    group = doc_topics["article_id"].astype(str) if "article_id" in doc_topics else pd.Series([""] * len(doc_topics))
    sheet, key = [], []

    for number, item in enumerate(word_intrusion_items(topic_word, words, params.word_intrusion, rng), start=1):
        item_id = f"W{number:03d}"
        options = " | ".join(f"{i} {w}" for i, w in enumerate(item["options"], start=1))
        sheet.append((item_id, TASKS["W"], "", options))
        key.append((item_id, TASKS["W"], "", item["topic"], item["answer"], item["intruder"], "", ""))

    eligible = (doc_topics["dominant_topic"] >= 0) & (doc_topics["n_tokens"] >= params.topic_intrusion.min_tokens)
    strata = pd.DataFrame({"row": np.flatnonzero(eligible), "topic": doc_topics["dominant_topic"][eligible]})
    strata["group"] = group[eligible].to_numpy()
    rows = stratified_sample(strata, params.topic_intrusion.documents, rng)
    for number, item in enumerate(topic_intrusion_items(shares, rows, params.topic_intrusion, rng), start=1):
        item_id = f"T{number:03d}"
        row = doc_topics.iloc[item["row"]]
        options = " | ".join(
            f"{i} {_topic_name(run, t, params.topic_words)}" for i, t in enumerate(item["options"], start=1)
        )
        sheet.append((item_id, TASKS["T"], row["text"], options))
        key.append(
            (
                item_id,
                TASKS["T"],
                str(row["doc_id"]),
                int(row["dominant_topic"]),
                item["answer"],
                str(item["intruder"]),
                "|".join(map(str, item["options"])),
                "|".join(f"{s:.6g}" for s in item["shares"]),
            )
        )

    eligible = (doc_topics["dominant_topic"] >= 0) & (doc_topics["n_tokens"] >= params.coding.min_tokens)
    strata = pd.DataFrame({"row": np.flatnonzero(eligible), "topic": doc_topics["dominant_topic"][eligible]})
    strata["group"] = group[eligible].to_numpy()
    rows = stratified_sample(strata, params.coding.documents, rng)
    for number, row_index in enumerate(rng.permutation(rows), start=1):  # coders see them in random order
        item_id = f"C{number:03d}"
        row = doc_topics.iloc[int(row_index)]
        sheet.append((item_id, TASKS["C"], row["text"], ""))
        key.append((item_id, TASKS["C"], str(row["doc_id"]), int(row["dominant_topic"]), "", "", "", ""))

    sheet_table = pd.DataFrame(sheet, columns=ANSWER_COLUMNS[:-1])
    sheet_table["answer"] = ""
    return sheet_table, pd.DataFrame(key, columns=KEY_COLUMNS), theme_list(run, params.topic_words)


def export_kit(run_dir: str | Path, out: str | Path) -> list[str]:
    """``zhtopics validate export RUN_DIR --out DIR``: write the kit (see the module docstring).

    Returns
    -------
    list of str
        The console lines.
    """
    run = _run(run_dir)
    params = run.params.validate
    sheet, key, themes = build_kit(run, params)
    out = Path(out)
    coders = out / CODERS_DIR
    coders.mkdir(parents=True, exist_ok=True)
    write_csv(sheet, coders / ANSWERS_FILE)
    write_csv(themes, coders / THEMES_FILE)
    write_text(coders / PAGE_FILE, coder_page(sheet, themes))
    write_csv(key, out / KEY_FILE)
    counts = sheet["task"].value_counts().reindex(list(TASKS.values()), fill_value=0)
    kit = {
        "run": str(run.paths.root),
        "model": run.model_dir().name,
        "input_fingerprint": run.manifest().get("input_fingerprint"),
        "model_sha256": _model_digest(run),
        "items": {task: int(n) for task, n in counts.items()},
        "themes": themes["theme"].tolist(),
        "params": params_to_dict(params),
    }
    write_text(out / KIT_FILE, json.dumps(kit, ensure_ascii=False, indent=2) + "\n")
    return [
        f"wrote the coders' kit {coders}/ ({PAGE_FILE}, {ANSWERS_FILE}, {THEMES_FILE}): "
        + ", ".join(f"{n} {task.replace('_', ' ')} items" for task, n in counts.items()),
        f"wrote the answer key {out / KEY_FILE} and {out / KIT_FILE} (keep them from the coders)",
    ]


def _model_digest(run: RunResults) -> str:
    """SHA-256 of the final model's topic-word matrix: a kit belongs to one model."""
    return hashlib.sha256(run.require(run.model_dir() / "topic_word.npy", "train").read_bytes()).hexdigest()


def _run(run_dir: str | Path) -> RunResults:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ZhtopicsError(f"{run_dir}: not a folder (give the output folder of `zhtopics run`)")
    run = RunResults.from_folder(run_dir)
    run.result_file("doc_topics")
    return run


def read_kit(folder: str | Path, run: RunResults) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The answer key, ``kit.json`` and the theme list of a kit folder, checked against ``run``."""
    folder = Path(folder)
    for name in (KEY_FILE, KIT_FILE, f"{CODERS_DIR}/{THEMES_FILE}"):
        if not (folder / name).exists():
            raise ZhtopicsError(f"{folder / name}: not found; write the kit with `zhtopics validate export` first")
    kit = json.loads((folder / KIT_FILE).read_text(encoding="utf-8"))
    fingerprint = run.manifest().get("input_fingerprint")
    if (
        kit.get("input_fingerprint") != fingerprint
        or kit.get("model") != run.model_dir().name
        or kit.get("model_sha256") != _model_digest(run)
    ):
        raise ZhtopicsError(
            f"{folder / KIT_FILE}: the kit was made from another run or model ({kit.get('model')}) than "
            f"{run.paths.root} ({run.model_dir().name}); export it again"
        )
    key = pd.read_csv(folder / KEY_FILE, dtype=str, keep_default_na=False)
    themes = pd.read_csv(folder / CODERS_DIR / THEMES_FILE, dtype={"theme": str}, keep_default_na=False)
    return key, kit, themes
