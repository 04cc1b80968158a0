"""An alternative asked because the patient is too frail for first-line treatment is the
guideline's recommendation for frail patients: "86F, WM … too frail for BR or DRC - what's a
gentler option?" is answered by the BCSH Waldenström guideline's "Chlorambucil remains suitable
therapy in elderly frail patients (Grade B1)." (ngc:10426), though that sentence names neither
the regimens ruled out nor the disease. Beside the MedlinePlus page "Sweat", the vignette's
"drenching sweats" are a finding, not that topic. Real sources from ../shared/data (set S of
session 14, held out then)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.compose.aspects import aspect_bonus
from medcite.compose.judge import directs
from medcite.store import SQLiteStore

VIGNETTE = ("86F, WM dx 2 yrs ago, now symptomatic - Hb 84, drenching sweats, IgM 28 g/L, no HVS sx. CFS 7, care "
            "home resident, CrCl 30. haem MDT thinks she's too frail for BR or DRC - what's a gentler option for her?")
ANSWER = "Chlorambucil remains suitable therapy in elderly frail patients (Grade B1)."


store = ngc_fixture(("10426",), "wm")


def test_the_chosen_guidelines_sentences_for_the_reason_are_read(store: SQLiteStore) -> None:
    # The sentence shares no word with the question but "frail" (its heading names the disease):
    # under the coverage floor for the chosen guideline's other passages, read for the reason.
    from medcite.compose.build import _siblings
    from medcite.understand.concepts import concepts

    found = concepts(["rituximab", "cyclophosphamid", "dexamethason", "frail", "gentler"], None, lambda t: 3.0)
    plain = _siblings(store, [], found, {"ngc:10426": 1.0})
    for_frailty = _siblings(store, [], found, {"ngc:10426": 1.0}, reasons=frozenset({"frailty"}))
    assert not any(ANSWER in h.text for h in plain)
    assert any(ANSWER in h.text for h in for_frailty)


def test_the_sweats_are_no_condition_and_wm_is_waldenstrom() -> None:
    from medcite.retrieve.scope import Scope, ScopeIndex
    from medcite.understand.frame import understand

    scopes = ScopeIndex([
        Scope("ngc:10426", "guideline", "Guidelines on the diagnosis and management of Waldenström macroglobulinaemia",
              ("Waldenström macroglobulinaemia",), "Patients with Waldenström macroglobulinaemia", ()),
        Scope("medquad:MPlusHealthTopics-0000865", "consumer", "Sweat", ("Sweat",), "", ()),
    ])
    frame = understand(VIGNETTE, scopes=scopes)
    assert frame.conditions == ("Waldenström macroglobulinaemia",)
    assert frame.aspect == "alternative" and frame.reasons == frozenset({"frailty"})
    # the regimens ruled out are not what the answer is about: the disease they were for is
    assert frame.focus_drugs == ()


def test_suitable_therapy_for_the_frail_directs_and_offers_an_alternative() -> None:
    assert directs(ANSWER)
    assert aspect_bonus("alternative", ANSWER) >= 0.9
    assert not directs("Severely frail patients with a very poor performance status are unlikely to benefit.")
