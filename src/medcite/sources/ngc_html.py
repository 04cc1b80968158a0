"""Split an NGC "Major Recommendations" HTML fragment into one passage per
recommendation, and read recommendation grades ("Level A", "Grade 2C", ...).

The fragment is guideline.gov's editorial HTML: ``<p><strong>`` headings,
paragraphs, (nested) lists and tables, then usually a "Definitions" block that
restates the rating scheme. Pure functions only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from lxml import etree

from .base import clean_text
from .ngc_grades import grade_of, is_grade_only, upper_first

FIELD = "Major Recommendations"

_BLOCK = frozenset({
    "p", "li", "ul", "ol", "div", "blockquote", "dl", "dt", "dd", "table", "center", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "form",
})
_HEADINGS = {"h1": 1, "h2": 1, "h3": 1, "h4": 2, "h5": 2, "h6": 3}
_WRAPPERS = frozenset({"strong", "b", "em", "i", "u", "span", "a", "font"})


class Event(NamedTuple):
    kind: str  # "head", "text" or "row"
    text: str
    rank: int = 0  # heading rank, 1 = outermost
    tag: str = ""  # block tag of a text; "th" for a header row; "tr" for a heading row
    cells: tuple[str, ...] = ()
    underlined: bool = False


# ---------------------------------------------------------------- HTML walk

_BR = "\x00"  # stands for <br> until whitespace is collapsed


def _join(parts: list[str]) -> str:
    raw = "".join(parts)
    if not raw or raw.isspace():  # most list/div containers hold only layout whitespace
        return ""
    # Source line breaks are layout; clean_text collapses the remaining runs of spaces.
    return clean_text(raw.replace("\r", " ").replace("\n", " ").replace(_BR, "\n"))


def _tag(el: etree._Element) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def _collect(node: etree._Element, parts: list[str], on_block: Callable[[etree._Element], None] | None) -> None:
    """Append the text under ``node`` to ``parts``; nested blocks go to ``on_block``
    (or, without one, are flattened with a space)."""
    parts.append(node.text or "")
    for child in node:
        tag = _tag(child)
        if tag == "br":
            parts.append(_BR)
        elif tag == "img":
            # ACR tables show the relative radiation level only as icons.
            if "radioactive" in (child.get("alt") or ""):
                parts.append("☢")
        elif tag in _BLOCK and on_block is not None:
            on_block(child)
        elif tag:
            _collect(child, parts, on_block)
            if tag in _BLOCK or tag in ("td", "th", "tr"):
                parts.append(" ")
        parts.append(child.tail or "")


def _inline_text(el: etree._Element) -> str:
    """Text of an element with <br> as line breaks (used for cells and headings)."""
    parts: list[str] = []
    _collect(el, parts, None)
    return _join(parts)


def _heading(p: etree._Element) -> Event | None:
    """A <p> whose whole content is one emphasised run (optionally with a colon)."""
    if (p.text or "").strip():
        return None
    kids = []
    for child in p:
        if (child.tail or "").strip() not in ("", ":"):
            return None
        # "<strong><u>Definitions</u></strong><u>:</u>": a styled colon is still a colon.
        if _tag(child) and _tag(child) != "br" and (len(child) or (child.text or "").strip() not in ("", ":")):
            kids.append(child)
    if len(kids) != 1 or _tag(kids[0]) not in _WRAPPERS:
        return None
    tags: set[str] = set()
    underlined = False
    for node in kids[0].iter():
        tag = _tag(node)
        tags.add(tag)
        if tag == "u" or "underline" in (node.get("style") or ""):
            underlined = True
    text = " ".join(_inline_text(p).split()).rstrip(":").strip()
    if not text or len(text) > 200 or text[0] == "(" or is_grade_only(text):
        return None
    words = len(text.split())
    if tags & {"strong", "b"}:
        if words > 25 or (words > 12 and text.endswith(".")):
            return None
        return Event("head", text, 1 if underlined else 2, underlined=underlined)
    if underlined:
        return None if words > 20 else Event("head", text, 2, underlined=True)
    if tags & {"em", "i"} and words <= 8 and not text.endswith("."):
        return Event("head", text, 3)
    return None


_VARIANT = re.compile(r"(Variant|Clinical Condition)\b", re.I)


def _table(table: etree._Element, out: list[Event]) -> None:
    for row in table.iter("tr"):
        section = row.getparent()
        if section is not None and _tag(section) == "tfoot":
            continue  # footnotes and legends
        cells = [c for c in row if _tag(c) in ("td", "th")]
        texts = tuple(_inline_text(c).replace("\n", " ") for c in cells)
        filled = [t for t in texts if t]
        if not filled:
            continue
        if len(filled) == 1 and len(cells) == 1 and len(filled[0]) < 200:
            # A row spanning the table titles the rows below it; ACR tables start a
            # new clinical variant this way.
            rank = 2 if _VARIANT.match(filled[0]) else 5
            out.append(Event("head", filled[0], rank, tag="tr"))
            continue
        header = all(_tag(c) == "th" for c in cells)
        out.append(Event("row", "", tag="th" if header else "td", cells=texts))


def _walk(el: etree._Element, out: list[Event]) -> None:
    tag = _tag(el)
    if tag == "table":
        _table(el, out)
        return
    if tag in _HEADINGS:
        text = " ".join(_inline_text(el).split()).rstrip(":")
        if text:
            out.append(Event("head", text, _HEADINGS[tag]))
        return
    if tag == "p":
        head = _heading(el)
        if head:
            out.append(head)
            return
    buf: list[str] = []

    def block(child: etree._Element) -> None:
        flush()
        _walk(child, out)

    def flush() -> None:
        text = _join(buf)
        buf.clear()
        if text:
            out.append(Event("text", text, tag=tag))

    _collect(el, buf, block)
    flush()


def events(fragment: str) -> list[Event]:
    """Headings, text blocks and table rows of an HTML fragment, in order."""
    if not fragment or not fragment.strip():
        return []
    parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(fragment, parser)
    except (etree.LxmlError, ValueError):
        return []
    body = root.find("body") if root is not None else None
    out: list[Event] = []
    if body is not None:
        _walk(body, out)
    return out


# ---------------------------------------------------------------- passages

# The house-style block restating the rating scheme starts with an underlined
# "Definitions" heading; without one, a trailing run of scheme-like headings.
_DEFS = re.compile(r"^definitions?$", re.I)
_SCHEME = re.compile(
    r"^(definitions?\b.*|abbreviations|footnotes?|relative radiation level designations|key( to .*)?)$"
    r"|^(?=.*\b(levels?|grades|grading|classes|categories|classification|ratings?|scales?|schemes?|systems?"
    r"|definitions?|determinants|interpretation|nomenclature|strength|quality|certainty)\b)"
    r"(?=.*\b(evidence|recommendations|certainty|of (the )?recommendation|grades? mean)\b)", re.I)
# Words of a rating scheme: a heading without any of them ends a definitions block.
_VOCAB = re.compile(r"evidence|recommend|grad|rating|level|class|strength|quality|certainty|definition"
                    r"|consensus|scale|abbreviation|footnote|key\b", re.I)
_SKIP_ALWAYS = re.compile(r"^(abbreviations|footnotes?|relative radiation level designations)$", re.I)
_BOILER = re.compile(
    r"at the end of the\s+[\"“]?Major Recommendations|^Note from .{0,200}\b(National Guideline Clearinghouse|NGC)\b"
    r"|^(The )?(definitions|levels|grades|ratings|strength)[^.]{0,160}\b(are|is) (defined|provided|presented|described|given|listed|found) (at the end|in the [\"“]?(Rating Scheme|Major Recommendations))",
    re.I)
_MARK = re.compile(r"[\s:*†‡§¶0-9]+$")


def _head_key(text: str) -> str:
    return _MARK.sub("", text).strip()


_GRADE_PAREN = re.compile(r"\((Level|Grade|Class|Strength)\b", re.I)
_NOT_SCHEME = re.compile(r"^(the following|recommendations?\b)|\b(based on|supported by)\b", re.I)


def _is_scheme(text: str) -> bool:
    # "The following recommendations are based on ... evidence (Level B)" introduces
    # recommendations; scheme headings are short titles.
    key = _head_key(text)
    if len(key) > 100 or _NOT_SCHEME.search(key) or _GRADE_PAREN.search(key):
        return False
    return bool(_SCHEME.match(key))


def _skip_mask(evs: list[Event]) -> list[bool]:
    skip = [False] * len(evs)
    heads = [i for i, e in enumerate(evs) if e.kind == "head"]
    defs_found = False
    skipping, skip_rank = False, 0
    for i, e in enumerate(evs):
        if e.kind == "head":
            key = _head_key(e.text)
            if skipping and e.rank <= skip_rank and not _VOCAB.search(key):
                skipping = False
            if not skipping and ((e.underlined and _DEFS.match(key)) or _SKIP_ALWAYS.match(key)):
                skipping, skip_rank = True, e.rank
                defs_found = defs_found or bool(_DEFS.match(key))
        skip[i] = skipping
    if not defs_found and heads:
        start = None
        for i in reversed(heads):
            e = evs[i]
            if _is_scheme(e.text):
                start = i
            elif e.rank <= 2:
                break
        if start is not None and any(ev.kind != "head" for ev in evs[:start]):
            for i in range(start, len(evs)):
                skip[i] = True
    return skip


_HEAD_LEVEL = re.compile(r"^(Level|Class|Category|Grade)\s+([IV]+|[1-5]|[A-D])\s*(-?\s*[A-D]|[ab])?(\s+recommendations?)?$", re.I)


def _head_grade(text: str) -> str:
    """Grade stated by a heading such as "Class IIa", "Level III" or "Level A recommendations"."""
    if len(text) > 160:
        return ""
    m = _HEAD_LEVEL.match(text)
    if m:
        return upper_first(" ".join(text.split()[:2]) + (m.group(3).replace(" ", "") if m.group(3) else ""))
    return grade_of(text)


def _section(stack: list[tuple[int, str, str]]) -> str:
    names = [name if len(name) <= 100 else name[:97].rstrip() + "…" for _, name, _ in stack[-2:]]
    return " > ".join(names) or FIELD


class Draft(NamedTuple):
    section: str
    text: str
    meta: dict[str, str]
    tag: str


# "The following recommendations are based on good and consistent scientific evidence
# (Level A):" grades the list that follows it.
_INTRO = re.compile(r"^The following (recommendations?|conclusions?)\b.*\(.*\):$", re.I)


def recommendation_passages(fragment: str) -> list[Draft]:
    """One draft passage per recommendation (paragraph, list item or table row)."""
    evs = events(fragment)
    skip = _skip_mask(evs)
    drafts: list[Draft] = []
    stack: list[tuple[int, str, str]] = []  # (rank, text, grade stated by the heading)
    columns: tuple[str, ...] = ()
    for e, skipped in zip(evs, skip, strict=True):
        if skipped:
            continue
        if e.kind == "text" and len(e.text) < 250 and _INTRO.match(e.text):
            e = e._replace(kind="head", text=e.text.rstrip(": "), rank=4)
        if e.kind == "head":
            while stack and stack[-1][0] >= e.rank:
                stack.pop()
            stack.append((e.rank, e.text, _head_grade(e.text)))
            if e.tag != "tr":
                columns = ()
            continue
        section = _section(stack)
        inherited = next((g for _, _, g in reversed(stack) if g), "")
        meta = {"field": FIELD}
        if e.kind == "row":
            if e.tag == "th":
                columns = e.cells
                continue
            text = " | ".join(c for c in e.cells if c)
            grade = grade_of(text)
            for name, value in zip(columns, e.cells, strict=False):
                if value and re.match(r"(appropriateness )?(rating|category)\b", name, re.I):
                    grade = f"Rating {value}" if value.isdigit() else value
            if columns:
                meta["columns"] = " | ".join(columns)
        else:
            text = e.text
            if _BOILER.search(text):
                continue
            grade = grade_of(text)
            if is_grade_only(text, grade) and _attach_grade(drafts, section, text, grade):
                continue
        if inherited and grade and inherited.startswith("Class") and "Class" not in grade:
            grade = f"{inherited}; {grade}"
        grade = grade or inherited
        if grade:
            meta["grade"] = grade
        drafts.append(Draft(section, text, meta, e.tag))
    return drafts


def _attach_grade(drafts: list[Draft], section: str, line: str, grade: str) -> bool:
    """A grade stated on its own line belongs to the recommendation just before it:
    the lead-in paragraph and the list items that follow it."""
    if not drafts or drafts[-1].section != section:
        return False
    last = drafts[-1]
    drafts[-1] = last._replace(text=f"{last.text}\n{line}")
    for i in range(len(drafts) - 1, -1, -1):
        d = drafts[i]
        if d.section != section or ("grade" in d.meta and i != len(drafts) - 1):
            break
        if "grade" not in d.meta:
            d.meta["grade"] = grade
        if d.tag != "li":
            break
    return True
