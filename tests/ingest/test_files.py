"""Which files an input path stands for: the reader's listing, and the manifest's (the same)."""

from __future__ import annotations

import logging

from zhtopics.ingest import list_input_files, prepare_corpus
from zhtopics.provenance.manifest import input_files, input_hashes
from zhtopics.provenance.verify import input_warnings

TEXTS = {"b.txt": "微信电商为什么走不通。", ".hidden.txt": "朋友圈卖面膜的微商越来越多。"}


def _folder(root):
    for name, text in TEXTS.items():
        (root / name).write_text(text + "\n", encoding="utf-8")
    (root / "notes.md").write_text("not read", encoding="utf-8")
    (root / "sub").mkdir()
    return root


def test_the_listing_is_what_the_reader_reads_and_logs_nothing(tmp_path, params, caplog):
    folder = _folder(tmp_path)
    with caplog.at_level(logging.INFO, logger="zhtopics.ingest"):
        listed = list_input_files(folder)
    assert [p.name for p in listed] == [".hidden.txt", "b.txt"]
    assert caplog.records == []
    with caplog.at_level(logging.WARNING, logger="zhtopics.ingest"):
        prepared = prepare_corpus(folder, params.corpus)
    assert "ignoring what is not a .txt file: notes.md, sub" in caplog.text
    sources = prepared.sources
    assert sources.loc[sources["status"] != "ignored", "source_file"].tolist() == [p.name for p in listed]


def test_the_manifest_and_verify_see_every_file_the_reader_reads(tmp_path):
    """Bug fix: manifest.input_files listed a folder's .txt files itself and skipped hidden
    ones, which the reader reads, so ``zhtopics verify`` missed a change in one."""
    folder = _folder(tmp_path)
    assert input_files(folder) == list_input_files(folder)
    manifest = {"input": {"files": input_hashes(folder)}}
    assert sorted(manifest["input"]["files"]) == [".hidden.txt", "b.txt"]
    (folder / ".hidden.txt").write_text("朋友圈卖面膜的微商越来越少。\n", encoding="utf-8")
    assert input_warnings(manifest, folder, tmp_path) == ["input .hidden.txt: content differs from the recorded one"]
    # a path the reader refuses holds no input file: verify reports the recorded ones missing
    assert input_files(tmp_path / "gone") == []
    assert input_warnings(manifest, tmp_path / "gone", tmp_path) == [
        "input .hidden.txt: missing (recorded in the manifest)",
        "input b.txt: missing (recorded in the manifest)",
    ]
