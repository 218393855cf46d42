"""Parameter files: unknown keys, wrong types and broken YAML are one-line errors naming the
file, the key path (or the line) and the problem."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from zhtopics.errors import InputError, ZhtopicsError
from zhtopics.params import DEFAULTS_FILE, PACKAGE_DIR, KRange, Params, load_params, params_to_dict

from .conftest import PROJECT_ROOT, SEED_PARAMS


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
        value = value[part] if isinstance(value, dict) or part in ("gensim", "tomotopy") else getattr(value, part)
    if isinstance(expected, dict):
        expected = KRange(**expected)
    assert value == expected


def test_the_packaged_defaults_are_complete_and_valid_against_themselves():
    assert load_params(DEFAULTS_FILE) == load_params()
    assert isinstance(load_params(), Params)
    assert load_params(SEED_PARAMS) != load_params()  # the seed study changes some


def test_a_default_missing_from_the_packaged_file_is_named(tmp_path, monkeypatch):
    import zhtopics.params.loading

    broken = tmp_path / "params.yaml"
    broken.write_text(DEFAULTS_FILE.read_text(encoding="utf-8").replace("  topn: 30\n", "", 1), encoding="utf-8")
    monkeypatch.setattr(zhtopics.params.loading, "DEFAULTS_FILE", broken)
    with pytest.raises(ZhtopicsError, match=r"params.yaml: train: missing"):
        load_params()
    broken.write_text(DEFAULTS_FILE.read_text(encoding="utf-8").replace("  min_chars: 2\n", "", 1), encoding="utf-8")
    with pytest.raises(ZhtopicsError, match=r"params.yaml: corpus: missing min_chars"):
        load_params()


def test_relative_file_parameters_resolve_against_their_files_folder(tmp_path, monkeypatch):
    study = tmp_path / "study"
    study.mkdir()
    config = study / "my.yaml"
    config.write_text("segment:\n  userdict: lexicon/words.txt\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_params(config).segment.userdict == study / "lexicon" / "words.txt"
    # on the command line (overrides), against the current folder
    assert load_params(overrides={"segment": {"userdict": "words.txt"}}).segment.userdict == tmp_path / "words.txt"
    # <zhtopics>/ names the package's own files; the seed study's against the project
    assert load_params().segment.stopwords_file == PACKAGE_DIR / "lexicon" / "stopwords.txt"
    assert load_params(SEED_PARAMS).themes.file == PROJECT_ROOT / "data" / "lexicon" / "themes.yaml"


def test_parameters_written_back_are_relative_and_read_back_the_same(tmp_path):
    params = load_params(SEED_PARAMS)
    plain = params_to_dict(params, PROJECT_ROOT)
    assert plain["segment"]["userdict"] == "data/lexicon/userdict.txt"
    assert plain["segment"]["stopwords_file"] == "<zhtopics>/lexicon/stopwords.txt"
    again = load_params(overrides=plain, overrides_base=PROJECT_ROOT)
    assert again == params


def test_replace_checks_like_a_file():
    params = load_params()
    assert params.replace(sweep={"k": [5]}).sweep.k == [5]
    with pytest.raises(ZhtopicsError, match="replace\\(\\): sweep.k: expected"):
        params.replace(sweep={"k": "five"})


def test_overrides_are_checked_and_named():
    with pytest.raises(ZhtopicsError, match=re.escape("command line: sweep.k: expected")):
        load_params(overrides={"sweep": {"k": "three"}})


@pytest.mark.parametrize(
    "section, problem",
    [
        ({"train": {"topn": True}}, "train.topn: expected an integer, got true"),
        ({"selection": {"min_stability": 1}}, None),  # an integer is a number
        ({"selection": {"min_stability": True}}, "selection.min_stability: expected a number, got true"),
        ({"sweep": {"seeds": ["x"]}}, "sweep.seeds: expected a list of integers, got ['x']"),
        ({"figures": {"formats": []}}, None),
        ({"corpus": {"markup": "drop"}}, "corpus.markup: expected one of 'strip', 'keep', got 'drop'"),
        ({"train": {"topn": "x" * 100}}, "train.topn: expected an integer, got '" + "x" * 58 + "…"),  # cut to 60
    ],
)
def test_value_types(section, problem):
    if problem is None:
        load_params(overrides=section)
    else:
        with pytest.raises(ZhtopicsError, match=re.escape(problem)):
            load_params(overrides=section)


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
