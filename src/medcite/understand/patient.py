"""What is known about the patient, read from ``--patient`` text or from the question.

``parse_patient("62-year-old woman, 70 kg, CrCl 25 mL/min")`` and
``population_from_question("treatment of GBS in pregnancy")`` both give a
``PatientContext``; ``merge`` combines them. Pure, and they never raise (``check_patient``,
for details a user typed, raises ``PatientError`` instead of leaving a value unused).

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

Weight and age are read strictly, because a dose is computed from the weight: a value is
set only when the text states one plausible value, and everything given but not used is
named in ``PatientContext.issues`` ("weight not used: '45-50 kg' is a range, give one
weight"). ``check_patient`` turns those issues into a refusal for text a user typed as the
patient's details; text found in a question never refuses, its uncertain values are just
not used.
- Units: kg, g ("3200 g"; a bare "1 g" under 250 g is a dose, not a weight), lb/lbs/pounds
  ("7 lb 8 oz"), stone ("10 st", "10 st 4 lb"; "1st"/"21st" are ordinals). "wt 70" or
  "weighs 70" without a unit is taken as kg, which the rendered answer shows.
- Not used, with a note: negative values ("-5 kg", "minus 5 kg"), ranges ("45-50 kg",
  "45 to 50 kg", "70 ± 5 kg"), bounds ("< 50 kg", "over 100 kg"), weights outside
  0.3-350 kg, a comma in the number ("70,5 kg"), two different weights in one text
  (the same weight twice, or in two units, "70 kg (154 lb)", is one), and an ideal, lean,
  adjusted, dry, birth or other qualified weight when no actual weight is given. A change
  of weight ("lost 5 kg") is not a weight. Ages: negative, over 120 years, ranges
  ("45-50 years old") and two different stated ages are not used, with a note.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from ..clinical.doses import WEIGHT_MAX_KG, WEIGHT_MIN_KG
from ..errors import MedciteError
from ..types import PatientContext

log = logging.getLogger(__name__)

AGE_MAX_YEARS = 120.0


class PatientError(MedciteError):
    """Patient details given explicitly that cannot be used as they are; the message says why."""


_MAX_CHARS = 4000  # patient descriptions and questions are short; bounds work on pasted notes
_LB_TO_KG = 0.45359237
_H = r"[\s\-‐‑‒–]*"  # the hyphens and spaces of "62-year-old", "62 year old"

_SIGN = r"[-−‐‑–]"  # hyphen-minus, minus sign, hyphens and the en dash typed for a minus
_AGE_STRICT = re.compile(  # ages that cannot be anything else: "62-year-old", "aged 62", "62 yo"
    rf"(?P<s1>(?<![\w.]){_SIGN})?\b(?P<n1>\d{{1,6}}(?:\.\d+)?){_H}(?P<unit>years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?|h)"
    rf"(?:{_H}old\b|(?=\s+(?:boy|girl|baby|infant|neonate|toddler)\b))"  # "8-mo boy"
    rf"|(?P<s2>(?<![\w.]){_SIGN})?\b(?P<n2>\d{{1,6}}(?:\.\d+)?)\s*(?:yo|y/o|y\.o\.)(?!\w)"
    rf"|\bage(?:d|:)?\s+(?P<s3>{_SIGN}|minus\s+)?(?P<n3>\d{{1,6}}(?:\.\d+)?)\b(?!\s*(?:kg|lbs?|mg|%))"
    r"|\b(?P<n4>\d{1,6})\s*(?:years?|yrs?)\s+of\s+age\b",
    re.I,
)
# Looser forms for a patient description only: "62 years", "62F", "45 M".
_AGE_LOOSE = re.compile(r"\b(\d{1,3})\s*(?:years?|yrs?)\b(?!\s*(?:ago|history|since|of\s+(?:follow|smok)))", re.I)
_AGE_SEX = re.compile(r"\b(\d{1,3})\s?([MF])\b|\b(\d{1,3})([mf])\b")
_RANGE_BEFORE = re.compile(r"(?:\bbetween\s+)?\d+(?:[.,]\d+)?\s*(?:-|–|—|‐|‑|\bto|\bor)\s*$", re.I)
_RANGE_AFTER_AGE = re.compile(r"\s*(?:-|–|—|‐|‑|to\b|or\b)\s*\d+(?:\.\d+)?", re.I)

# -- weight ----------------------------------------------------------------------------------
# Every number is looked at with what surrounds it (see _weights): its unit, a weight word
# before it ("wt 70"), a sign, a range, a bound, a qualifier ("IBW"), a change ("lost 5 kg").
_NUMBER = re.compile(r"(?<![\w.])(?<!\d,)\d+(?:[.,]\d+)*")
_MASS_UNIT = re.compile(
    r"(?P<sp>\s*|[-‐‑])(?P<unit>kgs?|kilo(?:gram(?:me)?s?|s)?|lbs?|pounds?|st|stones?|g|gms?|grams?|grammes?)\b"
    r"(?!\s*(?:/|per\b))",
    re.I,
)
_STONE_LB = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:lbs?|pounds?)\b|\s+(\d{1,2}(?:\.\d+)?)(?=\s*(?:$|[,;)]))", re.I)
_LB_OZ = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:oz|ounces?)\b", re.I)
_WEIGHT_WORD = re.compile(
    r"\b(?:weigh(?:s|ing|ed|t)?|wt|TBW|BW)\b[\s:=~]*(?:(?:of|is|was|now|about|around|roughly|approx(?:imately|\.)?)"
    r"\b[\s:=~]*)*$",
    re.I,
)
_SIGN_BEFORE = re.compile(rf"(?:(?<=[\s,:;=(\[~])|^)(?:{_SIGN}|\bminus\s+|\bnegative\s+)$", re.I)
_TOLERANCE = r"(?:±|\+\s*/?\s*-)"
_RANGE_AFTER = re.compile(rf"\s*(?:-|–|—|‐|‑|\bto\b|\bor\b|\band\b|{_TOLERANCE})\s*(\d+(?:[.,]\d+)*)", re.I)
_BOUND_BEFORE = re.compile(
    r"(?:[<>≤≥]=?|=<|=>|\b(?:under|over|below|above|less\s+than|more\s+than|greater\s+than|at\s+least|"
    r"at\s+most|up\s+to|exceeding|max(?:imum)?|min(?:imum)?))\s*(?:of\s+)?$",
    re.I,
)
_BOUND_AFTER = re.compile(r"\s*(?:\+(?!\s*/?\s*-)|or\s+(?:more|less|above|below|over|under|greater|heavier|lighter)\b)",
                          re.I)
# A weight's course: "wt 62 -> 58.5 kg over 12 mo" (which is now is the reader's guess, so neither is used).
_ARROW_AFTER = re.compile(r"\s*(?:kgs?|lbs?)?\s*(?:-+>|→|⇒)\s*(?=\d)", re.I)
_ARROW_BEFORE = re.compile(r"(?:-+>|→|⇒)\s*$")
_CHANGE_BEFORE = re.compile(
    r"\b(?:lost|lose|losing|loss|gained|gain|gaining|down|up|dropped|drop|increased?|decreased?|reduction|by)"
    r"\s+(?:of\s+)?(?:about\s+|approx(?:imately|\.)?\s+|~\s*)?$",
    re.I,
)
_CHANGE_AFTER = re.compile(r"\s*(?:of\s+)?(?:weight\s+)?(?:loss|gain|lost|gained|drop|less|more|heavier|lighter)\b",
                           re.I)
_QUALIFIED_BEFORE = re.compile(
    r"\b(?:(?:ideal|lean|adjusted|dry|birth|usual|previous|prior|pre-?pregnancy|pre-?morbid|target|baseline|goal|"
    r"predicted)\s+(?:body\s+)?(?:weight|wt)|IBW|LBW|ABW|AdjBW|DBW|PBW)\b[^\d]{0,15}$",
    re.I,
)
_QUALIFIED_AFTER = re.compile(r"\s*\(?\s*(?:IBW|LBW|ABW|AdjBW|ideal|lean|adjusted|dry\s+weight|at\s+birth|"
                              r"birth\s*weight|pre-?pregnancy|previously|usual)\b", re.I)
# After a number with no unit but a weight word: words that say it is not a weight in kg.
_NOT_KG_AFTER = re.compile(r"\s*(?:%|percent|(?:st|nd|rd|th)\b|(?:per)?centile|times\b|x\b|days?\b|weeks?\b|"
                           r"months?\b|years?\b|hours?\b|oz\b|ounces?\b|z\b)", re.I)
_GRAM_WEIGHT_MIN = 250  # a bare "1 g" is a dose; from 250 g up ("3200 g") a baby's weight, as no dose is
_LB_UNITS = ("lb", "pound")
_ST_UNITS = ("st",)  # "st", "stone", "stones"
_G_UNITS = ("g", "gm", "gram")

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
# A gestation as notes write it: "at 41+2", "30 wks", "28 weeks' gestation", "39/40", "GA 34w".
_GESTATION = re.compile(
    r"\b(?:at\s+)?(\d{1,2})(?:\+([0-6]))?\s*(?:wks?|weeks?|/40|w)\b(?!\s+(?:ago|of\s+(?!gestation)|later|after))"
    r"|\bat\s+(\d{1,2})\+([0-6])\b",
    re.I,
)


def _gestation(text: str) -> float | None:
    """The pregnancy's gestation in weeks, when the text states one (and only one)."""
    found = set()
    for m in _GESTATION.finditer(text):
        if re.search(r"\b(?:for|x|over|past|last|within|in|after|since|every|q)\s*$", text[max(0, m.start() - 8):m.start()], re.I):
            continue  # "on labetalol for 6 wks": how long, not how far along
        weeks, days = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        value = int(weeks) + int(days or 0) / 7
        if 4 <= value <= 44:
            found.add(round(value, 2))
    return found.pop() if len(found) == 1 else None


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

# "pt in her 80s", "man in his late 50s": a decade, read as a representative age (like "elderly",
# marked as not stated: it decides the age group, never a dose or an age range).
_DECADE = re.compile(r"\bin\s+(?:his|her|their)\s+(?:(early)\s+|(mid)\s*-?\s*|(late)\s+)?([1-9])0s\b", re.I)


def _decade_age(text: str) -> float | None:
    m = _DECADE.search(text)
    if m is None:
        return None
    return int(m.group(4)) * 10 + (2.0 if m.group(1) else 8.0 if m.group(3) else 5.0)


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


def _quote(text: str, start: int, end: int) -> str:
    """The words a note is about, in quotes, shortened if long (the text is the user's)."""
    words = " ".join(text[max(0, start):end].split())
    return f"'{words if len(words) <= 40 else words[:37] + '…'}'"


def _distinct(values: list[tuple[float, str]], same: Callable[[float, float], bool]) -> list[tuple[float, str]]:
    """One (value, quote) per different value, in the order given."""
    out: list[tuple[float, str]] = []
    for v, q in values:
        if not any(same(v, w) for w, _ in out):
            out.append((v, q))
    return out


def _ages(text: str, strict: bool, mother: bool) -> tuple[float | None, list[str]]:
    """The age in years and notes on ages given but not used. ``mother``: the text is about
    a pregnant or breastfeeding woman, so ages under 10 are her baby's."""
    issues: list[str] = []
    found: list[tuple[float, str]] = []
    for m in _AGE_STRICT.finditer(text):
        group = next(g for g in ("n1", "n2", "n3", "n4") if m.group(g))
        quote = _quote(text, m.start(), m.end())
        if m.group("s1") or m.group("s2") or m.group("s3"):
            issues.append(f"age not used: {quote} is negative")
            continue
        before = None if group == "n3" else _RANGE_BEFORE.search(text, max(0, m.start() - 30), m.start())
        after = _RANGE_AFTER_AGE.match(text, m.end(group))
        if before or after:
            start = before.start() if before else m.start()
            end = max(m.end(), after.end()) if after else m.end()
            issues.append(f"age not used: {_quote(text, start, end)} is a range, give one age")
            continue
        unit = (m.group("unit") or "y").lower()
        per_year = (12 if unit.startswith("mo") else 52 if unit.startswith("w") else 365 if unit.startswith("d")
                    else 8766 if unit.startswith("h") else 1)
        years = float(m.group(group)) / per_year
        if not math.isfinite(years) or years > AGE_MAX_YEARS:
            issues.append(f"age not used: {quote} is not a plausible age (0-{AGE_MAX_YEARS:g} years)")
            continue
        if not (mother and years < 10):  # a mother's baby, not her
            found.append((round(years, 2), quote))
    ages = _distinct(found, lambda x, y: abs(x - y) < 0.01)
    if len(ages) > 1:
        listed = ", ".join(q for _, q in ages[:3])
        return None, [*issues, f"age not used: two different ages given ({listed}), give one age"]
    if ages:
        return ages[0][0], issues
    if strict or issues:
        return None, issues
    loose = _AGE_SEX.search(text) or _AGE_LOOSE.search(text)
    if loose is None:
        return None, issues
    value = float(next(g for g in loose.groups() if g and g.isdigit()))
    ranged = _RANGE_BEFORE.search(text, max(0, loose.start() - 30), loose.start())
    if ranged:  # "45-50 years"
        return None, [f"age not used: {_quote(text, ranged.start(), loose.end())} is a range, give one age"]
    if value > AGE_MAX_YEARS:
        return None, [f"age not used: {_quote(text, loose.start(), loose.end())} is not a plausible age "
                      f"(0-{AGE_MAX_YEARS:g} years)"]
    return (None if mother and value < 10 else value), issues


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


def _unit(m: re.Match[str] | None) -> str:
    """kg, g, lb or st for a mass unit match; "" for none."""
    if m is None:
        return ""
    unit = m.group("unit").lower()
    return ("lb" if unit.startswith(_LB_UNITS) else "st" if unit.startswith(_ST_UNITS)
            else "g" if unit.startswith(_G_UNITS) else "kg")


def _number(raw: str, unit: str) -> float | None:
    """The value of "70", "70.5" or "3,200" (thousands, for grams only); None when unsure."""
    if "," in raw:
        if unit != "g" or not re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
            return None
        raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError:
        return None


_TO_KG = {"kg": 1.0, "g": 0.001, "lb": _LB_TO_KG, "st": 14 * _LB_TO_KG}


def _mass_unit(text: str, number: re.Match[str], weighty: bool) -> tuple[str, int]:
    """The unit after ``number`` and where it ends: ("", number end) when it is not a mass
    (no unit, "1st" an ordinal, "1 g" a dose rather than a weight)."""
    m = _MASS_UNIT.match(text, number.end())
    unit = _unit(m)
    if m is None or not unit:
        return "", number.end()
    value = _number(number.group(), unit)
    if unit == "st" and not m.group("sp") and value is not None and value % 10 == 1 and value % 100 != 11:
        return "", number.end()  # "1st", "21st": ordinals
    if unit == "g" and not weighty and value is not None and value < _GRAM_WEIGHT_MIN:
        return "", number.end()  # "1 g", "2 g": a dose
    return unit, m.end()


def _weights(text: str) -> tuple[float | None, list[str]]:
    """The weight in kg when the text states one plausible weight, and notes on every
    weight given but not used (see the module docstring)."""
    issues: list[str] = []
    good: list[tuple[float, str, bool]] = []  # (kg, quote, metric), in the order given
    qualified: list[str] = []
    pos = 0
    while (m := _NUMBER.search(text, pos)) is not None:
        start, pos = m.start(), m.end()
        window = max(0, start - 60)
        sign = _SIGN_BEFORE.search(text, window, start)
        core = sign.start() if sign else start  # where the text before the number (and its sign) ends
        weighty = bool(_WEIGHT_WORD.search(text, window, core))
        unit, end = _mass_unit(text, m, weighty)
        between = re.search(r"\bbetween\s+$", text[window:start], re.I)
        ranged = _RANGE_AFTER.match(text, end)
        if ranged and ranged.group(0).strip().lower().startswith("and") and not between:
            ranged = None
        if ranged:  # "45-50 kg", "45 kg to 50 kg", "wt 45-50", "70 ± 5 kg"
            second = _NUMBER.match(text, ranged.start(1))
            unit2, end2 = _mass_unit(text, second, weighty) if second else ("", ranged.end())
            if unit2 or (weighty and not unit):
                q0 = window + between.start() if between else (sign.start() if sign else start)
                issues.append(f"weight not used: {_quote(text, q0, end2)} is a range, give one weight")
                pos = end2
                continue
        if not unit and not weighty:
            continue
        arrow = _ARROW_AFTER.match(text, m.end())
        if arrow or _ARROW_BEFORE.search(text, window, core):
            last = _NUMBER.match(text, arrow.end()) if arrow else None
            end2 = _mass_unit(text, last, True)[1] if last else end
            issues.append(f"weight not used: {_quote(text, sign.start() if sign else start, end2)} is a change "
                          "over time, give the current weight")
            pos = max(pos, end2)
            continue
        if not unit and _NOT_KG_AFTER.match(text, end):
            continue  # "weight 50th centile", "weighed 3 times"
        value = _number(m.group(), unit or "kg")
        extra = _STONE_LB.match(text, end) if unit == "st" else None
        if extra and (extra.group(1) or float(extra.group(2)) < 14):  # "10 st 4 lb", "10 st 4"
            value = None if value is None else value + float(extra.group(1) or extra.group(2)) / 14
            end = extra.end()
        elif unit == "lb" and (extra := _LB_OZ.match(text, end)):  # "7 lb 8 oz"
            value = None if value is None else value + float(extra.group(1)) / 16
            end = extra.end()
        pos = end
        q0 = sign.start() if sign else start
        quote = _quote(text, q0, end)
        if _CHANGE_BEFORE.search(text, window, core) or _CHANGE_AFTER.match(text, end):
            continue  # "lost 5 kg", "5 kg weight gain": a change, not a weight
        if sign:
            issues.append(f"weight not used: {quote} is negative")
            continue
        bound = _BOUND_BEFORE.search(text, window, core)
        if bound or _BOUND_AFTER.match(text, end):
            b_end = _BOUND_AFTER.match(text, end)
            where = _quote(text, bound.start() if bound else q0, b_end.end() if b_end else end)
            issues.append(f"weight not used: {where} is a bound, not one weight")
            continue
        if value is None:
            issues.append(f"weight not used: {quote} has a comma in the number, write decimals with a point "
                          "(70.5 kg)" if "," in m.group() else f"weight not used: {quote} is not a number")
            continue
        kg = value * _TO_KG[unit or "kg"]
        qual = _QUALIFIED_BEFORE.search(text, window, core)
        if qual or _QUALIFIED_AFTER.match(text, end):
            q_after = _QUALIFIED_AFTER.match(text, end)
            qualified.append(_quote(text, qual.start() if qual else q0, q_after.end() if q_after else end))
            continue
        if not (math.isfinite(kg) and WEIGHT_MIN_KG <= kg <= WEIGHT_MAX_KG):
            issues.append(f"weight not used: {quote} is not a plausible weight "
                          f"({WEIGHT_MIN_KG:g}-{WEIGHT_MAX_KG:g} kg)")
            continue
        good.append((round(kg, 2 if kg < 10 else 1), quote, unit not in ("lb", "st")))
    if not good and qualified and not issues:
        issues.append(f"weight not used: {qualified[0]} is not the patient's actual weight, give the actual weight")
    weights = _distinct([(kg, q) for kg, q, _ in good], same_weight)
    if len(weights) > 1:
        listed = ", ".join(q for _, q in weights[:3])
        issues.append(f"weight not used: two different weights given ({listed}), give one weight")
    if issues or not good:
        return None, issues
    # The same weight in two units ("70 kg (154 lb)"): the metric figure, not 69.9.
    return next((kg for kg, _, metric in good if metric), good[0][0]), []


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


def _first(issues: list[str], what: str, n: int = 3) -> list[str]:
    """At most ``n`` notes on one value, then how many more: pasted text can hold hundreds."""
    unique = list(dict.fromkeys(issues))
    more = len(unique) - n
    return unique[:n] + ([f"{what} not used: and {more} more value(s) like these"] if more > 0 else [])


def _parse(text: object, strict_age: bool) -> PatientContext:
    raw = text if isinstance(text, str) else ""
    try:
        clean = _clean(text)
        if not clean.strip():
            return PatientContext(raw=raw)
        issues: list[str] = []
        if len(raw) > _MAX_CHARS:
            issues.append(f"details not read: the text is longer than {_MAX_CHARS:,} characters; "
                          "only the start was read")
        pregnant = _found(_PREGNANT, clean)
        if pregnant and not _found(re.compile(r"\bpregnan(?:t|cy)\b", re.I), clean) and _BABY.search(clean):
            pregnant = False  # "born at 28 weeks gestation" describes a baby
        lactating = _found(_LACTATING, clean)
        age, age_issues = _ages(clean, strict_age, mother=pregnant or lactating)
        from_word = False
        if age is None and not (pregnant or lactating):
            age = _decade_age(clean)
            if age is None:
                age = next((a for p, a in _AGE_WORDS if _found(p, clean)), None)
            from_word = age is not None
        weight, weight_issues = _weights(clean)
        sex: Sex | None = "female" if pregnant or lactating else _sex(clean)
        return PatientContext(
            raw=raw, age_years=age, age_from_word=from_word, sex=sex, weight_kg=weight,
            pregnant=pregnant, gestation_weeks=_gestation(clean) if pregnant else None,
            lactating=lactating, renal_impairment=_renal(clean),
            hepatic_impairment=_found(_HEPATIC, clean),
            issues=tuple([*issues, *_first(age_issues, "age"), *_first(weight_issues, "weight")]),
        )
    except Exception:  # a patient description must never break an answer
        log.exception("patient parsing failed")
        return PatientContext(raw=raw, issues=("details not read: the patient details could not be read",))


def parse_patient(text: str) -> PatientContext:
    """Age, sex, weight and special-population flags from free text such as
    "62-year-old woman, 70 kg, pregnant", "8 yo boy 25kg" or "elderly man 154 lb";
    ``issues`` names any weight or age given but not used ("45-50 kg" is a range)."""
    return _parse(text, strict_age=False)


def population_from_question(question: str) -> PatientContext:
    """The same facts when a question states them ("GBS in pregnancy", "dose of X in
    children", "adults with renal impairment"). Only unambiguous ages count here
    ("6-year-old", "aged 70"), so "10-year risk" or "2 years of therapy" set none."""
    return _parse(question, strict_age=True)


def same_weight(a: float, b: float) -> bool:
    """Whether two weights in kg are one weight (given twice, or in two units)."""
    return abs(a - b) <= max(0.01 * max(a, b), 0.1)


def check_patient(text: str, question: str = "") -> PatientContext:
    """``parse_patient(text)`` for patient details a user gave explicitly (``--patient``, the
    API's ``patient``), or ``PatientError`` naming each value that cannot be used as given:
    a dose must not be computed from a weight the user did not clearly state. A weight in
    ``question`` that differs from the one in ``text`` is refused too."""
    ctx = parse_patient(text)
    issues = list(ctx.issues)
    if question and ctx.weight_kg is not None:
        asked = population_from_question(question).weight_kg
        if asked is not None and not same_weight(asked, ctx.weight_kg):
            issues.append(f"weight not used: the question says {asked:g} kg and the patient details say "
                          f"{ctx.weight_kg:g} kg, give one weight")
    if issues:
        raise PatientError("; ".join(issues))
    return ctx


def merge(a: PatientContext, b: PatientContext) -> PatientContext:
    """``a`` updated by ``b``: b's stated age, sex and weight win, flags are OR-ed, raw joined.

    A weight or age that ``b`` gives but could not use (an issue) is not replaced by ``a``'s:
    the newer details said something about it, so the older value is no longer sure. ``a``'s
    issues stay unless ``b`` settles the same value; a stated age beats one from a word."""
    raws = [r for r in (a.raw, b.raw) if r.strip()]
    b_weight = b.weight_kg is not None or bool(b.issues_about("weight"))
    b_age = (b.age_years is not None and not (b.age_from_word and a.age_years is not None
                                                and not a.age_from_word)) or bool(b.issues_about("age"))
    kept = [i for i in a.issues if not ((b_weight and i.startswith("weight not used:"))
                                        or (b_age and i.startswith("age not used:")))]
    return PatientContext(
        raw="; ".join(dict.fromkeys(raws)),
        age_years=b.age_years if b_age else a.age_years,
        age_from_word=b.age_from_word if b_age else a.age_from_word,
        sex=b.sex or a.sex,
        weight_kg=b.weight_kg if b_weight else a.weight_kg,
        pregnant=a.pregnant or b.pregnant,
        gestation_weeks=b.gestation_weeks if b.gestation_weeks is not None else a.gestation_weeks,
        lactating=a.lactating or b.lactating,
        renal_impairment=a.renal_impairment or b.renal_impairment,
        hepatic_impairment=a.hepatic_impairment or b.hepatic_impairment,
        issues=tuple(dict.fromkeys([*kept, *b.issues])),
    )


__all__ = [
    "AGE_MAX_YEARS", "WEIGHT_MAX_KG", "WEIGHT_MIN_KG", "PatientError", "check_patient", "merge", "parse_patient",
    "population_from_question", "same_weight",
]
