"""Answer -> CommonMark (GFM table for dosing).

All text from sources and questions is backslash-escaped, so a renderer that allows raw HTML
still shows ``<script>`` as text and a statement cannot fake a citation with ``[5]``.
"""

from __future__ import annotations

import re

from medcite.render import _common as c
from medcite.types import Answer, Reference, Statement

_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
# Constructs that only mean something at the start of a line (heading, quote, list item).
_LEADING = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+](?=[\s-]|$)|\d+[.)](?=\s|$))")


def md_escape(text: str) -> str:
    """Escape Markdown syntax in one line of text (whitespace collapsed)."""
    text = _SPECIAL.sub(r"\\\1", c.clean(text))
    match = _LEADING.match(text)
    if match:
        token = match.group(1)
        text = token[:-1] + "\\" + token[-1] + text[len(token):]
    return text


def _link(text: str, url: str) -> str:
    # safe_url has percent-encoded "<", ">" and spaces, so the angle-bracket destination is intact.
    return f"[{md_escape(text)}](<{url}>)"


def _statement(statement: Statement) -> str:
    cites = c.cite_label(statement.citations)
    return md_escape(c.statement_text(statement)) + (f" {cites}" if cites else "")


def _bullets(statements: tuple[Statement, ...], depth: int = 0) -> list[str]:
    """``- `` items; children indented two spaces per level so CommonMark nests them."""
    lines = []
    for s in statements:
        lines.append(f"{'  ' * depth}- {_statement(s)}")
        lines.extend(_bullets(s.children, depth + 1))
    return lines


def _reference(ref: Reference, numbered: bool = True) -> str:
    parts = c.reference_parts(ref)
    line = md_escape(parts.head())
    if parts.identifier:
        ident = _link(parts.identifier, parts.url) if parts.url else md_escape(parts.identifier)
        line += f" {ident}" + ("" if parts.identifier.endswith(".") else ".")
    elif parts.url:
        line += f" {_link('Link', parts.url)}"
    # "[1] " is printed, not a Markdown ordered list, which would renumber a gap in the numbers.
    return f"- [{ref.number}] {line}" if numbered else f"- {line}"


def _dosing(answer: Answer) -> list[str]:
    headers, rows, _ = c.dose_table(answer)
    note = c.dosing_note(answer)
    out = [f"*{md_escape(note)}*", ""] if note else []
    out += ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    # The last cell is the citation, printed as is so it reads (and parses) like every other one.
    out += ["| " + " | ".join([*(md_escape(cell) for cell in row[:-1]), row[-1]]) + " |" for row in rows]
    return out


def to_markdown(answer: Answer) -> str:
    """Render an answer as Markdown: warnings, title, bottom line, sections, references."""
    out: list[str] = []

    def block(*lines: str) -> None:
        out.extend([*lines, ""])

    failure = c.failure_message(answer)
    if failure:
        block(f"> **Warning:** {md_escape(failure)}",
              *(f"> - {md_escape(m)}" for m in c.issue_messages(answer)))
    if answer.status != "Approved":
        block(f"> **{md_escape(c.REVIEW_BANNER)}**")
    block(md_escape(c.meta_line(answer)))
    block(f"# {md_escape(answer.title)}")
    block(f"*Question:* {md_escape(answer.question)}")
    for line in (c.patient_line(answer), c.readability_line(answer)):
        if line:
            block(md_escape(line))
    notes = c.patient_notes(answer)
    if notes:
        block(f"> **{md_escape(c.PATIENT_NOTES_HEADING)}**", ">", *(f"> - {md_escape(n)}" for n in notes))

    if answer.abstained and not answer.bottom_line:
        block(f"**{md_escape(c.ABSTAINED_DEFAULT)}**")
    for s in answer.bottom_line:
        cites = c.cite_label(s.citations)
        block(f"**{md_escape(c.statement_text(s))}**" + (f" {cites}" if cites else ""))
        if s.children:
            block(*_bullets(s.children))

    has_dosing_section = any(sec.key == "dosing" for sec in answer.sections)
    for sec in answer.sections:
        block(f"## {md_escape(sec.title)}")
        if sec.statements:
            block(*_bullets(sec.statements))
        if sec.key == "dosing" and answer.dosing:
            block(*_dosing(answer))
    if answer.dosing and not has_dosing_section:
        block("## Dosing", "", *_dosing(answer))
    if answer.gaps:
        block("## Evidence gaps", "", *_bullets(answer.gaps))
    terms = c.glossary(answer)
    if terms:
        block(f"## {c.GLOSSARY_HEADING}", "",
              *(f"- **{md_escape(term)}**: {md_escape(meaning)}" for term, meaning in terms))
    if answer.references:
        block("## References", "", *(_reference(r) for r in answer.references))
    if answer.abstained and answer.nearest:
        block("## Nearest sources", "", md_escape(c.NEAREST_NOTE), "",
              *(_reference(r, numbered=False) for r in answer.nearest))
    if answer.follow_ups:
        block(f"## {c.FOLLOW_UP_HEADING}", "", *(f"- {md_escape(q)}" for q in answer.follow_ups))
    block("---", f"*{md_escape(answer.disclaimer or c.DEFAULT_DISCLAIMER)}*")
    return "\n".join(out).rstrip() + "\n"
