"""chunk_text takes time linear in its input, for any line length, and cuts exactly as
the straightforward (quadratic) algorithm it replaced."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from medcite.textutil import _ABBREV, _BOUNDARY, chunk_text, split_sentences

# -- the algorithm as it was (quadratic on long lines), as the reference for output --------

def _old_split_sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        candidate = text[start:end].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"')]").lower()
        if last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha()):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _old_chunk_text(text: str, target: int = 900, limit: int = 1600) -> list[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        for sentence in _old_split_sentences(para):
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                units.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
        units.append("\n")
    chunks: list[str] = []
    current = ""
    for unit in units:
        if unit == "\n":
            if len(current) >= target:
                chunks.append(current)
                current = ""
            continue
        if (current and len(current) + 1 + len(unit) > limit) or (current and len(current) >= target):
            chunks.append(current)
            current = unit
        else:
            current = f"{current} {unit}" if current else unit
    if current:
        chunks.append(current)
    return chunks


_PIECES = ["word", "Dr.", "e.g.", "A.", "B", "3.5", "mg.", "end.", "Why?", "Yes!", "(note)", "“quoted.”",
           "x" * 700, "y" * 1700, "\n", "\n\n", "\t", "  ", "•", "1.", "\u00a0", "i.e.", "St.", "Ok."]


def _random_text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_PIECES) for _ in range(n))


@pytest.mark.parametrize("seed", range(40))
def test_output_is_unchanged(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_text(rng, rng.choice([5, 50, 400, 3000]))
    limits = rng.choice([(900, 1600), (100, 200), (300, 400), (50, 60)])
    assert split_sentences(text) == _old_split_sentences(text)
    assert chunk_text(text, *limits) == _old_chunk_text(text, *limits)


# -- complexity ---------------------------------------------------------------------------

def _words(n: int) -> str:
    rng = random.Random(1)
    out, size = [], 0
    while size < n:
        w = rng.choice(("alpha", "beta", "gamma", "sepsis", "lactate", "x"))
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


# (make, small size): the large input is 16 times the small one.
GENERATORS: dict[str, tuple[Callable[[int], str], int]] = {
    "words without punctuation": (_words, 512 * 1024),
    "no spaces at all": (lambda n: "x" * n, 512 * 1024),
    "abbreviations that never end a sentence": (lambda n: ("Dr. A " * (n // 6 + 1))[:n], 64 * 1024),
}


def _seconds(text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):  # the best of three: other work on the machine only ever adds time
        started = time.perf_counter()
        chunk_text(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("kind", GENERATORS)
def test_one_long_line_chunks_in_linear_time(kind: str) -> None:
    make, small = GENERATORS[kind]
    big = make(16 * small)
    started = time.perf_counter()
    chunks = chunk_text(big)
    assert time.perf_counter() - started < 10
    assert all(len(c) <= 1600 for c in chunks)
    assert sum(len(c) for c in chunks) >= len(big) * 0.8
    t_small, t_large = _seconds(make(small)), _seconds(big)
    # 16 times the input: linear takes ~16 times as long, quadratic ~256 times.
    assert t_large < max(64 * t_small, 0.05), (t_small, t_large)
