"""MeSH XML (descriptors, supplementary concept records, qualifiers): vocabulary only.

Each record becomes a ``VocabTerm`` whose entry terms are every ``Term/String`` of
every concept, which is what query expansion needs (Acetaminophen -> Paracetamol).
Pharmacological-action files list substances per action and carry no entry terms,
so their records are skipped on purpose. The full yearly files are hundreds of
megabytes, so records are streamed with ``iterparse`` and freed as they are read.
"""

from __future__ import annotations

import io
import re

from lxml import etree

from ..errors import ParseError
from ..types import Parsed, VocabTerm

FORMAT = "mesh"

_SNIFF = (
    b"<DescriptorRecordSet",
    b"<SupplementalRecordSet",
    b"<QualifierRecordSet",
    b"<PharmacologicalActionSet",
    b"<PharmacologicalActionSubstanceSet",
    b"<DescriptorRecord ",
    b"<DescriptorRecord>",
)

_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")

# record element -> (UI child, name child)
_RECORDS = {
    "DescriptorRecord": ("DescriptorUI", "DescriptorName"),
    "SupplementalRecord": ("SupplementalRecordUI", "SupplementalRecordName"),
    "QualifierRecord": ("QualifierUI", "QualifierName"),
}
_ROOTS = {
    "DescriptorRecordSet",
    "SupplementalRecordSet",
    "QualifierRecordSet",
    "PharmacologicalActionSet",
    "PharmacologicalActionSubstanceSet",
    *_RECORDS,
}
# Records of the pharmacological-action files, by root element.
_PA_RECORDS = {
    "PharmacologicalActionSet": ("PharmacologicalAction", "pharmacological action list (no entry terms)"),
    "PharmacologicalActionSubstanceSet": ("Substance", "pharmacological action substance list (no entry terms)"),
}


def sniff(name: str, head: bytes) -> bool:
    return bool(_XML_START.match(head)) and any(marker in head for marker in _SNIFF)


def _string(el: etree._Element | None) -> str:
    if el is None:
        return ""
    text = el.findtext("String") if el.find("String") is not None else el.text
    return " ".join((text or "").split())


def _term(record: etree._Element, ui_tag: str, name_tag: str) -> VocabTerm | None:
    ui = " ".join((record.findtext(ui_tag) or "").split())
    preferred = _string(record.find(name_tag))
    if not ui or not preferred:
        return None
    seen = {preferred.casefold()}
    entries: list[str] = []
    for term in record.iter("Term"):
        value = _string(term)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            entries.append(value)
    return VocabTerm(ui=ui, preferred=preferred, entry_terms=tuple(entries), vocabulary="mesh")


def _pa_term(record: etree._Element) -> VocabTerm | None:
    """A pharmacological-action record that, unusually, lists terms of its own."""
    if next(record.iter("Term"), None) is None:
        return None
    ref = record.find("DescriptorReferredTo")
    if ref is not None:
        return _term(ref, "DescriptorUI", "DescriptorName")
    return _term(record, "RecordUI", "RecordName")


def parse(data: bytes, name: str) -> Parsed:
    result = Parsed()
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        load_dtd=False,
    )
    root: etree._Element | None = None
    pa_tag, pa_reason = "", ""
    try:
        for event, el in events:
            if root is None:
                root = el
                if el.tag not in _ROOTS:
                    raise ParseError(f"not a MeSH XML file (root element <{el.tag}>)")
                pa_tag, pa_reason = _PA_RECORDS.get(el.tag, ("", ""))
                continue
            if event != "end" or el.getparent() is not root:
                continue
            if el.tag in _RECORDS:
                term = _term(el, *_RECORDS[el.tag])
                reason = f"{el.tag} without a UI or name"
            elif el.tag == pa_tag:
                term, reason = _pa_term(el), pa_reason
            else:
                continue
            if term is None:
                result.skipped.append(reason)
            else:
                result.vocab.append(term)
            # Free each finished record so memory stays flat on the full files.
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del root[0]
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise ParseError("not well-formed XML: empty document")
    if root.tag in _RECORDS:
        # A bare <DescriptorRecord> file: the root itself is the one record.
        term = _term(root, *_RECORDS[root.tag])
        if term is None:
            raise ParseError(f"{root.tag} without a UI or name")
        result.vocab.append(term)
    return result
