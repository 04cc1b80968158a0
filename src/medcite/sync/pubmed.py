"""PubMed through NCBI E-utilities: esearch on the history server, efetch in batches
(the machinery, shared with PMC, is in :mod:`medcite.sync.eutils`).

Each batch is parsed by the PubMed parser ``medcite ingest`` uses and written with the next
``retstart`` in one transaction, so a sync killed at any point resumes after the last batch it
stored; replies are cached on disk, so re-running a sync costs no request.
"""

from __future__ import annotations

from ..clinical.abbreviations import document_definitions
from ..sources import pubmed as pubmed_parser
from ..types import Parsed
from . import SyncContext, SyncReport
from .eutils import (
    EutilsConnector,
    EutilsError,
    Search,
    check_efetch,
    check_esearch,
    ncbi_date,
    parse_search,
)

SOURCE = "pubmed"

__all__ = ["SOURCE", "EutilsError", "PubMedConnector", "Search", "check_efetch", "check_esearch", "ncbi_date",
           "parse_records", "parse_search"]


def parse_records(body: bytes, name: str) -> Parsed:
    """A PubMed XML reply as ``medcite ingest`` parses a file (abbreviations included)."""
    parsed = pubmed_parser.parse(body, name)
    parsed.abbreviations = [document_definitions(d.title, d.text) for d in parsed.documents]
    return parsed


class PubMedConnector(EutilsConnector):
    """``medcite sync pubmed --query Q [--since DATE] [--max N]``."""

    name = SOURCE
    db = "pubmed"
    set_root = "PubmedArticleSet"
    example = "myositis treatment"

    def parse_batch(self, body: bytes, name: str, ctx: SyncContext, report: SyncReport) -> Parsed:
        return parse_records(body, name)
