"""Benchmark files are recognised and skipped on purpose, never ingested."""

from __future__ import annotations

import pytest

from datapath import DATA
from medcite.errors import ParseError
from medcite.sources import benchmark, medlineplus, medquad, mesh

BIOASQ = sorted((DATA / "bioasq-golden").glob("*/*_golden.json"))
BENCHMARKS = [*BIOASQ, DATA / "mirage/benchmark.json", DATA / "pubmedqa/test_ground_truth.json"]


def test_bioasq_file_count() -> None:
    assert len(BIOASQ) == 21


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_files_are_claimed_and_skipped(path) -> None:
    data = path.read_bytes()
    head = data[:4096]
    assert benchmark.sniff(path.name, head)
    for other in (medquad, mesh, medlineplus):
        assert not other.sniff(path.name, head)
    result = benchmark.parse(data, path.name)
    assert result.skipped == [benchmark.SKIP_REASON]
    assert not result.documents and not result.vocab


def test_evidence_and_other_files_not_claimed() -> None:
    for path in [
        DATA / "pubmedqa/ori_pqal.json",  # real evidence: the pubmedqa parser's file
        DATA / "fda-spl-labels/schemas/druglabel_schema.json",
        DATA / "medquad/1_CancerGov_QA/0000001_1.xml",
    ]:
        assert not benchmark.sniff(path.name, path.read_bytes()[:4096]), path
    # Only .json names.
    head = (DATA / "mirage/benchmark.json").read_bytes()[:4096]
    assert not benchmark.sniff("benchmark.txt", head)


def test_invalid_json_raises() -> None:
    data = (DATA / "pubmedqa/test_ground_truth.json").read_bytes()
    with pytest.raises(ParseError, match="invalid JSON"):
        benchmark.parse(data[:200], "test_ground_truth.json")
