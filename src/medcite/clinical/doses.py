"""Doses as guideline and label sentences state them: read, normalise, compute, compare.

``parse_doses`` turns each dose in a sentence ("fluconazole 6–12 mg/kg/day (maximum
400 mg/day) IV/PO") into a ``DoseMention``; ``dose_signature`` gives the normalised
amounts a verifier compares between an answer and its passage; ``find_conflicts``
groups sources that state different doses of one drug. Pure functions: the only I/O
is the drug lexicon and abbreviation table, loaded once (``clinical.drugs``, ``retrieve.query``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import TypeVar

from .dose_drugs import drug_spans, pick_drug

WEIGHT_MIN_KG, WEIGHT_MAX_KG = 0.3, 350.0  # a 23-week preterm baby to the heaviest adults dosed
_MAX_CHARS = 20_000  # a passage or an answer; bounds the work on pasted documents
_MAX_SENTENCE = 5_000  # parse_doses is per sentence and looks around each dose

# --- Dose expressions -------------------------------------------------------------------
# At most 7 digits before the point and 8 list items: longer runs are not doses, and the
# bounds keep the scan linear on hostile input ("1,1,1,...").
_NUM = r"(?:\d{1,3}(?:,\d{3}){1,2}|\d{1,7})(?:\.\d{1,6})?(?![\d,]\d)|\.\d{1,6}"
_DASH = r"\s*[-–—‒‑−]\s*|\s+to\s+"
_SEP = rf"{_DASH}|\s*,\s*(?:and\s+|or\s+)?|\s+or\s+|\s+and\s+"
_BASE = r"(?i:mg|milligrams?|mcg|µg|μg|ug|micrograms?|grams?|gm|g|meq|mmol|ml|cc|international\s+units?|units?|iu)|U"
_EXPR = re.compile(
    rf"(?<![\w./,])(?<![A-Za-z]-)(?P<nums>(?:{_NUM})(?:(?:{_SEP})(?:{_NUM})){{0,8}})(?P<million>\s+million)?"
    rf"\s*-?\s*(?P<base>{_BASE})\b"
    r"(?P<kg>(?:\s*/\s*|\s+per\s+)kg\b(?:\s+(?:of\s+)?(?:actual\s+|ideal\s+)?body\s*weight)?|\s*kg\s*(?:[-−]1|⁻¹))?"
    r"(?P<m2>(?:\s*/\s*|\s+per\s+)m(?:2|²|\^2)(?!\w))?"
    r"(?P<time>\s*/\s*(?:days?|d|24\s*h(?:ours?|r)?|hours?|hr|h|weeks?|wk|dose|min)\b"
    r"|\s+per\s+(?:day|hour|week|dose)\b)?"
)
_CONCENTRATION = re.compile(r"\s*/\s*\w")  # mg/dL, g/L, IU/L, mL/min: lab values, not doses
_UNITS = {"mg": "mg", "milligram": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg",
          "microgram": "mcg", "g": "g", "gm": "g", "gram": "g", "meq": "mEq", "mmol": "mmol",
          "ml": "mL", "cc": "mL", "iu": "IU", "international unit": "IU", "unit": "units", "u": "units"}
_TIMES = {"d": "day", "24h": "day", "24hour": "day", "24hr": "day", "h": "hour", "hr": "hour",
          "wk": "week"}
_TO_MG = {"g": 1000.0, "mg": 1.0, "mcg": 0.001}


@dataclass(frozen=True)
class _Expr:
    start: int
    end: int
    values: tuple[tuple[float, float], ...]
    unit: str  # normalised: "mg/kg/day"


def _unit_parts(unit: str) -> tuple[str, bool, bool, str]:
    """'mg/kg/day' -> ('mg', per kg, per m2, 'day')."""
    parts = unit.split("/")
    time = parts[-1] if len(parts) > 1 and parts[-1] not in ("kg", "m2") else ""
    return parts[0], "kg" in parts, "m2" in parts, time


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _values(nums: str, between: bool) -> list[tuple[float, float]]:
    """'1-2' -> [(1, 2)]; '10 or 20' / '10, 20, and 40' -> one value each; 'between 1 and 2' -> range."""
    found = list(re.finditer(_NUM, nums))  # not re.split: "1,000" holds a comma too
    out: list[list[float]] = [[_number(found[0].group())]]
    for prev, m in pairwise(found):
        sep = nums[prev.end() : m.start()]
        if re.fullmatch(_DASH, sep) or (between and sep.strip() == "and" and len(out) == 1):
            out[-1].append(_number(m.group()))
        else:
            out.append([_number(m.group())])
    return [(min(v), max(v)) for v in out]


def _scan(text: str) -> list[_Expr]:
    """Every dose expression in ``text``, in order, with 'X mg to Y mg' merged into a range."""
    found: list[_Expr] = []
    for m in _EXPR.finditer(text):
        word = " ".join(m["base"].lower().split())
        base = _UNITS.get(word[:-1] if word.endswith("s") else word, "")
        raw_time = re.sub(r"[\s/]|per", "", m["time"] or "").lower().rstrip("s")
        time = _TIMES.get(raw_time, raw_time)
        plain = not (m["kg"] or m["m2"] or m["time"])
        if not base or (plain and _CONCENTRATION.match(text, m.end())) or (base == "mL" and time == "min"):
            continue
        between = bool(re.search(r"\bbetween\s*$", text[max(0, m.start() - 12) : m.start()], re.I))
        scale = 1e6 if m["million"] else 1.0
        values = tuple((lo * scale, hi * scale) for lo, hi in _values(m["nums"], between))
        unit = base + "/kg" * bool(m["kg"]) + "/m2" * bool(m["m2"]) + (f"/{time}" if time else "")
        found.append(_Expr(m.start(), m.end(), values, unit))
    merged: list[_Expr] = []
    for e in found:
        prev = merged[-1] if merged else None
        if (prev and len(prev.values) == 1 and len(e.values) == 1 and prev.unit == e.unit
                and re.fullmatch(_DASH, text[prev.end : e.start])):
            merged[-1] = _Expr(prev.start, e.end, ((prev.values[0][0], e.values[0][1]),), e.unit)
        else:
            merged.append(e)
    return merged


# --- Context: cap, frequency, route, duration, population --------------------------------
# "doses greater than 20 mg have not been studied": a threshold, not a dose to give.
_ABOVE_BEFORE = re.compile(r"(?:\b(?:greater|more|higher)\s+than|\babove|\bexceeding|\bin\s+excess\s+of|\bbeyond|\bover)\s*$",
                           re.I)
_CAP_BEFORE = re.compile(
    r"(?:\bmax(?:imum|imal|\.)?(?:\s+(?:recommended|tolerated|total|daily|single|of|dose|is|a))*\s*:?"
    r"|\bnot\s+(?:to\s+)?exceed(?:ing)?|\b(?:no|not)\s+more\s+than|\bup\s+to(?:\s+(?:a\s+)?max(?:imum)?(?:\s+of)?)?"
    r"|\bat\s+most|\blimited\s+to|≤|<=)\s*$",
    re.I,
)
_WORDNUM = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
            "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "fourteen": "14", "other": "other"}
_N = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen)"
_FREQ: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), out) for p, out in (
    (r"\bevery\s+other\s+(day|week|month)\b", "every other {1}"),
    (rf"\b(?:once\s+)?every\s+({_N}(?:\s*(?:[-–]|to)\s*{_N})?)\s+(hour|day|week|month)s?\b", "every {1} {2}s"),
    (r"\bevery\s+(day|week|month)\b", "{1}"),
    (r"\b(\d+)[\s-]?hourly\b", "every {1} hours"),
    (r"\bq\.?\s?(\d+)\s?(?:h|hr|hrs|hours?)\b", "every {1} hours"),
    (r"\bq\.?\s?(\d+)\s?(?:w|wk|wks|weeks?)\b", "every {1} weeks"),
    (r"\b(?:twice|two\s+times|2\s+times|2x)\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b|\bb\.?i\.?d\b\.?|\bBD\b", "twice daily"),
    (r"\b(?:three|3)\s+times\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b|\bt\.?i\.?d\b\.?|\bTDS\b", "three times daily"),
    (r"\b(?:four|4)\s+times\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b|\bq\.?i\.?d\b\.?|\bQDS\b", "four times daily"),
    (r"\b(?:twice|two\s+times)\s+(?:a\s+|per\s+)?week(?:ly)?\b", "twice weekly"),
    (r"\bonce\s+or\s+twice\s+(?:a\s+|per\s+)?(?:day|daily)\b", "once or twice daily"),
    (r"\bonce\s+or\s+twice\s+(?:a\s+|per\s+)?week(?:ly)?\b", "once or twice weekly"),
    (rf"\bin\s+({_N}(?:\s+or\s+{_N})?)\s+(?:equal\s+)?divided\s+doses\b", "in {1} divided doses"),
    (r"\b(?:once\s+)?weekly\b|\bonce\s+(?:a|per|each)\s+week\b|\bper\s+week\b", "week"),
    (r"\b(?:once\s+)?monthly\b|\bonce\s+(?:a|per|each)\s+month\b", "month"),
    # "maximal daily dose", "total daily dose", "recommended daily allowance" say nothing of frequency
    (r"\bonce[\s-]+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b|\bq\.?d\b\.?|\b(?:per|a)\s+day\b"
     r"|(?<!total )(?<!maximal )(?<!maximum )(?<!max )(?<!starting )\bdaily\b(?!\s+(?:doses?|dosage|allowance))", "day"),
    (r"\b(?:at\s+bedtime|nightly|qhs)\b", "at bedtime"),
    (r"\bcontinuous(?:\s+\w+)?\s+infusion\b", "continuous infusion"),
    (r"(?<!maximum )(?<!maximal )(?<!max )\b(?:single|one)[\s-]dose\b|\bonce\s+only\b", "single dose"),
))
_PERIOD = {"day": "once daily", "week": "once weekly", "month": "once monthly"}
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), out) for p, out in (
    (r"(?i:\bintravenous(?:ly)?\b|\bi\.v\.|\binfus(?:ion|ed)\b|\bbolus\b)|\bIV\b|[(\[]iv[)\]]", "intravenous"),
    (r"(?i:\bsub-?cutaneous(?:ly)?\b|\bsubcut\b|\bs\.c\.)|\bS[CQ]\b|[(\[]sc[)\]]", "subcutaneous"),
    (r"(?i:\bintramuscular(?:ly)?\b|\bi\.m\.)|\bIM\b|[(\[]im[)\]]", "intramuscular"),
    (r"(?i:\borally\b|\boral\b|\bby\s+mouth\b|\bp\.o\.)|\bPO\b|[(\[]po[)\]]", "oral"),
    (r"(?i:\binhaled\b|\bby\s+inhalation\b|\bnebuli[sz]ed\b)", "inhaled"),
    (r"(?i:\bbladder\s+instillation\b)", "intravesical"),
    (r"(?i:\b(intrathecal|topical|sublingual|intranasal|transdermal|rectal|intravesical)(?:ly)?\b)", "{1}"),
))
# "Class IV", "stage IV", "(IV, B)": evidence levels and stages, not the route.
_NOT_IV = re.compile(r"(?i:class|level|grade|stages?|type|phase)\s*$")
_NOT_IV_AFTER = re.compile(r"\s*[-,]\s*[A-D]\b")
_DURATION = re.compile(
    rf"(?:\b(?:for|over)|\bx|×)\s*(?:(?:up\s+to|at\s+least|a\s+total\s+of|another|a\s+further)\s+)?"
    rf"{_N}(?:\s*(?:[-–]|to)\s*{_N})?\s+(?:consecutive\s+)?(?:days?|weeks?|months?|hours?|minutes?|years?|doses|cycles)\b",
    re.I,
)
_AGE = r"\d+\s*(?:(?:to|-|–)\s*[<≤]?\s*\d+\s*)?(?:years?|yrs?|y|months?)\b(?:\s+of\s+age)?(?:\s+and\s+(?:older|over|above))?"
_POPULATION = re.compile(
    r"(?P<weight>(?:weight\s*)?(?:[≥≤<>]=?|>=|<=)\s*\d+(?:\.\d+)?\s*kg\b"
    r"|\d+\s*kg\s*(?:\([^)]*\)\s*)?to\s*[<≤]\s*\d+\s*kg\b|\d+\s*kg\s+(?:and|or)\s+(?:under|over|above|below|less|more)\b)"
    rf"|(?P<group>(?:p(?:a)?ediatric\s+patients|children|adolescents|infants|neonates|adults?(?:\s+patients)?)"
    rf"(?:\s+(?:aged\s+|from\s+)?(?:[≥≤<>]\s*)?{_AGE}|\s+(?:aged\s+)?(?:under|over)\s+{_AGE})?)"
    r"|(?P<special>older\s+adults|(?:elderly|geriatric)(?:\s+patients)?|pregnan(?:t\s+women|cy)|(?:breastfeeding|lactating|nursing)\s+(?:women|mothers)"
    r"|patients\s+(?:with|on)\s+(?:(?:mild|moderate|severe|end-stage)\s+)?(?:renal|hepatic|kidney|liver)\s+"
    r"(?:impairment|insufficiency|dysfunction|disease|failure)|patients\s+on\s+(?:hemo|haemo)?dialysis)"
    rf"|(?P<age>(?:aged?\s+)?(?:under|over|[≥≤<>])\s*{_AGE}|\d+\s*months?\s+to\s+[<≤]\s*{_AGE})",
    re.I,
)


def _frequency(text: str) -> tuple[int, int, str]:
    """(start, end, normalised frequency) of the earliest frequency in ``text``; (-1, -1, '') if none."""
    best = (len(text) + 1, -1, "")
    for pattern, out in _FREQ:
        m = pattern.search(text)
        if m and m.start() < best[0]:
            groups = [re.sub(r"\w+", lambda w: _WORDNUM.get(w.group().lower(), w.group()), g or "")
                      for g in m.groups()]
            value = out.format("", *groups) if "{" in out else out  # "{1}" is group 1
            value = re.sub(r"\s*(?:[-–]|to)\s*", " to ", value) if "every" in value else value
            best = (m.start(), m.end(), _PERIOD.get(value, value))
    if not best[2]:
        return (-1, -1, "")
    alt = re.match(r"\s*or\s+", text[best[1] :])  # "b.i.d. or t.i.d."
    if alt:
        start, end, other = _frequency(text[best[1] + alt.end() :])
        if start == 0:
            return (best[0], best[1] + alt.end() + end, f"{best[2]} or {other}")
    return best


def _routes(text: str) -> str:
    """The first route in ``text``; two joined by 'or' or '/' ('IV/PO') are both kept."""
    hits = sorted((m.start(), m.end(), out.format("", *m.groups()).lower()) for p, out in _ROUTES for m in p.finditer(text)
                  if not (out == "intravenous" and m.group() == "IV" and (
                      _NOT_IV.search(text[: m.start()]) or _NOT_IV_AFTER.match(text, m.end()))))
    if not hits:
        return ""
    names, end = [hits[0][2]], hits[0][1]
    for start, stop, name in hits[1:]:
        if not re.fullmatch(r"[\s()\[\]/]*(?:or)?[\s()\[\]/]*", text[end:start]):
            break
        if name not in names:
            names.append(name)
        end = stop
    return " or ".join(names)


def _population(text: str, found: list[re.Match[str]], e: _Expr, after_end: int) -> str:
    """A population stated for the dose: 'for infants' just after it, else the nearest before."""
    for m in found:
        s = m.start()
        if e.end <= s < after_end and re.search(r"(?:\b(?:for|in|to)\s+(?:the\s+)?|\(\s*)$", text[max(e.end, s - 10) : s], re.I):
            return _pop_label(m)
    before = [m for m in found if m.end() <= e.start]
    return _pop_label(before[-1]) if before else ""


def _pop_label(m: re.Match[str]) -> str:
    text = " ".join(re.sub(r"\s*\([^)]*\)", "", m.group()).split())  # "15 kg (33 lbs)"
    if m["weight"]:
        return "weight " + re.sub(r"^weight\s*", "", text, flags=re.I).replace(">=", "≥").replace("<=", "≤")
    if m["age"]:
        return text if text.lower().startswith("age") else "age " + text
    text = re.sub(r"^adults?(?:\s+patients)?", "adults", text, flags=re.I)
    return re.sub(r"paediatric", "pediatric", text, flags=re.I).lower()


# Where one dose's description ends: table cells, clauses, the next drug of a combination.
_CLAUSE_END = re.compile(r"[|;+]|\b(?:plus|versus|vs|followed\s+by|then)\b", re.I)


# --- Mentions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DoseMention:
    """One dose a sentence states. ``low == high`` for a single value; ``span`` locates
    ``text`` in the sentence; ``cap`` is a maximum the sentence states ('1 g')."""

    drug: str
    drug_key: str
    low: float
    high: float
    unit: str
    per_kg: bool = False
    frequency: str = ""
    route: str = ""
    duration: str = ""
    population: str = ""
    cap: str = ""
    span: tuple[int, int] = (0, 0)
    text: str = ""

    @property
    def amount(self) -> str:
        """'0.4' or '1-2', the form of ``DoseRow.dose``."""
        return _fmt(self.low) if self.low == self.high else f"{_fmt(self.low)}-{_fmt(self.high)}"


def _fmt(x: float) -> str:
    """Deterministic number text: no trailing zeros, no '.0', at most 4 decimals."""
    return f"{x:.4f}".rstrip("0").rstrip(".") or "0"


def _span_text(lo: float, hi: float) -> str:
    return _fmt(lo) if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}"


def parse_doses(sentence: str, *, context: str = "") -> list[DoseMention]:
    """Every dose in ``sentence``. A maximum ('maximum 1 g', 'not to exceed 80 mg/day',
    'up to 1000 mg') becomes the ``cap`` of the dose before it rather than a dose of its
    own. ``context`` (e.g. the document title) supplies the drug and route when the
    sentence names none; the drug is otherwise '' rather than guessed."""
    if not isinstance(sentence, str) or not sentence:
        return []
    text = sentence[:_MAX_SENTENCE]
    exprs = _scan(text)
    if not exprs:
        return []
    mains: list[_Expr] = []
    caps: dict[int, _Expr] = {}  # index in mains -> its maximum
    for e in exprs:
        gap = text[mains[-1].end if mains else 0 : e.start]
        is_cap = bool(_CAP_BEFORE.search(gap))
        if is_cap and mains and len(mains) - 1 not in caps:
            caps[len(mains) - 1] = e
            continue
        if not is_cap and _ABOVE_BEFORE.search(gap):
            continue
        mains.append(e)
        if is_cap:
            caps[len(mains) - 1] = e  # a maximum stated alone ("give a maximum dose of 500 mg/kg")
    drugs = drug_spans(text)
    populations = list(_POPULATION.finditer(text))
    ctx_drugs = drug_spans(context[:2000]) if context else []
    out: list[DoseMention] = []
    for i, e in enumerate(mains):
        limit = mains[i + 1].start if i + 1 < len(mains) else len(text)
        own = pick_drug(text, drugs, e, mains, ctx_drugs[0][2] if ctx_drugs else "")
        # The words after a dose describe it up to the next dose, clause or other drug.
        stop = min([limit, e.end + 120] + [d[0] for d in drugs if d[0] >= e.end and d != own])
        after = text[e.end : stop]
        after = after[: m.start()] if (m := _CLAUSE_END.search(after)) else after
        before = re.split(r"[;|]", text[mains[i - 1].end if i else 0 : e.start][-60:])[-1]
        start, _, freq = _frequency(after)
        if start < 0:  # "a daily dose of 5 mg", but not the last dose's "... 325 mg daily, 25 mg"
            start, _, freq = _frequency(before[-40:])
            freq = freq if start >= 0 and (i == 0 or before[: len(before) - len(before[-40:]) + start].strip()) else ""
        # A remark in brackets ("(when an oral switch is being considered, use doxycycline)")
        # states no route of this dose.
        route = _routes(_REMARK.sub(" ", after)) or _routes(before) or _routes(context[:2000])
        duration = m.group() if (m := _DURATION.search(after)) else ""
        duration = re.sub(r"^(?:x|×)\s*", "for ", " ".join(duration.split()), flags=re.I)
        cap = f"{_span_text(*caps[i].values[-1])} {caps[i].unit}" if i in caps else ""
        population = _labelled(_row_label(text, e.start), _population(text, populations, e, limit))
        out.extend(DoseMention(
            drug=own[2], drug_key=own[2].lower(), low=lo, high=hi, unit=e.unit, per_kg=_unit_parts(e.unit)[1],
            frequency=freq, route=route, duration=duration, population=population, cap=cap,
            span=(e.start, e.end), text=text[e.start : e.end]) for lo, hi in e.values)
    return _alternatives_shared(text, out)


# A bracketed remark of several words (not "(IM)" or "(maximum 1 g)"), skipped when the words
# after a dose are read for its route.
_REMARK = re.compile(r"\((?=[^()]*\b(?:when|if|unless|except|see|use|for)\b)[^()]{12,200}(?:\)|$)", re.I)
_OR_GAP = re.compile(r"\s*(?:[a-z]+\s+){0,4}or\s*", re.I)
_ROW_LABEL_MAX = 90


def _row_label(text: str, at: int) -> str:
    """The situation a table row's dose is for: its first cell when that cell states no dose
    ("Lyme disease arthritis | Oral doxycycline: 100 mg …" -> "Lyme disease arthritis";
    "Under 9 | Oral amoxicillin …" -> "Under 9"). Empty outside a flattened table row. (Only
    the first: a label's flattened header cells, "Dose | 15 kg to <30 kg", follow it.)"""
    if "|" not in text[:at]:
        return ""
    cell = " ".join(text[: text.index("|")].split())
    return "" if not cell or _EXPR.search(cell) or len(cell) > _ROW_LABEL_MAX else cell


def _labelled(label: str, population: str) -> str:
    """A row's label and the population its dose sentence names, once each."""
    if not label:
        return population
    said = re.sub(r"^(?:age|weight)\s+", "", population)
    return label if not population or said.lower() in label.lower() else f"{label}, {population}"


def _alternatives_shared(text: str, doses: list[DoseMention]) -> list[DoseMention]:
    """Two doses of one drug given as alternatives ("100 mg twice per day or 200 mg once per
    day for 28 days", "2 g twice per day or 4 g once per day") share the route written before
    the first and the duration written after the second."""
    out = list(doses)
    for i in range(len(out) - 1, 0, -1):
        a, b = out[i - 1], out[i]
        if a.drug_key != b.drug_key or not _OR_GAP.fullmatch(_after_frequency(text[a.span[1]:b.span[0]])):
            continue
        if b.duration and not a.duration:
            out[i - 1] = a = dataclasses.replace(a, duration=b.duration)
        if b.frequency and not a.frequency and _OR_GAP.fullmatch(text[a.span[1]:b.span[0]]):
            out[i - 1] = a = dataclasses.replace(a, frequency=b.frequency)  # "500 mg or 1 g three times daily"
        if a.route and not b.route:
            out[i] = dataclasses.replace(b, route=a.route)
    return out


def _after_frequency(gap: str) -> str:
    """``gap`` without the frequency that opens it ("twice per day or" -> "or")."""
    start, end, _ = _frequency(gap)
    return gap[end:] if start >= 0 and not gap[:start].strip() else gap


def _canon(base: str, lo: float, hi: float) -> tuple[float, float, str]:
    """Amounts in mg (g, mcg) or units (IU), rounded so 0.4 g and 400 mg compare equal."""
    scale = _TO_MG.get(base, 1.0)
    unit = "mg" if base in _TO_MG else "units" if base in ("IU", "units") else base
    return float(f"{lo * scale:.6g}"), float(f"{hi * scale:.6g}"), unit


def dose_signature(text: str) -> set[tuple[float, float, str]]:
    """Normalised (low, high, unit) of every dose in ``text``, maxima included:
    '1 g' and '1000 mg' both give (1000.0, 1000.0, 'mg')."""
    if not isinstance(text, str):
        return set()
    out = set()
    for e in _scan(text[:_MAX_CHARS]):
        base, _, rest = e.unit.partition("/")
        for lo, hi in e.values:
            c_lo, c_hi, unit = _canon(base, lo, hi)
            out.add((c_lo, c_hi, f"{unit}/{rest}" if rest else unit))
    return out


def dose_in_mg_for_weight(m: DoseMention, weight_kg: float) -> str:
    """The amount a per-kg dose gives at ``weight_kg``, e.g. '28 g (70 kg × 0.4 g/kg)',
    capped at the sentence's maximum with a note; '' for doses that are not per kg."""
    try:
        w = float(weight_kg)
    except (TypeError, ValueError):
        return ""
    if not m.per_kg or not math.isfinite(w) or not WEIGHT_MIN_KG <= w <= WEIGHT_MAX_KG or "/kg" not in m.unit:
        return ""
    unit = m.unit.replace("/kg", "", 1)
    lo, hi = m.low * w, m.high * w
    amount = f"{_span_text(lo, hi)} {unit}"
    basis = f"{_fmt(w)} kg × {_span_text(m.low, m.high)} {m.unit}"
    cap = next(iter(_scan(m.cap)), None)
    c_base, c_kg, c_m2, c_time = _unit_parts(cap.unit) if cap else ("", False, False, "")
    base, _, _, time = _unit_parts(m.unit)
    # A maximum applies when it measures the same thing per the same time ("/dose" = none).
    if cap and (c_base in _TO_MG) == (base in _TO_MG) and not c_m2 and (
            c_time == time or c_time == "" or {c_time, time} <= {"", "dose"}):
        limit = cap.values[0][1] * (w if c_kg else 1.0) * _TO_MG.get(c_base, 1.0) / _TO_MG.get(base, 1.0)
        if hi > limit:
            capped = f"{_span_text(min(lo, limit), limit)} {unit}"
            return f"{capped} ({basis} = {amount}; capped at {m.cap}, the stated maximum)"
    return f"{amount} ({basis})"


# --- Comparing sources -------------------------------------------------------------------
K = TypeVar("K", bound=Hashable)


def _dimension(m: DoseMention) -> str:
    """What a dose measures: 'mass', 'mass/kg', 'units/m2', ... (time left out)."""
    base, per_kg, per_m2, _ = _unit_parts(m.unit)
    return _canon(base, 0, 0)[2].replace("mg", "mass") + "/kg" * per_kg + "/m2" * per_m2


def _time(m: DoseMention) -> str:
    """Per what time the amount is given: the unit's '/day', else a once-a-period frequency."""
    time = _unit_parts(m.unit)[3]
    return time if time not in ("", "dose") else {v: k for k, v in _PERIOD.items()}.get(m.frequency, "")


def _pop_bucket(population: str) -> str:
    low = population.lower()
    for bucket, words in (("renal", "renal kidney dialysis crcl egfr"), ("hepatic", "hepatic liver cirrhosis"),
                          ("pregnancy", "pregnan"), ("lactation", "lactat breast nursing"),
                          ("older", "older elderly geriatric"),
                          ("children", "child pediatric infant neonat adolescen newborn"), ("adults", "adult")):
        if any(w in low for w in words.split()):
            return bucket
    return low


def _comparable(a: DoseMention, b: DoseMention, populations: bool = True) -> bool:
    """Whether two doses are given per the same time and (optionally) to the same population;
    an unstated time or population is compatible with any."""
    ta, tb = _time(a), _time(b)
    pa, pb = (_pop_bucket(a.population), _pop_bucket(b.population)) if populations else ("", "")
    return (not ta or not tb or ta == tb) and (not pa or not pb or pa == pb)


def same_dose(a: DoseMention, b: DoseMention) -> bool:
    """Whether two mentions state the same dose: equal amounts after g/mg/mcg and IU/units
    normalising, the same unit kind and time base, and the same frequency where both give
    one. Drug and population are not compared (``find_conflicts`` groups by them)."""
    if _dimension(a) != _dimension(b) or not _comparable(a, b, populations=False):
        return False
    if a.frequency and b.frequency and a.frequency != b.frequency:
        return False
    return _canon(_unit_parts(a.unit)[0], a.low, a.high)[:2] == _canon(_unit_parts(b.unit)[0], b.low, b.high)[:2]


def find_conflicts(mentions: Sequence[tuple[K, DoseMention]]) -> list[list[tuple[K, DoseMention]]]:
    """Groups of (key, mention) where sources (keys, e.g. citation numbers) disagree.

    Mentions are compared within one drug_key and unit kind (mg vs mg/kg are not
    compared), between compatible populations and time bases. Two sources disagree
    when they have comparable doses and none of them match: a source that also states
    the other's dose (a loading plus a maintenance dose) is not in conflict with it.
    Each group holds one mention per distinct dose per key, in input order.
    """
    groups: dict[tuple[str, str], list[tuple[K, DoseMention]]] = {}
    for key, m in mentions:
        if m.drug_key:
            groups.setdefault((m.drug_key, _dimension(m)), []).append((key, m))
    out: list[list[tuple[K, DoseMention]]] = []
    for items in groups.values():
        keys = list(dict.fromkeys(k for k, _ in items))
        parent = {k: k for k in keys}

        def root(k: K, parent: dict[K, K] = parent) -> K:
            while parent[k] != k:
                k = parent[k]
            return k

        involved: set[int] = set()
        for k1, k2 in combinations(keys, 2):
            pairs = [(i, j) for i, (ka, a) in enumerate(items) if ka == k1
                     for j, (kb, b) in enumerate(items) if kb == k2 and _comparable(a, b)]
            if pairs and not any(same_dose(items[i][1], items[j][1]) for i, j in pairs):
                parent[root(k2)] = root(k1)
                involved.update(x for pair in pairs for x in pair)
        by_root: dict[K, list[tuple[K, DoseMention]]] = {}
        for i, (k, m) in enumerate(items):
            group = by_root.setdefault(root(k), [])
            if i in involved and not any(kk == k and same_dose(mm, m) for kk, mm in group):
                group.append((k, m))
        out.extend(g for g in by_root.values() if len({k for k, _ in g}) > 1)
    return out


def format_dose(m: DoseMention) -> str:
    """'1–2 mg/kg/day', with the frequency when stated: '40 mg every other week'."""
    return f"{_span_text(m.low, m.high)} {m.unit}" + (f" {m.frequency}" if m.frequency else "")


def conflict_note(group: Sequence[tuple[K, DoseMention]]) -> str:
    """'Sources differ: 1–2 mg/kg/day [3] vs 2–3 mg/kg/day [4]' for one conflict group."""
    cited: dict[str, list[str]] = {}
    for key, m in group:
        refs = cited.setdefault(format_dose(m), [])
        if f"[{key}]" not in refs:
            refs.append(f"[{key}]")
    return "Sources differ: " + " vs ".join(f"{dose} {''.join(refs)}" for dose, refs in cited.items())


__all__ = ["WEIGHT_MAX_KG", "WEIGHT_MIN_KG", "DoseMention", "conflict_note", "dose_in_mg_for_weight", "dose_signature", "find_conflicts",
           "format_dose", "parse_doses", "same_dose"]
