"""National Guideline Clearinghouse (NGC) guideline summaries (guideline.gov XML, 2018 archive).

A summary is ``<Version><Section Name><Field Name><FieldValue Value="escaped HTML"/>``.
Full summaries become one guideline document whose passages are the individual
recommendations (see ``ngc_html``) plus a few descriptive fields; the many stubs
of withdrawn guidelines (only a bibliographic source) are skipped.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Parsed
from .base import DocBuilder, html_to_text, iso_date, one_line, year_of
from .ngc_html import FIELD, recommendation_passages
from .pubmed import parse_xml

FORMAT = "ngc"

STUB_REASON = "guideline stub without recommendations (withdrawn or superseded)"

# Fields kept as passages after the recommendations, in this order.
EXTRA_FIELDS = (
    "Potential Benefits",
    "Potential Harms",
    "Qualifying Statements",
    "Target Population",
    "Disease/Condition(s)",
    "Interventions and Practices Considered",
)

_NAME_ID = re.compile(r"(?:^|[/\\])ngc-(\d+)\.xml$", re.I)
_HEAD_VERSION = re.compile(rb"<Version[\s>]")
_HEAD_PART = re.compile(rb"<(Section|xmlSource)[\s>]")
_PMID = re.compile(r"list_uids=(\d+)")
_DATE = re.compile(r"^\s*(\d{4})(?:\s+([A-Za-z]{3,9})\.?(?:[-–][A-Za-z]+)?(?:\s+(\d{1,2})\b)?)?")
# UTF-8 read as Latin-1 or cp1252 ("Â®", "â\x98\x85" for ★): a lead byte and its
# continuation bytes, each shown as one character.
_CONT = "[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
_MOJIBAKE = re.compile(f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\ufeff"))


_USED = frozenset({FIELD, *EXTRA_FIELDS, "Guideline Title", "Guideline Developer(s)", "Date Released",
                   "Intended Users", "Clinical Specialty", "Guideline Category",
                   "Bibliographic Source(s)", "Rating Scheme for the Strength of the Evidence",
                   "Rating Scheme for the Strength of the Recommendations",
                   "Rating Scheme for the Strength of the Evidence/Recommendations"})


def sniff(name: str, head: bytes) -> bool:
    """NGC summaries start with <Version> and hold <Section>/<xmlSource> elements."""
    if not _HEAD_VERSION.search(head):
        return False
    if _HEAD_PART.search(head):
        return True
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_NAME_ID.search(name.replace("\\", "/"))) and stripped.startswith(b"<Version")


def _fields(root: etree._Element) -> dict[str, list[str]]:
    """Field name -> its values; a name repeated in a later section keeps the first."""
    fields: dict[str, list[str]] = {}
    for field in root.iter("Field"):
        name = (field.get("Name") or "").strip()
        if name and name not in fields:
            fields[name] = [fv.get("Value") or "" for fv in field.iter("FieldValue")]
    return fields


def release_date(text: str) -> tuple[str, int | None]:
    """ISO date and year of the first date in a "Date Released" value.

    Values look like "2012 Mar 27 (reaffirmed 2015 Jul 18)", "2007 (revised 2013)"
    or "2014 Jul-Aug"; the first date is the original release.
    """
    m = _DATE.match(text or "")
    if not m:
        year = year_of(text)
        return (str(year) if year else ""), year
    return iso_date(m.group(1), m.group(2), m.group(3)), int(m.group(1))


def _unmangle(match: re.Match[str]) -> str:
    chars = match.group(0)
    try:
        raw = b"".join(c.encode("latin-1") if c < "\u0100" else c.encode("cp1252") for c in chars)
        return raw.decode("utf-8")
    except UnicodeError:
        return chars


def repair(text: str) -> str:
    """Undo UTF-8-as-Latin-1/cp1252 mojibake and drop invisible soft hyphens."""
    if not text or text.isascii():
        return text or ""
    return _MOJIBAKE.sub(_unmangle, text).translate(_INVISIBLE)


def developers(values: list[str]) -> tuple[list[str], list[str]]:
    """Developer names and their NGC organisation types.

    NGC appends the type: "American Academy of Otolaryngology - Head and Neck Surgery
    Foundation - Medical Specialty Society"; the type is after the last " - ".
    """
    names, kinds = [], []
    for value in values:
        text = one_line(html_to_text(value))
        name, sep, kind = text.rpartition(" - ")
        if sep and name and kind[:1].isupper() and len(kind) <= 60:
            names.append(name.strip())
            kinds.append(kind.strip())
        elif text:
            names.append(text)
    return names, kinds


def ngc_id(name: str) -> str:
    m = _NAME_ID.search(name.replace("\\", "/"))
    if not m:
        raise ParseError(f"cannot tell the NGC id from the file name {name!r} (expected ngc-<id>.xml)")
    return m.group(1)


def _text(fields: dict[str, list[str]], name: str) -> str:
    return "\n\n".join(t for t in (html_to_text(v) for v in fields.get(name, ())) if t)


def _items(fields: dict[str, list[str]], name: str) -> str:
    """A scope field's list items joined by "; " (one line each in the source's HTML)."""
    lines = (one_line(line) for line in _text(fields, name).split("\n"))
    return "; ".join(line.rstrip(";:") for line in lines if line)


def parse(data: bytes, name: str) -> Parsed:
    """Parse one NGC summary file; stubs come back as a skip."""
    gid = ngc_id(name)
    root = parse_xml(data)
    if root.tag != "Version":
        raise ParseError(f"not an NGC summary: root element is <{root.tag}>")
    fields = _fields(root)
    if FIELD not in fields:
        return Parsed(skipped=[STUB_REASON])
    fields = {k: [repair(v) for v in vs] for k, vs in fields.items() if k in _USED}

    builder = DocBuilder()
    for draft in recommendation_passages("".join(fields[FIELD])):
        # A few recommendations run to pages (long table cells, narrative paragraphs).
        for chunk in chunk_text(draft.text):
            builder.add(draft.section, chunk, draft.meta)
    for field in EXTRA_FIELDS:
        text = _text(fields, field)
        if text.lower().rstrip(".") in ("", "not stated", "none", "not applicable"):
            continue
        for chunk in chunk_text(text):
            builder.add(field, chunk, {"field": field})
    if not len(builder):
        return Parsed(skipped=["guideline summary without recommendation text"])

    title = one_line(_text(fields, "Guideline Title")) or f"NGC guideline summary {gid}"
    dev_names, dev_kinds = developers(fields.get("Guideline Developer(s)", []))
    issuer = "; ".join(dev_names)
    released = one_line(_text(fields, "Date Released"))
    pub_date, year = release_date(released)
    citations = [one_line(html_to_text(v)) for v in fields.get("Bibliographic Source(s)", [])]
    pmids = list(dict.fromkeys(_PMID.findall(" ".join(fields.get("Bibliographic Source(s)", [])))))
    identifiers = {"ngc": gid}
    if pmids:
        identifiers["pmid"] = pmids[0]
        identifiers["pmids"] = ",".join(pmids)
    rating = "\n\n".join(t for t in (
        _text(fields, "Rating Scheme for the Strength of the Evidence"),
        _text(fields, "Rating Scheme for the Strength of the Recommendations"),
        _text(fields, "Rating Scheme for the Strength of the Evidence/Recommendations"),
    ) if t)
    meta = {
        "archived": True,
        "date_released": released,
        "diseases": _items(fields, "Disease/Condition(s)"),
        "target_population": _items(fields, "Target Population"),
        # The rest of the guideline's scope: what it considers, for whom it is written.
        "interventions": _items(fields, "Interventions and Practices Considered")[:4000],
        "intended_users": _items(fields, "Intended Users"),
        "specialties": _items(fields, "Clinical Specialty"),
        "category": _items(fields, "Guideline Category"),
        "rating_scheme": rating[:2000],
        "bibliographic_source": " | ".join(c for c in citations if c),
        "developer_types": dev_kinds,
    }
    doc = builder.build(
        doc_id=f"ngc:{gid}",
        source_type="guideline",
        title=title,
        format=FORMAT,
        issuer=issuer,
        venue=issuer,
        pub_date=pub_date,
        year=year,
        pub_types=("Practice Guideline",),
        evidence_level="guideline",
        identifiers=identifiers,
        url=f"https://www.guideline.gov/summaries/summary/{gid}",
        meta=meta,
    )
    return Parsed(documents=[doc])
