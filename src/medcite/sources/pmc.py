"""PMC open-access full text (JATS / NLM archiving XML, ``.nxml``).

One Document per ``<article>`` (a ``<pmc-articleset>`` may hold several):
abstract passages first, then body sections named by their title path
("Methods > Study area"). Tables, figures, formulas and back matter are skipped.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import Document, Parsed
from .base import DocBuilder, clean_text, evidence_level, iso_date, one_line, year_of
from .pubmed import parse_xml, root_tag

FORMAT = "pmc"

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_MML_MATH = "{http://www.w3.org/1998/Math/MathML}math"
# Subtrees whose text is not prose: reading them would put table cells and MathML
# tokens into passages.
_SKIP = frozenset({
    "table-wrap", "table-wrap-group", "fig", "fig-group", "disp-formula", "disp-formula-group",
    "supplementary-material", "tex-math", _MML_MATH, "graphic", "media", "inline-graphic",
})
_BLOCKS = ("p", "list", "disp-quote", "statement", "boxed-text", "def-list", "verse-group")
# Sections that carry no clinical or scientific content.
_NOISE_TITLES = re.compile(
    r"^(competing interests?|conflicts? of interest|authors'? contributions?|pre-publication history"
    r"|supplementary (material|information|data)|supporting information|acknowledge?ments?|abbreviations)\b",
    re.I,
)
_NOISE_TYPES = {"supplementary-material", "COI-statement", "author-contributions", "ack"}
_DATE_PREFERENCE = ("epub", "ppub", "epub-ppub", "pub", "collection")


def sniff(name: str, head: bytes) -> bool:
    """A .nxml file, or JATS/NLM XML whose root is ``<article>`` / ``<pmc-articleset>``."""
    if name.lower().endswith(".nxml"):
        return True
    if b"<article" not in head and b"<pmc-articleset" not in head:
        return False
    if not any(marker in head for marker in (b"jats", b"JATS", b"article-meta", b"archivearticle", b"Archiving")):
        return False
    return root_tag(head) in (b"article", b"pmc-articleset")


def parse(data: bytes, name: str) -> Parsed:
    """Parse JATS XML into one Document per article."""
    root = parse_xml(data)
    if root.tag == "article":
        articles = [root]
    elif root.tag == "pmc-articleset":
        articles = root.findall("article")
    else:
        raise ParseError(f"not a JATS article: root element is <{root.tag}>")
    out = Parsed()
    for article in articles:
        doc = _article(article, name, out)
        if doc is not None:
            out.documents.append(doc)
    return out


def _article(article: etree._Element, name: str, out: Parsed) -> Document | None:
    meta_el = article.find("front/article-meta")
    if meta_el is None:
        raise ParseError("JATS article without front/article-meta")
    ids = _identifiers(meta_el)
    if "pmc" in ids:
        doc_id, url = f"pmc:{ids['pmc']}", f"https://pmc.ncbi.nlm.nih.gov/articles/{ids['pmc']}/"
    elif "pmid" in ids:
        doc_id, url = f"pmid:{ids['pmid']}", f"https://pubmed.ncbi.nlm.nih.gov/{ids['pmid']}/"
    elif "doi" in ids:
        doc_id, url = f"doi:{ids['doi']}", f"https://doi.org/{ids['doi']}"
    else:
        out.skipped.append(f"{name}: article has no pmc, pmid or doi id")
        return None

    title = _text(meta_el.find("title-group/article-title"), one=True)
    builder = DocBuilder()
    for abstract in meta_el.findall("abstract"):
        _add_abstract(builder, abstract)
    body = article.find("body")
    if body is not None:
        _add_blocks(builder, body, "body")
        for sec in body.iterfind("sec"):
            _add_section(builder, sec, "")
    if not len(builder):
        if not title:
            out.skipped.append(f"{doc_id}: no title, abstract or body text")
            return None
        builder.add("title", title)

    article_type = (article.get("article-type") or "").strip()
    headings = [
        one_line("".join(s.itertext()))
        for g in meta_el.iterfind("article-categories/subj-group")
        if g.get("subj-group-type") in ("heading", None)
        for s in g.iterfind("subject")
    ]
    pub_types = tuple(dict.fromkeys(t for t in [article_type, *headings] if t))
    # JATS spells types with hyphens ("case-report", "review-article").
    level = evidence_level(t.replace("-", " ") for t in pub_types)
    pub_date = _pub_date(meta_el)
    meta: dict[str, object] = {"has_abstract": meta_el.find("abstract") is not None}
    license_text, code = license_of(meta_el)
    if license_text:
        meta["license"] = license_text
    meta["license_code"] = code
    if article_type:
        meta["article_type"] = article_type
    keywords = [k for k in (_text(kw, one=True) for kw in meta_el.iterfind("kwd-group/kwd")) if k]
    if keywords:
        meta["keywords"] = keywords

    return builder.build(
        doc_id=doc_id,
        source_type="guideline" if level == "guideline" else "research",
        title=title,
        format=FORMAT,
        authors=_authors(meta_el),
        venue=_text(article.find("front/journal-meta//journal-title"), one=True),
        pub_date=pub_date,
        year=year_of(pub_date),
        pub_types=pub_types,
        evidence_level=level,
        identifiers=ids,
        url=url,
        meta=meta,
    )


def _text(el: etree._Element | None, one: bool = False) -> str:
    """Prose text of an element, leaving out tables, figures and formulas."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag not in _SKIP:
                if child.tag in ("list-item", "def-item"):
                    parts.append("\n")
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    joined = "".join(parts)
    return one_line(joined) if one else clean_text(joined)


def _add_blocks(builder: DocBuilder, container: etree._Element, section: str) -> None:
    paras = [t for t in (_text(child) for child in container if child.tag in _BLOCKS) if t]
    for chunk in chunk_text("\n\n".join(paras)):
        builder.add(section, chunk)


def _add_abstract(builder: DocBuilder, abstract: etree._Element) -> None:
    kind = abstract.get("abstract-type") or ""
    if kind in ("graphical", "toc"):
        return
    heading = _text(abstract.find("title"), one=True) or "abstract"
    _add_blocks(builder, abstract, heading)
    for sec in abstract.iterfind("sec"):
        _add_blocks(builder, sec, _text(sec.find("title"), one=True) or heading)


def _add_section(builder: DocBuilder, sec: etree._Element, parent: str) -> None:
    title = _text(sec.find("title"), one=True)
    if sec.get("sec-type") in _NOISE_TYPES or _NOISE_TITLES.match(title):
        return
    # Keep names short: top-level title plus the innermost title.
    if not parent:
        name = title or "body"
    else:
        top = parent.split(" > ", 1)[0]
        name = f"{top} > {title}" if title else parent
    _add_blocks(builder, sec, name)
    for child in sec.iterfind("sec"):
        _add_section(builder, child, name)


def _identifiers(meta_el: etree._Element) -> dict[str, str]:
    ids: dict[str, str] = {}
    for aid in meta_el.iterfind("article-id"):
        kind = aid.get("pub-id-type")
        value = one_line(aid.text or "")
        if not value:
            continue
        if kind in ("pmc", "pmcid"):
            ids.setdefault("pmc", value if value.upper().startswith("PMC") else f"PMC{value}")
        elif kind in ("pmid", "doi"):
            ids.setdefault(kind, value)
    return ids


def _authors(meta_el: etree._Element) -> tuple[str, ...]:
    names: list[str] = []
    for contrib in meta_el.iterfind("contrib-group/contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = contrib.find("name")
        if name is None:
            name = contrib.find("name-alternatives/name")
        if name is not None:
            surname = _text(name.find("surname"), one=True)
            given = _text(name.find("given-names"), one=True)
            initials = "".join(p[0] for p in re.split(r"[\s.-]+", given) if p)
            if surname:
                names.append(f"{surname} {initials}".strip())
                continue
        collab = _text(contrib.find("collab"), one=True)
        if collab:
            names.append(collab)
    return tuple(names)


def _pub_date(meta_el: etree._Element) -> str:
    dates = meta_el.findall("pub-date")
    if not dates:
        return ""

    def rank(d: etree._Element) -> int:
        kind = d.get("pub-type") or d.get("date-type") or ""
        return _DATE_PREFERENCE.index(kind) if kind in _DATE_PREFERENCE else len(_DATE_PREFERENCE)

    best = min(dates, key=rank)
    return iso_date(best.findtext("year"), best.findtext("month"), best.findtext("day"))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def license_of(meta_el: etree._Element) -> tuple[str, str]:
    """(the licence as the article states it: its URL, else its text; its code).

    The URL is the ``<license>``'s ``xlink:href``, else its ``ali:license_ref`` (JATS 1.1+),
    else a Creative Commons link inside its ``<license-p>``. The code (:func:`license_code`)
    is read from that URL, else from the licence's words, else from the copyright statement:
    ``cc0``, ``public-domain``, ``cc-by``, ``cc-by-sa``, ``cc-by-nc``, ``cc-by-nc-sa``,
    ``cc-by-nd``, ``cc-by-nc-nd``, ``none`` (no licence stated) or ``unknown`` (a licence
    medcite cannot read, ``license-type="open-access"`` alone among them: PMC's open-access
    subset also holds articles whose licence does not allow reuse).
    """
    lic = meta_el.find("permissions/license")
    if lic is None:
        statement = _text(meta_el.find(".//copyright-statement"), one=True)
        return statement[:300], (license_code("", statement) or "none") if statement else "none"
    urls = [(lic.get(_XLINK_HREF) or "").strip()]
    urls += [one_line(el.text or "") for el in lic.iter() if _local(el.tag) == "license_ref"]
    urls += [(el.get(_XLINK_HREF) or "").strip() for el in lic.iter("ext-link", "uri")]
    urls += [one_line(el.text or "") for el in lic.iter("ext-link", "uri")]
    url = next((u for u in urls if "creativecommons.org" in u.lower()), "") or urls[0]
    text = _text(lic, one=True)
    code = license_code(url, text) or license_code("", lic.get("license-type") or "")
    return (url or text[:300] or lic.get("license-type") or ""), code or "unknown"


_CC_PATH = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)", re.I)
_CC_WORDS = re.compile(r"\bcc[\s-]*(by(?:[\s-]*(?:nc|sa|nd))*|0|zero)\b", re.I)


def _cc(parts: str, nd: bool = False) -> str:
    words = set(re.split(r"[\s-]+", parts.lower()))
    code = "cc-by" + ("-nc" if "nc" in words else "")
    return code + ("-nd" if "nd" in words or nd else "-sa" if "sa" in words else "")


def license_code(url: str, text: str) -> str:
    """The licence of a URL or, failing that, of its words (empty: not recognised)."""
    match = _CC_PATH.search(url)
    if match:
        kind, name = match[1].lower(), match[2].lower()
        if kind == "publicdomain":
            return "cc0" if name == "zero" else "public-domain"
        return _cc(name.replace("-", " ")) if name.startswith("by") else ""
    flat = re.sub(r"[\s\-‐-―]+", "", text.lower())
    if "creativecommonsattribution" in flat:
        return ("cc-by" + ("-nc" if "noncommercial" in flat else "")
                + ("-nd" if "noderiv" in flat else "-sa" if "sharealike" in flat else ""))
    match = _CC_WORDS.search(text)
    if match:
        return "cc0" if match[1].lower() in ("0", "zero") else _cc(match[1])
    if "publicdomain" in flat:
        return "public-domain"
    return ""
