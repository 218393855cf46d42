"""Stage 1 on disk: the input read, cleaned and split into ``data/interim/``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from zhtopics.ingest.build import prepare_corpus
from zhtopics.ingest.prepared import write_prepared
from zhtopics.wording import corpus_units

if TYPE_CHECKING:
    from zhtopics.pipeline import StageContext

logger = logging.getLogger(__name__)


def run_prepare(context: StageContext) -> list[str]:
    """Read ``context.input`` with the ``corpus`` parameters and write the stage-1 tables.

    Returns
    -------
    list of str
        One console line per input file (format, encoding, what it held or why it was
        skipped) and one for what was written.
    """
    paths = context.paths
    prepared = prepare_corpus(context.input, context.params.corpus)
    write_prepared(prepared, paths)
    lines = []
    units = corpus_units(prepared.sources)
    for _, source in prepared.sources.iterrows():
        status = source.get("status", "ok")
        if status in ("ok", "warning"):
            problem = f" ({source['problem']})" if status == "warning" else ""
            lines.append(
                f"read {source['source_file']}: {source['format']}, encoding {source['encoding']}, "
                f"{source['articles']} {units.groups}, {source['paragraphs']} {units.documents}{problem}"
            )
        else:
            lines.append(f"{source['source_file']}: {status}: {source['problem']}")
    altered = ""
    if len(prepared.altered):
        altered = f", {paths.altered} ({len(prepared.altered)} changed, with the original text)"
    lines.append(
        f"wrote {paths.documents} ({len(prepared.documents)} {units.documents}) and "
        f"{paths.removed} ({len(prepared.removed)} removals with reasons){altered}"
    )
    return lines
