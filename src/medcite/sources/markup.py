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
from markdown_it.token import Token

from ..errors import ParseError
from ..textutil import chunk_text
from ..types import EVIDENCE_LEVELS, SOURCE_TYPES, Parsed
from .base import LOCAL_NAMESPACE, SOURCE_NAMESPACES, DocBuilder, clean_text, iso_date, one_line, year_of

FORMAT = "markup"

_MD_EXT = (".md", ".markdown")
_HTML_EXT = (".html", ".htm")
_LIMIT = 1600
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.S | re.M)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")
_DATE_NUM = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\b")
_DATE_WORDS = re.compile(r"(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})")

# Bounds on hostile input. Front matter is a few lines of metadata: 64 KiB is plenty, and
# YAML aliases may add at most a few thousand nodes to what is written out (a 445-byte
# "billion laughs" expands to 9**9 strings). Nesting: Markdown lists and quotes 100
# levels deep (a list level takes two), HTML as deep as libxml2 reads (256 elements).
_MAX_FRONT_MATTER = 64 * 1024
_MAX_ALIAS_NODES = 5000
_MAX_MD_NESTING = 100
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._~:-]")

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


def _yaml_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand to more than ``_MAX_ALIAS_NODES`` nodes
    beyond the nodes written, or that refers to itself. PyYAML shares an aliased value,
    so loading is cheap; what later walks the values (JSON for ``meta``, ``str()``) expands
    every alias. Iterative, so deep nesting cannot exhaust the stack here."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _yaml_children(node))
            if sizes[key] - len(sizes) > _MAX_ALIAS_NODES:
                raise ParseError(f"invalid YAML front matter: aliases expand to more than "
                                 f"{_MAX_ALIAS_NODES} extra values (an alias bomb?)")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ParseError("invalid YAML front matter: an alias refers to the value that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _yaml_children(node) if id(c) not in sizes)


def _load_yaml(source: str) -> Any:
    """``yaml.safe_load`` with the alias check between composing and constructing."""
    loader = yaml.SafeLoader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    if len(match.group(1)) > _MAX_FRONT_MATTER:
        raise ParseError(f"YAML front matter too large ({len(match.group(1))} characters; "
                         f"the limit is {_MAX_FRONT_MATTER})")
    try:
        loaded = _load_yaml(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" (line {mark.line + 2})" if mark is not None else ""  # +1 for '---', +1 1-based
        raise ParseError(f"invalid YAML front matter: {problem}{where}") from None
    except RecursionError:
        raise ParseError("invalid YAML front matter: nested too deeply") from None
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
    """"Protocols/Sepsis Bundle v2.md" -> "protocols--sepsis-bundle-v2": the folders are
    kept, joined by "--", so the id is one URL path segment."""
    parts = []
    for part in posixpath.splitext(name.replace("\\", "/"))[0].split("/"):
        part = re.sub(r"[^a-z0-9_-]+", "-", part.lower()).strip("-")
        if part and part != "..":
            parts.append(part)
    return "--".join(parts) or "document"


def _id_body(text: str) -> str:
    """An id made URL-safe: "/" becomes "--" and any other character outside
    ``A-Za-z0-9._~:-`` becomes "-" (store migration m007 rewrites stored ids the same way)."""
    return _ID_UNSAFE.sub("-", text.replace("/", "--"))


def _local_id(value: Any, where: str) -> str:
    """The id a document gives itself, in the ``local:`` namespace.

    ``local:x`` and a bare ``x`` become ``local:x``; an id in a namespace of another
    source (``ngc:9085``) is refused, so a file cannot replace that source's record.
    """
    if isinstance(value, (list, tuple, dict, set)):
        raise ParseError(f"{where} id must be a single value, not a list or mapping")
    raw = one_line(str(value))
    namespace, colon, rest = raw.partition(":")
    key = namespace.strip().lower()
    if colon and key in SOURCE_NAMESPACES:
        raise ParseError(
            f"{where} id {raw!r} is in the {key}: namespace, which belongs to {SOURCE_NAMESPACES[key]}; "
            f"a document of your own takes an id in {LOCAL_NAMESPACE}: (e.g. "
            f"'{LOCAL_NAMESPACE}:{_id_body(rest.strip()) or 'my-protocol'}')"
        )
    body = _id_body(rest.strip() if colon and key == LOCAL_NAMESPACE else raw)
    if not body:
        raise ParseError(f"{where} id {raw!r} is empty")
    return f"{LOCAL_NAMESPACE}:{body}"


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

_MD = MarkdownIt("commonmark", {"maxNesting": _MAX_MD_NESTING}).enable("table")
_SKIP_HTML = re.compile(r"<(script|style)\b", re.I)


class _Node:
    """A block of the Markdown token stream: a container (its opening token's type without
    "_open", with children) or a single token (inline, fence, html_block...). Like
    markdown_it's SyntaxTreeNode, built without recursion and without turning inline
    tokens into nodes (``***`` nested a thousand deep would exhaust the stack)."""

    __slots__ = ("children", "content", "info", "tag", "token", "type")

    def __init__(self, tok: Token, container: bool) -> None:
        self.type = tok.type.removesuffix("_open") if container else tok.type
        self.tag, self.info, self.content = tok.tag, tok.info, tok.content
        self.token = None if container else tok
        self.children: list[_Node] = []


def _md_blocks(tokens: list[Token]) -> list[_Node]:
    for tok in tokens:
        # markdown-it silently drops everything past maxNesting: refuse instead.
        if tok.type in ("blockquote_open", "list_item_open") and tok.level + 1 >= _MAX_MD_NESTING:
            raise ParseError(f"Markdown nested more than {_MAX_MD_NESTING} levels deep (lists and "
                             "block quotes; a list level counts two): the text below would be lost")
    root: list[_Node] = []
    stack = [root]
    for tok in tokens:
        if tok.nesting == 1:
            node = _Node(tok, container=True)
            stack[-1].append(node)
            stack.append(node.children)
        elif tok.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        else:
            stack[-1].append(_Node(tok, container=False))
    return root


def _md_inline(node: _Node) -> str:
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


def _check_depth(parser: etree.HTMLParser) -> None:
    """libxml2 stops reading at 256 nested elements and returns what it has so far: the
    rest of the file would be lost without a word, so such a file is refused."""
    if any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log):
        raise ParseError("HTML nested more than 256 elements deep: the parser stops there, "
                         "so the text below would be lost")


def _html_fragment_text(markup: str) -> str:
    parser = lxml.html.HTMLParser()
    try:
        parts = lxml.html.fragments_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        _check_depth(parser)
        return ""
    _check_depth(parser)
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part.tag, str) and part.tag not in _DROP:
            _drop_noise(part)
            texts.append(part.text_content())
    return one_line(" ".join(texts))


def _md_text(node: _Node) -> str:
    """All text of a block node (paragraphs inside list items, table cells)."""
    if node.type == "inline":
        return _md_inline(node)
    if node.type in ("fence", "code_block"):
        return ""
    if node.type == "html_block":
        return _html_fragment_text(node.content)
    return " ".join(t for t in (_md_text(c) for c in node.children) if t)


def _md_item(item: _Node, depth: int, ordered: bool) -> list[str]:
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


def _md_events(nodes: list[_Node]) -> Iterator[Event]:
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
    return list(_md_events(_md_blocks(_MD.parse(body)))), fm


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
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(_XML_DECL.sub("", text), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        _check_depth(parser)
        raise ParseError(f"not readable HTML: {exc}") from None
    _check_depth(parser)
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
    has_id = fm.get("id") is not None and fm.get("id") != ""
    doc_id = _local_id(fm["id"], 'the <meta name="medcite:id">' if is_html else "front-matter") if has_id \
        else f"{LOCAL_NAMESPACE}:{_slug(name)}"

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
        doc_id=doc_id,
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
