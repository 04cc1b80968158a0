"""Format-neutral pieces shared by the renderers: wording, reference lines, dose table.

Everything here returns plain, unescaped strings; each renderer escapes for its own format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from medcite.types import Answer, Evidence, Reference, Statement

REVIEW_BANNER = "Pending medical review — read with caution"
FAILED_PREFIX = "This answer failed verification: "
DEFAULT_DISCLAIMER = (
    "For healthcare professionals. This answer supplements, and does not replace, clinical "
    "judgement and current guidelines; verify doses and recommendations against the primary sources."
)
ABSTAINED_DEFAULT = "The indexed sources do not answer this question."
NEAREST_NOTE = "The closest sources found; none of them answers the question, so nothing above cites them."
FOLLOW_UP_HEADING = "Have a follow-up question?"
GLOSSARY_HEADING = "Words to know"
# Audiences for whom a reading grade is useful information rather than noise.
READABILITY_AUDIENCES = frozenset({"patient", "student"})

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_LABELS = {
    "guideline": "Guideline", "research": "Research", "label": "FDA Drug Label",
    "consumer": "Consumer Health", "other": "Other",
}


def clean(text: str) -> str:
    """Collapse all whitespace (newlines included) so no text can break a line-based layout."""
    return " ".join(str(text).split())


def format_date(value: str) -> str:
    """ISO date or timestamp -> "7 October 2026"; anything unparseable is returned cleaned."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return clean(value)
    # Month names from a table, not strftime("%B"), so the output does not depend on locale.
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def iso_date(value: str) -> str:
    """ISO date for a ``<time datetime>`` attribute, or "" when unparseable."""
    try:
        return datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        return ""


def citation_numbers(numbers: tuple[int, ...]) -> list[int]:
    """Citation numbers without repeats, in the order the statement gives them."""
    return list(dict.fromkeys(numbers))


def cite_label(numbers: tuple[int, ...] | list[int]) -> str:
    """``[1, 3]``: one bracket per statement in every format, so outputs read the same."""
    nums = citation_numbers(tuple(numbers))
    return f"[{', '.join(str(n) for n in nums)}]" if nums else ""


def _words_of(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def statement_text(statement: Statement) -> str:
    """The statement's sentence, with its strength of recommendation unless already stated."""
    text = clean(statement.text)
    grade = clean(statement.grade)
    # Compared word by word: "(Strong Recommendation, High-Quality Evidence)" in the text is the
    # grade "Strong recommendation; High-quality evidence".
    if grade and _words_of(grade) not in _words_of(text):
        # "… not recommended (Level B)." as guidelines print it, not "… recommended. (Level B)".
        stop = text[-1] if text.endswith((".", "!", "?")) else ""
        text = f"{text[:len(text) - len(stop)]} ({grade}){stop}"
    return text


def safe_url(url: str) -> str | None:
    """An absolute http(s) URL, percent-encoded so no quote, bracket or space survives, else None."""
    url = url.strip()
    if not url or any(ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Keep RFC 3986 reserved/unreserved characters and existing escapes; encode the rest.
    return quote(url, safe=":/?#[]@!$&()*+,;=-._~%")


_ID_LINKS = (
    (re.compile(r"^PMID:?\s*(\d+)$", re.I), "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    (re.compile(r"^(PMC\d+)$", re.I), "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
    (re.compile(r"^DOI:?\s*(10\.\S+)$", re.I), "https://doi.org/{}"),
    (re.compile(r"^SPL set id:?\s*([0-9a-f-]{36})$", re.I),
     "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={}"),
)


def reference_url(ref: Reference) -> str | None:
    """The reference's own http(s) URL, else one derived from its identifier (PMID, DOI, SPL)."""
    own = safe_url(ref.url)
    if own:
        return own
    ident = clean(ref.identifier)
    for pattern, template in _ID_LINKS:
        match = pattern.match(ident)
        if match:
            return safe_url(template.format(match.group(1)))
    return None


@dataclass(frozen=True, slots=True)
class RefParts:
    """A reference split into the parts every format prints: ``label — title. origin. identifier.``"""

    number: int
    label: str
    title: str
    origin: str
    identifier: str
    url: str | None

    def head(self) -> str:
        """``Guideline — Title. Issuer, 2012.``: everything before the identifier."""
        origin = f" {_sentence(self.origin)}" if self.origin else ""
        return f"{self.label} — {_sentence(self.title)}{origin}"

    def line(self) -> str:
        """``Guideline — Title. Issuer, 2012. NGC 9085.`` (without the number)."""
        return f"{self.head()} {_sentence(self.identifier)}" if self.identifier else self.head()


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def reference_parts(ref: Reference) -> RefParts:
    """Split a reference into labelled parts (journal for research, issuer otherwise)."""
    label = clean(ref.label) or _LABELS.get(ref.source_type, "Other")
    if ref.source_type == "research":
        who = clean(ref.venue) or clean(ref.issuer)
    else:
        who = clean(ref.issuer) or clean(ref.venue)
    if ref.source_type == "label" and ref.pub_date:
        when = f"label effective {clean(ref.pub_date)}"
    else:
        when = str(ref.year) if ref.year else clean(ref.pub_date)[:4]
    origin = ", ".join(p for p in (who, when) if p)
    title = clean(ref.title) or clean(ref.doc_id)
    return RefParts(ref.number, label, title, origin, clean(ref.identifier), reference_url(ref))


def find_evidence(answer: Answer, number: int, passage_id: int | None = None) -> Evidence | None:
    """The evidence passage behind citation ``number`` (the given passage when known)."""
    fallback = None
    for ev in answer.evidence:
        if ev.reference == number:
            if passage_id is None or ev.passage_id == passage_id:
                return ev
            fallback = fallback or ev
    return fallback


def quote_span(ev: Evidence) -> tuple[str, str, str]:
    """(before, quote, after) of the evidence text; the whole text is the quote if no span is set."""
    start = max(0, min(ev.quote_start, len(ev.text)))
    end = max(start, min(ev.quote_end, len(ev.text)))
    if end == start:
        return "", ev.text, ""
    return ev.text[:start], ev.text[start:end], ev.text[end:]


def statement_quotes(answer: Answer, statement: Statement) -> list[tuple[int, str]]:
    """(citation number, quoted passage or "") for each distinct citation of a statement."""
    out = []
    for number in citation_numbers(statement.citations):
        idx = statement.citations.index(number)
        pid = statement.passage_ids[idx] if idx < len(statement.passage_ids) else None
        ev = find_evidence(answer, number, pid)
        out.append((number, clean(quote_span(ev)[1]) if ev else ""))
    return out


def problems(answer: Answer) -> list[str]:
    """Why the answer must be shown as failing verification; empty when it passed.

    Dangling citations are also checked here, independently of the report, so a wrongly
    passed report cannot present "[5]" with four references as verified.
    """
    report = answer.verification
    known = {r.number for r in answer.references}
    dangling = sorted(set(report.dangling_citations) | {
        n for s in answer.statements() for n in s.citations if n not in known
    } | {row.citation for row in answer.dosing if row.citation not in known})
    out = []
    if dangling:
        out.append(f"citation numbers with no reference: {', '.join(map(str, dangling))}")
    if report.uncited_references:
        out.append(f"references never cited: {', '.join(map(str, report.uncited_references))}")
    if report.unsupported:
        out.append(f"{len(report.unsupported)} statement(s) not supported by the cited passage")
    if report.dose_mismatches:
        out.append(f"{len(report.dose_mismatches)} dose(s) differ from the source")
    if not report.passed and not out:
        out.append("no passing verification report was recorded")
    return out


def failure_message(answer: Answer) -> str | None:
    """``This answer failed verification: …`` or None when verification passed cleanly."""
    found = problems(answer)
    return f"{FAILED_PREFIX}{'; '.join(found)}." if found else None


def issue_messages(answer: Answer) -> list[str]:
    """The verifier's own messages, for detail under the failure warning."""
    report = answer.verification
    return [clean(i.message) for i in (*report.unsupported, *report.dose_mismatches) if clean(i.message)]


def meta_line(answer: Answer) -> str:
    """``Status: Submitted · Last updated: 7 October 2026``."""
    parts = [f"Status: {answer.status}"]
    when = answer.updated or answer.created
    if when:
        parts.append(f"Last updated: {format_date(when)}")
    return " · ".join(parts)


def _age_text(years: float) -> str:
    if years < 2 / 12:
        n, unit = round(years * 52), "week"
    elif years < 1:
        n, unit = round(years * 12), "month"
    else:
        return f"{years:g} years"
    return f"{n} {unit}" + ("" if n == 1 else "s")


def patient_facts(answer: Answer) -> list[str]:
    """What the answer took from the patient details: stated age, sex, the weight doses are
    computed from, special populations (an age set from a word shows as its population)."""
    p = answer.patient
    bits = []
    if p.age_years is not None and not p.age_from_word:
        bits.append(_age_text(p.age_years))
    if p.sex:
        bits.append(p.sex)
    if p.weight_kg is not None:
        bits.append(f"{p.weight_kg:g} kg")
    bits.extend(p.populations())
    if p.gestation_weeks is not None:
        weeks = int(p.gestation_weeks)
        days = round((p.gestation_weeks - weeks) * 7)
        bits.append(f"{weeks}+{days} weeks' gestation" if days else f"{weeks} weeks' gestation")
    return list(dict.fromkeys(bits))


def patient_line(answer: Answer) -> str:
    """What the answer assumes about the patient, or "" when nothing is known: the text as
    given and how it was read, so a clinician sees the weight a dose was computed from."""
    p = answer.patient
    facts = ", ".join(patient_facts(answer))
    if p.raw.strip():
        return f"Patient: {clean(p.raw)} — read as: {facts or 'nothing recognised'}"
    return f"Patient: {facts}" if facts else ""


PATIENT_NOTES_HEADING = "Check the patient details:"


def patient_notes(answer: Answer) -> list[str]:
    """Each value in the patient details (or the question) that was given but not used, and
    why: "weight not used: '45-50 kg' is a range, give one weight"."""
    return [clean(i) for i in answer.patient.issues if clean(i)]


def dosing_note(answer: Answer) -> str:
    """Above a dosing table with per-kg doses: the weight they are computed for, or why none."""
    if not any("/kg" in r.unit for r in answer.dosing):
        return ""
    unsure = answer.patient.issues_about("weight")
    if unsure:
        return ("Per-kg doses are not computed for this patient: "
                + "; ".join(clean(i.removeprefix("weight not used: ")) for i in unsure) + ".")
    if answer.patient.weight_kg is not None:
        return f"Per-kg doses are computed for {answer.patient.weight_kg:g} kg, the patient's weight as read above."
    return ""


def readability_line(answer: Answer) -> str:
    if answer.readability_grade is None or answer.audience not in READABILITY_AUDIENCES:
        return ""
    return f"Reading level: US school grade {answer.readability_grade:.1f}"


def glossary(answer: Answer) -> list[tuple[str, str]]:
    """Plain-language glosses, once per term, in reading order."""
    seen: dict[str, str] = {}
    for s in answer.statements():
        for term, meaning in s.glosses:
            seen.setdefault(clean(term), clean(meaning))
    return list(seen.items())


def _dash(value: str) -> str:
    # "1-2" is a range: print it with an en dash as references do.
    return re.sub(r"(?<=\d)\s*-\s*(?=\d)", "–", clean(value))


DOSE_HEADERS = (
    "Drug", "Dose", "Frequency", "Route", "Duration", "Population", "For this patient", "Max", "Source",
)
_OPTIONAL = {"Duration", "For this patient", "Max"}


def dose_table(answer: Answer) -> tuple[list[str], list[list[str]], list[int]]:
    """(headers, rows of cell text, citation number per row); optional columns only when used."""
    rows = [
        [clean(r.drug), _dash(f"{r.dose} {r.unit}"), clean(r.frequency), clean(r.route),
         clean(r.duration), clean(r.population), clean(r.computed), clean(r.cap), f"[{r.citation}]"]
        for r in answer.dosing
    ]
    keep = [i for i, h in enumerate(DOSE_HEADERS) if h not in _OPTIONAL or any(row[i] for row in rows)]
    return ([DOSE_HEADERS[i] for i in keep], [[row[i] for i in keep] for row in rows],
            [r.citation for r in answer.dosing])
