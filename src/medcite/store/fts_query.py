"""Turn any user text into a safe FTS5 MATCH expression. Pure functions.

User text is never passed to FTS5 as syntax: it is split into word tokens, each
token is quoted as an FTS5 string, and tokens are OR-ed so BM25 ranks passages by
how many (and how rare) query words they contain. Quotes, parentheses, AND/OR/NOT/
NEAR, ``*``, ``-`` and ``:`` therefore lose their operator meaning.
"""

from __future__ import annotations

import re
import unicodedata

from ..clinical.stopwords import STOPWORDS

MAX_TERMS = 48
_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` with diacritics folded, stopwords dropped."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    out: list[str] = []
    seen: set[str] = set()
    for tok in _TOKEN.findall(folded):
        tok = tok.strip("_")
        if not tok or tok in STOPWORDS or tok in seen:
            continue
        if len(tok) == 1 and not tok.isdigit():
            continue
        seen.add(tok)
        out.append(tok)
        if len(out) >= MAX_TERMS:
            break
    return out


def quote(term: str) -> str:
    """An FTS5 string literal for ``term``."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(text: str, extra_terms: list[str] | None = None) -> str:
    """The FTS5 MATCH expression for ``text``; empty when there is nothing to search.

    ``extra_terms`` (synonyms, expansions) are OR-ed in; multi-word expansions
    become FTS5 phrases.
    """
    parts = [quote(t) for t in tokens(text)]
    for term in extra_terms or []:
        words = tokens(term)
        if not words:
            continue
        phrase = quote(" ".join(words))
        if phrase not in parts:
            parts.append(phrase)
    return " OR ".join(parts[: MAX_TERMS * 2])
