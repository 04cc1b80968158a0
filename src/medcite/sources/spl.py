"""FDA Structured Product Labeling (SPL): HL7 v3 drug label XML, as on DailyMed.

One label becomes one document. Passages follow the label's sections (named by
LOINC code), each subsection its own group, chunked when long. The product data
section feeds metadata only; package-label panels and the Highlights excerpts
(which repeat the full text) are left out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Parsed
from .base import DocBuilder, clean_text, iso_date, one_line
from .pubmed import parse_xml

FORMAT = "spl"

NS = "urn:hl7-org:v3"
_N = {"v": NS}
_P = "{" + NS + "}"

OTC_DOCUMENT = "34390-5"

SECTION_NAMES = {
    "34066-1": "Boxed Warning",
    "34067-9": "Indications and Usage",
    "34068-7": "Dosage and Administration",
    "43678-2": "Dosage Forms and Strengths",
    "34070-3": "Contraindications",
    "43685-7": "Warnings and Precautions",
    "34071-1": "Warnings",
    "42232-9": "Precautions",
    "34084-4": "Adverse Reactions",
    "34073-7": "Drug Interactions",
    "43684-0": "Use in Specific Populations",
    "42228-7": "Pregnancy",
    "34077-8": "Teratogenic Effects",
    "34079-4": "Labor and Delivery",
    "34080-2": "Nursing Mothers",
    "77290-5": "Lactation",
    "34081-0": "Pediatric Use",
    "34082-8": "Geriatric Use",
    "42227-9": "Drug Abuse and Dependence",
    "34088-5": "Overdosage",
    "34089-3": "Description",
    "34090-1": "Clinical Pharmacology",
    "43679-0": "Mechanism of Action",
    "43681-6": "Pharmacodynamics",
    "43682-4": "Pharmacokinetics",
    "43680-8": "Nonclinical Toxicology",
    "34083-6": "Carcinogenesis, Mutagenesis, Impairment of Fertility",
    "34092-7": "Clinical Studies",
    "34093-5": "References",
    "34069-5": "How Supplied",
    "44425-7": "Storage and Handling",
    "34076-0": "Patient Counseling Information",
    "42231-1": "Medication Guide",
    "42230-3": "Patient Package Insert",
    "43683-2": "Recent Major Changes",
    "42229-5": "SPL Unclassified",
    # OTC "Drug Facts"
    "55106-9": "Active Ingredient",
    "55105-1": "Purpose",
    "50570-1": "Do Not Use",
    "50569-3": "Ask Doctor",
    "50568-5": "Ask Doctor or Pharmacist",
    "50567-7": "When Using",
    "50566-9": "Stop Use",
    "50565-1": "Keep Out of Reach of Children",
    "53414-9": "Pregnancy or Breast Feeding",
    "51727-6": "Inactive Ingredients",
    "53413-1": "Questions",
    "60561-8": "Other Safety Information",
}
# Drug Facts panels reuse Rx codes under their own headings.
INDICATIONS_CODE = "34067-9"  # LOINC: Indications and Usage (Uses on OTC labels)
OTC_NAMES = {"34067-9": "Uses", "34068-7": "Directions", "34071-1": "Warnings"}

# Product data (metadata only) and carton/label images.
SKIP_SECTIONS = frozenset({"48780-1", "51945-4"})

_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"^\s*\d+(\.\d+)*\s+")
_BLOCKS = frozenset({"paragraph", "list", "item", "table", "caption", "renderMultiMedia", "tr"})
_TITLE_NOISE = re.compile(r"^(these highlights do not include|initial u\.s\. approval|see full prescribing)", re.I)


def sniff(name: str, head: bytes) -> bool:
    """SPL documents are HL7 v3 <document>s."""
    return b"urn:hl7-org:v3" in head and b"<document" in head


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag[len(_P):] if tag.startswith(_P) else tag


def _attr(el: etree._Element, path: str, name: str) -> str:
    found = el.find(path, _N)
    return (found.get(name) or "").strip() if found is not None else ""


def _flat(el: etree._Element, parts: list[str]) -> None:
    parts.append(el.text or "")
    for child in el:
        name = _local(child)
        if name in _BLOCKS or name == "br":
            parts.append("\n")
            _flat(child, parts)
            parts.append("\n")
        elif name:
            _flat(child, parts)
        parts.append(child.tail or "")


def _inline(el: etree._Element) -> str:
    """All text of an element on one line; blocks and <br> become spaces."""
    parts: list[str] = []
    _flat(el, parts)
    return one_line("".join(parts))


def _lines(text_el: etree._Element) -> list[str]:
    """Display lines of a section's <text>: paragraphs, "• " list items, "a | b" table rows."""
    out: list[str] = []

    def walk(el: etree._Element, bullet: bool) -> None:
        name = _local(el)
        if name == "renderMultiMedia":
            return
        if name == "table":
            for part in el.iter(_P + "caption", _P + "tr"):
                if _local(part) == "caption":
                    line = _inline(part)
                else:
                    cells = [_inline(c) for c in part if _local(c) in ("td", "th")]
                    line = " | ".join(c for c in cells if c)
                if line:
                    out.append(line)
            return
        buf: list[str] = []

        def flush() -> None:
            line = clean_text("".join(buf))
            buf.clear()
            if line:
                out.append(("• " if bullet else "") + line)

        def gather(node: etree._Element) -> None:
            buf.append(_SPACE.sub(" ", node.text or ""))
            for child in node:
                cname = _local(child)
                if cname in _BLOCKS:
                    flush()
                    walk(child, cname == "item")
                elif cname == "br":
                    buf.append("\n")
                elif cname:
                    gather(child)
                buf.append(_SPACE.sub(" ", child.tail or ""))

        gather(el)
        flush()

    walk(text_el, False)
    return out


def pack(lines: list[str], target: int = 900, limit: int = 1600) -> list[str]:
    """Group lines into chunks of about ``target`` characters, never splitting a
    line unless it alone exceeds ``limit`` (then ``chunk_text`` cuts it)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        pieces = chunk_text(line, target, limit) if len(line) > limit else [line]
        for piece in pieces:
            if current and (size >= target or size + len(piece) + 1 > limit):
                chunks.append("\n".join(current))
                current, size = [], 0
            current.append(piece)
            size += len(piece) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def _title_text(el: etree._Element | None) -> str:
    return _NUMBERING.sub("", _inline(el)) if el is not None else ""


def _sections(parent: etree._Element, builder: DocBuilder, otc: bool,
              path: tuple[str, ...], top: str) -> None:
    for sec in parent.iterfind("v:component/v:section", _N):
        code = _attr(sec, "v:code", "code")
        if code in SKIP_SECTIONS:
            continue
        title = _title_text(sec.find("v:title", _N))
        if not path:
            name = (OTC_NAMES.get(code) if otc else None) or SECTION_NAMES.get(code) or title
            if name == "SPL Unclassified" or not name:
                name = title or "SPL Unclassified"
            sec_path: tuple[str, ...] = (name,)
            sec_top = name
        else:
            # Deep outlines keep the top, the parent and the leaf so names stay short.
            sec_path = (*path, title) if title else path
            sec_top = top
        if len(sec_path) > 3:
            sec_path = (sec_path[0], *sec_path[-2:])
        section = " > ".join(sec_path)
        text_el = sec.find("v:text", _N)
        if text_el is not None:
            meta = {"loinc": code, "section_top": sec_top}
            for chunk in pack(_lines(text_el)):
                builder.add(section, chunk, meta)
        _sections(sec, builder, otc, sec_path, sec_top)


def _products(root: etree._Element) -> list[etree._Element]:
    return [*root.iterfind(".//v:manufacturedProduct/v:manufacturedProduct", _N),
            *root.iterfind(".//v:manufacturedProduct/v:manufacturedMedicine", _N)]


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in values:
        v = one_line(v)
        if v and v.lower() not in seen:
            seen[v.lower()] = v
    return list(seen.values())


def _title(root: etree._Element, brands: list[str], generics: list[str], form: str) -> str:
    """The label's own title line, else "<brand> (<generic>) <dosage form>".

    PLR titles open with the Highlights boilerplate; the product line follows it.
    """
    title_el = root.find("v:title", _N)
    lines: list[str] = []
    if title_el is not None:
        parts: list[str] = []
        _flat(title_el, parts)
        lines = [line for line in (one_line(x) for x in "".join(parts).split("\n"))
                 if line and not _TITLE_NOISE.match(line)]
    if lines and lines[0].lower() not in ("drug facts", "package insert", "label"):
        return lines[0][:300]
    name = brands[0] if brands else (generics[0] if generics else "")
    if not name:
        return lines[0] if lines else ""
    if generics and generics[0].lower() != name.lower():
        name += f" ({generics[0]})"
    return f"{name} {form.lower()}".strip()


def parse(data: bytes, name: str) -> Parsed:
    """Parse one SPL label into a document."""
    root = parse_xml(data)
    if root.tag != _P + "document":
        raise ParseError(f"not an SPL document: root element is <{_local(root) or root.tag}>")
    set_id = _attr(root, "v:setId", "root")
    if not set_id:
        raise ParseError("SPL document without a setId")
    doc_type = _attr(root, "v:code", "displayName")
    otc = _attr(root, "v:code", "code") == OTC_DOCUMENT
    version = _attr(root, "v:versionNumber", "value")
    effective = _attr(root, "v:effectiveTime", "value")
    pub_date = iso_date(effective[:4], effective[4:6], effective[6:8]) if effective[:4].isdigit() else ""
    issuer = one_line(root.findtext("v:author/v:assignedEntity/v:representedOrganization/v:name",
                                    default="", namespaces=_N))

    products = _products(root)
    brands = _unique([p.findtext("v:name", default="", namespaces=_N) for p in products])
    generics = _unique([p.findtext("v:asEntityWithGeneric/v:genericMedicine/v:name", default="",
                                   namespaces=_N) for p in products])
    forms = _unique([_attr(p, "v:formCode", "displayName") for p in products])
    routes = _unique([r.get("displayName") or "" for r in root.iterfind(".//v:routeCode", _N)])

    builder = DocBuilder()
    body = root.find("v:component/v:structuredBody", _N)
    if body is not None:
        _sections(body, builder, otc, (), "")
    if not len(builder):
        raise ParseError("SPL document has no section text")

    identifiers = {"setid": set_id}
    spl_id = _attr(root, "v:id", "root")
    if spl_id:
        identifiers["spl_id"] = spl_id
    if version:
        identifiers["version"] = version
    meta = {
        "brand_names": brands,
        "generic_names": generics,
        "dosage_forms": forms,
        "routes": routes,
        "version": version,
        "effective_date": pub_date,
        "document_type": doc_type,
    }
    doc = builder.build(
        doc_id=f"spl:{set_id}",
        source_type="label",
        title=_title(root, brands, generics, forms[0] if forms else "") or f"Drug label {set_id}",
        format=FORMAT,
        issuer=issuer,
        venue=issuer,
        pub_date=pub_date,
        year=int(pub_date[:4]) if pub_date else None,
        pub_types=(doc_type,) if doc_type else (),
        evidence_level="label",
        identifiers=identifiers,
        url=f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={set_id}",
        meta=meta,
    )
    # What the label is for, kept with its scope: documents are ranked on it for a question.
    tops = (SECTION_NAMES[INDICATIONS_CODE], OTC_NAMES[INDICATIONS_CODE])
    indications = " ".join(f"{p.section.rsplit(' > ', 1)[-1]}: {p.text}" if " > " in p.section else p.text
                           for p in doc.passages if p.meta.get("section_top") in tops)
    if indications:
        doc = replace(doc, meta={**meta, "indications": " ".join(indications.split())[:3000]})
    return Parsed(documents=[doc])
