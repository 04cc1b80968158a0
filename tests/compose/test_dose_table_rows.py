"""A guideline that gives its regimens as a table (NICE Lyme disease, ngc:11383): the answer's
dosing table keeps each row's situation and course, and an answer without a sentence stating the
course points to the table rather than saying the sources are silent. The real summary, ingested
from ../shared/data."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("11383",), "lyme")


def test_table_rows_keep_their_situation_route_and_course(store: SQLiteStore) -> None:
    answer = ask("34 y/o hiker, swollen R knee x3 wks, Lyme serology positive, no neuro or cardiac sx. "
                 "doxy - what dose and for how long?", store, save=False)
    rows = {(r.drug, r.dose, r.unit, r.route, r.duration, r.population) for r in answer.dosing}
    assert ("doxycycline", "100", "mg", "oral", "for 28 days", "Lyme disease arthritis") in rows
    assert ("doxycycline", "200", "mg", "oral", "for 28 days", "Lyme disease arthritis") in rows
    # The 4 g of ceftriaxone is intravenous: "(when an oral switch is being considered …)" is a remark.
    assert not any(r.drug == "ceftriaxone" and r.route == "oral" for r in answer.dosing)
    assert all(r.population for r in answer.dosing)  # every row of a table says whom it is for
    gaps = [g.text for g in answer.gaps]
    assert not any("do not state the duration" in g for g in gaps), gaps
    if not answer.bottom_line:
        assert any("the dosing table gives the courses they list" in g for g in gaps), gaps
