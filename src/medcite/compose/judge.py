"""Pure judgments about source sentences that any composing step shares: whether a sentence
may be a bottom line (not a study report, not a pointer elsewhere), whether it recommends
something, and the list a lead-in sentence introduces."""

from __future__ import annotations

import re
from dataclasses import replace

from ..clinical.sentences import sentence_spans
from ..retrieve.analyze import analyze
from ..understand.concepts import Concept, coverage
from .select import Candidate

_RECOMMEND = ("should be offered", "is recommended", "are recommended", "recommend", "first-line",
              "first line", "treatment of choice", "should be used", "should be considered", "is effective",
              "are effective", "established effective")

# A bottom line says what to do or what is so; a sentence that reports a study ("Research
# indicates …", "In the … trial, …", "There is only one published report …") or points
# elsewhere ("Table 1 in the original guideline document provides …") is body text.
_NOT_A_BOTTOM_LINE = re.compile(
    r"^(?:research|studies|trials?|(?:a|one|two|several|many|some|most|the) (?:[\w-]+ ){0,3}"
    r"(?:study|studies|trials?|reports?|review|meta-analys[ie]s|analysis|cohort|survey|rcts?)\b)"
    r"|^in (?:the|a|this|one|two|an?) (?:[\w-]+ ){0,5}(?:study|trial|studies|trials|review|cohort)\b"
    r"|^there (?:is|are|was|were) (?:only |no |little |limited |few |insufficient )*(?:one |two |a )?"
    r"(?:published )?(?:reports?|stud(?:y|ies)|trials?|data|evidence)\b"
    r"|^(?:an? |the )?(?:strong |large |growing |small |limited )?body of (?:research|evidence)\b"
    r"|\b(?:research|studies|trials|(?:this|the|one|a) (?:[\w-]+ )?(?:study|trial)) (?:indicates?|shows?|showed|"
    r"suggests?|suggested|found|demonstrated?|reported)\b"
    r"|\b(?:were achieved|randomi[sz]ed (?:[\w-]+ ){0,3}(?:trials?|stud(?:y|ies))|subjects|participants|placebo|"
    r"(?:was|were) (?:administered|randomi[sz]ed|enrolled|studied))\b"
    r"|\b(?:original guideline document|table \d+ (?:in|of) the)\b"
    # a pointer to somewhere else ("Check the list of NCI-supported cancer clinical trials ...")
    r"|^(?:check|see|visit|call|contact|read|search|find) (?:the |a |an |our |this |these )?(?:list|website|web site|"
    r"page|section|table|figure|database|registry|resources?)\b|\bclinical trials that are (?:now )?accepting\b", re.I)


def bottom_line_material(text: str) -> bool:
    """Whether a sentence may be a bottom line at all, whatever was asked."""
    return not _NOT_A_BOTTOM_LINE.search(text.strip())


def recommends(text: str) -> bool:
    """A positive recommendation ("should be offered", "is recommended"), not a negated one."""
    low = f" {text.lower()} "
    return any(r in low for r in _RECOMMEND) and " not " not in low


_LIST_VALUE = re.compile(r"\d|\b(?:daily|weekly|monthly|annually|every|once|twice)\b", re.I)


def list_items(body: list[Candidate], found: list[Concept], limit: int = 6) -> list[Candidate]:
    """The list a chosen lead-in sentence introduces ("… below the following target levels:"
    → "Fasting: 5.3 mmol/litre", "1 hour after meals: 7.8 mmol/litre"): items too short to
    stand alone as bullets, shown nested under the sentence that introduces them (``_nest``),
    never on their own. Only lines that give a value or a schedule, up to ``limit`` a list;
    the list ends at the first line that is a sentence of its own or says nothing to act on."""
    out: list[Candidate] = []
    for lead in body:
        if not lead.is_lead:
            continue
        text = lead.hit.text
        for s, e in sentence_spans(text[lead.end:]):
            s, e = s + lead.end, e + lead.end
            line = " ".join(text[s:e].split())
            if line.lower().rstrip(".,;") in ("and", "or", "and/or"):
                continue  # a connector between items
            if (len([c for c in out if c.hit.passage_id == lead.hit.passage_id]) >= limit
                    or not _LIST_VALUE.search(line) or len(line.split()) > 40
                    or (len(line.split()) >= 8 and line.endswith("."))):
                break
            terms = frozenset(analyze(line))
            out.append(replace(lead, start=s, end=e, text=line, stems=tuple(analyze(line)), terms=terms,
                               cover=coverage(found, terms), context_cover=coverage(found, terms | lead.context),
                               grade=""))
    return out
