"""Drug names in dose sentences: which words name a drug (the lexicon of the
``drug-named-entity-recognition`` package, the abbreviation table, a few aliases), and
which drug a dose belongs to. Pure functions over text; the lexicon is loaded once by
``clinical.drugs``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

# The abbreviation table stays in retrieve.query for now: the one import of a pipeline stage
# left in this package (tests/clinical/test_boundaries.py names it).
from ..retrieve.query import abbreviations_in
from .drugs import drug_lexicon
from .stopwords import STOPWORDS


class Span(Protocol):
    """Where a dose expression lies in its sentence."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# Lexicon entries that are lab analytes or plain words in dose sentences ("creatinine 2 mg/dL").
_NOT_DRUGS = frozenset({
    "lead", "water", "creatinine", "cholesterol", "bilirubin", "hemoglobin", "triglycerides", "diuretics",
    "interferons", "blood glucose", "c-reactive protein", "uric acid", "glycated hemoglobin",
    "creatine kinase",
})
# Names the lexicon lacks or splits: IVIg expands to "intravenous immunoglobulin".
_ALIASES = {"low-dose aspirin": "aspirin", "penicillin": "penicillin", "protamine": "protamine",
            "protamine sulfate": "protamine"} | {name: "immune globulin" for name in (
    "immunoglobulin", "immunoglobulins", "immune globulin", "immune globulins", "gammaglobulin",
    "gamma globulin", "human immunoglobulin g", "immunoglobulin g")}
# "sildenafil citrate", "atorvastatin calcium": the salt is part of the lexicon's name, not the drug.
_SALT = re.compile(r"\s+(?:citrate|calcium|sodium|potassium|hydrochloride|hcl|sulfate|sulphate|phosphate|"
                   r"maleate|mesylate|tartrate|acetate|besylate|fumarate|succinate|bromide)$")
_FOOTNOTED = re.compile(r"[a-z]{6,}[a-f]")
_ROUTE_WORD = re.compile(r"^(?:intravenous|subcutaneous|intramuscular|oral|iv|sc)\s+")
_FOLLOW_GAP = re.compile(r"[\s(\[]*(?:(?:of|the|elemental|oral|intravenous|iv|daily)\s+)*", re.I)


def resolve_drug(name: str) -> str:
    """Generic name for a drug name or synonym, '' when it is not a drug."""
    lex = drug_lexicon()
    low = " ".join(name.lower().split())
    for cand in dict.fromkeys((low, _ROUTE_WORD.sub("", low))):
        if cand in _ALIASES:
            return _ALIASES[cand]
        if lex is None or cand in _NOT_DRUGS or len(cand) < 4 or cand in STOPWORDS:
            continue
        generic = lex.to_generic.get(cand) or (cand if cand in lex.generic_names else "")
        base = _SALT.sub("", generic)
        generic = base if base != generic and base in lex.generic_names else generic
        if generic and generic not in _NOT_DRUGS:
            return _ALIASES.get(generic, generic)
    if _FOOTNOTED.fullmatch(low) and " " not in low:
        # A table's footnote letter glued to the name: "doxycyclinea", "azithromycind,e".
        return resolve_drug(low[:-1])
    return ""


def drug_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, generic) for each drug name and drug abbreviation, greedy longest match."""
    tokens = list(_WORD.finditer(text))[:1024]
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(4, len(tokens) - i), 0, -1):
            words = [t.group() for t in tokens[i : i + n]]
            if any(w.isdigit() for w in words) or (n == 1 and (len(words[0]) < 4 or words[0].lower() in STOPWORDS)):
                continue
            generic = resolve_drug(" ".join(words))
            if generic:
                out.append((tokens[i].start(), tokens[i + n - 1].end(), generic))
                i += n
                break
        else:
            i += 1
    for surface, expansion in abbreviations_in(text):
        generic = "" if surface.lower() in STOPWORDS else resolve_drug(expansion)
        for m in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text) if generic else ():
            if not any(s < m.end() and m.start() < e for s, e, _ in out):
                out.append((m.start(), m.end(), generic))
    return sorted(out)


_COMPARATOR = re.compile(r"\b(?:versus|vs\.?|compared (?:with|to)|rather than|instead of|than)\s+(?:\w+\s+){0,4}$",
                         re.I)
_SENTENCE_BREAK = re.compile(r"[.;]\s+[A-Z(]|[.;]\s*$")


def _may_own(text: str, drug: tuple[int, int, str], dose_start: int) -> bool:
    """Whether a drug named before a dose can be the one it belongs to: not a comparator
    ("(versus a single dose of ciprofloxacin) ... (250 mg three times daily)"), not inside a
    parenthesis closed before the dose, not in an earlier sentence."""
    between = text[drug[1]:dose_start]
    if re.fullmatch(r"[\s(]*(?:[\w-]+\s+){0,2}", between):
        return True  # the dose follows the drug's name ("... rather than clopidogrel 75 mg")
    if between.count(")") > between.count("("):
        return False  # the drug sat in a parenthesis that closed before the dose
    if _SENTENCE_BREAK.search(between):
        return False
    return not _COMPARATOR.search(text[max(0, drug[0] - 60):drug[0]])


def pick_drug(text: str, drugs: list[tuple[int, int, str]], e: Span, mains: Sequence[Span],
              fallback: str) -> tuple[int, int, str]:
    """The drug a dose belongs to: one written right after it ("400 mg of rosuvastatin"),
    else the nearest before it, else ``fallback`` (the context's drug), else a later one
    that no other dose sits between or directly follows ("0.4 mg ... of folic acid";
    not "FFP 10 ml/kg with vitamin K 10 mg")."""
    after = [d for d in drugs if d[0] >= e.end]
    if after and _FOLLOW_GAP.fullmatch(text, e.end, after[0][0]):
        return after[0]
    before = [d for d in drugs if d[1] <= e.start and _may_own(text, d, e.start)]
    if before:
        return before[-1]
    if fallback:
        return (-1, -1, fallback)
    if after and not any(e.end <= x.start < after[0][0] for x in mains) and not any(
            _FOLLOW_GAP.fullmatch(text, after[0][1], x.start) for x in mains if x.start >= after[0][1]):
        return after[0]
    return (-1, -1, "")
