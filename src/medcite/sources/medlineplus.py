"""MedlinePlus health-topic XML: plain-language topic summaries from NLM.

Two layouts: the current ``<health-topics><health-topic ...>`` file and the
legacy ``<MedicalTopics><MedicalTopic ...>`` vocabulary file. Each topic becomes a
consumer document (its summary split into paragraphs and list items) and a
``VocabTerm`` carrying its synonyms, linked to MeSH through ``meta["mesh_ids"]``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Parsed, VocabTerm
from .base import DocBuilder, html_to_text, iso_date, one_line, year_of

FORMAT = "medlineplus"
ISSUER = "MedlinePlus (National Library of Medicine)"

_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.I)
_SPACES = re.compile(r"\s+")
# Summaries end with the contributing agency as a bold-italic paragraph: a credit
# line, not health information, so it goes to meta instead of a passage.
_CREDIT = re.compile(r"<p\b[^>]*font-style:\s*italic[^>]*>(.*?)</p>\s*$", re.I | re.S)
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")
_SNIFF_ROOT = re.compile(rb"<(?:health-topics|MedicalTopics)[\s>]")


def sniff(name: str, head: bytes) -> bool:
    return bool(_XML_START.match(head) and _SNIFF_ROOT.search(head))


def _text(el: etree._Element | None) -> str:
    return one_line("".join(el.itertext())) if el is not None else ""


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _date(text: str) -> str:
    """ISO date from MedlinePlus's MM/DD/YYYY (time part ignored)."""
    match = _SLASH_DATE.match(text or "")
    if match:
        return iso_date(match.group(3), match.group(1), match.group(2))
    return iso_date(year_of(text or ""))


def _blocks(summary_html: str) -> list[str]:
    """Paragraphs and list items of a summary, each as one line of plain text."""
    # Line breaks inside the HTML are insignificant (the XML wraps long lines);
    # only block elements separate blocks. List items get a visible bullet.
    flat = _SPACES.sub(" ", summary_html)
    flat = _LIST_ITEM.sub(lambda m: m.group(0) + "• ", flat)
    text = html_to_text(flat)
    return [line for line in (one_line(x) for x in text.split("\n")) if line and line != "•"]


def _add_summary(builder: DocBuilder, summary_html: str) -> str:
    """Add the summary's passages; returns the credit line, if any."""
    credit = ""
    match = _CREDIT.search(summary_html)
    if match:
        credit = html_to_text(match.group(1))
        summary_html = summary_html[: match.start()]
    for block in _blocks(summary_html):
        for chunk in chunk_text(block):
            builder.add("summary", chunk)
    return one_line(credit)


def _topic(
    *, topic_id: str, title: str, url: str, language: str, date: str, summary: str,
    also_called: list[str], see_refs: list[str], mesh: list[tuple[str, str]],
) -> tuple[Any, VocabTerm | None, str]:
    """(document or None, vocab term or None, skip reason)."""
    if not topic_id or not title:
        return None, None, "topic without an id or title"
    also_called = _dedupe(also_called)
    synonyms = [s for s in _dedupe(also_called + see_refs) if s.casefold() != title.casefold()]
    vocab = VocabTerm(ui=f"mplus:{topic_id}", preferred=title, entry_terms=tuple(synonyms),
                      vocabulary="medlineplus")
    builder = DocBuilder()
    credit = _add_summary(builder, summary)
    if not len(builder):
        return None, vocab, "topic without a summary"
    mesh_ids = _dedupe([ui for ui, _ in mesh if ui])
    meta: dict[str, Any] = {"language": language, "also_called": also_called, "mesh_ids": mesh_ids}
    if see_refs:
        meta["see_references"] = see_refs
    if credit:
        meta["summary_source"] = credit
    doc = builder.build(
        doc_id=f"medlineplus:{topic_id}",
        source_type="consumer",
        title=title,
        format=FORMAT,
        issuer=ISSUER,
        venue="MedlinePlus",
        pub_date=date,
        year=year_of(date),
        evidence_level="consumer",
        mesh_terms=tuple(_dedupe([name for _, name in mesh if name])),
        identifiers={"medlineplus": topic_id},
        url=url,
        meta=meta,
    )
    return doc, vocab, ""


def _health_topic(el: etree._Element) -> tuple[Any, VocabTerm | None, str]:
    return _topic(
        topic_id=(el.get("id") or "").strip(),
        title=one_line(el.get("title") or ""),
        url=(el.get("url") or "").strip(),
        language=(el.get("language") or "").strip(),
        date=_date(el.get("date-created") or ""),
        summary="".join(el.find("full-summary").itertext()) if el.find("full-summary") is not None else "",
        also_called=[_text(x) for x in el.findall("also-called")],
        see_refs=_dedupe([_text(x) for x in el.findall("see-reference")]),
        mesh=[((d.get("id") or "").strip(), _text(d)) for d in el.findall("mesh-heading/descriptor")],
    )


def _medical_topic(el: etree._Element) -> tuple[Any, VocabTerm | None, str]:
    topic_id = (el.findtext("ID") or "").strip() or (el.get("ID") or "").lstrip("T")
    created = el.find("DateCreated")
    date = ""
    if created is not None:
        date = iso_date(created.findtext("Year"), created.findtext("Month"), created.findtext("Day"))
    return _topic(
        topic_id=topic_id,
        title=_text(el.find("MedicalTopicName")),
        url=(el.findtext("URL") or "").strip(),
        language=(el.get("langcode") or "").strip(),
        date=date,
        summary=el.findtext("FullSummary") or "",
        also_called=[_text(x) for x in el.findall("Synonyms/Synonym")],
        see_refs=_dedupe([_text(x) for x in el.findall("SeeReferencesList/SeeReference/SeeRefName")]),
        # Only the topic's own headings; see-references carry headings of their own.
        mesh=[(_text(d.find("DescriptorUI")), _text(d.find("DescriptorName")))
              for d in el.findall("MeshHeadingList/MeshHeading/Descriptor")],
    )


_LAYOUTS = {"health-topics": ("health-topic", _health_topic), "MedicalTopics": ("MedicalTopic", _medical_topic)}


def parse(data: bytes, name: str) -> Parsed:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None or root.tag not in _LAYOUTS:
        raise ParseError(f"not a MedlinePlus topics file (root element <{getattr(root, 'tag', '?')}>)")
    tag, read = _LAYOUTS[root.tag]
    result = Parsed()
    for el in root.iterchildren(tag):
        doc, vocab, reason = read(el)
        if vocab is not None:
            result.vocab.append(vocab)
        if doc is not None:
            result.documents.append(doc)
        else:
            result.skipped.append(reason)
    return result
