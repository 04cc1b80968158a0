"""Source parsers, one module per format, and the registry that picks one for a file.

Every parser module exposes ``FORMAT`` (its name), ``sniff(name, head) -> bool``
(does this file look like mine? ``head`` is the first 4 KiB) and
``parse(data, name) -> Parsed`` (raise ``ParseError`` with a reason on bad input).
Parsers are pure: bytes in, records out.
"""

from __future__ import annotations

import re
from types import ModuleType

from ..errors import ParseError, UnsupportedFormat
from ..types import Parsed
from . import (
    benchmark,
    markup,
    medline_text,
    medlineplus,
    medquad,
    mesh,
    ngc,
    pmc,
    pubmed,
    pubmedqa,
    spl,
)

# Order matters: the first parser whose sniff() accepts a file parses it.
PARSERS: tuple[ModuleType, ...] = (
    pubmed,
    ngc,
    spl,
    medquad,
    pmc,
    mesh,
    medlineplus,
    benchmark,
    pubmedqa,
    medline_text,
    markup,
)

FORMATS: tuple[str, ...] = tuple(p.FORMAT for p in PARSERS)

# Files that document a data folder rather than hold evidence.
_DOC_FILES = re.compile(r"^(readme|license|licence|copying|changelog|source|notice|authors)([._-].*)?$", re.I)
_INGESTIBLE_EXT = (".xml", ".nxml", ".json", ".txt", ".nbib", ".md", ".markdown", ".html", ".htm")


def is_documentation(name: str) -> bool:
    """True for README/LICENSE/SOURCE-style files that describe a folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(_DOC_FILES.match(base))


def detect(name: str, head: bytes) -> ModuleType:
    """The parser for a file, from its name and first bytes.

    Raises ``UnsupportedFormat`` when nothing recognises the file; the message
    says what was seen so the user can tell a wrong file from a broken one.
    """
    if not head.strip():
        raise ParseError("empty file")
    for parser in PARSERS:
        if parser.sniff(name, head):
            return parser
    lower = name.lower()
    if lower.endswith((".xml", ".nxml")):
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"<"):
            raise ParseError("not well-formed XML: the file does not start with '<'")
        root = re.search(rb"<([A-Za-z_][\w:.-]*)[\s>/]", re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", stripped, flags=re.S))
        tag = root.group(1).decode("ascii", "replace") if root else "?"
        raise UnsupportedFormat(f"unrecognised XML document (root element <{tag}>)")
    raise UnsupportedFormat("unsupported file type")


def is_candidate(name: str) -> bool:
    """Whether a file's extension is one medcite reads at all."""
    return name.lower().endswith(_INGESTIBLE_EXT)


def parse_bytes(data: bytes, name: str) -> tuple[str, Parsed]:
    """Detect the format of ``data`` and parse it. Returns (format, Parsed)."""
    parser = detect(name, data[:4096])
    return parser.FORMAT, parser.parse(data, name)
