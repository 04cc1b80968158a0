"""``verify_answer``: check every claim and dose of an answer against the index itself.

The answer's own copies of passages (``Evidence.text``) are never trusted: each cited
passage is re-read from the store by id, in one query for the whole answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..clinical.doses import dose_signature
from ..retrieve.embed import Embedder
from ..store import EvidenceStore
from ..types import Answer, DoseRow, Hit, Statement, VerificationIssue, VerificationReport
from .citations import check_citations, is_conflict, segments
from .facts import facts
from .support import Failure, Thresholds, assess, decide

# A number standing alone: not part of a name such as "COVID-19", "5-FU" or "IL-6".
_LEAD_NUMBER = re.compile(r"(?<![\w.-])\d+(?:[.,]\d+)*(?!-?[A-Za-z])")


@dataclass(frozen=True, slots=True)
class _Claim:
    """One piece of a statement and the passages that one of its citations points at."""

    statement: str  # the statement's full text (how callers find what to remove)
    text: str  # the piece checked
    number: int
    passage_ids: tuple[int, ...]


def _is_claim(s: Statement) -> bool:
    # A lead with a number or a dose in it states a fact, so it is held to a claim's standard.
    if s.kind == "claim":
        return True
    return s.kind == "lead" and bool(_LEAD_NUMBER.search(s.text) or facts(s.text).doses)


def _issue(check: str, message: str, statement: str, number: int | None) -> VerificationIssue:
    return VerificationIssue(check=check, message=message, statement=statement, citation=number)


def _claims(answer: Answer, refs: set[int]) -> tuple[list[_Claim], list[VerificationIssue], int]:
    """The (piece, citation) pairs to check, issues found on the way, and statements checked."""
    evidence: dict[int, list[int]] = defaultdict(list)
    for e in answer.evidence:
        evidence[e.reference].append(e.passage_id)
    claims: list[_Claim] = []
    issues: list[VerificationIssue] = []
    checked = 0
    for s in answer.statements():
        if not _is_claim(s):
            continue
        checked += 1
        by_number: dict[int, list[int]] = defaultdict(list)
        for n, pid in zip(s.citations, s.passage_ids, strict=False):
            by_number[n].append(pid)
        pieces = segments(s)
        if not any(nums for _, nums in pieces):
            issues.append(_issue("uncited_claim", "the statement cites no source", s.text, None))
        for text, nums in pieces:
            for n in nums:
                if n not in refs:
                    continue  # reported as a dangling citation
                # An inline marker the statement does not list: its evidence entries are
                # the only passages it can mean (and citations.py reports the mismatch).
                pids = by_number.get(n) or evidence.get(n, [])
                if not pids:
                    issues.append(_issue("citation_mismatch", f"[{n}] has no passage id", s.text, n))
                    continue
                claims.append(_Claim(s.text, text, n, tuple(dict.fromkeys(pids))))
    return claims, issues, checked


def _cosines(embedder: Embedder | None, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
    if embedder is None or not pairs:
        return {}
    texts = list(dict.fromkeys(t for pair in pairs for t in pair))
    vectors = embedder.embed(texts)
    row = {t: i for i, t in enumerate(texts)}
    return {(a, b): float(np.dot(vectors[row[a]], vectors[row[b]])) for a, b in pairs}


def _passage(hit: Hit | None, pid: int, doc_id: str) -> Hit | Failure:
    """The store's passage, or why it cannot be the one cited."""
    if hit is None:
        return Failure("passage_missing", f"cited passage {pid} is not in the index")
    if hit.doc_id != doc_id:
        return Failure("evidence_mismatch", f"passage {pid} belongs to {hit.doc_id}, not {doc_id}")
    return hit


def _dose_row(row: DoseRow, hit: Hit | None, doc_id: str, th: Thresholds) -> list[Failure]:
    """Whether the row's dose, cap and source sentence are in its cited passage."""
    passage = _passage(hit, row.passage_id, doc_id)
    if isinstance(passage, Failure):
        return [passage]
    have = facts(passage.text).doses
    out: list[Failure] = []
    for label, text in (("dose", f"{row.dose} {row.unit}"), ("maximum", row.cap)):
        if not text.strip():
            continue
        sig = dose_signature(text)
        if not sig:
            out.append(Failure("dose_mismatch", f"cannot read the {label} {text!r}"))
        elif not sig <= have:
            out.append(Failure("dose_mismatch", f"{row.drug} {label} {text!r} is not in passage {row.passage_id}"))
    if row.source_text and " ".join(row.source_text.split()) not in " ".join(passage.text.split()):
        failures = decide(assess(row.source_text, passage.text), th)
        if failures:
            out.append(Failure("dose_source", f"the row's source sentence is not in passage "
                               f"{row.passage_id}: {failures[0].message}"))
    return out


def verify_answer(
    answer: Answer,
    store: EvidenceStore,
    embedder: Embedder | None = None,
    thresholds: Thresholds | None = None,
) -> VerificationReport:
    """Verify ``answer`` against ``store``; attach it with
    ``answer.model_copy(update={"verification": report})``.

    Each claim (and any lead holding a number or dose) must be supported by every
    reference it cites, through one of the passages it cites from that reference: a
    citation that does not support its sentence is an error even when another one does.
    Pieces split by inline "[n]" markers are checked against their own citations.
    Structural citation problems (see ``citations.py``) are reported in ``unsupported``.
    """
    th = thresholds or Thresholds()
    cites = check_citations(answer)
    refs = {r.number: r.doc_id for r in answer.references}
    claims, unsupported, statements_checked = _claims(answer, set(refs))
    unsupported = [*cites.issues, *unsupported]
    rows = [r for r in answer.dosing if r.citation in refs]
    ids = list(dict.fromkeys([pid for c in claims for pid in c.passage_ids] + [r.passage_id for r in rows]))
    hits = {h.passage_id: h for h in store.passages_by_id(ids)}
    cosines = _cosines(embedder, [(c.text, hits[p].text) for c in claims for p in c.passage_ids if p in hits])

    doses: list[VerificationIssue] = []
    for c in claims:
        best: list[Failure] | None = None
        for pid in c.passage_ids:
            got = _passage(hits.get(pid), pid, refs[c.number])
            if isinstance(got, Failure):
                failures = [got]
            else:
                failures = decide(assess(c.text, got.text), th, cosines.get((c.text, got.text)))
            if best is None or len(failures) < len(best):
                best = failures
            if not failures:
                break
        for f in best or ():
            issue = _issue(f.check, f"[{c.number}] {f.message}", c.statement, c.number)
            (doses if f.check == "dose_mismatch" else unsupported).append(issue)
    for row in rows:
        for f in _dose_row(row, hits.get(row.passage_id), refs[row.citation], th):
            # The statement field holds the row's source sentence: callers drop rows by it.
            doses.append(_issue(f.check, f"[{row.citation}] {f.message}", row.source_text, row.citation))

    passed = not (cites.dangling or cites.uncited or unsupported or doses)
    return VerificationReport(
        passed=passed,
        statements_checked=statements_checked,
        citations_checked=sum(len(c.passage_ids) for c in claims) + len(rows),
        dangling_citations=cites.dangling,
        uncited_references=cites.uncited,
        unsupported=tuple(unsupported),
        dose_mismatches=tuple(doses),
        conflicts=tuple(s.text for s in answer.statements() if is_conflict(s.text)),
        thresholds=th.as_dict(embedding=embedder is not None),
    )
