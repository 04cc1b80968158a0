"""Abbreviations the indexed documents define: mined at ingest, counted by the store (migration
m008, backfilled on an older store), expanded both ways in a question, an ambiguous one
resolved by the question's other words. Real guidelines from ../shared/data throughout."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import ngc_summaries
from medcite.clinical.abbreviations import document_definitions
from medcite.ingest import ingest
from medcite.retrieve.corpus_abbreviations import corpus_abbreviations
from medcite.retrieve.query import expand, load_abbreviations
from medcite.store import SQLiteStore

# NGC summaries (in summaries.tar.xz) that define the ambiguous short forms below:
# CEA: carotid endarterectomy (10288, 10521, 10516) / carcinoembryonic antigen (9942, 11072, 9896);
# DBT: dialectical behavior therapy (11238, 9978) / digital breast tomosynthesis (11151, 11030, 11204);
# CDI: Clostridium difficile infection (11246, 9803) / Communicative Development Inventory (10746).
MEMBERS = ("10288", "10521", "10516", "9942", "11072", "9896", "11238", "9978", "11151", "11030", "11204",
           "11246", "9803", "10746")


@pytest.fixture(scope="module")
def guidelines(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """The summaries above, taken out of the archive, beside the four samples."""
    folder = tmp_path_factory.mktemp("ngc")
    ngc_summaries(MEMBERS, folder, data_dir)
    for sample in (data_dir / "ngc-guidelines" / "samples").glob("*.xml"):
        (folder / sample.name).write_bytes(sample.read_bytes())
    assert len(list(folder.glob("*.xml"))) == len(MEMBERS) + 4
    return folder


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, guidelines: Path) -> Path:
    path = tmp_path_factory.mktemp("abbrev") / "medcite.db"
    store = SQLiteStore(path)
    assert ingest([guidelines], store, workers=1).ok
    store.close()
    return path


@pytest.fixture()
def store(store_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(store_path)
    yield s
    s.close()


def _rows(store: SQLiteStore) -> list[tuple[str, ...]]:
    return [tuple(r) for r in store.db.execute(
        """SELECT d.doc_id, a.short, a.long, a.key, a.display FROM doc_abbreviations a
           JOIN documents d ON d.id = a.doc_rowid ORDER BY 1, 2, 3""")]


# -- what ingest stores -------------------------------------------------------------------

DEFINED = [
    # (short form, long form as most documents write it, documents) in the guidelines above
    ("ASCVD", "atherosclerotic cardiovascular disease", 1),  # ngc-10477
    ("LDL-C", "low-density lipoprotein cholesterol", 1),
    ("eGFR", "estimated glomerular filtration rate", 1),
    ("GBS", "Guillain-Barré syndrome", 1),  # ngc-9085
    ("CIDP", "chronic inflammatory demyelinating polyneuropathy", 1),
    ("NICE", "National Institute for Health and Care Excellence", 1),  # ngc-9954
    ("DTPIs", "deep tissue pressure injuries", 1),  # ngc-11042
    ("CEA", "carcinoembryonic antigen", 3),
    ("CEA", "carotid endarterectomy", 3),
    ("DBT", "Digital breast tomosynthesis", 3),
    ("DBT", "dialectical behavior therapy", 2),
    ("CDI", "Clostridium difficile infection", 2),
]


@pytest.mark.parametrize(("short", "long", "documents"), DEFINED)
def test_ingest_stores_the_definitions_documents_give(store: SQLiteStore, short: str, long: str,
                                                      documents: int) -> None:
    assert (long, documents) in store.abbreviation_senses(short)
    # and back: case, spacing and hyphens of the long form do not matter
    assert (short, documents) in store.abbreviations_for(long.upper().replace("-", " "))


def test_short_forms_keep_their_case(store: SQLiteStore) -> None:
    assert store.abbreviation_senses("ascvd") == [] and store.abbreviation_senses("Cea") == []
    assert store.abbreviation_senses("nonsense") == [] and store.abbreviations_for("no such thing") == []
    # IVIg is defined twice in ngc-9085 ("Intravenous immunoglobulin", "IV immunoglobulin"): two
    # long forms, one document each; a question's "IVIG" is the packaged table's.
    assert sorted(n for _, n in store.abbreviation_senses("IVIg")) == [1, 1]


def test_the_senses_are_counted_by_documents_most_first(store: SQLiteStore) -> None:
    senses = store.abbreviation_senses("DBT")
    assert senses == sorted(senses, key=lambda s: -s[1])
    found = store.abbreviation_senses_of(["CEA", "DBT", "XYZ"])
    assert set(found) == {"CEA", "DBT"} and found["DBT"] == senses
    titles = store.abbreviation_titles("CEA", "carotid endarterectomy")
    assert len(titles) == 3 and any("carotid" in t.lower() for t in titles)


def test_parser_processes_mine_the_same_as_one_process(tmp_path: Path, data_dir: Path, store: SQLiteStore) -> None:
    samples = data_dir / "ngc-guidelines" / "samples"
    one, two = SQLiteStore(tmp_path / "one.db"), SQLiteStore(tmp_path / "two.db")
    assert ingest([samples], one, workers=1).ok and ingest([samples], two, workers=2).ok
    assert _rows(one) == _rows(two) and len(_rows(one)) > 30
    assert set(_rows(one)) <= set(_rows(store))
    one.close()
    two.close()


# -- counts follow the documents ---------------------------------------------------------

def test_counts_drop_when_a_defining_document_is_deleted(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "copy.db"
    with sqlite3.connect(store_path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    store = SQLiteStore(path)
    assert ("carcinoembryonic antigen", 3) in store.abbreviation_senses("CEA")
    assert store.delete("ngc:9942")
    assert ("carcinoembryonic antigen", 2) in store.abbreviation_senses("CEA")
    assert ("carotid endarterectomy", 3) in store.abbreviation_senses("CEA")
    assert store.delete("ngc:10477")  # the only document defining ASCVD
    assert store.abbreviation_senses("ASCVD") == [] and store.abbreviations_for("atherosclerotic cardiovascular disease") == []
    assert not store.db.execute(
        "SELECT 1 FROM doc_abbreviations WHERE doc_rowid NOT IN (SELECT id FROM documents)").fetchone()
    store.close()


def test_reingesting_a_document_without_the_definition_drops_it(tmp_path: Path, data_dir: Path) -> None:
    sample = data_dir / "ngc-guidelines" / "samples" / "ngc-10477.xml"
    store = SQLiteStore(tmp_path / "medcite.db")
    assert ingest([sample], store, workers=1).ok
    assert store.abbreviation_senses("ASCVD") == [("atherosclerotic cardiovascular disease", 1)]
    ldl = store.abbreviation_senses("LDL-C")
    edited = tmp_path / "ngc-10477.xml"  # the same guideline, revised not to define ASCVD
    edited.write_bytes(sample.read_bytes().replace(b"(ASCVD)", b""))
    report = ingest([edited], store, workers=1)
    assert report.ok and report.changed == ["ngc:10477"]
    assert store.abbreviation_senses("ASCVD") == []
    assert store.abbreviation_senses("LDL-C") == ldl  # what it still defines is kept, once
    assert ingest([sample], store, workers=1).changed == ["ngc:10477"]  # and back again
    assert store.abbreviation_senses("ASCVD") == [("atherosclerotic cardiovascular disease", 1)]
    store.close()


def test_the_store_keeps_only_what_it_is_given(tmp_path: Path, store: SQLiteStore) -> None:
    doc = store.document("ngc:10477")
    assert doc is not None
    other = SQLiteStore(tmp_path / "medcite.db")
    defined = document_definitions(doc.title, doc.text)
    assert other.upsert([doc], abbreviations=[defined]) == ["added"]
    assert other.abbreviation_senses("ASCVD") == [("atherosclerotic cardiovascular disease", 1)]
    assert other.upsert([doc], abbreviations=[[]]) == ["unchanged"]  # an unchanged text keeps its rows
    assert other.abbreviation_senses("ASCVD") != []
    changed = dataclasses.replace(doc, text=doc.text + " Revised.")
    assert other.upsert([changed]) == ["updated"]  # none given: the old text's rows go
    assert other.db.execute("SELECT COUNT(*) FROM doc_abbreviations").fetchone()[0] == 0
    with pytest.raises(ValueError):
        other.upsert([doc, changed], abbreviations=[defined])
    other.close()


# -- migration m008 ----------------------------------------------------------------------

def test_m008_backfills_a_store_built_before_it(tmp_path: Path, store_path: Path, store: SQLiteStore) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(store_path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    db = sqlite3.connect(path, isolation_level=None)  # as a medcite before m008 left it
    db.execute("DROP VIEW abbreviations")
    db.execute("DROP TABLE doc_abbreviations")
    db.execute("DELETE FROM _migrations WHERE name = 'm008_abbreviations'")
    db.execute("PRAGMA user_version = 7")
    db.close()
    old = SQLiteStore(path)
    assert "m008_abbreviations" in {r[0] for r in old.db.execute("SELECT name FROM _migrations")}
    assert _rows(old) == _rows(store)  # mined from the stored texts: what ingest would have written
    assert ("carotid endarterectomy", 3) in old.abbreviation_senses("CEA")
    view = {tuple(r) for r in old.db.execute("SELECT short, long, documents FROM abbreviations")}
    assert ("ASCVD", "atherosclerotic cardiovascular disease", 1) in view
    old.close()


# -- expansion ---------------------------------------------------------------------------

def test_a_short_form_only_the_documents_define_expands(store: SQLiteStore) -> None:
    assert "ASCVD" not in load_abbreviations()
    result = expand("Which statin intensity for adults with clinical ASCVD?", store)
    assert ("ASCVD", "atherosclerotic cardiovascular disease") in result.abbreviations
    assert "atherosclerotic cardiovascular disease" in result.expansions
    # without a store (or with one that keeps no abbreviations) nothing is mined
    assert all(s != "ASCVD" for s, _ in expand("clinical ASCVD", None).abbreviations)


AMBIGUOUS = [
    # (question, short form, the sense its other words point to)
    ("Is CEA indicated after a TIA with 80% carotid stenosis?", "CEA", "carotid endarterectomy"),
    ("Is CEA or stenting better for symptomatic carotid stenosis?", "CEA", "carotid endarterectomy"),
    ("How often should CEA be checked after resection of colon cancer?", "CEA", "carcinoembryonic antigen"),
    ("Should serum CEA be measured in follow-up of colorectal cancer?", "CEA", "carcinoembryonic antigen"),
    ("Is DBT better than mammography for screening dense breasts?", "DBT", "digital breast tomosynthesis"),
    ("Does DBT reduce suicide attempts in adolescents?", "DBT", "dialectical behavior therapy"),
    ("DBT for self-harm in borderline personality disorder", "DBT", "dialectical behavior therapy"),
    # nothing to go on: the sense most documents define
    ("What is DBT?", "DBT", "digital breast tomosynthesis"),
]


@pytest.mark.parametrize(("question", "short", "sense"), AMBIGUOUS)
def test_an_ambiguous_short_form_is_read_by_the_other_words(store: SQLiteStore, question: str, short: str,
                                                           sense: str) -> None:
    assert short not in load_abbreviations()
    found = [e.lower() for s, e in expand(question, store).abbreviations if s == short]
    assert found == [sense]  # one sense, not all of them


class _Titles:
    """Defining documents' titles, as the demo corpus has them."""

    def __init__(self, titles: dict[str, list[str]]) -> None:
        self.titles = titles

    def abbreviation_titles(self, short: str, long: str, limit: int = 30) -> list[str]:
        return self.titles.get(long, [])[:limit]


def test_two_letters_need_the_question_to_point_to_a_sense() -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.corpus_abbreviations import _pick, _Sense

    def sense(long: str, documents: int) -> _Sense:
        return _Sense(long, documents, frozenset(analyze(long)))

    # In the demo corpus TM is transverse myelitis in two documents (tympanic membrane in
    # one), PV polycythemia vera and plasma viscosity in two each, HR hazard ratio in 7 and
    # heart rate in 5: a bedside "TM", "PV" or "HR 88" is left alone unless the question's
    # words point to a sense.
    tm = _Titles({"transverse myelitis": ["Transverse myelitis", "Neuromyelitis optica"]})
    assert _pick(tm, "TM", [sense("transverse myelitis", 2)], frozenset(analyze("18-month-old L TM bulging"))) is None
    assert _pick(tm, "TM", [sense("transverse myelitis", 2)], frozenset(analyze("TM after a viral illness myelitis")))
    pv = [sense("polycythemia vera", 2), sense("plasma viscosity", 2)]
    assert _pick(_Titles({}), "PV", pv, frozenset(analyze("26 wks fell onto abdomen PV bleeding"))) is None
    hr = [sense("hazard ratio", 7), sense("heart rate", 5)]
    assert _pick(_Titles({}), "HR", hr, frozenset(analyze("trauma bay sternal fx HR 88"))) is None
    picked = _pick(_Titles({}), "HR", hr, frozenset(analyze("resting HR 118, rate control")))
    assert picked is not None and picked.long == "heart rate"
    # three letters or more: the majority sense when nothing points elsewhere
    acr = [sense("American College of Radiology", 172), sense("American College of Rheumatology", 6)]
    picked = _pick(_Titles({}), "ACR", acr, frozenset(analyze("what does the ACR say")))
    assert picked is not None and picked.long == "American College of Radiology"


def test_senses_one_document_defines_count_against_the_majority() -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.corpus_abbreviations import _pick, _Sense

    # In the demo corpus MTC is medullary thyroid carcinoma in two documents, a major trauma
    # centre and a training centre in one each: a trauma call's "MTC resus" is left alone.
    mtc = [_Sense("medullary thyroid carcinoma", 2, frozenset(analyze("medullary thyroid carcinoma")))]
    trauma = frozenset(analyze("MTC resus: 27M motorbike vs car, intimal flap at the isthmus"))
    assert _pick(_Titles({}), "MTC", mtc, trauma, total=4) is None
    assert _pick(_Titles({}), "MTC", mtc, trauma, total=2) is not None  # the only sense: the majority
    thyroid = frozenset(analyze("MTC with calcitonin 900, thyroid nodule"))
    assert _pick(_Titles({}), "MTC", mtc, thyroid, total=4) is not None


def test_a_long_form_adds_its_short_form(store: SQLiteStore) -> None:
    # CDI is also "Communicative Development Inventory", in one document only
    result = expand("Treatment of Clostridium difficile infection in adults", store)
    assert ("Clostridium difficile infection", "CDI") in result.abbreviations
    assert "CDI" in result.expansions
    assert ("atherosclerotic cardiovascular disease", "ASCVD") in corpus_abbreviations(
        "secondary prevention of atherosclerotic cardiovascular disease", store, set())
    # not when the short form means something else as often ("CEA" is carcinoembryonic antigen
    # in as many documents), nor when the question writes it already
    assert expand("aspirin after carotid endarterectomy", store).abbreviations == ()
    assert all(e != "CDI" for _, e in expand("CDI: Clostridium difficile infection in adults", store).abbreviations)


def test_a_pair_the_table_knows_is_left_to_the_composer(store: SQLiteStore) -> None:
    from medcite.retrieve.query import _in_table

    # "heart failure" -> HF is the table's own pair (common; sources write both); CDI is in the
    # table as "Clostridioides difficile infection", which these guidelines do not write.
    assert _in_table("HF", "Heart failure") and not _in_table("CDI", "Clostridium difficile infection")
    text = "Clostridium difficile infection"
    assert corpus_abbreviations(text, store, set(), known=lambda short, long: True) == []
    assert corpus_abbreviations(text, store, set()) == [(text, "CDI")]


def test_capitalised_words_and_shouting_are_not_short_forms(store: SQLiteStore) -> None:
    assert corpus_abbreviations("What Is The Best Treatment?", store, set()) == []
    assert corpus_abbreviations("IS CEA INDICATED AFTER A TIA", store, set(), shouting=True) == []


class _Broken:
    def synonyms(self, term: str, limit: int = 12) -> list[str]:
        return []

    def abbreviation_senses_of(self, shorts: object) -> dict[str, list[tuple[str, int]]]:
        raise sqlite3.ProgrammingError("Cannot operate on a closed database.")


def test_expansion_never_fails_on_the_store(store: SQLiteStore) -> None:
    assert expand("CEA after TIA", _Broken()).abbreviations == (("TIA", "transient ischemic attack"),)
    closed = SQLiteStore(store.path)
    closed.close()
    assert expand("Is CEA indicated?", closed).abbreviations == ()
