"""A guideline whose title is for another population than the patient's does not lead the
answer: a 48-year-old's maintenance fluids are in NICE's "Intravenous fluid therapy in adults in
hospital" (ngc:10195), not in the AAP-endorsed "Risk of acute hyponatremia in hospitalized
children and youth receiving maintenance intravenous fluids" (ngc:9957), nor in NICE's guideline
for children (ngc:10872). Real summaries from ../shared/data (vignette a012 of the checking half)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.compose import build
from medcite.compose.build import ComposeConfig
from medcite.retrieve.search import Retriever
from medcite.store import SQLiteStore

QUESTION = ("48M, 75 kg, post-op ileus NPO, euvolaemic, Na 139 K 4.1, normal renal fn. routine maintenance IV - "
            "how much water/Na/K/glucose per day?")


store = ngc_fixture(("9957", "10195", "10872"), "fluids")


def _context(store: SQLiteStore) -> build._Context:
    ctx = build._context(QUESTION, "clinician", "", None, Retriever(store), store)
    assert ctx.asked_population == "adults"
    return ctx


def test_the_adults_guideline_leads_for_an_adult(store: SQLiteStore) -> None:
    hits = [store.passages_of(d, limit=1)[0] for d in ("ngc:9957", "ngc:10872", "ngc:10195")]
    assert build._own_population_first(hits, _context(store), store)[0].doc_id == "ngc:10195"


def test_a_childrens_guideline_is_not_asked_next_for_an_adult(store: SQLiteStore) -> None:
    ctx = _context(store)
    hits = [store.passages_of(d, limit=1)[0] for d in ("ngc:10195", "ngc:9957", "ngc:10872")]
    ranked = build.candidates(hits, ctx.found)
    assert build._next_documents(ranked, ComposeConfig(), "ngc:10195", ctx.asked_population) == []
    assert build._next_documents(ranked, ComposeConfig(), "ngc:10195") == ["ngc:9957", "ngc:10872"]
