"""References -> RIS and BibTeX, for reference managers (Zotero, EndNote, JabRef)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from medcite.render._common import clean, reference_parts
from medcite.types import Reference

RIS_TYPES = {"research": "JOUR", "guideline": "GOVDOC", "label": "GEN", "consumer": "ELEC", "other": "GEN"}


def _year(ref: Reference) -> str:
    return str(ref.year) if ref.year else clean(ref.pub_date)[:4]


def cite_key(ref: Reference) -> str:
    """``pmid12345678``, ``ngc9085``, ``spl608d4f0d`` from the identifier, else from the doc id."""
    words = clean(ref.identifier).split()
    if len(words) >= 2:
        # First hyphen-segment only: SPL set ids are UUIDs, too long to type as a key.
        key = re.sub(r"[^a-z0-9]", "", (words[0] + words[-1].split("-")[0]).lower())
    else:
        key = re.sub(r"[^A-Za-z0-9]", "", ref.doc_id)[:40]
    if key and key[0].isalpha():
        return key
    return f"ref{ref.number}_{key}" if key else f"ref{ref.number}"


def _keys(refs: list[Reference]) -> list[str]:
    """Keys, made unique with a letter suffix (two passages of one PubMed article share a PMID)."""
    seen: dict[str, int] = {}
    out = []
    for ref in refs:
        key = cite_key(ref)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(key if n == 0 else f"{key}{chr(ord('a') + (n - 1) % 26)}{(n - 1) // 26 or ''}")
    return out


def to_ris(references: Iterable[Reference]) -> str:
    """RIS records, one per reference; values are single lines so no text can end a record early."""
    refs = list(references)
    records = []
    for ref, key in zip(refs, _keys(refs), strict=True):
        parts = reference_parts(ref)
        kind = RIS_TYPES.get(ref.source_type, "GEN")
        lines = [("TY", kind), ("ID", key), ("TI", parts.title)]
        lines += [("AU", clean(a)) for a in ref.authors if clean(a)]
        lines.append(("PY", _year(ref)))
        if kind == "JOUR":
            lines += [("JO", clean(ref.venue)), ("PB", clean(ref.issuer))]
        else:
            lines.append(("PB", clean(ref.issuer) or clean(ref.venue)))
        lines += [("DA", clean(ref.pub_date)), ("AN", parts.identifier), ("UR", parts.url or ""),
                  ("N1", parts.label)]
        body = [f"{tag}  - {value}" for tag, value in lines if value]
        records.append("\n".join([*body, "ER  - "]))
    return "\n\n".join(records) + ("\n" if records else "")


_TEX = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}
_TEX_RE = re.compile("|".join(re.escape(ch) for ch in _TEX))


def tex_escape(text: str) -> str:
    """Escape LaTeX specials. Braces become commands, not ``\\{``: BibTeX counts escaped braces
    when balancing a field, so an odd ``{`` in a title would break the whole file."""
    return _TEX_RE.sub(lambda m: _TEX[m.group(0)], clean(text))


def to_bibtex(references: Iterable[Reference]) -> str:
    """BibTeX entries: ``@article`` for research, ``@misc`` for guidelines, labels and the rest."""
    refs = list(references)
    entries = []
    for ref, key in zip(refs, _keys(refs), strict=True):
        parts = reference_parts(ref)
        authors = " and ".join(tex_escape(a) for a in ref.authors if clean(a))
        issuer = tex_escape(ref.issuer or ref.venue)
        fields: list[tuple[str, str]]
        if ref.source_type == "research":
            kind = "article"
            fields = [("author", authors), ("title", tex_escape(parts.title)),
                      ("journal", tex_escape(ref.venue)), ("publisher", tex_escape(ref.issuer))]
        else:
            kind = "misc"
            # An issuing body as author, braced so BibTeX does not split it into first/last names.
            fields = [("author", authors or (f"{{{issuer}}}" if issuer else "")),
                      ("title", tex_escape(parts.title)), ("howpublished", tex_escape(parts.label)),
                      ("organization", issuer)]
        pmid = re.fullmatch(r"PMID:?\s*(\d+)", parts.identifier, re.I)
        fields += [("year", tex_escape(_year(ref))), ("pmid", pmid.group(1) if pmid else ""),
                   ("note", tex_escape(parts.identifier)), ("url", parts.url or "")]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@{kind}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")
