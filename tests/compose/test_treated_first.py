"""A question about a patient on a drug is for the guideline that considers that drug (or its
class) for the asked condition, not for a guideline on the same condition that considers only
diet. Real summaries from ../shared/data: the Academy of Nutrition and Dietetics hypertension
nutrition practice guideline (ngc:10946) and the SOGC treatment of hypertensive disorders of
pregnancy (ngc:10362), for a vignette of the clinical set's tuning half (b018, HTN written out)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.compose import build
from medcite.retrieve.search import Retriever
from medcite.store import SQLiteStore

QUESTION = "G1 at 30 wks, gestational hypertension 150/100, no comorbidities, started labetalol. what BP am I aiming for?"


store = ngc_fixture(("10946", "10362"), "htn")


def _ranked(store: SQLiteStore, first: str, second: str) -> list[str]:
    ctx = build._context(QUESTION, "clinician", "", None, Retriever(store), store)
    hits = [store.passages_of(first, limit=1)[0], store.passages_of(second, limit=1)[0]]
    return [h.doc_id for h in build._treated_first(hits, ctx, store)]


def test_the_guideline_that_considers_the_patients_drug_comes_first(store: SQLiteStore) -> None:
    assert _ranked(store, "ngc:10946", "ngc:10362")[0] == "ngc:10362"


def test_a_first_guideline_that_considers_it_stays_first(store: SQLiteStore) -> None:
    assert _ranked(store, "ngc:10362", "ngc:10946")[0] == "ngc:10362"
