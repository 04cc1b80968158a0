"""``ask()``: compose, verify, gate and save an answer — the one core behind the CLI,
the HTTP API and the web page."""

from __future__ import annotations

import logging
import time

from .compose.build import ComposeConfig, compose
from .errors import MedciteError
from .retrieve.search import Retriever
from .store import SQLiteStore
from .types import AUDIENCES, Answer, Section, Statement, VerificationReport
from .verify import verify_answer

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000


class AnswerNotFound(MedciteError):
    """``--follow-up`` named an answer id that is not in the store."""


def ask(
    question: str,
    store: SQLiteStore,
    audience: str = "clinician",
    patient: str = "",
    follow_up: str | None = None,
    retriever: Retriever | None = None,
    config: ComposeConfig | None = None,
    save: bool = True,
) -> Answer:
    """Answer ``question`` from ``store``: an Answer whose every claim passed the verifier.

    Statements the verifier rejects are removed before the answer is shown (and the
    removal is recorded in its report); if the answer still does not pass, it is saved
    and returned with ``verification.passed`` False, and every renderer says so.
    """
    if audience not in AUDIENCES:
        raise MedciteError(f"unknown audience {audience!r}; choose from {', '.join(AUDIENCES)}")
    if not isinstance(question, str) or not question.strip():
        raise MedciteError("the question is empty")
    question = question[:MAX_QUESTION_CHARS]
    prior = None
    if follow_up:
        prior = store.get_answer(follow_up)
        if prior is None:
            raise AnswerNotFound(f"no answer with id {follow_up!r}")
    t0 = time.perf_counter()
    answer = compose(question, store, audience=audience, patient=patient or "", follow_up_of=prior,
                     retriever=retriever, config=config)
    t = time.perf_counter()
    report = verify_answer(answer, store)
    if not report.passed:
        answer, report = _drop_rejected(answer, report, store)
    timings = {**answer.timings_ms, "verify": round((time.perf_counter() - t) * 1000, 1),
               "total": round((time.perf_counter() - t0) * 1000, 1)}
    answer = answer.model_copy(update={"verification": report, "timings_ms": timings})
    if save:
        store.save_answer(answer)
    return answer


def _drop_rejected(answer: Answer, report: VerificationReport, store: SQLiteStore) -> tuple[Answer, VerificationReport]:
    """Remove claims the verifier rejected (with any children) and verify again."""
    rejected = {i.statement for i in (*report.unsupported, *report.dose_mismatches) if i.statement}
    if not rejected:
        return answer, report
    log.warning("answer %s: %d statement(s) failed verification and were removed", answer.id, len(rejected))

    def keep(items: tuple[Statement, ...]) -> tuple[Statement, ...]:
        out = []
        for s in items:
            if s.kind == "claim" and s.text in rejected:
                continue
            kids = keep(s.children)
            if s.kind == "lead" and not kids:
                continue  # a lead-in with nothing left under it says nothing
            out.append(s.model_copy(update={"children": kids}))
        return tuple(out)

    sections = tuple(Section(key=sec.key, title=sec.title, statements=keep(sec.statements))
                     for sec in answer.sections)
    rows = tuple(r for r in answer.dosing if r.source_text not in rejected)
    trimmed = answer.model_copy(update={
        "bottom_line": keep(answer.bottom_line), "sections": tuple(s for s in sections if s.statements),
        "dosing": rows,
    })
    trimmed = _renumber(trimmed)
    second = verify_answer(trimmed, store)
    removed = tuple((*report.unsupported, *report.dose_mismatches))
    return trimmed, second.model_copy(update={"removed": removed})


def _renumber(answer: Answer) -> Answer:
    """Drop references no longer cited and renumber the rest in order of first citation."""
    order: dict[int, int] = {}
    for s in answer.statements():
        for n in s.citations:
            order.setdefault(n, len(order) + 1)
    for row in answer.dosing:
        order.setdefault(row.citation, len(order) + 1)

    def renum(s: Statement) -> Statement:
        return s.model_copy(update={"citations": tuple(order[n] for n in s.citations if n in order),
                                    "children": tuple(renum(c) for c in s.children)})

    return answer.model_copy(update={
        "bottom_line": tuple(renum(s) for s in answer.bottom_line),
        "sections": tuple(sec.model_copy(update={"statements": tuple(renum(s) for s in sec.statements)})
                          for sec in answer.sections),
        "gaps": tuple(renum(s) for s in answer.gaps),
        "dosing": tuple(r.model_copy(update={"citation": order[r.citation]}) for r in answer.dosing),
        "references": tuple(sorted((r.model_copy(update={"number": order[r.number]})
                                    for r in answer.references if r.number in order), key=lambda r: r.number)),
        "evidence": tuple(e.model_copy(update={"reference": order[e.reference]})
                          for e in answer.evidence if e.reference in order),
    })
