"""MedlinePlus health-topic parser, both layouts."""

from __future__ import annotations

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import medlineplus

ROOT = DATA / "medlineplus"
TOPICS = ROOT / "mplus_topics_2012-07-21_sample.xml"
VOCAB = ROOT / "medline_vocab_2011-04-23_sample.xml"


def _parse(path):
    data = path.read_bytes()
    assert medlineplus.sniff(path.name, data[:4096])
    return medlineplus.parse(data, path.name)


def _check_offsets(docs) -> None:
    for doc in docs:
        assert doc.passages
        for p in doc.passages:
            assert doc.text[p.start:p.end] == p.text
            assert p.section == "summary"


def test_health_topics() -> None:
    result = _parse(TOPICS)
    assert [(d.doc_id, d.title, d.meta["language"]) for d in result.documents] == [
        ("medlineplus:3061", "Abdominal Pain", "English"),
        ("medlineplus:3062", "Dolor abdominal", "Spanish"),
    ]
    _check_offsets(result.documents)
    pain = result.documents[0]
    assert pain.url == "https://www.nlm.nih.gov/medlineplus/abdominalpain.html"
    assert pain.issuer == "MedlinePlus (National Library of Medicine)"
    assert (pain.pub_date, pain.year) == ("2003-01-07", 2003)
    assert pain.source_type == "consumer" and pain.evidence_level == "consumer"
    assert pain.mesh_terms == ("Abdominal Pain",)
    assert pain.meta["mesh_ids"] == ["D015746"]
    assert pain.meta["also_called"] == ["Bellyache"]
    texts = [p.text for p in pain.passages]
    # The source wraps lines mid-paragraph; a paragraph must stay one passage.
    assert texts[0].startswith("Your abdomen extends from below your chest to your groin.")
    assert "• You have abdominal pain that is sudden and sharp" in texts
    assert not any("<" in t or "&lt;" in t for t in texts)
    vocab = {v.ui: v for v in result.vocab}
    assert vocab["mplus:3061"].vocabulary == "medlineplus"
    assert {"Bellyache", "Stomach Ache"} <= set(vocab["mplus:3061"].entry_terms)


def test_legacy_medical_topics() -> None:
    result = _parse(VOCAB)
    assert len(result.documents) == 27 and len(result.vocab) == 27
    _check_offsets(result.documents)
    docs = {d.doc_id: d for d in result.documents}
    arsenic = docs["medlineplus:1569"]
    assert arsenic.title == "Arsenic" and arsenic.meta["language"] == "English"
    assert arsenic.mesh_terms == ("Arsenic", "Arsenic Poisoning")
    assert arsenic.meta["mesh_ids"] == ["D001151", "D020261"]
    assert arsenic.pub_date == "2001-11-01"
    # The bold-italic credit line is metadata, not a passage.
    assert arsenic.meta["summary_source"] == "Agency for Toxic Substances Disease Registry"
    assert all("Registry" not in p.text for p in arsenic.passages)
    water = docs["medlineplus:1867"]
    assert water.meta["language"] == "Spanish" and water.meta["also_called"] == ["Agua para beber"]


def test_bad_input_and_sniff() -> None:
    data = TOPICS.read_bytes()
    with pytest.raises(ParseError, match="not well-formed XML"):
        medlineplus.parse(data[:3000], TOPICS.name)
    with pytest.raises(ParseError, match="not a MedlinePlus"):
        medlineplus.parse(b"<foo/>", "x.xml")
    for path in [ROOT / "SOURCE.md", DATA / "mesh/meshrdf_desc-samples.xml",
                 DATA / "medquad/4_MPlus_Health_Topics_QA/0000001.xml"]:
        assert not medlineplus.sniff(path.name, path.read_bytes()[:4096]), path
