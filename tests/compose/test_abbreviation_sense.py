"""An ambiguous abbreviation read in one sense never lets a source about another sense answer:
"HD" beside "dialysis" is hemodialysis, and a Huntington disease page that writes "HD" on every
line ("no treatment is available to slow, stop or reverse the course of HD") is about something
else. Real sources from ../shared/data: the NINDS Huntington's disease page, an NIDDK kidney page
and the LIPITOR label."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import ingested
from medcite.answering import ask
from medcite.store import SQLiteStore

QUESTION = "66M ESKD starting HD next week, on atorvastatin 20 for years. stop it once he's on dialysis?"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[SQLiteStore]:
    folder = tmp_path_factory.mktemp("hd")
    for path in ("medquad/6_NINDS_QA/0000152.xml", "medquad/5_NIDDK_QA/0000033.xml", "fda-spl-labels/lipitor-orig.xml"):
        source = data_dir / path
        (folder / source.parent.name).mkdir(exist_ok=True)
        shutil.copy(source, folder / source.parent.name / source.name)
    with ingested(folder) as s:
        yield s


def test_a_page_about_another_sense_gives_no_bottom_line(store: SQLiteStore) -> None:
    answer = ask(QUESTION, store, save=False)
    cited = {r.number: r.title for r in answer.references}
    for s in answer.bottom_line:
        assert "Huntington" not in cited[s.citations[0]], s.text


def test_the_chosen_sense_is_searched_for() -> None:
    from medcite.understand.frame import understand

    # without a scope index the table's first sense is kept; the hint names it for retrieval
    frame = understand("HD pt 3x/wk, phos high on calcium acetate. what binder now?")
    assert any(h in ("hemodialysis", "Huntington disease") for h in frame.senses)
    assert frame.senses[0] in frame.search_text


def test_a_word_of_the_question_inside_a_sense_chooses_it() -> None:
    from medcite.retrieve.scope import Scope, ScopeIndex
    from medcite.understand.frame import understand

    scopes = ScopeIndex([Scope("medquad:1", "consumer", "Huntington disease", ("Huntington disease",), "", ()),
                         Scope("medquad:2", "consumer", "Kidney failure", ("Kidney failure",), "", ())])
    frame = understand("66M ESKD starting HD next week. stop the statin once he's on dialysis?", scopes=scopes)
    assert frame.senses == ("hemodialysis",)


def test_one_drug_under_two_names_is_no_other_sense() -> None:
    from medcite.compose.build import _generic_stems, _other_senses
    from medcite.understand.frame import understand

    frame = understand("33F lupus flare, pred started at 30 mg/d 3 wks ago, now much better. how fast do I taper the pred?")
    assert not any("prednison" in sense or "prednisolon" in sense for sense in _other_senses(frame, _generic_stems()))
    frame = understand("levo 88 mcg daily, TSH 6.2 - up the dose?")
    assert any("levofloxacin" in sense for sense in _other_senses(frame, _generic_stems()))


@pytest.mark.parametrize(("question", "sense"), [
    ("59M T2DM, DFU under L 1st MTH, probe-to-bone +ve, MRI shows OM of the 1st met head. how many weeks of abx?",
     "osteomyelitis"),
    ("2yo, fever 39, bulging red TM, OM on the L - amoxicillin dose?", "otitis media"),
])
def test_om_is_read_by_the_body_part(question: str, sense: str) -> None:
    # the scopes of the IWGDF foot infection guideline (ngc:11055) and the AAP otitis media one
    from medcite.retrieve.scope import Scope, ScopeIndex
    from medcite.understand.frame import understand

    scopes = ScopeIndex([
        Scope("ngc:11055", "guideline", "IWGDF guidance on the diagnosis and management of foot infections in persons "
              "with diabetes", ("Diabetic foot infections including osteomyelitis",),
              "Persons aged 18 years and older with suspected or confirmed diabetic foot infections",
              ("Performing a probe-to-bone test for osteomyelitis",)),
        Scope("ngc:9999", "guideline", "The diagnosis and management of acute otitis media", ("Acute otitis media",),
              "Children 6 months through 12 years of age", ("Amoxicillin",)),
    ])
    assert understand(question, scopes=scopes).senses[0] == sense
