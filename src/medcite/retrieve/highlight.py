"""Snippets with the query's words highlighted, for results that did not come from
FTS5 (whose ``snippet()`` only sees its own matches). Pure functions."""

from __future__ import annotations

import re

from ..store.sqlite import HIGHLIGHT
from .analyze import analyze

__all__ = ["HIGHLIGHT", "mark", "snippet", "unmark"]
_WORD = re.compile(r"\w+", re.UNICODE)


def snippet(text: str, query_terms: set[str], words: int = 32) -> str:
    """The ``words``-word window of ``text`` with the most query terms, matches marked
    with ``HIGHLIGHT``; "…" marks cut ends. ``query_terms`` are analysed (stemmed) terms."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    if not spans:
        return text[:240]
    hits = [bool(query_terms) and bool(set(analyze(w)) & query_terms) for _, _, w in spans]
    best, best_count, window = 0, -1, min(words, len(spans))
    count = sum(hits[:window])
    for start in range(0, len(spans) - window + 1):
        if start:
            count += hits[start + window - 1] - hits[start - 1]
        if count > best_count:
            best, best_count = start, count
    first, last = spans[best], spans[best + window - 1]
    lo = first[0] if best else 0
    hi = last[1] if best + window < len(spans) else len(text)
    out: list[str] = ["…" if lo else ""]
    pos = lo
    for (s, e, _), hit in zip(spans[best : best + window], hits[best : best + window], strict=True):
        if hit:
            out.append(text[pos:s] + HIGHLIGHT[0] + text[s:e] + HIGHLIGHT[1])
            pos = e
    out.append(text[pos:hi])
    out.append("…" if hi < len(text) else "")
    return " ".join("".join(out).split())


def unmark(snippet: str) -> str:
    """``snippet`` without its ``HIGHLIGHT`` match markers (for JSON and plain text)."""
    return snippet.replace(HIGHLIGHT[0], "").replace(HIGHLIGHT[1], "")


def mark(snippet: str, start: str, end: str) -> str:
    """``snippet`` with its ``HIGHLIGHT`` match markers replaced by ``start`` and ``end``."""
    return snippet.replace(HIGHLIGHT[0], start).replace(HIGHLIGHT[1], end)
