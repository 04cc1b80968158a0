"""Benchmark files (questions and gold answers, no evidence text): recognised, skipped.

BioASQ golden sets, the MIRAGE ``benchmark.json`` and PubMedQA's
``test_ground_truth.json`` often sit next to real evidence in a data folder. They
are read by ``medcite eval``, not ingested; claiming them here turns what would be
an "unsupported file" failure into a deliberate, explained skip.
"""

from __future__ import annotations

import json
import re

from ..errors import ParseError
from ..types import Parsed

FORMAT = "benchmark"
SKIP_REASON = "benchmark file (questions without evidence text): use `medcite eval`"

# PubMedQA ground truth: {"12377809": "yes", ...}
_PMID_LABELS = re.compile(rb'^\{\s*"\d+"\s*:\s*"(?:yes|no|maybe)"')
# MIRAGE: {"medqa": {"0000": {"question": ..., "options": {...}, "answer": "A"}, ...}
_MIRAGE = re.compile(rb'^\{\s*"[\w-]+"\s*:\s*\{\s*"[^"]+"\s*:\s*\{\s*"question"')


def sniff(name: str, head: bytes) -> bool:
    if not name.lower().endswith(".json"):
        return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"{"):
        return False
    if b'"questions"' in head and (b'"snippets"' in head or b'"ideal_answer"' in head or b'"body"' in head):
        return True  # BioASQ golden
    if _MIRAGE.match(stripped) or (b'"options"' in head and b'"answer"' in head and b'"question"' in head):
        return True  # MIRAGE-style multiple choice
    return bool(_PMID_LABELS.match(stripped))


def parse(data: bytes, name: str) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"invalid UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    return Parsed(skipped=[SKIP_REASON])
