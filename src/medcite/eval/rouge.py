"""ROUGE-N (Lin, 2004) as the ``rouge-score`` package computes it without stemming:
lower-cased alphanumeric tokens, clipped n-gram overlap. Pure functions."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class Score(NamedTuple):
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> list[str]:
    return _NON_ALNUM.sub(" ", text.lower()).split()


def ngrams(words: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def rouge_n(candidate: str, reference: str, n: int = 2) -> Score:
    """Precision, recall and F1 of ``candidate``'s n-grams against ``reference``'s."""
    cand, ref = ngrams(tokens(candidate), n), ngrams(tokens(reference), n)
    overlap = sum((cand & ref).values())
    p = overlap / max(1, sum(cand.values()))
    r = overlap / max(1, sum(ref.values()))
    return Score(p, r, 2 * p * r / (p + r) if p + r else 0.0)
