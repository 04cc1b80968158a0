"""PubMed / MEDLINE citation XML: efetch ``PubmedArticleSet``, baseline
``MedlineCitationSet``, or a single ``PubmedArticle`` / ``MedlineCitation``.

One Document per citation, with abstract sections (``AbstractText/@Label``) as
passage sections. Also home of the small XML helpers the other lxml parsers share.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Document, Parsed
from .base import DocBuilder, evidence_level, iso_date, year_of

FORMAT = "pubmed"

_ROOTS = {b"PubmedArticleSet", b"MedlineCitationSet", b"PubmedArticle", b"MedlineCitation"}
_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w:.-]*)[\s>/]")
_LINE_COL = re.compile(r",? line \d+, column \d+$")


def root_tag(head: bytes) -> bytes:
    """Name of the first element in an XML head (after declaration, comments, DOCTYPE)."""
    body = _PROLOG.sub(b"", head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    match = _FIRST_TAG.search(body)
    return match.group(1) if match else b""


def parse_xml(data: bytes) -> etree._Element:
    """Parse XML bytes safely (no network, no entity expansion) or raise ParseError."""
    if not data.strip():
        raise ParseError("empty file")
    # A fresh parser per call: lxml parser objects are not safe to share across threads.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True,
        remove_comments=True, remove_pis=True,
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(_syntax_reason(exc, data)) from None
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise ParseError(f"not well-formed XML: {exc}") from None


def _syntax_reason(exc: etree.XMLSyntaxError, data: bytes) -> str:
    msg = _LINE_COL.sub("", (exc.msg or str(exc)).strip())
    if "encoding" in msg.lower() or "utf-8" in msg.lower():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            return f"invalid UTF-8 at byte {err.start}"
    line, col = exc.position if exc.position else (exc.lineno, 0)
    return f"not well-formed XML: line {line}, column {col}: {msg}"


def squash(text: str | None) -> str:
    """Whitespace runs to single spaces: ``one_line`` without its mojibake repair,
    which NLM's clean UTF-8 does not need and which costs a third of parse time."""
    return " ".join(text.split()) if text else ""


def text_of(el: etree._Element | None) -> str:
    """All text inside an element (inline markup included), on one line."""
    if el is None:
        return ""
    text = el.text if not len(el) else "".join(el.itertext())
    return " ".join(text.split()) if text else ""


def sniff(name: str, head: bytes) -> bool:
    """True when the root element is a PubMed/MEDLINE citation element."""
    if b"<PubmedArticle" not in head and b"<MedlineCitation" not in head:
        return False
    return root_tag(head) in _ROOTS


_SPLIT_END = {b"PubmedArticleSet": b"</PubmedArticle>", b"MedlineCitationSet": b"</MedlineCitation>"}
_SPLIT_START = {b"PubmedArticleSet": b"<PubmedArticle>", b"MedlineCitationSet": b"<MedlineCitation "}


PART_BYTES = 256 * 1024


def split(data: bytes, name: str, part_bytes: int = PART_BYTES) -> list[bytes] | None:
    """Cut a large citation set into smaller well-formed sets at record boundaries,
    so worker processes can parse the parts in parallel. Returns None when the file
    should be parsed whole (small, not a set, or not cleanly closed: the whole-file
    parse then reports the exact error).

    Parts are cut by size (each ends at the first record end ``part_bytes`` or more
    after its start), not by record count: records differ in size tenfold (long author
    and reference lists), and a large first part would hold up the whole pipeline."""
    root = root_tag(data[:4096])
    end_tag = _SPLIT_END.get(root)
    if end_tag is None:
        return None
    close = b"</" + root + b">"
    close_at = data.rfind(close)
    first = data.find(_SPLIT_START[root])
    if close_at < 0 or first < 0 or data[close_at + len(close):].strip():
        return None
    header, footer = data[:first], data[close_at:]
    if len(header) > 4096 or b"</" in header:
        return None  # something other than a prolog precedes the first record
    parts: list[bytes] = []
    start = first
    while True:
        end = data.find(end_tag, start + part_bytes, close_at)
        if end < 0:
            break
        end += len(end_tag)
        parts.append(header + data[start:end] + footer)
        start = end
    if not parts:
        return None
    parts.append(header + data[start:close_at] + footer)
    return parts


def parse(data: bytes, name: str) -> Parsed:
    """Parse one PubMed XML file into one Document per citation."""
    root = parse_xml(data)
    tag = root.tag
    if tag in ("PubmedArticle", "MedlineCitation"):
        records = [root]
    elif tag in ("PubmedArticleSet", "MedlineCitationSet"):
        records = list(root)
    else:
        raise ParseError(f"not a PubMed file: root element is <{tag}>")
    out = Parsed()
    seen: dict[str, int] = {}
    for rec in records:
        rtag = rec.tag
        if rtag == "PubmedArticle":
            doc = _citation(rec.find("MedlineCitation"), rec.find("PubmedData"), out)
        elif rtag == "MedlineCitation":
            doc = _citation(rec, None, out)
        elif rtag == "DeleteCitation":
            out.skipped.append(f"DeleteCitation of {len(rec)} PMID(s) ignored")
            continue
        elif rtag == "PubmedBookArticle":
            out.skipped.append(f"PubmedBookArticle {rec.findtext('BookDocument/PMID', '?')}: book chapters are not supported")
            continue
        else:
            continue  # comments removed by the parser; anything else is not a citation
        if doc is None:
            continue
        if doc.doc_id in seen:
            # A revised record later in the file supersedes the earlier one.
            out.documents[seen[doc.doc_id]] = doc
            out.skipped.append(f"{doc.doc_id}: duplicate citation, kept the later record")
        else:
            seen[doc.doc_id] = len(out.documents)
            out.documents.append(doc)
        rec.clear()  # frees the subtree early on large baseline files
    return out


_NONE: tuple[None] = (None,)


def _by_tag(el: etree._Element) -> dict[str, list[etree._Element]]:
    # One pass over the children beats a dozen find() calls per citation.
    found: dict[str, list[etree._Element]] = {}
    for child in el:
        tag = child.tag
        same = found.get(tag)
        if same is None:
            found[tag] = [child]
        else:
            same.append(child)
    return found


def _citation(mc: etree._Element | None, pubmed_data: etree._Element | None, out: Parsed) -> Document | None:
    if mc is None:
        out.skipped.append("PubmedArticle without MedlineCitation")
        return None
    parts = _by_tag(mc)
    pmid = squash(parts["PMID"][0].text) if "PMID" in parts else ""
    if not pmid or "Article" not in parts:
        out.skipped.append(f"citation {pmid or '?'}: no PMID or Article element")
        return None
    art = _by_tag(parts["Article"][0])
    title = text_of(art.get("ArticleTitle", _NONE)[0]) or text_of(art.get("VernacularTitle", _NONE)[0])

    builder = DocBuilder()
    if "Abstract" in art:
        _add_abstract(builder, art["Abstract"][0])
    has_abstract = len(builder) > 0
    if not has_abstract:
        if not title:
            out.skipped.append(f"pmid:{pmid}: neither title nor abstract")
            return None
        builder.add("title", title)

    venue = pub_date = ""
    year = None
    if "Journal" in art:
        journal = _by_tag(art["Journal"][0])
        for tag in ("Title", "ISOAbbreviation"):
            venue = venue or text_of(journal.get(tag, _NONE)[0])
        issue = journal.get("JournalIssue", _NONE)[0]
        if issue is not None:  # iterchildren, not find(): find() parses its path each call
            pub_date, year = _pub_date(next(issue.iterchildren("PubDate"), None))
    if not venue and "MedlineJournalInfo" in parts:
        venue = squash(parts["MedlineJournalInfo"][0].findtext("MedlineTA"))
    if not pub_date:
        pub_date, year = _pub_date(art.get("ArticleDate", _NONE)[0])

    pub_types = _texts(art.get("PublicationTypeList", ()), "PublicationType")
    level = evidence_level(pub_types)
    meta: dict[str, object] = {"has_abstract": has_abstract}
    if "Language" in art:
        meta["language"] = squash(art["Language"][0].text)
    keywords = [k for kw_list in parts.get("KeywordList", ()) for k in (text_of(kw) for kw in kw_list) if k]
    if keywords:
        meta["keywords"] = keywords

    return builder.build(
        doc_id=f"pmid:{pmid}",
        source_type="guideline" if level == "guideline" else "research",
        title=title,
        format=FORMAT,
        authors=_authors(art.get("AuthorList", _NONE)[0]),
        venue=venue,
        pub_date=pub_date,
        year=year,
        pub_types=pub_types,
        evidence_level=level,
        mesh_terms=_mesh(parts.get("MeshHeadingList", _NONE)[0]),
        identifiers=_identifiers(pmid, parts, art, pubmed_data),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        meta=meta,
    )


def _texts(lists: list[etree._Element] | tuple[()], tag: str) -> tuple[str, ...]:
    values = (squash(item.text) for lst in lists for item in lst if item.tag == tag)
    return tuple(v for v in values if v)


def _mesh(heading_list: etree._Element | None) -> tuple[str, ...]:
    if heading_list is None:
        return ()
    terms = (squash(child.text) for heading in heading_list for child in heading if child.tag == "DescriptorName")
    return tuple(t for t in terms if t)


def _add_abstract(builder: DocBuilder, abstract: etree._Element) -> None:
    # Consecutive paragraphs with the same label form one section, chunked together.
    sections: list[tuple[str, list[str]]] = []
    for node in abstract:
        if node.tag != "AbstractText":
            continue  # CopyrightInformation is not abstract text
        text = text_of(node)
        if not text:
            continue
        label = (node.get("Label") or "").strip()
        if not label:
            category = (node.get("NlmCategory") or "").strip()
            label = category if category and category != "UNASSIGNED" else "abstract"
        if sections and sections[-1][0] == label:
            sections[-1][1].append(text)
        else:
            sections.append((label, [text]))
    for label, paras in sections:
        for chunk in chunk_text("\n\n".join(paras)):
            builder.add(label, chunk)


def _pub_date(node: etree._Element | None) -> tuple[str, int | None]:
    if node is None:
        return "", None
    year = month = day = medline = ""
    for child in node:  # the last of a repeated element wins
        tag = child.tag
        if tag == "Year":
            year = child.text or ""
        elif tag == "Month":
            month = child.text or ""
        elif tag == "Day":
            day = child.text or ""
        elif tag == "MedlineDate":
            medline = child.text or ""
    return _dated(year.strip(), month.strip(), day.strip(), medline.strip())


@lru_cache(maxsize=4096)
def _dated(year: str, month: str, day: str, medline: str) -> tuple[str, int | None]:
    # Cached: a baseline file has a few hundred distinct publication dates.
    if year:
        iso = iso_date(year, month, day)
        return iso, year_of(iso)
    # MedlineDate is free text such as "2015 Oct-Dec" or "1998 Dec-1999 Jan".
    found = year_of(medline)
    return (str(found), found) if found else ("", None)


def _authors(author_list: etree._Element | None) -> tuple[str, ...]:
    if author_list is None:
        return ()
    names: list[str] = []
    for author in author_list:
        if author.tag != "Author" or author.get("ValidYN") == "N":
            continue
        last = initials = fore = ""
        collective = None
        for child in author:
            tag = child.tag
            if tag == "LastName":
                last = child.text or ""
            elif tag == "Initials":
                initials = child.text or ""
            elif tag == "ForeName":
                fore = child.text or ""
            elif tag == "CollectiveName":
                collective = child
        if last:
            names.append(squash(f"{last} {initials or _initials(fore)}"))
        elif collective is not None:
            name = text_of(collective)
            if name:
                names.append(name)
    return tuple(names)


def _initials(forename: str) -> str:
    return "".join(part[0] for part in re.split(r"[\s.-]+", forename) if part)


def _identifiers(
    pmid: str,
    parts: dict[str, list[etree._Element]],
    art: dict[str, list[etree._Element]],
    pubmed_data: etree._Element | None,
) -> dict[str, str]:
    ids = {"pmid": pmid}
    for loc in art.get("ELocationID", ()):
        if loc.get("EIdType") == "doi" and loc.get("ValidYN") != "N" and loc.text:
            ids["doi"] = loc.text.strip()
            break
    if pubmed_data is not None:
        # Only the article's own ids: ReferenceList entries carry ArticleIdLists too.
        for aid in pubmed_data.iterfind("ArticleIdList/ArticleId"):
            kind = aid.get("IdType")
            value = (aid.text or "").strip()
            if value and kind in ("doi", "pmc") and kind not in ids:
                ids[kind] = value
    if "pmc" not in ids:
        for other in parts.get("OtherID", ()):
            value = (other.text or "").strip()
            if value.startswith("PMC") and value[3:].isdigit():
                ids["pmc"] = value
                break
    return ids
