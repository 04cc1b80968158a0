"""Clinical facets: which section of an answer a sentence belongs in.

Rules, not a model: each facet has weighted cue patterns over the sentence, and cues
over the heading of the passage it came from (an FDA label's "Dosage and
Administration", a guideline's "Recommendations"). The facet with the highest score
wins; a sentence without cues is background ("Key points").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Reading order of sections on the page (see shared/design/answer-anatomy.md).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("management", "Initial management"),
    ("dosing", "Dosing"),
    ("severe", "Severe or refractory disease"),
    ("subgroups", "Subgroups"),
    ("populations", "Special populations"),
    ("monitoring", "Monitoring and follow-up"),
    ("pitfalls", "Pitfalls and prognosis"),
    ("diagnosis", "Diagnosis"),
    ("background", "Key points"),
)
FACETS = tuple(key for key, _ in SECTIONS)


def _rx(pattern: str) -> re.Pattern[str]:
    # Matched against lower-cased text: case-insensitive matching is ~2x slower, and an
    # answer classifies hundreds of sentences.
    return re.compile(pattern)


# (facet, weight, pattern) over the sentence itself.
_SENTENCE_CUES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("management", 2.0, _rx(r"\b(should be (offered|considered|used|given|started|treated)|is recommended|"
                            r"are recommended|recommend(s|ed)?|first[- ]line|treatment of choice|"
                            r"(is|are) (effective|efficacious)|initial (therapy|treatment|management))\b")),
    ("management", 1.0, _rx(r"\b(treat(ed|ment|ing)?|therap(y|ies)|manage(ment|d)?|regimen|administer\w*|"
                            r"improv\w+|benefit\w*|efficacy|effective)\b")),
    ("dosing", 3.0, _rx(r"\b\d+(?:[.,]\d+)?\s*(?:-|–|to)?\s*\d*(?:[.,]\d+)?\s*"
                        r"(mg|g|mcg|µg|μg|units?|iu|ml)(/(kg|m2|m²|day|d|dose))*\b")),
    ("dosing", 1.5, _rx(r"\b(dos(e|es|age|ing)|once daily|twice daily|every \d+ (hours|weeks|days)|"
                        r"every other week|per day|daily|titrat\w+|maximum (daily )?dose|loading dose)\b")),
    ("severe", 2.0, _rx(r"\b(refractor\w+|severe(ly)?|non-?respon\w+|resistant|life-threatening|"
                        r"second[- ]line|third[- ]line|fail(ed|ure) (of|to respond)|inadequate response|"
                        r"intensive care|ventilat\w+|escalat\w+|rescue)\b")),
    ("subgroups", 2.0, _rx(r"\b(antibod(y|ies)|seropositiv\w*|seronegativ\w*|anti-[A-Za-z0-9]+|subtype\w*|"
                           r"subgroup\w*|genotype\w*|variant\w*|mutation\w*|etiolog\w+|aetiolog\w+|"
                           r"(statin|drug|virus|infection)-(induced|associated|related))\b")),
    ("populations", 2.5, _rx(r"\b(pregnan\w+|lactat\w+|breast-?fe\w+|nursing (mother|women)|fetus|fetal|"
                             r"children|child|pediatric|paediatric|infants?|neonat\w+|adolescents?|"
                             r"elderly|older (adults|patients)|geriatric|renal (impairment|insufficiency|failure)|"
                             r"hepatic (impairment|insufficiency)|kidney disease|creatinine clearance|"
                             r"women of (child-?bearing|reproductive) (age|potential))\b")),
    ("monitoring", 2.0, _rx(r"\b(monitor\w*|follow(ed)?[- ]up|check(ed)? (regularly|periodically)|"
                            r"measure(d|ment)? (at|every|before)|baseline and|periodic\w*|surveillance|"
                            r"laboratory (tests|monitoring)|levels? should be)\b")),
    ("pitfalls", 2.0, _rx(r"\b(adverse (events?|effects?|reactions?)|side effects?|toxicit\w+|contraindicat\w+|"
                          r"caution|warning|avoid\w*|risk of|serious|fatal|death|mortality|prognos\w+|"
                          r"relaps\w+|recurren\w+|complication\w*|outcome\w*|surviv\w+|"
                          r"not (be )?(recommended|considered|used)|should not|is not|insufficient evidence|"
                          r"evidence is insufficient|uncertain|ineffective)\b")),
    ("diagnosis", 2.0, _rx(r"\b(diagnos\w+|sensitivity|specificity|biops\w+|imaging|mri|ct scan|"
                           r"electromyograph\w*|emg|nerve conduction|serolog\w+|screen\w*|test(s|ing)? (for|to)|"
                           r"differential|criteria|marker\w*|detect\w*)\b")),
)

_DOSE_NUMBER = _rx(r"\b\d+(?:[.,]\d+)?\s*(?:-|–|to)?\s*\d*(?:[.,]\d+)?\s*(mg|g|mcg|µg|μg|units?|iu|ml)\b")

_PHARMACOLOGY = _rx(r"pharmacokinetic|clinical pharmacology|clinical studies|mechanism of action|"
                   r"pharmacodynamic|nonclinical|toxicology|overdosage")

# (facet, weight, pattern) over the passage's section heading.
_HEADING_CUES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("dosing", 3.0, _rx(r"dosage|dosing|administration")),
    # Pharmacology and trial sections quote doses that were studied, not doses to give.
    ("background", 3.5, _PHARMACOLOGY),
    ("dosing", -3.0, _PHARMACOLOGY),
    ("populations", 3.0, _rx(r"specific populations|pregnan|lactation|nursing|pediatric|geriatric|renal|hepatic")),
    ("pitfalls", 2.5, _rx(r"boxed warning|warnings|precautions|contraindications|adverse|overdos|harms|prognosis|outlook")),
    ("monitoring", 2.0, _rx(r"monitor|follow-?up|laboratory tests")),
    ("diagnosis", 2.0, _rx(r"diagnos|exams and tests|screening")),
    ("management", 1.5, _rx(r"recommendation|treatment|therapy|management|indications|conclusion")),
    ("subgroups", 1.0, _rx(r"causes|genetic|inheritance")),
)


@dataclass(frozen=True)
class FacetScore:
    facet: str
    scores: dict[str, float]


@functools.lru_cache(maxsize=4096)
def _heading_scores(heading: str) -> tuple[tuple[str, float], ...]:
    low = heading.lower()
    return tuple((facet, weight) for facet, weight, pattern in _HEADING_CUES if low and pattern.search(low))


def classify(sentence: str, heading: str = "", source_type: str = "") -> FacetScore:
    """The facet a sentence belongs to, with every facet's score (to see why)."""
    scores = dict.fromkeys(FACETS, 0.0)
    low = sentence.lower()
    for facet, weight, pattern in _SENTENCE_CUES:
        if pattern.search(low):
            scores[facet] += weight
    for facet, weight in _heading_scores(heading):
        scores[facet] += weight
    if not _DOSE_NUMBER.search(low):
        # Talk of doses without an amount ("high-dose immunoglobulin") is not dosing guidance.
        scores["dosing"] = min(scores["dosing"], 1.0)
    if source_type == "label" and scores["management"] and not scores["dosing"]:
        # A label's indication text names treatments but is not guidance on managing them.
        scores["management"] -= 0.5
    best = max(FACETS, key=lambda f: (scores[f], -FACETS.index(f)))
    return FacetScore(best if scores[best] >= 1.5 else "background", scores)
