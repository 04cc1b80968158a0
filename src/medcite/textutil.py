"""Sentence splitting and chunking: pure functions shared by parsers and composers."""

from __future__ import annotations

import re

# Abbreviations after which a period does not end a sentence.
_ABBREV = {
    "e.g", "i.e", "etc", "vs", "approx", "fig", "figs", "ref", "refs", "al", "dr", "mr",
    "mrs", "ms", "no", "nos", "vol", "p", "pp", "ca", "cf", "inc", "ltd", "co", "jr", "sr",
    "st", "dept", "univ", "min", "max", "mo", "mos", "yr", "yrs", "wk", "wks", "hr", "hrs",
    "tab", "tabs", "cap", "caps", "inj", "sol", "susp", "q", "b.i.d", "t.i.d", "q.i.d",
    "u.s", "sp", "spp", "var", "resp", "est", "incl", "subsp", "mg", "kg",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u00C0-\u024F•])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; keeps abbreviations, decimals and initials intact."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # ``text`` has single spaces only and a boundary follows [.!?], so the candidate
        # text[start:end] needs no rstrip. Its last word is found without copying the
        # candidate: a run of abbreviations ("Dr. A Dr. A ...") would otherwise copy a
        # growing prefix at every boundary, quadratic in the line's length.
        end = match.start()
        space = text.rfind(" ", start, end)
        last_word = text[space + 1 if space >= 0 else start : end].rstrip(".!?\"')]").lower()
        if last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha()):
            continue
        if end > start:
            sentences.append(text[start:end])
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _cut_words(sentence: str, limit: int) -> list[str]:
    """A sentence (single-spaced, stripped) in pieces of at most ``limit`` characters, cut
    at the last space in each window (or hard at ``limit`` when that space comes before
    half of it). Moves an offset along the sentence rather than slicing off what is left,
    which copied the rest of the line at every cut: quadratic for a long unpunctuated line."""
    pieces: list[str] = []
    start, end = 0, len(sentence)
    while end - start > limit:
        cut = sentence.rfind(" ", start, start + limit) - start
        cut = cut if cut > limit // 2 else limit
        pieces.append(sentence[start : start + cut].strip())
        start += cut
        while start < end and sentence[start].isspace():
            start += 1
    if start < end:
        pieces.append(sentence[start:end])
    return pieces


def chunk_text(text: str, target: int = 900, limit: int = 1600) -> list[str]:
    """Split text into chunks of whole sentences, each about ``target`` characters.

    Paragraph breaks are preferred cut points. A single sentence longer than
    ``limit`` is cut at word boundaries so no chunk exceeds ``limit``.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        for sentence in split_sentences(para):
            units.extend(_cut_words(sentence, limit))
        units.append("\n")
    chunks: list[str] = []
    current = ""
    for unit in units:
        if unit == "\n":
            if len(current) >= target:
                chunks.append(current)
                current = ""
            continue
        if (current and len(current) + 1 + len(unit) > limit) or (current and len(current) >= target):
            chunks.append(current)
            current = unit
        else:
            current = f"{current} {unit}" if current else unit
    if current:
        chunks.append(current)
    return chunks


_LINE_ITEM = re.compile(r"\n\s*(?:[-*•·]\s+|\d+[.)]\s+)?")
