"""A sentence that writes an abbreviation its own document defines is about what it stands for
there: the IWGDF diabetic foot infection guideline (ngc:11055, from the NGC archive) defines
"diabetic foot osteomyelitis (DFO)" once and then recommends "For DFO, … 6 weeks of antibiotic
therapy …" without the words "osteomyelitis" or "foot"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import ingested, ngc_summaries
from medcite.compose.select import candidates
from medcite.store import SQLiteStore
from medcite.understand.concepts import Concept

DFO_SENTENCE = "For DFO, the IWDGF Working Group recommends 6 weeks of antibiotic therapy"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[SQLiteStore]:
    folder = tmp_path_factory.mktemp("dfo")
    ngc_summaries(("11055",), folder, data_dir)
    with ingested(folder) as s:
        yield s


def test_the_store_gives_each_documents_own_definitions(store: SQLiteStore) -> None:
    defined = store.definitions_of(["ngc:11055", "ngc:0"])
    assert set(defined) == {"ngc:11055"}
    assert defined["ngc:11055"]["DFO"] == "diabetic foot osteomyelitis"
    assert store.definitions_of([]) == {}


def test_a_sentence_writing_a_defined_abbreviation_covers_its_long_form(store: SQLiteStore) -> None:
    passages = store.passages_of("ngc:11055")
    found = [Concept("osteomyel", (frozenset({"osteomyel"}),), 1.0)]
    plain = next(c for c in candidates(passages, found) if c.text.startswith(DFO_SENTENCE))
    read = next(c for c in candidates(passages, found, defined=store.definitions_of(["ngc:11055"]))
                if c.text.startswith(DFO_SENTENCE))
    assert plain.cover == 0.0
    assert read.cover == 1.0 and {"diabet", "foot", "osteomyel"} <= read.terms


def test_a_capitalised_word_the_miner_misread_stands_for_nothing(store: SQLiteStore) -> None:
    # the miner reads "Strong (…)" as a definition; a form needs two capitals to count
    passages = store.passages_of("ngc:11055")
    found = [Concept("switch", (frozenset({"switch"}),), 1.0)]
    for c in candidates(passages, found, defined=store.definitions_of(["ngc:11055"])):
        if "Strong" in c.text and "switch" not in c.text.lower():
            assert c.cover == 0.0, c.text
