"""MedQuAD question-answer XML: one consumer-health page per file, one passage per answer.

Three root variants occur in the data: ``<Document id source url>`` (almost all
files), ``<DiseaseFile fid source url>`` (one CDC file) and a lower-case
``<doc docid corpus url>`` with ``<qaPairs><pair><question/><answer/>`` (four NINDS
files). All are read the same way.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Parsed
from .base import DocBuilder, clean_text, one_line

FORMAT = "medquad"

ISSUERS = {
    "CancerGov": "National Cancer Institute",
    "GARD": "Genetic and Rare Diseases Information Center",
    "GHR": "Genetics Home Reference",
    "MPlusHealthTopics": "MedlinePlus",
    "NIDDK": "National Institute of Diabetes and Digestive and Kidney Diseases",
    "NINDS": "National Institute of Neurological Disorders and Stroke",
    "NIHSeniorHealth": "NIHSeniorHealth",
    "NHLBI": "National Heart, Lung, and Blood Institute",
    "CDC": "Centers for Disease Control and Prevention",
}

_ROOTS = {"Document", "DiseaseFile", "doc"}
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")
_SNIFF_ROOT = re.compile(rb"<(?:Document|DiseaseFile|doc)\s[^>]*\b(?:id|fid|docid)\s*=")
_SNIFF_BODY = (b"<QAPairs", b"<qaPairs", b"<Focus", b"<doctitle-focus")

# CancerGov and CDC answers flatten their bullet lists onto one line as
# "...text.    - Next item"; a run of spaces before "- " marks a list item.
_INLINE_BULLET = re.compile(r"[ \t]{2,}-[ \t]+(?=\S)")
_BLANK_RUN = re.compile(r"\n{3,}")


def sniff(name: str, head: bytes) -> bool:
    if not _XML_START.match(head) or not _SNIFF_ROOT.search(head):
        return False
    return any(tag in head for tag in _SNIFF_BODY)


def _text(el: etree._Element | None) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _first(root: etree._Element, *tags: str) -> etree._Element | None:
    for tag in tags:
        el = root.find(tag)
        if el is not None:
            return el
    return None


def _values(root: etree._Element, *tags: str) -> list[str]:
    """Distinct non-empty texts of all descendants named ``tags``, in order."""
    seen: dict[str, None] = {}
    for el in root.iter(*tags):
        value = " ".join(_text(el).split())
        if value:
            seen.setdefault(value, None)
    return list(seen)


def clean_answer(raw: str) -> str:
    """Answer text with indentation removed, paragraph breaks and list items kept."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "  -" in text or "\t-" in text:
        text = _INLINE_BULLET.sub("\n- ", text)
    # Same result as clean_text, but str.split is several times faster than its
    # per-line regexes on these heavily indented answers (speed matters at ingest).
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    text = _BLANK_RUN.sub("\n\n", text).strip()
    return clean_text(text) if ("Â" in text or "Ã" in text or "â€" in text) else text


def _doc_key(doc_id: str, name: str) -> str:
    """The record key: ``@id`` unless the file name refines it.

    Some CancerGov files share an ``@id`` (``0000013_2.xml`` and ``0000013_2_1.xml``
    … ``_6`` all say ``id="0000013_2"``); their file stems are unique, so a stem
    that extends the id wins.
    """
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if not doc_id:
        return stem
    if stem != doc_id and stem.startswith(doc_id + "_"):
        return stem
    return doc_id


def parse(data: bytes, name: str) -> Parsed:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None or root.tag not in _ROOTS:
        tag = root.tag if root is not None else "?"
        raise ParseError(f"not a MedQuAD document (root element <{tag}>)")

    raw_id = (root.get("id") or root.get("fid") or root.get("docid") or "").strip()
    source = (root.get("source") or root.get("corpus") or "").strip() or "unknown"
    key = _doc_key(raw_id, name)
    if not key:
        raise ParseError("MedQuAD document has no id")
    focus = one_line(_text(_first(root, "Focus", "doctitle-focus")))
    issuer = ISSUERS.get(source, source)

    pairs = root.findall("QAPairs/QAPair") or root.findall("qaPairs/pair")
    builder = DocBuilder()
    skipped: list[str] = []
    first_question = ""
    for pair in pairs:
        q_el = _first(pair, "Question", "question")
        question = one_line(_text(q_el))
        first_question = first_question or question
        answer = clean_answer(_text(_first(pair, "Answer", "answer")))
        if not answer:
            skipped.append("empty answer")
            continue
        attrs = q_el.attrib if q_el is not None else {}
        qtype = " ".join(attrs.get("qtype", "").lower().split())
        qid = attrs.get("qid", "").strip()
        pmeta = {"question": question, "qtype": qtype, "qid": qid}
        for chunk in chunk_text(answer):
            builder.add(qtype or "answer", chunk, pmeta)

    if not len(builder):
        reason = "all answers empty" if pairs else "no QA pairs"
        return Parsed(skipped=[reason])

    meta: dict[str, object] = {"focus": focus}
    for field_name, tags in (
        ("cuis", ("CUI", "cui")),
        ("semantic_types", ("SemanticType", "semanticType")),
        ("synonyms", ("Synonym",)),
        ("categories", ("Category",)),
    ):
        values = _values(root, *tags)
        if values:
            meta[field_name] = values
    groups = _values(root, "SemanticGroup", "semanticGroup")
    if groups:
        meta["semantic_group"] = groups[0]

    url = (root.get("url") or "").strip()
    document = builder.build(
        doc_id=f"medquad:{source}-{key}",
        source_type="consumer",
        title=focus or first_question or key,
        format=FORMAT,
        issuer=issuer,
        venue=issuer,
        evidence_level="consumer",
        identifiers={"medquad": raw_id or key, "source": source},
        url=url,
        meta=meta,
    )
    return Parsed(documents=[document], skipped=skipped)
