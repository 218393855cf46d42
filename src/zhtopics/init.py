"""``zhtopics init DIR``: a study folder of one's own, with what to change and what to do next.

The folder is both where the inputs and lexicons live and where ``zhtopics run`` writes
(``--out DIR``, which reads ``DIR/params.yaml``)::

    DIR/
      params.yaml            the parameters a user changes, commented (the rest are defaults)
      README.md              what to do next
      data/raw/              the corpus goes here
      lexicon/userdict.txt   domain terms (empty, commented)
      lexicon/stopwords.txt  a copy of zhtopics' generic stopwords, to edit
      lexicon/themes.yaml    no themes yet, one worked example in comments
      lexicon/glossary.csv   English glosses for the figures (header only)

No file of the seed study is used: a study starts with zhtopics' general lexicons only.
"""

from __future__ import annotations

import logging
from pathlib import Path

from zhtopics.errors import ZhtopicsError
from zhtopics.params import PACKAGE_DIR, load_params

logger = logging.getLogger(__name__)

PARAMS = """\
# This study's parameters: only what it changes from zhtopics' defaults. Every parameter,
# with its default and meaning, is in the params.yaml of the zhtopics package
# ({defaults}).
# `zhtopics run data/raw/<your file> --out .` (from this folder) reads this file because it
# sits in the output folder. Relative paths resolve against this file's folder.

corpus:
  # A table (.csv .tsv .jsonl .parquet .xlsx): the column holding the text; an optional id
  # column and group column (e.g. the user, the source, the article). Every other column
  # passes through to the results (a `date` column, for instance). A time column gives the
  # topic shares per period (results/prevalence_by_time.csv; prevalence.period: year,
  # quarter or month).
  text_column: text
  id_column: null
  group_column: null
  time_column: null
  # An .xlsx workbook: the sheet, by name or number (0 is the first); null = the first.
  sheet: null

segment:
  # Your domain terms, so that jieba keeps them whole (lexicon/userdict.txt says how).
  userdict: lexicon/userdict.txt
  # The stopwords removed besides the stopwords-iso Chinese list: a copy of zhtopics'
  # generic list to extend (or trim) for your texts.
  stopwords_file: lexicon/stopwords.txt

themes:
  # The themes you expect, with seed words: topics are named after them, and a guided
  # model is fitted beside the unsupervised one. Empty until you write some.
  file: lexicon/themes.yaml

figures:
  # English glosses of your terms in the figures (term,english), shown with gloss: true.
  gloss: false
  glossary: lexicon/glossary.csv
"""

USERDICT = """\
# Your domain terms, one per line: word [frequency] [part of speech], as jieba reads them.
# Without a frequency jieba picks one that keeps the word whole. Give a part of speech
# (n noun, nz proper noun, v verb, ...) so that the part-of-speech filter keeps the word.
# Examples:
# 社区团购 n
# 直播带货 n
# 拼多多 nz
"""

THEMES = """\
# The themes you expect your texts to argue, each with a few seed words, written from
# reading the texts (not from a model's output). Topics are named after the theme whose seed
# words carry most of their top words; a guided model uses the seed words as priors.
# Seed words should be tokens as segmentation keeps them (data/processed/dictionary.txt of
# a first run lists them). With no themes, topics are named by their most distinctive words.
#
# A worked example (remove the # of its lines and the [] below to use it):
#
# themes:
#   - id: delivery
#     name: 配送与时效
#     name_en: delivery and timeliness
#     seeds: [配送, 外卖, 骑手, 超时, 送达, 快递]
themes: []
"""

GLOSSARY = "term,english\n"

README = """\
# {name}

A zhtopics study. What to do next:

1. Put the corpus in `data/raw/`: a table (`.csv`, `.tsv`, `.jsonl`, `.parquet`, `.xlsx`),
   a `.txt` file (one paragraph per line) or a folder of `.txt` files.
2. Say which column holds the text (`corpus.text_column` in `params.yaml`), and the id and
   group columns if there are.
3. Run it once, from this folder:

       zhtopics run data/raw/<your file> --out .

   Then read `results/summary.md`, `reports/index.html` and `data/processed/token_filter.csv`
   (what segmentation removed, and why).
4. Write your lexicons in `lexicon/`: domain terms (`userdict.txt`), stopwords
   (`stopwords.txt`), the themes you expect (`themes.yaml`); run again. Only the stages
   a change reaches run again.
"""


def init_study(folder: str | Path) -> list[Path]:
    """Scaffold a study in ``folder`` (created if missing).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ZhtopicsError
        When ``folder`` already holds a study (a ``params.yaml``): nothing is overwritten.
    """
    root = Path(folder)
    if (root / "params.yaml").exists():
        raise ZhtopicsError(f"{root / 'params.yaml'}: already there; {root} holds a study (nothing was changed)")
    general = load_params().segment.stopwords_file
    files = {
        "params.yaml": PARAMS.format(defaults=PACKAGE_DIR / "params.yaml"),
        "README.md": README.format(name=root.resolve().name),
        "lexicon/userdict.txt": USERDICT,
        "lexicon/stopwords.txt": general.read_text(encoding="utf-8"),
        "lexicon/themes.yaml": THEMES,
        "lexicon/glossary.csv": GLOSSARY,
    }
    written = []
    for name, text in files.items():
        path = root / name
        if path.exists():
            continue  # a file the user already has stays as it is
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    load_params(root / "params.yaml")  # the template is valid
    logger.info("study scaffolded in %s", root)
    return written
