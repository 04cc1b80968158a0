"""Pure judgments about source sentences that any composing step shares: whether a sentence
may be a bottom line (not a study report, not a pointer elsewhere), whether it recommends
something, and the list a lead-in sentence introduces."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..clinical.sentences import has_verb, sentence_spans
from ..retrieve.analyze import analyze
from ..types import Hit
from ..understand.concepts import Concept, coverage
from .aspects import without_declined
from .select import ENDS_LIKE_A_SENTENCE, Candidate

_RECOMMEND = ("should be offered", "is recommended", "are recommended", "recommend", "first-line",
              "first line", "treatment of choice", "should be used", "should be considered", "is effective",
              "are effective", "established effective",
              # "For patients with cancer experiencing CIPN, clinicians may offer duloxetine."
              "may offer", "should offer", "may be offered", "can be offered")

# "It is recommended that …", "This is important …": a pronoun that opens a sentence standing alone.
_STANDS_ALONE = "recommended|suggested|advised|reasonable|important|essential|necessary|appropriate|preferred"


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
    r"|\b(?:research|studies|trials|(?:this|the|one|a) (?:[\w-]+ )?(?:study|trial)) (?:(?:have|has) )?(?:indicated?|"
    r"shows?|showed|shown|suggests?|suggested|found|demonstrated?|reported)\b"
    r"|\b(?:were achieved|randomi[sz]ed (?:[\w-]+ ){0,3}(?:trials?|stud(?:y|ies))|subjects|participants|placebo|"
    r"(?:was|were) (?:administered|randomi[sz]ed|enrolled|studied))\b"
    r"|\b(?:original guideline document|table \d+ (?:in|of) the)\b"
    # a pointer to somewhere else ("Check the list of NCI-supported cancer clinical trials ...")
    r"|^(?:check|see|visit|call|contact|read|search|find) (?:the |a |an |our |this |these )?(?:list|website|web site|"
    r"page|section|table|figure|database|registry|resources?)\b|\bclinical trials that are (?:now )?accepting\b"
    # a guideline speaking about itself: its disclaimer ("Clinicians applying these guidelines
    # should … use independent medical judgment …") or where a recommendation came from
    # ("[This recommendation is from the NICE guideline …]")
    r"|\bindependent (?:medical |clinical )?judge?ment\b|\b(?:applying|using) (?:these|this) guidelines?\b"
    r"|^\W*this recommendation (?:is|was) (?:from|adapted|taken|updated)\b"
    # what another sentence named ("Any imaging decisions should be guided on those examination
    # findings, …"), not a list that follows ("these criteria:", "those findings listed below")
    r"|\b(?:those|these|such) (?:[\w-]+ ){0,2}(?:findings|results|features|criteria|factors|symptoms|signs|"
    r"measures|steps|options|circumstances|situations)\b(?!\s*(?::|of\b|in\b|that\b|which\b|listed\b|below\b|"
    r"above\b|include\b|are\b))"
    # an editor's note on the summary ("Note from the American Academy of Orthopaedic Surgeons (AAOS): The
    # following is a summary of the recommendations …")
    r"|^\W*note from (?:the )?|\bthe following is a summary of\b|\bthis summary (?:does not|doesn'?t) contain\b"
    # ... and its list of what was not recommended ("Note: The following were considered but not recommended: …")
    r"|\b(?:were|was) considered but not recommended\b"
    # a technology appraisal's funding transition ("People currently receiving omalizumab whose disease
    # does not meet the criteria … should be able to continue treatment until they and their clinician
    # consider it appropriate to stop."): about the guidance changing, not about the patient
    r"|\bshould be able to continue (?:treatment|therapy|[\w-]+) (?:[\w-]+ ){0,6}?until they and their\b"
    # a finding reported, not advice ("Marked cerebral hypometabolism on FDG-PET … has been described.")
    r"|\b(?:has|have) been (?:described|reported|observed|documented)\b"
    # a pointer back ("Of note, as described above, these recommendations apply predominantly to …")
    r"|^(?:of note,?\s+|note(?: that)?,?\s+)?as (?:described|noted|discussed|mentioned|stated|outlined) "
    r"(?:above|earlier|previously|before)\b"
    r"|^(?:these|this) guidelines? (?:is|are|was|were) (?:not |intended |meant |designed |for |based )"
    r"|^(?:(?:these|this) (?:guidelines?|document|summary) (?:provides?|covers?|addresses|includes?)|"
    r"(?:recommendations|guidance|information) (?:also )?(?:are|is|were|was) (?:provided|given|included))\b"
    # a grading statement on its own ("Strong recommendation against based on systematic review of
    # RCTs and preponderance of harm over benefit.")
    r"|^(?:strong|weak|conditional|moderate|expert|consensus)?\s*(?:recommendation|option|statement)s?"
    r"(?: (?:for|against))? based on\b"
    # a study described ("Another study evaluated 3,664 consecutive asymptomatic patients …"): what
    # it found is evidence, not what to do
    r"|^(?:(?:another|one|a|an|this|that|the|in (?:a|an|one|another))\s+)?(?:[\w-]+\s+){0,3}?(?:study|trial|cohort|"
    r"analysis|meta-analysis|review|series|survey)\b[^.;]{0,40}?\b(?:evaluated|examined|assessed|compared|"
    r"randomi[sz]ed|enrolled|followed|studied|investigated|included|recruited)\b"
    # a result reported ("Similar reductions in BP were reported at six to 12 months …")
    r"|\b(?:were|was) (?:reported|observed)\b"
    # a sentence that leans on the one before it (``leans_on_previous``)
    rf"|^(?:it|they|this|these|those|he|she|such)\b(?! (?:is|are) (?:{_STANDS_ALONE})\b)|\b(?:it|them)\W*$"
    # or that answers the one before it ("However, the APTIMA TV uses …", "Consequently, use of
    # TAI … is a safe and relatively effective treatment")
    r"|^(?:however|consequently|conversely|similarly|moreover|furthermore|nevertheless|nonetheless|"
    r"in addition|additionally|in contrast|likewise)\b"
    # a question, such as a guideline's key question ("… does the routine use of capnography
    # reduce …?"), an outcome ("… resulted in a rate of severe toxicity comparable to …"), or
    # a remark on the evidence ("Not enough data are available …", "As with any diagnostic test …")
    r"|\?[\"')\]]*$|\bresulted in\b|^not enough\b|^as with (?:any|all|other)\b"
    # how a guideline's developers reasoned ("The Committee considered that in determining the
    # level of oxygen saturation …", "The GDG agreed that …"): the rationale, not the recommendation
    r"|^(?:the )?(?:committee|gdg|guideline development group|panel|task force|work group|working group|"
    r"guideline (?:developers|group|committee))(?: members)? (?:considered|agreed|noted|felt|discussed|"
    r"concluded|recognised|recognized|acknowledged|debated|was aware|were aware)\b"
    # a description of what risk factors, causes or signs there are ("Other risk factors include
    # long-term exposure to immunosuppressive therapy …"): background, not what to do
    r"|^(?:other |additional |further |the (?:main |major |most common )?)?(?:risk factors?|causes?|symptoms?|"
    r"signs?|complications?|side effects?|adverse effects?) (?:include|includes|are|may include)\b"
    # a pointer to another summary ("In people with CKD, the recommendations detailed in the NGC
    # summary of the KDIGO clinical practice guideline for acute kidney injury should be followed …"):
    # what it points to is the answer, not the pointer
    r"|\b(?:in|see) (?:the )?ngc summar(?:y|ies)\b"
    # an NGC summary's fields about a recommendation ("Risks, harms, cost: Adverse events …",
    # "Value judgments: …", "Intentional vagueness: …"): what it weighed, not what to do
    r"|^(?:risks?,? harms?(?:,? (?:and )?costs?)?|harms?|benefits?|benefit[- ]harm assessment|value judge?ments?|"
    r"intentional vagueness|role of patient preferences?|exclusions?|policy level|aggregate evidence quality|"
    r"potential (?:benefits|harms)|"
    # "Rationale: Previously, supplemental testing … was recommended …": why, not what to do
    r"rationale)\s*:", re.I)


# A sentence that says nothing without the one before it: "These could be signs of a serious
# condition.", "They should be reviewed yearly." (but "This recommendation …", "These patients
# should …" name what they speak of).
_LEANS = re.compile(rf"^(?:it|they|these|those|this|such)\s+(?!(?:is|are) (?:{_STANDS_ALONE})\b)(?:could|can|may|"
                    r"might|will|would|should|must|is|are|was|were|include|includes|have|has|do|does|need|needs|"
                    r"often|usually|also)\b", re.I)


def leans_on_previous(text: str) -> bool:
    """Whether a sentence means nothing alone: its subject is a pronoun for what the sentence
    before it named. Such a sentence is no bullet of its own."""
    return bool(_LEANS.match(text.strip()))


# A list item that names a consideration ("Avoidance of potential risks associated with the use
# of other agents (e.g., …)"): a noun phrase about an act, with no finite verb to say what to do.
_NOUN_ITEM = re.compile(r"^\W*[A-Za-z]+(?:ance|ence|tion|sion|ment|ity|ness) of\b", re.I)
_FINITE = re.compile(r"\b(?:is|are|was|were|be|been|should|must|may|might|can|could|will|would|shall|has|have|had|"
                     r"do|does|did|recommends?|suggests?|reduces?|increases?|improves?|requires?|includes?|remains?|"
                     r"appears?|seems?|means?|depends?|needs?|provides?|allows?|helps?|prevents?|causes?|leads?|exceeds?|falls?|"
                     r"rises?|drops?|reaches?)\b",
                     re.I)


def bottom_line_material(text: str) -> bool:
    """Whether a sentence may be a bottom line at all, whatever was asked."""
    text = text.strip()
    if _NOUN_ITEM.match(text) and not _FINITE.search(text) and not re.search(r"\d", text):
        return False  # (a terse item with a value - "Discontinuation of penicillin at age 5." - still answers)
    return not _NOT_A_BOTTOM_LINE.search(text)


# What a guideline says when it tells the reader what to do: a modal or a recommending verb
# ("The Task Force suggests …", "… should be offered", "Do not offer …"), or an imperative
# at the start of the sentence or after its opening clause ("Offer …", "When treating DKA with
# intravenous insulin, use …").
_IMPERATIVES = (
    "offer|consider|give|use|start|initiate|treat|manage|prescribe|measure|check|assess|refer|perform|ensure|discuss|"
    "stop|continue|repeat|monitor|test|screen|obtain|administer|aim|target|maintain|reduce|increase|titrate|"
    "taper|wean|discontinue|withhold|add|switch|regard|diagnose|define|transfuse|admit|discharge|vaccinate|"
    "immuni[sz]e|counsel|advise|evaluate|investigate|arrange|recheck|review|ask|explain|inform|provide|"
    "encourage|limit|restrict|lower|keep|prefer|choose|select|individuali[sz]e|tailor|calculate|confirm|"
    "exclude|be aware|think about|do not|don't|never|always|only")
_DIRECTS = re.compile(
    r"\b(?:should|must|recommends?|recommended|recommendation|suggests? (?:that |against |the |a |an |\w+ing\b)|"
    r"advises?|advised|is indicated|are indicated|is preferred|are preferred|is reasonable|are reasonable|"
    r"(?:do|does) not|avoid|(?:first|second|third)[- ]line|treatment of choice|"
    # "Chlorambucil remains suitable therapy in elderly frail patients (Grade B1)"
    r"(?:is|are|remains?) (?:an? )?(?:suitable|appropriate|acceptable) (?:\w+ )?(?:therapy|treatment|option|choice|"
    r"alternative)s?|"
    # a guideline's options: "… may be administered as second-line oral medications (Options; …)"
    r"may be (?:administered|given|offered|used|prescribed|tried|initiated|started|considered)|"
    # ASCO's and the AUA's options: "For patients with cancer experiencing CIPN, clinicians may offer duloxetine."
    r"(?:clinicians|physicians|providers|practitioners) (?:may|can) (?:offer|prescribe|use|give|consider|administer|"
    r"recommend|treat))\b"
    rf"|(?:^|[,;:]\s+)(?:{_IMPERATIVES})\b(?! of\b)", re.I)


# "The evidence suggests that …" reports; "The Task Force suggests that …" recommends.
_EVIDENCE_SUGGESTS = re.compile(r"\b(?:evidence|data|stud(?:y|ies)|results?|findings?|research|trials?|literature|"
                                r"experience|observations?)\s+(?:\w+\s+)?suggests?\b", re.I)


def directs(text: str) -> bool:
    """Whether a sentence tells the reader what to do (a recommendation, positive or negative),
    rather than describing evidence or background."""
    return bool(_DIRECTS.search(_EVIDENCE_SUGGESTS.sub(" ", text.strip())))


def recommends(text: str, scoped: bool = False) -> bool:
    """A positive recommendation ("should be offered", "is recommended"), not a negated one.
    With ``scoped``, only a "not" near the recommending words negates it ("is not recommended",
    "do not recommend"), not one in a clause of its own ("… recommends sertraline … for patients
    who choose not to engage in trauma-focused psychotherapy"); without, any "not" does (the
    bottom-line weights were tuned so)."""
    low = f" {without_declined(text.lower())} "
    if not scoped:
        return any(r in low for r in _RECOMMEND) and " not " not in low
    if re.match(r"\s*(?:do not|don't|never|avoid)\b", low):
        return False
    found = False
    for r in _RECOMMEND:
        for m in re.finditer(re.escape(r), low):
            if re.search(r"\b(?:not|no)\b", low[max(0, m.start() - 30):m.end() + 12]):
                return False
            found = True
    return found


_LIST_VALUE = re.compile(r"\d|\b(?:daily|weekly|monthly|annually|every|once|twice)\b", re.I)


def list_items(body: list[Candidate], found: list[Concept], limit: int = 6,
               following: Callable[[Hit], Sequence[Hit]] | None = None) -> list[Candidate]:
    """The list a chosen lead-in sentence introduces ("… below the following target levels:"
    → "Fasting: 5.3 mmol/litre", "1 hour after meals: 7.8 mmol/litre"): items too short to
    stand alone as bullets, shown nested under the sentence that introduces them (``_nest``),
    never on their own. Only lines that give a value or a schedule, up to ``limit`` a list;
    the list ends at the first line that is a sentence of its own or says nothing to act on.

    A lead-in that ends its passage is followed by its items in passages of their own (how
    guideline summaries store bulleted lists): ``following(hit)`` gives the passages after it
    in its section. Such a list is shown whole or not at all, whatever its items say: "offer
    an ECG if:" followed by one of its five conditions would say something else."""
    out: list[Candidate] = []
    for lead in body:
        if not lead.is_lead:
            continue
        rest = lead.hit.text[lead.end:]
        if not rest.strip() and following is not None:
            out += _separate_items(lead, following(lead.hit), found)
            continue
        for s, e in sentence_spans(rest):
            s, e = s + lead.end, e + lead.end
            line = " ".join(lead.hit.text[s:e].split())
            if line.lower().rstrip(".,;") in _CONNECTORS:
                continue
            if (len([c for c in out if c.hit.passage_id == lead.hit.passage_id]) >= limit
                    or not _LIST_VALUE.search(line) or len(line.split()) > 40 or _is_sentence(line)):
                break
            out.append(_item(lead, lead.hit, s, e, line, found))
    return out


def announces_values(lead: str) -> bool:
    """A lead-in that announces what it lists ("… below the following target levels:", "… one
    of the following medications:"). A list of who or when ("offer anticoagulation if:",
    "… for women … who are:"), or one it does not announce ("… should undergo:"), is no
    answer on its own."""
    return bool(_FOLLOWING.search(lead)) and not _LISTS_CONDITIONS.search(lead)


_FOLLOWING = re.compile(r"\bfollowing\b", re.I)
_LISTS_CONDITIONS = re.compile(r"\b(?:if|when|where|unless|except|who|whose|that|which|with|without|in|for|are|is|"
                               r"have|has|people|patients|women|men|children|adults)\s*:$", re.I)
_CONNECTORS = ("and", "or", "and/or")  # a line between items
# A list stored one item per passage is shown whole, so it may be longer than ``limit``; a longer
# one is left out (with its lead-in). ``following`` should give one passage more than this.
MAX_SEPARATE_ITEMS = 12


def _is_sentence(line: str) -> bool:
    """A line long enough, and ending like a sentence (a grade or "[new 2014]" after the stop)."""
    return len(line.split()) >= 8 and bool(ENDS_LIKE_A_SENTENCE.search(line))


def _leads_in(line: str) -> bool:
    """A line that introduces a list of its own ("Patients suspected of having febrile neutropenia
    should undergo:" after the items of "Febrile neutropenia is defined as:"), not a sub-heading
    of the list it is in ("In children aged 1 to 5 years:")."""
    return line.endswith(":") and len(line.split()) >= 5 and has_verb(line)


def _separate_items(lead: Candidate, after: Sequence[Hit], found: list[Concept]) -> list[Candidate]:
    """The items stored one per passage after ``lead``, all of them, or none when the list
    does not end (a sentence of its own, or the end of the section) within ``after``."""
    items: list[Candidate] = []
    for hit in after:
        s, e = (sentence_spans(hit.text) or [(0, len(hit.text))])[0]
        line = " ".join(hit.text[s:e].split())
        if line.lower().rstrip(".,;") in _CONNECTORS:
            continue
        # "Fasting: 5.3 mmol/litre\nand": an item followed by the word joining it to the next
        more = hit.text[e:].strip()
        if (_is_sentence(line) or _leads_in(line) or len(line.split()) > 40
                or (more and more.lower().rstrip(".,;") not in _CONNECTORS)):
            return items  # the list is over: a sentence, a lead-in of its own, or a passage of several sentences
        items.append(_item(lead, hit, s, e, line, found))
    # Every passage fetched was an item: the section ended there, or the list goes on unseen.
    return items if len(after) <= MAX_SEPARATE_ITEMS else []


def _item(lead: Candidate, hit: Hit, s: int, e: int, line: str, found: list[Concept]) -> Candidate:
    terms = frozenset(analyze(line))
    return replace(lead, hit=hit, start=s, end=e, text=line, stems=tuple(analyze(line)), terms=terms,
                   cover=coverage(found, terms), context_cover=coverage(found, terms | lead.context),
                   grade="", under=lead.hit.passage_id if hit is not lead.hit else 0)
