"""Read a run: the one object that opens the files a run wrote.

Stages, figures, the topic map, the summary, notebooks and reports read a run folder only
through :class:`RunResults`, so every number they show comes from the files, e.g.::

    run = RunResults.from_folder("..")
    run.choice["k"], run.labels, run.article_topics, run.params.segment
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.paths import RESULT_STAGES, OutputPaths
from zhtopics.wording import Units, corpus_units

if TYPE_CHECKING:
    from gensim.corpora import Dictionary

    from zhtopics.modeling.data import ModelInput
    from zhtopics.params import Params, SegmentParams


#: The text columns of the topic label tables (read as text: an empty cell is "", not NaN).
LABEL_TEXT = {
    column: str for column in ("label", "theme_id", "theme", "theme_en", "runner_up", "top_words", "distinctive_words")
}


def _with_copy_text(table: pd.DataFrame) -> pd.DataFrame:
    """An article table with ``copy_of`` as text ("" where the article copies none)."""
    if "copy_of" in table.columns:
        table["copy_of"] = table["copy_of"].astype("string").fillna("").astype(str)
    return table


class RunResults:
    """Lazy access to the outputs of ``zhtopics run`` below one output folder.

    Parameters
    ----------
    paths : OutputPaths
        The output folder's paths.

    Notes
    -----
    Each attribute reads its file on first use and raises :class:`ZhtopicsError` naming
    the file and the command that writes it when it is missing.
    """

    def __init__(self, paths: OutputPaths):
        self.paths = paths

    @classmethod
    def from_folder(cls, folder: str | Path) -> RunResults:
        return cls(OutputPaths(Path(folder).resolve()))

    # ------------------------------------------------------------------ helpers

    def require(self, path: Path, command: str) -> Path:
        """``path`` if it exists; else a one-line error naming it and the command that writes it."""
        if not path.exists():
            alternative = "" if command == "run" else " (or `zhtopics run`)"
            raise ZhtopicsError(f"{path}: not found; run `zhtopics {command}`{alternative} first")
        return path

    def result_file(self, name: str) -> Path:
        """A results file by name (:data:`zhtopics.paths.RESULT_FILES`), checked to exist."""
        return self.require(self.paths.result(name), RESULT_STAGES[name])

    def has(self, name: str) -> bool:
        """Whether the run wrote the results file ``name`` (e.g. the guided model's tables)."""
        return self.paths.result(name).exists()

    def table(self, name: str, **options) -> pd.DataFrame:
        """A results table by name, read with ``pandas.read_csv(**options)``."""
        return pd.read_csv(self.result_file(name), **options)

    def _json(self, path: Path, command: str) -> dict:
        return json.loads(self.require(path, command).read_text(encoding="utf-8"))

    # ------------------------------------------------------------------ stage 1

    def documents_table(self, columns: list[str] | None = None) -> pd.DataFrame:
        """``documents.parquet``, all columns or some."""
        return pd.read_parquet(self.require(self.paths.documents, "prepare"), columns=columns)

    @cached_property
    def documents(self) -> pd.DataFrame:
        return self.documents_table()

    @cached_property
    def removed(self) -> pd.DataFrame:
        return pd.read_csv(self.require(self.paths.removed, "prepare"))

    def removed_or_none(self) -> pd.DataFrame | None:
        """``removed.csv``, or None when stage 1 wrote none (an input with nothing removed)."""
        return self.removed if self.paths.removed.exists() else None

    @cached_property
    def articles(self) -> pd.DataFrame:
        """``articles.csv``; for a folder written before it existed, the articles of the documents."""
        if self.paths.articles.exists():
            return pd.read_csv(self.paths.articles)
        return self.documents_table(["article_id", "article_title"]).drop_duplicates()

    @cached_property
    def sources(self) -> pd.DataFrame:
        return pd.read_csv(self.require(self.paths.sources, "prepare"))

    @cached_property
    def units(self) -> Units:
        """What the outputs call the documents and their groups (:mod:`zhtopics.wording`)."""
        return corpus_units(self.sources)

    # ------------------------------------------------------------------ stage 2

    @cached_property
    def tokens(self) -> pd.DataFrame:
        return pd.read_parquet(self.require(self.paths.tokens, "segment"))

    def token_counts(self) -> pd.DataFrame:
        """``doc_id`` and ``n_in_dictionary`` of every document (no token lists: cheap at scale)."""
        return pd.read_parquet(self.require(self.paths.tokens, "segment"), columns=["doc_id", "n_in_dictionary"])

    @cached_property
    def token_filter(self) -> pd.DataFrame:
        return pd.read_csv(self.require(self.paths.token_filter, "segment"))

    @cached_property
    def token_filter_by_tag(self) -> pd.DataFrame:
        return pd.read_csv(self.require(self.paths.token_filter_by_tag, "segment"), keep_default_na=False)

    @cached_property
    def segment_summary(self) -> dict:
        return self._json(self.paths.segment_summary, "segment")

    @cached_property
    def dictionary(self) -> Dictionary:
        from gensim.corpora import Dictionary

        return Dictionary.load(str(self.require(self.paths.dictionary, "segment")))

    @cached_property
    def term_counts(self) -> pd.Series:
        """Collection frequency of every Dictionary word, most frequent first (ties by word,
        so the order never depends on the Dictionary's)."""
        counts = pd.Series({self.dictionary[i]: n for i, n in self.dictionary.cfs.items()}, dtype="int64")
        return counts.sort_index().sort_values(ascending=False, kind="stable")

    def model_input(self) -> ModelInput:
        """What the engines train on: the Dictionary and the bags of words as memory maps.

        The pages of the arrays are read from disk as training visits them (they are the
        operating system's cache, not this process's memory); tokens in text order, which
        coherence and tomotopy need, are streamed from ``tokens.parquet``.

        Raises
        ------
        InputError
            When stage 2's files are missing or disagree, or too little is left to model.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from zhtopics.modeling.data import BowCorpus, ModelInput

        for path in (self.paths.tokens, self.paths.dictionary, *self.paths.bow_arrays().values()):
            if not path.exists():
                raise InputError(path, "not found; run `zhtopics segment` first")
        dictionary = self.dictionary
        arrays = self.paths.bow_arrays()
        bow = BowCorpus(
            *(
                np.memmap(path, dtype=path.suffix[1:], mode="r")
                if path.stat().st_size
                else np.zeros(0, path.suffix[1:])
                for path in (arrays["ids"], arrays["counts"], arrays["offsets"])
            )
        )
        tokens_file = self.paths.tokens
        doc_ids = pq.read_table(tokens_file, columns=["doc_id"]).column("doc_id").to_pylist()
        if len(doc_ids) != len(bow):
            raise InputError(
                arrays["offsets"],
                f"{len(bow)} documents but tokens.parquet has {len(doc_ids)}: rerun `zhtopics segment`",
            )
        with_tokens = int((np.diff(bow.offsets) > 0).sum())
        if not len(dictionary) or with_tokens < 2:
            raise InputError(
                self.paths.dictionary,
                f"{len(dictionary)} words and {with_tokens} documents with tokens after filter_extremes: too little "
                "to model (give more documents, or lower segment.filter_extremes.no_below)",
            )
        vocabulary = pa.array(list(dictionary.token2id), pa.string())

        def text_rows(rows):
            table = pq.read_table(tokens_file, columns=["tokens"]).column("tokens")
            return _in_vocabulary(table.take(pa.array(np.asarray(rows, dtype=np.int64))), vocabulary)

        def text_stream(batch_size):
            for batch in pq.ParquetFile(tokens_file).iter_batches(batch_size=batch_size, columns=["tokens"]):
                yield from _in_vocabulary(batch.column(0), vocabulary)

        return ModelInput(
            dictionary, doc_ids=[str(d) for d in doc_ids], bow=bow, text_rows=text_rows, text_stream=text_stream
        )

    # ------------------------------------------------------------------ stages 3 and 4

    @cached_property
    def sweep(self) -> pd.DataFrame:
        return self.table("sweep")

    @cached_property
    def stability(self) -> pd.DataFrame:
        return self.table("stability")

    @cached_property
    def choice(self) -> dict:
        return self._json(self.paths.result("model_choice"), "train")

    @cached_property
    def topics(self) -> pd.DataFrame:
        return self.table("topics")

    @cached_property
    def doc_topics(self) -> pd.DataFrame:
        return self.table("doc_topics", dtype={"doc_id": str})

    def doc_topic_shares(self, extra: tuple[str, ...] = ("doc_id", "text", "n_tokens", "article_id", "article_title")):
        """``doc_topics.csv`` with only the ``topic_*`` columns and those of ``extra`` (less memory)."""
        wanted = set(extra)
        return self.table(
            "doc_topics", dtype={"doc_id": str}, usecols=lambda column: column in wanted or column.startswith("topic_")
        )

    @cached_property
    def article_topics(self) -> pd.DataFrame:
        """``article_topics.csv``; ``copy_of`` is "" for an article that copies none."""
        return _with_copy_text(self.table("article_topics"))

    @cached_property
    def prevalence_by_group(self) -> pd.DataFrame:
        """``prevalence_by_group.csv``: group, topic, share, low, high, n_docs, n_tokens."""
        return self.table("prevalence_by_group", dtype={"group": str})

    @cached_property
    def prevalence_by_time(self) -> pd.DataFrame:
        """``prevalence_by_time.csv``: period, topic, share, low, high, n_docs, n_tokens (written
        when the run has dates: ``corpus.time_column`` or years the articles state)."""
        return self.table("prevalence_by_time", dtype={"period": str})

    @cached_property
    def undated(self) -> pd.DataFrame:
        """``undated.csv``: the documents (or articles) left out of the periods, with the reason."""
        return self.table("undated", dtype=str, keep_default_na=False)

    @cached_property
    def article_years(self) -> pd.DataFrame:
        """``article_years.csv``: the year each article states (empty where none), as written."""
        return self.table("article_years", dtype={"article_id": str, "stated_as": str, "lines": str})

    @cached_property
    def engine_comparison(self) -> pd.DataFrame:
        return self.table("engine_comparison")

    def model_dir(self, engine: str | None = None, guided: bool = False) -> Path:
        """Folder of the final model of ``engine`` (default: the chosen engine) at the chosen K,
        or of the guided model."""
        if guided:
            metrics = self.guided_metrics
            return self.paths.model_dir("tomotopy", metrics["k"], guided=True)
        return self.paths.model_dir(engine or self.choice["engine"], self.choice["k"])

    def topic_word(self, engine: str | None = None) -> np.ndarray:
        return np.load(self.require(self.model_dir(engine) / "topic_word.npy", "train"))

    def doc_topic(self, engine: str | None = None) -> np.ndarray:
        return np.load(self.require(self.model_dir(engine) / "doc_topic.npy", "train"))

    def model_dictionary(self, engine: str | None = None) -> Dictionary:
        """The Dictionary saved with the final model of ``engine`` (default: the chosen engine)."""
        from gensim.corpora import Dictionary

        return Dictionary.load(str(self.require(self.model_dir(engine) / "dictionary.gensim", "train")))

    def manifest(self, engine: str | None = None) -> dict:
        return self._json(self.model_dir(engine) / "manifest.json", "train")

    # ------------------------------------------------------------------ stage 5

    @cached_property
    def labels(self) -> pd.DataFrame:
        """``topic_labels.csv``; an empty theme, runner-up or English name stays an empty string."""
        return self.table("topic_labels", dtype=LABEL_TEXT, keep_default_na=False)

    @cached_property
    def evidence(self) -> pd.DataFrame:
        return self.table("topic_evidence")

    @cached_property
    def guided_labels(self) -> pd.DataFrame:
        return self.table("guided_topic_labels", dtype=LABEL_TEXT, keep_default_na=False)

    @cached_property
    def guided_metrics(self) -> dict:
        return self._json(self.paths.result("guided_metrics"), "themes")

    @cached_property
    def guided_article_topics(self) -> pd.DataFrame:
        return _with_copy_text(self.table("guided_article_topics"))

    @cached_property
    def guided_prevalence_by_group(self) -> pd.DataFrame:
        return self.table("guided_prevalence_by_group", dtype={"group": str})

    @cached_property
    def guided_agreement(self) -> pd.DataFrame:
        """``guided_agreement.csv``: the unsupervised and guided topics matched one to one."""
        return self.table(
            "guided_agreement",
            dtype={"topic": "Int64", "guided_topic": "Int64", "label": str, "guided_label": str},
            keep_default_na=False,
            na_values={column: [""] for column in ("topic", "guided_topic", "similarity")},
        )

    def label(self, topic: int) -> str:
        """The name of a topic of the chosen model."""
        return str(self.labels.set_index("topic").loc[topic, "label"])

    # ------------------------------------------------------------------ the run

    @cached_property
    def run_manifest(self) -> dict:
        """``results/run_manifest.json`` (written by ``zhtopics run`` before the reports)."""
        return self._json(self.paths.result("run_manifest"), "run")

    @cached_property
    def params(self) -> Params:
        """The parameters of the run, from its manifest (file paths resolved against the run folder)."""
        from zhtopics.params import load_params

        return load_params(
            overrides=self.run_manifest["params"],
            overrides_base=self.paths.root,
            overrides_source=str(self.paths.result("run_manifest")),
        )

    def segment_params(self) -> SegmentParams:
        """The ``segment`` parameters stage 2 ran with (recorded in ``segment_summary.json``)."""
        from zhtopics.params import load_params

        recorded = self.segment_summary.get("params")
        if recorded is None:
            raise ZhtopicsError(f"{self.paths.segment_summary}: no parameters recorded; rerun `zhtopics segment`")
        return load_params(
            overrides={"segment": recorded},
            overrides_base=self.paths.root,
            overrides_source=str(self.paths.segment_summary),
        ).segment


def _in_vocabulary(token_lists, vocabulary) -> list[list[str]]:
    """Each document's tokens that are in ``vocabulary`` (an Arrow string array), in order:
    the lists of an Arrow ``list<string>`` array filtered in Arrow, then made Python lists."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(token_lists, pa.ChunkedArray):
        token_lists = token_lists.combine_chunks()
    flat = pc.list_flatten(token_lists)
    keep = pc.is_in(flat, value_set=vocabulary)
    documents = pc.list_parent_indices(token_lists).filter(keep).to_numpy()
    offsets = np.zeros(len(token_lists) + 1, dtype=np.int32)
    np.cumsum(np.bincount(documents, minlength=len(token_lists)), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), flat.filter(keep)).to_pylist()
