"""The ``medcite`` command line: a thin surface over the same core as the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ..errors import MedciteError
from ..ingest import IngestReport, ingest
from ..retrieve import lexical_search
from ..settings import Settings
from ..store import SQLiteStore, open_store
from ..store.sqlite import HIGHLIGHT
from ..types import SOURCE_TYPES

app = typer.Typer(
    name="medcite",
    help="Answer clinical questions from cited, guideline-backed sources.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder (default: $MEDCITE_HOME or the user data dir).",
                 envvar="MEDCITE_HOME", show_envvar=False),
]


def _store(home: Path | None) -> SQLiteStore:
    try:
        return open_store(Settings.from_env(home))
    except MedciteError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


class _RateColumn(ProgressColumn):
    """Documents per second since the start of the task."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        docs = task.fields.get("docs", 0)
        rate = docs / elapsed if elapsed > 0 else 0.0
        return Text(f"{docs:,} docs · {task.fields.get('passages', 0):,} passages · {rate:,.0f} docs/s")


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to ingest.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    batch_size: Annotated[int, typer.Option(help="Documents per transaction.")] = 500,
    workers: Annotated[int | None, typer.Option(help="Parser processes (default: cores).")] = None,
    home: HomeOption = None,
) -> None:
    """Parse and index source files; exit status 0 only when nothing failed."""
    store = _store(home)
    quiet = as_json or not sys.stderr.isatty()
    with Progress(
        SpinnerColumn(), TextColumn("[bold]ingest[/bold] {task.fields[files]:,} files"),
        BarColumn(bar_width=None), _RateColumn(), TimeElapsedColumn(),
        console=err, disable=quiet, transient=False,
    ) as bar:
        task = bar.add_task("ingest", total=None, files=0, docs=0, passages=0)

        def progress(files: int, docs: int, passages: int) -> None:
            bar.update(task, files=files, docs=docs, passages=passages)

        try:
            report = ingest(paths, store, batch_size=batch_size, workers=workers, progress=progress)
        finally:
            store.close()
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_report(report: IngestReport) -> None:
    table = Table(title="Ingest summary", show_footer=True)
    table.add_column("format", footer="total")
    totals = {k: 0 for k in ("read", "added", "updated", "unchanged", "skipped", "failed")}
    for tally in report.tallies.values():
        for key in totals:
            totals[key] += getattr(tally, key)
    for key in totals:
        table.add_column(key, justify="right", footer=f"{totals[key]:,}")
    for fmt, tally in sorted(report.tallies.items()):
        table.add_row(fmt, *(f"{getattr(tally, k):,}" for k in totals))
    console.print(table)
    rate = report.documents / report.seconds if report.seconds else 0.0
    console.print(
        f"{report.documents:,} documents, {report.passages:,} passages, "
        f"{report.vocab_terms:,} vocabulary terms in {report.seconds:.1f} s ({rate:,.0f} documents/s); "
        f"{report.skipped_files:,} files skipped (not evidence)."
    )
    if report.failures:
        console.print(f"[red]{len(report.failures)} failed:[/red]")
        for f in report.failures:
            console.print(f"  [red]FAILED[/red] {escape(f.location())}: {escape(f.reason)}", soft_wrap=True)


def _highlight(snippet: str) -> str:
    text = escape(snippet)
    return text.replace(HIGHLIGHT[0], "[bold yellow]").replace(HIGHLIGHT[1], "[/bold yellow]")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Any text: words, phrases, a question.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=1000, help="Number of hits.")] = 10,
    source_type: Annotated[
        list[str] | None,
        typer.Option("--type", help=f"Only these source types ({', '.join(SOURCE_TYPES)})."),
    ] = None,
    since: Annotated[int | None, typer.Option(help="Only documents from this year on.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as a JSON array.")] = False,
    home: HomeOption = None,
) -> None:
    """Ranked passages with title, type, year and a highlighted snippet."""
    bad = [t for t in source_type or [] if t not in SOURCE_TYPES]
    if bad:
        err.print(f"[red]error:[/red] unknown --type {', '.join(bad)}; choose from {', '.join(SOURCE_TYPES)}")
        raise typer.Exit(2)
    store = _store(home)
    try:
        hits = lexical_search(store, query, k=k, source_types=source_type or None, since=since)
    finally:
        store.close()
    if as_json:
        out = []
        for h in hits:
            d = h.to_dict()
            d["snippet"] = h.snippet.replace(HIGHLIGHT[0], "").replace(HIGHLIGHT[1], "")
            out.append(d)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not hits:
        console.print("No matching passages. Try other words, or check `medcite stats`.")
        return
    for rank, h in enumerate(hits, 1):
        console.print(
            f"[bold]{rank}. {escape(h.title)}[/bold]  [dim]{h.source_type} · {h.year or 'n.d.'} · "
            f"{escape(h.doc_id)} · {escape(h.section)} · score {h.score:.2f}[/dim]",
            soft_wrap=True,
        )
        console.print("   " + _highlight(h.snippet or h.text[:240]), soft_wrap=True)


@app.command("stats")
def stats_cmd(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    home: HomeOption = None,
) -> None:
    """What the store holds, by source type and format."""
    store = _store(home)
    try:
        stats = store.stats()
    finally:
        store.close()
    if as_json:
        print(json.dumps(stats, indent=2))
        return
    table = Table(title=f"medcite store — {escape(stats['path'])}")
    table.add_column("source type")
    table.add_column("documents", justify="right")
    table.add_column("passages", justify="right")
    for st, c in stats["by_source_type"].items():
        table.add_row(st, f"{c['documents']:,}", f"{c['passages']:,}")
    table.add_row("[bold]total[/bold]", f"{stats['documents']:,}", f"{stats['passages']:,}")
    console.print(table)
    console.print(
        f"formats: {', '.join(f'{k} {v:,}' for k, v in stats['by_format'].items()) or 'none'}; "
        f"vocabulary concepts: {stats['vocabulary_concepts']:,}; size {stats['size_bytes'] / 1e6:,.1f} MB"
    )


@app.command("show")
def show_cmd(
    doc_id: Annotated[str, typer.Argument(help="A document id such as pmid:12345 or ngc:9085.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    home: HomeOption = None,
) -> None:
    """One document: its metadata and passages."""
    store = _store(home)
    try:
        doc = store.document(doc_id)
        info = store.document_info(doc_id)
    finally:
        store.close()
    if doc is None:
        err.print(f"[red]error:[/red] no document {escape(doc_id)!s} in the store")
        raise typer.Exit(1)
    if as_json:
        from dataclasses import asdict

        print(json.dumps({**asdict(doc), "store": info}, indent=2, ensure_ascii=False, default=str))
        return
    console.print(f"[bold]{escape(doc.title)}[/bold]")
    facts = [
        ("id", doc.doc_id), ("type", doc.source_type), ("evidence", doc.evidence_level),
        ("issuer", doc.issuer), ("venue", doc.venue), ("date", doc.pub_date),
        ("authors", ", ".join(doc.authors[:6]) + (" et al." if len(doc.authors) > 6 else "")),
        ("publication types", ", ".join(doc.pub_types)), ("MeSH", ", ".join(doc.mesh_terms[:12])),
        ("identifiers", ", ".join(f"{k} {v}" for k, v in doc.identifiers.items())),
        ("url", doc.url), ("version", str(info["version"]) if info else ""),
    ]
    for label, value in facts:
        if value:
            console.print(f"[dim]{label}:[/dim] {escape(value)}", soft_wrap=True)
    for p in doc.passages:
        grade = f" [{escape(p.meta['grade'])}]" if p.meta.get("grade") else ""
        console.print(f"\n[bold cyan]§{p.ordinal} {escape(p.section)}[/bold cyan]{grade}")
        console.print(escape(p.text), soft_wrap=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
