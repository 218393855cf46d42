"""The scores of coders' answers (``zhtopics validate score``).

- **Word intrusion**, model precision per topic (Chang et al. 2009): the share of answers
  that pick the intruder, over a topic's items and the coders. Chance: 1 / (words shown).
- **Topic intrusion**, topic log odds (TLO, Chang et al. 2009): per answer
  ``log θ_d,intruder - log θ_d,chosen`` (0 when the intruder is chosen, negative
  otherwise; shares below 1e-6, the precision of ``doc_topics.csv``, count as 1e-6), and
  the share of intruders found. Chance: the mean of the same quantities over a uniformly
  random choice among the options, per item.
- **Coding**, the model's agreement with a coder: normalised and adjusted mutual
  information between the documents' dominant topics and the coder's themes
  (``sklearn.metrics``), and Cohen's κ after matching topics to themes one to one so
  that they agree most often (Hungarian matching, ``scipy.optimize.linear_sum_assignment``;
  a topic left without a theme disagrees). Chance: AMI 0; NMI and the matched κ are above
  0 for random labels (NMI grows with the labels per document; the matching pairs topics
  with the themes they share most by luck), so their chance is the mean over
  ``validate.chance_permutations`` shufflings of the coder's labels.
- **Between two coders**: Cohen's κ on the items both answered, per task.

:func:`score_tables` returns one row per fact: ``task, measure, coder, topic, value, n,
chance``.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_mutual_info_score, cohen_kappa_score, normalized_mutual_info_score

from zhtopics.atomic import write_csv, write_text
from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.validate.kit import KEY_FILE, TASKS, _run, read_kit

logger = logging.getLogger(__name__)

#: Files written by ``zhtopics validate score`` (in ``--out``, default ``<kit>/scores/``).
SCORES_FILE = "validation_scores.csv"
SCORES_PAGE = "validation_scores.html"
SCORE_COLUMNS = ["task", "measure", "coder", "topic", "value", "n", "chance"]
#: The smallest share in doc_topics.csv (6 decimals): the floor of the log odds.
MIN_SHARE = 1e-6


def read_answers(path: str | Path, key: pd.DataFrame, themes: pd.DataFrame) -> pd.Series:
    """A coder's answers: item_id → the chosen option number (themes by number), answered items only.

    Raises
    ------
    InputError
        Naming the file: a missing ``item_id`` or ``answer`` column, an item id the kit
        does not have, a repeated item, or an answer that is not one of the item's options.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(path, f"not a readable CSV file ({' '.join(str(error).split())[:120]})") from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "empty file") from None
    missing = [column for column in ("item_id", "answer") if column not in table.columns]
    if missing:
        raise InputError(path, f"no column {', '.join(repr(m) for m in missing)} (columns: {', '.join(table.columns)})")
    table["item_id"] = table["item_id"].str.strip()
    unknown = sorted(set(table["item_id"]) - set(key["item_id"]))
    if unknown:
        raise InputError(path, f"{len(unknown)} item ids not in the kit's {KEY_FILE}: {', '.join(unknown[:5])}")
    repeated = table["item_id"][table["item_id"].duplicated()].tolist()
    if repeated:
        raise InputError(path, f"item ids answered twice: {', '.join(repeated[:5])}")
    options = key.set_index("item_id")
    theme_numbers = {str(t).strip(): int(n) for n, t in zip(themes["number"], themes["theme"])}
    answers = {}
    for line, (item, answer) in enumerate(zip(table["item_id"], table["answer"].str.strip()), start=2):
        if not answer:
            continue
        if re.fullmatch(r"\d+\.0*", answer):  # a number a spreadsheet wrote as 3.0
            answer = answer.split(".")[0]
        task = options.loc[item, "task"]
        if task == TASKS["C"]:
            choice = int(answer) if answer.isdigit() else theme_numbers.get(answer)
            valid = choice is not None and 1 <= choice <= len(themes)
        else:
            shown = _shown_options(table, item, options.loc[item])
            choice = int(answer) if answer.isdigit() else shown.get(answer)
            valid = choice is not None and 1 <= choice <= _n_options(options.loc[item])
        if not valid:
            raise InputError(path, f"line {line}, item {item}: answer '{answer}' is not one of its options")
        answers[item] = choice
    return pd.Series(answers, dtype="int64", name=path.stem)


def _n_options(key_row: pd.Series) -> int:
    return int(key_row["n_options"])


def _shown_options(table: pd.DataFrame, item: str, key_row: pd.Series) -> dict[str, int]:
    """An answer given as the option's text (a word): its number, from the sheet's ``options``."""
    if "options" not in table.columns:
        return {}
    text = table.loc[table["item_id"] == item, "options"].iloc[0]
    shown = {}
    for option in filter(None, (part.strip() for part in text.split(" | "))):
        number, _, word = option.partition(" ")
        if number.isdigit():
            shown[word] = int(number)
    return shown


def _tlo(key: pd.DataFrame, chosen: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Topic log odds of each answered item, and its expectation under a random choice."""
    values, chance = [], []
    for item, choice in chosen.items():
        row = key.loc[item]
        shares = np.maximum(np.array([float(s) for s in row["option_shares"].split("|")]), MIN_SHARE)
        logs = np.log(shares[int(row["answer"]) - 1]) - np.log(shares)
        values.append(logs[choice - 1])
        chance.append(logs.mean())
    return np.array(values), np.array(chance)


def _matched_kappa(topics: np.ndarray, labels: np.ndarray) -> float:
    """Cohen's κ after matching each topic to at most one label (Hungarian, most agreements)."""
    topic_values, label_values = np.unique(topics), np.unique(labels)
    table = np.zeros((len(topic_values), len(label_values)))
    np.add.at(table, (np.searchsorted(topic_values, topics), np.searchsorted(label_values, labels)), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = {int(topic_values[r]): int(label_values[c]) for r, c in zip(rows, cols)}
    predicted = np.array([mapping.get(int(t), -1) for t in topics])
    return float(cohen_kappa_score(labels, predicted))


def permutation_chance(score, model: np.ndarray, labels: np.ndarray, permutations: int, seed: int) -> float:
    """The mean of ``score(labels, model)`` over ``permutations`` shufflings of ``labels`` (under ``seed``)."""
    rng = np.random.default_rng(seed)
    return float(np.mean([score(rng.permutation(labels), model) for _ in range(permutations)]))


def _kappa_of_labels(labels: np.ndarray, model: np.ndarray) -> float:
    return _matched_kappa(model, labels)


def coder_scores(key: pd.DataFrame, answers: pd.Series, n_words: int, permutations: int, seed: int) -> list[dict]:
    """The rows of one coder (see the module docstring); ``key`` is indexed by item_id."""
    coder, rows = answers.name, []
    tasks = key.loc[answers.index, "task"]
    word = answers[tasks == TASKS["W"]]
    if len(word):
        hit = word == key.loc[word.index, "answer"].astype(int)
        topics = key.loc[word.index, "topic"].astype(int)
        for topic, hits in hit.groupby(topics):
            rows.append(_row("word_intrusion", "model_precision", coder, topic, hits.mean(), len(hits), 1 / n_words))
        rows.append(_row("word_intrusion", "model_precision", coder, "all", hit.mean(), len(hit), 1 / n_words))
    topic = answers[tasks == TASKS["T"]]
    if len(topic):
        tlo, chance = _tlo(key, topic)
        hit = topic == key.loc[topic.index, "answer"].astype(int)
        n_options = key.loc[topic.index, "option_topics"].str.count(r"\|") + 1
        rows.append(_row("topic_intrusion", "topic_log_odds", coder, "all", tlo.mean(), len(tlo), chance.mean()))
        rows.append(
            _row("topic_intrusion", "precision", coder, "all", hit.mean(), len(hit), float((1 / n_options).mean()))
        )
    coded = answers[tasks == TASKS["C"]]
    if len(coded) >= 2:
        model = key.loc[coded.index, "topic"].astype(int).to_numpy()
        labels = coded.to_numpy()
        nmi, kappa = normalized_mutual_info_score, _kappa_of_labels
        rows += [
            _row(
                "coding",
                "nmi",
                coder,
                "all",
                nmi(labels, model),
                len(labels),
                permutation_chance(nmi, model, labels, permutations, seed),
            ),
            _row("coding", "ami", coder, "all", adjusted_mutual_info_score(labels, model), len(labels), 0.0),
            _row(
                "coding",
                "kappa_matched",
                coder,
                "all",
                kappa(labels, model),
                len(labels),
                permutation_chance(kappa, model, labels, permutations, seed),
            ),
        ]
    return rows


def _row(task, measure, coder, topic, value, n, chance) -> dict:
    return {
        "task": task,
        "measure": measure,
        "coder": coder,
        "topic": topic,
        "value": round(float(value), 6),
        "n": int(n),
        "chance": None if chance is None else round(float(chance), 6),
    }


def intercoder_scores(key: pd.DataFrame, first: pd.Series, second: pd.Series) -> list[dict]:
    """Cohen's κ between two coders on the items both answered, per task."""
    both = first.index.intersection(second.index)
    rows = []
    for task in TASKS.values():
        items = [item for item in both if key.loc[item, "task"] == task]
        if len(items) >= 2:
            kappa = cohen_kappa_score(first[items], second[items])
            pair = f"{first.name} & {second.name}"
            rows.append(_row(task, "intercoder_kappa", pair, "all", 0.0 if np.isnan(kappa) else kappa, len(items), 0.0))
    return rows


def score_tables(
    key: pd.DataFrame, coders: list[pd.Series], n_words: int, permutations: int, seed: int
) -> pd.DataFrame:
    """Every score of one or two coders (one row per fact)."""
    key = key.set_index("item_id")
    rows = [row for answers in coders for row in coder_scores(key, answers, n_words, permutations, seed)]
    if len(coders) == 2:
        rows += intercoder_scores(key, coders[0], coders[1])
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def scores_page(table: pd.DataFrame, title: str) -> str:
    """A short self-contained HTML page of the scores (no script, inline style)."""
    body = table.to_html(index=False, na_rep="", escape=True, float_format=lambda v: f"{v:.3f}")
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>One row per score; <em>chance</em> is what a coder answering at random "
        "would get (see zhtopics.validate.scoring).</p>"
        f"{body}</body></html>\n"
    )


def score_answers(
    run_dir: str | Path, coded: list[Path], kit: str | Path | None = None, out: str | Path | None = None
) -> list[str]:
    """``zhtopics validate score``: read the kit and the answers, write the table and the page.

    Returns
    -------
    list of str
        The console lines (a summary of the scores).
    """
    if not 1 <= len(coded) <= 2:
        raise ZhtopicsError(f"give one or two coders' answer files (got {len(coded)})")
    run = _run(run_dir)
    kit = Path(kit) if kit is not None else run.paths.root / "validation"
    key, meta, themes = read_kit(kit, run)
    key["n_options"] = [
        len(t.split("|")) if task == TASKS["T"] else meta["params"]["word_intrusion"]["top_words"] + 1
        for t, task in zip(key["option_topics"], key["task"])
    ]
    coders = [read_answers(path, key, themes) for path in coded]
    if len(coders) == 2 and coders[0].name == coders[1].name:
        coders[1].name = f"{coders[1].name}_2"
    n_words = meta["params"]["word_intrusion"]["top_words"] + 1
    settings = meta["params"]
    table = score_tables(key, coders, n_words, settings["chance_permutations"], settings["seed"])
    out = Path(out) if out is not None else kit / "scores"
    out.mkdir(parents=True, exist_ok=True)
    write_csv(table, out / SCORES_FILE)
    write_text(out / SCORES_PAGE, scores_page(table, f"Validation scores · {meta['model']}"))
    lines = []
    for answers in coders:
        lines.append(f"{answers.name}: {len(answers)} of {len(key)} items answered")
    overall = table[table["topic"].astype(str) == "all"]
    for row in overall.itertuples():
        chance = "" if pd.isna(row.chance) else f" (chance {row.chance:.3f})"
        lines.append(f"{row.task} {row.measure} [{row.coder}]: {row.value:.3f} over {row.n}{chance}")
    lines.append(f"wrote {out / SCORES_FILE} and {out / SCORES_PAGE}")
    return lines
