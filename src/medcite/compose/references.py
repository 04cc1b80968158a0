"""Reference numbering and the typed reference list (Guideline / Research / FDA Drug Label)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Evidence, Hit, Reference

LABELS = {
    "guideline": "Guideline", "research": "Research", "label": "FDA Drug Label",
    "consumer": "Consumer Health", "other": "Other",
}


def identifier_and_url(doc_id: str, identifiers: Mapping[str, str], url: str) -> tuple[str, str]:
    """A human identifier ("PMID 123", "NGC 9085", "SPL set id …") and a link for a document."""
    prefix, _, local = doc_id.partition(":")
    ident = ""
    if prefix == "pmid":
        ident = f"PMID {local}"
        url = url or f"https://pubmed.ncbi.nlm.nih.gov/{local}/"
    elif prefix == "pmc":
        ident = f"PMCID {local if local.upper().startswith('PMC') else 'PMC' + local}"
        url = url or f"https://www.ncbi.nlm.nih.gov/pmc/articles/{ident.split()[1]}/"
    elif prefix == "ngc":
        ident = f"NGC {local}"
    elif prefix == "spl":
        ident = f"SPL set id {local}"
        url = url or f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={local}"
    elif identifiers.get("pmid"):
        ident = f"PMID {identifiers['pmid']}"
    else:
        ident = doc_id
    if not ident.startswith("PMID") and identifiers.get("pmid") and prefix not in ("pmid",):
        ident += f"; PMID {identifiers['pmid']}"
    if identifiers.get("doi"):
        ident += f"; doi {identifiers['doi']}"
    return ident, url if url.startswith(("http://", "https://")) else ""


def make_reference(number: int, doc_id: str, meta: Mapping[str, Any] | None) -> Reference:
    """The reference entry for a cited document (``meta`` from ``store.documents_meta``)."""
    meta = meta or {}
    source_type = str(meta.get("source_type") or "other")
    ident, url = identifier_and_url(doc_id, meta.get("identifiers") or {}, str(meta.get("url") or ""))
    return Reference(
        number=number, doc_id=doc_id, source_type=source_type,
        label=LABELS.get(source_type, "Other"), title=str(meta.get("title") or doc_id),
        issuer=str(meta.get("issuer") or ""), venue=str(meta.get("venue") or ""),
        year=meta.get("year"), pub_date=str(meta.get("pub_date") or ""),
        authors=tuple(meta.get("authors") or ())[:6], identifier=ident, url=url,
    )


class Numbering:
    """Reference numbers in order of first citation, one per document, and the evidence
    passage behind each citation."""

    def __init__(self) -> None:
        self.by_doc: dict[str, int] = {}
        self._evidence: dict[int, Evidence] = {}

    def number(self, doc_id: str) -> int:
        if doc_id not in self.by_doc:
            self.by_doc[doc_id] = len(self.by_doc) + 1
        return self.by_doc[doc_id]

    def cite(self, hit: Hit, start: int, end: int, score: float) -> int:
        """The reference number for a sentence ``hit.text[start:end]``; the first cited
        sentence of a passage is the quote its evidence entry shows."""
        n = self.number(hit.doc_id)
        if hit.passage_id not in self._evidence:
            self._evidence[hit.passage_id] = Evidence(
                reference=n, passage_id=hit.passage_id, doc_id=hit.doc_id, section=hit.section,
                text=hit.text, quote_start=start, quote_end=end, score=round(score, 4))
        return n

    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(sorted(self._evidence.values(), key=lambda e: (e.reference, e.passage_id)))

    def references(self, meta: Mapping[str, Mapping[str, Any]]) -> tuple[Reference, ...]:
        return tuple(make_reference(n, d, meta.get(d)) for d, n in self.by_doc.items())
