"""A rare word of the vignette's telling weighs less than what the question is about."""

from __future__ import annotations

from medcite.compose.build import OTHER_CAP, _concepts
from medcite.understand.frame import understand


def test_a_rare_word_of_the_telling_is_capped() -> None:
    frame = understand("23F, condom broke ~100 hrs ago, declines IUD. which emergency contraception?")
    rare = {"broke": 10.2, "condom": 7.3}
    weights = {c.label: c.weight for c in _concepts(frame, lambda t: rare.get(t, 5.1))}
    assert weights["broke"] <= OTHER_CAP and weights["condom"] <= OTHER_CAP
    assert max(weights.values()) == weights["contracept emergenc"]
