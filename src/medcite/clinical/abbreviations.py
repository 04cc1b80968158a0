"""Abbreviations defined in a text: "community-acquired pneumonia (CAP)" -> ("CAP", "community-acquired pneumonia").

The Schwartz–Hearst algorithm (Pac. Symp. Biocomput. 2003): a short form in parentheses,
and as its long form the shortest run of preceding words in which the short form's
characters occur in order, right to left, the first one at the start of a word. It needs
no dictionary, so every indexed document teaches medcite its own abbreviations.
Pure functions; linear in the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_PAREN = re.compile(r"\(([^()\n]{2,24})\)")
# One token, starting with a letter or digit, holding at least one capital: "CAP", "IVIg",
# "HbA1c", "LDL-C". Lower-case-only words in brackets are asides, not abbreviations.
_SHORT = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/&.']{1,9}")
# Grades, levels and classes in guideline text are labels, never abbreviations.
_NOT_SHORT = re.compile(r"^(?:level|grade|class|rec|loe|sor|cor|i{1,3}|iv|v|vi{1,3}|[a-e][+-]?|n|na|nr)$", re.I)
_CLAUSE_END = re.compile(r"[.;:!?]\s|[\[\]{}]")
_MAX_LONG_CHARS = 120


def _short_form(inner: str) -> str:
    """The short form written in brackets, or '' ("CAP; see below" -> "CAP")."""
    short = re.split(r"[;,]\s|\s[-–=]\s", inner.strip(), maxsplit=1)[0].strip()
    if not _SHORT.fullmatch(short) or _NOT_SHORT.match(short):
        return ""
    if not any(c.isupper() for c in short) or not any(c.isalpha() for c in short):
        return ""
    return short


def best_long_form(short: str, candidate: str) -> str:
    """The words of ``candidate`` whose initials spell ``short`` ("combined oral contraception"
    for COC), else the shortest suffix of ``candidate`` in which the characters of ``short``
    occur in order (right to left), the first one at the start of a word; '' when there is none.
    (The scan alone finds "contraception" for COC: c…o…c inside one word.)"""
    initials = _initials_long_form(short, candidate.split())
    if initials:
        return initials
    s, text = short.lower(), candidate.lower()
    si, li = len(s) - 1, len(text) - 1
    while si >= 0:
        c = s[si]
        if not c.isalnum():
            si -= 1
            continue
        while li >= 0 and (text[li] != c or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return ""
        li -= 1
        si -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    return candidate[start:].strip()


_MINOR = frozenset({"of", "and", "the", "in", "for", "with", "to", "on", "or", "a", "an", "by", "at"})


def _initials_long_form(short: str, words: list[str]) -> str:
    """The last words of ``words`` whose initials (minor words skipped, each part of a hyphenated
    word counted) spell the letters of ``short``; '' when no such run ends the list."""
    letters = "".join(c for c in short.lower() if c.isalpha())
    if len(letters) < 2:
        return ""
    spelled = ""
    for n in range(1, min(len(words), len(letters) + 3) + 1):
        word = words[-n].strip(_QUOTES).lower()
        if word in _MINOR:
            continue
        if "-" in word or "/" in word:
            spelled = "".join(part[0] for part in word.replace("/", "-").split("-") if part and part[0].isalpha()) + spelled
        elif word[:1].isalpha():
            spelled = word[0] + spelled
        if not letters.endswith(spelled):
            return ""  # the initials read so far already differ: no longer run can spell it
        if spelled == letters:
            return " ".join(w.strip(_QUOTES) for w in words[-n:])
    return ""


_QUOTES = "\"'“”‘’"


def definitions(text: str) -> list[tuple[str, str]]:
    """(short form, long form) for every abbreviation defined in ``text``, in order."""
    out: list[tuple[str, str]] = []
    for m in _PAREN.finditer(text):
        short = _short_form(m.group(1))
        if not short:
            continue
        before = text[max(0, m.start() - _MAX_LONG_CHARS * 2):m.start()]
        ends = list(_CLAUSE_END.finditer(before))
        if ends:
            before = before[ends[-1].end():]
        words = before.split()
        n_letters = sum(c.isalnum() for c in short)
        window = words[-min(n_letters + 5, 2 * n_letters):]
        if not window:
            continue
        long = best_long_form(short, " ".join(window)).strip(" ,-–")
        if _acceptable(short, long):
            out.append((short, long))
    return out


def _acceptable(short: str, long: str) -> bool:
    if not long or len(long) <= len(short) or len(long) > _MAX_LONG_CHARS:
        return False
    words = long.split()
    if len(words) < 2 and "-" not in long:
        return False  # "(CAP)" after a single word is a label or a name, rarely a definition
    low = long.lower()
    if short.lower() in re.findall(r"[\w\-]+", low):
        return False  # "ASCVD risk (ASCVD)": the short form is already in the long form
    return low[0].isalpha()


def normalise_long(long: str) -> str:
    """The key under which long forms are counted: case and spacing folded."""
    return " ".join(long.replace("–", "-").split()).lower()


def mine(texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """Documents defining each (short form, normalised long form), over ``texts``."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        counts.update({(short, normalise_long(long)) for short, long in definitions(text)})
    return counts


_NOT_ALNUM = re.compile(r"[\W_]+")


def long_key(long: str) -> str:
    """The key under which long forms are one sense: letters and digits only, case folded, so
    "non-small cell lung cancer", "Non-small-cell lung cancer" and "non small cell lung cancer"
    meet (a long form written in a question is looked up by the same key)."""
    return _NOT_ALNUM.sub("", long.casefold())


def document_definitions(title: str, text: str) -> list[tuple[str, str]]:
    """(short form, long form as first written) for each abbreviation a document defines in its
    title or text, once per (short form, normalised long form)."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    # A title is a clause of its own: its last words never begin a long form in the text.
    for short, long in definitions(f"{title}.\n{text}" if title else text):
        key = (short, normalise_long(long))
        if key not in seen:
            seen.add(key)
            out.append((short, long))
    return out


def plain_word_usage(surface: str, texts: Iterable[str]) -> bool:
    """Whether ``texts`` use a capitalised abbreviation mostly as an ordinary word: its
    lower-case and capitalised forms ("cap", "Cap") at least half as often as the capitals
    ("CAP"). Measured on the demo corpus: CAP, ALL, GAS, MAP, ARM are plain words there; AF,
    CKD, PE, MS, PAD and CA are not (their lower-case forms are rare)."""
    if not surface.isupper() or not surface.isalpha():
        return False
    caps = re.compile(rf"(?<![\w-]){re.escape(surface)}(?![\w-])")
    plain = re.compile(rf"(?<![\w-])(?:{re.escape(surface.lower())}|{re.escape(surface.capitalize())})(?![\w-])")
    upper = lower = 0
    for text in texts:
        upper += len(caps.findall(text))
        lower += len(plain.findall(text))
    return lower > 0 and lower >= 0.5 * upper
