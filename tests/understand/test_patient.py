"""Patient context from free text and from questions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from medcite.types import PatientContext
from medcite.understand.patient import merge, parse_patient, population_from_question

# (text, the fields that must have these values; every other field must be its default)
PATIENTS: list[tuple[str, dict[str, Any]]] = [
    ("62-year-old woman, 70 kg, pregnant", dict(age_years=62, sex="female", weight_kg=70, pregnant=True)),
    ("pregnant woman, 60 kg", dict(sex="female", weight_kg=60, pregnant=True)),
    ("8 yo boy 25kg", dict(age_years=8, sex="male", weight_kg=25)),
    ("3-month-old infant", dict(age_years=0.25)),
    ("elderly man 154 lb", dict(age_years=75, sex="male", weight_kg=69.9)),
    # a decade is a representative age (not stated: no age range or dose is judged on it)
    ("pt in her 80s", dict(age_years=85, sex="female")),
    ("man in his late 50s", dict(age_years=58, sex="male")),
    ("CrCl 25 mL/min", dict(renal_impairment=True)),
    ("eGFR 20", dict(renal_impairment=True)),
    ("CKD stage 4", dict(renal_impairment=True)),
    ("on dialysis", dict(renal_impairment=True)),
    ("renal failure", dict(renal_impairment=True)),
    ("cirrhosis", dict(hepatic_impairment=True)),
    ("Child-Pugh B", dict(hepatic_impairment=True)),  # "Child" here is not a child
    ("hepatic impairment", dict(hepatic_impairment=True)),
    ("breastfeeding", dict(lactating=True, sex="female")),
    ("lactating", dict(lactating=True, sex="female")),
    ("nursing mother", dict(lactating=True, sex="female")),
    ("28 weeks gestation", dict(pregnant=True, sex="female", gestation_weeks=28)),
    ("62F", dict(age_years=62, sex="female")),
    ("45 M", dict(age_years=45, sex="male")),
    ("child", dict(age_years=8)),
    ("children", dict(age_years=8)),
    ("paediatric", dict(age_years=8)),
    ("infant", dict(age_years=0.5)),
    ("neonate", dict(age_years=0)),
    ("adolescent girl", dict(age_years=15, sex="female")),
    ("6-year-old child, 20 kg", dict(age_years=6, weight_kg=20)),  # a stated age beats the word
    ("70-year-old man, eGFR 45, Child-Pugh A", dict(age_years=70, sex="male", renal_impairment=True,
                                                    hepatic_impairment=True)),
    ("not pregnant", {}),
    ("no renal impairment", {}),
    ("non-pregnant woman, denies breastfeeding", dict(sex="female")),
    ("eGFR > 90", {}),
    ("70-year-old man with CKD stage 2", dict(age_years=70, sex="male")),
    ("no allergies, renal failure", dict(renal_impairment=True)),
    ("BMI 30 kg/m2", {}),
    ("nursing home resident, 80 years", dict(age_years=80)),
    ("born at 28 weeks gestation, now 3 weeks old", dict(age_years=0.06)),
    ("breastfeeding mother of a 3-month-old", dict(lactating=True, sex="female")),
    ("men and women", {}),
    # hostile or empty input
    ("", {}),
    ("   \n\t ", {}),
    ("x" * 1_000_000, {}),
    ("\x00\ud800\uffff", {}),
    ("６２歳女性", {}),
    ("🙂" * 10_000 + " pregnant", {}),  # past the length bound: not read
    ("age 999, weight 5000 kg", {}),  # impossible values are not used (an issue names each)
    ("9" * 10_000 + " kg", {}),
    ("no " * 100_000 + "renal failure", {}),
]


# Checked on their own: which age came from a word, and the notes on values not used
# (test_patient_strict.py has the table of those).
_APART = {"raw", "age_from_word", "issues"}
_WITH_ISSUES = {"age 999, weight 5000 kg"}


def _expect(fields: dict[str, Any]) -> dict[str, Any]:
    want = PatientContext().model_dump(exclude=_APART)
    want.update(fields)
    return want


@pytest.mark.parametrize(("text", "fields"), PATIENTS, ids=[t[:40] for t, _ in PATIENTS])
def test_parse_patient(text: str, fields: dict[str, Any]) -> None:
    start = time.perf_counter()
    got = parse_patient(text)
    assert time.perf_counter() - start < 2
    assert got.raw == text
    assert got.model_dump(exclude=_APART) == pytest.approx(_expect(fields))
    if len(text) <= 4000 and text not in _WITH_ISSUES:
        assert got.issues == ()
    else:
        assert got.issues  # too long to read in full, or impossible values: said, not dropped


QUESTIONS: list[tuple[str, dict[str, Any]]] = [
    ("treatment of GBS in pregnancy", dict(pregnant=True, sex="female")),
    ("dose of IVIg in children", dict(age_years=8)),
    ("What is the dose of IVIg in adults with renal impairment?", dict(renal_impairment=True)),
    ("IVIg dose for adults", {}),  # "adults" alone sets nothing
    ("What is the 10-year risk of ASCVD in adults?", {}),  # "10-year" is not an age
    ("How long should 2 years of therapy last?", {}),
    ("Is metformin safe while breastfeeding?", dict(lactating=True, sex="female")),
    ("amoxicillin dose for a 6-year-old weighing 20 kg", dict(age_years=6, weight_kg=20)),
    ("statins in patients aged 80 with cirrhosis", dict(age_years=80, hepatic_impairment=True)),
    ("treatment of hypertension in elderly patients", dict(age_years=75)),
    ("neonatal sepsis antibiotics", dict(age_years=0)),
    ("lithium in men and women with CKD", dict(renal_impairment=True)),
    ("Can IVIg be used in patients who are not pregnant?", {}),
    # a gestation as notes write it, not the length of a course
    ("G1P0 at 41+2 by dating scan, declines IOL", dict(pregnant=True, sex="female", gestation_weeks=41.29)),
    ("28F, 34 weeks pregnant, on labetalol for 6 wks", dict(pregnant=True, sex="female",
                                                          gestation_weeks=34)),
    ("pregnant at 39/40, GBS positive", dict(pregnant=True, sex="female", gestation_weeks=39)),
    ("pregnant, 2 wks of cough", dict(pregnant=True, sex="female")),
    # an age written before the child it describes
    ("8-mo boy, 8.2 kg, formula-fed", dict(age_years=0.67, sex="male", weight_kg=8.2)),
    ("", {}),
]


@pytest.mark.parametrize(("question", "fields"), QUESTIONS, ids=[q[:40] for q, _ in QUESTIONS])
def test_population_from_question(question: str, fields: dict[str, Any]) -> None:
    got = population_from_question(question)
    assert got.raw == question
    assert got.model_dump(exclude=_APART) == pytest.approx(_expect(fields))
    assert got.issues == ()


def test_populations_follow_from_the_parse() -> None:
    assert parse_patient("3-month-old infant").populations() == ("children",)
    assert parse_patient("elderly man, CrCl 25 mL/min").populations() == ("older adults", "renal impairment")
    assert population_from_question("GBS in pregnancy").populations() == ("pregnancy",)
    assert population_from_question("IVIg dose for adults").is_empty()


def test_merge() -> None:
    question = population_from_question("IVIg for GBS in pregnancy")
    patient = parse_patient("32F 60 kg, CKD stage 4")
    both = merge(question, patient)
    assert both == PatientContext(raw="IVIg for GBS in pregnancy; 32F 60 kg, CKD stage 4", age_years=32,
                                  sex="female", weight_kg=60, pregnant=True, renal_impairment=True)
    # b's stated values win; a's stay where b says nothing; flags never switch off.
    older = merge(parse_patient("70-year-old man 80 kg, cirrhosis"), parse_patient("72 years"))
    assert (older.age_years, older.sex, older.weight_kg, older.hepatic_impairment) == (72, "male", 80, True)
    assert merge(PatientContext(), PatientContext()) == PatientContext()
    assert merge(parse_patient("same"), parse_patient("same")).raw == "same"


def test_non_strings_never_raise() -> None:
    assert parse_patient(None) == PatientContext()  # type: ignore[arg-type]
    assert population_from_question(42) == PatientContext()  # type: ignore[arg-type]


def test_a_decade_is_an_age_group_but_not_a_stated_age() -> None:
    got = parse_patient("pt in her 80s at annual review")
    assert got.age_from_word and got.populations() == ("older adults",)
