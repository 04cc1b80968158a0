"""Recommendation grades in NGC guideline text ("Level A", "Grade 2C", "Class IIa").

Pure functions: ``grade_of`` reads a normalised grade from a recommendation's
text; ``is_grade_only`` tells a line that only states a grade.
"""

from __future__ import annotations

import re


def upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


Rule = tuple[str, "re.Pattern[str] | None", re.Pattern[str], str]


def _rules(*rows: tuple[str, str, str, int]) -> tuple[Rule, ...]:
    # Each rule carries cheap lowercase needles (one must occur) so most regexes are
    # never run: grade_of is called for every passage of 1,400 guidelines.
    return tuple((n if "|" not in n else "", re.compile(re.escape(n).replace("\\|", "|")) if "|" in n else None,
                  re.compile(rx, flags), fmt) for n, rx, fmt, flags in rows)


_I = re.I
# Compound notations that already say everything; the first match wins.
_COMPOUND = _rules(
    ("grade", r"\bGrade\s*[-:]?\s*([12])\s*[,;]\s*Level(?:\s+of\s+Evidence)?\s*[-:=]?\s*([A-D])\b", "Grade {0}, Level {1}", _I),
    ("bel", r"\bGrade\s+([A-D])\s*[,;]\s*BEL\s*(\d)", "Grade {0}, BEL {1}", _I),
    ("gr", r"\bLE\s*[=:]?\s*(\d[a-c]?)\s*[,;]\s*GR\s*[=:]?\s*([A-D])\b", "Grade {1}, Level of Evidence {0}", 0),
    ("evidence level", r"\bEvidence level\s*[:=]?\s*([IV]+[a-c]?|\d[a-c+]*)\s*[;,]\s*Grade\s*[:=]?\s*([A-D])\b", "Grade {1}, Evidence level {0}", _I),
    ("(|[", r"[\[(]\s*(I[ab]?|II[ab]?|III|IV|[1-4][+-]*)\s*,\s*([A-D])\s*[\])]", "Grade {1}, Evidence {0}", 0),
    ("(|[", r"[\[(]\s*(I{1,3}|IV)\s*[-–,]?\s*([A-D])\s*[\])]", "{0}-{1}", 0),
    ("imperative|conditional", r"\b(Strong|Fair|Weak|Consensus|Insufficient Evidence),\s*(Imperative|Conditional)\b", "{0}, {1}", 0),
)

# Strength of the recommendation, most specific first.
_REC = _rules(
    ("", r"^\s*([A-D])\s*[-–:]\s+(?=[A-Z])", "Grade {0}", 0),  # SIGN style "B - Offer ..."
    ("gpp|gcp", r"^\s*(GPP|GCP)\s*[-–:]\s+", "{0}", 0),
    ("level", r"\bLevel\s+([A-DU])\b(?!\s*(?:rating|=))", "Level {0}", 0),
    ("grade", r"\bGrade\s*[:=]?\s*([12][A-D])\b", "Grade {0}", _I),
    ("(|[", r"[\[(]\s*([12][A-D])\s*[\])]", "Grade {0}", 0),
    ("recommendation", r"\b(Strength|Grade) of (?:the )?Recommendations?\s*(?:[:=\-–]|is)\s*([A-Za-z][\w\- ]{0,40}?)\s*(?=[;,.)\]]|$)", "{0} of Recommendation: {1}", _I),
    ("class", r"\bClass\s+(IIa|IIb|III|II|IV|I)\b(?:\s*:\s*(Harm|No Benefit))?(?![\s-]*(?:stud|evidence|trial|data|article|or\b|to\b|and\b|-|–))", "Class {0}", 0),
    ("recommendation", r"\b(strong|weak|conditional|moderate|discretionary|limited|optional)\s+recommendation\b(?:\s+(for|against)\b)?", "{0} recommendation", _I),
    ("strong|weak", r"\b(Strong|Weak|STRONG|WEAK)\s+(For|Against|FOR|AGAINST|for|against)\b", "{0} for", 0),
    ("grade", r"\bGrade\s*[:=]?\s*([A-D])\b(?!\s*=)", "Grade {0}", _I),
    ("recommendation", r"\(\s*([A-D]) recommendation\s*\)|\b([B-D]) recommendation\b", "Grade {0}", 0),
    ("statement", r"\bI statement\b", "I statement", 0),
    ("[", r"\[\s*([A-D])\s*\]", "Grade {0}", 0),
    ("gpp|gcp|cbr|eo|practice|expert|consensus|graded|principle|work group", r"[\[(]\s*(GPP|GCP|CBR|EO|Good Practice Points?|Good practice statement|Practice Point|Expert Opinion|Expert consensus(?: opinion)?|Consensus(?: recommendation| statement)?|Not Graded|Ungraded[\w ]*|Clinical Principle|Consensus[–-][\w ]+|Work Group Recommendation|Local Consensus)\b", "{0}", _I),
    ("level", r"[\[(]\s*Level\s+(I{1,3}|IV|V|[1-5])([a-c]?)\s*[\])]", "Level {0}", 0),
)

# Quality or level of the evidence behind it.
_EVIDENCE = _rules(
    ("evidence", r"\bLevels? of Evidence\s*[:=\-–]?\s*((?:I{1,3}|IV|V|[1-5])[a-c+]*|[A-D]|High|Moderate|Low|Very low)\b", "Level of Evidence: {0}", _I),
    ("loe", r"\bLOE\s*[:=]?\s*((?:I{1,3}|IV|V|\d)[a-cA-C]?|[A-C])\b(?!/)", "Level of Evidence: {0}", 0),
    ("evidence", r"\b(high|moderate|low|very low)[- ](?:quality|level) (?:of )?evidence\b", "{0}-quality evidence", _I),
    ("evidence", r"\bQuality of (?:the )?evidence\s*[:=\-]\s*(high|moderate|low|very low|[A-D])\b", "{0}-quality evidence", _I),
    ("evidence", r"\bEvidence (?:level|grade|quality|strength)\s*[:=\-]?\s*([A-D]|[IV]+[a-c]?|\d[a-c+]*|high|moderate|low)\b", "Evidence level: {0}", _I),
    ("bel", r"\bBEL\s*(\d)", "BEL {0}", 0),
)


def _fmt(fmt: str, match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g] or [match.group(0)]
    # One spelling per grade: "grade d" -> "Grade D", "Very Low-quality" -> "Very low-quality".
    lower = fmt.endswith(("recommendation", "evidence"))
    groups = [g.upper() if len(g) == 1 else g.lower() if lower else g for g in groups]
    text = " ".join(fmt.format(*groups, "", "").split())
    label, sep, value = text.partition(": ")
    return upper_first(label) + sep + upper_first(value)


def _first(rules: tuple[Rule, ...], text: str, low: str) -> tuple[re.Match[str], str] | None:
    for needle, needles, pattern, fmt in rules:
        if (needle and needle not in low) or (needles is not None and not needles.search(low)):
            continue
        m = pattern.search(text)
        if m:
            return m, fmt
    return None


def grade_of(text: str) -> str:
    """Recommendation strength / evidence level stated in ``text``, normalised
    for display ("Level A", "Grade 2C", "Class I; Level of Evidence: B"), or ""."""
    if not text:
        return ""
    low = text.lower()
    hit = _first(_COMPOUND, text, low)
    if hit:
        return _fmt(hit[1], hit[0])
    rec = ev = ""
    hit = _first(_REC, text, low)
    if hit:
        m, fmt = hit
        rec = _fmt(fmt, m)
        if fmt == "{0} recommendation" and m.group(2):
            rec = f"{rec} {m.group(2).lower()}"
        elif fmt == "{0} for":
            rec = f"{upper_first(m.group(1).lower())} {m.group(2).lower()}"
        elif fmt == "Class {0}" and m.group(2):
            rec = f"Class {m.group(1)}: {m.group(2)}"
    hit = _first(_EVIDENCE, text, low)
    if hit:
        ev = _fmt(hit[1], hit[0])
    if rec and ev and ev.lower() not in rec.lower():
        return f"{rec}; {ev}"
    return rec or ev


_FILLER = frozenset((
    "grade", "grades", "level", "levels", "class", "strength", "evidence", "quality", "recommendation",
    "recommendations", "rating", "strong", "weak", "moderate", "conditional", "high", "low", "very",
    "insufficient", "consensus", "expert", "opinion", "positive", "negative", "against", "for", "of",
    "the", "and", "or", "good", "practice", "point", "points", "statement", "imperative", "fair",
    "limited", "inconclusive", "option", "based", "on", "is", "type"))
_CODE = re.compile(r"[A-Z0-9+\-–=]{1,5}|[IVX]+[ab]?|\d[a-c]?|[+O]+")


def is_grade_only(text: str, grade: str | None = None) -> bool:
    """True for a short line that only states a grade, e.g. "(Level of Evidence = V)".

    ``grade`` is ``grade_of(text)`` when the caller already has it.
    """
    if len(text) > 400:
        return False
    grade = grade if grade is not None else grade_of(text)
    if not grade:
        return False
    if text[0] == "(" and text[-1] == ")":  # "(Strong Recommendation: evidence quality X, ...)"
        return True
    if len(text) > 120:
        return False
    for token in re.findall(r"[\w+\-–=]+", text):
        if token.lower() not in _FILLER and not _CODE.fullmatch(token):
            return False
    return True
