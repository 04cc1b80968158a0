"""``medcite sync …`` and ``medcite sources``: fill and refresh the store from the real sources."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ..errors import EXIT_INCOMPLETE
from ..review import open_editorial
from ..settings import Settings
from ..store import open_store
from ..sync import Connector, SyncContext, SyncReport, state
from ..sync.baseline import BaselineConnector
from ..sync.dailymed import DailyMedConnector
from ..sync.medlineplus import XML_PAGE, MedlinePlusConnector
from ..sync.openfda import ALL, OpenFdaConnector
from ..sync.pmc import PmcConnector
from ..sync.pubmed import PubMedConnector
from ..sync.report import sources_report
from .cli_common import HomeOption, load

console = Console()
err = Console(stderr=True)
sync_app = typer.Typer(help="Fill and refresh the store from PubMed (E-utilities, baseline mirror), PMC "
                       "open-access full text, DailyMed, openFDA and MedlinePlus.",
                       no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}[/bold]"), BarColumn(bar_width=None),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=quiet) as bar:
        tasks: dict[str, Any] = {}

        def tell(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(escape(what), total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield tell


def run_connectors(settings: Settings, connectors: list[Connector], as_json: bool) -> list[SyncReport]:
    """Run each connector against the store, with progress on stderr (not with ``--json`` or
    when stderr is no terminal); the reports, in order."""
    quiet = as_json or not sys.stderr.isatty()
    store = open_store(settings)
    reports: list[SyncReport] = []
    try:
        articles = open_editorial(settings)
        try:
            with _progress(quiet) as tell:
                for connector in connectors:
                    if quiet and not as_json:
                        err.print(f"sync {connector.name} …")
                    reports.append(connector.run(SyncContext(store, settings, articles, tell)))
        finally:
            articles.close()
    finally:
        store.close()
    return reports


def _finish(reports: list[SyncReport], as_json: bool) -> None:
    ok = all(r.ok for r in reports)
    if as_json:
        print(json.dumps({"ok": ok, "runs": [r.to_dict() for r in reports]}, indent=2, ensure_ascii=False))
    else:
        _print_summary(reports)
    raise typer.Exit(0 if ok else EXIT_INCOMPLETE)


def _print_summary(reports: list[SyncReport]) -> None:
    table = Table(title="Sync summary")
    for col in ("source", "added", "updated", "unchanged", "deleted", "skipped", "requests", "cached", "seconds",
                "status"):
        table.add_column(col, justify="left" if col in ("source", "status") else "right")
    for r in reports:
        table.add_row(r.source, f"{r.added:,}", f"{r.updated:,}", f"{r.unchanged:,}", f"{r.deleted:,}",
                      f"{sum(r.skipped.values()):,}", f"{r.requests:,}", f"{r.cached:,}", f"{r.seconds:.1f}",
                      "[green]ok[/green]" if r.ok else "[red]failed[/red]")
    console.print(table)
    for r in reports:
        files = f" ({r.files:,} files)" if r.files else ""
        console.print(f"  {r.source}: {escape(r.target)}{files}", soft_wrap=True)
        for w in r.warnings:
            console.print(f"  [yellow]{r.source}:[/yellow] {escape(w)}", soft_wrap=True)
        for why, n in r.skipped.items():
            console.print(f"  {r.source}: {n:,} skipped: {escape(why)}", soft_wrap=True)
        if r.retries:
            console.print(f"  [dim]{r.source}: {len(r.retries)} request(s) retried (last: "
                          f"{escape(r.retries[-1])})[/dim]", soft_wrap=True)
        if r.flagged:
            console.print(f"[yellow]{len(r.flagged)} approved article(s) cite a changed or deleted source and now "
                          f"need re-review:[/yellow] {', '.join(r.flagged)}")
        for e in r.errors:
            console.print(f"  [red]FAILED[/red] {r.source}: {escape(e)}", soft_wrap=True)


@sync_app.command("pubmed")
def sync_pubmed_cmd(
    query: Annotated[str, typer.Option("--query", "-q", help="A PubMed search, as typed on pubmed.gov.")],
    since: Annotated[str | None, typer.Option(help="Only records modified on or after this date (YYYY[-MM[-DD]]).")
                     ] = None,
    max_records: Annotated[int | None, typer.Option("--max", help="At most this many records.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per efetch request (default 200).",
                                                   show_default=False)] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Search PubMed (E-utilities) and store the records found; resumable, cached, rate-limited."""
    settings = load({"store.home": home, "sources.batch_size": batch_size})
    connector = PubMedConnector(query, since, max_records)
    _finish(run_connectors(settings, [connector], as_json), as_json)


@sync_app.command("pmc")
def sync_pmc_cmd(
    query: Annotated[str, typer.Option("--query", "-q", help="A PMC search, as typed on pmc.ncbi.nlm.nih.gov "
                                       "(the open-access filter is added).")],
    since: Annotated[str | None, typer.Option(help="Only articles modified on or after this date (YYYY[-MM[-DD]]).")
                     ] = None,
    max_records: Annotated[int | None, typer.Option("--max", help="At most this many articles.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Articles per efetch request (default 200).",
                                                   show_default=False)] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Search PMC's open-access subset (E-utilities) and store the full text of the articles whose
    licence allows reuse (sources.pmc_licenses); the others are skipped and counted."""
    settings = load({"store.home": home, "sources.batch_size": batch_size})
    connector = PmcConnector(query, since, max_records)
    _finish(run_connectors(settings, [connector], as_json), as_json)


@sync_app.command("openfda")
def sync_openfda_cmd(
    search: Annotated[str | None, typer.Option("--search", "-s", help="An openFDA search, such as "
                                               "'openfda.generic_name:atorvastatin' (default: every label).",
                                               show_default=False)] = None,
    since: Annotated[str | None, typer.Option(help="Only labels effective on or after this date "
                                              "(YYYY[-MM[-DD]]).")] = None,
    max_records: Annotated[int | None, typer.Option("--max", help="At most this many labels.")] = None,
    page_size: Annotated[int | None, typer.Option(help="Labels per request (default 100, at most 1000).",
                                                  show_default=False)] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Store FDA drug labels from openFDA's drug/label API; a label keyed by set id, a newer version
    replacing an older one (the same or an older version is left as stored)."""
    settings = load({"store.home": home, "sources.openfda_page_size": page_size})
    connector = OpenFdaConnector(search, since, max_records)
    _finish(run_connectors(settings, [connector], as_json), as_json)


@sync_app.command("pubmed-baseline")
def sync_baseline_cmd(
    mirror: Annotated[str | None, typer.Option(help="The mirror's root: a URL (https://ftp.ncbi.nlm.nih.gov/pubmed/) "
                                               "or a folder holding baseline/ and updatefiles/.",
                                               show_default=False)] = None,
    max_files: Annotated[int | None, typer.Option("--max-files", help="Process at most this many new files.")] = None,
    workers: Annotated[int | None, typer.Option(help="Parser processes (default: the cores, at most 4).")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Process the PubMed baseline and update files not processed yet, each md5-checked, in order."""
    settings = load({"store.home": home, "sources.pubmed_mirror": mirror, "ingest.workers": workers})
    connector = BaselineConnector(settings.sources.pubmed_mirror, limit=max_files)
    _finish(run_connectors(settings, [connector], as_json), as_json)


@sync_app.command("medlineplus")
def sync_medlineplus_cmd(
    source: Annotated[str | None, typer.Option("--source", help="The health-topics XML: a file, a folder, "
                                               "its URL, or a page linking to it (default: sources.medlineplus, "
                                               f"else {XML_PAGE}).", show_default=False)] = None,
    delete_missing: Annotated[bool | None, typer.Option("--delete-missing/--keep-missing",
                                                        help="Delete synced topics the new file no longer has "
                                                        "(default: sources.medlineplus_delete_missing).",
                                                        show_default=False)] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Store MedlinePlus's newest health-topics file (once per file; an older one is refused)."""
    settings = load({"store.home": home, "sources.medlineplus": source,
                     "sources.medlineplus_delete_missing": delete_missing})
    connector = MedlinePlusConnector(settings.sources.medlineplus or XML_PAGE)
    _finish(run_connectors(settings, [connector], as_json), as_json)


@sync_app.command("dailymed")
def sync_dailymed_cmd(
    source: Annotated[str | None, typer.Option("--source", help="DailyMed SPL release zips: a folder, a zip, "
                                               "its URL, or a page linking to them (default: sources.dailymed).",
                                               show_default=False)] = None,
    max_files: Annotated[int | None, typer.Option("--max-files", help="Process at most this many new zips.")
                         ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Store the drug labels of DailyMed's full and update release zips not processed yet; a label
    keyed by set id, a newer version replacing an older one (never the reverse)."""
    settings = load({"store.home": home, "sources.dailymed": source})
    connector = DailyMedConnector(settings.sources.dailymed, limit=max_files)
    _finish(run_connectors(settings, [connector], as_json), as_json)


def scheduled(settings: Settings) -> list[Connector]:
    """What ``sync all`` runs: the baseline mirror, then each PubMed query since its last
    successful sync (a day of overlap: E-utilities dates are days)."""
    out: list[Connector] = []
    conf = settings.sources
    if conf.pubmed_mirror:
        out.append(BaselineConnector(conf.pubmed_mirror))
    if conf.dailymed:
        out.append(DailyMedConnector(conf.dailymed))
    if conf.medlineplus:
        out.append(MedlinePlusConnector(conf.medlineplus))
    searches: list[tuple[Any, str]] = [(PubMedConnector, q) for q in conf.pubmed_queries]
    searches += [(PmcConnector, q) for q in conf.pmc_queries]
    searches += [(OpenFdaConnector, q) for q in conf.openfda_searches]
    store = open_store(settings) if searches else None
    try:
        for kind, query in searches:
            assert store is not None
            target = " ".join(query.split()) or ALL
            last = state.last_success(store, kind.name, target)
            since = None
            if last:
                since = (datetime.fromisoformat(last).astimezone(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
            # Remembered under the query alone, as a full `sync pubmed --query` is: the next
            # run starts from this one.
            out.append(kind(query, since, remember_as=target))
    finally:
        if store is not None:
            store.close()
    return out


@sync_app.command("all")
def sync_all_cmd(as_json: JsonOption = False, home: HomeOption = None) -> None:
    """Run every sync the settings list (sources.pubmed_mirror, dailymed, medlineplus, pubmed_queries,
    pmc_queries, openfda_searches): for cron."""
    settings = load({"store.home": home})
    connectors = scheduled(settings)
    if not connectors:
        err.print("[yellow]nothing to sync:[/yellow] set sources.pubmed_queries, sources.pubmed_mirror, "
                  "sources.dailymed, sources.medlineplus, sources.pmc_queries or sources.openfda_searches in "
                  "medcite.toml (`medcite config` shows them)")
        raise typer.Exit(EXIT_INCOMPLETE)
    _finish(run_connectors(settings, connectors, as_json), as_json)


def sources_cmd(as_json: JsonOption = False, home: HomeOption = None) -> None:
    """Each source's last sync: when, counts added/updated/deleted, errors."""
    settings = load({"store.home": home})
    store = open_store(settings)
    try:
        report = sources_report(settings, store)
    finally:
        store.close()
    rows, listed = report["sources"], report["sync_all"]
    queries = listed["pubmed_queries"]
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    if not rows:
        console.print("No source has been synced yet: see `medcite sync --help`.")
        return
    table = Table(title="Sources (counts: all runs)")
    for col in ("source", "last sync", "status", "added", "updated", "deleted", "errors of the last run"):
        table.add_column(col, justify="right" if col in ("added", "updated", "deleted") else "left")
    for row in rows:
        last, totals = row["last_run"], row["totals"]
        when = (last["finished_at"] or last["started_at"]).replace("T", " ")[:16]
        table.add_row(f"{row['source']}\n[dim]{escape(row['target'][:40])}[/dim]", when, last["status"],
                      f"{totals['added']:,}", f"{totals['updated']:,}", f"{totals['deleted']:,}",
                      escape("; ".join(last["errors"])[:200]) or "-")
    console.print(table)
    upcoming = min((r["next_run"] for r in rows if r["next_run"]), default=None)
    console.print(f"next run: {upcoming.replace('T', ' ')[:16]} UTC (sources.schedule {report['schedule']})" if upcoming
                  else "next run: not scheduled (set sources.schedule to the time cron runs `sync all`)")
    for row in rows:
        if row["overdue"]:
            console.print(f"[red]overdue:[/red] {row['source']} {escape(row['target'][:60])} has not run since "
                          f"{row['last_run']['started_at'].replace('T', ' ')[:16]}", soft_wrap=True)
    pmc, fda = listed.get("pmc_queries") or [], listed.get("openfda_searches") or []
    if queries or pmc or fda or listed["pubmed_mirror"] or listed["dailymed"] or listed["medlineplus"]:
        console.print(f"[dim]sync all runs: mirror {escape(listed['pubmed_mirror'] or 'none')}; "
                      f"{len(queries)} PubMed quer{'y' if len(queries) == 1 else 'ies'}; "
                      f"{len(pmc)} PMC quer{'y' if len(pmc) == 1 else 'ies'}; "
                      f"{len(fda)} openFDA search{'' if len(fda) == 1 else 'es'}; "
                      f"DailyMed {escape(listed['dailymed'] or 'none')}; "
                      f"MedlinePlus {escape(listed['medlineplus'] or 'none')}[/dim]")
