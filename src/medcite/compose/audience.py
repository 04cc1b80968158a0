"""Audience adaptation that never rewrites a claim: glosses, readability and trimming.

The verifier checks every claim against its source word for word, so plain language
is added beside a claim (``Statement.glosses``) and ``plain_trim`` only deletes spans.
"""

from __future__ import annotations

import functools
import itertools
import re
from importlib.resources import files
from typing import NamedTuple

from ..textutil import split_sentences
from ..types import Statement

# Composer settings per audience: a patient gets consumer sources first and short
# sentences; None means sentences are left as the source wrote them.
SENTENCE_WORD_LIMIT: dict[str, int | None] = {
    "clinician": None, "nurse": None, "pharmacist": None, "student": 30, "patient": 25,
}


def prefer_consumer(audience: str) -> bool:
    """Whether consumer-health sources should rank first for this audience."""
    return audience == "patient"


class Gloss(NamedTuple):
    """A glossary entry: the term, its plain meaning, and other ways it is written."""

    term: str
    meaning: str
    variants: tuple[str, ...] = ()


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_FORM = re.compile(r"[^\W_]+(?:['’][^\W_]+)*(?:[ -][^\W_]+(?:['’][^\W_]+)*)*")
_MAX_MEANING_WORDS = 16  # a gloss longer than this is no longer a quick aside


def parse_glossary(text: str) -> dict[str, Gloss]:
    """Parse ``term<TAB>meaning[<TAB>variant|variant]`` lines; raises ValueError on bad lines."""
    glossary: dict[str, Gloss] = {}
    owner: dict[str, int] = {}  # lookup key (plurals included) -> line that defined it
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        variants = tuple(v.strip() for v in cols[2].split("|")) if len(cols) == 3 else ()
        if len(cols) not in (2, 3) or not cols[0] or not cols[1] or not all(variants):
            raise ValueError(f"glossary line {lineno}: expected term<TAB>meaning[<TAB>variants]")
        term, meaning = cols[0], cols[1]
        for form in (term, *variants):
            if not _FORM.fullmatch(form):
                raise ValueError(f"glossary line {lineno}: bad term {form!r}")
            keys = _keys(_words(form))
            base = " ".join(_words(form)).lower()
            clash = next((k for k in sorted(keys) if owner.get(k, lineno) != lineno), None)
            if base in owner or clash:
                raise ValueError(f"glossary line {lineno}: {form!r} already on line {owner[clash or base]}")
            owner.update(dict.fromkeys(keys, lineno))
        if meaning.casefold() == term.casefold() or len(meaning.split()) > _MAX_MEANING_WORDS:
            raise ValueError(f"glossary line {lineno}: meaning must be a short plain explanation")
        glossary[term] = Gloss(term, meaning, variants)
    return glossary


@functools.cache
def load_glossary() -> dict[str, Gloss]:
    """The packaged lay glossary, term -> Gloss (cached: do not mutate)."""
    return parse_glossary((files("medcite") / "data" / "lay_glossary.tsv").read_text("utf-8"))


class _Entry(NamedTuple):
    parts: tuple[str, ...]  # the form's words as written, for the capitals rule
    gloss: Gloss


def _words(text: str) -> list[str]:
    return [m.group().replace("’", "'") for m in _TOKEN.finditer(text)]


def _keys(parts: list[str]) -> set[str]:
    """Lookup keys of a form: lower-cased words, plus plural forms of the last word."""
    *head, last = [p.lower() for p in parts]
    ends = {last, last + "s", last + "'s"}
    if not parts[-1].isupper():  # "NSAIDs" but not "NSAIDes"
        ends.add(last + "es")
        if re.search(r"[^aeiou]y$", last):
            ends.add(last[:-1] + "ies")  # therapy, therapies
        if last.endswith("is"):
            ends.add(last[:-2] + "es")  # metastasis, metastases
    return {" ".join([*head, end]) for end in ends}


@functools.cache
def _index() -> tuple[dict[str, list[_Entry]], int, frozenset[str]]:
    """Lookup key -> entries, the most words in any form, and every form's first word."""
    index: dict[str, list[_Entry]] = {}
    longest = 1
    firsts: set[str] = set()
    for gloss in load_glossary().values():
        for form in (gloss.term, *gloss.variants):
            parts = _words(form)
            longest = max(longest, len(parts))
            for key in _keys(parts):
                index.setdefault(key, []).append(_Entry(tuple(parts), gloss))
                firsts.add(key.split(" ")[0])  # "statins" for "statin"
    return index, longest, frozenset(firsts)


def _case_ok(written: list[str], parts: tuple[str, ...]) -> bool:
    # All-caps abbreviations (IV, NSAID, LDL-C) match only in capitals, so "iv" or "all" never do.
    return all(w in (p, p + "s") if p.isupper() else True for w, p in zip(written, parts, strict=True))


_ROMAN = re.compile(r"[IVX]+")
_NUMBERED = re.compile(  # "class IV", "NYHA class II–IV", "stage III or IV"
    r"\b(?:class|level|stage|grade|type|phase|tier|category|part|step|table)\W*"
    r"(?:[IVX]+\s*(?:[-–,/]|to|and|or)\s*)*$",
    re.I,
)
_JOINER = re.compile(r"[\s-]+")


def _matches(text: str) -> list[tuple[str, Gloss]]:
    """(surface, gloss) pairs: longest match at each word, left to right, each term once."""
    index, longest, firsts = _index()
    tokens = list(_TOKEN.finditer(text))
    out: list[tuple[str, Gloss]] = []
    taken: set[str] = set()
    i = 0
    while i < len(tokens):
        start = tokens[i].start()
        # Most words start no term; "non-invasive" is not "invasive".
        if tokens[i].group().lower() not in firsts or (start and text[start - 1] == "-"):
            i += 1
            continue
        for n in range(min(longest, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            if any(not _JOINER.fullmatch(text, a.end(), b.start()) for a, b in itertools.pairwise(span)):
                continue
            written = [t.group().replace("’", "'") for t in span]
            entry = next((e for e in index.get(" ".join(written).lower(), ())
                          if _case_ok(written, e.parts)), None)
            if entry is None:
                continue
            surface = text[start : span[-1].end()]
            # "Class IV evidence" is a Roman numeral, not "intravenous".
            if _ROMAN.fullmatch(surface) and _NUMBERED.search(text, 0, start):
                continue
            if entry.gloss.term not in taken:
                taken.add(entry.gloss.term)
                out.append((surface, entry.gloss))
            i += n - 1
            break
        i += 1
    return out


def find_terms(text: str) -> list[tuple[str, str]]:
    """(term as written, plain meaning) for each glossary term in ``text``, once, in order."""
    return [(surface, gloss.meaning) for surface, gloss in _matches(text)]


def gloss_statement(statement: Statement, seen: set[str]) -> Statement:
    """``statement`` (and its children) with glosses for terms not in ``seen``.

    ``seen`` holds glossary terms (``load_glossary`` keys) already explained earlier in
    the answer and is updated. The text is never changed.
    """
    glosses = list(statement.glosses)
    for term, _ in statement.glosses:  # glosses set upstream count as explained
        seen.update(g.term for _, g in _matches(term))
    for surface, gloss in _matches(statement.text):
        if gloss.term not in seen:
            seen.add(gloss.term)
            glosses.append((surface, gloss.meaning))
    children = tuple(gloss_statement(child, seen) for child in statement.children)
    return statement.model_copy(update={"glosses": tuple(glosses), "children": children})


# --- Readability -----------------------------------------------------------------------
# Vowel-group counting with English corrections; 99% exact against the CMU Pronouncing
# Dictionary on the words of NGC and MedQuAD passages.
_NON_ALPHA = re.compile(r"[^a-z]")
_VOWEL_RUN = re.compile(r"[aeiouy]+")
_SILENT_E = re.compile(r"[^aeiouy]e$|[gq]ues?$|[^aeiouy]es$|[^aeiouytd]ed$")  # make, uses, caused
_SOUNDED_E = re.compile(r"[^aeiou]les?$|[cgszx]es$|[cs]hes$|(?<![gq])ue$")  # table, cases, tissue
_SUFFIX_E = re.compile(r"[^aeiouy]e(?:ly|ment|ments|ful|ness|less|times?|lines?)$")  # likely
_HIATUS = re.compile(  # adjacent vowels said apart: tri-al, bi-op-sy, ane-mi-a, re-act
    r"(?<![cglnstvx])i[aou]|(?<!s)ia$|[clt]iat|(?<!t)(?<![^s]c)ie(?=t|nt|nce|r)|uids?$|(?<![gq])ua"
    r"|sms?$|eo(?!u)|[aeo]ic|iu|eas?$|ao|(?<=[^aeiouw])y[aeiou]|^co(?=[oae])"
    r"|^re(?=ac|ap|ass|e|i[mn])|^cre(?=at(?!u))|(?<=[aeiou])ing$"
)
_SYLLABLE_EXCEPTIONS = {"people": 2, "every": 2, "diabetes": 4, "business": 2, "different": 3}
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")


def count_syllables(word: str) -> int:
    """Syllables in one English word; short all-caps abbreviations are spelled out (DNA = 3)."""
    if word.isalpha() and word.isupper() and len(word) <= 4:
        return len(word)
    if "-" in word:
        return sum(count_syllables(part) for part in word.split("-") if part)
    w = _NON_ALPHA.sub("", word.lower())
    if not w:
        return 1 if any(c.isdigit() for c in word) else 0  # a number reads as one word
    if w in _SYLLABLE_EXCEPTIONS:
        return _SYLLABLE_EXCEPTIONS[w]
    n = len(_VOWEL_RUN.findall(re.sub(r"^y(?=[aeiou])", "", w)))
    if n > 1 and _SILENT_E.search(w) and not _SOUNDED_E.search(w):
        n -= 1
    n += len(_HIATUS.findall(w)) - len(_SUFFIX_E.findall(w))
    return max(1, n)


def readability_grade(text: str) -> float:
    """Flesch–Kincaid grade level (Kincaid et al. 1975): 0.39 w/s + 11.8 syl/w - 15.59.

    Each line is split into sentences (list items count as sentences); 0.0 for no words.
    """
    sentences = [s for line in text.splitlines() for s in split_sentences(line)]
    words = [w for s in sentences for w in _WORD.findall(s)]
    if not words:
        return 0.0
    syllables = sum(count_syllables(w) for w in words)
    return round(0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59, 2)


# --- Trimming --------------------------------------------------------------------------
_CITATION = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_AUTHOR_YEAR = re.compile(r"[\"“]?[A-Z][^;]*?,?\s(?:19|20)\d\d[a-z]?")  # "Taylor et al., 2011"
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|once|twice|half|double"
# What a reader must not lose: negations, conditions and hedges change what a claim says.
_KEEP = re.compile(
    rf"\d|n't\b|\b(?:not|no|never|none|nor|neither|without|cannot|avoid|contraindicated|unless|except"
    rf"|only|if|limited|insufficient|weak|low|uncertain|conflicting|inconclusive|{_NUMBER_WORDS})\b",
    re.I,
)
_ABBREV_DEF = re.compile(r"(?:[\w–-]*[A-Z]){2}[\w–-]*")  # "(ASCVD)", "(IVIg)": later text uses them
_EVIDENCE_LEAD = re.compile(
    r"^(?:Based on|On the basis of|According to|In light of)\b[^,;:()]{0,160}?"
    r"\b(?:stud(?:y|ies)|trials?|evidence|data|meta-analys[ie]s|reviews?|RCTs?|literature)\b[^,;:()]{0,60}?,\s+"
    r"(?=\w)"
)
_OPEN = {"(": ")", "[": "]"}


def _asides(text: str) -> list[tuple[int, int]]:
    """Spans of top-level (...) and [...] groups that stand apart from the words around them."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append((_OPEN[ch], i))
        elif stack and ch == stack[-1][0]:
            _, start = stack.pop()
            free_before = start == 0 or text[start - 1].isspace()
            free_after = i + 1 == len(text) or text[i + 1].isspace() or text[i + 1] in ".,;:!?"
            if not stack and free_before and free_after:  # not "drug(s)"
                spans.append((start, i + 1))
        elif ch in ")]":
            return spans  # unbalanced: stop rather than guess
    return spans


def _drop(text: str, start: int, end: int) -> str:
    """``text`` without ``[start, end)`` and the space that separated it."""
    head, tail = text[:start].rstrip(), text[end:]
    return f"{head}{tail}" if head else tail.lstrip()


def plain_trim(sentence: str, max_words: int = 25) -> str:
    """Shorten a sentence for lay readers by deleting spans only, never rewording.

    Citation remnants ("[12]", "(Eckel, 2010; Dale et al., 2007)") always go. While the
    sentence is over ``max_words``: a leading evidence clause ("Based on 2 Class I
    studies, "), then bracketed asides without numbers, negations, conditions or hedges.
    What remains is untouched, so a cut start keeps its lower-case first letter.
    """
    text = _CITATION.sub("", sentence).strip()
    for start, end in reversed(_asides(text)):
        if all(_AUTHOR_YEAR.fullmatch(item.strip()) for item in text[start + 1 : end - 1].split(";")):
            text = _drop(text, start, end)
    if len(text.split()) > max_words:
        lead = _EVIDENCE_LEAD.match(text)
        # Numbers may go with the clause; a negation or hedge ("limited evidence") may not.
        if lead and all(m.group().isdigit() or re.fullmatch(_NUMBER_WORDS, m.group(), re.I)
                        for m in _KEEP.finditer(lead.group())):
            text = text[lead.end():]
    if len(text.split()) > max_words:
        for start, end in reversed(_asides(text)):
            inner = text[start + 1 : end - 1].strip()
            if not _KEEP.search(inner) and not _ABBREV_DEF.fullmatch(inner):
                text = _drop(text, start, end)
    return text if re.search(r"\w", text) else sentence.strip()


__all__ = [
    "SENTENCE_WORD_LIMIT", "Gloss", "count_syllables", "find_terms", "gloss_statement", "load_glossary",
    "parse_glossary", "plain_trim", "prefer_consumer", "readability_grade",
]
