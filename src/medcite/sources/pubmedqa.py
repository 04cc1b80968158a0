"""PubMedQA expert-labelled set (``ori_pqal.json``): a JSON object keyed by PMID.

Each record holds an abstract split into labelled CONTEXTS plus its conclusion
(LONG_ANSWER). The article title is not in the file; the QUESTION (derived from the
title by the PubMedQA authors) stands in for it.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Document, Parsed
from .base import DocBuilder, clean_text, decode_utf8, one_line

FORMAT = "pubmedqa"


def sniff(name: str, head: bytes) -> bool:
    """A .json object whose first record has QUESTION and CONTEXTS keys."""
    if not name.lower().endswith(".json"):
        return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"{") and b'"QUESTION"' in head and b'"CONTEXTS"' in head


def parse(data: bytes, name: str) -> Parsed:
    """One Document per PMID key."""
    text = decode_utf8(data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ParseError(f"not valid JSON: line {err.lineno}, column {err.colno}: {err.msg}") from None
    if not isinstance(obj, dict):
        raise ParseError("not a PubMedQA file: expected a JSON object keyed by PMID")
    out = Parsed()
    for key, record in obj.items():
        doc = _document(str(key).strip(), record, out)
        if doc is not None:
            out.documents.append(doc)
    if obj and not out.documents:
        raise ParseError("not a PubMedQA file: no record has QUESTION and CONTEXTS")
    return out


def _document(pmid: str, record: Any, out: Parsed) -> Document | None:
    if not isinstance(record, dict) or not isinstance(record.get("CONTEXTS"), list):
        out.skipped.append(f"{pmid}: not a PubMedQA record (no CONTEXTS list)")
        return None
    if not pmid.isdigit():
        out.skipped.append(f"{pmid!r}: key is not a PMID")
        return None
    question = one_line(str(record.get("QUESTION") or ""))
    raw_labels = record.get("LABELS")
    labels: list[Any] = raw_labels if isinstance(raw_labels, list) else []
    builder = DocBuilder()
    for i, context in enumerate(record["CONTEXTS"]):
        label = str(labels[i]).strip() if i < len(labels) and labels[i] else "abstract"
        for chunk in chunk_text(clean_text(str(context or ""))):
            builder.add(label, chunk)
    for chunk in chunk_text(clean_text(str(record.get("LONG_ANSWER") or ""))):
        builder.add("CONCLUSIONS", chunk)
    if not len(builder):
        out.skipped.append(f"pmid:{pmid}: no context text")
        return None

    year_text = str(record.get("YEAR") or "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    raw_meshes = record.get("MESHES")
    meshes: list[Any] = raw_meshes if isinstance(raw_meshes, list) else []
    meta: dict[str, Any] = {"title_is_question": True}
    decision = record.get("final_decision")
    if decision:
        meta["final_decision"] = str(decision)
    return builder.build(
        doc_id=f"pmid:{pmid}",
        source_type="research",
        title=question,
        format=FORMAT,
        pub_date=str(year) if year else "",
        year=year,
        evidence_level="other",
        mesh_terms=tuple(one_line(str(m)) for m in meshes if m),
        identifiers={"pmid": pmid},
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        meta=meta,
    )
