"""Staging notations guidelines write in place of words: "CKD G5D" is chronic kidney disease
treated with dialysis (KDIGO's G1-G5 with "D" for dialysis), which a question writes as
"ESKD on HD" or "on dialysis". A sentence in such a notation also holds the words it stands
for, so that it is found about what the notation names."""

from __future__ import annotations

import re

# (the notation, what it stands for)
_NOTATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:G|stage\s*|CKD\s*)5D\b", re.I),
     "chronic kidney disease end-stage kidney disease on dialysis hemodialysis peritoneal dialysis"),
)


def notation_words(text: str) -> str:
    """The words the staging notations in ``text`` stand for ("" when it has none)."""
    return " ".join(words for pattern, words in _NOTATIONS if pattern.search(text))
