"""Local Markdown and HTML documents (a hospital's own protocols, pathways, leaflets).

Markdown may open with YAML front matter; HTML carries the same fields in
``<title>`` and ``<meta name=... content=...>`` (``medcite:*`` names map onto front
matter keys). Text is split at headings (h1-h4); each paragraph, table and
top-level list item (nested items included, indented with bullets) is a passage
whose section is the heading path. Code blocks, scripts and styles are dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

import lxml.html
import yaml
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import EVIDENCE_LEVELS, SOURCE_TYPES, Parsed
from .base import DocBuilder, clean_text, iso_date, one_line, year_of

FORMAT = "markup"

_MD_EXT = (".md", ".markdown")
_HTML_EXT = (".html", ".htm")
_LIMIT = 1600
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.S | re.M)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")
_DATE_NUM = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\b")
_DATE_WORDS = re.compile(r"(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})")

Event = tuple[str, int, str]  # ("h", level, text) or ("b", 0, text)


def sniff(name: str, head: bytes) -> bool:
    return name.lower().endswith(_MD_EXT + _HTML_EXT)


# -- decoding and metadata ---------------------------------------------------------

def _decode(data: bytes, is_html: bool) -> str:
    """UTF-8 (or a BOM's UTF-16); HTML may declare another charset in <meta>."""
    codec = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    declared = _META_CHARSET.search(data[:4096]) if is_html else None
    fallback = declared.group(1).decode("ascii", "replace").lower() if declared else ""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-16" or fallback.replace("-", "").replace("_", "") in ("", "utf8"):
            name = "UTF-16" if codec == "utf-16" else "UTF-8"
            raise ParseError(f"invalid {name}: {exc.reason} at byte {exc.start}") from None
        try:
            text = data.decode(fallback)
        except LookupError:
            raise ParseError(f"unknown charset {fallback!r} declared in <meta>") from None
        except UnicodeDecodeError as exc2:
            raise ParseError(f"invalid {fallback}: {exc2.reason} at byte {exc2.start}") from None
    if "\x00" in text:
        raise ParseError("binary data (NUL bytes) in a text file")
    return text


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        loaded = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" (line {mark.line + 2})" if mark is not None else ""  # +1 for '---', +1 1-based
        raise ParseError(f"invalid YAML front matter: {problem}{where}") from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ParseError("invalid YAML front matter: expected key: value pairs")
    return {str(k).strip().lower(): v for k, v in loaded.items()}, text[match.end():]


def _strings(value: Any, sep: str) -> list[str]:
    """A list of non-empty strings from a YAML list or a separated string."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(sep)
    return [s for s in (one_line(str(i)) for i in items if i is not None) if s]


def _date(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    text = str(value or "").strip()
    match = _DATE_NUM.match(text)
    if match:
        return iso_date(*match.groups())
    match = _DATE_WORDS.search(text)
    if match:
        return iso_date(match.group(4), match.group(2), match.group(1) or match.group(3))
    return iso_date(year_of(text))


def _slug(name: str) -> str:
    """"Protocols/Sepsis Bundle v2.md" -> "protocols/sepsis-bundle-v2"."""
    parts = []
    for part in posixpath.splitext(name.replace("\\", "/"))[0].split("/"):
        part = re.sub(r"[^a-z0-9_-]+", "-", part.lower()).strip("-")
        if part and part != "..":
            parts.append(part)
    return "/".join(parts) or "document"


def _choice(fm: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = str(fm.get(key) or "").strip().lower()
    if not value:
        return default
    if value not in allowed:
        raise ParseError(f"invalid {key} {value!r}: allowed values are {', '.join(allowed)}")
    return value


# -- text helpers shared by both syntaxes ------------------------------------------

def _marker(depth: int, ordered: bool, number: str) -> str:
    indent = "  " * depth
    if ordered:
        return f"{indent}{number or '1'}. "
    return indent + ("• " if depth == 0 else "◦ ")


def _chunks(block: str) -> Iterator[str]:
    """Blocks over the limit, cut at line breaks first so list structure survives."""
    if len(block) <= _LIMIT:
        yield block
        return
    current = ""
    for line in block.split("\n"):
        if len(line) > _LIMIT:
            if current:
                yield current
                current = ""
            yield from chunk_text(line)
        elif current and len(current) + 1 + len(line) > _LIMIT:
            yield current
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        yield current


# -- Markdown ----------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable("table")
_SKIP_HTML = re.compile(r"<(script|style)\b", re.I)


def _md_inline(node: SyntaxTreeNode) -> str:
    out: list[str] = []
    skipping = False
    children = node.token.children if node.token is not None else None
    for tok in children or ():
        if tok.type == "html_inline":
            if _SKIP_HTML.match(tok.content):
                skipping = True
            elif re.match(r"</(script|style)\b", tok.content, re.I):
                skipping = False
        elif skipping or tok.type == "image":
            continue
        elif tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
    return clean_text("".join(out))


def _html_fragment_text(markup: str) -> str:
    try:
        parts = lxml.html.fragments_fromstring(markup)
    except (etree.ParserError, ValueError):
        return ""
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part.tag, str) and part.tag not in _DROP:
            _drop_noise(part)
            texts.append(part.text_content())
    return one_line(" ".join(texts))


def _md_text(node: SyntaxTreeNode) -> str:
    """All text of a block node (paragraphs inside list items, table cells)."""
    if node.type == "inline":
        return _md_inline(node)
    if node.type in ("fence", "code_block"):
        return ""
    if node.type == "html_block":
        return _html_fragment_text(node.content)
    return " ".join(t for t in (_md_text(c) for c in node.children) if t)


def _md_item(item: SyntaxTreeNode, depth: int, ordered: bool) -> list[str]:
    own: list[str] = []
    nested: list[str] = []
    for child in item.children:
        if child.type in ("bullet_list", "ordered_list"):
            sub_ordered = child.type == "ordered_list"
            for sub in child.children:
                nested.extend(_md_item(sub, depth + 1, sub_ordered))
        else:
            text = _md_text(child)
            if text:
                own.append(one_line(text))
    head = _marker(depth, ordered, item.info) + " ".join(own)
    return [head.rstrip(), *nested] if own or nested else []


def _md_events(nodes: list[SyntaxTreeNode]) -> Iterator[Event]:
    for node in nodes:
        kind = node.type
        if kind == "heading":
            level = int(node.tag[1])
            text = one_line(_md_text(node))
            yield ("h", level, text) if level <= 4 else ("b", 0, text)
        elif kind in ("bullet_list", "ordered_list"):
            for item in node.children:
                yield ("b", 0, "\n".join(_md_item(item, 0, kind == "ordered_list")))
        elif kind == "table":
            rows = [" | ".join(_md_text(cell) for cell in row.children)
                    for section in node.children for row in section.children]
            yield ("b", 0, "\n".join(r for r in rows if r.strip(" |")))
        elif kind == "blockquote":
            yield from _md_events(node.children)
        elif kind in ("paragraph", "html_block"):
            yield ("b", 0, _md_text(node))


def _markdown(text: str) -> tuple[list[Event], dict[str, Any]]:
    fm, body = _front_matter(text)
    return list(_md_events(SyntaxTreeNode(_MD.parse(body)).children)), fm


# -- HTML --------------------------------------------------------------------------

_DROP = {"script", "style", "noscript", "template", "nav", "pre", "head", "svg", "button", "form"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_PARA = {"p", "h5", "h6", "dt", "dd", "figcaption", "caption", "address", "summary"}
_INLINE = {"a", "span", "strong", "em", "b", "i", "u", "sub", "sup", "abbr", "small", "mark", "font",
           "time", "cite", "q", "s", "del", "ins", "kbd", "var", "label", "br", "img", "data", "bdi", "code"}


def _drop_noise(root: etree._Element) -> None:
    for el in list(root.iter(*_DROP, etree.Comment, etree.ProcessingInstruction)):
        if el is not root and el.getparent() is not None:
            el.drop_tree()  # keeps the tail text that follows the element


def _html_inline(el: etree._Element) -> str:
    """Text of an element with <br> as a line break."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "br" else _html_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _html_item(li: etree._Element, depth: int, ordered: bool, number: int) -> list[str]:
    own: list[str] = [li.text or ""]
    nested: list[str] = []
    for child in li:
        if child.tag in ("ul", "ol"):
            for lines in _html_items(child, depth + 1):
                nested.extend(lines)
        elif child.tag in _INLINE:
            own.append(_html_inline(child))
        else:  # a <p> or <div> inside the item: keep it apart from its neighbours
            own.append(f" {_html_inline(child)} ")
        own.append(child.tail or "")
    text = one_line("".join(own))
    head = _marker(depth, ordered, str(number)) + text
    return [head.rstrip(), *nested] if text or nested else []


def _html_items(lst: etree._Element, depth: int) -> Iterator[list[str]]:
    """The lines of each item of a list, its nested items included."""
    ordered = lst.tag == "ol"
    start = lst.get("start", "1").strip()
    number = int(start) if start.isdigit() else 1
    for li in lst.iterchildren("li"):
        lines = _html_item(li, depth, ordered, number)
        number += 1
        if lines:
            yield lines


def _html_events(el: etree._Element) -> Iterator[Event]:
    """Walk a container: inline runs form paragraphs, block children recurse."""
    run: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _INLINE:
            run.append("\n" if tag == "br" else _html_inline(child))
        else:
            yield ("b", 0, clean_text("".join(run)))
            run = []
            if tag in _HEADINGS:
                yield ("h", _HEADINGS[tag], one_line(child.text_content()))
            elif tag in ("ul", "ol"):
                for lines in _html_items(child, 0):
                    yield ("b", 0, "\n".join(lines))
            elif tag == "table":
                rows = [" | ".join(one_line(c.text_content()) for c in tr.iter("td", "th"))
                        for tr in child.iter("tr")]
                yield ("b", 0, "\n".join(r for r in rows if r.strip(" |")))
            elif tag in _PARA:
                yield ("b", 0, clean_text(_html_inline(child)))
            elif tag:
                yield from _html_events(child)
        run.append(child.tail or "")
    yield ("b", 0, clean_text("".join(run)))


def _html(text: str) -> tuple[list[Event], dict[str, Any]]:
    try:
        root = lxml.html.document_fromstring(_XML_DECL.sub("", text))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"not readable HTML: {exc}") from None
    fm: dict[str, Any] = {}
    title = root.find(".//title")
    if title is not None and one_line(title.text_content()):
        fm["_html_title"] = one_line(title.text_content())
    for meta in root.iter("meta"):
        key = (meta.get("name") or "").strip().lower()
        value = one_line(meta.get("content") or "")
        if not key or not value:
            continue
        if key.startswith("medcite:"):
            fm[key.split(":", 1)[1]] = value
        elif key in ("description", "author", "date", "keywords"):
            fm.setdefault({"author": "authors", "keywords": "tags"}.get(key, key), value)
    body = root.find("body")
    if body is None:
        body = root
    _drop_noise(body)
    return list(_html_events(body)), fm


# -- assembly ----------------------------------------------------------------------

_EMPTY = "no text to cite (empty document)"
_KNOWN = {"id", "title", "source_type", "evidence_level", "authors", "author", "issuer", "organization",
          "organisation", "date", "url", "tags", "mesh", "venue", "_html_title"}


def parse(data: bytes, name: str) -> Parsed:
    is_html = name.lower().endswith(_HTML_EXT)
    text = _decode(data, is_html)
    if not text.strip():
        return Parsed(skipped=[_EMPTY])
    events, fm = _html(text) if is_html else _markdown(text)

    source_type = _choice(fm, "source_type", SOURCE_TYPES, "other")
    default_level = source_type if source_type in ("guideline", "label", "consumer") else "other"
    level = _choice(fm, "evidence_level", EVIDENCE_LEVELS, default_level)

    h1s = [t for kind, lvl, t in events if kind == "h" and lvl == 1 and t]
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    title = one_line(str(fm.get("title") or "")) or (h1s[0] if h1s else "") \
        or fm.get("_html_title", "") or one_line(re.sub(r"[_-]+", " ", stem))
    # A lone h1 is the document's title: repeating it in every section adds nothing.
    title_h1 = h1s[0] if len(h1s) == 1 else None

    builder = DocBuilder()
    stack: list[tuple[int, str]] = []
    for kind, lvl, value in events:
        if kind == "h":
            while stack and stack[-1][0] >= lvl:
                stack.pop()
            stack.append((lvl, value))
            continue
        if not value.strip():
            continue
        path = [t for lv, t in stack if t and not (lv == 1 and t == title_h1)]
        short = [t if len(t) <= 60 else t[:59] + "…" for t in path[-3:]]
        section = " > ".join(short) or title_h1 or "text"
        for chunk in _chunks(value.strip()):
            builder.add(section, chunk)
    if not len(builder):
        return Parsed(skipped=[_EMPTY])

    pub_date = _date(fm.get("date")) if fm.get("date") else ""
    issuer = one_line(str(fm.get("issuer") or fm.get("organization") or fm.get("organisation") or ""))
    # Round-trip through JSON so YAML dates and the like are plain, storable values.
    meta = json.loads(json.dumps({k: v for k, v in fm.items() if k not in _KNOWN}, default=str))
    if fm.get("date") and not pub_date:
        meta["date"] = str(fm["date"])
    doc = builder.build(
        doc_id=one_line(str(fm.get("id") or "")) or f"local:{_slug(name)}",
        source_type=source_type,
        title=title,
        format=FORMAT,
        authors=tuple(_strings(fm.get("authors", fm.get("author")), ";")),
        issuer=issuer,
        venue=one_line(str(fm.get("venue") or "")),
        pub_date=pub_date,
        year=year_of(pub_date),
        evidence_level=level,
        mesh_terms=tuple(dict.fromkeys(_strings(fm.get("mesh"), ",") + _strings(fm.get("tags"), ","))),
        identifiers={"file": name},
        url=one_line(str(fm.get("url") or "")),
        meta=meta,
    )
    return Parsed(documents=[doc])
