"""Small parsers the renderer tests use to read outputs back: HTML lists, text bullets, RIS, BibTeX."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from medcite.render._common import statement_text
from medcite.types import Answer, Statement

CITES = re.compile(r"\s*\[\d+(?:, \d+)*\]$")


@dataclass
class Item:
    """One list item read back from an output: its own text, nesting depth and parent item."""

    text: str
    depth: int
    parent: str | None
    line: int = -1


def expected_items(answer: Answer) -> dict[str, tuple[int, str | None]]:
    """statement text -> (depth, parent text) for every bulleted statement (sections and gaps)."""
    out: dict[str, tuple[int, str | None]] = {}

    def walk(statements: tuple[Statement, ...], depth: int, parent: str | None) -> None:
        for s in statements:
            text = statement_text(s)
            out[text] = (depth, parent)
            walk(s.children, depth + 1, text)

    for section in answer.sections:
        walk(section.statements, 0, None)
    walk(answer.gaps, 0, None)
    return out


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str | None]
    text: list[str] = field(default_factory=list)


class TreeParser(HTMLParser):
    """Records every start tag with its attributes, and each ``<li>``'s own text and parent."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.items: list[Item] = []
        self._stack: list[_Node] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.tags.append((tag, d))
        if d.get("id"):
            self.ids.add(str(d["id"]))
        if tag not in self.VOID:
            self._stack.append(_Node(tag, d))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            node = self._stack.pop()
            if node.tag == "li":
                lis = [n for n in self._stack if n.tag == "li"]
                parent = CITES.sub("", " ".join("".join(lis[-1].text).split())) if lis else None
                depth = sum(1 for n in self._stack if n.tag in ("ul", "ol")) - 1
                self.items.append(Item(CITES.sub("", " ".join("".join(node.text).split())), depth, parent))
            if node.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not any(n.tag in ("head", "style", "title") for n in self._stack):
            self.text.append(data)
        lis = [n for n in self._stack if n.tag == "li"]
        if lis:
            lis[-1].text.append(data)


def visible(out: str) -> str:
    """What a reader sees: HTML reduced to its body text, other formats as they are; whitespace collapsed."""
    if out.lstrip().startswith("<"):
        out = "".join(parse_html(out).text)
    return " ".join(out.split())


def parse_html(html: str) -> TreeParser:
    parser = TreeParser()
    parser.feed(html)
    parser.close()
    return parser


MARKERS = {"•": 0, "◦": 1, "▪": 2}


def text_items(text: str) -> list[Item]:
    """Bullets of the plain-text format; continuation lines must sit under the item's text."""
    items: list[Item] = []
    open_items: list[Item] = []
    current: Item | None = None
    cont_indent = -1
    for n, line in enumerate(text.splitlines()):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped[:1] in MARKERS and stripped[1:2] == " ":
            depth = MARKERS[stripped[0]]
            assert indent == 2 * depth, f"marker {stripped[0]!r} at indent {indent}: {line!r}"
            open_items = [i for i in open_items if i.depth < depth]
            up = open_items[-1] if open_items and open_items[-1].depth == depth - 1 else None
            parent = CITES.sub("", up.text) if up else None
            current = Item(stripped[2:], depth, parent, n)
            items.append(current)
            open_items.append(current)
            cont_indent = indent + 2
        elif current is not None and stripped and indent == cont_indent:
            current.text += " " + stripped
        else:
            current = None
    for item in items:
        item.text = CITES.sub("", item.text)
    return items


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, "TY before ER"
            current = {}
        assert current is not None, f"{tag} outside a record"
        if tag == "ER":
            records.append(current)
            current = None
        else:
            current.setdefault(tag, []).append(value)
    assert current is None, "record without ER"
    return records


_UNTEX = {r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}", r"\^{}": "^",
          r"\~{}": "~", r"\&": "&", r"\%": "%", r"\$": "$", r"\#": "#", r"\_": "_"}


def untex(value: str) -> str:
    return re.sub("|".join(re.escape(k) for k in _UNTEX), lambda m: _UNTEX[m.group(0)], value)


def _braced(text: str, pos: int) -> tuple[str, int]:
    """The content of the brace group opening at ``text[pos]``, and the index after it."""
    assert text[pos] == "{"
    depth = 0
    for i in range(pos, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[pos + 1:i], i + 1
    raise AssertionError("unbalanced braces")


def parse_bibtex(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(entry type, key, raw field values) for each entry; asserts braces balance."""
    entries = []
    for match in re.finditer(r"@(\w+)\{", text):
        body, _ = _braced(text, match.end() - 1)
        key, _, rest = body.partition(",")
        fields: dict[str, str] = {}
        pos = 0
        while True:
            m = re.compile(r"\s*(\w+) = ").match(rest, pos)
            if not m:
                break
            value, pos = _braced(rest, m.end())
            assert m.group(1) not in fields, f"duplicate field {m.group(1)}"
            fields[m.group(1)] = value
            pos = pos + 1 if rest[pos:pos + 1] == "," else pos
        assert not rest[pos:].strip(), f"unparsed BibTeX: {rest[pos:]!r}"
        entries.append((match.group(1), key.strip(), fields))
    return entries
