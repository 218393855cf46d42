"""jieba's part-of-speech tags, named: what ``segment.allowed_pos`` chooses from.

jieba (and rjieba, with the same ``dict.txt``) tags words with an ICTCLAS-style tag set
(the Peking University / ICTCLAS tags plus a few of jieba's own). :data:`POS_TAGS` names
each tag that occurs in ``dict.txt`` or that jieba's taggers give (``x`` punctuation, ``m``
numbers, ``eng`` Latin letters), with an example where one helps; it labels the rows of
``token_filter_by_tag.csv`` and checks ``segment.allowed_pos``.

>>> POS_TAGS["j"]
'abbreviation (医保, 央行, 国企)'
>>> tag_name("nz"), tag_name("zz")
('other proper noun', '')
"""

from __future__ import annotations

#: Tag → what it is (English), with examples where the name alone is unclear.
POS_TAGS: dict[str, str] = {
    "n": "noun",
    "nr": "person name",
    "nrfg": "person name (full)",
    "nrt": "transliterated name (伊拉克, 阿里)",
    "ns": "place name (北京, 海淀)",
    "nt": "organisation",
    "nz": "other proper noun",
    "ng": "noun morpheme",
    "v": "verb",
    "vn": "verbal noun",
    "vd": "adverbial verb",
    "vg": "verb morpheme",
    "vi": "intransitive verb",
    "vq": "verb with a complement",
    "a": "adjective",
    "ad": "adverbial adjective",
    "an": "adjectival noun",
    "ag": "adjective morpheme",
    "b": "distinguishing word (超时, 大型, 公共)",
    "c": "conjunction",
    "d": "adverb",
    "df": "adverb (不要)",
    "dg": "adverb morpheme",
    "e": "interjection",
    "eng": "Latin letters",
    "f": "direction word (附近, 上面)",
    "g": "morpheme",
    "h": "prefix",
    "i": "idiom (有目共睹, 一帆风顺)",
    "j": "abbreviation (医保, 央行, 国企)",
    "k": "suffix",
    "l": "set phrase (应试教育, 在线教育, 物美价廉)",
    "m": "numeral",
    "mg": "numeral morpheme",
    "mq": "numeral with classifier",
    "o": "onomatopoeia",
    "p": "preposition",
    "q": "classifier",
    "r": "pronoun",
    "rg": "pronoun morpheme",
    "rr": "personal pronoun",
    "rz": "demonstrative pronoun",
    "s": "place word (校外, 国内)",
    "t": "time word (今年, 周末, 青年)",
    "tg": "time morpheme",
    "u": "auxiliary",
    "ud": "auxiliary 得",
    "ug": "auxiliary 过",
    "uj": "auxiliary 的",
    "ul": "auxiliary 了",
    "uv": "auxiliary 地",
    "uz": "auxiliary 着",
    "x": "punctuation, symbol or word without a tag",
    "y": "modal particle",
    "z": "status word",
    "zg": "single character (jieba's status morpheme)",
    "hashtag": "Weibo topic #…# kept whole",
}


def tag_name(tag: str) -> str:
    """The name of ``tag`` (:data:`POS_TAGS`); ``""`` for a tag it does not know (a user
    dictionary's own tag)."""
    return POS_TAGS.get(tag, "")
