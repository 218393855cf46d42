"""Parameter files: unknown keys, wrong types and broken YAML are one-line errors naming the
file, the key path (or the line) and the problem."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from zhtopics.errors import InputError, ZhtopicsError

from zhtopics.params import load_params

from zhtopics.config import DEFAULT_PARAMS_FILE, check_value  # TODO retire


def _config(tmp_path, text: str):
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("sweep:\n  seeds: abc\n", "sweep.seeds: expected a list of integers, got 'abc'"),
        ("sweep:\n  seeds: [1, two]\n", "sweep.seeds: expected a list of integers, got [1, 'two']"),
        ("sweep:\n  seeds: [1, 2.5]\n", "sweep.seeds: expected a list of integers, got [1, 2.5]"),
        ("train:\n  topn: 3.5\n", "train.topn: expected an integer, got 3.5"),
        ("train:\n  topn: '30'\n", "train.topn: expected an integer, got '30'"),
        ("train:\n  topn: true\n", "train.topn: expected an integer, got true"),  # a boolean is not an integer
        ("train:\n  topn: null\n", "train.topn: expected an integer, got null"),
        ("selection:\n  min_stability: high\n", "selection.min_stability: expected a number, got 'high'"),
        ("selection:\n  min_stability: false\n", "selection.min_stability: expected a number, got false"),
        ("figures:\n  gloss: 1\n", "figures.gloss: expected true or false, got 1"),
        ("figures:\n  formats: png\n", "figures.formats: expected a list of strings, got 'png'"),
        ("figures:\n  formats: [png, 3]\n", "figures.formats: expected a list of strings, got ['png', 3]"),
        ("segment:\n  phrases: yes\n", "segment.phrases: expected a mapping (a section of keys), got true"),
        (
            "segment:\n  filter_extremes:\n    no_below: [2]\n",
            "segment.filter_extremes.no_below: expected an integer, got [2]",
        ),
        ("corpus:\n  text_column: 3\n", "corpus.text_column: expected null or a string, got 3"),
        ("segment:\n  chunk_size: many\n", "segment.chunk_size: expected null or an integer, got 'many'"),
        (
            "sweep:\n  k: many\n",
            "sweep.k: expected a mapping {start, stop, step} of integers, a list of integers or an integer, got 'many'",
        ),
        ("sweep:\n  k: {start: 2, stop: 5.5}\n", "sweep.k: expected a mapping"),
        ("sweep:\n  k: {start: 2, end: 5}\n", "unknown parameter 'sweep.k.end' (known here: start, step, stop)"),
        (
            "engines:\n  tomotopy:\n    alpha: [0.1, x]\n",
            "engines.tomotopy.alpha: expected a number or a list of numbers",
        ),
        ("sweep:\n  seed: [1]\n", "unknown parameter 'sweep.seed'"),
        ("sweeps:\n  seeds: [1]\n", "unknown parameter 'sweeps'"),
    ],
)
def test_wrong_values_name_the_file_and_key_path(tmp_path, text, message):
    config = _config(tmp_path, text)
    with pytest.raises(ZhtopicsError) as caught:
        load_params(config)
    assert str(caught.value).startswith(f"{config}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "text, key, expected",
    [
        (
            "selection:\n  min_stability: 1\n",
            ("selection", "min_stability"),
            1,
        ),  # an integer where a number is expected
        ("sweep:\n  k: [3, 4]\n", ("sweep", "k"), [3, 4]),
        ("sweep:\n  k: 3\n", ("sweep", "k"), 3),
        ("sweep:\n  k: {start: 2, stop: 4}\n", ("sweep", "k"), {"start": 2, "stop": 4, "step": 1}),  # default step kept
        ("segment:\n", ("segment", "backend"), "rjieba"),  # an empty section changes nothing
        ("corpus:\n  text_column: content\n", ("corpus", "text_column"), "content"),
        ("corpus:\n  opencc: t2s\n", ("corpus", "opencc"), "t2s"),
        ("segment:\n  userdict: null\n", ("segment", "userdict"), None),  # null: no user dictionary
        ("sweep:\n  coherence_docs: null\n", ("sweep", "coherence_docs"), None),
        ("engines:\n  gensim:\n    alpha: 0.1\n    eta: auto\n", ("engines", "gensim", "eta"), "auto"),
        ("engines:\n  gensim:\n    alpha: [0.1, 0.2]\n", ("engines", "gensim", "alpha"), [0.1, 0.2]),
        ("segment:\n  phrases:\n    threshold: 8\n", ("segment", "phrases", "threshold"), 8),
        ("", ("train", "topn"), 30),  # an empty file changes nothing
    ],
)
def test_valid_values_are_merged(tmp_path, text, key, expected):
    params = load_params(_config(tmp_path, text))
    value = params
    for part in key:
        value = value[part]
    assert value == expected


def test_params_yaml_is_valid_against_itself():
    assert load_params(DEFAULT_PARAMS_FILE) == load_params()


def test_overrides_are_checked_and_named():
    with pytest.raises(ZhtopicsError, match=re.escape("command line: sweep.k: expected")):
        load_params(overrides={"sweep": {"k": "three"}})


@pytest.mark.parametrize(
    "name, value, default, problem",
    [
        ("a.b", True, 1, "expected an integer, got true"),
        ("a.b", 1, 1.0, None),
        ("a.b", True, 1.0, "expected a number, got true"),
        ("a.b", ["x"], [1, 2], "expected a list of integers, got ['x']"),
        ("a.b", [1.5], [0.5], None),
        ("a.b", [], ["png"], None),
        ("a.b", {"x": 1}, None, None),  # a null default without a documented type accepts anything
        ("a.b", "x" * 100, 1, "expected an integer, got '" + "x" * 58 + "…"),  # cut to 60 characters
    ],
)
def test_check_value(name, value, default, problem):
    assert check_value(name, value, default) == problem


@pytest.mark.parametrize(
    "text, where",
    [
        ("sweep:\n  k: [3\n", "line 3, column 1"),
        ("sweep:\n  seeds: [1]\n engines: 2\n", "line 3, column"),
        ("a: b: c\n", "line 1, column 5"),
    ],
)
def test_broken_yaml_names_the_file_and_line(tmp_path, text, where):
    config = _config(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_params(config)
    message = str(caught.value)
    assert message.startswith(f"{config}: {where}") and "not valid YAML" in message and "\n" not in message


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"- 1\n- 2\n", "expected a mapping of sections"),
        (b"sweep:\n  seeds: [1]\n\xff\xfe\n", "not UTF-8 text"),
    ],
)
def test_other_bad_files(tmp_path, content, problem):
    config = tmp_path / "my.yaml"
    config.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(f"{config}: {problem}")):
        load_params(config)


def test_missing_and_unreadable_config(tmp_path):
    with pytest.raises(InputError, match="parameter file not found"):
        load_params(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match=re.escape(f"{tmp_path}: ")):
        load_params(tmp_path)  # a folder


def test_command_line_reports_a_wrong_type_in_one_line_with_status_2(tmp_path):
    _config(tmp_path, "sweep:\n  seeds: abc\n")
    result = subprocess.run(
        [sys.executable, "-m", "zhtopics", "segment", "--out", str(tmp_path / "out"), "--config", "my.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr == "zhtopics: error: my.yaml: sweep.seeds: expected a list of integers, got 'abc'\n"
    assert not (tmp_path / "out").exists()  # nothing written before the parameters are valid
