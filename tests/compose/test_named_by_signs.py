"""A vignette that names its condition by its telling findings only ("gritty burning eyes … on
preservative-free tears", "ulcer over L medial malleolus, lipodermatosclerosis") is answered from
the guideline on that condition, with what it recommends when first-line treatment has failed.
Real summaries from ../shared/data: NICE TA369 ciclosporin for dry eye disease (ngc:10877), the
SVS/AVF venous leg ulcer guideline (ngc:10764) and the WOCN lower-extremity arterial disease wound
guideline (ngc:10702)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10877", "10764", "10702"), "signs")


def test_the_next_drop_for_dry_eye_is_the_recommendation_for_when_tears_fail(store: SQLiteStore) -> None:
    answer = ask("58F, gritty burning eyes for 2 yrs, on preservative-free tears 6x/day + lid hygiene for a year, "
                 "still bad, fluorescein shows dense punctate corneal staining both eyes. tears clearly not enough - "
                 "what's the next drop to add?", store, save=False)
    assert answer.bottom_line and answer.bottom_line[0].text.startswith("Ciclosporin is recommended")


def test_the_compression_threshold_comes_from_the_venous_ulcer_guideline(store: SQLiteStore) -> None:
    answer = ask("71F, 5-mo ulcer over L medial malleolus, lipodermatosclerosis, GSV reflux on duplex, but ex-smoker "
                 "w/ calf claudication and weak pedal pulses. ABI today 0.55. DN wants to start 4-layer bandaging - "
                 "at what ABI do I have to hold off on compression?", store, save=False)
    assert answer.bottom_line
    assert "ankle-brachial index is 0.5 or less" in answer.bottom_line[0].text
