"""Social-media cleaning (``corpus.social``): mentions, links, retweet chains, hashtags, emoji.

Off by default (every key ``keep``). Each key drops one kind of thing from every text (a
line of a text file, a cell of a table), after markup stripping and before anything else
reads it; a text that changed is recorded in ``altered.csv`` with :data:`SOCIAL_REASON`
naming what was removed and the text before the cleaning. What each kind is:

``retweets``
    A Weibo repost chain: ``//@name:`` (or ``：``) and everything after it, the earlier
    reposters' comments (the reposting user's own comment comes first and stays); and a
    text left with nothing but Weibo's default repost text (转发微博, 轉發微博, Repost).
``urls``
    ``http://``, ``https://`` and ``www.`` links (the characters a URL may hold, so 看看 right
    after ``http://t.cn/A6x`` is not taken), and 网页链接, Weibo's stand-in for a link.
``mentions``
    ``@name`` as Weibo links it: ``@`` not preceded by a letter or digit (an e-mail address
    is not a mention), then up to 30 letters, digits, CJK characters, ``_`` or ``-``, up to
    the first character that cannot be in a name (so ``@小明今天`` is one name, as Weibo reads
    it); with a reply prefix 回复 and a colon after it.
``hashtags``
    Weibo topics ``#话题#`` (at most 40 characters between the marks, no line break).
    ``drop`` removes them; ``feature`` leaves the text as it is and makes segmentation keep
    each topic whole as one token, ``#话题#`` (recorded in ``documents.parquet``, see
    :mod:`zhtopics.ingest.normalize`), instead of cutting it into words.
``emoji``
    Emoji as the ``emoji`` package knows them (Unicode's emoji data: sequences, skin tones,
    flags, keycaps), except ©, ® and ™ written as plain symbols; and Weibo's emoticon codes,
    a word of one to eight letters or CJK characters in square brackets (``[哈哈]``,
    ``[doge]``, ``[允悲]``, and placeholders such as ``[图片]``).

Where something was removed, the spaces or tabs left side by side become one space and the
ends are trimmed.
"""

from __future__ import annotations

import logging
import re

from zhtopics.params import SocialParams

logger = logging.getLogger(__name__)

SOCIAL_REASON = "social media"
# A Weibo name: letters, digits, CJK, _ and - (Weibo's rule), at most 30.
_NAME = r"[\w\-]{1,30}"
_RETWEET = re.compile(rf"//@{_NAME}\s*[:：].*\Z|//@{_NAME}\s*\Z", re.DOTALL)
_REPOST_ONLY = re.compile(r"\A\s*(?:转发微博|轉發微博|Repost)\s*\Z", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|网页链接")
_MENTION = re.compile(rf"(?:回复)?(?<![A-Za-z0-9._%+\-])@{_NAME}(?:\s*[:：])?")
HASHTAG = re.compile(r"#[^#\n]{1,40}#")
_EMOTICON = re.compile(r"\[[A-Za-z\u4e00-\u9fff]{1,8}\]")
_KEPT_SYMBOLS = frozenset("©®™")
_SPACES = re.compile(r"[ \t]{2,}")
#: The kinds in the order they are removed (and named in altered.csv).
KINDS = ("retweets", "urls", "mentions", "hashtags", "emoji")
_NAMES = {"retweets": "retweet chain", "urls": "URLs", "mentions": "mentions", "hashtags": "hashtags", "emoji": "emoji"}


class SocialCleaner:
    """Removes what ``corpus.social`` drops from a text.

    Parameters
    ----------
    params : SocialParams
        The ``corpus.social`` parameters.
    """

    def __init__(self, params: SocialParams):
        self.params = params
        self.drops = [kind for kind in KINDS if getattr(params, kind) == "drop"]
        if "emoji" in self.drops:
            import emoji

            self._emoji_package = emoji

    @property
    def active(self) -> bool:
        """Whether anything is dropped at all."""
        return bool(self.drops)

    def __call__(self, text: str) -> tuple[str, str | None]:
        """The cleaned text, and the reason to record (None when nothing changed)."""
        removed = []
        for kind in self.drops:
            cleaned = getattr(self, f"_{kind}")(text)
            if cleaned != text:
                removed.append(_NAMES[kind])
                text = cleaned
        if "retweets" in self.drops and _REPOST_ONLY.match(text):  # nothing left but 转发微博
            removed.append("default repost text")
            text = ""
        if not removed:
            return text, None
        return _SPACES.sub(" ", text).strip(), f"{SOCIAL_REASON}: {', '.join(removed)} removed"

    @staticmethod
    def _retweets(text: str) -> str:
        return _RETWEET.sub("", text) if "//@" in text else text

    @staticmethod
    def _urls(text: str) -> str:
        return _URL.sub("", text)

    @staticmethod
    def _mentions(text: str) -> str:
        return _MENTION.sub("", text) if "@" in text else text

    @staticmethod
    def _hashtags(text: str) -> str:
        return HASHTAG.sub("", text) if "#" in text else text

    def _emoji(self, text: str) -> str:
        if not text.isascii():
            text = self._emoji_package.replace_emoji(
                text, replace=lambda chars, _: chars if chars in _KEPT_SYMBOLS else ""
            )
        return _EMOTICON.sub("", text) if "[" in text else text
