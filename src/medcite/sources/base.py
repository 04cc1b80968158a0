"""Helpers every parser shares: building a document's text with passage offsets,
cleaning text, turning HTML fragments into text, mapping publication types to an
evidence level. All pure functions."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..errors import ParseError
from ..types import Document, Passage

# The id namespaces the source parsers give their documents ("ngc:9085"), with what they
# hold. A document a user wrote (Markdown, HTML) may not take an id in one of them, or it
# would replace that source's record; local documents live in "local:".
SOURCE_NAMESPACES: dict[str, str] = {
    "ngc": "NGC guideline summaries",
    "pmid": "PubMed citations (PubMed/MEDLINE XML and text, PubMedQA, PMC)",
    "pmc": "PubMed Central full-text articles",
    "doi": "PubMed Central articles identified by DOI",
    "spl": "FDA drug labels (SPL)",
    "medquad": "MedQuAD question-answer records",
    "medlineplus": "MedlinePlus health topics",
    "mplus": "MedlinePlus vocabulary",
    "mesh": "MeSH vocabulary",
}
LOCAL_NAMESPACE = "local"

_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n+")

# Common UTF-8-read-as-Latin-1 sequences seen in the NGC archive ("CriteriaÂ®").
_MOJIBAKE = {
    "Â®": "®",
    "Â©": "©",
    "Â°": "°",
    "Â±": "±",
    "Â·": "·",
    "Â ": " ",
    "â€™": "’",
    "â€œ": "“",
    "â€\x9d": "”",
    "â€“": "–",
    "â€”": "—",
    "â‰¥": "≥",
    "â‰¤": "≤",
    "Ã©": "é",
}
_MOJIBAKE_RE = re.compile("|".join(re.escape(k) for k in _MOJIBAKE))


def decode_utf8(data: bytes) -> str:
    """Text of a UTF-8 file (a BOM is dropped), or ParseError naming the bad byte."""
    if not data.strip():
        raise ParseError("empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParseError(f"invalid UTF-8 at byte {err.start}") from None


def clean_text(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks, repair common mojibake."""
    if not text:
        return ""
    if "Â" in text or "â€" in text or "Ã" in text:
        text = _MOJIBAKE_RE.sub(lambda m: _MOJIBAKE[m.group(0)], text)
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    joined = "\n".join(lines)
    return _BLANKS.sub("\n\n", joined).strip()


def one_line(text: str) -> str:
    """Clean text and join it onto a single line."""
    return " ".join(clean_text(text).split())


_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|ul|ol|tr|table|h[1-6]|blockquote|dd|dt)\b[^>]*>", re.I)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element."""
    if not fragment:
        return ""
    text = _BLOCK.sub("\n", fragment)
    text = _TAG.sub("", text)
    return clean_text(html.unescape(text))


class DocBuilder:
    """Accumulates passages into one document text, recording each passage's offsets.

    Passages are separated by a blank line so that ``text[start:end]`` is exactly
    the passage and the whole text reads naturally when shown in context.
    """

    __slots__ = ("_length", "_parts", "_passages")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._passages: list[Passage] = []
        self._length = 0

    def add(self, section: str, text: str, meta: dict[str, str] | None = None) -> Passage | None:
        """Append one passage; empty text is ignored. Returns the passage added."""
        text = text.strip()
        if not text:
            return None
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        passage = Passage(
            section=section.strip() or "text",
            ordinal=len(self._passages),
            text=text,
            start=start,
            end=self._length,
            meta=dict(meta or {}),
        )
        self._passages.append(passage)
        return passage

    def __len__(self) -> int:
        return len(self._passages)

    def build(self, **fields: Any) -> Document:
        """Make the Document; ``fields`` are the Document's other attributes."""
        return Document(text="".join(self._parts), passages=tuple(self._passages), **fields)


# Publication types (MEDLINE vocabulary) to evidence level, strongest first. The first
# pattern matching any of a record's types wins.
_LEVEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("guideline", re.compile(r"\b(practice )?guideline\b|consensus development conference", re.I)),
    ("meta_analysis", re.compile(r"meta-analysis|network meta", re.I)),
    ("systematic_review", re.compile(r"systematic review", re.I)),
    ("rct", re.compile(r"randomized controlled trial|controlled clinical trial|clinical trial, phase (iii|iv)|equivalence trial|pragmatic clinical trial", re.I)),
    ("observational", re.compile(r"observational study|comparative study|multicenter study|clinical trial|cohort|case-control|evaluation stud(y|ies)|validation stud(y|ies)|twin stud(y|ies)", re.I)),
    ("case_report", re.compile(r"case reports?", re.I)),
    ("review", re.compile(r"\breview\b", re.I)),
)


def evidence_level(pub_types: Iterable[str]) -> str:
    """Map publication types to one evidence level (see ``types.EVIDENCE_LEVELS``)."""
    return _level_of(tuple(t for t in pub_types if t))


@lru_cache(maxsize=4096)
def _level_of(types: tuple[str, ...]) -> str:
    # Cached: a few hundred combinations of types recur across a whole baseline file, and
    # seven regular expressions per type were a tenth of PubMed parse time.
    for level, pattern in _LEVEL_RULES:
        if any(pattern.search(t) for t in types):
            return level
    return "other"


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def year_of(date_text: str) -> int | None:
    """First plausible four-digit year in a date string."""
    match = _YEAR.search(date_text or "")
    return int(match.group(1)) if match else None


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def iso_date(year: str | int | None, month: str | int | None = None, day: str | int | None = None) -> str:
    """ISO date from parts, as precise as the parts allow ("2012", "2012-03", "2012-03-27")."""
    if not year:
        return ""
    y = str(year).strip()[:4]
    if not y.isdigit():
        return ""
    m_num: int | None = None
    if month:
        ms = str(month).strip().lower()
        m_num = int(ms) if ms.isdigit() else _MONTHS.get(ms[:3])
    if not m_num or not 1 <= m_num <= 12:
        return y
    d = str(day).strip() if day else ""
    if d.isdigit() and 1 <= int(d) <= 31:
        return f"{y}-{m_num:02d}-{int(d):02d}"
    return f"{y}-{m_num:02d}"
