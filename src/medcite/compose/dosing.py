"""The dosing table: doses read from the selected evidence, computed for the patient's
weight where a source doses by kg, and "Sources differ" notes where sources disagree."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..clinical.doses import (
    WEIGHT_MAX_KG,
    WEIGHT_MIN_KG,
    DoseMention,
    dose_in_mg_for_weight,
    find_conflicts,
    parse_doses,
    same_dose,
)
from ..types import DoseRow, PatientContext, Statement
from ..understand.populations import mismatch
from .references import Numbering
from .select import Candidate

MAX_ROWS = 8
_REPORTS_STUDY = re.compile(r"\b(?:trials?|randomi[sz]ed|stud(?:y|ies)|cure rates?|were achieved|was reportedly|"
                            r"meta-analys[ie]s|cohort|participants|patients (?:were|received)|compared with placebo)\b",
                            re.I)


@dataclass(frozen=True)
class Row:
    cand: Candidate
    dose: DoseMention
    computed: str


def has_doses(cands: Sequence[Candidate]) -> bool:
    return any(m.drug_key for c in cands for m in parse_doses(c.text))


def rows(cands: Sequence[Candidate], patient: PatientContext, asked_population: str) -> list[Row]:
    """Up to MAX_ROWS distinct doses from ``cands`` (best first), for the right population."""
    out: list[Row] = []
    for c in cands:
        if asked_population and mismatch(c.text, asked_population):
            continue
        if _REPORTS_STUDY.search(c.text):
            continue  # a trial's regimen is what was studied, not a dose to give
        # A label's rows name no drug ("children 6 to under 12 years | 2 teaspoonfuls (10 mL)"):
        # the label's title does.
        for m in parse_doses(c.text, context=c.hit.title if c.hit.source_type == "label" else ""):
            if not m.drug_key:
                continue  # a dose without a drug is not a dosing instruction
            if any(r.dose.drug_key == m.drug_key and r.dose.population == m.population and same_dose(r.dose, m)
                   for r in out):
                continue
            out.append(Row(c, m, _for_patient(m, patient)))
            if len(out) >= MAX_ROWS:
                return out
    return out


def _for_patient(m: DoseMention, patient: PatientContext) -> str:
    """A per-kg dose in mg for the patient's weight; when a weight was given but not
    understood, no figure but why ("not computed: '45-50 kg' is a range; ...")."""
    if not m.per_kg:
        return ""
    unsure = patient.issues_about("weight")
    if unsure:  # never a figure from a weight the parser was unsure of
        return "not computed: " + "; ".join(i.removeprefix("weight not used: ") for i in unsure)
    w = patient.weight_kg
    if w is None:
        return ""
    if not (math.isfinite(w) and WEIGHT_MIN_KG <= w <= WEIGHT_MAX_KG):  # e.g. from an answer saved before
        return f"not computed: {w:g} kg is not a plausible weight ({WEIGHT_MIN_KG:g}-{WEIGHT_MAX_KG:g} kg)"
    return dose_in_mg_for_weight(m, w)


def drugs(table: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(r.dose.drug for r in table if r.dose.drug))


def conflict_statements(table: Sequence[Row], make: Callable[[Candidate], Statement]) -> list[Statement]:
    """One lead per disagreement ("Sources differ on the dose of X:") with each source's
    own sentence, cited, beneath it."""
    out: list[Statement] = []
    groups = find_conflicts([(i, r.dose) for i, r in enumerate(table)])
    for group in groups:
        first = table[group[0][0]].dose
        population = first.population if first.population and not any(ch.isdigit() for ch in first.population) else ""
        lead = f"Sources differ on the dose of {first.drug}" + (f" for {population}" if population else "") + ":"
        sources: dict[tuple[int, int], Candidate] = {}
        for i, _ in group:
            c = table[i].cand
            sources.setdefault((c.hit.passage_id, c.start), c)
        # "Sources differ" needs two sources; checked before ``make`` numbers any reference.
        if len({c.hit.doc_id for c in sources.values()}) > 1:
            kids = tuple(make(c) for c in sources.values())
            out.append(Statement(text=lead, kind="lead", facet="dosing", children=kids))
    return out


def cite_rows(table: Sequence[Row], numbering: Numbering) -> tuple[DoseRow, ...]:
    out = []
    for r in table:
        c, m = r.cand, r.dose
        n = numbering.cite(c.hit, c.start, c.end, c.score)
        out.append(DoseRow(
            drug=m.drug, dose=m.amount, unit=m.unit, frequency=m.frequency, route=m.route, duration=m.duration,
            population=m.population, citation=n, passage_id=c.hit.passage_id, source_text=c.text,
            computed=r.computed, cap=m.cap,
        ))
    return tuple(out)
