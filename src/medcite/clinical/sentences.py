"""Sentences of clinical text, with offsets, and a test for fragments that are not sentences.

Guideline text is hard on a plain "period, space, capital" splitter: grade tails
("… otitis externa. (Evidence Quality: Grade B, Rec. Strength: Recommendation)"),
numbered recommendations ("1.1. Offer …"), dosing abbreviations ("i.v.", "b.i.d.",
"vs."), year tags ("[2004, amended 2015]") and tables flattened into "a | b | c" rows.
The rules here keep a grade tail and a year tag with the sentence they grade, never end a
sentence inside brackets, drop numbering labels, and let callers refuse fragments (fewer
than 5 words, no verb, a table row, an unclosed bracket) as bottom lines or bullets.
Pure functions, linear in the text.
"""

from __future__ import annotations

import functools
import re

# Words after which a period does not end a sentence.
ABBREVIATIONS = frozenset(
    """e.g i.e etc vs viz approx fig figs ref refs al dr mr mrs ms no nos vol p pp ca cf inc ltd co jr sr
    st dept univ min max mo mos yr yrs wk wks hr hrs tab tabs cap caps inj sol susp q b.i.d t.i.d q.i.d
    u.s sp spp var resp est incl subsp mg kg rec i.v i.m s.c p.o q.d h.s p.r.n prn ed eds suppl sect
    n.b approx. ph.d m.d iv. im. sc. po. bid. tid. qid. qd. od. op cit""".split()
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u00C0-\u024F•])")
_OPEN, _CLOSE = "([", ")]"
# A bracketed tail that grades or dates the sentence before it.
_TAIL = re.compile(
    r"^[(\[][^()\[\]]{0,160}[)\]]\.?$", re.S)
_TAIL_WORDS = re.compile(
    r"\b(?:level|grade|class|evidence|recommendation|strength|quality|consensus|expert|opinion|strong|weak|"
    r"moderate|conditional|low|high|gpp|good practice|amended|new|reviewed|le|gr|cor|loe|sor|practice point|"
    r"clinical principle|option|standard|guideline)\b|^[(\[](?:\d{4}|[A-D][+-]?|I{1,3}[ab]?|IV|\d[+-]*|"
    r"\d\|[+O-]+)", re.I)
_AFTER_TAIL = re.compile(r"(?<=[.!?])\s+([(\[][^()\[\]]{0,160}[)\]])\s+(?=[A-Z0-9])")
# Numbering that labels a recommendation rather than saying anything: "1.1.", "(3)", "Recommendation 4."
_LABEL = re.compile(
    r"^(?:\(?\d{1,3}(?:\.\d{1,3})*[.)]|\(?[a-z][.)]|(?:Recommendation|Question|Statement|Key question)\s+"
    r"[A-Z]?\d{1,3}[a-z]?[.:]?)$", re.I)


def _depth_changes(text: str) -> list[int]:
    """Bracket depth after each character (never below zero)."""
    depth, out = 0, []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        out.append(depth)
    return out


def _boundaries(line: str) -> list[tuple[int, int, bool]]:
    """(end of a sentence, start of the next) candidates, in order: after sentence
    punctuation, and after a grade tail that follows it ("… daily. (Grade A) Next …")."""
    found = [(m.start(), m.end(), False) for m in _BOUNDARY.finditer(line)]
    for m in _AFTER_TAIL.finditer(line):
        if _TAIL_WORDS.search(m.group(1)):
            found.append((m.end(1), m.end(), True))
    return sorted(found)


def _line_spans(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    depth = _depth_changes(line) if ("(" in line or "[" in line) else []
    start = 0
    for end, next_start, after_tail in _boundaries(line):
        if end <= start:
            continue
        # The last word is found by looking back from ``end`` only: copying line[start:end] for
        # each skipped boundary was quadratic on a long line of abbreviations ("Dr. A Dr. A …").
        seg_end = end
        while seg_end > start and line[seg_end - 1].isspace():
            seg_end -= 1
        space = line.rfind(" ", start, seg_end)
        raw_last = line[(space + 1 if space >= 0 else start):seg_end]
        last_word = raw_last.rstrip(".!?\"')]").lower()
        # (a letter closing brackets is a grade, not an initial: "… treatment (Level C). Rituximab …";
        # what it grades is a sentence of its own only when it has a verb: "Ultra-potent topical
        # steroids, e.g., clobetasol propionate (I, A). Various regimens are used, …" is one)
        initial = len(last_word) == 1 and last_word.isalpha() and not (
            raw_last.rstrip(".!?").endswith((")", "]")) and has_verb(line[start:seg_end]))
        if not after_tail and (last_word in ABBREVIATIONS or initial):
            continue
        # Never inside brackets: "(Evidence Quality: Grade B, Rec. Strength: …)". The depth is
        # read after any closing quote or bracket that follows the period ("(… 2010.) Next").
        last = end - 1 + len(line[end:next_start].rstrip())
        if depth and depth[last] > 0:
            continue
        if line[start:seg_end].strip():
            spans.append((start, seg_end))
        start = next_start
    tail = line[start:].rstrip()
    if tail.strip():
        spans.append((start, start + len(tail)))
    return _merge(line, spans)


def _merge(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending_label = False
    for s, e in spans:
        piece = line[s:e]
        if _LABEL.match(piece):
            pending_label = True  # dropped: the next sentence starts after it
            continue
        if out and not pending_label and _TAIL.match(piece) and _TAIL_WORDS.search(piece):
            out[-1] = (out[-1][0], e)
            continue
        pending_label = False
        out.append((s, e))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text`` itself (offsets into the original,
    whitespace untouched). Line breaks (list items, paragraphs) always end a sentence."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        body = line.group()
        stripped = body.lstrip(" \t-*•·")
        offset = line.start() + len(body) - len(stripped)
        spans += [(offset + s, offset + e) for s, e in _line_spans(stripped)]
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each on one line with its spacing collapsed."""
    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text)]


# -- fragments ------------------------------------------------------------------------------

_VERB_BASES = """be have do recommend suggest consider use give offer start stop continue discontinue
treat manage administer prescribe avoid reduce increase decrease lower raise improve prevent cause
require need include involve assess evaluate monitor measure check test screen perform obtain refer
repeat initiate titrate taper adjust switch add combine replace choose prefer select provide receive
take apply inject infuse tolerate respond fail indicate suggest show find demonstrate report support
occur develop present appear remain become seem lead result associate affect help allow permit limit
extend shorten exceed reach achieve maintain target aim base define classify diagnose confirm exclude
identify detect predict estimate contain consist depend vary range differ compare benefit harm risk
reflect warrant justify ensure educate counsel inform discuss advise encourage instruct ask tell
weigh balance individualize tailor restrict withhold hold resume delay defer wait schedule follow
document record list list label approve contraindicate caution warn dose dilute mix prepare store
keep follow undergo last persist resolve recur worsen progress survive die live experience feel
see consult assert guarantee correlate optimize metastasize spread enter contact call visit read
learn let put set get go come work run fall rise grow carry bring send open close begin end
mean cover meet outweigh precede accompany explain describe address examine observe note try
establish pursue understand facilitate entail determine afford sit deliver ensure establish""".split()
_IRREGULAR = """is are was were been being am has had did does done given gave taken took shown made
makes make found seen saw known kept held led chosen chose left begun began become became should
would could may might must can shall will cannot""".split()


def _forms(base: str) -> set[str]:
    stem = base[:-1] if base.endswith("e") else base
    third = base + ("es" if base.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        third = base[:-1] + "ies"
        return {base, third, base[:-1] + "ied", base + "ing"}
    return {base, third, stem + "ed", stem + "ing", base + "d" if base.endswith("e") else base + "ed"}


@functools.cache
def _verbs() -> frozenset[str]:
    out: set[str] = set(_IRREGULAR)
    for base in _VERB_BASES:
        out |= _forms(base)
    return frozenset(out)


_WORD = re.compile(r"[A-Za-z]+")
_VERB_SUFFIXES = ("ed", "ize", "izes", "ise", "ises", "ify", "ifies", "ates")
# Long runs of words without a verb the lexicon knows are sentences with a rarer verb far
# more often than headings: only short ones are judged by the verb test.
_VERB_TEST_MAX_WORDS = 12


def has_verb(sentence: str) -> bool:
    """A finite or participle verb form is present (a heuristic: a lexicon of the verbs
    clinical text uses, plus words of five letters or more ending like a verb: -ed, -ize, -ify, -ates)."""
    verbs = _verbs()
    for w in _WORD.findall(sentence):
        low = w.lower()
        if low in verbs or (len(low) >= 5 and low.endswith(_VERB_SUFFIXES)):
            return True
    return False


_PIPE_GRADE = re.compile(r"\(\s*\d\s*\|\s*[+O⊕○]{1,4}\s*\)")


def is_fragment(sentence: str) -> bool:
    """Not a sentence a reader can act on: under 5 words, a short run of words with no
    verb (a heading), a flattened table row, an unclosed bracket, or only a bracketed label."""
    text = sentence.strip()
    # An Endocrine Society grade ("(1|++++)", "(2|++OO)") is no column separator.
    if len(text.split()) < 5 or "|" in _PIPE_GRADE.sub("", text):  # a flattened table row, of two columns or more
        return True
    depth = _depth_changes(text)
    if depth and depth[-1] > 0:
        return True
    if _TAIL.match(text):
        return True
    return len(text.split()) <= _VERB_TEST_MAX_WORDS and not has_verb(text)
