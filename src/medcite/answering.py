"""``ask()``: compose, verify, gate and save an answer — the one core behind the CLI,
the HTTP API and the web page."""

from __future__ import annotations

import logging
import time

from .compose.build import ComposeConfig, compose
from .errors import MedciteError
from .retrieve.search import Retriever
from .review import EditorialStore
from .store import EvidenceStore
from .types import AUDIENCES, Answer, Section, Statement, VerificationReport
from .understand.patient import check_patient
from .verify import verify_answer

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000


class AnswerNotFound(MedciteError):
    """``--follow-up`` named an answer id that is not in the store."""


def ask(
    question: str,
    store: EvidenceStore,
    audience: str = "clinician",
    patient: str = "",
    follow_up: str | None = None,
    retriever: Retriever | None = None,
    config: ComposeConfig | None = None,
    save: bool = True,
    articles: EditorialStore | None = None,
    revise: str | None = None,
    actor: str | None = None,
) -> Answer:
    """Answer ``question`` from ``store``: an Answer whose every claim passed the verifier.

    Statements the verifier rejects are removed before the answer is shown (and the
    removal is recorded in its report); if the answer still does not pass, it is saved
    and returned with ``verification.passed`` False, and every renderer says so.

    The answer is saved as an article in ``articles`` (default: the editorial tables of
    ``store``'s own file) with status Submitted; ``revise`` names an article to which it is
    added as a new version instead.

    Patient details that cannot be used as given ("-5 kg", "45-50 kg") raise
    ``PatientError`` (a ``MedciteError``) before anything is composed, except in a revision.
    """
    if audience not in AUDIENCES:
        raise MedciteError(f"unknown audience {audience!r}; choose from {', '.join(AUDIENCES)}")
    if not isinstance(question, str) or not question.strip():
        raise MedciteError("the question is empty")
    question = question[:MAX_QUESTION_CHARS]
    if patient and patient.strip() and not revise:
        # Explicit patient details are used as given or refused (PatientError says what
        # was not understood): a dose must never be computed from a misread weight. A
        # revision re-reads the saved details, which it cannot change: it is answered, and
        # compose leaves any uncertain value unused, with its note.
        check_patient(patient, question)
    own = articles is None and (save or bool(follow_up) or bool(revise))
    if own:
        articles = EditorialStore.open(f"sqlite:///{store.path}")
    try:
        return _ask(question, store, audience, patient, follow_up, retriever, config, save, articles, revise, actor)
    finally:
        if own and articles is not None:
            articles.close()


def _ask(question: str, store: EvidenceStore, audience: str, patient: str, follow_up: str | None,
         retriever: Retriever | None, config: ComposeConfig | None, save: bool,
         articles: EditorialStore | None, revise: str | None, actor: str | None) -> Answer:
    prior = original = None
    if follow_up:
        prior = articles.get_answer(follow_up) if articles else None
        if prior is None:
            raise AnswerNotFound(f"no answer with id {follow_up!r}")
    if revise:
        original = articles.get_answer(revise) if articles else None
        if original is None:
            raise AnswerNotFound(f"no article with id {revise!r}")
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
    if original is not None:
        answer = answer.model_copy(update={"id": original.id, "created": original.created,
                                           "follow_up_of": original.follow_up_of})
    if save and articles is not None:
        info = articles.save_answer(answer, store.content_hashes(_cited_docs(answer)), actor)
        answer = answer.model_copy(update={"status": info.status, "updated": info.updated_at})
    return answer


def _cited_docs(answer: Answer) -> list[str]:
    docs = [r.doc_id for r in answer.references]
    if answer.abstained:
        docs += [r.doc_id for r in answer.nearest]
    return docs


_BOTTOM_LINE_REMOVED = ("The sentence chosen to answer this question did not pass verification and was removed; "
                        "no other sentence of the indexed sources found answers it directly.")


def _drop_rejected(answer: Answer, report: VerificationReport, store: EvidenceStore) -> tuple[Answer, VerificationReport]:
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
    bottom = keep(answer.bottom_line)
    gaps = answer.gaps
    if answer.bottom_line and not bottom and not gaps:
        # The reader must not be left with an article that silently has no answer.
        gaps = (Statement(text=_BOTTOM_LINE_REMOVED, kind="gap"),)
    trimmed = answer.model_copy(update={
        "bottom_line": bottom, "sections": tuple(s for s in sections if s.statements),
        "dosing": rows, "gaps": gaps,
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
