"""PubMed Central open-access full text through E-utilities (``esearch``/``efetch`` db=pmc).

The search is the query AND PMC's ``open access[filter]`` (only the open-access subset has
full text medcite may reuse), on the history server, read in batches of JATS
``<pmc-articleset>`` replies exactly as ``medcite sync pubmed`` reads PubMed (the machinery is
:mod:`medcite.sync.eutils`: cache, retries, resumable cursor). Each article goes through the
JATS parser ``medcite ingest`` uses; the licence it states is kept on the document
(``meta.license``: its URL or words; ``meta.license_code``) and an article whose licence is
not in ``sources.pmc_licenses`` is skipped, counted in the report by reason.

The licence rule (``sources.pmc_licenses``; the default suits a non-commercial reference
tool that quotes and chunks articles, with attribution): CC0, public domain, CC BY, CC BY-SA,
CC BY-NC and CC BY-NC-SA are reused. No-derivatives licences (CC BY-ND, CC BY-NC-ND), articles
with no licence, "all rights reserved" and ``license-type="open-access"`` without a licence
medcite can read are skipped: "open access" alone means free to read, not free to reuse.
"""

from __future__ import annotations

from collections import Counter

from ..clinical.abbreviations import document_definitions
from ..sources import pmc as pmc_parser
from ..types import Parsed
from . import SyncContext, SyncReport
from .eutils import EutilsConnector

SOURCE = "pmc"
OPEN_ACCESS = "open access[filter]"
# Why an article is skipped, by its licence code (sources/pmc.py: license_of).
_WHY = {"none": "no licence stated", "unknown": "licence not recognised as one allowing reuse",
        "cc-by-nd": "no-derivatives licence (CC BY-ND)", "cc-by-nc-nd": "no-derivatives licence (CC BY-NC-ND)"}


def skip_reason(code: str, allowed: list[str]) -> str | None:
    """Why an article with licence ``code`` is not stored (None: it is)."""
    if code in allowed:
        return None
    return _WHY.get(code, f"licence {code} not in sources.pmc_licenses")


class PmcConnector(EutilsConnector):
    """``medcite sync pmc --query Q [--since DATE] [--max N]``."""

    name = SOURCE
    db = "pmc"
    set_root = "pmc-articleset"
    example = "dermatomyositis treatment"

    def term(self) -> str:
        return f"({self.query}) AND {OPEN_ACCESS}"

    def parse_batch(self, body: bytes, name: str, ctx: SyncContext, report: SyncReport) -> Parsed:
        parsed = pmc_parser.parse(body, name)
        allowed = list(ctx.settings.sources.pmc_licenses)
        kept, why = [], Counter[str]()
        for doc in parsed.documents:
            reason = skip_reason(str(doc.meta.get("license_code", "none")), allowed)
            if reason is None:
                kept.append(doc)
            else:
                why[reason] += 1
        for _ in parsed.skipped:  # the parser's own: no id, no text
            why["no usable id or text"] += 1
        for reason, n in why.items():
            report.skipped[reason] = report.skipped.get(reason, 0) + n
        out = Parsed(documents=kept, skipped=parsed.skipped)
        out.abbreviations = [document_definitions(d.title, d.text) for d in kept]
        return out
