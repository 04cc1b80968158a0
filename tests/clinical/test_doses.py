"""Dose parsing on real guideline (NGC) and FDA label (SPL) sentences.

The sentences are copied verbatim from the shared data (NGC summaries archive and
fda-spl-labels); the id before each names its source.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from datapath import DATA
from medcite.clinical.doses import (
    DoseMention,
    conflict_note,
    dose_in_mg_for_weight,
    dose_signature,
    find_conflicts,
    format_dose,
    parse_doses,
    same_dose,
)
from medcite.sources import spl
from medcite.textutil import split_sentences

# (source, sentence, expected mentions: the fields that must match, in order)
CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("ngc-11372", "GCP - The GDG suggests administering the dose of intravenous immunoglobulins of 0.4 g/kg/day "
     "for five consecutive days.",
     [dict(drug="immune globulin", low=0.4, high=0.4, unit="g/kg/day", per_kg=True, route="intravenous",
           duration="for five consecutive days")]),
    ("ngc-11346", "Dose 0.5g/kg over 2 hours, repeat as clinically indicated.",
     [dict(drug="", low=0.5, unit="g/kg", duration="over 2 hours")]),
    ("ngc-10637", "For the above children where posaconazole is contraindicated, fluconazole 6 – 12 mg/kg/day "
     "(maximum 400 mg/day) IV/PO is suggested as an alternative to posaconazole (weak recommendation, low "
     "quality evidence).",
     [dict(drug="fluconazole", low=6, high=12, unit="mg/kg/day", cap="400 mg/day", route="intravenous or oral",
           population="children")]),
    ("ngc-11258", "1 month to <17 years: 0.02 mg/kg intravenous (IV) once (maximum: 1.5 mg/dose) prechemotherapy.",
     [dict(drug="", low=0.02, unit="mg/kg", route="intravenous", cap="1.5 mg/dose",
           population="age 1 month to <17 years")]),
    ("ngc-11258", "Day 1: 3 mg/kg (maximum: 125 mg) by mouth (PO) × 1.",
     [dict(low=3, unit="mg/kg", route="oral", cap="125 mg")]),
    ("ngc-11041", "In paediatric trauma patients aged under 12 years, a tranexamic acid dose of 15 mg/kg (maximum "
     "1000 mg) infused intravenously over 10 minutes, followed by 2 mg/kg/hour (maximum 125 mg/hour) until bleeding "
     "is controlled or for up to 8 hours is suggested.c,e (Practice Point)",
     [dict(drug="tranexamic acid", low=15, unit="mg/kg", cap="1000 mg", route="intravenous",
           duration="over 10 minutes", population="aged under 12 years"),
      dict(drug="tranexamic acid", low=2, unit="mg/kg/hour", cap="125 mg/hour", duration="for up to 8 hours")]),
    ("ngc-10298", "Metronidazole 400 mg to 500 mg twice daily for 7 days (III) – in those who failed to respond to "
     "a first course of treatment, 40% responded to a repeat course of standard treatment.",
     [dict(drug="metronidazole", low=400, high=500, unit="mg", frequency="twice daily", duration="for 7 days")]),
    ("ngc-10417", "Options include clopidogrel 75 mg daily, prasugrel 10 mg daily, or ticagrelor 90 mg bid (twice "
     "a day) [IA].",
     [dict(drug="clopidogrel", low=75, unit="mg", frequency="once daily"),
      dict(drug="prasugrel", low=10, unit="mg", frequency="once daily"),
      dict(drug="ticagrelor", low=90, unit="mg", frequency="twice daily")]),
    ("ngc-10327", "Ceftriaxone 250 mg intramuscularly (IM) in a single dose (Ib, B)",
     [dict(drug="ceftriaxone", low=250, unit="mg", route="intramuscular", frequency="single dose")]),
    ("ngc-11246", "Triple therapy = Vancomycin 500 mg by mouth, four times daily, metronidazole 500 mg intravenous "
     "(IV) every 8 hours, and vancomycin enema every 6 hours (in patients with ileus, bowel obstruction or toxic "
     "megacolon) [IB].",
     [dict(drug="vancomycin", low=500, unit="mg", route="oral", frequency="four times daily"),
      dict(drug="metronidazole", low=500, unit="mg", route="intravenous", frequency="every 8 hours")]),
    # "(IV, C)" is an evidence level, not the route; "up to 100 mg" is a maximum.
    ("ngc-10238", "Amitriptyline gradually titrated from 10 mg up to 100 mg according to response and side effects "
     "may be beneficial in some women (IV, C).",
     [dict(drug="amitriptyline", low=10, unit="mg", cap="100 mg", route="")]),
    ("ngc-10476", "For most patients, a daily intake of at least 1,000 to 2,000 IU of ergocalciferol (D2) or "
     "cholecalciferol (D3) should be adequate (Grade A, BEL 1).",
     [dict(drug="ergocalciferol", low=1000, high=2000, unit="IU", frequency="once daily")]),
    ("ngc-10782", "When treating DKA with intravenous insulin in children and young people, use a soluble insulin "
     "infusion at a dosage between 0.05 and 0.1 units/kg/hour.",
     [dict(drug="insulin", low=0.05, high=0.1, unit="units/kg/hour", route="intravenous", population="children")]),
    ("ngc-10959", "The Task Force suggests the standard dose (250 μg for adults and children ≥2 y of age, 15 μg/kg "
     "for infants, and 125 μg for children <2 y of age) iv corticotropin stimulation (30 or 60 min) test over other "
     "existing diagnostics tests to establish the diagnosis of adrenal insufficiency.",
     [dict(low=250, unit="mcg", population="adults"), dict(low=15, unit="mcg/kg", population="infants"),
      dict(low=125, unit="mcg", population="children <2 y of age")]),
    ("ngc-10477", "Take niacin with food or premedicate with aspirin 325 mg 30 minutes before niacin dosing to "
     "alleviate flushing symptoms.",
     [dict(drug="aspirin", low=325, unit="mg")]),
    # The eGFR band is a lab value; "should not exceed" makes 54 mg/day a maximum.
    ("ngc-10477", "If eGFR is between 30 and 59 mL/min per 1.73 m2, the dose of fenofibrate should not exceed "
     "54 mg/day.*",
     [dict(drug="fenofibrate", low=54, unit="mg/day", cap="54 mg/day")]),
    ("ngc-10477", "If an extended-release preparation is used, increase the dose of extended-release niacin from "
     "500 mg to a maximum of 2,000 mg/day over 4 to 8 weeks, with the dose of extended-release niacin increasing "
     "not more than weekly.",
     [dict(drug="niacin", low=500, unit="mg", cap="2000 mg/day", duration="over 4 to 8 weeks", frequency="")]),
    ("ngc-10477", "If immediate-release niacin is chosen, start at a dose of 100 mg 3 times daily and up-titrate "
     "to 3 g/day, divided into 2 or 3 doses.",
     [dict(drug="niacin", low=100, unit="mg", frequency="three times daily"),
      dict(drug="niacin", low=3, unit="g/day", frequency="")]),
    ("ngc-10066", "First-line treatment remains doxycycline 100 mg twice a day (BD) for 3 weeks.",
     [dict(drug="doxycycline", low=100, unit="mg", frequency="twice daily", duration="for 3 weeks")]),
    ("ngc-10417", "Acceptable options for secondary prevention of non-cardioembolic stroke are: aspirin 50 mg to "
     "325 mg daily, aspirin 25 mg plus extended-release dipyridamole 200mg twice daily, and clopidogrel 75 mg daily "
     "[IA].",
     [dict(drug="aspirin", low=50, high=325, unit="mg", frequency="once daily"),
      dict(drug="aspirin", low=25, unit="mg", frequency=""),
      dict(drug="dipyridamole", low=200, unit="mg", frequency="twice daily"),
      dict(drug="clopidogrel", low=75, unit="mg", frequency="once daily")]),
    ("ngc-10217", "Oral supplementation with crystalline vitamin B12 at a dosage of 1000 μg daily or more may be "
     "used to maintain normal vitamin B12 levels (Grade A; BEL 1).",
     [dict(low=1000, unit="mcg", frequency="once daily")]),
    # "days 1, 4, 8, and 11" are days, not doses.
    ("ngc-10003", "The recommended dose and schedule of bortezomib is 1.3 mg/m2 given as a rapid intravenous bolus "
     "over three to five seconds on days 1, 4, 8, and 11 of an every-21-days cycle.",
     [dict(drug="bortezomib", low=1.3, unit="mg/m2", per_kg=False, route="intravenous")]),
    ("ngc-10373", "Docetaxel 75 mg/m2 day 1 + capecitabine 1,250 mg/m2, twice daily (b.i.d), days 1–14, q3w",
     [dict(drug="docetaxel", low=75, unit="mg/m2", frequency=""),
      dict(drug="capecitabine", low=1250, unit="mg/m2", frequency="twice daily")]),
    ("ngc-10798", "The usual dose in infants and young children is 3 mg/kg to 6 mg/kg of elemental iron per day in "
     "2 to 3 divided doses.",
     [dict(drug="iron", low=3, high=6, unit="mg/kg", text="3 mg/kg to 6 mg/kg")]),
    ("ngc-10732", "Doxycycline is dosed at 4 mg/kg/day in two divided doses, with a maximal daily dose of 200 mg.",
     [dict(drug="doxycycline", low=4, unit="mg/kg/day", frequency="in 2 divided doses", cap="200 mg")]),
    ("ngc-10898", "Prednisone 0.75 mg/kg/d is probably associated with significant risk of weight gain, hirsutism, "
     "and cushingoid appearance.",
     [dict(drug="prednisone", low=0.75, unit="mg/kg/day", text="0.75 mg/kg/d")]),
    ("ngc-11225", "Appropriate L-T4 doses in CH average 1.6 µg/kg/day, with dose adjustments based on clinical "
     "context, age, and fT4 levels.",
     [dict(drug="levothyroxine", low=1.6, unit="mcg/kg/day")]),
    ("ngc-11272", "Infliximab 5 mg kg-1 every 8 weeks | Infliximab 5 mg kg-1 every 6 weeks",
     [dict(drug="infliximab", low=5, unit="mg/kg", frequency="every 8 weeks"),
      dict(drug="infliximab", low=5, unit="mg/kg", frequency="every 6 weeks")]),
    ("ngc-10250", "If BCG and IFN-α2b failure: 100 million units in 50 mL bladder instillation weekly for 6 to 8 "
     "weeks.",
     [dict(low=100_000_000, unit="units"),
      dict(low=50, unit="mL", route="intravesical", frequency="once weekly", duration="for 6 to 8 weeks")]),
    ("ngc-10362", "Receiving unfractionated heparin in a dose of ≤10,000 IU/d subcutaneously, 4 hours after the "
     "last dose and possibly immediately after the last dose without any delay (III-B)",
     [dict(drug="heparin", low=10000, unit="IU/day", route="subcutaneous", cap="10000 IU/day")]),
    ("ngc-10290", "Dabigatran 150 mg twice daily (if creatinine clearance [CrCl] >30 mL/min)",
     [dict(drug="dabigatran", low=150, unit="mg", frequency="twice daily")]),
    # FFP is not in the drug lexicon: its drug stays "" rather than borrowing vitamin K.
    ("ngc-10943", "The authors suggest dosing FFP at 10–15 ml/kg IV along with one dose of vitamin K 10 mg IV.",
     [dict(drug="", low=10, high=15, unit="mL/kg", route="intravenous"),
      dict(drug="vitamin k", low=10, unit="mg", route="intravenous")]),
    ("ngc-10066", "Vancomycin delivered orally (125 mg four times per day) plus intravenous metronidazole (500 mg "
     "three times a day) is the treatment of choice in patients with severe and complicated CDI who have no "
     "significant abdominal distention.",
     [dict(drug="vancomycin", low=125, route="oral", frequency="four times daily"),
      dict(drug="metronidazole", low=500, route="intravenous", frequency="three times daily")]),
    ("ngc-11383", "Lyme disease arthritis | Oral doxycycline: 100 mg twice per day or 200 mg once per day for 28 "
     "days | Oral amoxicillin: 1 g 3 times per day for 28 days | Intravenous ceftriaxone: 2 g once per day for 28 "
     "days",
     [dict(drug="doxycycline", low=100, route="oral", frequency="twice daily"),
      dict(drug="doxycycline", low=200, frequency="once daily", duration="for 28 days"),
      dict(drug="amoxicillin", low=1, unit="g", route="oral", frequency="three times daily"),
      dict(drug="ceftriaxone", low=2, unit="g", route="intravenous", frequency="once daily")]),
    ("ngc-9085-like", "A - Patients admitted with stroke within four and a half hours of definite onset of symptoms, "
     "who are considered suitable, should be treated with 0.9 mg/kg (up to maximum 90 mg) intravenous recombinant "
     "tissue plasminogen activator (rt-PA).",
     [dict(drug="alteplase", low=0.9, unit="mg/kg", cap="90 mg", route="intravenous")]),
    ("spl humira", "The recommended dose of HUMIRA for adult patients with rheumatoid arthritis (RA), psoriatic "
     "arthritis (PsA), or ankylosing spondylitis (AS) is 40 mg administered every other week.",
     [dict(drug="adalimumab", low=40, unit="mg", frequency="every other week", population="adults")]),
    ("spl lipitor", "The recommended starting dose of LIPITOR is 10 or 20 mg once daily.",
     [dict(drug="atorvastatin", low=10, unit="mg", frequency="once daily", text="10 or 20 mg"),
      dict(drug="atorvastatin", low=20, unit="mg", frequency="once daily")]),
    # A maximum stated after a dose belongs to it; "doses greater than 20 mg" is a threshold, not a dose.
    ("spl lipitor", "The recommended starting dose of LIPITOR is 10 mg/day; the maximum recommended dose is 20 "
     "mg/day (doses greater than 20 mg have not been studied in this patient population).",
     [dict(drug="atorvastatin", low=10, unit="mg/day", cap="20 mg/day")]),
    ("spl lipitor", "White, elliptical, film-coated tablets containing 10, 20, 40, and 80 mg atorvastatin calcium.",
     [dict(drug="atorvastatin", low=v, unit="mg") for v in (10, 20, 40, 80)]),
    ("spl haloperidol", "Moderate Symptomatology - 0.5 mg to 2 mg b.i.d. or t.i.d.",
     [dict(low=0.5, high=2, unit="mg", frequency="twice daily or three times daily")]),
    # A flattened table row: its first cell is the situation every dose of the row is for, and two
    # doses given as alternatives share the route before the first and the course after the second.
    ("ngc-11383", "Lyme disease arthritis | Oral doxycycline: 100 mg twice per day or 200 mg once per day for 28 "
     "days | Oral amoxicillin: 1 g 3 times per day for 28 days | Intravenous ceftriaxone: 2 g once per day for 28 days",
     [dict(drug="doxycycline", low=100, unit="mg", frequency="twice daily", route="oral", duration="for 28 days",
           population="Lyme disease arthritis"),
      dict(drug="doxycycline", low=200, unit="mg", frequency="once daily", route="oral", duration="for 28 days",
           population="Lyme disease arthritis"),
      dict(drug="amoxicillin", low=1, unit="g", route="oral", duration="for 28 days"),
      dict(drug="ceftriaxone", low=2, unit="g", route="intravenous", duration="for 28 days")]),
    # "(when an oral switch is being considered, use doxycycline)" is a remark: no route of the 4 g dose.
    ("ngc-11383", "Lyme disease affecting the central nervous system | Intravenous ceftriaxone: 2 g twice per day or "
     "4 g once per day for 21 days (when an oral switch is being considered, use doxycycline) | Oral doxycycline: "
     "200 mg twice per day or 400 mg once per day for 21 days | —",
     [dict(drug="ceftriaxone", low=2, unit="g", frequency="twice daily", route="intravenous", duration="for 21 days"),
      dict(drug="ceftriaxone", low=4, unit="g", frequency="once daily", route="intravenous", duration="for 21 days"),
      dict(drug="doxycycline", low=200, unit="mg", route="oral"),
      dict(drug="doxycycline", low=400, unit="mg", route="oral", duration="for 21 days")]),
    # A footnote letter glued to a drug's name ("doxycyclinea") still names it: the 2.5 mg/kg is
    # doxycycline's, not the amoxicillin of the next cell.
    ("ngc-11383", "Erythema migrans and/or Non-focal symptoms | 9–12 years | Oral doxycyclinea for children under 45 "
     "kg: 5 mg/kg in 2 divided doses on day 1 followed by 2.5 mg/kg daily in 1 or 2 divided doses for a total of 21 "
     "days  For severe infections, up to 5 mg/kg daily for 21 days | Oral amoxicillin for children 33 kg and under: "
     "30 mg/kg 3 times per day for 21 days | Oral azithromycind,e for children 50 kg and under: 10 mg/kg daily for "
     "17 days",
     [dict(drug="doxycycline", low=5, unit="mg/kg", population="Erythema migrans and/or Non-focal symptoms, children"),
      dict(drug="doxycycline", low=2.5, unit="mg/kg", duration="for a total of 21 days"),
      dict(drug="amoxicillin", low=30, unit="mg/kg", duration="for 21 days"),
      dict(drug="azithromycin", low=10, unit="mg/kg", duration="for 17 days")]),
]

# Real sentences with numbers that are not doses: studies, levels, lab values, ages, weights, percentages.
NO_DOSE = [
    ("ngc-9085", "Based on 2 Class I studies, IVIg is as efficacious as plasmapheresis for treating GBS in adults."),
    ("ngc-9085", "IVIg should be offered to treat GBS in adults (Level A)."),
    ("ngc-9085", "Data are insufficient to make a recommendation on optimal IVIg dosing."),
    ("ngc-10477", "Adults 40 to 75 years of age with LDL-C 70–189 mg/dL, without clinical ASCVD* or diabetes, and "
     "with an estimated 10-year ASCVD‖ risk ≥7.5% should be treated with moderate- to high-intensity statin therapy."),
    ("ngc-11041", "In adult patients with chronic kidney disease, ESA therapy to achieve a Hb target of >130 g/L is "
     "not recommended because of increased morbidity; therefore, it is sensible to apply this limit to paediatric "
     "patients.a (Practice Point)"),
    ("ngc-10516", "Perioperative medical management of patients undergoing carotid revascularization should include "
     "blood pressure control (<140/80 mm Hg), β-blockade (heart rate, 60-80 beats/min), and statin therapy "
     "(low-density lipoprotein [LDL] <100 mg/dL) (Grade 1, Level of Evidence B)."),
    ("spl humira", "Limited data are available for HUMIRA treatment in pediatric patients with a weight below 15 kg."),
    ("spl lipitor", "After initiation and/or upon titration of LIPITOR, lipid levels should be analyzed within 2 to "
     "4 weeks and dosage adjusted accordingly."),
    # A threshold ("over 10,000 IU a day is teratogenic") is not a dose to give.
    ("ngc-10476", "Intake of vitamin A over 10,000 IU a day is teratogenic, so women should be advised against "
     "excessive supplementation (Grade B, BEL 2)."),
]


def _check(m: DoseMention, expected: dict[str, Any]) -> None:
    for field, want in expected.items():
        got = getattr(m, field)
        assert got == (pytest.approx(want) if isinstance(want, float | int) and field in ("low", "high") else want), (
            f"{field}: {got!r} != {want!r} in {m}")
    if "high" not in expected:
        assert m.high == pytest.approx(expected["low"])


@pytest.mark.parametrize(("source", "sentence", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_real_sentences(source: str, sentence: str, expected: list[dict[str, Any]]) -> None:
    got = parse_doses(sentence)
    assert len(got) == len(expected), [format_dose(m) for m in got]
    for m, want in zip(got, expected, strict=True):
        _check(m, want)
        assert sentence[m.span[0] : m.span[1]] == m.text
        assert m.drug_key == m.drug.lower()


@pytest.mark.parametrize(("source", "sentence"), NO_DOSE, ids=[f"{c[0]}-{i}" for i, c in enumerate(NO_DOSE)])
def test_real_sentences_without_doses(source: str, sentence: str) -> None:
    assert parse_doses(sentence) == []


def test_dose_row_round_trip_on_real_sentences() -> None:
    """What the verifier does: a row's '<amount> <unit>' and cap must be found in the sentence's signature."""
    for _, sentence, _ in CASES:
        have = dose_signature(sentence)
        for m in parse_doses(sentence):
            assert dose_signature(f"{m.amount} {m.unit}") <= have, (sentence, m)
            if m.cap:
                assert dose_signature(m.cap) <= have, (sentence, m.cap)


@pytest.mark.parametrize(("text", "low", "high", "unit"), [
    ("1-2 mg/kg", 1, 2, "mg/kg"),
    ("1 to 2 mg/kg/day", 1, 2, "mg/kg/day"),
    ("0.4 g/kg/day", 0.4, 0.4, "g/kg/day"),
    ("2 g/kg total dose divided over 2 to 5 days", 2, 2, "g/kg"),
    ("1,250.5 mg/m2", 1250.5, 1250.5, "mg/m2"),
    ("20 mg/kg/d", 20, 20, "mg/kg/day"),
    ("2 mg per kg", 2, 2, "mg/kg"),
    ("250 µg", 250, 250, "mcg"),
    ("250 mcg", 250, 250, "mcg"),
    ("5000 IU", 5000, 5000, "IU"),
    ("20 units/kg", 20, 20, "units/kg"),
    ("5 ml/kg", 5, 5, "mL/kg"),
    ("1.5 mg per kg per day", 1.5, 1.5, "mg/kg/day"),
    ("100-mg dose", 100, 100, "mg"),
])
def test_units_and_ranges(text: str, low: float, high: float, unit: str) -> None:
    (m,) = parse_doses(text)
    assert (m.low, m.high, m.unit) == (pytest.approx(low), pytest.approx(high), unit)
    assert m.per_kg == ("/kg" in unit)


@pytest.mark.parametrize(("text", "frequency", "route"), [
    ("drug 1 g IV q8h", "every 8 hours", "intravenous"),
    ("drug 500 mg PO bid", "twice daily", "oral"),
    ("drug 500 mg by mouth t.i.d.", "three times daily", "oral"),
    ("drug 5 mg SC qd", "once daily", "subcutaneous"),
    ("drug 5 mg SQ daily", "once daily", "subcutaneous"),
    ("drug 1 g IM once weekly", "once weekly", "intramuscular"),
    ("drug 2 g by infusion every 2 weeks", "every 2 weeks", "intravenous"),
    ("drug 10 mg orally every other day", "every other day", "oral"),
    ("drug 5 mg at bedtime", "at bedtime", ""),
])
def test_frequency_and_route_normalised(text: str, frequency: str, route: str) -> None:
    (m,) = parse_doses(text)
    assert (m.frequency, m.route) == (frequency, route)


def test_context_supplies_drug_and_route_only_when_the_sentence_lacks_them() -> None:
    title = "HUMIRA (adalimumab) injection, for subcutaneous use"
    (m,) = parse_doses("Two weeks later (Day 29) begin a maintenance dose of 40 mg every other week.", context=title)
    assert (m.drug, m.route) == ("adalimumab", "subcutaneous")
    (m,) = parse_doses("Two weeks later (Day 29) begin a maintenance dose of 40 mg every other week.")
    assert (m.drug, m.route) == ("", "")
    (m,) = parse_doses("Prednisone 1 mg/kg orally", context=title)
    assert (m.drug, m.route) == ("prednisone", "oral")


def test_abbreviation_resolves_to_drug() -> None:
    (m,) = parse_doses("IVIg 2 g/kg total dose divided over 2 to 5 days")
    assert (m.drug, m.drug_key, m.duration) == ("immune globulin", "immune globulin", "over 2 to 5 days")
    (m,) = parse_doses("MTX 15 mg weekly")
    assert (m.drug, m.frequency) == ("methotrexate", "once weekly")


@pytest.mark.parametrize(("sentence", "weight", "expected"), [
    ("IVIg 0.4 g/kg", 70, "28 g (70 kg × 0.4 g/kg)"),
    ("prednisone 1-2 mg/kg/day", 70, "70–140 mg/day (70 kg × 1–2 mg/kg/day)"),
    ("ceftriaxone 50 mg/kg (maximum 1 g)", 25,
     "1000 mg (25 kg × 50 mg/kg = 1250 mg; capped at 1 g, the stated maximum)"),
    ("ceftriaxone 50 mg/kg (maximum 1 g)", 10, "500 mg (10 kg × 50 mg/kg)"),
    ("fluconazole 6–12 mg/kg/day (maximum 400 mg/day)", 50,
     "300–400 mg/day (50 kg × 6–12 mg/kg/day = 300–600 mg/day; capped at 400 mg/day, the stated maximum)"),
    ("ondansetron 0.15 mg/kg", 12.5, "1.875 mg (12.5 kg × 0.15 mg/kg)"),
    ("HUMIRA 40 mg every other week", 70, ""),
    ("IVIg 0.4 g/kg", 0, ""),
    ("IVIg 0.4 g/kg", float("nan"), ""),
])
def test_dose_for_weight(sentence: str, weight: float, expected: str) -> None:
    (m,) = parse_doses(sentence)
    assert dose_in_mg_for_weight(m, weight) == expected


def test_same_dose_normalises_units() -> None:
    one_g, thousand_mg = parse_doses("cefazolin 1 g IV q8h")[0], parse_doses("cefazolin 1000 mg IV every 8 hours")[0]
    assert same_dose(one_g, thousand_mg)
    assert same_dose(parse_doses("400 mcg")[0], parse_doses("0.4 mg")[0])
    assert same_dose(parse_doses("10 mg/day")[0], parse_doses("10 mg once daily")[0])
    assert not same_dose(one_g, parse_doses("cefazolin 2 g IV q8h")[0])
    assert not same_dose(parse_doses("40 mg every other week")[0], parse_doses("40 mg every week")[0])
    assert not same_dose(parse_doses("2 mg/kg")[0], parse_doses("2 mg")[0])


def _mention(sentence: str) -> DoseMention:
    return parse_doses(sentence)[0]


def test_find_conflicts() -> None:
    a, b = _mention("prednisone 1-2 mg/kg/day"), _mention("prednisone 2-3 mg/kg/day")
    groups = find_conflicts([(3, a), (4, b)])
    assert groups == [[(3, a), (4, b)]]
    assert conflict_note(groups[0]) == "Sources differ: 1–2 mg/kg/day [3] vs 2–3 mg/kg/day [4]"
    # Same dose written differently, different drugs, unit kinds or populations: no conflict.
    assert find_conflicts([(1, _mention("cefazolin 1 g IV")), (2, _mention("cefazolin 1000 mg IV"))]) == []
    assert find_conflicts([(1, _mention("cefazolin 1 g")), (2, _mention("ceftriaxone 2 g"))]) == []
    assert find_conflicts([(1, _mention("prednisone 1 mg/kg/day")), (2, _mention("prednisone 60 mg/day"))]) == []
    assert find_conflicts([(1, _mention("adalimumab 40 mg for adults")),
                           (2, _mention("adalimumab 20 mg for children"))]) == []
    # A source that also gives the other's dose (loading + maintenance) agrees with it.
    loading, upkeep = parse_doses("adalimumab 160 mg on Day 1, then 40 mg every other week")
    assert find_conflicts([(1, loading), (1, upkeep), (2, _mention("adalimumab 40 mg every other week"))]) == []
    # The same key never conflicts with itself; unknown drugs are not compared.
    assert find_conflicts([(1, a), (1, b)]) == []
    assert find_conflicts([(1, _mention("give 1 g")), (2, _mention("give 2 g"))]) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("1-2 mg/kg/day", {(1.0, 2.0, "mg/kg/day")}),
    ("0.4 g/kg", {(400.0, 400.0, "mg/kg")}),
    ("1 g", {(1000.0, 1000.0, "mg")}),
    ("1000 mg", {(1000.0, 1000.0, "mg")}),
    ("400 mcg", {(0.4, 0.4, "mg")}),
    ("5000 IU", {(5000.0, 5000.0, "units")}),
    ("fluconazole 6–12 mg/kg/day (maximum 400 mg/day)", {(6.0, 12.0, "mg/kg/day"), (400.0, 400.0, "mg/day")}),
    ("LDL-C ≥190 mg/dL, CrCl 30 mL/min, Hb 130 g/L, 2 Class I studies, Level A, 45%, 2013, for 5 days", set()),
])
def test_dose_signature(text: str, expected: set[tuple[float, float, str]]) -> None:
    assert dose_signature(text) == expected


@pytest.mark.parametrize("text", [
    "", " ", "mg", "μg/kg", "\x00\ud800", "１,０００ mg", "1," * 50_000 + " mg", "1 mg " * 50_000,
    "9" * 5_000 + " mg", "between " * 5_000, "IVIg 2 g/kg, " * 5_000, "🙂 2 mg 🙂",
])
def test_hostile_input_is_bounded_and_never_raises(text: str) -> None:
    start = time.perf_counter()
    for m in parse_doses(text):
        assert text[m.span[0] : m.span[1]] == m.text
    dose_signature(text)
    assert time.perf_counter() - start < 5


def test_non_strings_give_nothing() -> None:
    assert parse_doses(None) == []  # type: ignore[arg-type]
    assert dose_signature(None) == set()  # type: ignore[arg-type]


def _label_doses(name: str) -> list[DoseMention]:
    path = DATA / "fda-spl-labels" / name
    (doc,) = spl.parse(path.read_bytes(), path.name).documents
    return [m for p in doc.passages if p.section.startswith("Dosage and Administration")
            for s in split_sentences(p.text) for m in parse_doses(s, context=doc.title)]


def test_humira_label_dosage_section() -> None:
    doses = _label_doses("humira.xml")
    every_other_week = [m for m in doses if (m.drug, m.low, m.unit, m.frequency) ==
                        ("adalimumab", 40, "mg", "every other week")]
    assert len(every_other_week) >= 4  # RA/PsA/AS, JIA >= 30 kg, Crohn's, UC, psoriasis
    assert {m.route for m in every_other_week} == {"subcutaneous"}
    assert any(m.population == "adults" for m in every_other_week)
    # The table's first cell names whom its rows dose, then each row's weight band.
    assert any(m.population == "Pediatric Patients (4 to 17 years), weight ≥30 kg" for m in every_other_week)
    assert any((m.low, m.frequency, m.population) ==
               (20, "every other week", "Pediatric Patients (4 to 17 years), weight 15 kg to <30 kg") for m in doses)
    assert {160, 80, 40, 20} <= {m.low for m in doses if m.unit == "mg"}
    assert any((m.low, m.frequency) == (40, "once weekly") for m in doses)  # "increasing ... to 40 mg every week"
    assert {m.drug for m in doses} == {"adalimumab"}


def test_lipitor_label_dosage_section() -> None:
    doses = _label_doses("lipitor-orig.xml")
    assert {m.drug for m in doses} == {"atorvastatin"}
    assert {m.route for m in doses} == {"oral"}
    ranges = [m for m in doses if (m.low, m.high, m.unit) == (10, 80, "mg")]
    assert len(ranges) == 2 and {m.frequency for m in ranges} == {"once daily"}  # HeFH and HoFH
    assert {(m.low, m.frequency) for m in doses if m.text == "10 or 20 mg"} == {(10, "once daily"), (20, "once daily")}
    paediatric = next(m for m in doses if m.unit == "mg/day")
    assert (paediatric.low, paediatric.cap) == (10, "20 mg/day")
    # "therapy with LIPITOR should be limited to 20 mg" (and 40 mg): maxima stated on their own
    assert {(m.low, m.cap) for m in doses if m.unit == "mg" and m.cap} == {(20, "20 mg"), (40, "40 mg")}


@pytest.mark.parametrize(("name", "generic"), [
    ("Humira", "adalimumab"),  # brand → generic, from the package lexicon
    ("sildenafil citrate", "sildenafil"),  # the salt is not the drug
    ("intravenous methylprednisolone", "methylprednisolone"),  # nor the route
    ("immunoglobulin", "immune globulin"),  # an alias the lexicon lacks
    ("creatinine", ""),  # a lab analyte in the lexicon, not a drug to dose
    ("the", ""),
])
def test_resolve_drug(name: str, generic: str) -> None:
    from medcite.clinical.dose_drugs import resolve_drug

    assert resolve_drug(name) == generic


def test_drug_spans_find_names_and_abbreviations() -> None:
    from medcite.clinical.dose_drugs import drug_spans

    text = "IVIg 2 g/kg over 5 days, then prednisone 1 mg/kg daily"
    assert drug_spans(text) == [(0, 4, "immune globulin"), (30, 40, "prednisone")]


@pytest.mark.parametrize(("sentence", "owners"), [
    # ngc:10327 (chancroid): the 250 mg regimen is erythromycin's, not the comparator's
    ("Cure rates of 91% were achieved in a randomised double blind trial of erythromycin 500 mg three times "
     "daily for 7 days (versus a single dose of ciprofloxacin) (Ib, B). The efficacy of an even shorter regimen "
     "(250 mg three times daily for 5 days) was reportedly high in a small trial.", ["erythromycin", ""]),
    ("Give aspirin 75 mg daily rather than clopidogrel 75 mg daily.", ["aspirin", "clopidogrel"]),
    ("Ceftriaxone 250 mg intramuscularly (IM) in a single dose (Ib, B)", ["ceftriaxone"]),
    ("Erythromycin base 500 mg orally four times a day for 7 days (Ib, B/A).", ["erythromycin"]),
])
def test_a_dose_never_belongs_to_a_comparator_or_an_earlier_sentence(sentence: str, owners: list[str]) -> None:
    assert [m.drug for m in parse_doses(sentence)] == owners
