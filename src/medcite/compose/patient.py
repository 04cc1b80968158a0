"""What is known about the patient, read from ``--patient`` text or from the question.

``parse_patient("62-year-old woman, 70 kg, CrCl 25 mL/min")`` and
``population_from_question("treatment of GBS in pregnancy")`` both give a
``PatientContext``; ``merge`` combines them. Pure, and they never raise.

Choices worth knowing:
- Age words without a number set a representative age so ``populations()`` files the
  patient correctly: neonate/newborn 0, infant/baby 0.5, toddler 2, child/children/
  pediatric 8, adolescent/teenager 15, elderly/older adult/geriatric 75. A stated age
  always wins. "Adults" sets nothing: it is the default population, and no age in
  18-64 is more representative than none.
- Renal impairment: CrCl or eGFR below 60 mL/min (CKD stage 3 and worse), CKD stage
  3-5, CKD without a stage, dialysis, ESRD, AKI or renal/kidney failure, impairment or
  insufficiency. Hepatic impairment: cirrhosis, any Child-Pugh class, hepatic/liver
  impairment, insufficiency, failure or disease.
- Pregnancy and breastfeeding set the sex to female (a man named in the same text is
  someone else). Words for both sexes ("men and women") set no sex. "28 weeks gestation" is a
  pregnancy unless the text is about a baby ("born at 28 weeks gestation", "preterm").
- In a pregnant or breastfeeding patient, ages under 10 and child words are taken to
  describe her baby ("breastfeeding mother of a 3-month-old"), not her.
- A negation shortly before a finding ("not pregnant", "no renal impairment",
  "denies pregnancy", "non-pregnant") or after it ("pregnancy test negative") cancels it.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from typing import Literal

from ..types import PatientContext

log = logging.getLogger(__name__)

_MAX_CHARS = 4000  # patient descriptions and questions are short; bounds work on pasted notes
_LB_TO_KG = 0.45359237
_H = r"[\s\-‐‑‒–]*"  # the hyphens and spaces of "62-year-old", "62 year old"

_AGE_STRICT = re.compile(  # ages that cannot be anything else: "62-year-old", "aged 62", "62 yo"
    rf"\b(\d{{1,3}}(?:\.\d+)?){_H}(years?|yrs?|months?|mos?|weeks?|wks?|days?){_H}old\b"
    r"|\b(\d{1,3}(?:\.\d+)?)\s*(?:yo|y/o|y\.o\.)(?!\w)"
    r"|\bage(?:d|:)?\s+(\d{1,3}(?:\.\d+)?)\b(?!\s*(?:kg|lbs?|mg|%))"
    r"|\b(\d{1,3})\s*(?:years?|yrs?)\s+of\s+age\b",
    re.I,
)
# Looser forms for a patient description only: "62 years", "62F", "45 M".
_AGE_LOOSE = re.compile(r"\b(\d{1,3})\s*(?:years?|yrs?)\b(?!\s*(?:ago|history|since|of\s+(?:follow|smok)))", re.I)
_AGE_SEX = re.compile(r"\b(\d{1,3})\s?([MF])\b|\b(\d{1,3})([mf])\b")
_WEIGHT = re.compile(
    r"\b(\d{1,3}(?:\.\d+)?)\s*(kg|kgs|kilograms?|lbs?|pounds?)\b(?!\s*/)"
    r"|\b(?:weigh(?:s|ing|t)?|wt)\s*(?:of|is|:|=)?\s*(\d{1,3}(?:\.\d+)?)\b(?!\s*(?:%|lbs?|pounds?|g\b))",
    re.I,
)
# Words for the patient first; relatives and pronouns only when those are absent
# ("woman ... her husband" is a woman).
_FEMALE = re.compile(r"\b(?:woman|women|female|girl|lady)\b", re.I)
_MALE = re.compile(r"\b(?:man|men|male|boy|gentleman)\b", re.I)
_FEMALE_2 = re.compile(r"\b(?:mother|mum|mom|wife|she|her)\b", re.I)
_MALE_2 = re.compile(r"\b(?:father|husband|he|his|him)\b", re.I)

_PREGNANT = re.compile(
    r"\bpregnan(?:t|cy|cies)\b|\bgravid\b|\bprimigravida\b|\b(?:antenatal|prenatal)\b|\bG\d+P\d+\b"
    r"|\b\d{1,2}\s*(?:weeks?|wks?)(?:'|’)?\s*(?:of\s+)?(?:gestation(?:al)?|pregnant)\b|\bweeks?\s+of\s+gestation\b"
    r"|\b(?:first|second|third|1st|2nd|3rd)\s+trimester\b",
    re.I,
)
_BABY = re.compile(r"\b(?:born|preterm|premature|neonates?|newborns?|infants?|babies|baby|ex-?\d)\b", re.I)
_LACTATING = re.compile(
    r"\bbreast-?\s?feeding\b|\blactat(?:ing|ion)\b|\bnursing\s+(?:mothers?|wom[ae]n)\b|\bis\s+nursing\b"
    r"|\bcurrently\s+nursing\b|\bpostpartum\s+and\s+nursing\b",
    re.I,
)
_RENAL = re.compile(
    r"\b(?:renal|kidney)\s+(?:impairment|insufficiency|failure|dysfunction)\b|\bimpaired\s+(?:renal|kidney)\s+function\b"
    r"|\b(?:hemo|haemo|peritoneal\s+)?dialysis\b|\b(?:ESRD|ESKD|AKI)\b|\bend[\s-]stage\s+(?:renal|kidney)\s+disease\b"
    r"|\bacute\s+kidney\s+injury\b|\b(?:chronic\s+kidney\s+disease|CKD)\b(?!\s*(?:stage|G)\s*[12]\b)",
    re.I,
)
_CKD_STAGE = re.compile(r"\b(?:CKD|chronic\s+kidney\s+disease)\s*(?:stage|G)?\s*([1-5])|\bstage\s*([1-5])\s*(?:CKD|chronic\s+kidney)", re.I)
_CLEARANCE = re.compile(
    r"\b(?:CrCl|creatinine\s+clearance|e?GFR|CLcr)\s*(?:\[?CrCl\]?\s*)?(?:of|is|was|=|:)?\s*([<>≤≥]=?)?\s*(\d{1,3}(?:\.\d+)?)",
    re.I,
)
_HEPATIC = re.compile(
    r"\bcirrho(?:sis|tic)\b|\bchild[\s-]?pugh\b|\b(?:hepatic|liver)\s+(?:impairment|insufficiency|failure|dysfunction|disease)\b"
    r"|\bimpaired\s+(?:hepatic|liver)\s+function\b",
    re.I,
)
_NEGATION = re.compile(
    r"(?:\b(?:not|no|non|never|denies|denied|without|negative\s+for|free\s+of|rule\s+out|ruled\s+out|nor|"
    r"planning|trying\s+to\s+(?:become|get)|wish(?:es)?\s+to\s+become|hoping\s+to\s+become|post)\b|\bnon-|\bisn'?t\b)"
    r"[\w\s/-]{0,24}$",  # no comma: "no allergies, renal failure" is renal failure
    re.I,
)
_NEGATION_AFTER = re.compile(r"^\s*(?:test\s+)?(?:is\s+|was\s+)?(?:negative|excluded|ruled\s+out)\b", re.I)

# Words that stand for an age when no age is given (see the module docstring).
_AGE_WORDS: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(p, re.I), age) for p, age in (
    (r"\b(?:neonates?|neonatal|newborns?)\b", 0.0),
    (r"\b(?:infants?|infancy|baby|babies)\b", 0.5),
    (r"\btoddlers?\b", 2.0),
    (r"\b(?:child(?![\s-]?pugh)|children|childhood|kids?|p(?:a)?ediatrics?|p(?:a)?ediatric\s+patients?)\b", 8.0),
    (r"\b(?:adolescents?|adolescence|teen(?:ager)?s?)\b", 15.0),
    (r"\b(?:elderly|older\s+(?:adults?|patients?|people|wom[ae]n|m[ae]n)|geriatric|aged\s+care)\b", 75.0),
))


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    # NFKC folds full-width digits and compatibility forms ("６２", "ﬁ") to plain text.
    return unicodedata.normalize("NFKC", text[:_MAX_CHARS])


def _negated(text: str, start: int, end: int) -> bool:
    return bool(_NEGATION.search(text[max(0, start - 40) : start]) or _NEGATION_AFTER.match(text, end))


def _found(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` at least once without a negation."""
    return any(not _negated(text, m.start(), m.end()) for m in pattern.finditer(text))


def _age(text: str, strict: bool) -> float | None:
    m = _AGE_STRICT.search(text)
    if m:
        if m.group(1):
            value, unit = float(m.group(1)), m.group(2).lower()
            per_year = 12 if unit.startswith("mo") else 52 if unit.startswith("w") else 365 if unit.startswith("d") else 1
            return round(value / per_year, 2)
        return float(next(g for g in m.groups()[2:] if g))
    if strict:
        return None
    m = _AGE_SEX.search(text)
    if m:
        return float(m.group(1) or m.group(3))
    m = _AGE_LOOSE.search(text)
    return float(m.group(1)) if m else None


Sex = Literal["female", "male"]


def _sex(text: str) -> Sex | None:
    m = _AGE_SEX.search(text)
    if m:
        return "female" if (m.group(2) or m.group(4)).upper() == "F" else "male"
    for fem, mal in ((_FEMALE, _MALE), (_FEMALE_2, _MALE_2)):
        female, male = bool(fem.search(text)), bool(mal.search(text))
        if female or male:
            return None if female and male else "female" if female else "male"  # "men and women": neither
    return None


def _weight(text: str) -> float | None:
    for m in _WEIGHT.finditer(text):
        if m.group(1):
            value = float(m.group(1)) * (_LB_TO_KG if m.group(2).lower().startswith(("lb", "pound")) else 1.0)
        else:
            value = float(m.group(3))  # "weighs 70": a bare weight is taken as kg
        if 0.3 <= value <= 400:
            return round(value, 1)
    return None


def _renal(text: str) -> bool:
    for m in _CLEARANCE.finditer(text):
        if _negated(text, m.start(), m.end()):
            continue
        op, value = m.group(1) or "", float(m.group(2))
        # CrCl/eGFR under 60 mL/min is CKD stage 3 or worse; "> 60" says the kidneys are fine.
        if (value < 60 and not op.startswith((">", "≥"))) or (value <= 60 and op.startswith(("<", "≤"))):
            return True
    for m in _CKD_STAGE.finditer(text):
        if int(m.group(1) or m.group(2)) >= 3 and not _negated(text, m.start(), m.end()):
            return True
    return _found(_RENAL, text)


def _parse(text: object, strict_age: bool) -> PatientContext:
    raw = text if isinstance(text, str) else ""
    try:
        clean = _clean(text)
        if not clean.strip():
            return PatientContext(raw=raw)
        pregnant = _found(_PREGNANT, clean)
        if pregnant and not _found(re.compile(r"\bpregnan(?:t|cy)\b", re.I), clean) and _BABY.search(clean):
            pregnant = False  # "born at 28 weeks gestation" describes a baby
        lactating = _found(_LACTATING, clean)
        age = _age(clean, strict_age)
        if (pregnant or lactating) and age is not None and age < 10:
            age = None  # the baby's age, not the mother's
        if age is None and not (pregnant or lactating):
            age = next((a for p, a in _AGE_WORDS if _found(p, clean)), None)
        if age is not None and not (0 <= age <= 120 and math.isfinite(age)):
            age = None
        sex: Sex | None = "female" if pregnant or lactating else _sex(clean)
        return PatientContext(
            raw=raw, age_years=age, sex=sex, weight_kg=_weight(clean),
            pregnant=pregnant, lactating=lactating, renal_impairment=_renal(clean),
            hepatic_impairment=_found(_HEPATIC, clean),
        )
    except Exception:  # a patient description must never break an answer
        log.exception("patient parsing failed")
        return PatientContext(raw=raw)


def parse_patient(text: str) -> PatientContext:
    """Age, sex, weight and special-population flags from free text such as
    "62-year-old woman, 70 kg, pregnant", "8 yo boy 25kg" or "elderly man 154 lb"."""
    return _parse(text, strict_age=False)


def population_from_question(question: str) -> PatientContext:
    """The same facts when a question states them ("GBS in pregnancy", "dose of X in
    children", "adults with renal impairment"). Only unambiguous ages count here
    ("6-year-old", "aged 70"), so "10-year risk" or "2 years of therapy" set none."""
    return _parse(question, strict_age=True)


def merge(a: PatientContext, b: PatientContext) -> PatientContext:
    """``a`` updated by ``b``: b's stated age, sex and weight win, flags are OR-ed, raw joined."""
    raws = [r for r in (a.raw, b.raw) if r.strip()]
    return PatientContext(
        raw="; ".join(dict.fromkeys(raws)),
        age_years=b.age_years if b.age_years is not None else a.age_years,
        sex=b.sex or a.sex,
        weight_kg=b.weight_kg if b.weight_kg is not None else a.weight_kg,
        pregnant=a.pregnant or b.pregnant,
        lactating=a.lactating or b.lactating,
        renal_impairment=a.renal_impairment or b.renal_impairment,
        hepatic_impairment=a.hepatic_impairment or b.hepatic_impairment,
    )


__all__ = ["merge", "parse_patient", "population_from_question"]
