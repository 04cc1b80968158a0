"""MedQuAD parser, checked against every one of the 5,497 XML files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import medquad

ROOT = DATA / "medquad"

# Files per folder, as in medquad/SOURCE.md.
FILES = {
    "1_CancerGov_QA": 116,
    "2_GARD_QA": 2685,
    "3_GHR_QA": 1086,
    "4_MPlus_Health_Topics_QA": 981,
    "5_NIDDK_QA": 157,
    "6_NINDS_QA": 277,
    "7_SeniorHealth_QA": 48,
    "8_NHLBI_QA_XML": 88,
    "9_CDC_QA": 59,
}
# Non-empty answers per folder. SOURCE.md counts 16,407 in all and 1,088 for NINDS:
# it missed four NINDS files in a lower-case variant (<doc><qaPairs><pair>) holding
# 16 more answers (0000007, 0000018, 0000182, 0000244), which this parser reads.
ANSWERS = {
    "1_CancerGov_QA": 729,
    "2_GARD_QA": 5389,
    "3_GHR_QA": 5430,
    "4_MPlus_Health_Topics_QA": 981,
    "5_NIDDK_QA": 1192,
    "6_NINDS_QA": 1104,
    "7_SeniorHealth_QA": 769,
    "8_NHLBI_QA_XML": 559,
    "9_CDC_QA": 270,
}


def _files() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/*.xml"))


@pytest.fixture(scope="module")
def parsed() -> dict[Path, object]:
    out = {}
    for path in _files():
        data = path.read_bytes()
        assert medquad.sniff(path.name, data[:4096]), path
        out[path] = medquad.parse(data, str(path.relative_to(ROOT)))
    return out


def test_every_file_parses_with_the_pinned_counts(parsed: dict) -> None:
    assert Counter(p.parent.name for p in parsed) == FILES
    assert len(parsed) == 5497
    answers: Counter[str] = Counter()
    for path, result in parsed.items():
        for doc in result.documents:
            # An answer may be chunked into several passages; count answers by qid.
            answers[path.parent.name] += len({p.meta["qid"] for p in doc.passages})
    assert answers == ANSWERS
    assert sum(answers.values()) == 16_407 + 16


def test_skips_are_explained(parsed: dict) -> None:
    skipped = Counter(reason for r in parsed.values() for reason in r.skipped)
    # 5 empty GARD answers (one file has only empty answers); 6 NIDDK files have
    # an empty <QAPairs/>.
    assert skipped == {"empty answer": 4, "all answers empty": 1, "no QA pairs": 6}
    assert sum(len(r.documents) for r in parsed.values()) == 5497 - 7


def test_doc_ids_unique_across_dataset(parsed: dict) -> None:
    ids = [d.doc_id for r in parsed.values() for d in r.documents]
    assert len(ids) == len(set(ids))
    # Several CancerGov files share @id="0000013_2"; the file stem tells them apart.
    assert {"medquad:CancerGov-0000013_2", "medquad:CancerGov-0000013_2_1"} <= set(ids)
    # Same numeric id in two collections stays distinct.
    assert {"medquad:GHR-0000001", "medquad:NIDDK-0000001"} <= set(ids)


def test_offsets_and_fields_for_every_document(parsed: dict) -> None:
    issuers = set(medquad.ISSUERS.values())
    for result in parsed.values():
        for doc in result.documents:
            assert doc.source_type == "consumer" and doc.evidence_level == "consumer"
            assert doc.title and doc.url.startswith("http")
            assert doc.issuer in issuers and doc.venue == doc.issuer
            for p in doc.passages:
                assert doc.text[p.start:p.end] == p.text
                assert p.meta["question"] and p.section
                assert len(p.text) <= 1600


def test_known_treatment_answer() -> None:
    path = ROOT / "9_CDC_QA" / "0000397.xml"  # the one <DiseaseFile> root
    doc = medquad.parse(path.read_bytes(), "9_CDC_QA/0000397.xml").documents[0]
    assert doc.doc_id == "medquad:CDC-0000397"
    assert doc.title == "Parasites - Taeniasis"
    assert doc.issuer == "Centers for Disease Control and Prevention"
    assert doc.url == "http://www.cdc.gov/parasites/taeniasis/"
    treatment = [p for p in doc.passages if p.section == "treatment"]
    assert len(treatment) == 1
    assert "praziquantel or niclosamide" in treatment[0].text
    assert treatment[0].meta == {
        "question": "What are the treatments for Parasites - Taeniasis ?",
        "qtype": "treatment",
        "qid": "0000397-6",
    }


def test_annotations_and_inline_bullets() -> None:
    path = ROOT / "1_CancerGov_QA" / "0000001_1.xml"
    doc = medquad.parse(path.read_bytes(), path.name).documents[0]
    assert doc.title == "Adult Acute Lymphoblastic Leukemia"
    assert doc.meta["cuis"] == ["C0751606"] and doc.meta["semantic_group"] == "Disorders"
    assert doc.identifiers == {"medquad": "0000001_1", "source": "CancerGov"}
    symptoms = next(p for p in doc.passages if p.section == "symptoms")
    # "...following:    - Weakness..." on one source line becomes one item per line.
    assert "\n- Weakness or feeling tired.\n- Fever or night sweats." in symptoms.text
    ghr = medquad.parse((ROOT / "3_GHR_QA" / "0000001.xml").read_bytes(), "0000001.xml").documents[0]
    assert "Aarskog syndrome" in ghr.meta["synonyms"]


def test_lowercase_ninds_variant() -> None:
    doc = medquad.parse((ROOT / "6_NINDS_QA" / "0000007.xml").read_bytes(), "0000007.xml").documents[0]
    assert doc.doc_id == "medquad:NINDS-0000007"
    assert doc.title == "Holmes-Adie"
    assert [p.section for p in doc.passages] == ["information", "treatment", "outlook", "research"]


def test_bad_input_raises_parse_error() -> None:
    data = (ROOT / "3_GHR_QA" / "0000001.xml").read_bytes()
    with pytest.raises(ParseError, match="not well-formed XML"):
        medquad.parse(data[: len(data) // 2], "0000001.xml")
    with pytest.raises(ParseError, match="not a MedQuAD document"):
        medquad.parse(b"<Other id='1'><QAPairs/></Other>", "x.xml")


def test_sniff_rejects_other_formats() -> None:
    others = [
        DATA / "mesh/meshrdf_desc-samples.xml",
        DATA / "medlineplus/mplus_topics_2012-07-21_sample.xml",
        DATA / "pubmedqa/ori_pqal.json",
        ROOT / "SOURCE.md",
        ROOT / "readme.txt",
    ]
    for path in others:
        assert not medquad.sniff(path.name, path.read_bytes()[:4096]), path
