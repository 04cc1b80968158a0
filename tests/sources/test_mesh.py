"""MeSH XML parser: vocabulary terms from the real samples."""

from __future__ import annotations

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import mesh

ROOT = DATA / "mesh"


def _parse(name: str):
    data = (ROOT / name).read_bytes()
    assert mesh.sniff(name, data[:4096])
    return mesh.parse(data, name)


def test_descriptor_samples() -> None:
    result = _parse("meshrdf_desc-samples.xml")
    assert len(result.vocab) == 43 and not result.documents and not result.skipped
    assert all(t.vocabulary == "mesh" and t.ui.startswith("D") for t in result.vocab)
    # SOURCE.md: 308 Terms across the 43 descriptors, one of each being the name itself.
    assert sum(len(t.entry_terms) + 1 for t in result.vocab) == 308
    terms = {t.ui: t for t in result.vocab}
    acetaminophen = terms["D000082"]
    assert acetaminophen.preferred == "Acetaminophen"
    assert "Paracetamol" in acetaminophen.entry_terms
    assert "Acetaminophen" not in acetaminophen.entry_terms
    assert len(terms["D006732"].entry_terms) == 41  # Horner Syndrome: 42 terms
    # Qualifier names (AllowableQualifier/.../String) are not entry terms.
    assert "therapeutic use" not in acetaminophen.entry_terms


def test_entry_terms_deduplicated_case_insensitively() -> None:
    for term in _parse("meshrdf_desc-samples.xml").vocab + _parse("meshrdf_supp-samples.xml").vocab:
        keys = [term.preferred.casefold(), *(e.casefold() for e in term.entry_terms)]
        assert len(keys) == len(set(keys)), term.ui


def test_supplementary_records() -> None:
    result = _parse("meshrdf_supp-samples.xml")
    assert len(result.vocab) == 19
    assert all(t.ui.startswith("C") for t in result.vocab)
    assert result.vocab[0].preferred == "Aeron"


def test_2006_sample() -> None:
    (term,) = _parse("xml2006sample.xml").vocab
    assert (term.ui, term.preferred) == ("D000001", "Calcimycin")
    assert len(term.entry_terms) + 1 == 6
    assert "A23187" in term.entry_terms


def test_bare_descriptor_record_root() -> None:
    text = (ROOT / "xml2006sample.xml").read_text()
    record = text[text.index("<DescriptorRecord "): text.index("</DescriptorRecordSet>")]
    data = record.encode()
    assert mesh.sniff("record.xml", data[:4096])
    (term,) = mesh.parse(data, "record.xml").vocab
    assert term.ui == "D000001" and "A23187" in term.entry_terms


def test_pharmacological_action_files_are_skipped() -> None:
    result = _parse("pa2006sample.xml")
    assert not result.vocab
    assert result.skipped == ["pharmacological action list (no entry terms)"]
    result = _parse("pa_substance2006sample.xml")
    assert not result.vocab and len(result.skipped) == 2


def test_bad_input() -> None:
    data = (ROOT / "meshrdf_supp-samples.xml").read_bytes()
    with pytest.raises(ParseError, match="not well-formed XML"):
        mesh.parse(data[:5000], "supp.xml")
    with pytest.raises(ParseError, match="not a MeSH XML file"):
        mesh.parse(b"<PubmedArticleSet/>", "x.xml")


def test_sniff_rejects_other_formats() -> None:
    for path in [
        DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
        DATA / "medlineplus/mplus_topics_2012-07-21_sample.xml",
        DATA / "pubmed-xml/biopython/pubmed2.xml",
        ROOT / "SOURCE.md",
        ROOT / "meshrdf_sample-list.txt",
    ]:
        assert not mesh.sniff(path.name, path.read_bytes()[:4096]), path
