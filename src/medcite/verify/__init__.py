"""Verification: every claim, citation and dose of an answer checked against the index."""

from .answer import verify_answer
from .citations import CitationCheck, check_citations, marker_numbers, segments
from .support import Assessment, Failure, Thresholds, assess, decide, supports

__all__ = [
    "Assessment",
    "CitationCheck",
    "Failure",
    "Thresholds",
    "assess",
    "check_citations",
    "decide",
    "marker_numbers",
    "segments",
    "supports",
    "verify_answer",
]
