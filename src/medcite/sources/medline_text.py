"""MEDLINE tagged text (PubMed "MEDLINE" export, ``.txt`` / ``.nbib``).

Each field is ``TAG - value`` with the tag padded to four characters; continuation
lines are indented; a record starts at its ``PMID-`` line. Documents have the same
shape as those from ``pubmed`` XML.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Document, Parsed
from .base import DocBuilder, clean_text, decode_utf8, evidence_level, iso_date, one_line, year_of

FORMAT = "medline_text"

_EXTENSIONS = (".txt", ".nbib", ".medline")
_PMID_LINE = re.compile(rb"(?m)^PMID- ?\d")
_FIELD = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)")
# Structured-abstract labels: upper-case words then a colon ("BACKGROUND:", "MATERIALS AND METHODS:").
_LABEL = re.compile(r"(?:^|(?<=[.!?)\]]\s))([A-Z][A-Z0-9 ,&/()'-]{2,60}[A-Z)]):\s")
# AID/LID values end with their id type: "10.1186/1471-2105-7-10 [doi]".
_ID_TAIL = re.compile(r"\s*\[(\w+)\]\s*$")


def sniff(name: str, head: bytes) -> bool:
    """A text file with a ``PMID-`` field line."""
    return name.lower().endswith(_EXTENSIONS) and bool(_PMID_LINE.search(head))


def parse(data: bytes, name: str) -> Parsed:
    """Parse MEDLINE records into one Document each."""
    text = decode_utf8(data)
    out = Parsed()
    for fields in _records(text):
        doc = _document(fields, out)
        if doc is not None:
            out.documents.append(doc)
    if not out.documents and not out.skipped:
        raise ParseError("no MEDLINE records (no 'PMID- ' line)")
    return out


def _records(text: str) -> list[dict[str, list[str]]]:
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    last_tag = ""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line:
            continue
        if raw[:1] in (" ", "\t"):
            if current is None or not last_tag:
                raise ParseError(f"line {lineno}: continuation line outside a record")
            values = current[last_tag]
            values[-1] = f"{values[-1]} {line.strip()}"
            continue
        match = _FIELD.fullmatch(line)
        if not match:
            raise ParseError(f"line {lineno}: expected a MEDLINE field ('TAG - value'), got {line[:40]!r}")
        tag, value = match.group(1), match.group(2).strip()
        if tag == "PMID":
            current = {}
            records.append(current)
        elif current is None:
            raise ParseError(f"line {lineno}: field {tag} before the first 'PMID- ' line")
        current.setdefault(tag, []).append(value)
        last_tag = tag
    return records


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value.strip():
                return one_line(value)
    return ""


def _document(fields: dict[str, list[str]], out: Parsed) -> Document | None:
    pmid = _first(fields, "PMID")
    if not pmid.isdigit():
        out.skipped.append(f"MEDLINE record with PMID {pmid!r}: not a number")
        return None
    title = _first(fields, "TI", "BTI", "TT")
    builder = DocBuilder()
    abstract = clean_text(" ".join(fields.get("AB", ())))
    for label, section_text in _split_abstract(abstract):
        for chunk in chunk_text(section_text):
            builder.add(label, chunk)
    has_abstract = len(builder) > 0
    if not has_abstract:
        if not title:
            out.skipped.append(f"pmid:{pmid}: neither title nor abstract")
            return None
        builder.add("title", title)

    pub_types = tuple(one_line(v) for v in fields.get("PT", ()) if v.strip())
    level = evidence_level(pub_types)
    pub_date = _date(_first(fields, "DP"))
    meta: dict[str, object] = {"has_abstract": has_abstract}
    if fields.get("LA"):
        meta["language"] = _first(fields, "LA")
    keywords = [one_line(v) for v in fields.get("OT", ()) if v.strip()]
    if keywords:
        meta["keywords"] = keywords

    return builder.build(
        doc_id=f"pmid:{pmid}",
        source_type="guideline" if level == "guideline" else "research",
        title=title,
        format=FORMAT,
        authors=_authors(fields),
        venue=_first(fields, "JT", "TA"),
        pub_date=pub_date,
        year=year_of(pub_date),
        pub_types=pub_types,
        evidence_level=level,
        mesh_terms=_mesh(fields.get("MH", [])),
        identifiers=_identifiers(pmid, fields),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        meta=meta,
    )


def _split_abstract(abstract: str) -> list[tuple[str, str]]:
    """Split "BACKGROUND: ... METHODS: ..." into labelled sections.

    Only when the abstract opens with a label and has at least two, so a stray
    "HIV: ..." inside prose does not cut an unstructured abstract.
    """
    if not abstract:
        return []
    labels = list(_LABEL.finditer(abstract))
    if len(labels) < 2 or labels[0].start() != 0:
        return [("abstract", abstract)]
    sections = []
    for i, match in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(abstract)
        body = abstract[match.end():end].strip()
        if body:
            sections.append((match.group(1).strip(), body))
    return sections


def _date(dp: str) -> str:
    parts = dp.split()
    if not parts or year_of(parts[0]) is None:
        found = year_of(dp)
        return str(found) if found else ""
    month = parts[1] if len(parts) > 1 else None
    day = parts[2] if len(parts) > 2 else None
    return iso_date(parts[0], month, day)


def _authors(fields: dict[str, list[str]]) -> tuple[str, ...]:
    names = [one_line(v) for v in fields.get("AU", ()) if v.strip()]
    if not names:
        for full in fields.get("FAU", ()):
            last, _, given = full.partition(",")
            initials = "".join(p[0] for p in re.split(r"[\s.-]+", given) if p)
            names.append(one_line(f"{last} {initials}"))
    names.extend(one_line(v) for v in fields.get("CN", ()) if v.strip())
    return tuple(names)


def _mesh(headings: list[str]) -> tuple[str, ...]:
    terms: list[str] = []
    for heading in headings:
        term = one_line(heading.split("/", 1)[0]).lstrip("*").strip()
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def _identifiers(pmid: str, fields: dict[str, list[str]]) -> dict[str, str]:
    ids = {"pmid": pmid}
    for value in fields.get("AID", []) + fields.get("LID", []):
        match = _ID_TAIL.search(value)
        if match and match.group(1) == "doi":
            ids["doi"] = value[:match.start()].strip()
            break
    pmc = _first(fields, "PMC")
    if pmc:
        ids["pmc"] = pmc
    return ids
