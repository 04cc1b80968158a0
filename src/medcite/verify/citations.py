"""Citation bookkeeping of an answer: pure checks on numbers, references and evidence.

Reading order (for "numbered in order of first citation") is the order the answer is
read and renumbered in: bottom line, sections, gaps (``Answer.statements()``), then
the dose table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Answer, Statement, VerificationIssue

# "[3]", "[1, 2]", "[1-3]", "[2–4; 6]": digits only, so "[see Warnings (5.1)]" is not one, and
# at most three of them, so a NICE recommendation's date tag ("... syndrome. [2013]") is not one.
MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\s*\]")
_MAX_RANGE = 50  # "[1-4000]" is a typo, not 4000 citations
# A conflict note's own words, not a claim from any source.
_CONFLICT = re.compile(r"^\s*sources\s+differ\b(?:\s+(?:on|about|for|regarding|over)\b)?[\s:,–-]*",
                       re.IGNORECASE)
_CONNECTIVE = re.compile(r"^[\s,;:.–-]*(?:(?:vs\.?|versus|whereas|while|but|and|however|or)\b[\s,]*)?",
                         re.IGNORECASE)


def marker_numbers(text: str) -> list[int]:
    """Reference numbers written inside ``text`` as "[n]" markers, in order."""
    out: list[int] = []
    for m in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", m[1]):
            bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part)]
            lo, hi = bounds[0], bounds[-1]
            out.extend(range(lo, hi + 1) if 0 <= hi - lo <= _MAX_RANGE else bounds)
    return out


_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)
_SPACE_BEFORE_STOP = re.compile(r" ([.,;:])")


def strip_markers(text: str) -> str:
    return _SPACE_BEFORE_STOP.sub(r"\1", " ".join(_SPACED_MARKER.sub(" ", text).split()))


def is_conflict(text: str) -> bool:
    return bool(_CONFLICT.match(text))


def segments(statement: Statement) -> list[tuple[str, tuple[int, ...]]]:
    """(claim text, reference numbers) pieces of a statement.

    Text carrying inline markers ("X [1] whereas Y [2]") is split after each marker, so
    each piece is checked against its own sources; trailing text joins the last piece.
    The whole text goes to every citation that no marker places.
    """
    text = _CONFLICT.sub("", statement.text, count=1)
    pieces: list[tuple[str, tuple[int, ...]]] = []
    start = 0
    for m in MARKER.finditer(text):
        pieces.append((text[start : m.start()], tuple(marker_numbers(m[0]))))
        start = m.end()
    if not pieces:
        return [(strip_markers(text), tuple(dict.fromkeys(statement.citations)))]
    tail = text[start:]
    if strip_markers(tail).strip(" .;,"):
        last, nums = pieces[-1]
        pieces[-1] = (last + tail, nums)
    out = [(strip_markers(_CONNECTIVE.sub("", t, count=1)), nums) for t, nums in pieces]
    # A citation no marker places still has to support the statement as a whole.
    placed = {n for _, nums in pieces for n in nums}
    rest = tuple(n for n in dict.fromkeys(statement.citations) if n not in placed)
    return [*out, (strip_markers(text), rest)] if rest else out


def _used(statement: Statement) -> list[int]:
    return [*marker_numbers(statement.text), *statement.citations]


@dataclass(frozen=True)
class CitationCheck:
    dangling: tuple[int, ...]
    uncited: tuple[int, ...]
    issues: tuple[VerificationIssue, ...]  # structural problems, each failing the answer


def _issue(check: str, message: str, statement: str = "", citation: int | None = None) -> VerificationIssue:
    return VerificationIssue(check=check, message=message, statement=statement, citation=citation)


def check_citations(answer: Answer) -> CitationCheck:
    """Dangling and uncited numbers, citation/passage/evidence consistency, numbering order."""
    refs = {r.number: r for r in answer.references}
    evidence = {(e.reference, e.passage_id) for e in answer.evidence}
    issues: list[VerificationIssue] = []
    first_seen: list[int] = []

    def use(numbers: list[int]) -> None:
        first_seen.extend(n for n in numbers if n not in first_seen)

    def pair(n: int, pid: int, text: str) -> None:
        if n in refs and (n, pid) not in evidence:
            issues.append(_issue("evidence_mismatch", f"[{n}] passage {pid} has no evidence entry "
                                 f"for reference {n}", text, n))

    for s in answer.statements():
        use(_used(s))
        if len(s.citations) != len(s.passage_ids):
            issues.append(_issue("citation_mismatch", f"{len(s.citations)} citations but "
                                 f"{len(s.passage_ids)} passage ids", s.text))
        for n, pid in zip(s.citations, s.passage_ids, strict=False):
            pair(n, pid, s.text)
        for n in dict.fromkeys(marker_numbers(s.text)):
            if s.citations and n not in s.citations:
                issues.append(_issue("citation_mismatch", f"[{n}] is written in the text but is "
                                     "not one of the statement's citations", s.text, n))
    for row in answer.dosing:
        use([row.citation])
        pair(row.citation, row.passage_id, row.source_text)
    for e in answer.evidence:
        ref = refs.get(e.reference)
        if ref is not None and ref.doc_id != e.doc_id:
            issues.append(_issue("evidence_mismatch", f"evidence for passage {e.passage_id} is from "
                                 f"{e.doc_id} but reference {e.reference} is {ref.doc_id}",
                                 citation=e.reference))
    numbers = [r.number for r in answer.references]
    if numbers != list(range(1, len(numbers) + 1)):
        issues.append(_issue("reference_numbering", f"references are numbered {numbers}; expected "
                             f"1..{len(numbers)} in order"))
    cited = [n for n in first_seen if n in refs]
    if cited != sorted(cited):
        issues.append(_issue("reference_order", f"references are first cited in the order {cited}; "
                             "they must be numbered in order of first citation"))
    return CitationCheck(
        dangling=tuple(sorted({n for n in first_seen if n not in refs})),
        uncited=tuple(n for n in numbers if n not in first_seen),
        issues=tuple(issues),
    )
