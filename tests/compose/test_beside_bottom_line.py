"""The recommendations right next to the bottom line in its guideline are shown with it: a
guideline states one step of a regimen per sentence, and the insulin rate for a child in DKA
comes with when to start the infusion. Real summary from ../shared/data: NICE diabetes in
children and young people (ngc:10782)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.compose.build import ComposeConfig
from medcite.compose.select import Budget
from medcite.store import SQLiteStore

QUESTION = "9yo, 28 kg, DKA pH 7.05, IV fluids started an hour ago. insulin infusion rate? do I bolus?"


store = ngc_fixture(("10782",), "dka")


def _shown(store: SQLiteStore, config: ComposeConfig) -> tuple[str, list[str]]:
    answer = ask(QUESTION, store, save=False, config=config)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    return answer.bottom_line[0].text, [s.text for s in answer.statements() if s.kind == "claim"]


# A crowded answer (a tight budget, no further statements of the asked aspect): without its
# neighbours the bottom line comes alone.
TIGHT = {"budgets": {"clinician": Budget(max_sentences=2, max_words=60, per_document=1)}, "aspect_extra": 0,
         "guideline_sentences": 0, "aspect_sentences": 0}
START = "Do not give bolus doses of intravenous insulin"


def test_the_neighbouring_step_of_the_regimen_is_shown(store: SQLiteStore) -> None:
    bottom, shown = _shown(store, ComposeConfig(**TIGHT))
    assert "0.05 and 0.1 units/kg/hour" in bottom
    assert any(START in t for t in shown), shown


def test_without_the_neighbours_the_budget_leaves_it_out(store: SQLiteStore) -> None:
    _, shown = _shown(store, ComposeConfig(**TIGHT, beside_bottom_line=0))
    assert not any(START in t for t in shown), shown


# the Spanish gout guideline (ngc:10306): recommendations 47 and 48 sit under two sub-headings
# of "Treatment"
gout = ngc_fixture(("10306", "11127"), "gout")


def test_a_neighbour_under_the_same_top_heading_is_shown(gout: SQLiteStore) -> None:
    from medcite.compose import build
    from medcite.retrieve.search import Retriever

    question = "55M recurrent gout, tophus on L elbow, started allopurinol 100 last month. what serum urate am I aiming for?"
    ctx = build._context(question, "clinician", "", None, Retriever(gout), gout)
    hits = gout.passages_of("ngc:10306")
    bottom = [c for c in build.candidates(hits, ctx.found) if c.text.startswith("Recommendation 48:")]
    assert bottom
    # (two documents give "gout" almost no weight: the cover floor is lowered to what the demo store
    # gives this sentence)
    beside = build._beside(gout, ctx, ComposeConfig(min_sentence_cover=0.15), bottom[:1], [], [])
    assert any(c.text.startswith("Recommendation 47: Serum uric acid must reach levels below 6.0") for c in beside), \
        [c.text for c in beside]
