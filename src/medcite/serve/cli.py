"""The ``medcite`` command line: a thin surface over the same core as the API."""

from __future__ import annotations

import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from typer.core import TyperCommand

from ..errors import EXIT_INCOMPLETE, Interrupted, MedciteError
from ..ingest import IngestReport, ingest
from ..retrieve.highlight import mark, unmark
from ..retrieve.search import MODES, Retriever
from ..review import open_editorial
from ..settings import Settings, as_toml, effective, is_ray_address, redact
from ..store import SQLiteStore, open_store
from ..types import SOURCE_TYPES
from .cli_common import HomeOption, MedciteGroup, load, state

if TYPE_CHECKING:
    from ..distributed import RaySession

app = typer.Typer(
    name="medcite",
    help="Answer clinical questions from cited, guideline-backed sources.",
    no_args_is_help=True,
    add_completion=False,
    cls=MedciteGroup,
)
console = Console()
err = Console(stderr=True)


@app.callback()
def options(
    config: Annotated[Path | None, typer.Option(
        "--config", help="Config file (TOML; default: $MEDCITE_CONFIG, else medcite.toml in the data folder).",
        show_default=False)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
) -> None:
    """Answer clinical questions from cited, guideline-backed sources."""
    state.config = config
    state.debug = debug


def _store(settings: Settings) -> SQLiteStore:
    return open_store(settings)  # a StoreError ends the command with one line (MedciteGroup)


class _RateColumn(ProgressColumn):
    """Documents per second since the start of the task."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        docs = task.fields.get("docs", 0)
        rate = docs / elapsed if elapsed > 0 else 0.0
        return Text(f"{docs:,} docs · {task.fields.get('passages', 0):,} passages · {rate:,.0f} docs/s")


class _RayCommand(TyperCommand):
    """A command whose ``--ray`` takes an address or nothing: ``--ray`` alone (last, or before
    another option or a path) means ``ingest.ray_address``; ``--ray ADDRESS`` or
    ``--ray=ADDRESS`` names one (click has no options with an optional value)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # a click Context (typer's own click)
        out: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                out += [arg, *rest]
                break
            if arg != "--ray":
                out.append(arg)
                continue
            following = next(rest, None)
            if following is not None and not following.startswith("-") and is_ray_address(following):
                out += [arg, following]
            else:
                out.append("--ray=")
                if following is not None:
                    out.append(following)
        return super().parse_args(ctx, out)


RayOption = Annotated[
    str | None,
    typer.Option("--ray", metavar="[ADDRESS]", show_default=False,
                 help="Compute on a Ray cluster, this process writing (extra `ray`). ADDRESS: auto, "
                      "ray://HOST:10001, HOST:PORT or local (a new local instance); without one, "
                      "ingest.ray_address, else Ray's default ($RAY_ADDRESS, a cluster `ray start` "
                      "started on this machine, or a new local instance)."),
]


def _ray_session(settings: Settings, flag: str | None) -> RaySession | None:
    """The Ray cluster of ``--ray`` (None without the flag): the extra checked (exit status 4)
    and the cluster reached (exit status 5) before any work."""
    if flag is None:
        return None
    from ..distributed import RaySession

    return RaySession(settings.ingest.ray_address, num_cpus=settings.ingest.workers)


@app.command("ingest", cls=_RayCommand)
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to ingest.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    batch_size: Annotated[int | None, typer.Option(help="Documents per transaction (default 500).",
                                                   show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(help="Parser processes (default: the cores, at most 4).")] = None,
    embed: Annotated[bool, typer.Option("--embed/--no-embed", help="Embed new passages for dense search.")] = True,
    embed_budget: Annotated[
        float | None,
        typer.Option(help="Stop embedding after this many seconds (resume with `medcite embed`)."),
    ] = None,
    ray: RayOption = None,
    home: HomeOption = None,
) -> None:
    """Parse and index source files, then embed new passages; exit status 0 only when
    nothing failed. With --ray, files are parsed (and passages embedded) on a Ray cluster."""
    settings = load({"store.home": home, "ingest.workers": workers, "ingest.batch_size": batch_size,
                     "ingest.ray_address": ray or None})
    cluster = _ray_session(settings, ray)
    try:
        summary, report = _ingest(paths, settings, cluster, as_json, embed, embed_budget)
    finally:
        if cluster is not None:
            cluster.close()
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        _print_report(report)
        if "embedding" in summary:
            _print_embedding(summary["embedding"])
    raise typer.Exit(0 if report.ok else 1)


def _ingest(paths: list[Path], settings: Settings, cluster: RaySession | None, as_json: bool, embed: bool,
            embed_budget: float | None) -> tuple[dict[str, Any], IngestReport]:
    store = _store(settings)
    quiet = as_json or not sys.stderr.isatty()
    try:
        articles = open_editorial(settings)
        try:
            with Progress(
                SpinnerColumn(), TextColumn("[bold]ingest[/bold] {task.fields[files]:,} files"),
                BarColumn(bar_width=None), _RateColumn(), TimeElapsedColumn(),
                console=err, disable=quiet, transient=False,
            ) as bar:
                task = bar.add_task("ingest", total=None, files=0, docs=0, passages=0)

                def progress(files: int, docs: int, passages: int) -> None:
                    bar.update(task, files=files, docs=docs, passages=passages)

                report = ingest(paths, store, batch_size=settings.ingest.batch_size,
                                workers=cluster.cpus if cluster else settings.ingest.workers,
                                progress=progress, articles=articles,
                                executor=cluster.executor() if cluster else None)
        finally:
            articles.close()
        summary = report.to_dict()
        if cluster is not None:
            summary["ray"] = cluster.describe()
        _refresh_index(store, settings, "", quiet)
        if embed:
            summary["embedding"] = _embed(store, settings, embed_budget, None, quiet, cluster)
    finally:
        store.close()
    return summary, report


def _refresh_index(store: SQLiteStore, settings: Settings, embedder: str, quiet: bool) -> None:
    """Bring the passage index up to the store now (the local index: build BM25 and load the
    vectors; Milvus: send it the new passages and vectors), so the first search is fast."""
    from ..index import open_index

    index = open_index(settings.index.url, store, embedder)
    try:
        with err.status(f"[bold]indexing[/bold] {redact(index.url)}", spinner="dots") if not quiet else nullcontext():
            index.refresh(store)
    finally:
        index.close()


def _embed(store: SQLiteStore, settings: Settings, budget: float | None, limit: int | None,
           quiet: bool, cluster: RaySession | None = None) -> dict[str, object]:
    """Embed pending passages with a progress bar (on ``cluster``'s actors when given; this
    process writes the vectors either way); returns the embedding summary."""
    from ..retrieve.embed import embedder_for_store
    from ..store.vectors import count_pending, embed_pending

    try:
        # The store's own model when it has vectors already (a store embedded at 256 tokens goes
        # on at 256 rather than starting over), else the configured or default one.
        embedder = embedder_for_store(store, settings.embed.embedder or None, threads=settings.embed.threads)
    except (MedciteError, ValueError) as exc:
        err.print(f"[yellow]dense embeddings skipped:[/yellow] {escape(str(exc))}")
        return {"skipped": str(exc)}
    pending = count_pending(store, embedder.name)
    total = pending if limit is None else min(pending, limit)
    with Progress(
        SpinnerColumn(), TextColumn(f"[bold]embed[/bold] {embedder.name}"), BarColumn(bar_width=None),
        TextColumn("{task.completed:,}/{task.total:,} passages"), TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(), console=err, disable=quiet,
    ) as bar:
        task = bar.add_task("embed", total=total, rate="")
        started = time.perf_counter()
        saved = [0]  # passages whose vectors are committed

        def progress(done: int, _total: int) -> None:
            saved[0] = done
            elapsed = time.perf_counter() - started
            bar.update(task, completed=done, rate=f"{done / elapsed:,.0f}/s" if elapsed else "")

        pool = cluster.embed_pool(embedder.name, settings.embed.threads) if cluster and total else None
        try:
            result = embed_pending(store, embedder, budget_seconds=budget, limit=limit, progress=progress,
                                   pool=pool)
        except KeyboardInterrupt:
            # Each batch of vectors is its own transaction: the ones committed stay.
            raise Interrupted(f"interrupted: {saved[0]:,} passages embedded and saved, "
                              f"{count_pending(store, embedder.name):,} still pending - run `medcite embed` "
                              "to continue") from None
        finally:
            if pool is not None:
                pool.close()
    _refresh_index(store, settings, embedder.name, quiet)
    out: dict[str, object] = {"model": embedder.name, **result}
    if pool is not None:
        out["ray_actors"] = pool.size
    return out


def _print_embedding(result: dict[str, object]) -> None:
    if "skipped" in result:
        return
    console.print(
        f"embedded {result['embedded']:,} passages with {result['model']} in {result['seconds']} s "
        f"({result['per_second']}/s); {result['pending']:,} still pending"
        + (" — run `medcite embed` to continue (search is lexical until 90% of passages have vectors)."
           if result["pending"] else ".")
    )


@app.command("embed", cls=_RayCommand)
def embed_cmd(
    budget: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    limit: Annotated[int | None, typer.Option(help="Embed at most this many passages.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    ray: RayOption = None,
    home: HomeOption = None,
) -> None:
    """Embed passages that have no vector yet (most useful evidence first); resumable. With
    --ray, Ray actors embed batches and this process writes them."""
    from ..retrieve.embed import get_embedder

    settings = load({"store.home": home, "ingest.ray_address": ray or None})
    if ray is not None:  # without the extra, fail before loading a model
        from ..distributed import require_ray

        require_ray()
    try:  # the model first: without its extra this command has nothing to do (exit status 4)
        get_embedder(settings.embed.embedder or None, threads=settings.embed.threads)
    except ValueError as exc:  # an unknown model name
        raise MedciteError(f"embed.embedder ({settings.origin('embed.embedder')}): {exc}") from exc
    cluster = _ray_session(settings, ray)
    try:
        store = _store(settings)
        try:
            result = _embed(store, settings, budget, limit, as_json or not sys.stderr.isatty(), cluster)
        finally:
            store.close()
    finally:
        if cluster is not None:
            cluster.close()
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        _print_embedding(result)
    raise typer.Exit(0 if "skipped" not in result else EXIT_INCOMPLETE)


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
        f"{report.skipped_files:,} files skipped."
    )
    # Documentation files are skipped as a matter of course; any other reason (a symbolic
    # link leaving the folder, a FIFO) is something the operator should see by name.
    unusual = [f for f in report.skips if not f.reason.startswith(_ROUTINE_SKIPS)]
    if unusual:
        console.print(f"[yellow]{len(unusual)} skipped:[/yellow]")
        for f in unusual:
            console.print(f"  [yellow]SKIPPED[/yellow] {escape(f.location())}: {escape(f.reason)}", soft_wrap=True)
    if report.flagged:
        console.print(f"[yellow]{len(report.flagged)} approved article(s) cite a changed source and now "
                      f"need re-review:[/yellow] {', '.join(report.flagged)}")
    if report.failures:
        console.print(f"[red]{len(report.failures)} failed:[/red]")
        for f in report.failures:
            console.print(f"  [red]FAILED[/red] {escape(f.location())}: {escape(f.reason)}", soft_wrap=True)


_ROUTINE_SKIPS = ("documentation file", "not a recognised source format", "unsupported file type",
                  "benchmark")


def _highlight(snippet: str) -> str:
    text = escape(snippet)
    return mark(text, "[bold yellow]", "[/bold yellow]")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Any text: words, phrases, a question.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=1000, help="Number of hits.")] = 10,
    source_type: Annotated[
        list[str] | None,
        typer.Option("--type", help=f"Only these source types ({', '.join(SOURCE_TYPES)})."),
    ] = None,
    since: Annotated[int | None, typer.Option(help="Only documents from this year on.")] = None,
    mode: Annotated[str, typer.Option(help="lexical, dense or hybrid (default).")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as a JSON array.")] = False,
    home: HomeOption = None,
) -> None:
    """Ranked passages with title, type, year and a highlighted snippet."""
    if mode not in MODES:
        err.print(f"[red]error:[/red] unknown --mode {escape(mode)}; choose from {', '.join(MODES)}")
        raise typer.Exit(2)
    bad = [t for t in source_type or [] if t not in SOURCE_TYPES]
    if bad:
        err.print(f"[red]error:[/red] unknown --type {', '.join(bad)}; choose from {', '.join(SOURCE_TYPES)}")
        raise typer.Exit(2)
    settings = load({"store.home": home})
    store = _store(settings)
    retriever = Retriever.from_settings(store, settings)
    try:
        hits = retriever.search(query, k=k, mode=mode, source_types=source_type or None, since=since)
    finally:
        store.close()
    if as_json:
        out = []
        for h in hits:
            d = h.to_dict()
            d["snippet"] = unmark(h.snippet)
            out.append(d)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    info = retriever.info
    notes = [f"mode {info.mode}"]
    if info.expansions:
        notes.append("also searched: " + "; ".join(info.expansions))
    if info.note:
        notes.append(info.note)
    err.print("[dim]" + escape(" · ".join(notes)) + "[/dim]")
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
    store = _store(load({"store.home": home}))
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
    store = _store(load({"store.home": home}))
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


@app.command("config")
def config_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """The effective settings and where each came from.

    Each value's source: default, config file, environment variable or flag. The output is a
    valid medcite.toml."""
    from ..settings import CONFIG_FILE

    settings = load({"store.home": home})
    if as_json:
        print(json.dumps({"config_file": str(settings.config_file) if settings.config_file else None,
                          "settings": effective(settings)}, indent=2))
        return
    sys.stdout.write(as_toml(settings, settings.home / CONFIG_FILE))


from .cli_ask import ask_cmd, list_answers_cmd, show_answer_cmd  # noqa: E402
from .cli_eval import eval_app  # noqa: E402  (registered after the core commands)
from .cli_serve import serve_cmd, users_app  # noqa: E402
from .cli_sync import sources_cmd, sync_app  # noqa: E402

app.add_typer(eval_app, name="eval")
app.command("ask")(ask_cmd)
answers_app = typer.Typer(help="Saved answers.", no_args_is_help=True)
answers_app.command("show")(show_answer_cmd)
answers_app.command("list")(list_answers_cmd)
app.add_typer(answers_app, name="answers")
app.command("serve")(serve_cmd)
app.add_typer(users_app, name="users")
app.add_typer(sync_app, name="sync")
app.command("sources")(sources_cmd)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
