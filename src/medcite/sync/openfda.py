"""FDA drug labels from openFDA's ``drug/label`` API (https://open.fda.gov/apis/drug/label/).

``GET <sources.openfda_url>?search=…&limit=…&sort=set_id:asc`` returns JSON: ``meta.results``
(``skip``, ``limit``, ``total``) and ``results``, one record per label (its current version):
``set_id``, ``id``, ``version``, ``effective_time`` (YYYYMMDD), each label section as an array of
strings (``indications_and_usage``, ``boxed_warning``, …; ``*_table`` the tables as HTML) and an
``openfda`` object (``brand_name``, ``generic_name``, ``manufacturer_name``, ``dosage_form``,
``route``, ``product_type``, …). No match is a 404 whose JSON error is ``NOT_FOUND``.

Paging: ``limit`` is at most 1,000 and ``skip`` at most 25,000, and the two do not mix with
``search_after``; so pages are read by following the ``Link: <…search_after=…>; rel="Next"``
header openFDA sends while more remain (any size of result set), ``skip`` being used only
when a reply has no such link. The position (the ``search_after`` of the next page, records
done) is stored with each page's labels in one transaction: a killed sync resumes there.
Pages are cached for ``sources.cache_hours``.

Rate limits (openFDA's published ones): 240 requests a minute, and 1,000 a day per address
without an API key or 120,000 a day with one (``sources.openfda_api_key``). The client keeps
to ``sources.openfda_requests_per_minute``; a run stops, keeping its position, when this
day's openFDA requests (all runs since midnight UTC) reach ``sources.openfda_requests_per_day``.

Each record becomes the document the SPL parser makes of the same label (``spl:<set id>``,
source type "label", its sections as passages named as the SPL parser names them, the year
from ``effective_time``), written through :func:`medcite.sync.labels.write_labels`: a newer
version replaces the stored label (its approved articles become Needs re-review), an older or
the same version is left as stored (the SPL text DailyMed brought stays).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import urllib.parse
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..errors import ConfigError
from ..sources.base import DocBuilder, iso_date, one_line
from ..sources.spl import INDICATIONS_CODE, OTC_NAMES, SECTION_NAMES, pack
from ..types import Document
from . import SyncContext, SyncReport, recorded_run, run_target, state
from .eutils import ncbi_date
from .http import FetchError, HttpClient, ReplyCache, Retry
from .labels import write_labels

SOURCE = "openfda"
FORMAT = "openfda"
MAX_LIMIT = 1000  # openFDA: limit at most 1,000 records a request
MAX_SKIP = 25000  # openFDA: skip at most 25,000 (beyond it, search_after)
ALL = "*"  # the target of a sync of every label (no search)
SORT = "set_id:asc"  # one record per set id: a stable order to resume in

# openFDA's section fields with the LOINC code of the SPL section each comes from, in the
# order a label reads. Fields not listed (``*_table``, ``package_label_principal_display_panel``,
# ``spl_product_data_elements``, ``spl_indexing_data_elements``: what the SPL parser also leaves
# out) are not read.
FIELDS: dict[str, str] = {
    "boxed_warning": "34066-1",
    "recent_major_changes": "43683-2",
    "indications_and_usage": "34067-9",
    "active_ingredient": "55106-9",
    "purpose": "55105-1",
    "dosage_and_administration": "34068-7",
    "dosage_forms_and_strengths": "43678-2",
    "contraindications": "34070-3",
    "warnings_and_cautions": "43685-7",
    "warnings": "34071-1",
    "do_not_use": "50570-1",
    "ask_doctor": "50569-3",
    "ask_doctor_or_pharmacist": "50568-5",
    "when_using": "50567-7",
    "stop_use": "50566-9",
    "pregnancy_or_breast_feeding": "53414-9",
    "keep_out_of_reach_of_children": "50565-1",
    "precautions": "42232-9",
    "general_precautions": "34072-5",
    "information_for_patients": "34076-0",
    "laboratory_tests": "34075-5",
    "adverse_reactions": "34084-4",
    "drug_interactions": "34073-7",
    "drug_and_or_laboratory_test_interactions": "34074-3",
    "use_in_specific_populations": "43684-0",
    "pregnancy": "42228-7",
    "teratogenic_effects": "34077-8",
    "nonteratogenic_effects": "34078-6",
    "labor_and_delivery": "34079-4",
    "nursing_mothers": "34080-2",
    "pediatric_use": "34081-0",
    "geriatric_use": "34082-8",
    "drug_abuse_and_dependence": "42227-9",
    "controlled_substance": "34085-6",
    "abuse": "34086-9",
    "dependence": "34087-7",
    "overdosage": "34088-5",
    "description": "34089-3",
    "clinical_pharmacology": "34090-1",
    "mechanism_of_action": "43679-0",
    "pharmacodynamics": "43681-6",
    "pharmacokinetics": "43682-4",
    "pharmacogenomics": "66106-6",
    "microbiology": "49489-8",
    "nonclinical_toxicology": "43680-8",
    "carcinogenesis_and_mutagenesis_and_impairment_of_fertility": "34083-6",
    "animal_pharmacology_and_or_toxicology": "34091-9",
    "clinical_studies": "34092-7",
    "references": "34093-5",
    "how_supplied": "34069-5",
    "storage_and_handling": "44425-7",
    "inactive_ingredient": "51727-6",
    "other_safety_information": "60561-8",
    "questions": "53413-1",
    "spl_medguide": "42231-1",
    "patient_medication_information": "68498-5",
    "spl_patient_package_insert": "42230-3",
    "instructions_for_use": "59845-8",
    "spl_unclassified_section": "42229-5",
}
_NUMBERING = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")
_NEXT = re.compile(r"<([^>]+)>\s*;\s*rel=\"?next\"?", re.I)


class OpenFdaError(FetchError):
    """openFDA answered with an error reply (its JSON ``error``) that asking again cannot fix."""


def check_reply(body: bytes) -> None:
    """A page of results, or openFDA's "no matches" error; anything else is asked again
    (not JSON: cut off or garbled) or fails (another error reply)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Retry(f"openFDA reply is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise Retry("openFDA reply is not a JSON object")
    error = data.get("error")
    if isinstance(error, dict):
        if error.get("code") == "NOT_FOUND":
            return
        raise OpenFdaError(f"openFDA replied with an error: {error.get('code', '')} {error.get('message', '')}".strip())
    if not isinstance(data.get("results"), list):
        raise Retry("openFDA reply has no results")


def next_search_after(link: str | None) -> str | None:
    """The ``search_after`` of the ``rel="Next"`` page a ``Link`` header names, if any."""
    match = _NEXT.search(link or "")
    if not match:
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(match[1]).query)
    values = query.get("search_after")
    return values[-1] if values else None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _first(value: object) -> str:
    found = [one_line(v) for v in _strings(value) if v.strip()]
    return found[0] if found else ""


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in (one_line(x) for x in values):
        if v and v.lower() not in seen:
            seen[v.lower()] = v
    return list(seen.values())


def _without_heading(text: str, name: str) -> str:
    """A section's text without the heading openFDA keeps at its start ("1 INDICATIONS AND USAGE …")."""
    body = _NUMBERING.sub("", text, count=1)
    for heading in {name, name.replace(" and ", " & ")}:
        if body[: len(heading)].lower() == heading.lower() and (len(body) == len(heading)
                                                                 or not body[len(heading)].isalnum()):
            return body[len(heading):].lstrip(" :.-\u2013")
    return text


def label_document(record: dict[str, Any]) -> Document | None:
    """The label document of one openFDA record, as the SPL parser makes it of the same label
    (None: no set id, or no section text)."""
    set_id = one_line(str(record.get("set_id") or ""))
    if not set_id:
        return None
    facts = record.get("openfda") if isinstance(record.get("openfda"), dict) else {}
    assert isinstance(facts, dict)
    product_type = _first(facts.get("product_type"))
    otc = "OTC" in product_type.upper()
    # Sections whose text another section already holds (openFDA repeats a subsection, such
    # as pediatric_use, inside its parent, use_in_specific_populations) are read once.
    texts = {f: [one_line(s) for s in _strings(record.get(f)) if s.strip()] for f in FIELDS}
    every = [t for v in texts.values() for t in v]
    builder = DocBuilder()
    for field, strings in texts.items():
        strings = [t for t in strings if not any(len(o) > len(t) and t in o for o in every)]
        if not strings:
            continue
        code = FIELDS[field]
        name = (OTC_NAMES.get(code) if otc else None) or SECTION_NAMES.get(code) or field.replace("_", " ").title()
        lines = [t for t in (_without_heading(s, name) for s in strings) if t]
        for chunk in pack(lines):
            builder.add(name, chunk, {"loinc": code, "section_top": name})
    if not len(builder):
        return None

    effective = re.sub(r"\D", "", str(record.get("effective_time") or ""))[:8]
    pub_date = iso_date(effective[:4], effective[4:6], effective[6:8]) if effective[:4].isdigit() else ""
    brands = _unique(_strings(facts.get("brand_name")))
    generics = _unique(_strings(facts.get("generic_name")))
    forms = _unique(_strings(facts.get("dosage_form")))
    routes = _unique(_strings(facts.get("route")))
    issuer = _first(facts.get("manufacturer_name"))
    version = one_line(str(record.get("version") or ""))
    doc_type = f"{product_type} LABEL" if product_type else ""
    name = brands[0] if brands else (generics[0] if generics else "")
    if name and generics and generics[0].lower() != name.lower():
        name += f" ({generics[0]})"
    title = f"{name} {forms[0].lower() if forms else ''}".strip() or f"Drug label {set_id}"
    identifiers = {"setid": set_id}
    if record.get("id"):
        identifiers["spl_id"] = one_line(str(record["id"]))
    if version:
        identifiers["version"] = version
    meta: dict[str, Any] = {"brand_names": brands, "generic_names": generics, "dosage_forms": forms,
                            "routes": routes, "version": version, "effective_date": pub_date,
                            "document_type": doc_type, "source": "openFDA drug/label"}
    doc = builder.build(
        doc_id=f"spl:{set_id}", source_type="label", title=title[:300], format=FORMAT, issuer=issuer, venue=issuer,
        pub_date=pub_date, year=int(pub_date[:4]) if pub_date else None, pub_types=(doc_type,) if doc_type else (),
        evidence_level="label", identifiers=identifiers,
        url=f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={set_id}", meta=meta)
    tops = (SECTION_NAMES[INDICATIONS_CODE], OTC_NAMES[INDICATIONS_CODE])
    indications = " ".join(p.text for p in doc.passages if p.meta.get("section_top") in tops)
    if indications:
        doc = replace(doc, meta={**meta, "indications": " ".join(indications.split())[:3000]})
    return doc


def effective_search(since: str) -> str:
    """``effective_time:[YYYYMMDD TO 99991231]`` for ``--since``."""
    return f"effective_time:[{ncbi_date(since).replace('/', '')} TO 99991231]"


class OpenFdaConnector:
    """``medcite sync openfda [--search S] [--since DATE] [--max N]``."""

    name = SOURCE

    def __init__(self, search: str | None = None, since: str | None = None, max_records: int | None = None,
                 client: HttpClient | None = None, remember_as: str | None = None) -> None:
        if max_records is not None and max_records < 1:
            raise ConfigError(f"--max {max_records}: give 1 or more")
        search = " ".join((search or "").split())
        self.search = "" if search == ALL else search
        self.since = effective_search(since) if since else None
        self.max_records = max_records
        self.client = client
        self.remember_as = remember_as

    @property
    def target(self) -> str:
        return run_target(self.search or ALL, self.since or "", self.max_records, self.remember_as)

    def query(self) -> str:
        """The ``search`` parameter sent (empty: every label)."""
        if self.search and self.since:
            return f"({self.search}) AND {self.since}"
        return self.search or self.since or ""

    def run(self, ctx: SyncContext) -> SyncReport:
        conf = ctx.settings.sources
        client = self.client or HttpClient(conf.openfda_rate(), timeout=conf.timeout, retries=conf.retries,
                                           user_agent=f"{conf.tool or 'medcite'} (medcite sync)")
        cache = ReplyCache(ctx.settings.cache_dir / SOURCE)
        cache.prune(max(conf.cache_hours * 3600, 3600.0))
        cursor_key = hashlib.sha256(self.target.encode()).hexdigest()[:32]

        def sync(report: SyncReport) -> None:
            try:
                self._sync(ctx, client, cache, cursor_key, report)
            except sqlite3.Error as exc:  # the store refused a write: what was committed stays
                report.errors.append(f"store: {exc}")

        return recorded_run(ctx, SOURCE, self.target, client, sync, unreadable=(), cache=cache)

    def _used_today(self, ctx: SyncContext, report: SyncReport) -> int:
        """openFDA requests of the runs started today (UTC) before this one."""
        today = datetime.now(UTC).date().isoformat()
        row = ctx.store.db.execute("SELECT COALESCE(SUM(requests), 0) FROM sync_runs WHERE source = ? "
                                   "AND started_at >= ? AND id != ?", (SOURCE, today, report.run_id)).fetchone()
        return int(row[0])

    def _page(self, ctx: SyncContext, client: HttpClient, cache: ReplyCache, params: dict[str, object],
              budget: int, report: SyncReport) -> tuple[dict[str, Any], str | None]:
        conf = ctx.settings.sources
        key = cache.key("label", params)
        max_age = conf.cache_hours * 3600
        cached = cache.get(key, max_age) if max_age else None
        if cached is not None:
            head, _, body = cached.partition(b"\n")
            link = json.loads(head).get("link")
        else:
            if client.requests >= budget:
                raise FetchError(f"openFDA's daily request limit ({conf.openfda_daily_limit():,}, "
                                 "sources.openfda_requests_per_day) is reached: the position is kept, "
                                 "run the sync again tomorrow (or with sources.openfda_api_key)")
            ident = {"api_key": conf.openfda_api_key} if conf.openfda_api_key else {}
            reply = client.reply(conf.openfda_url, {**params, **ident}, check=check_reply, accept=(404,))
            body, link = reply.body, reply.headers.get("Link")
            cache.put(key, json.dumps({"link": link}).encode() + b"\n" + body)
        data = json.loads(body)
        return data, next_search_after(link)

    def _sync(self, ctx: SyncContext, client: HttpClient, cache: ReplyCache, cursor_key: str,
              report: SyncReport) -> None:
        conf = ctx.settings.sources
        budget = max(0, conf.openfda_daily_limit() - self._used_today(ctx, report))
        cursor = state.get_cursor(ctx.store, SOURCE, cursor_key) or {}
        after: str | None = cursor.get("search_after")
        done = int(cursor.get("done", 0))
        total: int | None = cursor.get("total")
        what = f"openfda {(self.search or ALL)[:40]}"
        ctx.tell(what, done, total)
        while True:
            want = conf.openfda_page_size if self.max_records is None else min(conf.openfda_page_size,
                                                                               self.max_records - done)
            if want <= 0:
                break
            params: dict[str, object] = {"limit": want, "sort": SORT}
            if self.query():
                params["search"] = self.query()
            if after:
                params["search_after"] = after
            elif done:
                if done > MAX_SKIP:
                    raise FetchError(f"openFDA gave no next-page link and skip {done:,} is past its "
                                     f"limit of {MAX_SKIP:,}: narrow the search")
                params["skip"] = done
            data, following = self._page(ctx, client, cache, params, budget, report)
            if isinstance(data.get("error"), dict):  # NOT_FOUND: nothing (more) matches
                if not done:
                    report.warnings.append(f"openFDA: no label matches {self.query() or 'the search'!r}")
                records: list[Any] = []
            else:
                records = data["results"]
                meta_total = ((data.get("meta") or {}).get("results") or {}).get("total")
                total = int(meta_total) if isinstance(meta_total, int) else total
            if self.max_records is not None and total is not None:
                total = min(total, self.max_records)
            docs = []
            for record in records:
                doc = label_document(record) if isinstance(record, dict) else None
                if doc is None:
                    why = "no set_id or no section text"
                    report.skipped[why] = report.skipped.get(why, 0) + 1
                else:
                    docs.append(doc)
            new_done = done + len(records)
            finished = (not records or (self.max_records is not None and new_done >= self.max_records)
                        or (following is None and (len(records) < want or (total is not None
                                                                             and new_done >= total))))
            position = None if finished else {"search_after": following, "done": new_done, "total": total}

            def also(db: sqlite3.Connection, position: dict[str, Any] | None = position) -> None:
                state.set_cursor(db, SOURCE, cursor_key, position)

            name = f"openfda:{self.query() or ALL}:{done}+{len(records)}"
            write_labels(ctx, docs, name, report, f"sync:openfda:{self.target}", skip_same=True, also=also)
            done, after = new_done, following
            ctx.tell(what, done, total)
            if finished:
                break
