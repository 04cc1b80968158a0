"""Answer -> plain text for terminals and email: nesting kept as indentation."""

from __future__ import annotations

import textwrap

from medcite.render import _common as c
from medcite.types import Answer, Statement

# One marker per depth so a reader can tell siblings from children even after re-wrapping.
MARKERS = ("•", "◦", "▪")
INDENT = 2


def _wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    rest = " " * len(first) if rest is None else rest
    return textwrap.wrap(c.clean(text), width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _statement(statement: Statement) -> str:
    cites = c.cite_label(statement.citations)
    return c.statement_text(statement) + (f" {cites}" if cites else "")


def _bullets(statements: tuple[Statement, ...], width: int, depth: int = 0) -> list[str]:
    lines = []
    for s in statements:
        lead = " " * (INDENT * depth) + MARKERS[depth % len(MARKERS)] + " "
        # Continuation lines align with the text, not the marker, so nesting stays visible.
        lines += _wrap(_statement(s), width, lead)
        lines += _bullets(s.children, width, depth + 1)
    return lines


def _heading(title: str, underline: str, width: int) -> list[str]:
    lines = _wrap(title, width)
    return [*lines, underline * max(len(line) for line in lines)]


def _table(headers: list[str], rows: list[list[str]], width: int) -> list[str]:
    """Aligned columns, wrapping cells to fit ``width``; a "Header: value" block per row if
    even the longest words cannot fit side by side."""
    table = [headers, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    floor = [max((len(w) for r in table for w in r[i].split()), default=1) for i in range(len(headers))]
    room = width - 2 * (len(headers) - 1)
    while sum(widths) > room:
        # Narrow the column with the most slack above its longest word, one character at a time.
        slack, i = max((w - f, i) for i, (w, f) in enumerate(zip(widths, floor, strict=True)))
        if slack <= 0:
            return _records(headers, rows, width)
        widths[i] -= 1

    def fmt(cells: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""]
                   for cell, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        return ["  ".join((col[n] if n < len(col) else "").ljust(w)
                          for col, w in zip(wrapped, widths, strict=True)).rstrip() for n in range(height)]

    return [*fmt(headers), "  ".join("-" * w for w in widths), *(line for r in rows for line in fmt(r))]


def _records(headers: list[str], rows: list[list[str]], width: int) -> list[str]:
    out: list[str] = []
    for row in rows:
        for h, cell in zip(headers, row, strict=True):
            if cell:
                out += _wrap(cell, width, f"{h}: ", " " * (len(h) + 2))
        out.append("")
    return out[:-1]


def to_text(answer: Answer, width: int = 88) -> str:
    """Render an answer as wrapped plain text, ``width`` columns wide."""
    out: list[str] = []

    def block(*lines: str) -> None:
        out.extend([*lines, ""])

    failure = c.failure_message(answer)
    if failure:
        block(*_wrap(f"WARNING: {failure}", width, "", "  "),
              *(line for m in c.issue_messages(answer) for line in _wrap(m, width, "  - ")))
    if answer.status != "Approved":
        block(*_wrap(f"!! {c.REVIEW_BANNER}", width))
    block(*_wrap(c.meta_line(answer), width))
    block(*_heading(answer.title, "=", width))
    block(*_wrap(f"Question: {answer.question}", width, "", "  "))
    for line in (c.patient_line(answer), c.readability_line(answer)):
        if line:
            block(*_wrap(line, width))
    notes = c.patient_notes(answer)
    if notes:
        block(f"!! {c.PATIENT_NOTES_HEADING}", *(line for n in notes for line in _wrap(n, width, "  - ")))

    if answer.abstained and not answer.bottom_line:
        block(*_wrap(c.ABSTAINED_DEFAULT, width))
    if answer.bottom_line:
        block(*_heading("Bottom line", "-", width),
              *(line for s in answer.bottom_line for line in (*_wrap(_statement(s), width),
                                                              *_bullets(s.children, width))))

    def dosing() -> list[str]:
        headers, rows, _ = c.dose_table(answer)
        note = c.dosing_note(answer)
        # Disagreements between sources are composed (and verified) as statements of the
        # Dosing section, never inferred here from the rows.
        return [*([*_wrap(note, width), ""] if note else []), *_table(headers, rows, width)]

    has_dosing_section = any(sec.key == "dosing" for sec in answer.sections)
    for sec in answer.sections:
        block(*_heading(sec.title, "-", width), *_bullets(sec.statements, width))
        if sec.key == "dosing" and answer.dosing:
            block(*dosing())
    if answer.dosing and not has_dosing_section:
        block(*_heading("Dosing", "-", width), *dosing())
    if answer.gaps:
        block(*_heading("Evidence gaps", "-", width), *_bullets(answer.gaps, width))
    terms = c.glossary(answer)
    if terms:
        block(*_heading(c.GLOSSARY_HEADING, "-", width),
              *(line for term, meaning in terms for line in _wrap(f"{term}: {meaning}", width, "", "  ")))
    if answer.references:
        lines = []
        for ref in answer.references:
            parts = c.reference_parts(ref)
            lines += _wrap(f"[{ref.number}] {parts.line()}", width, "", "    ")
            if parts.url:
                lines.append(f"    {parts.url}")
        block(*_heading("References", "-", width), *lines)
    if answer.abstained and answer.nearest:
        lines = _wrap(c.NEAREST_NOTE, width)
        for ref in answer.nearest:
            parts = c.reference_parts(ref)
            lines += _wrap(parts.line(), width, "- ")
            if parts.url:
                lines.append(f"  {parts.url}")
        block(*_heading("Nearest sources", "-", width), *lines)
    if answer.follow_ups:
        block(*_heading(c.FOLLOW_UP_HEADING, "-", width),
              *(line for q in answer.follow_ups for line in _wrap(q, width, "- ")))
    block("-" * min(width, 40), *_wrap(answer.disclaimer or c.DEFAULT_DISCLAIMER, width))
    return "\n".join(out).rstrip() + "\n"
