"""A guideline's section on one treatment states its regimen without naming the drug again
("The typical regimen … is once- or twice-daily application for 3 to 4 weeks" under "Treatments >
5-Fluorouracil (5-FU)"): that sentence answers "how many weeks does she put it on for?". Real
summary from ../shared/data: the BAD guideline on squamous cell carcinoma in situ (Bowen's disease,
ngc:10304), asked about by its histology only."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10304",), "bowen")


def test_the_course_under_the_drugs_heading_is_the_bottom_line(store: SQLiteStore) -> None:
    answer = ask("76F, slowly enlarging 1.5 cm well-demarcated pink scaly plaque on back of R hand x 1 yr, punch bx: "
                 "full-thickness keratinocyte atypia, basement membrane intact, no invasion. she'd rather a cream than "
                 "surgery. starting 5-FU 5% cream - how many weeks does she put it on for?", store, save=False)
    assert answer.bottom_line
    assert "application for 3 to 4 weeks" in answer.bottom_line[0].text
