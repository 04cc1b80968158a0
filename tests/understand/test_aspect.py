"""The asked aspect, on questions phrased as clinicians phrase them (bedside and textbook)."""

from __future__ import annotations

import pytest

from medcite.understand.aspect import asked_aspect

CASES = [
    ("What is the first-line treatment for community-acquired pneumonia in adults?", "first-line"),
    ("72M, eGFR 28, new AF - which anticoagulant?", "first-line"),
    ("how do you treat GBS in adults", "first-line"),
    ("34F w/ uncomplicated cystitis, what abx?", "first-line"),
    ("What is the treatment for immune-mediated necrotizing myopathy?", "first-line"),
    ("What is the recommended starting dose of atorvastatin?", "starting-dose"),
    ("humira dose for RA?", "starting-dose"),
    ("8yo 25kg with AOM, amoxicillin how much?", "starting-dose"),
    ("How should levothyroxine be titrated in older adults?", "titration"),
    ("pred taper for GCA after remission - how fast to reduce?", "titration"),
    ("What is the target HbA1c for older adults with type 2 diabetes?", "target"),
    ("goal BP in 68M w/ DM2 and CKD3?", "target"),
    ("How long should anticoagulation continue after a provoked DVT?", "duration"),
    ("5 days vs 10 days of abx for AOM in a 3yo?", "duration"),
    ("pt allergic to penicillin, strep throat - what instead?", "alternative"),
    ("What is recommended when metformin is contraindicated?", "alternative"),
    ("depression not responding to 2 SSRIs, next step?", "alternative"),
    ("When can bisphosphonate therapy be stopped in postmenopausal osteoporosis?", "stop"),
    ("can i stop her statin at 85?", "stop"),
    ("What monitoring is needed for patients on lithium?", "monitoring"),
    ("on amiodarone, how often to check TFTs and LFTs?", "monitoring"),
    ("At what hemoglobin level should red cells be transfused in stable ICU patients?", "threshold"),
    ("when to start statin in a 45 yo with LDL 170?", "threshold"),
    ("How is giant cell arteritis diagnosed?", "diagnosis"),
    ("suspected PE in pregnancy, CT or V/Q?", "diagnosis"),
    ("Tell me about sarcoidosis", "general"),
    ("", "general"),
]


@pytest.mark.parametrize(("question", "aspect"), CASES)
def test_asked_aspect(question: str, aspect: str) -> None:
    assert asked_aspect(question) == aspect
