"""Markdown of ``benchmarks/results/segmentation_defaults.json`` (written by
``benchmarks/segmentation_defaults.py``; do not edit the .md by hand)."""

from __future__ import annotations

from pathlib import Path

#: Tags whose kept tokens are listed per corpus (the ones the previous defaults dropped).
NEW_TAGS = ("j", "l", "s", "t", "b", "i", "nrt", "nrfg")
CORPUS_TITLES = {
    "seed": "Seed corpus (data/raw, the project's params.yaml), K = 4, no labels",
    "posts": "Posts with known subjects (benchmarks/corpora/posts_known_subjects.csv), K = 8",
    "planted_60": "Planted corpus, 60 characters a document (benchmarks/generate.py), K = 10",
    "planted_30": "Planted corpus, 30 characters a document (benchmarks/generate.py), K = 10",
}


def _words(pairs, n: int = 15) -> str:
    return " ".join(f"{w} {c}" for w, c in pairs[:n]) or "—"


def _mean_sd(row: dict, key: str) -> str:
    if f"{key}_mean" not in row:
        return "—"
    return f"{row[f'{key}_mean']:.3f} ± {row[f'{key}_sd']:.3f}"


def _is_default(row: dict, defaults: dict | None) -> bool:
    return bool(defaults) and row["name"] == defaults.get("setting")


def settings_table(corpus: dict, defaults: dict | None) -> list[str]:
    labelled = "nmi_mean" in corpus["settings"][0]
    planted = "planted_share_of_kept_tokens" in corpus["settings"][0]
    header = ["setting", "tokens kept", "vocabulary"]
    if labelled:
        header += ["NMI vs labels (mean ± sd over seeds)", "naive Bayes accuracy"]
    if planted:
        header += ["planted share of kept tokens", "planted words in Dictionary"]
    header += ["stability", "c_v", "NMI between seeds", "NMI to before defaults"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in corpus["settings"]:
        name = f"**{row['name']}** (packaged defaults)" if _is_default(row, defaults) else row["name"]
        cells = [name, str(row["tokens_kept"]), str(row["vocabulary"])]
        if labelled:
            cells += [_mean_sd(row, "nmi"), f"{row['subject_accuracy_naive_bayes']:.3f}"]
        if planted:
            cells += [f"{row['planted_share_of_kept_tokens']:.3f}", f"{row['planted_words_in_dictionary']:.3f}"]
        cells += [
            f"{row['stability']:.3f}",
            _mean_sd(row, "c_v"),
            f"{row['nmi_between_seeds']:.3f}",
            f"{row['nmi_to_before_defaults']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _row(corpus: dict, name: str) -> dict | None:
    return next((row for row in corpus["settings"] if row["name"] == name), None)


def tag_table(corpus: dict) -> list[str]:
    """What the tags the previous defaults dropped keep, in the widest setting."""
    widest = corpus["settings"][-1]
    lines = [
        f"Kept tokens of each tag in the widest setting ({widest['name']}; occurrences, most frequent first):",
        "",
        "| tag | tokens | distinct | most frequent |",
        "| --- | --- | --- | --- |",
    ]
    for tag in NEW_TAGS:
        entry = widest["kept_by_tag"].get(tag)
        if entry:
            lines.append(f"| {tag} | {entry['tokens']} | {entry['distinct']} | {_words(entry['examples'])} |")
    single = widest["single_characters"]
    lines.append(
        f"| single characters | {single['tokens']} | {single['distinct']} | {_words(single['examples'], 25)} |"
    )
    evaluative = _row(corpus, widest["pos"] + ", 2 chars + evaluative")
    if evaluative:
        single = evaluative["single_characters"]
        lines.append(
            f"| single characters, 2 chars + evaluative | {single['tokens']} | {single['distinct']} | "
            f"{_words(single['examples'], 25)} |"
        )
    return lines


def specificity_table(corpus: dict) -> list[str]:
    table = corpus.get("subject_specificity_by_tag")
    if not table:
        return []
    lines = [
        f"Subject specificity of the kept tokens by tag ({corpus['subject_specificity_setting']}): 1 − entropy of "
        "a token's subjects / log 8, over tokens seen at least 3 times, weighted by occurrences (1: the token "
        "occurs in one subject only; 0: evenly in all eight).",
        "",
        "| tag | tokens counted | occurrences | mean specificity | least specific (token, occurrences, specificity) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for tag, entry in table.items():
        least = " ".join(f"{w} {n} {s:.2f}" for w, n, s in entry["least_specific"][:8])
        lines.append(
            f"| {tag} | {entry['tokens_counted']} | {entry['occurrences']} | {entry['mean_specificity']:.3f} | {least} |"
        )
    return lines


def key_terms_table(corpus: dict, names: list[str]) -> list[str]:
    rows = [row for row in (_row(corpus, name) for name in names) if row and "key_terms" in row]
    if not rows:
        return []
    lines = [
        "Key terms: in the Dictionary (✓), kept but removed by filter_extremes (seen once: ·), or dropped by the "
        "filters (✗):",
        "",
        "| kind | " + " | ".join(row["name"] for row in rows) + " |",
        "| --- |" + " --- |" * len(rows),
    ]
    mark = {"dictionary": "✓", "kept": "·", "dropped": "✗"}
    for kind, words in rows[0]["key_terms"].items():
        cells = [" ".join(f"{w}{mark[row['key_terms'][kind][w]]}" for w in words) for row in rows]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines


def top_words(corpus: dict, names: list[str]) -> list[str]:
    lines = []
    for name in names:
        row = _row(corpus, name)
        if not row:
            continue
        lines += [f"Top words of the medoid seed ({row['medoid_seed']}), {name}:", ""]
        lines += [f"{i}. {' '.join(words)}" for i, words in enumerate(row["medoid_top_words"])]
        lines.append("")
    return lines


def foreign_tokens(corpus: dict, names: list[str]) -> list[str]:
    lines = []
    for name in names:
        row = _row(corpus, name)
        if row and "foreign_tokens" in row:
            lines.append(f"- {name}: kept tokens that are not planted words: {_words(row['foreign_tokens'])}")
    return lines


def seed_pipeline_section(seed: dict) -> list[str]:
    """The seed study through the real stages with the previous and the packaged defaults."""
    runs = [key for key in ("before_k4", "after_k4", "before_sweep", "after_sweep") if key in seed]
    lines = [
        "## The seed study through the real stages",
        "",
        "`zhtopics prepare`, `segment`, `train --k 4` (and, where shown, `train` with the whole sweep and the "
        "model choice) on `data/raw` with the project's `params.yaml`: `before` with the previous `allowed_pos` "
        "and stopword list, `after` with the packaged defaults "
        "(`benchmarks/segmentation_defaults_seed.py`).",
        "",
        "| run | tokens kept | tokens in Dictionary | vocabulary | paragraphs without tokens | engine, K | "
        "mean c_v | stability |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key in runs:
        run = seed[key]
        lines.append(
            f"| {key} | {run['tokens_kept']} | {run['tokens_in_dictionary']} | {run['vocabulary']} | "
            f"{run['documents_without_tokens']} | {run['engine']}, {run['k']} | {run['chosen_metric_mean']:.3f} | "
            f"{run['chosen_stability']:.3f} |"
        )
    lines += [
        "",
        f"Words in the Dictionary only after: {' '.join(seed['vocabulary_added']) or '—'}.",
        "",
        f"Words in the Dictionary only before: {' '.join(seed['vocabulary_removed']) or '—'}.",
        "",
    ]
    for key in runs:
        lines += [f"Topics of {key} (top 10 words of the consensus, `results/topics.csv`):", ""]
        lines += [f"{i}. {' '.join(words)}" for i, words in enumerate(seed[key]["top_words"])]
        lines.append("")
    return lines


def write_markdown(results: dict, path: Path) -> None:
    defaults = results.get("packaged_defaults")
    machine = results["machine"]
    loads = "; ".join(
        f"{name} {part['load_average']['start']} → {part['load_average']['end']}"
        for name, part in [*results["corpora"].items(), ("seed_pipeline", results.get("seed_pipeline", {}))]
        if "load_average" in part
    )
    seeds = ", ".join(f"{name} {len(corpus['seeds'])} seeds" for name, corpus in results["corpora"].items())
    lines = [
        "# Segmentation defaults, chosen by measurement",
        "",
        "Written by `benchmarks/segmentation_defaults.py` (method in its docstring); numbers from "
        "`segmentation_defaults.json`. Settings: part-of-speech sets × single-character rules, with the packaged "
        "stopwords; `before defaults` is the previous `allowed_pos` with the previous stopword list "
        "(`benchmarks/corpora/stopwords_before.txt`). Models: tomotopy with the packaged engine parameters, "
        f"{seeds}. "
        f"Machine: {machine['cpus']} CPUs shared with other work; load averages (1, 5, 15 min) at the start "
        f"and end of each part: {loads}.",
        "",
        "Part-of-speech sets: "
        + "; ".join(f"`{name}` = {' '.join(tags)}" for name, tags in results["pos_sets"].items()),
        "",
        "Single-character rules: "
        + "; ".join(
            f"`{name}` = min_token_chars {rule[0]}{', evaluative list' if rule[1] else ''}"
            for name, rule in results["char_rules"].items()
        ),
        "",
    ]
    if defaults:
        lines += [
            f"Packaged defaults: `allowed_pos` {' '.join(defaults['allowed_pos'])}, `min_token_chars` "
            f"{defaults['min_token_chars']}, `evaluative` {defaults['evaluative']} (setting `{defaults['setting']}`).",
            "",
        ]
    chosen = defaults["setting"] if defaults else None
    for name, corpus in results["corpora"].items():
        lines += [f"## {CORPUS_TITLES.get(name, name)}", "", f"{corpus['documents']} documents.", ""]
        lines += settings_table(corpus, defaults) + [""]
        lines += tag_table(corpus) + [""]
        lines += specificity_table(corpus) + [""]
        pos = chosen.rsplit(", ", 1)[0] if chosen else None
        picked = ["before defaults", chosen, f"{pos}, 2 chars + evaluative", f"{pos}, 1 char"] if chosen else []
        lines += key_terms_table(corpus, picked) + [""]
        lines += foreign_tokens(corpus, picked) + [""]
        if name in ("seed", "posts") and chosen:
            lines += top_words(corpus, ["before defaults", chosen])
    if "seed_pipeline" in results:
        lines += seed_pipeline_section(results["seed_pipeline"])
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
