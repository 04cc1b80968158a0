"""MEDLINE tagged-text parser, on the Biopython sample exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import medline_text
from medcite.types import Parsed

BIO = DATA / "pubmed-xml" / "biopython"
FILES = sorted(BIO.glob("medline_*.txt"))
OTHERS = [
    DATA / "medquad/readme.txt",
    DATA / "medquad/LICENSE.txt",
    DATA / "mesh/EXI_README.txt",
    DATA / "mesh/meshrdf_sample-list.txt",
    DATA / "pubmed-xml/biopython/pubmed1.xml",
    DATA / "ngc-guidelines/samples/ngc-9085.xml",
    DATA / "fda-spl-labels/humira.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    DATA / "pubmedqa/ori_pqal.json",
]


def load(path: Path) -> Parsed:
    return medline_text.parse(path.read_bytes(), path.name)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_sniffs_and_parses(path: Path) -> None:
    data = path.read_bytes()
    assert medline_text.sniff(path.name, data[:4096])
    parsed = medline_text.parse(data, path.name)
    assert parsed.documents and not parsed.skipped
    for doc in parsed.documents:
        assert doc.doc_id == f"pmid:{doc.identifiers['pmid']}"
        assert doc.title and doc.venue and doc.year and doc.authors
        assert doc.format == "medline_text"
        for p in doc.passages:
            assert doc.text[p.start:p.end] == p.text


def test_record_counts() -> None:
    assert [len(load(p).documents) for p in FILES] == [1, 4, 1]


def test_structured_abstract_and_fields() -> None:
    docs = load(BIO / "medline_pubmed_result2.txt").documents
    doc = docs[0]
    assert doc.doc_id == "pmid:16403221"
    assert doc.title == "A high level interface to SCOP and ASTRAL implemented in python."
    assert [p.section for p in doc.passages] == ["BACKGROUND", "RESULTS", "CONCLUSION"]
    # Continuation lines are joined with single spaces.
    assert doc.passages[0].text.startswith("Benchmarking algorithms in structural bioinformatics often involves the")
    assert doc.authors == ("Casbon JA", "Crooks GE", "Saqi MA")
    assert doc.venue == "BMC bioinformatics"
    assert doc.pub_date == "2006" and doc.year == 2006
    assert doc.identifiers == {"pmid": "16403221", "doi": "10.1186/1471-2105-7-10", "pmc": "PMC1373603"}
    # "*" (major topic) and "/qualifier" are stripped; duplicates collapse.
    assert doc.mesh_terms[:3] == ("Database Management Systems", "Databases, Protein", "Information Storage and Retrieval")
    assert doc.pub_types == ("Evaluation Studies", "Journal Article")
    assert doc.meta == {"has_abstract": True, "language": "eng"}


def test_unstructured_abstract_and_lid_doi() -> None:
    (doc,) = load(BIO / "medline_pubmed_result1.txt").documents
    assert [p.section for p in doc.passages] == ["abstract"]
    assert doc.pub_date == "2002-09"
    (hifu,) = load(BIO / "medline_pubmed_result3.txt").documents
    assert hifu.identifiers["doi"] == "10.1118/1.4748329"
    assert [p.section for p in hifu.passages][:2] == ["PURPOSE", "METHODS"]
    assert hifu.pub_date == "2012-10"


def test_record_without_abstract_uses_title() -> None:
    data = b"PMID- 123\nTI  - A title only record\n      continued.\nDP  - 1999 Jan 5\n"
    (doc,) = medline_text.parse(data, "x.nbib").documents
    assert doc.text == "A title only record continued."
    assert doc.passages[0].section == "title" and doc.meta["has_abstract"] is False
    assert doc.pub_date == "1999-01-05"


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not medline_text.sniff(path.name, path.read_bytes()[:4096])


def test_invalid_utf8(tmp_path: Path) -> None:
    data = (BIO / "medline_pubmed_result2.txt").read_bytes()
    at = data.index(b"Benchmarking")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(data[:at] + "Bénchmarking".encode("latin-1") + data[at + len(b"Benchmarking"):])
    with pytest.raises(ParseError, match=f"^invalid UTF-8 at byte {at + 1}$"):
        medline_text.parse(bad.read_bytes(), bad.name)


def test_malformed_line(tmp_path: Path) -> None:
    lines = (BIO / "medline_pubmed_result2.txt").read_text().splitlines(keepends=True)
    lines.insert(5, "this is not a field\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("".join(lines))
    with pytest.raises(ParseError, match="line 6: expected a MEDLINE field"):
        medline_text.parse(bad.read_bytes(), bad.name)


@pytest.mark.parametrize("data", [b"", b"\n\n", b"no records here\n"])
def test_empty_or_no_records(data: bytes) -> None:
    with pytest.raises(ParseError):
        medline_text.parse(data, "x.txt")
