"""Text analysis for the BM25 index: the same normalisation as ``fts_query.tokens``, then stemming.

Pure functions. Passages and queries go through the same steps (fold → split → filter → stem),
so a query term matches exactly the index terms it would have produced as passage text.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache

import Stemmer

from ..clinical.spelling import american
from ..clinical.stopwords import STOPWORDS

TOKEN = re.compile(r"\w+", re.UNICODE)  # the same split as fts_query
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects keep mutable buffers and a cache: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


@cache
def _combining() -> dict[int, None]:
    """A ``str.translate`` table deleting every combining mark (built once, ~0.1 s)."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}


def fold(text: str) -> str:
    """Lower-cased ``text`` with diacritics removed (NFKD, combining marks dropped)."""
    if text.isascii():  # NFKD is the identity on ASCII; skipping it is most of the speed
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_combining()).lower()


# ASCII fast path: on ASCII text ``\w`` is exactly [A-Za-z0-9_], so lower-casing and splitting
# on everything else is one C-level translate + split (~5x faster than ``findall``).
_ASCII_SPLIT = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95) else 32
    for c in range(256)
)


def split(text: str) -> list[str]:
    """Folded raw ``\\w+`` tokens of ``text`` (no filtering, no stemming)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_SPLIT).decode("ascii").split()
    return TOKEN.findall(fold(text))


def keep(token: str) -> str:
    """The token to index for a raw ``\\w+`` match, or "" to drop it (stopword, stray letter)."""
    token = token.strip("_")
    if not token or token in STOPWORDS or (len(token) == 1 and not token.isdigit()):
        return ""
    return token


def words(text: str) -> list[str]:
    """Unstemmed folded tokens of ``text`` in order, duplicates kept, stopwords dropped."""
    if not text:
        return []
    return [w for w in map(keep, split(text)) if w]


def stem(tokens: Iterable[str]) -> list[str]:
    """Snowball English stems of already-folded tokens, British spellings written the
    American way first ("anaemia" and "anemia" are one term)."""
    return _stemmer().stemWords([american(t) for t in tokens])


class _TermMemo(dict[str, str]):
    """Raw token → index term ("" for a dropped token), each distinct token stemmed once.

    Shared by all threads (a lost race only stems a token twice); cleared when it outgrows
    ``limit`` so a stream of never-seen tokens cannot grow it without bound.
    """

    limit = 200_000  # ~150 bytes an entry: about 30 MB at most

    def __missing__(self, raw: str) -> str:
        word = keep(raw)
        term = _stemmer().stemWord(american(word)) if word else ""
        if len(self) >= self.limit:
            self.clear()
        self[raw] = term
        return term


_TERMS = _TermMemo()


def analyze(text: str, unique: bool = False) -> list[str]:
    """Index terms of ``text``: duplicates kept (term frequency) unless ``unique``.

    The same terms as ``stem(words(text))``; answers analyse thousands of sentences per
    question, and looking each raw token up once is several times faster than stemming it.
    """
    if not text:
        return []
    memo = _TERMS
    terms = [t for t in map(memo.__getitem__, split(text)) if t]
    return list(dict.fromkeys(terms)) if unique else terms
